"""Checkout: one request → one payment → one order per shop, stock held for each line.

All of it happens in one transaction that starts by inserting the request's idempotency record. A second
request with the same ``Idempotency-Key`` waits on that row's unique index until the first commits, then
gets the first result (or 422 when its body differs); if the first fails, nothing of it remains and the
second runs afresh. Stock is held with conditional updates in SKU-id order (catalog.services.stock_reserve),
so concurrent checkouts can neither oversell nor deadlock. No payment gateway is called here: paying is a
separate step, outside any stock lock.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import FulfilledBy, ProductStatus, Sku
from catalog.services import StockLine, stock_reserve
from gansu_mall.accounts.models import User
from gansu_mall.core.errors import ApplicationError
from gansu_mall.core.errors import invalid as _invalid
from gansu_mall.core.money import to_money
from orders.errors import OrderErrorCode
from orders.models import (
    CartItem,
    Group,
    IdempotencyRecord,
    Order,
    OrderEvent,
    OrderItem,
    OrderStatus,
    Payment,
)
from orders.services.addresses import AddressInput, address_clean
from orders.services.cart import MAX_QUANTITY, cart_for_user
from orders.services.orders import notify_buyer, notify_shop
from orders.shipping import ShippedLine, shipping_fee
from vendors.models import VendorStatus

SCOPE = "checkout"


@dataclass(frozen=True)
class CheckoutLine:
    sku_id: int
    quantity: int


@dataclass
class CheckoutResult:
    payment: Payment
    orders: list[Order]
    replayed: bool


def request_fingerprint(body: object) -> str:
    """A stable hash of a request body (keys sorted), to tell a replay from a different request."""
    return hashlib.sha256(
        json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()


def _number(prefix: str) -> str:
    """Readable and unique: P20261126 + 10 random digits (collisions are refused by the unique index)."""
    return f"{prefix}{timezone.localdate():%Y%m%d}{secrets.randbelow(10**10):010d}"


def _replay(record: IdempotencyRecord, fingerprint: str) -> CheckoutResult:
    if record.request_hash != fingerprint:
        raise ApplicationError(
            code=OrderErrorCode.IDEMPOTENCY_KEY_REUSED,
            message=_("This Idempotency-Key was used for a different request."),
            status=422,
        )
    payment = Payment.objects.get(pk=record.response_body["payment"])  # type: ignore[index]
    return CheckoutResult(payment=payment, orders=list(payment.orders.order_by("id")), replayed=True)


def _lines_from_cart(buyer: User) -> list[CheckoutLine]:
    cart = cart_for_user(user=buyer)
    return [CheckoutLine(sku_id=i.sku_id, quantity=i.quantity) for i in CartItem.objects.filter(cart=cart)]


def _check_lines(lines: list[CheckoutLine]) -> dict[int, int]:
    if not lines:
        raise ApplicationError(
            code=OrderErrorCode.CART_EMPTY, message=_("There is nothing to buy."), status=400
        )
    wanted: dict[int, int] = defaultdict(int)
    for n, line in enumerate(lines):
        if not isinstance(line.quantity, int) or isinstance(line.quantity, bool) or line.quantity <= 0:
            raise _invalid({f"items.{n}.quantity": [_("Give a whole number above zero.")]})
        wanted[line.sku_id] += line.quantity
        if wanted[line.sku_id] > MAX_QUANTITY:
            raise _invalid(
                {f"items.{n}.quantity": [_("At most %(max)d of one item.") % {"max": MAX_QUANTITY}]}
            )
    return dict(wanted)


def checkout(
    *,
    buyer: User,
    address: AddressInput,
    lines: list[CheckoutLine] | None,
    note: str,
    idempotency_key: str,
    fingerprint: str,
    scope: str = SCOPE,
    prices: dict[int, Decimal] | None = None,
    group: Callable[[], Group] | None = None,
    express: bool = False,
) -> CheckoutResult:
    """Place one order per shop and shipping point for ``lines`` (or the buyer's cart when None) and one
    payment for all: a shop's SKUs the Lanzhou New Area hub ships form one order, those it ships itself
    another, so that every order leaves from one place. ``express``: the hub's orders go express (a
    surcharge of the fee table; their tasks are picked first).

    A group-buy join passes its own ``scope`` for the idempotency key, the group ``prices`` of its SKU, and
    ``group``, called inside the transaction (after the stock is held) to lock or start the group."""
    key = (idempotency_key or "").strip()
    if not key or len(key) > 100:
        raise ApplicationError(
            code=OrderErrorCode.IDEMPOTENCY_KEY_REQUIRED,
            message=_("Send an Idempotency-Key header (at most 100 characters) with every checkout."),
            status=400,
        )
    clean_address = address_clean(address)
    note = (note or "").strip()[:200]
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    user=buyer, scope=scope, key=key, request_hash=fingerprint
                )
        except IntegrityError:  # the same key: the first request has committed (we waited for it)
            record = IdempotencyRecord.objects.get(user=buyer, scope=scope, key=key)
            return _replay(record, fingerprint)
        from_cart = lines is None
        wanted = _check_lines(_lines_from_cart(buyer) if lines is None else lines)
        skus = {s.pk: s for s in Sku.objects.select_related("product", "vendor").filter(pk__in=list(wanted))}
        unknown = sorted(set(wanted) - set(skus))
        if unknown:
            raise ApplicationError(
                code=OrderErrorCode.NOT_SELLABLE,
                message=_("Some items do not exist."),
                extra={"skus": unknown},
            )
        unsellable = sorted(
            pk
            for pk, sku in skus.items()
            if sku.product.status != ProductStatus.ACTIVE or sku.vendor.status != VendorStatus.ACTIVE
        )
        if unsellable:
            raise ApplicationError(
                code=OrderErrorCode.NOT_SELLABLE,
                message=_("Some items are no longer on sale."),
                extra={"skus": unsellable},
            )
        # Hold the stock (row locks in SKU-id order); then read the prices under those locks.
        stock_reserve(lines=[StockLine(sku_id=pk, quantity=q) for pk, q in sorted(wanted.items())])
        prices = {
            **dict(Sku.objects.filter(pk__in=list(wanted)).values_list("pk", "price")),
            **(prices or {}),
        }
        joined = group() if group is not None else None
        by_origin: dict[tuple[int, bool], list[int]] = defaultdict(list)
        for pk in sorted(wanted):
            by_origin[(skus[pk].vendor_id, skus[pk].fulfilled_by == FulfilledBy.HUB)].append(pk)
        plans = []
        for (vendor_id, from_hub), sku_ids in sorted(by_origin.items()):
            items_total = to_money(sum((prices[pk] * wanted[pk] for pk in sku_ids), Decimal("0")))
            fee = shipping_fee(
                vendor_id=vendor_id,
                lines=[
                    ShippedLine(
                        weight_grams=skus[pk].weight_grams,
                        quantity=wanted[pk],
                        line_total=to_money(prices[pk] * wanted[pk]),
                        fulfilled_by=skus[pk].fulfilled_by,
                        storage=skus[pk].product.storage,
                    )
                    for pk in sku_ids
                ],
                province_code=clean_address.province_code,
                express=express and from_hub,
            )
            plans.append((vendor_id, from_hub, sku_ids, items_total, fee))
        amount = sum((items + fee for _v, _h, _s, items, fee in plans), Decimal("0"))
        payment = Payment.objects.create(number=_number("P"), buyer=buyer, amount=to_money(amount))
        orders: list[Order] = []
        for vendor_id, from_hub, sku_ids, items_total, fee in plans:
            order = Order.objects.create(
                number=_number("O"),
                buyer=buyer,
                vendor_id=vendor_id,
                payment=payment,
                group=joined,
                items_total=items_total,
                shipping_fee=fee,
                total=items_total + fee,
                recipient=clean_address.recipient,
                phone=clean_address.phone,
                province_code=clean_address.province_code,
                city_code=clean_address.city_code,
                county_code=clean_address.county_code,
                address_detail=clean_address.detail,
                note=note,
                express=express and from_hub,
            )
            OrderItem.objects.bulk_create(
                [
                    OrderItem(
                        order=order,
                        sku_id=pk,
                        product_id=skus[pk].product_id,
                        product_name=skus[pk].product.name,
                        product_name_en=skus[pk].product.name_en,
                        spec=skus[pk].spec,
                        unit_price=prices[pk],
                        quantity=wanted[pk],
                        line_total=to_money(prices[pk] * wanted[pk]),
                        fulfilled_by=skus[pk].fulfilled_by,
                    )
                    for pk in sku_ids
                ]
            )
            OrderEvent.objects.create(
                order=order, from_status="", to_status=OrderStatus.PENDING_PAYMENT, actor=buyer
            )
            orders.append(order)
        if from_cart:
            CartItem.objects.filter(cart__user=buyer, sku_id__in=list(wanted)).delete()
        record.response_status = 201
        record.response_body = {"payment": payment.pk}
        record.save(update_fields=["response_status", "response_body"])
        for order in orders:
            notify_buyer(order, "order_placed")
            notify_shop(order, "order_received")
    return CheckoutResult(payment=payment, orders=orders, replayed=False)
