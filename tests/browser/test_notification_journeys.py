"""Browser journey: a buyer turns text messages on for their orders (and email off for refunds) on the
notification settings page, finds the choice kept, and the next order message goes out by SMS."""

from __future__ import annotations

import pytest

from gansu_mall.accounts.tests.factories import PASSWORD, UserFactory
from gansu_mall.notifications import services
from gansu_mall.notifications.models import ChannelPreference, Delivery

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, username: str) -> None:
    page.goto("/accounts/login/?lang=en")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("form button[type=submit]").filter(has_text="Sign in").click()
    page.wait_for_url("**/")


def test_buyer_turns_sms_on_for_orders_and_finds_it_kept(page, settings):
    settings.SMS_PROVIDER = "gansu_mall.notifications.sms.LocmemSmsProvider"
    buyer = UserFactory(username="sms_buyer", email="sms_buyer@example.com", phone="13800138000")
    sign_in(page, "sms_buyer")
    page.get_by_test_id("notifications").click()
    page.get_by_test_id("notification-preferences").click()
    page.wait_for_url("**/notifications/preferences/")
    orders = page.locator('tr[data-group="orders"]')
    assert orders.locator("select").input_value() == "important"
    orders.locator("select").select_option("all")
    page.locator('tr[data-group="refunds"] input[type=checkbox]').uncheck()
    page.get_by_test_id("save-preferences").click()
    page.wait_for_url("**/notifications/preferences/")
    assert "Your notification settings are saved." in page.locator(".messages").inner_text()

    page.reload()
    assert page.locator('tr[data-group="orders"] select').input_value() == "all"
    assert page.locator('tr[data-group="orders"] input[type=checkbox]').is_checked()
    assert not page.locator('tr[data-group="refunds"] input[type=checkbox]').is_checked()
    assert page.locator('tr[data-group="shop"] select').input_value() == "important"
    assert sorted(ChannelPreference.objects.filter(user=buyer).values_list("group", "email", "sms")) == [
        ("orders", True, "all"),
        ("refunds", False, "important"),
        ("settlement", True, "important"),
        ("shop", True, "important"),
        ("system", True, "important"),
        ("warehouse", True, "important"),
    ]
    # The next order message (not an important one) now goes out by SMS as well.
    services.notify(user=buyer, kind="order_placed", params={"number": "G1", "shop": "S", "total": "9.00"})
    assert sorted(Delivery.objects.values_list("channel", "status")) == [("email", "sent"), ("sms", "sent")]
