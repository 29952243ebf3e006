# ruff: noqa: F811 (the fixtures of the orders tests are imported by name)
"""The dashboards' selectors on hand-computed rollup rows (see conftest's docstring for the sums)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.http import Http404
from django.utils import translation

from gansu_mall.core.errors import ApplicationError
from gansu_mall.dashboard import selectors
from gansu_mall.dashboard.tables import Period, Scope
from orders.tests.conftest import (  # noqa: F401 - fixtures of the end-to-end test
    bureau,
    buyer,
    lilies,
    lily_owner,
    lily_shop,
    other_buyer,
    walnut_owner,
    walnut_shop,
    walnuts,
)

from .conftest import (
    CHENG_XIAN,
    PERIOD,
    PROVINCE,
    D,
    buyers,
    destination,
    goods,
    make_product,
    make_vendor,
    sale,
)

pytestmark = pytest.mark.django_db


def rows_by(table, key):
    return {row[key]: row for row in table.rows}


# --- period and scope ---------------------------------------------------------------------------------


def test_period_defaults_to_the_thirty_days_ending_today():
    period = selectors.period_from(date_from=None, date_to=None, today=date(2026, 11, 26))
    assert period == Period(date(2026, 10, 28), date(2026, 11, 26))
    assert period.days == 30


def test_period_from_dates_and_from_an_end_date_alone():
    assert selectors.period_from(date_from="2026-11-01", date_to="2026-11-10") == PERIOD
    assert selectors.period_from(date_from=None, date_to="2026-11-30") == Period(
        D(2026, 11, 1), D(2026, 11, 30)
    )
    assert selectors.period_from(date_from="2026-11-01", date_to="", today=D(2026, 11, 5)) == Period(
        D(2026, 11, 1), D(2026, 11, 5)
    )


@pytest.mark.parametrize(
    ("date_from", "date_to", "field"),
    [
        ("2026-13-01", "2026-11-10", "date_from"),
        ("yesterday", None, "date_from"),
        ("2026-11-01", "2026/11/10", "date_to"),
        ("2026-1-1", "2026-11-10", "date_from"),
        ("2026-11-11", "2026-11-10", "date_from"),  # reversed
        ("2024-08-22", "2026-10-31", "date_from"),  # 800 days and one
    ],
)
def test_bad_periods_are_refused_naming_the_field(date_from, date_to, field):
    with pytest.raises(ApplicationError) as caught:
        selectors.period_from(date_from=date_from, date_to=date_to, today=D(2026, 11, 26))
    assert caught.value.code == "validation_error"
    assert caught.value.status_code == 400
    assert list(caught.value.fields) == [field]


def test_a_period_of_800_days_is_allowed():
    period = selectors.period_from(date_from="2024-08-23", date_to="2026-10-31")
    assert period.days == 800


def test_scope_of_staff(bureau, county_staff, longnan_staff):
    assert selectors.scope_for(user=bureau) == Scope()
    assert selectors.scope_for(user=county_staff) == Scope(frozenset({"621221"}))
    longnan = selectors.scope_for(user=longnan_staff).county_codes
    assert longnan is not None
    assert "621221" in longnan
    assert "621226" in longnan
    assert "621200" not in longnan
    assert all(code.startswith("6212") for code in longnan)


# --- overview -----------------------------------------------------------------------------------------


def test_overview_figures_and_comparison(rollups):
    figures = selectors.overview(period=PERIOD, scope=PROVINCE).by_key
    expected = {
        "gmv": (Decimal("455.45"), Decimal("130.00"), Decimal("2.5035")),
        "orders": (7, 3, Decimal("1.3333")),
        "buyers": (5, 1, Decimal("4.0000")),
        "average_order_value": (Decimal("65.06"), Decimal("43.33"), Decimal("0.5015")),
        "refunds": (1, 1, Decimal("0.0000")),
        "refund_amount": (Decimal("20.25"), Decimal("50.00"), Decimal("-0.5950")),
        "poverty_relief_gmv": (Decimal("155.45"), Decimal("80.00"), Decimal("0.9431")),
        "poverty_relief_orders": (4, 2, Decimal("1.0000")),
        "cross_border_gmv": (Decimal("120.00"), Decimal("0.00"), None),
        "cross_border_orders": (1, 0, None),
        "domestic_gmv": (Decimal("335.45"), Decimal("130.00"), Decimal("1.5804")),
        "new_shops": (1, 1, Decimal("0.0000")),
        "applications_submitted": (3, 1, Decimal("2.0000")),
        "applications_approved": (2, 0, None),
        "average_approval_hours": (Decimal("6.0"), None, None),
        "group_buy_shops": (1, 0, None),
    }
    assert {key: (f.value, f.previous, f.change) for key, f in figures.items()} == expected
    assert [f.kind for f in figures.values()][:4] == ["money", "int", "int", "money"]


def test_overview_of_a_county(rollups):
    figures = selectors.overview(period=PERIOD, scope=CHENG_XIAN).by_key
    assert figures["gmv"].value == Decimal("140.40")
    assert figures["orders"].value == 3
    assert figures["buyers"].value == 2
    assert figures["gmv"].previous == Decimal("80.00")
    assert figures["refund_amount"].value == Decimal("20.25")
    assert figures["cross_border_gmv"].value == Decimal("0.00")
    assert figures["applications_submitted"].value == 2
    assert figures["average_approval_hours"].value == Decimal("10.0")
    assert figures["new_shops"].value == 0


def test_shops_by_type(rollups):
    with translation.override("en"):
        table = selectors.overview(period=PERIOD, scope=PROVINCE).shops_by_type
    assert table.slug == "shops-by-type"
    got = [(r["key"], r["shops"], r["new"], r["gmv"], r["orders"]) for r in table.rows]
    assert got == [
        ("individual", 1, 1, Decimal("15.05"), 1),
        ("enterprise", 2, 0, Decimal("300.00"), 3),
        ("cooperative", 1, 0, Decimal("140.40"), 3),
        ("group_buy", 1, None, Decimal("140.40"), 3),
    ]
    assert table.totals == {
        "vendor_type": "Total",
        "shops": 4,
        "new": 1,
        "gmv": Decimal("455.45"),
        "orders": 7,
    }


def test_destinations_flag_outside_mainland(rollups):
    table = selectors.overview(period=PERIOD, scope=PROVINCE).destinations
    got = [(r["code"], r["orders"], r["gmv"], r["outside_mainland"], r["share"]) for r in table.rows]
    assert got == [
        ("620000", 4, Decimal("234.95"), False, Decimal("0.5159")),
        ("810000", 1, Decimal("120.00"), True, Decimal("0.2635")),
        ("110000", 2, Decimal("100.50"), False, Decimal("0.2207")),
    ]
    with translation.override("en"):
        names = [r["name"] for r in selectors.destinations_table(period=PERIOD, scope=PROVINCE).rows]
    assert names[1] == "Hong Kong"
    assert table.totals is not None
    assert table.totals["gmv"] == Decimal("455.45")


# --- summary ------------------------------------------------------------------------------------------


def test_summary_has_the_shape_of_the_api(rollups, live_state):
    summary = selectors.summary(period=PERIOD, scope=PROVINCE)
    assert summary["gmv"] == "455.45"
    assert summary["orders"] == 7
    assert summary["buyers"] == 5
    assert summary["average_order_value"] == "65.06"
    assert summary["refunds"] == "20.25"
    assert summary["refund_count"] == 1
    assert summary["vendors"] == {
        "total": 4,
        "individual": 1,
        "enterprise": 2,
        "cooperative": 1,
        "new": 1,
        "group_buy": 1,
    }
    by_prefecture = {row["code"]: row for row in summary["by_prefecture"]}
    assert len(by_prefecture) == 14  # all of Gansu's prefectures, zeros included
    assert by_prefecture["621200"] == {"code": "621200", "name": "陇南市", "gmv": "155.45", "orders": 4}
    assert by_prefecture["620100"]["gmv"] == "300.00"
    assert by_prefecture["620700"]["gmv"] == "0.00"
    by_category = {row["slug"]: row for row in summary["by_category"]}
    assert by_category["nuts"] == {"slug": "nuts", "name": "坚果炒货", "gmv": "125.00", "orders": 3}
    assert by_category["vegetables"]["gmv"] == "280.00"
    assert by_category["spices"]["gmv"] == "10.00"
    assert summary["poverty_relief"] == {"gmv": "155.45", "orders": 4}
    assert summary["cross_border"] == {"gmv": "120.00", "orders": 1}
    assert summary["logistics"] == {
        "queued": 2,
        "shipped": 6,
        "on_time_rate": "0.8333",
        "average_hours_to_ship": "5.0",
    }
    assert summary["credit"] == {
        "A": 1,
        "B": 1,
        "C": 0,
        "D": 0,
        "ungraded": 1,
        "red_list": 1,
        "black_list": 1,
        "open_objections": 1,
    }
    assert summary["date_from"] == "2026-11-01"
    assert summary["date_to"] == "2026-11-10"
    assert summary["previous"] == {
        "date_from": "2026-10-22",
        "date_to": "2026-10-31",
        "gmv": "130.00",
        "orders": 3,
        "buyers": 1,
        "refunds": "50.00",
    }


def test_summary_of_county_staff_holds_only_their_figures(rollups, live_state):
    summary = selectors.summary(period=PERIOD, scope=CHENG_XIAN)
    assert (summary["gmv"], summary["orders"], summary["buyers"]) == ("140.40", 3, 2)
    assert summary["by_prefecture"] == [{"code": "621200", "name": "陇南市", "gmv": "140.40", "orders": 3}]
    assert summary["vendors"]["total"] == 1
    assert summary["vendors"]["cooperative"] == 1
    assert summary["logistics"]["queued"] == 1
    assert summary["credit"]["A"] == 1
    assert summary["credit"]["B"] == 0
    assert summary["credit"]["red_list"] == 1
    assert summary["credit"]["black_list"] == 0
    assert summary["credit"]["open_objections"] == 0


def test_summary_names_in_english(rollups):
    with translation.override("en"):
        summary = selectors.summary(period=PERIOD, scope=PROVINCE)
    by_prefecture = {row["code"]: row["name"] for row in summary["by_prefecture"]}
    assert by_prefecture["621200"] == "Longnan"
    assert {row["slug"]: row["name"] for row in summary["by_category"]}["nuts"] == "Nuts and seeds"


def test_empty_rollups_give_zeros(db):
    summary = selectors.summary(period=PERIOD, scope=PROVINCE)
    assert (summary["gmv"], summary["orders"], summary["average_order_value"]) == ("0.00", 0, "0.00")
    assert summary["logistics"]["on_time_rate"] is None
    figures = selectors.overview(period=PERIOD, scope=PROVINCE).by_key
    assert figures["gmv"].change is None
    assert figures["average_approval_hours"].value is None


# --- places -------------------------------------------------------------------------------------------


def test_prefectures(rollups):
    table = selectors.place_table(period=PERIOD, scope=PROVINCE)
    rows = rows_by(table, "code")
    assert list(rows)[:2] == ["620100", "620200"]  # in code order
    assert {
        k: rows["621200"][k] for k in ("gmv", "orders", "buyers", "refunds", "refund_amount", "share")
    } == {
        "gmv": Decimal("155.45"),
        "orders": 4,
        "buyers": 3,
        "refunds": 1,
        "refund_amount": Decimal("20.25"),
        "share": Decimal("0.3413"),
    }
    assert (rows["620100"]["gmv"], rows["620100"]["buyers"], rows["620100"]["share"]) == (
        Decimal("300.00"),
        3,
        Decimal("0.6587"),
    )
    assert rows["620700"]["gmv"] == Decimal("0.00")
    assert rows["620700"]["share"] == Decimal("0.0000")
    assert rows["621200"]["drill"] == "621200"
    assert rows["621200"]["url"] == "/bureau/dashboard/places/621200/"
    assert table.totals is not None
    assert (table.totals["gmv"], table.totals["orders"], table.totals["buyers"]) == (Decimal("455.45"), 7, 5)


def test_counties_of_a_prefecture(rollups):
    table = selectors.place_table(period=PERIOD, scope=PROVINCE, code="621200")
    assert table.slug == "places-621200"
    assert table.title == "陇南市"
    rows = rows_by(table, "code")
    assert (rows["621221"]["gmv"], rows["621221"]["orders"], rows["621221"]["buyers"]) == (
        Decimal("140.40"),
        3,
        2,
    )
    assert (rows["621226"]["gmv"], rows["621226"]["orders"]) == (Decimal("15.05"), 1)
    assert rows["621202"]["gmv"] == Decimal("0.00")
    assert table.totals is not None
    assert table.totals["gmv"] == Decimal("155.45")


def test_shops_of_a_county(rollups):
    table = selectors.place_table(period=PERIOD, scope=PROVINCE, code="621221")
    assert [(r["slug"], r["gmv"], r["orders"], r["buyers"], r["refund_amount"]) for r in table.rows] == [
        ("walnut", Decimal("140.40"), 3, 2, Decimal("20.25"))
    ]
    lanzhou = selectors.place_table(period=PERIOD, scope=PROVINCE, code="620102")
    # The closed shop sold nothing in the period and is not listed; the open one is.
    assert [r["slug"] for r in lanzhou.rows] == ["lily"]


def test_a_closed_shop_that_sold_is_listed(rollups):
    sale(rollups["closed"], D(2026, 11, 4), orders=1, gmv="9.99")
    table = selectors.place_table(period=PERIOD, scope=PROVINCE, code="620102")
    assert [(r["slug"], r["gmv"]) for r in table.rows] == [
        ("lily", Decimal("300.00")),
        ("closed-shop", Decimal("9.99")),
    ]
    assert [r["url"] for r in table.rows] == ["/shops/lily/", None]  # a closed shop has no page
    assert table.link == "name"


def test_county_staff_see_only_their_county(rollups):
    table = selectors.place_table(period=PERIOD, scope=CHENG_XIAN)
    assert [(r["code"], r["gmv"], r["orders"]) for r in table.rows] == [("621200", Decimal("140.40"), 3)]
    counties = selectors.place_table(period=PERIOD, scope=CHENG_XIAN, code="621200")
    assert [(r["code"], r["gmv"]) for r in counties.rows] == [("621221", Decimal("140.40"))]
    assert selectors.place_table(period=PERIOD, scope=CHENG_XIAN, code="621221").rows[0]["slug"] == "walnut"


@pytest.mark.parametrize(
    "code", ["620102", "620100", "621226", "999999", "110000", "110101", "620000", "abc"]
)
def test_codes_outside_the_scope_or_unknown_are_not_found(rollups, code):
    with pytest.raises(Http404):
        selectors.place_table(period=PERIOD, scope=CHENG_XIAN, code=code)


@pytest.mark.parametrize("code", ["999999", "110000", "110101", "620000"])
def test_unknown_codes_are_not_found_province_wide(db, code):
    with pytest.raises(Http404):
        selectors.place_table(period=PERIOD, scope=PROVINCE, code=code)


# --- categories and products --------------------------------------------------------------------------


def test_top_level_categories(rollups):
    table = selectors.category_table(period=PERIOD, scope=PROVINCE)
    got = [(r["slug"], r["gmv"], r["orders"], r["quantity"], r["share"]) for r in table.rows[:3]]
    assert got == [
        ("vegetables", Decimal("280.00"), 3, 5, Decimal("0.6747")),  # 280 / 415
        ("nuts", Decimal("125.00"), 3, 4, Decimal("0.3012")),
        ("spices", Decimal("10.00"), 1, 2, Decimal("0.0241")),
    ]
    assert all(r["gmv"] == 0 for r in table.rows[3:])
    assert table.totals is not None
    assert table.totals["gmv"] == Decimal("415.00")


def test_children_and_products_of_a_category(rollups):
    children = selectors.category_table(period=PERIOD, scope=PROVINCE, slug="nuts")
    assert children.slug == "categories-nuts"
    assert children.rows[0]["url"] == "/bureau/dashboard/categories/walnuts/"
    assert [(r["slug"], r["gmv"], r["orders"]) for r in children.rows] == [
        ("walnuts", Decimal("125.00"), 3),
        ("melon-seeds", Decimal("0.00"), 0),
    ]
    products = selectors.product_table(period=PERIOD, scope=PROVINCE, slug="nuts")
    assert [(r["name"], r["shop"], r["gmv"], r["orders"], r["quantity"]) for r in products.rows] == [
        ("成县核桃", "成县核桃合作社", Decimal("125.00"), 3, 4)
    ]
    assert selectors.product_table(period=PERIOD, scope=CHENG_XIAN, slug="vegetables").rows == []


def test_unknown_category_is_not_found(db):
    with pytest.raises(Http404):
        selectors.category_table(period=PERIOD, scope=PROVINCE, slug="nope")
    with pytest.raises(Http404):
        selectors.table_for(slug="products-nope", period=PERIOD, scope=PROVINCE)


def test_top_products_and_shops(rollups):
    products = selectors.top_table(period=PERIOD, scope=PROVINCE, what="products")
    assert [(r["name"], r["gmv"]) for r in products.rows] == [
        ("兰州百合", Decimal("280.00")),
        ("成县核桃", Decimal("125.00")),
        ("大红袍花椒", Decimal("10.00")),
    ]
    with translation.override("en"):
        shops = selectors.top_table(period=PERIOD, scope=PROVINCE, what="shops", limit=2)
    assert [(r["slug"], r["name"], r["gmv"], r["orders"]) for r in shops.rows] == [
        ("lily", "Lanzhou Lily Ltd", Decimal("300.00"), 3),
        ("walnut", "Chengxian Walnut Cooperative", Decimal("140.40"), 3),
    ]
    with translation.override("en"):
        # No English name: the Chinese one.
        assert (
            selectors.top_table(period=PERIOD, scope=PROVINCE, what="products").rows[2]["name"]
            == "大红袍花椒"
        )


# --- series, logistics, credit ------------------------------------------------------------------------


def test_daily_series_has_every_day(rollups):
    table = selectors.series_table(period=PERIOD, scope=PROVINCE, grain="day")
    assert [r["date"] for r in table.rows] == [D(2026, 11, n) for n in range(1, 11)]
    assert [r["gmv"] for r in table.rows] == [
        Decimal(v) for v in ("100.50", "300.00", "39.90", "0", "0", "0", "0", "0", "0", "15.05")
    ]
    assert [r["shipped"] for r in table.rows][:3] == [2, 3, 1]
    assert table.totals is not None
    assert (table.totals["gmv"], table.totals["orders"], table.totals["refund_amount"]) == (
        Decimal("455.45"),
        7,
        Decimal("20.25"),
    )


def test_weekly_and_monthly_series_cut_at_the_period(rollups):
    period = Period(D(2026, 10, 22), D(2026, 11, 10))
    weeks = selectors.series_table(period=period, scope=PROVINCE, grain="week")
    # 2026-10-22 is a Thursday; weeks start on Mondays (10-26, 11-02, 11-09).
    assert [(r["date"], r["date_to"], r["gmv"], r["orders"]) for r in weeks.rows] == [
        (D(2026, 10, 22), D(2026, 10, 25), Decimal("80.00"), 2),
        (D(2026, 10, 26), D(2026, 11, 1), Decimal("150.50"), 3),
        (D(2026, 11, 2), D(2026, 11, 8), Decimal("339.90"), 4),
        (D(2026, 11, 9), D(2026, 11, 10), Decimal("15.05"), 1),
    ]
    months = selectors.series_table(period=period, scope=PROVINCE, grain="month")
    assert [(r["date"], r["gmv"], r["refunds"]) for r in months.rows] == [
        (D(2026, 10, 22), Decimal("130.00"), 1),
        (D(2026, 11, 1), Decimal("455.45"), 1),
    ]
    empty = selectors.series_table(
        period=Period(D(2025, 12, 15), D(2026, 2, 3)), scope=PROVINCE, grain="month"
    )
    assert [(r["date"], r["gmv"]) for r in empty.rows] == [
        (D(2025, 12, 15), Decimal("0.00")),
        (D(2026, 1, 1), Decimal("0.00")),
        (D(2026, 2, 1), Decimal("0.00")),
    ]


def test_logistics(rollups, live_state):
    result = selectors.logistics(period=PERIOD, scope=PROVINCE)
    assert (result.queue_depth, result.shipped, result.shipped_on_time) == (2, 6, 5)
    assert result.on_time_rate == Decimal("0.8333")
    assert (result.hub_shipped, result.hub_on_time_rate) == (1, Decimal("1.0000"))
    assert result.average_hours_to_ship == Decimal("5.0")
    days = rows_by(result.shipped_per_day, "date")
    assert len(days) == 10
    assert (days[D(2026, 11, 1)]["on_time_rate"], days[D(2026, 11, 1)]["average_hours"]) == (
        Decimal("0.5000"),
        Decimal("10.0"),
    )
    assert days[D(2026, 11, 4)]["on_time_rate"] is None
    county = selectors.logistics(period=PERIOD, scope=CHENG_XIAN)
    assert (county.queue_depth, county.shipped, county.on_time_rate) == (1, 3, Decimal("0.6667"))


def test_credit(live_state):
    result = selectors.credit(scope=PROVINCE)
    assert result.grades == {"A": 1, "B": 1, "C": 0, "D": 0, "": 1}
    assert (result.red_list, result.black_list, result.open_objections) == (1, 1, 1)
    assert result.table is not None
    assert [(r["key"], r["shops"], r["share"]) for r in result.table.rows] == [
        ("A", 1, Decimal("0.3333")),
        ("B", 1, Decimal("0.3333")),
        ("C", 0, Decimal("0.0000")),
        ("D", 0, Decimal("0.0000")),
        ("", 1, Decimal("0.3333")),
    ]
    lanzhou = selectors.credit(scope=Scope(frozenset({"620102"})))
    assert lanzhou.grades == {"A": 0, "B": 1, "C": 0, "D": 0, "": 0}
    assert (lanzhou.red_list, lanzhou.black_list, lanzhou.open_objections) == (0, 1, 1)


# --- tables by slug -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slug", "title_slug"),
    [
        ("prefectures", "prefectures"),
        ("places-621200", "places-621200"),
        ("places-621221", "places-621221"),
        ("categories", "categories"),
        ("categories-nuts", "categories-nuts"),
        ("products-nuts", "products-nuts"),
        ("top-products", "top-products"),
        ("top-shops", "top-shops"),
        ("series-day", "series-day"),
        ("series-week", "series-week"),
        ("series-month", "series-month"),
        ("shops-by-type", "shops-by-type"),
        ("destinations", "destinations"),
        ("shipped-per-day", "shipped-per-day"),
        ("credit-grades", "credit-grades"),
    ],
)
def test_every_table_has_a_stable_slug(rollups, slug, title_slug):
    table = selectors.table_for(slug=slug, period=PERIOD, scope=PROVINCE)
    assert table.slug == title_slug
    assert table.columns
    assert all(c.label for c in table.columns)
    keys = {c.key for c in table.columns}
    assert all(keys <= set(row) for row in table.rows)


@pytest.mark.parametrize(
    "slug", ["nope", "series-year", "places-", "top-", "categories-nope", "places-999999"]
)
def test_unknown_table_slugs_are_not_found(db, slug):
    with pytest.raises(Http404):
        selectors.table_for(slug=slug, period=PERIOD, scope=PROVINCE)


# --- constant query counts ----------------------------------------------------------------------------


def _more_rows(n):
    """``n`` more shops in other counties, each with a day of sales, a buyer and a product sold."""
    counties = ["620402", "620702", "621102", "621202", "620502", "620602", "620802", "620902"]
    for i in range(n):
        vendor = make_vendor(
            slug=f"extra-{i}",
            name=f"店{i}",
            name_en=f"Shop {i}",
            vendor_type=("individual", "enterprise", "cooperative")[i % 3],
            county=counties[i % len(counties)],
        )
        day = D(2026, 11, 1 + i % 10)
        sale(vendor, day, orders=1, gmv="1.00", shipped=1, group_orders=i % 2)
        buyers(vendor, day, 1000 + i)
        product = make_product(vendor=vendor, name=f"核桃{i}", name_en="", category="walnuts")
        goods(vendor, product, day, orders=1, gmv="1.00", quantity=1)
        destination(vendor.county_id, vendor.vendor_type, day, f"{11 + i}0000", orders=1, gmv="1.00")


CALLS = {
    "overview": lambda: selectors.overview(period=PERIOD, scope=PROVINCE),
    "overview-scoped": lambda: selectors.overview(period=PERIOD, scope=CHENG_XIAN),
    "summary": lambda: selectors.summary(period=PERIOD, scope=PROVINCE),
    "prefectures": lambda: selectors.place_table(period=PERIOD, scope=PROVINCE),
    "counties": lambda: selectors.place_table(period=PERIOD, scope=PROVINCE, code="621200"),
    "shops": lambda: selectors.place_table(period=PERIOD, scope=PROVINCE, code="620402"),
    "categories": lambda: selectors.category_table(period=PERIOD, scope=PROVINCE),
    "products": lambda: selectors.product_table(period=PERIOD, scope=PROVINCE, slug="nuts"),
    "top-products": lambda: selectors.top_table(period=PERIOD, scope=PROVINCE, what="products"),
    "top-shops": lambda: selectors.top_table(period=PERIOD, scope=PROVINCE, what="shops"),
    "series-week": lambda: selectors.series_table(period=PERIOD, scope=PROVINCE, grain="week"),
    "logistics": lambda: selectors.logistics(period=PERIOD, scope=PROVINCE),
    "credit": lambda: selectors.credit(scope=PROVINCE),
}
EXPECTED_QUERIES = {
    "overview": 10,  # distinct buyers and group-buy shops: one hashed count per period
    "overview-scoped": 11,  # and which prefectures the scope holds whole (for the monthly buyer bitmaps)
    "summary": 19,  # the prefectures without distinct buyers, two hashed counts more in the overview
    "prefectures": 4,
    "counties": 5,
    "shops": 5,
    "categories": 2,
    "products": 3,
    "top-products": 2,
    "top-shops": 2,
    "series-week": 1,
    "logistics": 2,
    "credit": 3,
}


@pytest.mark.parametrize("name", list(CALLS))
def test_query_counts_do_not_grow_with_rows(shops, django_assert_num_queries, name):
    # One row of each rollup …
    walnut = shops["walnut"]
    sale(walnut, D(2026, 11, 1), orders=1, gmv="1.00", shipped=1, group_orders=1)
    buyers(walnut, D(2026, 11, 1), 1)
    product = make_product(vendor=walnut, name="核桃", name_en="", category="walnuts")
    goods(walnut, product, D(2026, 11, 1), orders=1, gmv="1.00", quantity=1)
    destination("621221", "cooperative", D(2026, 11, 1), "620000", orders=1, gmv="1.00")
    with django_assert_num_queries(EXPECTED_QUERIES[name]):
        CALLS[name]()
    # … and many.
    _more_rows(12)
    with django_assert_num_queries(EXPECTED_QUERIES[name]):
        CALLS[name]()


# --- distinct buyers over whole months (BuyerMonth bitmaps) ---------------------------------------------


def test_whole_months_of_a_period():
    months, rest = selectors.whole_months(Period(D(2025, 11, 26), D(2026, 2, 10)))
    assert months == [D(2025, 12, 1), D(2026, 1, 1)]
    assert rest == [Period(D(2025, 11, 26), D(2025, 11, 30)), Period(D(2026, 2, 1), D(2026, 2, 10))]
    assert selectors.whole_months(Period(D(2026, 2, 1), D(2026, 2, 28))) == ([D(2026, 2, 1)], [])
    assert selectors.whole_months(Period(D(2026, 2, 2), D(2026, 2, 28))) == (
        [],
        [Period(D(2026, 2, 2), D(2026, 2, 28))],
    )


def _raw_buyers(period, scope):
    """The definition: distinct buyer ids of the BuyerDay rows of the period within the scope."""
    from gansu_mall.dashboard.models import BuyerDay

    rows = BuyerDay.objects.filter(day__gte=period.date_from, day__lte=period.date_to)
    if scope.county_codes is not None:
        rows = rows.filter(county_code__in=scope.county_codes)
    return len(set(rows.values_list("buyer_id", flat=True)))


def test_buyers_of_whole_months_and_other_days(rollups, longnan_staff, django_assert_num_queries):
    # 105 also bought in 礼县 (陇南) in October: counted once over October and November.
    buyers(rollups["pepper"], D(2026, 10, 3), 105)
    period = Period(D(2026, 10, 1), D(2026, 11, 10))  # October whole, and ten days of November
    longnan = selectors.scope_for(user=longnan_staff)
    # The province: {201} in October, {101, 102, 103, 104, 105} in November.
    with django_assert_num_queries(2):  # October's bitmaps; November's buyers
        assert selectors._distinct_buyers(period, PROVINCE, [""]) == 6
    # 陇南 (whole): {201, 105} in October; {101, 102, 105} in November.
    assert selectors._buyer_areas(longnan) == ["621200"]
    assert selectors._distinct_buyers(period, longnan, ["621200"]) == 4
    # 成县 alone is part of a prefecture: its buyers come from the BuyerDay rows: {201}, {101, 102}.
    assert selectors._buyer_areas(CHENG_XIAN) is None
    assert selectors._distinct_buyers(period, CHENG_XIAN, None) == 3
    for scope in (PROVINCE, longnan, CHENG_XIAN):
        assert selectors._buyers(period, scope)[0] == _raw_buyers(period, scope)
    # Whole months only: October and November (with 301, who bought on 11-11, after the ten days).
    autumn = Period(D(2026, 10, 1), D(2026, 11, 30))
    assert selectors._buyers(autumn, PROVINCE)[0] == _raw_buyers(autumn, PROVINCE) == 7


def test_group_buy_merchants_with_all_their_sales_of_a_long_range(rollups):
    """The walnut shop (a group-buy order on 11-01) with all its sales of 22 October – 30 November (10-25:
    80.00, 2 orders; November: 100.50 + 39.90 + 500.00, 8 orders), whatever kind of order they were."""
    period = Period(D(2026, 10, 22), D(2026, 11, 30))
    table = selectors.overview(period=period, scope=PROVINCE).shops_by_type
    row = table.rows[-1]
    assert (row["key"], row["shops"], row["gmv"], row["orders"]) == ("group_buy", 1, Decimal("720.40"), 10)
    # 成县 (the walnut shop's county) sees the same; 兰州's staff would see no group-buy merchant.
    row = selectors.overview(period=period, scope=CHENG_XIAN).shops_by_type.rows[-1]
    assert (row["shops"], row["gmv"], row["orders"]) == (1, Decimal("720.40"), 10)
    lanzhou = Scope(frozenset({"620102"}))
    row = selectors.overview(period=period, scope=lanzhou).shops_by_type.rows[-1]
    assert (row["shops"], row["gmv"], row["orders"]) == (0, Decimal("0.00"), 0)


def test_buyers_of_days_only_from_the_day_bitmaps(rollups, longnan_staff, django_assert_num_queries):
    buyers(rollups["pepper"], D(2026, 11, 3), 105, 401)  # 105 again, on another day and in another county
    period = Period(D(2026, 11, 1), D(2026, 11, 10))  # no whole month
    longnan = selectors.scope_for(user=longnan_staff)
    with django_assert_num_queries(1):  # the days' bitmaps
        assert selectors._distinct_buyers(period, PROVINCE, [""]) == 6  # 101–105 and 401
    assert selectors._distinct_buyers(period, longnan, ["621200"]) == 4  # 101, 102, 105 and 401
    for scope in (PROVINCE, longnan, CHENG_XIAN):
        assert selectors._buyers(period, scope)[0] == _raw_buyers(period, scope)


def test_the_overview_counts_buyers_of_a_month_from_the_bitmaps(rollups):
    october = Period(D(2026, 10, 1), D(2026, 10, 31))
    figures = selectors.overview(period=october, scope=PROVINCE).by_key
    assert figures["buyers"].value == 1  # 201
    november = Period(D(2026, 11, 1), D(2026, 11, 30))
    figures = selectors.overview(period=november, scope=PROVINCE).by_key
    assert figures["buyers"].value == 6  # 101–105 and 301 (11-11)
    assert figures["buyers"].previous == 1  # October 2–31 (30 days): from BuyerDay rows


# --- whole months from the month tables, other days from the day tables -----------------------------------


@pytest.mark.parametrize(
    "period",
    [
        Period(D(2026, 11, 1), D(2026, 11, 10)),  # days only
        Period(D(2026, 11, 1), D(2026, 11, 30)),  # one whole month
        Period(D(2026, 10, 22), D(2026, 11, 30)),  # days of October, all of November
        Period(D(2026, 9, 1), D(2026, 11, 5)),  # two whole months, five days
    ],
    ids=["days", "month", "days-and-month", "months-and-days"],
)
def test_sums_from_months_and_days_equal_the_daily_rows(rollups, period):
    from django.db.models import Q, Sum

    from gansu_mall.dashboard.models import SALES_FIELDS, CountyDay, DestinationDay

    def daily(model, keys, names):
        rows = model.objects.filter(day__gte=period.date_from, day__lte=period.date_to)
        out = {}
        for row in rows.values(*keys).annotate(**{f"{n}__sum": Sum(n) for n in names}).order_by():
            out[tuple(row[k] for k in keys)] = {n: row[f"{n}__sum"] for n in names}
        return out

    got = selectors._sums_by(
        (CountyDay, selectors.CountyMonth),
        {"now": period},
        PROVINCE,
        ["vendor_type", "poverty_relief"],
        SALES_FIELDS,
    )["now"]
    assert got == daily(CountyDay, ["vendor_type", "poverty_relief"], SALES_FIELDS)
    assert got  # the fixtures sold in each of these periods
    # The province's own day rows (what the overview reads for provincial staff) give the same sums.
    assert selectors._county_tables(PROVINCE, CountyDay, selectors.CountyMonth, selectors.ProvinceDay) == (
        selectors.ProvinceDay,
        None,
    )
    by_province = selectors._sums_by(
        (selectors.ProvinceDay, None),
        {"now": period},
        PROVINCE,
        ["vendor_type", "poverty_relief"],
        SALES_FIELDS,
    )["now"]
    assert by_province == got
    by_province = selectors._sums_by(
        (selectors.ProvinceDestinationDay, None),
        {"now": period},
        PROVINCE,
        ["province_code"],
        ("orders", "gmv"),
    )["now"]
    assert by_province == daily(DestinationDay, ["province_code"], ("orders", "gmv"))
    got = selectors._sums_by(
        (DestinationDay, selectors.DestinationMonth),
        {"now": period},
        CHENG_XIAN,
        ["province_code"],
        ("orders", "gmv"),
    )["now"]
    scoped = DestinationDay.objects.filter(
        county_code="621221", day__gte=period.date_from, day__lte=period.date_to
    )
    expected = {
        (row["province_code"],): {"orders": row["orders__sum"], "gmv": row["gmv__sum"]}
        for row in scoped.values("province_code").annotate(Sum("orders"), Sum("gmv")).order_by()
    }
    assert got == expected
    # 成县 sent goods to Beijing and within Gansu in the first days of November.
    assert got[("110000",)] == {"orders": 2, "gmv": Decimal("100.50")}
    # Top-level categories (no parent), from CategoryMonth and CategoryDay.
    from gansu_mall.dashboard.models import CategoryDay

    got = selectors._sums_by(
        (CategoryDay, selectors.CategoryMonth),
        {"now": period},
        PROVINCE,
        ["category_id"],
        ("orders", "gmv", "quantity"),
        where=Q(parent__isnull=True),
    )["now"]
    top = CategoryDay.objects.filter(parent__isnull=True, day__gte=period.date_from, day__lte=period.date_to)
    expected = {
        (row["category_id"],): {"orders": row["o"], "gmv": row["g"], "quantity": row["q"]}
        for row in top.values("category_id")
        .annotate(o=Sum("orders"), g=Sum("gmv"), q=Sum("quantity"))
        .order_by()
    }
    assert got == expected
    assert got  # the fixtures sold goods in each of these periods
    by_province = selectors._sums_by(
        (selectors.ProvinceCategoryDay, None),
        {"now": period},
        PROVINCE,
        ["category_id"],
        ("orders", "gmv", "quantity"),
        where=Q(parent__isnull=True),
    )["now"]
    assert by_province == expected
