"""Browser journeys: sign up, change the password, and a bureau user flagging a poverty-relief county."""

from __future__ import annotations

import pytest

from gansu_mall.accounts.models import User
from gansu_mall.accounts.tests.factories import PASSWORD, UserFactory
from gansu_mall.regions.models import Region, RegionFlagChange

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/?lang=en")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.locator("form button[type=submit]").filter(has_text="Sign in").click()
    page.wait_for_url("**/")


def test_sign_up_in_english_with_a_form_error_first(page):
    page.goto("/accounts/signup/?lang=en")
    page.get_by_label("User name").fill("new_buyer")
    page.get_by_label("Mobile phone (optional)").fill("12345")
    page.get_by_label("Password", exact=True).fill("walnut-harvest-7")
    page.get_by_label("Password again").fill("walnut-harvest-7")
    page.locator("form button[type=submit]").filter(has_text="Sign up").click()
    assert "Enter a mainland China mobile number" in page.locator(".field-error").first.inner_text()
    assert not User.objects.filter(username="new_buyer").exists()

    page.get_by_label("Mobile phone (optional)").fill("13800138000")
    page.get_by_label("Password", exact=True).fill("walnut-harvest-7")
    page.get_by_label("Password again").fill("walnut-harvest-7")
    page.locator("form button[type=submit]").filter(has_text="Sign up").click()
    page.wait_for_url("**/")
    assert page.get_by_test_id("signed-in-as").inner_text() == "new_buyer"
    assert User.objects.get(username="new_buyer").phone == "13800138000"


def test_change_password_then_sign_in_with_it(page):
    UserFactory(username="farmer_li")
    sign_in(page, "farmer_li")
    page.goto("/accounts/password/?lang=en")
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill("apple-orchard-9")
    page.get_by_label("New password again").fill("apple-orchard-9")
    page.locator("form button[type=submit]").filter(has_text="Change password").click()
    page.wait_for_url("**/accounts/profile/")
    assert "Your password has been changed." in page.locator(".messages").inner_text()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/")
    sign_in(page, "farmer_li", "apple-orchard-9")
    assert page.get_by_test_id("signed-in-as").inner_text() == "farmer_li"


def test_bureau_flags_a_poverty_relief_county(page):
    UserFactory(username="bureau_wang", roles=["bureau"])
    sign_in(page, "bureau_wang")
    page.get_by_role("link", name="Counties").click()
    row = page.locator("#county-621126")
    row.locator("input[type=checkbox]").check()
    row.get_by_role("button", name="Save").click()
    row = page.locator("#county-621126")
    assert row.locator(".field-error").inner_text() == "Say where the poverty-relief status comes from."
    assert not Region.objects.get(code="621126").poverty_relief

    row.locator("input[type=checkbox]").check()
    row.get_by_label("Source").fill("Provincial notice No. 12")
    row.get_by_role("button", name="Save").click()
    page.locator("#county-621126 .field-error").wait_for(state="detached")
    assert page.locator("#county-621126 input[type=checkbox]").is_checked()
    region = Region.objects.get(code="621126")
    assert region.poverty_relief
    assert region.poverty_relief_source == "Provincial notice No. 12"
    assert RegionFlagChange.objects.filter(region_id="621126").count() == 1
