"""The dashboards' API: who may read it, what it answers, and the envelope of refusals."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gansu_mall.accounts.tests.factories import UserFactory

from .conftest import make_vendor

pytestmark = pytest.mark.django_db

SUMMARY = "/api/v1/dashboard/summary/"
PERIOD = {"date_from": "2026-11-01", "date_to": "2026-11-10"}


def table_url(slug):
    return f"/api/v1/dashboard/tables/{slug}/"


def test_urls_are_named():
    assert reverse("dashboard-summary") == SUMMARY
    assert reverse("dashboard-table", args=["prefectures"]) == table_url("prefectures")


@pytest.mark.parametrize("url", [SUMMARY, table_url("prefectures"), table_url("series-day")])
def test_anonymous_visitors_are_told_to_sign_in(api_client, url):
    response = api_client.get(url, PERIOD)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("url", [SUMMARY, table_url("prefectures"), table_url("credit-grades")])
@pytest.mark.parametrize("who", ["buyer", "shop_owner", "warehouse", "department", "info_officer"])
def test_other_users_are_forbidden(client_for, shops, url, who):
    from vendors.models import VendorMembership

    if who == "buyer":
        user = UserFactory(username="buyer")
    elif who == "shop_owner":
        user = UserFactory(username="owner")
        VendorMembership.objects.create(vendor=shops["walnut"], user=user, role="owner")
    elif who == "department":
        user = UserFactory(username="dept", roles=["department"], roles__department="市场监管局")
    elif who == "info_officer":
        user = UserFactory(username="officer", roles=["info_officer"], roles__scope=["621221"])
    else:
        user = UserFactory(username=who, roles=[who])
    response = client_for(user).get(url, PERIOD)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_summary_for_the_province(client_for, bureau, rollups, live_state):
    response = client_for(bureau).get(SUMMARY, PERIOD)
    assert response.status_code == 200
    body = response.json()
    assert {
        key: body[key]
        for key in ("gmv", "orders", "buyers", "average_order_value", "refunds", "refund_count")
    } == {
        "gmv": "455.45",
        "orders": 7,
        "buyers": 5,
        "average_order_value": "65.06",
        "refunds": "20.25",
        "refund_count": 1,
    }
    assert body["vendors"] == {
        "total": 4,
        "individual": 1,
        "enterprise": 2,
        "cooperative": 1,
        "new": 1,
        "group_buy": 1,
    }
    assert body["poverty_relief"] == {"gmv": "155.45", "orders": 4}
    assert body["logistics"] == {
        "queued": 2,
        "shipped": 6,
        "on_time_rate": "0.8333",
        "average_hours_to_ship": "5.0",
    }
    assert {g: body["credit"][g] for g in "ABCD"} == {"A": 1, "B": 1, "C": 0, "D": 0}
    prefectures = {row["code"]: row for row in body["by_prefecture"]}
    assert prefectures["621200"] == {"code": "621200", "name": "陇南市", "gmv": "155.45", "orders": 4}
    categories = {row["slug"]: row for row in body["by_category"]}
    assert categories["nuts"] == {"slug": "nuts", "name": "坚果炒货", "gmv": "125.00", "orders": 3}
    assert body["previous"]["gmv"] == "130.00"
    assert (body["date_from"], body["date_to"]) == ("2026-11-01", "2026-11-10")


def test_summary_names_in_english(client_for, bureau, rollups):
    response = client_for(bureau).get(SUMMARY, PERIOD, HTTP_ACCEPT_LANGUAGE="en")
    prefectures = {row["code"]: row["name"] for row in response.json()["by_prefecture"]}
    assert prefectures["621200"] == "Longnan"


def test_county_staff_get_only_their_figures(client_for, county_staff, rollups, live_state):
    response = client_for(county_staff).get(SUMMARY, PERIOD)
    assert response.status_code == 200
    body = response.json()
    assert (body["gmv"], body["orders"], body["buyers"], body["refunds"]) == ("140.40", 3, 2, "20.25")
    assert body["by_prefecture"] == [{"code": "621200", "name": "陇南市", "gmv": "140.40", "orders": 3}]
    assert body["logistics"]["queued"] == 1
    assert body["vendors"]["total"] == 1


def test_county_staff_cannot_open_other_places(client_for, county_staff, rollups):
    client = client_for(county_staff)
    assert client.get(table_url("places-621221"), PERIOD).status_code == 200
    for code in ("620102", "620100", "621226"):
        response = client.get(table_url(f"places-{code}"), PERIOD)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_a_table_as_json(client_for, bureau, rollups):
    response = client_for(bureau).get(table_url("places-621200"), PERIOD, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.json()
    assert (body["slug"], body["title"], body["link"]) == ("places-621200", "Longnan", "name")
    assert body["columns"][:3] == [
        {"key": "code", "label": "Code", "kind": "text"},
        {"key": "name", "label": "County", "kind": "text"},
        {"key": "gmv", "label": "GMV", "kind": "money"},
    ]
    rows = {row["code"]: row for row in body["rows"]}
    assert {k: rows["621221"][k] for k in ("gmv", "orders", "buyers", "refund_amount", "share")} == {
        "gmv": "140.40",
        "orders": 3,
        "buyers": 2,
        "refund_amount": "20.25",
        "share": "0.9032",
    }
    assert rows["621221"]["url"] == "/bureau/dashboard/places/621221/"
    assert body["totals"]["gmv"] == "155.45"
    assert body["totals"]["buyers"] == 3


def test_series_table_dates(client_for, bureau, rollups):
    body = client_for(bureau).get(table_url("series-day"), PERIOD).json()
    assert [row["date"] for row in body["rows"]][:2] == ["2026-11-01", "2026-11-02"]
    assert [row["gmv"] for row in body["rows"]][:3] == ["100.50", "300.00", "39.90"]
    assert body["totals"]["gmv"] == "455.45"


def test_unknown_table_is_not_found(client_for, bureau, db):
    response = client_for(bureau).get(table_url("nope"), PERIOD)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date_from": "2026-02-30"}, "date_from"),
        ({"date_from": "2026-11-01", "date_to": "tomorrow"}, "date_to"),
        ({"date_from": "2026-11-11", "date_to": "2026-11-10"}, "date_from"),
        ({"date_from": "2020-01-01", "date_to": "2026-11-10"}, "date_from"),
    ],
)
@pytest.mark.parametrize("url", [SUMMARY, table_url("prefectures")])
def test_bad_dates_are_a_validation_error(client_for, bureau, url, params, field):
    response = client_for(bureau).get(url, params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert list(body["fields"]) == [field]
    assert body["fields"][field]
    assert all(isinstance(m, str) for m in body["fields"][field])
    assert body["message"]


def test_default_period_is_the_last_thirty_days(client_for, bureau, db):
    from datetime import timedelta

    from django.utils import timezone

    body = client_for(bureau).get(SUMMARY).json()
    today = timezone.localdate()
    assert body["date_to"] == today.isoformat()
    assert body["date_from"] == (today - timedelta(days=29)).isoformat()
    assert body["gmv"] == "0.00"


def test_summary_query_count_is_constant(client_for, bureau, rollups, django_assert_max_num_queries):
    from .conftest import D, sale

    client = client_for(bureau)
    client.get(SUMMARY, PERIOD)  # warm: the token's user and the session
    with django_assert_max_num_queries(30) as first:
        assert client.get(SUMMARY, PERIOD).status_code == 200
    for i in range(15):
        vendor = make_vendor(
            slug=f"more-{i}", name=f"店{i}", name_en="", vendor_type="enterprise", county="620702"
        )
        sale(vendor, D(2026, 11, 2), orders=1, gmv="2.00")
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = client.get(SUMMARY, PERIOD)
    assert response.json()["gmv"] == "485.45"


@pytest.mark.parametrize(
    "slug", ["prefectures", "places-621200", "top-shops", "series-week", "credit-grades"]
)
def test_table_query_count_is_constant(client_for, bureau, rollups, django_assert_max_num_queries, slug):
    from .conftest import D, sale

    client = client_for(bureau)
    client.get(table_url(slug), PERIOD)
    with django_assert_max_num_queries(30) as first:
        assert client.get(table_url(slug), PERIOD).status_code == 200
    for i in range(12):
        vendor = make_vendor(
            slug=f"more-{i}", name=f"店{i}", name_en="", vendor_type="enterprise", county="621202"
        )
        sale(vendor, D(2026, 11, 1 + i % 10), orders=1, gmv="2.00")
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert client.get(table_url(slug), PERIOD).status_code == 200


def test_prefecture_staff_see_their_prefecture(client_for, longnan_staff, rollups):
    body = client_for(longnan_staff).get(table_url("prefectures"), PERIOD).json()
    assert [(row["code"], row["gmv"], row["orders"], row["buyers"]) for row in body["rows"]] == [
        ("621200", "155.45", 4, 3)
    ]
    counties = client_for(longnan_staff).get(table_url("places-621200"), PERIOD).json()
    figures = {row["code"]: row["gmv"] for row in counties["rows"] if row["gmv"] != "0.00"}
    assert figures == {"621221": "140.40", "621226": "15.05"}
    assert client_for(longnan_staff).get(table_url("places-620100"), PERIOD).status_code == 404
