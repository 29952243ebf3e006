"""Orders and the hub: orders tells logistics what to ship, and records on the order what the hub did.

Logistics knows no orders (ARCHITECTURE.md): a paid order with hub lines is handed to the queue as a copy
(``OrderToShip``); when the hub ships a parcel, cancels a task or a carrier reports delivery, these services
lock the order first, call logistics, and change the order in the same transaction. Lock order everywhere:
the order, then the task (claims lock tasks only), so the two never wait on each other in a cycle.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_noop

from catalog.models import FulfilledBy
from catalog.services import stock_return
from gansu_mall.accounts.models import User
from logistics.fulfillment import (
    LineToShip,
    OrderToShip,
    shipment_event_add,
    task_cancel,
    task_create,
    task_for_order,
    task_ship,
)
from logistics.models import FulfillmentTask, Shipment, ShipmentEvent, TaskStatus
from orders.models import Order, OrderItemLot, OrderStatus
from orders.services.orders import notify_buyer, notify_shop, order_transition, stock_lines


def hub_enqueue(*, order: Order) -> FulfillmentTask | None:
    """A (locked) order has just become paid and ready to ship: its hub lines join the hub's queue. Orders
    the shop ships itself get no task."""
    items = [item for item in order.items.select_related("product") if item.fulfilled_by == FulfilledBy.HUB]
    if not items:
        return None
    assert order.paid_at is not None  # noqa: S101 - paid orders have their time
    return task_create(
        order=OrderToShip(
            order_id=order.pk,
            number=order.number,
            vendor_id=order.vendor_id,
            paid_at=order.paid_at,
            recipient=order.recipient,
            phone=order.phone,
            province_code=order.province_code,
            city_code=order.city_code,
            county_code=order.county_code,
            address_detail=order.address_detail,
            note=order.note,
            express=order.express,
            lines=[
                LineToShip(
                    order_item_id=item.pk,
                    sku_id=item.sku_id,
                    quantity=item.quantity,
                    product_name=item.product_name,
                    spec=item.spec,
                    storage=item.product.storage,
                )
                for item in items
            ],
        )
    )


def _order_of(order_id: int) -> Order:
    return Order.objects.select_for_update(of=("self",)).select_related("vendor", "buyer").get(pk=order_id)


def hub_ship(*, task: FulfillmentTask, worker: User, carrier: str, tracking_number: str) -> Order:
    """The hub ships a packed task: the order becomes shipped with the carrier and tracking number, and each
    line records the lots its units left from (the buyer's trace links show the real lot)."""
    with transaction.atomic():
        order = _order_of(task.order_ref)
        task, _shipment, lots = task_ship(
            task=task, worker=worker, carrier=carrier, tracking_number=tracking_number
        )
        OrderItemLot.objects.bulk_create(
            [
                OrderItemLot(item_id=lot.order_item_id, batch_id=lot.batch_id, quantity=lot.quantity)
                for lot in lots
            ]
        )
        order.carrier, order.tracking_number = task.carrier, task.tracking_number
        order.save(update_fields=["carrier", "tracking_number"])
        order_transition(
            order=order, to=OrderStatus.SHIPPED, actor=worker, note=f"{task.carrier} {task.tracking_number}"
        )
        notify_buyer(order, "order_shipped")
    return order


def hub_cancel(*, task: FulfillmentTask, actor: User, reason: str) -> Order:
    """The warehouse lead cancels a task the hub cannot fulfil (an exception): the order is cancelled, its
    units sellable again, and the buyer refunded in full."""
    from orders.services.refunds import refund_for_hub_cancellation

    with transaction.atomic():
        order = _order_of(task.order_ref)
        task_cancel(task=task, actor=actor, reason=reason)
        order_transition(order=order, to=OrderStatus.CANCELLED, actor=actor, note=reason)
        stock_return(lines=stock_lines(order))
        refund_for_hub_cancellation(order=order)
        notify_buyer(order, "order_cancelled")
        notify_shop(order, "order_cancelled")
    return order


def hub_task_withdraw(*, order: Order, reason: str) -> None:
    """A (locked) paid order was cancelled before shipping (a refund): its task leaves the queue and lets
    go of what it held. Nothing to do without a task or once it is cancelled."""
    task = task_for_order(order_id=order.pk)
    if task is not None and task.status not in (TaskStatus.CANCELLED, TaskStatus.SHIPPED):
        task_cancel(task=task, actor=None, reason=reason or gettext_noop("order cancelled"))


def shipment_event_record(
    *,
    shipment: Shipment,
    status: str,
    occurred_at: object,
    location: str = "",
    source: str,
    actor: User | None = None,
    external_id: str | None = None,
) -> ShipmentEvent:
    """A tracking event from warehouse staff or a carrier; delivered → the order becomes delivered (once)
    and the buyer is told."""
    with transaction.atomic():
        order = _order_of(shipment.order_ref)
        event, delivered = shipment_event_add(
            shipment=shipment,
            status=status,
            occurred_at=occurred_at,
            location=location,
            source=source,
            actor=actor,
            external_id=external_id,
        )
        if delivered and order.status == OrderStatus.SHIPPED:
            order_transition(
                order=order, to=OrderStatus.DELIVERED, actor=actor, note=gettext_noop("delivered")
            )
            notify_buyer(order, "order_delivered")
    return event
