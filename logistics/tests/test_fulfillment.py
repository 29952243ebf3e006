"""The fulfillment queue's services: a paid hub order becomes a task; claim, pick, pack, ship; the order
follows; exceptions, release, expiry, SLA flags; tracking events."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import Batch, Sku
from gansu_mall.core.errors import ApplicationError
from logistics import fulfillment
from logistics.models import FulfillmentTask, HubStock, Pick, Shipment, TaskEvent
from logistics.tests.conftest import hub_sku, lot, paid_order, stock_hub
from orders.models import OrderItemLot
from orders.services.fulfillment import hub_ship, shipment_event_record

pytestmark = pytest.mark.django_db


def test_a_paid_hub_order_is_claimed_picked_packed_shipped_and_delivered(
    owner, warehouse_user, buyer, walnut, walnut_lot
):
    stock_hub(walnut, owner, warehouse_user, 10, batch=walnut_lot)
    (order,) = paid_order(buyer, {walnut: 3})
    task = FulfillmentTask.objects.get(order_ref=order.pk)
    assert (task.status, task.priority_code, task.order_number) == ("queued", "standard", order.number)
    assert task.deadline == order.paid_at + timedelta(hours=24)

    claimed = fulfillment.task_claim(worker=warehouse_user)
    assert (claimed.pk, claimed.status) == (task.pk, "claimed")
    picks = list(Pick.objects.filter(line__task=task).values_list("bin__code", "batch_id", "quantity"))
    assert picks == [("A-01-01", walnut_lot.pk, 3)]
    assert HubStock.objects.get(sku=walnut).allocated == 3

    fulfillment.task_pick(task=task, worker=warehouse_user)
    fulfillment.task_pack(task=task, worker=warehouse_user, weight_grams=1600, packages=1)
    hub_ship(task=task, worker=warehouse_user, carrier="sf", tracking_number="SF123456789012")

    order.refresh_from_db()
    assert (order.status, order.carrier, order.tracking_number) == ("shipped", "sf", "SF123456789012")
    assert list(OrderItemLot.objects.values_list("batch_id", "quantity")) == [(walnut_lot.pk, 3)]
    row = HubStock.objects.get(sku=walnut)
    assert (row.quantity, row.allocated) == (7, 0)
    assert Batch.objects.get(pk=walnut_lot.pk).remaining == 37
    assert Sku.objects.get(pk=walnut.pk).stock == 7

    shipment = Shipment.objects.get(order_ref=order.pk)
    shipment_event_record(
        shipment=shipment, status="delivered", occurred_at=timezone.now(), location="成县", source="warehouse"
    )
    order.refresh_from_db()
    assert order.status == "delivered"
    assert list(TaskEvent.objects.filter(task=task).values_list("to_status", flat=True)) == [
        "queued",
        "claimed",
        "picked",
        "packed",
        "shipped",
    ]


def test_claims_go_by_priority_then_deadline(owner, warehouse_user, buyer, licensed_shop, walnut):
    chilled = hub_sku(licensed_shop, code="LY-500", storage="chilled", name="百合")
    stock_hub(walnut, owner, warehouse_user, 20)
    stock_hub(chilled, owner, warehouse_user, 20, batch=lot(chilled, 20), bin_code="C-01-01")
    standard = paid_order(buyer, {walnut: 1})[0]
    cold = paid_order(buyer, {chilled: 1})[0]
    express = paid_order(buyer, {walnut: 1}, express=True)[0]
    later_standard = paid_order(buyer, {walnut: 1})[0]
    order = [fulfillment.task_claim(worker=warehouse_user).order_ref for _ in range(4)]
    assert order == [express.pk, cold.pk, standard.pk, later_standard.pk]
    assert fulfillment.task_claim(worker=warehouse_user) is None


def test_fefo_picks_the_lot_that_expires_first(owner, warehouse_user, buyer, licensed_shop):
    chilled = hub_sku(licensed_shop, code="LY-500", storage="chilled", name="百合")
    late = lot(chilled, 10)
    early = lot(chilled, 10)
    Batch.objects.filter(pk=late.pk).update(expires_on=timezone.localdate() + timedelta(days=20))
    Batch.objects.filter(pk=early.pk).update(expires_on=timezone.localdate() + timedelta(days=5))
    stock_hub(chilled, owner, warehouse_user, 10, batch=late, bin_code="C-01-01")
    stock_hub(chilled, owner, warehouse_user, 4, batch=early, bin_code="C-01-02")
    paid_order(buyer, {chilled: 6})
    task = fulfillment.task_claim(worker=warehouse_user)
    picks = list(
        Pick.objects.filter(line__task=task).order_by("id").values_list("batch_id", "bin__code", "quantity")
    )
    assert picks == [(early.pk, "C-01-02", 4), (late.pk, "C-01-01", 2)]


def test_shipping_an_unpacked_task_is_refused_and_changes_nothing(owner, warehouse_user, buyer, walnut):
    stock_hub(walnut, owner, warehouse_user, 5)
    (order,) = paid_order(buyer, {walnut: 1})
    task = fulfillment.task_claim(worker=warehouse_user)
    with pytest.raises(ApplicationError) as refused:
        hub_ship(task=task, worker=warehouse_user, carrier="sf", tracking_number="SF123456789012")
    assert refused.value.code == "task_not_packed"
    task.refresh_from_db()
    order.refresh_from_db()
    assert (task.status, order.status, Shipment.objects.count()) == ("claimed", "paid", 0)
    assert HubStock.objects.get(sku=walnut).quantity == 5


def test_express_checkout_pays_the_surcharge_and_goes_first_with_a_shorter_deadline(
    owner, warehouse_user, buyer, walnut
):
    from logistics.models import ShippingRate

    stock_hub(walnut, owner, warehouse_user, 5)
    rate = ShippingRate.objects.get(warehouse__code="LZXQ", province_id="620000")
    (plain,) = paid_order(buyer, {walnut: 1})
    (express,) = paid_order(buyer, {walnut: 1}, express=True)
    assert express.express is True
    assert express.shipping_fee - plain.shipping_fee == rate.express_surcharge
    task = FulfillmentTask.objects.get(order_ref=express.pk)
    assert task.priority_code == "express"
    assert task.deadline == express.paid_at + timedelta(hours=8)


def test_a_cart_with_hub_and_own_skus_of_one_shop_becomes_two_orders(
    owner, warehouse_user, buyer, licensed_shop, walnut
):
    from catalog import services

    stock_hub(walnut, owner, warehouse_user, 5)
    product = services.product_create(
        vendor=licensed_shop,
        data=services.ProductInput(
            name="核桃仁",
            category="walnuts",
            origin_county_code="621221",
            storage="ambient",
            status="active",
            skus=[services.SkuInput(code="HTR-250", spec="250 g", price="30.00", stock=9, weight_grams=260)],
        ),
    )
    own = product.skus.get()
    orders = paid_order(buyer, {walnut: 1, own: 2})
    assert sorted((o.items.get().sku_id, o.items.get().fulfilled_by) for o in orders) == sorted(
        [(walnut.pk, "hub"), (own.pk, "vendor")]
    )
    assert FulfillmentTask.objects.count() == 1
    assert FulfillmentTask.objects.get().order_ref == next(
        o.pk for o in orders if o.items.get().sku_id == walnut.pk
    )


def test_a_refund_before_shipping_withdraws_the_task_and_its_holds(owner, warehouse_user, buyer, walnut):
    from orders.services.refunds import refund_request

    stock_hub(walnut, owner, warehouse_user, 5)
    (order,) = paid_order(buyer, {walnut: 2})
    task = fulfillment.task_claim(worker=warehouse_user)
    assert HubStock.objects.get(sku=walnut).allocated == 2
    refund_request(order=order, buyer=buyer, reason="买多了")
    task.refresh_from_db()
    assert task.status == "cancelled"
    row = HubStock.objects.get(sku=walnut)
    assert (row.quantity, row.allocated) == (5, 0)
    assert Sku.objects.get(pk=walnut.pk).stock == 5
    with pytest.raises(ApplicationError) as refused:
        fulfillment.task_pack(task=task, worker=warehouse_user, weight_grams=600, packages=1)
    assert refused.value.code == "invalid_transition"


def test_an_expired_claim_returns_to_the_queue_once(owner, warehouse_user, buyer, walnut):
    stock_hub(walnut, owner, warehouse_user, 5)
    paid_order(buyer, {walnut: 2})
    task = fulfillment.task_claim(worker=warehouse_user)
    later = timezone.now() + timedelta(minutes=21)
    assert fulfillment.claims_expire(now=timezone.now()) == 0
    assert fulfillment.claims_expire(now=later) == 1
    assert fulfillment.claims_expire(now=later) == 0
    task.refresh_from_db()
    assert (task.status, task.claimed_by_id) == ("queued", None)
    assert TaskEvent.objects.filter(task=task, note="claim expired").count() == 1
    assert HubStock.objects.get(sku=walnut).allocated == 0
    with pytest.raises(ApplicationError) as refused:
        fulfillment.task_pack(task=task, worker=warehouse_user, weight_grams=600, packages=1)
    assert refused.value.code == "invalid_transition"
    again = fulfillment.task_claim(worker=warehouse_user)
    assert (again.pk, again.claims) == (task.pk, 2)


def test_a_task_short_of_hub_stock_goes_to_the_lead_and_the_next_one_is_claimed(
    owner, warehouse_user, lead, buyer, walnut, licensed_shop
):
    from gansu_mall.notifications.models import Notification

    other = hub_sku(licensed_shop, code="HT-1000", name="核桃仁")
    stock_hub(walnut, owner, warehouse_user, 3)
    stock_hub(other, owner, warehouse_user, 3, bin_code="A-01-02")
    (first,) = paid_order(buyer, {walnut: 3})
    (second,) = paid_order(buyer, {other: 1})
    HubStock.objects.filter(sku=walnut).update(quantity=1)  # units went missing before the claim
    claimed = fulfillment.task_claim(worker=warehouse_user)
    assert claimed.order_ref == second.pk
    short = FulfillmentTask.objects.get(order_ref=first.pk)
    assert (short.status, short.exception_kind) == ("exception", "stock_short")
    assert list(Notification.objects.filter(user=lead).values_list("kind", flat=True)) == ["task_exception"]
    assert HubStock.objects.get(sku=walnut).allocated == 0


def test_sla_monitor_flags_at_risk_and_overdue_tasks_once_and_tells_the_lead(
    owner, warehouse_user, lead, buyer, walnut
):
    from gansu_mall.notifications.models import Notification

    stock_hub(walnut, owner, warehouse_user, 5)
    (early,) = paid_order(buyer, {walnut: 1})
    (late,) = paid_order(buyer, {walnut: 1})
    now = timezone.now()
    FulfillmentTask.objects.filter(order_ref=early.pk).update(deadline=now - timedelta(minutes=5))
    FulfillmentTask.objects.filter(order_ref=late.pk).update(deadline=now + timedelta(minutes=30))
    report = fulfillment.sla_monitor(now=now)
    assert (report.overdue, report.at_risk) == ([early.number], [late.number])
    again = fulfillment.sla_monitor(now=now + timedelta(minutes=5))
    assert (again.overdue, again.at_risk) == ([], [])
    kinds = sorted(Notification.objects.filter(user=lead).values_list("kind", flat=True))
    assert kinds == ["tasks_at_risk", "tasks_overdue"]
    assert FulfillmentTask.objects.get(order_ref=early.pk).overdue_at == now


def test_a_lot_failing_inspection_sends_the_task_holding_it_back_to_the_queue(
    owner, warehouse_user, buyer, walnut, walnut_lot
):
    from logistics import inbound
    from logistics.models import InboundShipment

    stock_hub(walnut, owner, warehouse_user, 10, batch=walnut_lot)
    stock_hub(walnut, owner, warehouse_user, 4, bin_code="A-01-03")  # units without a lot
    paid_order(buyer, {walnut: 2})
    task = fulfillment.task_claim(worker=warehouse_user)
    assert list(Pick.objects.filter(line__task=task).values_list("batch_id", flat=True)) == [walnut_lot.pk]
    inbound.inbound_inspection_failed(
        shipment=InboundShipment.objects.order_by("id").first(),
        actor=warehouse_user,
        batch_id=walnut_lot.pk,
        summary="农残超标",
    )
    task.refresh_from_db()
    assert task.status == "queued"
    assert HubStock.objects.get(batch=walnut_lot).quantity == 0
    again = fulfillment.task_claim(worker=warehouse_user)
    assert list(Pick.objects.filter(line__task=again).values_list("batch_id", "bin__code")) == [
        (None, "A-01-03")
    ]


def test_a_shop_shipping_its_own_order_gets_a_tracked_shipment_and_numbers_are_not_reused(
    buyer, licensed_shop, owner
):
    from catalog import services
    from orders.services.orders import order_ship

    product = services.product_create(
        vendor=licensed_shop,
        data=services.ProductInput(
            name="核桃仁",
            category="walnuts",
            origin_county_code="621221",
            storage="ambient",
            status="active",
            skus=[services.SkuInput(code="HTR-250", spec="250 g", price="30.00", stock=9, weight_grams=260)],
        ),
    )
    own = product.skus.get()
    (first,) = paid_order(buyer, {own: 1})
    (second,) = paid_order(buyer, {own: 1})
    order_ship(order=first, actor=owner, carrier="sf", tracking_number="SF123456789012")
    shipment = Shipment.objects.get(order_ref=first.pk)
    assert (shipment.task_id, shipment.status, shipment.events.count()) == (None, "shipped", 1)
    with pytest.raises(ApplicationError) as refused:
        order_ship(order=second, actor=owner, carrier="sf", tracking_number="SF123456789012")
    assert refused.value.code == "tracking_in_use"
    second.refresh_from_db()
    assert (second.status, second.tracking_number, Shipment.objects.count()) == ("paid", "", 1)


def test_a_task_short_of_stock_returns_to_the_queue_when_the_stock_arrives(
    owner, warehouse_user, buyer, walnut
):
    stock_hub(walnut, owner, warehouse_user, 3)
    (order,) = paid_order(buyer, {walnut: 3})
    HubStock.objects.filter(sku=walnut).update(quantity=1)
    assert fulfillment.task_claim(worker=warehouse_user) is None
    task = FulfillmentTask.objects.get(order_ref=order.pk)
    assert (task.status, task.exception_kind) == ("exception", "stock_short")
    stock_hub(walnut, owner, warehouse_user, 5, bin_code="A-02-01")
    task.refresh_from_db()
    assert (task.status, task.exception_kind) == ("queued", "")
    claimed = fulfillment.task_claim(worker=warehouse_user)
    assert claimed.pk == task.pk
    picks = list(Pick.objects.filter(line__task=task).order_by("id").values_list("bin__code", "quantity"))
    assert picks == [("A-01-01", 1), ("A-02-01", 2)]


def test_the_portable_claim_for_sqlite_picks_the_same_as_the_postgresql_one(
    monkeypatch, owner, warehouse_user, buyer, licensed_shop, walnut
):
    """The demo's SQLite takes the portable claim; CI runs on PostgreSQL, so it is exercised here."""
    chilled = hub_sku(licensed_shop, code="LY-500", storage="chilled", name="百合")
    late, early = lot(chilled, 10), lot(chilled, 10)
    Batch.objects.filter(pk=late.pk).update(expires_on=timezone.localdate() + timedelta(days=20))
    Batch.objects.filter(pk=early.pk).update(expires_on=timezone.localdate() + timedelta(days=5))
    stock_hub(chilled, owner, warehouse_user, 10, batch=late, bin_code="C-01-01")
    stock_hub(chilled, owner, warehouse_user, 4, batch=early, bin_code="C-01-02")
    stock_hub(walnut, owner, warehouse_user, 1)
    (short,) = paid_order(buyer, {walnut: 1})
    HubStock.objects.filter(sku=walnut).update(quantity=0)
    (order,) = paid_order(buyer, {chilled: 6})
    monkeypatch.setattr(fulfillment, "_claim_postgres", fulfillment._claim_portable)
    task = fulfillment.task_claim(worker=warehouse_user)
    assert (task.order_ref, task.status, task.claims, task.claimed_by_id) == (
        order.pk,
        "claimed",
        1,
        warehouse_user.pk,
    )
    picks = list(
        Pick.objects.filter(line__task=task).order_by("id").values_list("batch_id", "bin__code", "quantity")
    )
    assert picks == [(early.pk, "C-01-02", 4), (late.pk, "C-01-01", 2)]
    assert sorted(HubStock.objects.filter(sku=chilled).values_list("batch_id", "allocated")) == sorted(
        [(early.pk, 4), (late.pk, 2)]
    )
    assert fulfillment.task_claim(worker=warehouse_user) is None  # the walnut task lacks stock
    assert FulfillmentTask.objects.get(order_ref=short.pk).exception_kind == "stock_short"
