"""The dashboards' demo: a year of past sales of the demo shops, so that the bureau's charts have a history.

Orders are written straight to the tables (as paid, shipped and completed orders of the past would be), their
payments and refunds posted to the ledger so that the books still add up, then every rollup is rebuilt.
Idempotent: orders numbered ``HIST-…`` are made once. Deterministic (a seeded generator)."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from catalog.models import ProductStatus, Sku
from gansu_mall.dashboard.rollups import rollups_rebuild
from orders.models import Order, OrderItem, OrderStatus, Payment, PaymentStatus, Refund, RefundStatus
from orders.settlement.ledger import ledger_post_payment, ledger_post_refund
from vendors.models import VendorStatus

PREFIX = "HIST-"
DAYS = 365
BUYERS = 40
# Where parcels go: Gansu first, then other provinces, a few outside the mainland (Hong Kong, Macao).
DESTINATIONS = [("620000", 60), ("610000", 8), ("110000", 8), ("310000", 7), ("440000", 7), ("510000", 6)]
DESTINATIONS += [("810000", 2), ("820000", 1), ("710000", 1)]


def _buyers() -> list[int]:
    User = get_user_model()  # noqa: N806
    ids = []
    for n in range(1, BUYERS + 1):
        user, created = User.objects.get_or_create(username=f"demo_history_buyer_{n:02d}")
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        ids.append(user.pk)
    return ids


def seed_demo_dashboard(*, today: object = None) -> int:
    """A year of orders of the demo shops (about 4 a day), then the rollups rebuilt. Returns orders new."""
    if Order.objects.filter(number__startswith=PREFIX).exists():
        rollups_rebuild()  # a second run: the figures again, nothing new
        return 0
    skus = list(
        Sku.objects.filter(
            product__status=ProductStatus.ACTIVE,
            product__vendor__status=VendorStatus.ACTIVE,
        )
        .select_related("product")
        .order_by("pk")
    )
    if not skus:
        return 0
    rng = random.Random(2026)  # noqa: S311 - demo data, not a secret
    buyers = _buyers()
    tz = timezone.get_current_timezone()
    end = timezone.localdate() if today is None else today
    codes = [code for code, weight in DESTINATIONS for _ in range(weight)]
    made = 0
    with transaction.atomic():
        for back in range(DAYS, 0, -1):
            day = end - timedelta(days=back)
            season = 2 if day.month in (9, 10, 11) else 1  # harvest: walnuts, apples, herbs
            for _ in range(rng.randint(1, 3) * season):
                sku = rng.choice(skus)
                quantity = rng.choice((1, 1, 1, 2, 3))
                items = sku.price * quantity
                shipping = Decimal("0.00") if items >= 99 else Decimal("8.00")
                paid_at = datetime.combine(day, time(rng.randint(7, 22), rng.randint(0, 59)), tzinfo=tz)
                shipped_at = paid_at + timedelta(hours=rng.choice((6, 20, 30, 44, 60)))
                number = f"{PREFIX}{day:%Y%m%d}-{made:05d}"
                payment = Payment.objects.create(
                    number=f"P{number}",
                    buyer_id=rng.choice(buyers),
                    amount=items + shipping,
                    status=PaymentStatus.PAID,
                    provider="alipay",
                    paid_at=paid_at,
                )
                order = Order.objects.create(
                    number=number,
                    buyer_id=payment.buyer_id,
                    vendor_id=sku.product.vendor_id,
                    payment=payment,
                    status=OrderStatus.COMPLETED,
                    items_total=items,
                    shipping_fee=shipping,
                    total=items + shipping,
                    recipient="演示买家",
                    phone="13800138000",
                    province_code=rng.choice(codes),
                    address_detail="演示地址",
                    paid_at=paid_at,
                    shipped_at=shipped_at,
                    delivered_at=shipped_at + timedelta(days=2),
                    completed_at=shipped_at + timedelta(days=9),
                )
                OrderItem.objects.create(
                    order=order,
                    sku=sku,
                    product=sku.product,
                    product_name=sku.product.name,
                    product_name_en=sku.product.name_en,
                    spec=sku.spec,
                    unit_price=sku.price,
                    quantity=quantity,
                    line_total=items,
                    fulfilled_by=sku.fulfilled_by,
                )
                ledger_post_payment(payment=payment, orders=[order])
                if rng.random() < 0.04:  # a few refunds, part of the goods, a week later
                    refund = Refund.objects.create(
                        number=f"R{number}",
                        order=order,
                        buyer_id=order.buyer_id,
                        amount=(items / 2).quantize(Decimal("0.01")),
                        reason="演示：部分商品破损",
                        status=RefundStatus.REFUNDED,
                        refunded_at=shipped_at + timedelta(days=7),
                    )
                    ledger_post_refund(refund=refund)
                made += 1
        # Created "now" by auto_now_add: a past order was placed when it was paid. (Past orders have no
        # fulfillment tasks: the hub's live queue is the logistics demo's.)
        Order.objects.filter(number__startswith=PREFIX).update(created_at=F("paid_at"))
        Payment.objects.filter(number__startswith=f"P{PREFIX}").update(created_at=F("paid_at"))
    rollups_rebuild()
    return made
