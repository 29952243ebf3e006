"""The bureau's dashboard pages: who may see them, the figures they show (the hand-computed rollups of
``conftest.py``: 2026-11-01 … 11-10 against 10-22 … 10-31), ranges and their refusals, htmx partials,
drill-down by place and category, scoped staff, exports as CSV and XLSX, the monthly report, both
languages, and constant query counts."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from gansu_mall.accounts.tests.factories import UserFactory
from gansu_mall.dashboard.tests.conftest import D, buyers, goods, make_product, make_vendor, sale

pytestmark = pytest.mark.django_db

RANGE = "date_from=2026-11-01&date_to=2026-11-10"


def text_of(html: str, testid: str) -> str:
    """The text inside the element carrying ``data-testid`` (tags stripped, spaces collapsed)."""
    match = re.search(rf'data-testid="{re.escape(testid)}"[^>]*>(.*?)</', html, re.S)
    assert match, f"no element {testid}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", match.group(1))).strip()


def rows_of(html: str, slug: str) -> list[list[str]]:
    """The body rows of the table ``table-<slug>`` as lists of cell texts."""
    table = re.search(rf'data-testid="table-{re.escape(slug)}".*?<tbody>(.*?)</tbody>', html, re.S)
    assert table, f"no table {slug}"
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table.group(1), re.S)
    return [
        [
            re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in rows
    ]


def crumbs_of(html: str) -> list[str]:
    trail = re.search(r'<ol data-testid="breadcrumb">(.*?)</ol>', html, re.S).group(1)
    return re.findall(r"<li>\s*(?:<a[^>]*>|<span[^>]*>)([^<]+)<", trail)


@pytest.fixture
def staff_client(client, bureau):
    client.force_login(bureau)
    return client


URLS = [
    "/bureau/",
    "/bureau/dashboard/places/621200/",
    "/bureau/dashboard/categories/",
    "/bureau/dashboard/categories/nuts/",
    "/bureau/dashboard/operations/",
    "/bureau/dashboard/export/prefectures.csv",
    "/bureau/dashboard/export/overview.xlsx",
    "/bureau/dashboard/report/2026-10/",
]


@pytest.mark.parametrize("url", URLS)
def test_anonymous_visitors_go_to_the_login_page_and_others_are_refused(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    client.force_login(UserFactory(username="shopper"))
    assert client.get(url).status_code == 403


def test_admins_see_the_dashboard(client, rollups):
    client.force_login(UserFactory(username="platform", roles=["admin"]))
    assert client.get(f"/bureau/?{RANGE}").status_code == 200


def test_the_overview_shows_the_figures_against_the_previous_period(staff_client, rollups):
    response = staff_client.get(f"/bureau/?{RANGE}&lang=en")
    assert response.status_code == 200
    html = response.content.decode()
    assert text_of(html, "dashboard-heading") == "Commerce dashboard"
    assert text_of(html, "figure-gmv-value") == "455.45"
    assert text_of(html, "figure-gmv-previous") == "130.00"
    assert text_of(html, "figure-orders-value") == "7"
    assert text_of(html, "figure-buyers-value") == "5"
    assert text_of(html, "figure-average_order_value-value") == "65.06"
    assert text_of(html, "figure-refund_amount-value") == "20.25"
    assert text_of(html, "figure-poverty_relief_gmv-value") == "155.45"
    assert text_of(html, "figure-cross_border_gmv-value") == "120.00"
    # GMV 455.45 against 130.00: up by 250.4 % (arrow hidden from screen readers, words for them).
    gmv_card = re.search(r'data-testid="figure-gmv".*?</li>', html, re.S).group(0)
    assert '<span aria-hidden="true">▲</span><span class="visually-hidden">up by</span> 250.4%' in gmv_card
    refunded = re.search(r'data-testid="figure-refund_amount".*?</li>', html, re.S).group(0)
    assert '<span aria-hidden="true">▼</span><span class="visually-hidden">down by</span> 59.5%' in refunded
    assert text_of(html, "range-summary").startswith(
        "2026-11-01 to 2026-11-10, compared with 2026-10-22 to 2026-10-31"
    )
    # The series, every day of the range; the prefectures with drill-down links keeping the range.
    series = rows_of(html, "series-day")
    assert len(series) == 10
    assert series[0] == ["2026-11-01", "100.50", "2", "1", "20.25", "2"]
    prefectures = {row[1]: row for row in rows_of(html, "prefectures")}
    assert prefectures["Longnan"][2:4] == ["155.45", "4"]
    assert prefectures["Lanzhou"][2:4] == ["300.00", "3"]
    assert f'href="/bureau/dashboard/places/621200/?{RANGE.replace("&", "&amp;")}"' in html
    # The prefectures' table of the overview leaves out distinct buyers (the drill-down pages show them);
    # categories, top sellers, logistics and credit have pages of their own, linked from here.
    assert "figure-buyers" in html
    assert 'data-testid="more-pages"' in html
    assert f'href="/bureau/dashboard/operations/?{RANGE.replace("&", "&amp;")}"' in html
    assert 'data-testid="section-logistics"' not in html
    # Every table of the page can be downloaded, with the range.
    for slug in ("series-day", "prefectures", "shops-by-type", "destinations"):
        for fmt in ("csv", "xlsx"):
            assert f'href="/bureau/dashboard/export/{slug}.{fmt}?{RANGE.replace("&", "&amp;")}"' in html
    # Charts: inline SVG with a title, no script anywhere in the content, the dashboard's print stylesheet.
    assert html.count('role="img"') >= 4
    assert "<script" not in html.split('id="dashboard"')[1]
    assert "/static/css/dashboard.css" in html


def test_the_breakdowns_page_shows_categories_and_the_top_sellers(staff_client, rollups):
    html = staff_client.get(f"/bureau/dashboard/categories/?{RANGE}&lang=en").content.decode()
    assert [row[1] for row in rows_of(html, "top-shops")] == [
        "Lanzhou Lily Ltd",
        "Chengxian Walnut Cooperative",
        "礼县花椒",
    ]
    for slug in ("categories", "top-products", "top-shops"):
        for fmt in ("csv", "xlsx"):
            assert f'href="/bureau/dashboard/export/{slug}.{fmt}?{RANGE.replace("&", "&amp;")}"' in html


def test_the_logistics_and_credit_page(staff_client, rollups):
    html = staff_client.get(f"/bureau/dashboard/operations/?{RANGE}&lang=en").content.decode()
    assert text_of(html, "operations-heading") == "Logistics and credit"
    assert text_of(html, "fact-shipped-value") == "6"
    assert text_of(html, "fact-on-time-rate-value") == "83.3%"
    assert text_of(html, "fact-hours-to-ship-value") == "5.0"
    for slug in ("shipped-per-day", "credit-grades"):
        for fmt in ("csv", "xlsx"):
            assert f'href="/bureau/dashboard/export/{slug}.{fmt}?{RANGE.replace("&", "&amp;")}"' in html
    assert html.count('role="img"') >= 2


def test_the_overview_is_in_chinese_by_default(staff_client, rollups):
    html = staff_client.get(f"/bureau/?{RANGE}").content.decode()
    assert '<html lang="zh-Hans">' in html
    assert text_of(html, "dashboard-heading") == "商务数据看板"
    gmv_card = re.search(r'data-testid="figure-gmv".*?</li>', html, re.S).group(0)
    assert "成交额" in gmv_card
    assert "455.45" in gmv_card


def test_without_a_range_the_last_30_days_are_shown(staff_client, rollups, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2026, 11, 10))
    html = staff_client.get("/bureau/?lang=en").content.decode()
    assert 'value="2026-10-12"' in html
    assert 'value="2026-11-10"' in html
    assert 'aria-current="true">Last 30 days</a>' in html
    # 10-12 … 11-10 holds every sale of the fixture but 11-11's 500.00: 455.45 + 80 + 50 + 900.
    assert text_of(html, "figure-gmv-value") == "1485.45"


def test_presets_link_to_their_ranges(staff_client, rollups, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2026, 11, 10))
    html = staff_client.get(f"/bureau/?{RANGE}&lang=en").content.decode()
    expected = {
        "7d": "date_from=2026-11-04&amp;date_to=2026-11-10",
        "30d": "date_from=2026-10-12&amp;date_to=2026-11-10",
        "month": "date_from=2026-11-01&amp;date_to=2026-11-10",
        "last-month": "date_from=2026-10-01&amp;date_to=2026-10-31",
        "year": "date_from=2026-01-01&amp;date_to=2026-11-10",
    }
    for key, query in expected.items():
        link = re.search(rf'<a [^>]*data-testid="preset-{key}"[^>]*>', html, re.S).group(0)
        assert f'href="/bureau/?{query}"' in link
        assert f'hx-get="/bureau/?{query}"' in link
        assert 'hx-target="#dashboard"' in link
        assert 'hx-push-url="true"' in link
    # The current range is "this month".
    assert re.search(r'data-testid="preset-month"\s+aria-current="true"', html)


def test_a_refused_range_is_shown_on_the_form_with_status_400(staff_client, rollups):
    response = staff_client.get("/bureau/?date_from=2026-11-10&date_to=2026-11-01&lang=en")
    assert response.status_code == 400
    html = response.content.decode()
    assert "The start date must not be after the end date." in html
    assert 'data-testid="figures"' not in html
    response = staff_client.get("/bureau/?date_from=2026-13-01&lang=en")
    assert response.status_code == 400
    assert "Enter a date as YYYY-MM-DD." in response.content.decode()
    assert 'value="2026-13-01"' in response.content.decode()  # what was typed stays in the field


def test_htmx_gets_only_the_dashboard_content(staff_client, rollups):
    response = staff_client.get(f"/bureau/?{RANGE}&lang=en", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "site-header" not in html
    assert text_of(html, "figure-gmv-value") == "455.45"
    assert 'hx-get="/bureau/"' in html
    assert 'hx-target="#dashboard"' in html


def test_htmx_gets_a_refused_range_as_a_form_to_swap_in(staff_client, rollups):
    """htmx 2 does not swap 4xx responses: the form with its message comes with 200 and no figures."""
    response = staff_client.get(
        "/bureau/?date_from=2026-11-10&date_to=2026-11-01&lang=en", headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "The start date must not be after the end date." in html
    assert 'data-testid="figures"' not in html


def test_the_full_page_works_without_javascript(staff_client, rollups):
    """The range form is a plain GET form to the page itself; htmx only enhances it."""
    html = staff_client.get(f"/bureau/?{RANGE}&lang=en").content.decode()
    form = re.search(r'<form method="get"\s+action="/bureau/"[^>]*data-testid="range-form">', html)
    assert form
    assert 'name="date_from"' in html
    assert 'type="date"' in html


def test_the_series_can_be_weekly_or_monthly(staff_client, rollups):
    html = staff_client.get(f"/bureau/?{RANGE}&grain=week&lang=en").content.decode()
    # Weeks starting Monday: 10-26 (cut to 11-01), 11-02, 11-09.
    assert [row[:3] for row in rows_of(html, "series-week")] == [
        ["2026-11-01", "100.50", "2"],
        ["2026-11-02", "339.90", "4"],
        ["2026-11-09", "15.05", "1"],
    ]
    html = staff_client.get(f"/bureau/?{RANGE}&grain=month&lang=en").content.decode()
    assert [row[:3] for row in rows_of(html, "series-month")] == [["2026-11-01", "455.45", "7"]]


def test_a_prefecture_shows_its_counties_and_a_county_its_shops(staff_client, rollups):
    html = staff_client.get(f"/bureau/dashboard/places/621200/?{RANGE}&lang=en").content.decode()
    assert text_of(html, "place-heading") == "Longnan"
    assert crumbs_of(html) == ["Gansu Province", "Longnan"]
    counties = {row[1]: row[2:4] for row in rows_of(html, "places-621200")}
    assert counties["Cheng County"] == ["140.40", "3"]
    assert counties["Li County"] == ["15.05", "1"]
    assert f'href="/bureau/dashboard/places/621221/?{RANGE.replace("&", "&amp;")}"' in html
    assert 'href="/bureau/dashboard/export/places-621200.xlsx?' in html

    html = staff_client.get(f"/bureau/dashboard/places/621221/?{RANGE}&lang=en").content.decode()
    assert crumbs_of(html) == ["Gansu Province", "Longnan", "Cheng County"]
    assert f'<a href="/bureau/dashboard/places/621200/?{RANGE.replace("&", "&amp;")}">Longnan</a>' in html
    shops = rows_of(html, "places-621221")
    assert [row[1] for row in shops] == ["Chengxian Walnut Cooperative"]
    assert shops[0][3:5] == ["140.40", "3"]


@pytest.mark.parametrize("code", ["999999", "620000", "abc", "110101"])
def test_places_that_are_not_prefectures_or_counties_of_gansu_are_404(staff_client, rollups, code):
    assert staff_client.get(f"/bureau/dashboard/places/{code}/").status_code == 404


def test_county_staff_see_only_their_county(client, rollups, county_staff):
    client.force_login(county_staff)
    html = client.get(f"/bureau/?{RANGE}&lang=en").content.decode()
    assert text_of(html, "figure-gmv-value") == "140.40"  # 成县's cooperative only
    assert "Cheng County" in text_of(html, "range-summary")
    assert [row[1] for row in rows_of(html, "prefectures")] == ["Longnan"]
    assert client.get(f"/bureau/dashboard/places/621221/?{RANGE}").status_code == 200
    assert client.get(f"/bureau/dashboard/places/620100/?{RANGE}").status_code == 404
    assert client.get(f"/bureau/dashboard/places/621226/?{RANGE}").status_code == 404
    response = client.get(f"/bureau/dashboard/export/places-620100.csv?{RANGE}")
    assert response.status_code == 404
    body = client.get(f"/bureau/dashboard/export/prefectures.csv?{RANGE}").content.decode("utf-8-sig")
    assert "300.00" not in body
    assert "140.40" in body


def test_prefecture_staff_see_their_prefecture(client, rollups, longnan_staff):
    client.force_login(longnan_staff)
    html = client.get(f"/bureau/dashboard/places/621200/?{RANGE}&lang=en").content.decode()
    assert {row[1] for row in rows_of(html, "places-621200")} >= {"Cheng County", "Li County"}
    html = client.get(f"/bureau/?{RANGE}&lang=en").content.decode()
    assert text_of(html, "figure-gmv-value") == "155.45"
    assert client.get(f"/bureau/dashboard/places/620100/?{RANGE}").status_code == 404


def test_categories_drill_down_to_subcategories_and_products(staff_client, rollups):
    html = staff_client.get(f"/bureau/dashboard/categories/?{RANGE}&lang=en").content.decode()
    top = {row[1]: row[2] for row in rows_of(html, "categories")}
    assert top["Nuts and seeds"] == "125.00"
    assert f'href="/bureau/dashboard/categories/nuts/?{RANGE.replace("&", "&amp;")}"' in html
    html = staff_client.get(f"/bureau/dashboard/categories/nuts/?{RANGE}&lang=en").content.decode()
    assert text_of(html, "categories-heading") == "Nuts and seeds"
    assert {row[1]: row[2] for row in rows_of(html, "categories-nuts")}["Walnuts"] == "125.00"
    assert [row[1:4] for row in rows_of(html, "products-nuts")] == [
        ["Chengxian walnuts", "Chengxian Walnut Cooperative", "125.00"]
    ]
    assert staff_client.get(f"/bureau/dashboard/categories/no-such-thing/?{RANGE}").status_code == 404


def test_a_table_downloads_as_csv(staff_client, rollups):
    response = staff_client.get(f"/bureau/dashboard/export/prefectures.csv?{RANGE}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == (
        'attachment; filename="gansu-dashboard-prefectures-2026-11-01-2026-11-10.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    longnan = next(row for row in rows if row[0] == "621200")
    assert longnan[2:4] == ["155.45", "4"]


def test_a_table_downloads_as_xlsx(staff_client, rollups):
    response = staff_client.get(f"/bureau/dashboard/export/places-621200.xlsx?{RANGE}")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="gansu-dashboard-places-621200-2026-11-01-2026-11-10.xlsx"'
    )
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    values = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    cheng = next(row for row in values if "621221" in [str(v) for v in row])
    assert any(str(v) in ("140.4", "140.40") for v in cheng)


def test_the_overview_downloads_as_one_workbook(staff_client, rollups):
    response = staff_client.get(f"/bureau/dashboard/export/overview.xlsx?{RANGE}")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="gansu-dashboard-overview-2026-11-01-2026-11-10.xlsx"'
    )
    workbook = load_workbook(io.BytesIO(response.content))
    assert len(workbook.worksheets) >= 9


@pytest.mark.parametrize(
    ("url", "status"),
    [
        (f"/bureau/dashboard/export/nothing.csv?{RANGE}", 404),
        (f"/bureau/dashboard/export/prefectures.pdf?{RANGE}", 404),
        (f"/bureau/dashboard/export/overview.csv?{RANGE}", 404),
        ("/bureau/dashboard/export/prefectures.csv?date_from=2026-11-10&date_to=2026-11-01", 400),
    ],
)
def test_exports_refuse_what_they_cannot_make(staff_client, rollups, url, status):
    assert staff_client.get(url).status_code == status


def test_the_monthly_report_compares_with_the_calendar_month_before(staff_client, rollups, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2026, 12, 3))
    response = staff_client.get("/bureau/dashboard/report/2026-11/?lang=en")
    assert response.status_code == 200
    html = response.content.decode()
    assert text_of(html, "report-heading") == "Gansu e-commerce monthly report"
    assert "Gansu Provincial Department of Commerce" in html
    assert text_of(html, "report-area") == "Area: Gansu Province (all prefectures)"
    # November: the period's 455.45 and 11-11's 500.00; October (all 31 days): 80 + 50 + 900.
    figure = re.search(r'data-testid="report-figure-gmv">(.*?)</tr>', html, re.S).group(1)
    cells = [
        re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", figure, re.S)
    ]
    assert cells[:3] == ["GMV", "955.45", "1030.00"]
    assert cells[3].endswith("7.2%")
    assert "down by" in cells[3]
    assert "Compared with the previous month, 2026-10-01 to 2026-10-31." in html
    assert len(rows_of(html, "series-day")) == 30
    assert 'href="/bureau/dashboard/report/2026-10/"' in html
    assert "/static/css/dashboard.css" in html
    html_zh = staff_client.get("/bureau/dashboard/report/2026-11/?lang=zh-hans").content.decode()
    assert "甘肃省电子商务月度报告" in html_zh


@pytest.mark.parametrize("month", ["2026-13", "1999-01", "2026-1", "2027-01"])
def test_report_months_that_cannot_be_shown_are_404(staff_client, month, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2026, 12, 3))
    assert staff_client.get(f"/bureau/dashboard/report/{month}/").status_code == 404


def test_the_report_names_the_area_of_scoped_staff(client, rollups, county_staff):
    client.force_login(county_staff)
    html = client.get("/bureau/dashboard/report/2026-11/?lang=en").content.decode()
    assert text_of(html, "report-area") == "Area: Cheng County"


def _more_data(shops):
    """Many more shops, products, days and buyers (in other places and categories)."""
    counties = ["620102", "620103", "620402", "620502", "621221", "621226", "622901"]
    for n in range(12):
        vendor = make_vendor(
            slug=f"more-{n}",
            name=f"店 {n}",
            name_en=f"Shop {n}",
            vendor_type=("individual", "enterprise", "cooperative")[n % 3],
            county=counties[n % len(counties)],
            grade="ABCD"[n % 4],
        )
        product = make_product(vendor=vendor, name=f"货 {n}", name_en=f"Goods {n}", category="walnuts")
        for day in range(1, 11, 2):
            sale(vendor, D(2026, 11, day), orders=1, gmv="10.00", items_total="10.00", shipped=1)
            buyers(vendor, D(2026, 11, day), 1000 + n * 100 + day)
            goods(vendor, product, D(2026, 11, day), orders=1, gmv="10.00", quantity=1)


PAGES = [
    f"/bureau/?{RANGE}",
    f"/bureau/dashboard/places/621200/?{RANGE}",
    f"/bureau/dashboard/places/621221/?{RANGE}",
    f"/bureau/dashboard/categories/?{RANGE}",
    f"/bureau/dashboard/categories/nuts/?{RANGE}",
    f"/bureau/dashboard/operations/?{RANGE}",
    f"/bureau/dashboard/export/overview.xlsx?{RANGE}",
    "/bureau/dashboard/report/2026-11/",
]


@pytest.mark.parametrize("url", PAGES)
def test_pages_cost_the_same_queries_for_little_and_much_data(
    staff_client, rollups, url, django_assert_num_queries
):
    staff_client.get(url)  # warm-up: the session, the language
    with CaptureQueriesContext(connection) as small:
        assert staff_client.get(url).status_code == 200
    _more_data(rollups)
    with django_assert_num_queries(len(small.captured_queries)):
        assert staff_client.get(url).status_code == 200
