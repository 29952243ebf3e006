"""Browser journeys of settlement: a seller looks at the shop's balance, opens a statement and downloads it
as CSV; commerce bureau staff export the pending payouts as a bank batch, download its file and confirm a
payout paid — and the seller then sees the money paid out."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from gansu_mall.accounts.tests.factories import PASSWORD, UserFactory
from orders.settlement.models import Payout, Settlement
from orders.settlement.settlement import settlement_run
from orders.tests.conftest import make_product, make_shop
from orders.tests.helpers import ledger_order
from vendors.models import PayoutAccount

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def settled(settings, tmp_path, regions_data):
    """The walnut shop with two orders completed 8 and 9 days ago (49.90 each; default commission 5 % of
    39.90 = 2.00 each), settled today: one statement, net 95.80, one pending payout."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    bureau = UserFactory(username="bureau", roles=["bureau"])
    owner = UserFactory(username="walnut_owner")
    shop = make_shop(owner, bureau, uscc_prefix="93621221", county="621221", name="成县核桃合作社")
    sku = make_product(shop, name="成县核桃", code="HT-500", price="39.90", stock=10)
    buyer = UserFactory(username="shopper")
    orders = [
        ledger_order(f"J{n}", buyer, shop, sku, Decimal("39.90"), Decimal("10.00"), 8 + n) for n in range(2)
    ]
    PayoutAccount.objects.update_or_create(
        vendor=shop,
        defaults={
            "bank_name": "甘肃银行",
            "holder": "成县核桃合作社",
            "number": "6222021234567890123",
            "last4": "0123",
            "updated_by": owner,
        },
    )
    settlement_run(as_of=timezone.localdate())
    return {"shop": shop, "orders": orders, "statement": Settlement.objects.get()}


def sign_in(page, username):
    page.goto("/accounts/login/?lang=en")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button.button-primary").click()
    page.wait_for_load_state()
    expect(page.get_by_test_id("signed-in-as")).to_have_text(username)


def test_a_seller_views_the_balance_and_a_statement_and_downloads_it(page, settled):
    shop, statement = settled["shop"], settled["statement"]
    sign_in(page, "walnut_owner")
    page.goto(f"/seller/{shop.slug}/settlement/?lang=en")
    expect(page.get_by_test_id("balance-in-payout")).to_have_text("95.80")
    expect(page.get_by_test_id("balance-pending")).to_have_text("0.00")
    expect(page.get_by_test_id("statement-row")).to_have_count(1)
    expect(page.get_by_test_id("statement-net")).to_have_text("95.80")
    page.get_by_test_id("statement-row").get_by_role("link").click()
    expect(page).to_have_url(
        f"{page.url.split('/seller/')[0]}/seller/{shop.slug}/settlement/statements/{statement.pk}/"
    )
    expect(page.get_by_test_id("line-row")).to_have_count(2)
    expect(page.get_by_test_id("statement-commission")).to_have_text("4.00")
    with page.expect_download() as download:
        page.get_by_test_id("statement-csv").click()
    rows = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert rows[0] == "order_number,completed_at,gross,refunds,commission,net"
    assert sorted(row.split(",")[0] for row in rows[1:3]) == ["J0", "J1"]
    assert rows[3].split(",")[2:] == ["99.80", "0.00", "4.00", "95.80"]


def test_the_bureau_exports_payouts_and_confirms_one_paid(page, settled):
    sign_in(page, "bureau")
    page.goto("/bureau/payouts/?lang=en")
    expect(page.get_by_test_id("payout-row")).to_have_count(1)
    expect(page.get_by_test_id("payout-amount")).to_have_text("95.80")
    page.get_by_test_id("export").click()
    page.wait_for_load_state()
    expect(page.get_by_test_id("batch-row")).to_have_count(1)
    with page.expect_download() as download:
        page.get_by_test_id("batch-csv").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "6222021234567890123" in text
    assert ",95.80,CNY," in text
    row = page.get_by_test_id("payout-row")
    row.locator("input[name=note]").fill("回单 0001")
    row.get_by_test_id("mark-paid").click()
    page.wait_for_load_state()
    payout = Payout.objects.get()
    assert (payout.status, payout.decided_by.username) == ("paid", "bureau")
    page.goto("/bureau/payouts/?status=paid&lang=en")
    expect(page.get_by_test_id("payout-status")).to_contain_text("paid")
    page.context.clear_cookies()  # signed out
    sign_in(page, "walnut_owner")
    page.goto(f"/seller/{settled['shop'].slug}/settlement/?lang=en")
    expect(page.get_by_test_id("balance-paid-out")).to_have_text("95.80")
    expect(page.get_by_test_id("balance-in-payout")).to_have_text("0.00")


def test_an_admin_gives_a_shop_its_own_commission_rate_and_the_next_statement_uses_it(
    page, settings, tmp_path, regions_data
):
    """A platform admin sets a shop's own rate on /bureau/commission/; the settlement that follows charges
    it: 2 % of two items of 39.90 = 0.80 each, instead of the default 5 % (2.00 each)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    bureau = UserFactory(username="bureau", roles=["bureau"])
    UserFactory(username="platform", roles=["admin"])
    owner = UserFactory(username="walnut_owner")
    shop = make_shop(owner, bureau, uscc_prefix="93621221", county="621221", name="成县核桃合作社")
    sku = make_product(shop, name="成县核桃", code="HT-500", price="39.90", stock=10)
    buyer = UserFactory(username="shopper")
    for n in range(2):
        ledger_order(f"K{n}", buyer, shop, sku, Decimal("39.90"), Decimal("10.00"), 8 + n)

    sign_in(page, "platform")
    page.goto("/bureau/commission/?lang=en")
    page.get_by_label("Shop (slug)").fill(shop.slug)
    page.get_by_label("Rate (0.05 or 5%; empty: back to the category rates)").fill("2%")
    page.get_by_role("button", name="Save the shop's rate").click()
    expect(page.locator(".messages")).to_contain_text("The shop's rate is saved.")
    expect(page.get_by_test_id("shop-rates")).to_contain_text(shop.name)

    settlement_run(as_of=timezone.localdate())
    statement = Settlement.objects.get()
    assert (statement.gross, statement.commission, statement.net) == (
        Decimal("99.80"),
        Decimal("1.60"),
        Decimal("98.20"),
    )
