"""Demo data of the Lanzhou New Area hub (seed_demo): what the demo shops consigned to the hub, a warehouse
lead (demo_warehouse) and a picker (demo_picker), and demo_buyer's paid hub orders with fulfillment tasks in
every state: queued (express, cold chain, standard; one overdue, one at risk), claimed, picked, packed,
shipped (one in transit, one delivered), an exception waiting for the lead, and one the lead cancelled (the
order cancelled and refunded).

Everything goes through the real services (lots, announce, receive, checkout, pay, claim, pick, pack, ship,
track, cancel), so every invariant of stock, holds and orders holds. Only the clock is moved back afterwards
for the orders that must look older (queryset updates of their timestamps: a demo's liberty). Like the
management command calling it, this module orchestrates logistics and orders.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import cast
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.test import RequestFactory
from django.utils import timezone

from catalog import trace
from catalog.demo import HUB_GIFT_BOXES
from catalog.models import Batch, FulfilledBy, Sku
from gansu_mall.accounts.models import User
from logistics import fulfillment, inbound
from logistics.models import (
    HUB_CODE,
    ExceptionKind,
    FulfillmentTask,
    InboundShipment,
    Pick,
    Shipment,
    ShipmentEvent,
    ShipmentStatus,
    TaskEvent,
    Warehouse,
)
from orders.demo import ADDRESS, demo_pay
from orders.models import Order, OrderEvent, OrderStatus, Payment, RefundStatus
from orders.payments import providers, sandbox, sandbox_views
from orders.services.addresses import AddressInput
from orders.services.checkout import CheckoutLine, checkout, request_fingerprint
from orders.services.fulfillment import hub_cancel, hub_ship, shipment_event_record
from orders.services.refunds import refund_execute
from vendors.models import Vendor

WALNUT, HUANGQI, APPLE = HUB_GIFT_BOXES  # 成县核桃 (ambient), 陇西黄芪 (ambient), 花牛苹果 (chilled)

# demo_buyer's own address and three relatives the gift boxes go to.
HOME = ADDRESS
BEIJING = AddressInput(
    recipient="李芳", phone="13700137002", province_code="110000", detail="朝阳区建国路 88 号 3 单元 1201"
)
SHANGHAI = AddressInput(
    recipient="张伟", phone="13900139003", province_code="310000", detail="浦东新区世纪大道 100 号 18 楼"
)
XIAN = AddressInput(
    recipient="王建国", phone="13600136004", province_code="610000", detail="雁塔区小寨东路 1 号 2 号楼"
)

DELIVERED_TRACKING = ("sf", "SF620100000001")
IN_TRANSIT_TRACKING = ("jd", "JDVA0620100002")


@dataclass(frozen=True)
class HubDemo:
    """What one run created (zeros when the hub had its demo data already)."""

    consignments: int = 0
    tasks: int = 0


def _hub_skus() -> dict[str, Sku]:
    """The demo shops' hub-fulfilled gift boxes, by product name."""
    rows = Sku.objects.filter(
        product__name__in=HUB_GIFT_BOXES,
        fulfilled_by=FulfilledBy.HUB,
        vendor__memberships__role="owner",
        vendor__memberships__user__username__startswith="demo_",
    ).select_related("product__origin_county", "vendor")
    return {sku.product.name: sku for sku in rows}


def _owner(vendor: Vendor) -> User:
    return vendor.memberships.get(role="owner").user


# --- Consignments --------------------------------------------------------------------------------------


def _lot(sku: Sku, *, quantity: int, days_ago: int) -> Batch:
    """A registered lot harvested ``days_ago`` (its best-before date follows from the shelf life)."""
    product = sku.product
    harvested = timezone.localdate() - timedelta(days=days_ago)
    return trace.batch_create(
        sku=sku,
        data=trace.BatchInput(
            quantity=quantity,
            origin_county_code=product.origin_county_id,
            base_name=f"{product.origin_county.name}种植基地",
            harvested_on=harvested,
            lot_code=f"{harvested:%Y%m%d}-{sku.code}",
        ),
    )


def _consign(
    sku: Sku, lots: list[tuple[Batch, int, int | None, str]], *, receiver: User | None, note: str
) -> InboundShipment:
    """The shop's owner announces ``lots`` (lot, units announced, units counted, bin); ``receiver`` counts
    them into their bins (None: the consignment is still on its way)."""
    shipment = inbound.inbound_announce(
        vendor=sku.vendor,
        actor=_owner(sku.vendor),
        actor_role="owner",
        warehouse_code=HUB_CODE,
        lines=[inbound.AnnouncedLine(sku_id=sku.pk, quantity=n, batch_id=lot.pk) for lot, n, _r, _b in lots],
        note=note,
    )
    if receiver is not None:
        inbound.inbound_receive(
            shipment=shipment,
            actor=receiver,
            lines=[
                inbound.CountedLine(
                    sku_id=sku.pk, received_quantity=counted or 0, bin_code=bin_, batch_id=lot.pk
                )
                for lot, _n, counted, bin_ in lots
            ],
        )
    return shipment


def _consignments(skus: dict[str, Sku], receiver: User) -> int:
    walnut, huangqi, apple = skus[WALNUT], skus[HUANGQI], skus[APPLE]
    _consign(
        walnut,
        [(_lot(walnut, quantity=60, days_ago=50), 60, 60, "A-01-01")],
        receiver=receiver,
        note="秋季新核桃礼盒，第一批。",
    )
    # Counted short: four boxes missing (the shop's owner is told).
    _consign(
        huangqi,
        [(_lot(huangqi, quantity=40, days_ago=60), 40, 36, "A-02-01")],
        receiver=receiver,
        note="黄芪礼盒 40 盒。",
    )
    # Fresh apples, two lots with their best-before dates: the older one is picked first.
    _consign(
        apple,
        [
            (_lot(apple, quantity=20, days_ago=16), 20, 20, "C-01-01"),
            (_lot(apple, quantity=30, days_ago=4), 30, 30, "C-01-02"),
        ],
        receiver=receiver,
        note="花牛苹果冷链到仓，请放冷藏区。",
    )
    # Still on its way: waiting to be counted at /warehouse/inbound/.
    _consign(
        walnut,
        [(_lot(walnut, quantity=50, days_ago=20), 50, None, "")],
        receiver=None,
        note="第二批核桃礼盒，预计明日到仓。",
    )
    return 4


# --- Orders and their tasks ----------------------------------------------------------------------------


@contextmanager
def _sandbox_gateway_in_process() -> Iterator[None]:
    """No web server answers the sandbox gateway's URL while seed_demo runs: its server-to-server calls
    (returning the money of the order the lead cancels) are answered by the sandbox's own view in this
    process. Nothing changes when real Alipay settings are configured."""
    if not sandbox.sandbox_enabled():
        yield
        return

    def send(url: str, data: dict[str, str]) -> bytes:
        return sandbox_views.gateway(RequestFactory().post(urlsplit(url).path, data)).content

    def client() -> providers.PaymentProvider:
        return cast(providers.PaymentProvider, sandbox.client(transport=send))  # the sandbox speaks Alipay

    previous = providers.PROVIDERS["alipay"]
    providers.PROVIDERS["alipay"] = client
    try:
        yield
    finally:
        providers.PROVIDERS["alipay"] = previous


def _pay(payment: Payment) -> None:
    demo_pay(payment, label="HUB")


def _paid_order(
    buyer: User, sku: Sku, quantity: int, address: AddressInput, key: str, *, express: bool = False
) -> Order:
    """demo_buyer checks out one hub gift box and pays: the order joins the hub's queue."""
    result = checkout(
        buyer=buyer,
        address=address,
        lines=[CheckoutLine(sku_id=sku.pk, quantity=quantity)],
        note="",
        idempotency_key=key,
        fingerprint=request_fingerprint(key),
        express=express,
    )
    _pay(result.payment)
    return Order.objects.get(pk=result.orders[0].pk)


def _claim(worker: User, order: Order) -> FulfillmentTask:
    """``worker`` claims the next task, which must be this order's (the demo queues one order at a time)."""
    task = fulfillment.task_claim(worker=worker)
    if task is None or task.order_ref != order.pk:
        raise RuntimeError(f"the hub's queue does not hold only the demo's order {order.number}")
    return task


def _first_pick(task: FulfillmentTask) -> Pick:
    return Pick.objects.filter(line__task=task).earliest("id")


def _backdate(order: Order, by: timedelta) -> None:
    """Move an order's history ``by`` back in time: the order, its payment and events, its task and the
    task's events, its shipment and tracking events."""
    ago = F("created_at") - by
    Order.objects.filter(pk=order.pk).update(
        created_at=ago,
        paid_at=F("paid_at") - by,
        shipped_at=F("shipped_at") - by,
        delivered_at=F("delivered_at") - by,
    )
    Payment.objects.filter(pk=order.payment_id).update(created_at=ago, paid_at=F("paid_at") - by)
    OrderEvent.objects.filter(order=order).update(created_at=ago)
    FulfillmentTask.objects.filter(order_ref=order.pk).update(
        created_at=ago,
        paid_at=F("paid_at") - by,
        deadline=F("deadline") - by,
        claimed_at=F("claimed_at") - by,
        picked_at=F("picked_at") - by,
        packed_at=F("packed_at") - by,
        shipped_at=F("shipped_at") - by,
    )
    TaskEvent.objects.filter(task__order_ref=order.pk).update(created_at=ago)
    Shipment.objects.filter(order_ref=order.pk).update(created_at=ago)
    ShipmentEvent.objects.filter(shipment__order_ref=order.pk).update(occurred_at=F("occurred_at") - by)


def _ship(order: Order, worker: User, weight_grams: int, tracking: tuple[str, str]) -> Shipment:
    task = _claim(worker, order)
    fulfillment.task_pick(task=task, worker=worker)
    fulfillment.task_pack(task=task, worker=worker, weight_grams=weight_grams, packages=1)
    carrier, number = tracking
    hub_ship(task=task, worker=worker, carrier=carrier, tracking_number=number)
    return Shipment.objects.get(order_ref=order.pk)


def _track(shipment: Shipment, events: list[tuple[str, timedelta, str]]) -> None:
    """The carrier reports ``events`` (status, time after shipping, where) through its webhook's service."""
    for n, (status, after, location) in enumerate(events, start=1):
        shipment_event_record(
            shipment=shipment,
            status=status,
            occurred_at=shipment.created_at + after,
            location=location,
            source="carrier",
            external_id=f"{shipment.tracking_number}-{n}",
        )


def _orders_and_tasks(skus: dict[str, Sku], buyer: User, lead: User, picker: User) -> Order:
    """demo_buyer's hub orders, one at a time through the queue. Returns the order the lead cancelled."""
    walnut, huangqi, apple = skus[WALNUT], skus[HUANGQI], skus[APPLE]
    # Shipped three days ago and delivered yesterday.
    order = _paid_order(buyer, walnut, 2, BEIJING, "demo-hub-delivered")
    _ship(order, lead, 2650, DELIVERED_TRACKING)
    _backdate(order, timedelta(days=3))
    shipment = Shipment.objects.get(order_ref=order.pk)
    _track(
        shipment,
        [
            (ShipmentStatus.IN_TRANSIT, timedelta(hours=5), "兰州新区转运中心"),
            (ShipmentStatus.IN_TRANSIT, timedelta(hours=30), "北京顺义转运中心"),
            (ShipmentStatus.OUT_FOR_DELIVERY, timedelta(hours=40), "北京朝阳区建国路营业点"),
            (ShipmentStatus.DELIVERED, timedelta(hours=44), "朝阳区建国路 88 号，本人签收"),
        ],
    )
    delivered_at = shipment.created_at + timedelta(hours=44)
    Order.objects.filter(pk=order.pk).update(delivered_at=delivered_at)
    OrderEvent.objects.filter(order=order, to_status=OrderStatus.DELIVERED).update(created_at=delivered_at)
    # Shipped six hours ago in the cold chain, on its way.
    order = _paid_order(buyer, apple, 1, HOME, "demo-hub-in-transit")
    _ship(order, lead, 1400, IN_TRANSIT_TRACKING)
    _backdate(order, timedelta(hours=6))
    _track(
        Shipment.objects.get(order_ref=order.pk),
        [(ShipmentStatus.IN_TRANSIT, timedelta(hours=2), "兰州新区冷链分拨中心")],
    )
    # A short pick: one box of two in the bin. The missing box leaves the stock; the lead decides.
    order = _paid_order(buyer, huangqi, 2, XIAN, "demo-hub-short-pick")
    task = _claim(picker, order)
    fulfillment.task_pick(task=task, worker=picker, found={_first_pick(task).pk: 1})
    _backdate(order, timedelta(hours=4))
    # One of two boxes damaged in the bin; the lead cancelled the order: cancelled and refunded in full.
    order = _paid_order(buyer, walnut, 2, HOME, "demo-hub-cancelled")
    task = _claim(picker, order)
    task = fulfillment.task_exception(
        task=task,
        worker=picker,
        reason="一盒外包装压破，核桃受潮。",
        kind=ExceptionKind.DAMAGE,
        missing={_first_pick(task).pk: 1},
    )
    cancelled = hub_cancel(task=task, actor=lead, reason="礼盒受潮无法发货：取消订单，全额退款。")
    # Held by workers: packed (waiting for the carrier's pickup), picked, claimed.
    order = _paid_order(buyer, walnut, 1, SHANGHAI, "demo-hub-packed")
    task = _claim(lead, order)
    fulfillment.task_pack(task=task, worker=lead, weight_grams=1350, packages=1)
    order = _paid_order(buyer, apple, 1, HOME, "demo-hub-picked")
    fulfillment.task_pick(task=_claim(lead, order), worker=lead)
    order = _paid_order(buyer, huangqi, 1, HOME, "demo-hub-claimed")
    _claim(picker, order)
    # Queued: express first, then cold chain (at risk of missing its deadline), then standard (one overdue).
    _paid_order(buyer, walnut, 1, BEIJING, "demo-hub-express", express=True)
    order = _paid_order(buyer, apple, 2, SHANGHAI, "demo-hub-cold-chain")
    hours = fulfillment.sla_hours(FulfillmentTask.objects.get(order_ref=order.pk).priority)
    _backdate(order, timedelta(hours=hours) - timedelta(minutes=settings.FULFILLMENT_AT_RISK_MINUTES // 2))
    _paid_order(buyer, huangqi, 1, XIAN, "demo-hub-standard")
    order = _paid_order(buyer, walnut, 1, HOME, "demo-hub-overdue")
    hours = fulfillment.sla_hours(FulfillmentTask.objects.get(order_ref=order.pk).priority)
    _backdate(order, timedelta(hours=hours + 6))
    fulfillment.sla_monitor()
    return cancelled


def seed_demo_hub() -> HubDemo:
    """Make demo_warehouse the hub's lead (when it has none); consign the demo shops' hub gift boxes and
    give demo_buyer hub orders in every state of the queue. Nothing more when the hub has consignments or
    tasks already (a second run), or without the demo's accounts and hub SKUs."""
    hub = Warehouse.objects.filter(code=HUB_CODE).first()
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["demo_buyer", "demo_warehouse", "demo_picker"])
    }
    skus = _hub_skus()
    if hub is None or len(users) < 3 or len(skus) < len(HUB_GIFT_BOXES):
        return HubDemo()
    lead = users["demo_warehouse"]
    Warehouse.objects.filter(pk=hub.pk, lead__isnull=True).update(lead=lead)
    if (
        InboundShipment.objects.filter(warehouse=hub).exists()
        or FulfillmentTask.objects.filter(warehouse=hub).exists()
    ):
        return HubDemo()
    with _sandbox_gateway_in_process():
        # One transaction: a failure leaves nothing half-made for the next run to skip.
        with transaction.atomic():
            consignments = _consignments(skus, receiver=lead)
            cancelled = _orders_and_tasks(skus, users["demo_buyer"], lead, users["demo_picker"])
        # The cancelled order's money goes back through the sandbox now (after the commit its refund task
        # may have done so already: then nothing happens).
        if sandbox.sandbox_enabled():
            for refund in cancelled.refunds.filter(status=RefundStatus.APPROVED):
                refund_execute(refund_id=refund.pk)
    return HubDemo(consignments=consignments, tasks=FulfillmentTask.objects.filter(warehouse=hub).count())
