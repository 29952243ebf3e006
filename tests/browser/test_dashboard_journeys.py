"""Browser journeys of the commerce bureau's dashboard: bureau staff open /bureau/, change the range (the
figures change), drill into a prefecture and a county, and download a table as XLSX; the page in English.

The data are real orders (checkout, payment) of two shops, 成县 (陇南市) and 城关区 (兰州市), moved back in
time by their payment day, and the rollups rebuilt from them, as the nightly rebuild does."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from gansu_mall.accounts.tests.factories import PASSWORD, UserFactory
from gansu_mall.dashboard.rollups import rollups_rebuild
from orders.models import Order
from orders.tests.conftest import make_product, make_shop
from orders.tests.helpers import paid_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _paid_days_ago(buyer, sku, *, quantity, key, days):
    order = paid_order(buyer, sku, quantity=quantity, key=key)
    Order.objects.filter(pk=order.pk).update(paid_at=timezone.now() - timedelta(days=days))
    return Order.objects.get(pk=order.pk)


@pytest.fixture
def sales(settings, tmp_path, live_server, regions_data):
    """Three paid orders: 2 × walnuts (成县) and 1 × lily (城关区) two days ago, 1 × walnuts 20 days ago."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.SITE_URL = live_server.url
    settings.ALIPAY_APP_ID = settings.ALIPAY_APP_PRIVATE_KEY = settings.ALIPAY_PUBLIC_KEY = ""
    bureau = UserFactory(username="bureau", roles=["bureau"])
    walnut_owner, lily_owner = UserFactory(username="walnut_owner"), UserFactory(username="lily_owner")
    walnut_shop = make_shop(
        walnut_owner, bureau, uscc_prefix="93621221", county="621221", name="成县核桃合作社"
    )
    lily_shop = make_shop(lily_owner, bureau, uscc_prefix="91620100", county="620102", name="兰州百合社")
    walnuts = make_product(walnut_shop, name="成县核桃", code="HT-500", price="39.90", stock=10)
    lilies = make_product(lily_shop, name="兰州百合", code="BH-500", price="58.00", stock=5)
    buyer = UserFactory(username="shopper")
    recent_walnuts = _paid_days_ago(buyer, walnuts, quantity=2, key="a", days=2)
    recent_lilies = _paid_days_ago(buyer, lilies, quantity=1, key="b", days=2)
    older_walnuts = _paid_days_ago(buyer, walnuts, quantity=1, key="c", days=20)
    rollups_rebuild()
    return {
        "walnut_shop": walnut_shop,
        "recent_walnuts": recent_walnuts,
        "recent_lilies": recent_lilies,
        "older_walnuts": older_walnuts,
    }


def money(value: Decimal) -> str:
    return f"{value:.2f}"


def sign_in(page, username, lang="zh-hans"):
    page.goto(f"/accounts/login/?lang={lang}")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button.button-primary").click()
    page.wait_for_load_state()
    expect(page.get_by_test_id("signed-in-as")).to_have_text(username)


def test_bureau_staff_change_the_range_drill_down_and_download_xlsx(page, sales):
    recent_walnuts, recent_lilies, older = (
        sales["recent_walnuts"],
        sales["recent_lilies"],
        sales["older_walnuts"],
    )
    # Sanity of the data: the orders' totals include shipping, as GMV does.
    assert recent_walnuts.items_total == Decimal("79.80")
    assert older.items_total == Decimal("39.90")
    sign_in(page, "bureau")
    page.get_by_test_id("bureau-dashboard").click()
    page.wait_for_load_state()
    expect(page.get_by_test_id("dashboard-heading")).to_have_text("商务数据看板")
    # The last 30 days (the default): all three orders.
    all_three = recent_walnuts.total + recent_lilies.total + older.total
    expect(page.get_by_test_id("figure-gmv-value")).to_have_text(money(all_three))
    expect(page.get_by_test_id("figure-orders-value")).to_have_text("3")
    expect(page.get_by_test_id("figure-buyers-value")).to_have_text("1")

    # The last 7 days, by the preset (htmx swaps the content and pushes the URL): the two recent orders.
    today = timezone.localdate()
    week_from = f"{today - timedelta(days=6):%Y-%m-%d}"
    page.get_by_test_id("preset-7d").click()
    expect(page.get_by_test_id("figure-gmv-value")).to_have_text(
        money(recent_walnuts.total + recent_lilies.total)
    )
    expect(page.get_by_test_id("figure-orders-value")).to_have_text("2")
    expect(page).to_have_url(
        f"{page.url.split('/bureau/')[0]}/bureau/?date_from={week_from}&date_to={today:%Y-%m-%d}"
    )
    expect(page.locator("#id_date_from")).to_have_value(week_from)

    # A range typed into the form: only the older order's day.
    older_day = f"{timezone.localtime(older.paid_at).date():%Y-%m-%d}"
    page.locator("#id_date_from").fill(older_day)
    page.locator("#id_date_to").fill(older_day)
    page.get_by_test_id("range-submit").click()
    expect(page.get_by_test_id("figure-gmv-value")).to_have_text(money(older.total))
    expect(page.get_by_test_id("figure-orders-value")).to_have_text("1")
    expect(page.get_by_test_id("figure-gmv-previous")).to_have_text("0.00")

    # Back to the last 7 days, then drill into 陇南市 and 成县.
    page.get_by_test_id("preset-7d").click()
    expect(page.get_by_test_id("figure-orders-value")).to_have_text("2")
    page.get_by_test_id("table-prefectures").get_by_role("link", name="陇南市").click()
    expect(page.get_by_test_id("place-heading")).to_have_text("陇南市")
    county_row = page.get_by_test_id("table-places-621200").get_by_test_id("row").filter(has_text="成县")
    expect(county_row.locator('[data-key="gmv"]')).to_have_text(money(recent_walnuts.total))
    county_row.get_by_role("link", name="成县").click()
    expect(page.get_by_test_id("place-heading")).to_have_text("成县")
    expect(page.get_by_test_id("breadcrumb")).to_contain_text("陇南市")
    shop_row = page.get_by_test_id("table-places-621221").get_by_test_id("row")
    expect(shop_row).to_have_count(1)
    expect(shop_row).to_contain_text("成县核桃合作社")
    expect(shop_row.locator('[data-key="gmv"]')).to_have_text(money(recent_walnuts.total))

    # The county's shops as XLSX.
    with page.expect_download() as download:
        page.get_by_test_id("export-places-621221-xlsx").click()
    assert download.value.suggested_filename == (
        f"gansu-dashboard-places-621221-{week_from}-{today:%Y-%m-%d}.xlsx"
    )
    workbook = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    cells = [cell for row in workbook.worksheets[0].iter_rows(values_only=True) for cell in row]
    assert "成县核桃合作社" in cells
    assert any(
        isinstance(cell, (int, float, Decimal)) and Decimal(str(cell)) == recent_walnuts.total
        for cell in cells
    )


def test_the_dashboard_in_english(page, sales):
    sign_in(page, "bureau", lang="en")
    page.goto("/bureau/?lang=en")
    expect(page.get_by_test_id("dashboard-heading")).to_have_text("Commerce dashboard")
    gmv = page.get_by_test_id("figure-gmv")
    expect(gmv).to_contain_text("GMV")
    total = sales["recent_walnuts"].total + sales["recent_lilies"].total + sales["older_walnuts"].total
    expect(page.get_by_test_id("figure-gmv-value")).to_have_text(money(total))
    expect(page.get_by_test_id("table-prefectures")).to_contain_text("Longnan")
    # The monthly report of last month prints from its own page.
    page.get_by_test_id("monthly-report").click()
    expect(page.get_by_test_id("report-heading")).to_have_text("Gansu e-commerce monthly report")
