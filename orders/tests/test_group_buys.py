"""Group buying: offers, starting and joining groups, filling, and failing with refunds for everyone, once."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.models import Sku
from gansu_mall.accounts.tests.factories import UserFactory
from orders.models import Group, Order, Payment, Refund, SandboxRefund, SandboxTrade
from orders.services.group_buys import groups_expire
from orders.services.payments import payment_mark_paid
from orders.tests.conftest import ADDRESS

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer(client_for, walnut_owner, walnuts):
    response = client_for(walnut_owner).post(
        "/api/v1/group-buys/",
        {"sku": walnuts.pk, "group_price": "29.90", "group_size": 2, "duration_hours": 24},
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def join(client, offer, key, group=None, quantity=1):
    body = {"address": ADDRESS, "quantity": quantity}
    if group is not None:
        body["group"] = group
    return client.post(
        f"/api/v1/group-buys/{offer['id']}/join/", body, format="json", HTTP_IDEMPOTENCY_KEY=key
    )


def pay(payment_id):
    payment = Payment.objects.get(pk=payment_id)
    SandboxTrade.objects.create(
        out_trade_no=payment.number,
        trade_no=f"T{payment.pk}",
        total_amount=payment.amount,
        status="TRADE_SUCCESS",
        paid_at=timezone.now(),
    )
    return payment_mark_paid(payment_id=payment_id, provider="alipay", trade_no=f"T{payment.pk}")


def test_offers_are_checked_and_belong_to_their_shop(client_for, walnut_owner, lily_owner, walnuts):
    url = "/api/v1/group-buys/"
    bad = client_for(walnut_owner).post(
        url, {"sku": walnuts.pk, "group_price": "39.90", "group_size": 1, "duration_hours": 0}, format="json"
    )
    assert bad.status_code == 400
    assert set(bad.json()["fields"]) == {"group_price", "group_size", "duration_hours"}
    fen = client_for(walnut_owner).post(
        url, {"sku": walnuts.pk, "group_price": "29.901", "group_size": 2, "duration_hours": 5}, format="json"
    )
    assert list(fen.json()["fields"]) == ["group_price"]
    stranger = client_for(lily_owner).post(
        url, {"sku": walnuts.pk, "group_price": "29.90", "group_size": 2, "duration_hours": 5}, format="json"
    )
    assert stranger.status_code == 404
    assert client_for(lily_owner).get(url).json()["count"] == 0


def test_a_group_fills_when_its_members_have_paid(client_for, api_client, offer, walnuts):
    leader, member = UserFactory(username="leader"), UserFactory(username="member")
    started = join(client_for(leader), offer, "a")
    assert started.status_code == 201
    order = started.json()["orders"][0]
    assert (order["items_total"], order["total"]) == ("29.90", "39.90")  # group price + shipping
    group = Group.objects.get()
    listed = api_client.get("/api/v1/group-buys/").json()["results"][0]
    assert [(g["id"], g["members"], g["places_left"]) for g in listed["open_groups"]] == [(group.pk, 1, 1)]
    assert pay(started.json()["payment"]["id"]) == "paid"
    assert Order.objects.get(pk=order["id"]).status == "awaiting_group"
    joined = join(client_for(member), offer, "b", group=group.pk)
    assert joined.status_code == 201
    again = join(client_for(member), offer, "c", group=group.pk)  # already in it
    assert (again.status_code, again.json()["code"]) == (409, "already_in_group")
    pay(joined.json()["payment"]["id"])
    group.refresh_from_db()
    assert group.status == "filled"
    assert sorted(Order.objects.values_list("status", flat=True)) == ["paid", "paid"]
    late = join(client_for(UserFactory(username="late")), offer, "d", group=group.pk)
    assert (late.status_code, late.json()["code"]) == (409, "group_closed")
    assert (Sku.objects.get(pk=walnuts.pk).stock, Sku.objects.get(pk=walnuts.pk).reserved) == (8, 0)


def test_a_full_group_takes_no_one_else(client_for, offer):
    first = join(client_for(UserFactory(username="u1")), offer, "a")
    group_id = Group.objects.get().pk
    assert join(client_for(UserFactory(username="u2")), offer, "b", group=group_id).status_code == 201
    third = join(client_for(UserFactory(username="u3")), offer, "c", group=group_id)
    assert (third.status_code, third.json()["code"]) == (409, "group_full")
    assert Order.objects.filter(group_id=group_id).count() == 2
    assert first.status_code == 201


def test_an_unfilled_group_refunds_everyone_once(
    client_for,
    offer,
    walnuts,
    gateway,
    django_capture_on_commit_callbacks,
):
    paid_member, unpaid_member = UserFactory(username="p"), UserFactory(username="q")
    started = join(client_for(paid_member), offer, "a", quantity=2)
    group = Group.objects.get()
    pay(started.json()["payment"]["id"])
    join(client_for(unpaid_member), offer, "b", group=group.pk)
    assert Sku.objects.get(pk=walnuts.pk).stock == 7
    later = timezone.now() + timedelta(hours=25)
    with django_capture_on_commit_callbacks(execute=True):
        assert groups_expire(now=later) == 1
    assert groups_expire(now=later) == 0  # the task again: nothing more
    group.refresh_from_db()
    assert group.status == "failed"
    assert sorted(Order.objects.values_list("status", flat=True)) == ["cancelled", "cancelled"]
    refund = Refund.objects.get()
    assert (refund.status, refund.amount) == ("refunded", Decimal("69.80"))  # 2 × 29.90 + 10.00
    assert SandboxRefund.objects.count() == 1
    sku = Sku.objects.get(pk=walnuts.pk)
    assert (sku.stock, sku.reserved) == (10, 0)
    assert set(Payment.objects.values_list("status", flat=True)) == {"paid", "closed"}


def test_the_shop_ends_an_offer(client_for, api_client, offer, walnut_owner, lily_owner):
    url = f"/api/v1/group-buys/{offer['id']}/"
    assert client_for(lily_owner).delete(url).status_code == 404
    assert api_client.get("/api/v1/group-buys/").json()["count"] == 1
    ended = client_for(walnut_owner).delete(url)
    assert (ended.status_code, ended.json()["active"]) == (200, False)
    assert api_client.get("/api/v1/group-buys/").json()["count"] == 0
    refused = join(client_for(UserFactory(username="z")), offer, "z")
    assert (refused.status_code, refused.json()["code"]) == (409, "group_closed")
    assert Order.objects.count() == 0
