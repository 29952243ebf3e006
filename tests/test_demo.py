"""`manage.py seed_demo`: an account for every role, idempotent, guarded; each account signs in."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from gansu_mall.accounts.demo import DEMO_ACCOUNTS
from gansu_mall.accounts.models import STORED_ROLES, User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def test_seed_demo_covers_every_role_and_is_idempotent(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "Demo accounts: 8 (8 new)" in out
    assert "Demo accounts: 8 (0 new)" in out
    users = User.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS])
    assert users.count() == 8
    held = {role for user in users for role in user.role_names}
    assert held == {"consumer"} | {r.value for r in STORED_ROLES}
    assert "Demo shops and applications: 7 (7 new)." in out
    assert "Demo shops and applications: 7 (0 new)." in out
    assert "Demo products: 45 new." in out
    assert "Demo products: 0 new." in out


def test_seed_demo_shops_cover_types_prefectures_review_and_delegation(settings):
    from vendors.models import Delegation, Vendor, VendorApplication

    settings.DEBUG = True
    call_command("seed_demo")
    shops = Vendor.objects.all()
    assert sorted(shops.values_list("vendor_type", flat=True)) == [
        "cooperative",
        "enterprise",
        "enterprise",
        "individual",
    ]
    assert {v.county.parent_id for v in shops} == {"621200", "621100", "620100"}  # Longnan, Dingxi, Lanzhou
    assert sorted(VendorApplication.objects.exclude(status="approved").values_list("status", flat=True)) == [
        "needs_info",
        "submitted",
        "submitted",
    ]
    delegation = Delegation.objects.get()
    assert (delegation.officer.username, delegation.vendor.name, delegation.revoked_at) == (
        "demo_officer",
        "马大姐当归",
        None,
    )


def test_seed_demo_refuses_without_debug_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="pass --force"):
        call_command("seed_demo")
    assert User.objects.count() == 0
    call_command("seed_demo", "--force")
    # 8 role accounts (two warehouse), 7 sellers, and the 40 buyers of the dashboards' year of past sales
    assert User.objects.count() == 55


def test_every_demo_account_can_sign_in(settings, api_client):
    settings.DEBUG = True
    call_command("seed_demo")
    for account in DEMO_ACCOUNTS:
        response = api_client.post(
            "/api/v1/auth/token/",
            {"username": account.username, "password": settings.DEMO_PASSWORD},
            format="json",
        )
        assert response.status_code == 200, account.username


def test_demo_banner_lists_accounts(capsys):
    call_command("demo_banner", "--url", "http://127.0.0.1:8000/")
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8000/api/docs/" in out
    for account in DEMO_ACCOUNTS:
        assert account.username in out


def test_seed_demo_lists_the_specialties_in_licensed_shops(settings, api_client):
    from catalog.models import Product

    settings.DEBUG = True
    call_command("seed_demo")
    assert Product.objects.count() == 45
    assert Product.objects.get(name="岷县当归").vendor.name == "马大姐当归"
    assert Product.objects.get(name="陇西黄芪").category.slug == "herb-roots"
    found = api_client.get("/api/v1/products/", {"search": "hetao"}).json()
    assert {p["name"] for p in found["results"]} >= {"成县核桃"}


def test_seed_demo_gives_the_demo_buyer_orders_in_every_state(settings, capsys):
    from orders.models import Order
    from orders.services.payments import reserved_reconcile

    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "Demo orders of demo_buyer: 8 new." in out
    assert "Demo orders of demo_buyer: 0 new." in out
    shipped_by_shops = Order.objects.exclude(items__fulfilled_by="hub")  # the hub's demo orders: below
    statuses = sorted(shipped_by_shops.filter(buyer__username="demo_buyer").values_list("status", flat=True))
    assert statuses == [
        "awaiting_group",
        "cancelled",
        "completed",
        "completed",
        "paid",
        "pending_payment",
        "pending_payment",
        "shipped",
    ]
    assert shipped_by_shops.filter(buyer__username="demo_buyer").values("vendor").distinct().count() == 3
    assert reserved_reconcile() == []
    from orders.models import Group, Review

    assert sorted(Review.objects.values_list("rating", flat=True)) == [4, 5]
    assert Review.objects.exclude(reply="").count() == 1
    assert Group.objects.get().status == "forming"


def test_seed_demo_gives_the_dashboards_a_year_of_sales(settings, capsys):
    from django.db.models import Sum

    from gansu_mall.core.models import StaleRollup
    from gansu_mall.dashboard.models import CountyDay
    from orders.models import Order

    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "Demo sales history for the dashboards: 0 orders new." in out
    history = Order.objects.filter(number__startswith="HIST-")
    assert history.count() > 300
    days = {o.paid_at.date() for o in history}
    assert len(days) > 300  # every day of the past year has sales
    paid = Order.objects.filter(paid_at__isnull=False)
    figures = CountyDay.objects.aggregate(gmv=Sum("gmv"), orders=Sum("orders"))
    assert figures == {"gmv": paid.aggregate(total=Sum("total"))["total"], "orders": paid.count()}
    assert not StaleRollup.objects.exists()


def test_seed_demo_fills_the_hub_queue_in_every_state(settings, capsys):
    """Consignments received at the hub (one short, one still announced), a lead, and demo_buyer's hub
    orders with tasks in every state, made through the services: stock, holds and orders agree."""
    from collections import Counter

    from django.db.models import F, Sum

    from catalog.models import Sku
    from logistics.carriers import CARRIERS
    from logistics.models import (
        FulfillmentTask,
        HubStock,
        InboundLine,
        InboundShipment,
        Pick,
        Shipment,
        TaskLine,
        Warehouse,
    )
    from orders.models import Order
    from orders.services.payments import reserved_reconcile

    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "Demo hub (LZXQ): 4 consignments and 11 fulfillment tasks new." in out
    assert "Demo hub (LZXQ): 0 consignments and 0 fulfillment tasks new." in out
    hub = Warehouse.objects.get(code="LZXQ")
    assert hub.lead.username == "demo_warehouse"
    assert User.objects.get(username="demo_picker").has_role("warehouse")

    consignments = InboundShipment.objects.filter(warehouse=hub)
    assert sorted(consignments.values_list("status", flat=True)) == [
        "announced",
        "received",
        "received",
        "received",
    ]
    lines = InboundLine.objects.filter(shipment__in=consignments, shipment__status="received")
    assert lines.filter(received_quantity__lt=F("quantity")).count() == 1  # a short count
    assert lines.filter(batch__isnull=True).count() == 0
    assert lines.filter(batch__expires_on__isnull=False, bin__zone="chilled").count() == 2  # fresh, two lots

    tasks = FulfillmentTask.objects.filter(warehouse=hub)
    assert Counter(tasks.values_list("status", flat=True)) == {
        "queued": 4,
        "claimed": 1,
        "picked": 1,
        "packed": 1,
        "shipped": 2,
        "exception": 1,
        "cancelled": 1,
    }
    assert tasks.get(status="claimed").claimed_by.username == "demo_picker"
    queued = tasks.filter(status="queued")
    assert sorted(queued.values_list("priority", flat=True)) == [1, 2, 3, 3]  # express, cold chain, standard
    assert queued.filter(overdue_at__isnull=False).count() == 1
    assert queued.filter(at_risk_at__isnull=False, overdue_at__isnull=True).count() == 1
    assert tasks.get(status="exception").exception_kind == "short_pick"

    assert set(
        Order.objects.filter(pk__in=tasks.values("order_ref")).values_list("buyer__username", flat=True)
    ) == {"demo_buyer"}
    orders = {task.status: Order.objects.get(pk=task.order_ref) for task in tasks.exclude(status="shipped")}
    shipments = Shipment.objects.filter(task__in=tasks)
    assert sorted(shipments.values_list("status", flat=True)) == ["delivered", "in_transit"]
    for shipment in shipments:
        assert CARRIERS[shipment.carrier].pattern.match(shipment.tracking_number)
        order = Order.objects.get(pk=shipment.order_ref)
        assert order.status == ("delivered" if shipment.status == "delivered" else "shipped")
        assert (order.carrier, order.tracking_number) == (shipment.carrier, shipment.tracking_number)
    cancelled = orders["cancelled"]
    assert cancelled.status == "cancelled"
    assert list(cancelled.refunds.values_list("status", "amount")) == [("refunded", cancelled.total)]
    for status in ("queued", "claimed", "picked", "packed", "exception"):
        assert orders[status].status == "paid"

    # The hub's rows hold what is sellable plus what paid orders still wait for; claims hold their picks.
    open_ = ["queued", "claimed", "picked", "packed", "exception"]
    for sku in Sku.objects.filter(fulfilled_by="hub"):
        rows = HubStock.objects.filter(sku=sku).aggregate(units=Sum("quantity"), held=Sum("allocated"))
        owed = TaskLine.objects.filter(sku=sku, task__status__in=open_).aggregate(n=Sum("quantity"))["n"]
        held = Pick.objects.filter(line__sku=sku, line__task__status__in=["claimed", "picked", "packed"])
        picks = held.aggregate(n=Sum("quantity"))["n"]
        assert rows["units"] == sku.stock + owed, sku.code
        assert rows["held"] == picks, sku.code
    assert reserved_reconcile() == []
