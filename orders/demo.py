"""Demo orders for ``seed_demo``: the demo buyer's orders in every state, from several demo shops, with
reviews, and a group buy with a group waiting for members."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings

from catalog.models import FulfilledBy, Sku
from gansu_mall.accounts.models import User
from orders.models import Order, Payment
from orders.payments import sandbox
from orders.services.addresses import AddressInput, address_create
from orders.services.checkout import CheckoutLine, CheckoutResult, checkout, request_fingerprint
from orders.services.group_buys import GroupBuyInput, group_buy_create, group_buy_join
from orders.services.orders import order_cancel_unpaid, order_confirm_receipt, order_ship
from orders.services.payments import payment_mark_paid
from orders.services.reviews import review_create, review_reply


def demo_pay(payment: Payment, *, label: str) -> None:
    """Paid at the sandbox's cashier (so that the sandbox can return the money of a refund later), then
    marked paid as the gateway's notification would."""
    trade_no = f"DEMO-{label}-{payment.pk}"
    if sandbox.sandbox_enabled():
        site = settings.SITE_URL.rstrip("/")
        trade = sandbox.trade_open(
            out_trade_no=payment.number,
            total_amount=payment.amount,
            subject=f"甘肃馆 {payment.number}",
            notify_url=f"{site}/api/v1/payments/notify/alipay/",
            return_url=f"{site}/",
        )
        sandbox.trade_pay(trade_id=trade.pk)
        trade_no = trade.trade_no
    payment_mark_paid(payment_id=payment.pk, provider="alipay", trade_no=trade_no)


ADDRESS = AddressInput(
    recipient="王小明",
    phone="13800138000",
    province_code="620000",
    county_code="620102",
    detail="城关区张掖路 88 号",
)
TRACKING = ["SF1400000000001", "SF1400000000002", "SF1400000000003"]
REVIEWS = ["壳薄仁香，老人孩子都爱吃。", "包装结实，发货快，会回购。"]


def _skus() -> list[Sku]:
    """One vendor-shipped SKU from each demo shop that has stock."""
    chosen: dict[int, Sku] = {}
    rows = (
        Sku.objects.filter(
            vendor__memberships__role="owner",
            vendor__memberships__user__username__startswith="demo_",
            product__status="active",
            fulfilled_by=FulfilledBy.VENDOR,
            stock__gte=10,
        )
        .select_related("vendor")
        .order_by("vendor_id", "id")
    )
    for sku in rows:
        chosen.setdefault(sku.vendor_id, sku)
    return list(chosen.values())


def _place(buyer: User, key: str, skus: list[Sku]) -> CheckoutResult:
    lines = [CheckoutLine(sku_id=sku.pk, quantity=1 + n % 2) for n, sku in enumerate(skus)]
    return checkout(
        buyer=buyer,
        address=ADDRESS,
        lines=lines,
        note="",
        idempotency_key=key,
        fingerprint=request_fingerprint(key),
    )


def _owner(order: Order) -> User:
    return order.vendor.memberships.get(role="owner").user


def seed_demo_orders() -> int:
    """Orders of demo_buyer in every state; nothing when they exist already. Returns how many were new."""
    buyer = User.objects.filter(username="demo_buyer").first()
    if buyer is None or Order.objects.filter(buyer=buyer).exists():
        return 0
    skus = _skus()
    if len(skus) < 3:
        return 0
    address_create(user=buyer, data=ADDRESS, make_default=True)
    # Awaiting payment: one checkout from two shops (pay it on the order page; it times out after
    # ORDER_PAYMENT_TIMEOUT_MINUTES if left, like any other).
    _place(buyer, "demo-pending", skus[:2])
    # Paid, waiting for the shop to ship.
    paid = _place(buyer, "demo-paid", skus[1:2])
    demo_pay(paid.payment, label="PAID")
    # Shipped.
    shipped = _place(buyer, "demo-shipped", skus[2:3])
    demo_pay(shipped.payment, label="SHIPPED")
    order = shipped.orders[0]
    order_ship(order=order, actor=_owner(order), carrier="sf", tracking_number=TRACKING[0])
    # Completed (received).
    done = _place(buyer, "demo-completed", [skus[0], skus[2]])
    demo_pay(done.payment, label="COMPLETED")
    for n, order in enumerate(done.orders, start=1):
        order_ship(order=order, actor=_owner(order), carrier="sf", tracking_number=TRACKING[n])
        order_confirm_receipt(order=order, actor=buyer)
    # Cancelled before paying.
    cancelled = _place(buyer, "demo-cancelled", skus[:1])
    order_cancel_unpaid(order=cancelled.orders[0], actor=buyer, reason="下错了规格")
    # Reviews of what was received, one answered by its shop.
    for n, order in enumerate(done.orders):
        for item in order.items.all():
            review = review_create(
                buyer=buyer, order_item_id=item.pk, rating=5 - n, comment=REVIEWS[n % len(REVIEWS)]
            )
            if n == 0:
                review_reply(review=review, actor=_owner(order), reply="谢谢您的支持，欢迎再来！")
    # A group buy (拼团) of the first shop's spec, with a group the buyer started and paid for.
    offer = group_buy_create(
        vendor=skus[0].vendor,
        data=GroupBuyInput(
            sku_id=skus[0].pk,
            group_price=(skus[0].price * Decimal("0.8")).quantize(Decimal("0.01")),
            group_size=3,
            duration_hours=48,
        ),
    )
    joined = group_buy_join(
        buyer=buyer,
        group_buy=offer,
        address=ADDRESS,
        idempotency_key="demo-group",
        fingerprint=request_fingerprint("demo-group"),
    )
    demo_pay(joined.payment, label="GROUP")
    return Order.objects.filter(buyer=buyer).count()
