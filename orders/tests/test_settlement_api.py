"""The settlement API (API.md "Settlement") and the payouts desk: figures, envelope, permissions, isolation."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from gansu_mall.accounts.tests.factories import UserFactory
from orders.settlement.models import CommissionRate, JournalEntry, Payout, Posting, Settlement
from orders.settlement.settlement import settlement_run
from orders.tests.helpers import completed_order, days_ago
from vendors.models import PayoutAccount

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_shops(buyer, walnuts, lilies, walnut_owner, lily_owner, walnut_shop, lily_shop):
    from catalog.models import Category

    CommissionRate.objects.create(category=Category.objects.get(slug="nuts"), rate=Decimal("0.06"))
    completed_order(buyer, walnuts, walnut_owner, quantity=2, key="a", completed_at=days_ago(8))
    completed_order(buyer, lilies, lily_owner, key="b", completed_at=days_ago(8))
    settlement_run(as_of=timezone.localdate())
    for shop, owner in ((walnut_shop, walnut_owner), (lily_shop, lily_owner)):
        PayoutAccount.objects.update_or_create(
            vendor=shop,
            defaults={
                "bank_name": "甘肃银行",
                "holder": shop.legal_name,
                "number": f"62220200000000{shop.pk:05d}",
                "last4": f"{shop.pk:04d}"[-4:],
                "updated_by": owner,
            },
        )
    return {
        "walnut": Settlement.objects.get(vendor=walnut_shop),
        "lily": Settlement.objects.get(vendor=lily_shop),
    }


def test_a_shop_owner_lists_the_shops_statements(client_for, walnut_owner, walnut_shop, two_shops):
    today = timezone.localdate()
    response = client_for(walnut_owner).get(f"/api/v1/settlements/?vendor={walnut_shop.slug}")
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["next"], body["previous"]) == (1, None, None)
    row = body["results"][0]
    assert {
        k: row[k] for k in ("id", "period_start", "period_end", "orders_count", "gross", "commission")
    } == {
        "id": two_shops["walnut"].pk,
        "period_start": (today - timedelta(days=8)).isoformat(),
        "period_end": (today - timedelta(days=7)).isoformat(),
        "orders_count": 1,
        "gross": "89.80",
        "commission": "4.79",
    }
    assert (row["refunds"], row["adjustments"], row["net"], row["status"]) == (
        "0.00",
        "0.00",
        "85.01",
        "payout_pending",
    )
    mine = client_for(walnut_owner).get("/api/v1/settlements/").json()
    assert [r["id"] for r in mine["results"]] == [two_shops["walnut"].pk]


def test_another_shops_statements_and_balance_are_absent(
    client_for, lily_owner, walnut_shop, two_shops, buyer
):
    for user in (lily_owner, buyer):
        api = client_for(user)
        for url in (
            f"/api/v1/settlements/?vendor={walnut_shop.slug}",
            f"/api/v1/settlements/{two_shops['walnut'].pk}/",
            f"/api/v1/vendors/{walnut_shop.slug}/balance/",
        ):
            response = api.get(url)
            assert response.status_code == 404, url
            assert response.json()["code"] == "not_found"
    assert client_for(buyer).get("/api/v1/settlements/").json()["count"] == 0
    assert client_for(lily_owner).get("/api/v1/settlements/?vendor=no-such-shop").status_code == 404


def test_a_clerk_sees_no_money(client_for, walnut_shop, two_shops):
    from vendors.models import VendorMembership

    clerk = UserFactory(username="clerk")
    VendorMembership.objects.create(vendor=walnut_shop, user=clerk, role="clerk")
    assert client_for(clerk).get(f"/api/v1/vendors/{walnut_shop.slug}/balance/").status_code == 404


def test_anonymous_callers_are_refused_with_the_envelope(api_client, walnut_shop, two_shops):
    for url in ("/api/v1/settlements/", f"/api/v1/vendors/{walnut_shop.slug}/balance/", "/api/v1/payouts/"):
        response = api_client.get(url)
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"


def test_bureau_staff_see_every_shops_statements(client_for, bureau, walnut_shop, two_shops):
    body = client_for(bureau).get("/api/v1/settlements/").json()
    assert sorted(r["id"] for r in body["results"]) == sorted([two_shops["walnut"].pk, two_shops["lily"].pk])
    one = client_for(bureau).get(f"/api/v1/settlements/?vendor={walnut_shop.slug}").json()
    assert [r["vendor"] for r in one["results"]] == [walnut_shop.slug]


def test_the_balance_of_a_shop(client_for, walnut_owner, walnut_shop, buyer, walnuts, two_shops):
    completed_order(buyer, walnuts, walnut_owner, key="c", completed_at=days_ago(1))
    response = client_for(walnut_owner).get(f"/api/v1/vendors/{walnut_shop.slug}/balance/")
    assert response.status_code == 200
    assert response.json() == {
        "pending": "49.90",
        "available": "0.00",
        "paid_out": "0.00",
        "in_payout": "85.01",
    }


def test_one_statement_with_its_orders(client_for, walnut_owner, two_shops):
    statement = two_shops["walnut"]
    line = statement.lines.get()
    body = client_for(walnut_owner).get(f"/api/v1/settlements/{statement.pk}/").json()
    assert [
        (r["order"]["id"], r["order"]["number"], r["gross"], r["commission"], r["net"]) for r in body["lines"]
    ] == [(line.order_id, line.order.number, "89.80", "4.79", "85.01")]
    assert body["payout"] == {"number": statement.payout.number, "amount": "85.01", "status": "pending"}


def test_the_payouts_desk_exports_and_confirms(client_for, bureau, walnut_owner, walnut_shop, two_shops):
    desk = client_for(bureau)
    listed = desk.get("/api/v1/payouts/?status=pending").json()
    assert sorted(r["amount"] for r in listed["results"]) == sorted(
        [f"{two_shops['walnut'].net:.2f}", f"{two_shops['lily'].net:.2f}"]
    )
    refused = client_for(walnut_owner).post("/api/v1/payouts/export/", {}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    assert Payout.objects.filter(status="pending").count() == 2  # nothing changed
    exported = desk.post("/api/v1/payouts/export/", {}, format="json")
    assert exported.status_code == 201
    batch = exported.json()
    assert (batch["count"], batch["total"]) == (2, f"{two_shops['walnut'].net + two_shops['lily'].net:.2f}")
    again = desk.post("/api/v1/payouts/export/", {}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "nothing_to_export")
    csv = desk.get(batch["csv_url"])
    assert (csv.status_code, csv["Content-Type"]) == (200, "text/csv; charset=utf-8")
    text = csv.content.decode("utf-8-sig")
    assert f"62220200000000{walnut_shop.pk:05d}" in text
    assert client_for(walnut_owner).get(batch["csv_url"]).status_code == 403
    payout = Payout.objects.get(vendor=walnut_shop)
    no_reason = desk.post(f"/api/v1/payouts/{payout.pk}/failed/", {"reason": ""}, format="json")
    assert (no_reason.status_code, list(no_reason.json()["fields"])) == (400, ["reason"])
    entries = JournalEntry.objects.count()
    paid = desk.post(f"/api/v1/payouts/{payout.pk}/paid/", {"note": "回单 1"}, format="json")
    assert (paid.status_code, paid.json()["status"], paid.json()["account"]) == (
        200,
        "paid",
        f"甘肃银行 ****{walnut_shop.pk:04d}",
    )
    assert JournalEntry.objects.count() == entries + 1
    twice = desk.post(f"/api/v1/payouts/{payout.pk}/paid/", {}, format="json")
    assert (twice.status_code, twice.json()["code"]) == (409, "invalid_transition")
    assert JournalEntry.objects.count() == entries + 1
    balance = client_for(walnut_owner).get(f"/api/v1/vendors/{walnut_shop.slug}/balance/").json()
    assert (balance["paid_out"], balance["in_payout"]) == ("85.01", "0.00")
    assert desk.post("/api/v1/payouts/999999/paid/", {}, format="json").status_code == 404


def test_list_query_counts_do_not_grow(
    client_for, walnut_owner, walnut_shop, two_shops, django_assert_max_num_queries
):
    api = client_for(walnut_owner)
    url = f"/api/v1/settlements/?vendor={walnut_shop.slug}"
    with django_assert_max_num_queries(20) as one:
        assert api.get(url).json()["count"] == 1
    first = len(one.captured_queries)
    base = two_shops["walnut"]
    for i in range(1, 8):
        Settlement.objects.create(
            vendor=walnut_shop,
            period_start=base.period_end + timedelta(days=i),
            period_end=base.period_end + timedelta(days=i),
            orders_count=0,
            gross=0,
            commission=0,
            refunds=0,
            adjustments=0,
            net=0,
            status="nothing_to_pay",
        )
    with django_assert_max_num_queries(first):
        assert api.get(url).json()["count"] == 8
    assert Posting.objects.exists()


def test_bureau_staff_of_an_area_see_its_shops_only_and_not_the_payouts_desk(
    client_for, walnut_shop, lily_shop, two_shops
):
    longnan = client_for(UserFactory(username="bureau_longnan", roles=["bureau"], roles__scope=["621200"]))
    # 成县 (621221) is in 陇南 (621200); 城关区 of 兰州 (620102) is not
    assert [r["vendor"] for r in longnan.get("/api/v1/settlements/").json()["results"]] == [walnut_shop.slug]
    assert longnan.get(f"/api/v1/settlements/?vendor={lily_shop.slug}").status_code == 404
    assert longnan.get(f"/api/v1/settlements/{two_shops['lily'].pk}/").status_code == 404
    assert longnan.get(f"/api/v1/vendors/{walnut_shop.slug}/balance/").status_code == 200
    refused = longnan.post("/api/v1/payouts/export/", {}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    assert longnan.get("/api/v1/payouts/").status_code == 403
    assert not Payout.objects.exclude(status="pending").exists()
