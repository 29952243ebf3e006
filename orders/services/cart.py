"""Carts: a guest's (found through a token kept in the session) and a signed-in buyer's, merged at sign-in.

Quantities are checked against what can be bought now (``Sku.stock``, reservations deducted); the price a
SKU had when it was added is kept so that the cart can show a change since.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import ProductStatus, Sku
from gansu_mall.accounts.models import User
from gansu_mall.core.errors import ApplicationError
from gansu_mall.core.errors import invalid as _invalid
from orders.errors import OrderErrorCode
from orders.models import Cart, CartItem
from vendors.models import Vendor, VendorStatus

MAX_QUANTITY = 999


def cart_for_user(*, user: User) -> Cart:
    cart, _created = Cart.objects.get_or_create(user=user)
    return cart


def cart_for_token(*, token: str | None, create: bool) -> Cart | None:
    """A guest's cart by the token kept in their session; a new one (new token) when asked to create."""
    if token:
        cart = Cart.objects.filter(session_key=token, user__isnull=True).first()
        if cart is not None or not create:
            return cart
    if not create:
        return None
    return Cart.objects.create(session_key=secrets.token_urlsafe(32))


def _sellable_sku(sku_id: int) -> Sku:
    sku = Sku.objects.select_related("product", "vendor").filter(pk=sku_id).first()
    if sku is None:
        raise Http404
    if sku.product.status != ProductStatus.ACTIVE or sku.vendor.status != VendorStatus.ACTIVE:
        raise ApplicationError(
            code=OrderErrorCode.NOT_SELLABLE,
            message=_("This item is not on sale."),
            extra={"skus": [sku.pk]},
        )
    return sku


def _check_quantity(quantity: object) -> int:
    if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= MAX_QUANTITY:
        raise _invalid({"quantity": [_("Give a whole number from 1 to %(max)d.") % {"max": MAX_QUANTITY}]})
    return quantity


def _check_stock(sku: Sku, quantity: int) -> None:
    if quantity > sku.stock:
        raise ApplicationError(
            code=OrderErrorCode.OUT_OF_STOCK,
            message=_("Only %(stock)d left of %(item)s.") % {"stock": sku.stock, "item": sku.spec},
            extra={"skus": [sku.pk], "available": sku.stock},
        )


def cart_add(*, cart: Cart, sku_id: int, quantity: object) -> CartItem:
    """Put ``quantity`` more of a SKU in the cart (at most what can be bought now)."""
    wanted = _check_quantity(quantity)
    sku = _sellable_sku(sku_id)
    with transaction.atomic():
        item = CartItem.objects.select_for_update().filter(cart=cart, sku=sku).first()
        total = wanted + (item.quantity if item else 0)
        _check_quantity(total)
        _check_stock(sku, total)
        if item is None:
            try:
                with transaction.atomic():
                    item = CartItem.objects.create(
                        cart=cart, sku=sku, quantity=total, price_when_added=sku.price
                    )
            except IntegrityError:  # the same SKU added twice at once: add to the row that won
                CartItem.objects.filter(cart=cart, sku=sku).update(quantity=F("quantity") + wanted)
                item = CartItem.objects.get(cart=cart, sku=sku)
        else:
            item.quantity = total
            item.save(update_fields=["quantity"])
        Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now())
    return item


def cart_item_set(*, item: CartItem, quantity: object) -> CartItem:
    wanted = _check_quantity(quantity)
    sku = _sellable_sku(item.sku_id)
    _check_stock(sku, wanted)
    item.quantity = wanted
    item.save(update_fields=["quantity"])
    return item


def cart_item_remove(*, item: CartItem) -> None:
    item.delete()


def cart_merge(*, guest: Cart | None, into: Cart) -> int:
    """Move a guest cart's items into the buyer's cart at sign-in (quantities added, capped by stock); the
    guest cart is deleted. Returns how many lines moved."""
    if guest is None or guest.pk == into.pk:
        return 0
    moved = 0
    with transaction.atomic():
        mine = {item.sku_id: item for item in CartItem.objects.select_for_update().filter(cart=into)}
        for item in CartItem.objects.filter(cart=guest).select_related("sku"):
            limit = max(min(item.sku.stock, MAX_QUANTITY), 0)
            if item.sku_id in mine:
                existing = mine[item.sku_id]
                existing.quantity = min(existing.quantity + item.quantity, limit) or existing.quantity
                existing.save(update_fields=["quantity"])
            else:
                CartItem.objects.create(
                    cart=into,
                    sku=item.sku,
                    quantity=min(item.quantity, limit) or item.quantity,
                    price_when_added=item.price_when_added,
                )
            moved += 1
        guest.delete()
    return moved


# --- Reading a cart -------------------------------------------------------------------------------


@dataclass
class CartLine:
    item: CartItem
    sku: Sku
    unit_price: Decimal
    line_total: Decimal
    price_changed: bool
    available: int
    sellable: bool
    problem: str


@dataclass
class CartShop:
    vendor: Vendor
    lines: list[CartLine] = field(default_factory=list)

    @property
    def items_total(self) -> Decimal:
        return sum((line.line_total for line in self.lines), Decimal("0.00"))


@dataclass
class CartView:
    cart: Cart | None
    shops: list[CartShop]

    @property
    def lines(self) -> list[CartLine]:
        return [line for shop in self.shops for line in shop.lines]

    @property
    def total(self) -> Decimal:
        return sum((shop.items_total for shop in self.shops), Decimal("0.00"))

    @property
    def count(self) -> int:
        return sum(line.item.quantity for line in self.lines)

    @property
    def ready(self) -> bool:
        return bool(self.lines) and all(not line.problem for line in self.lines)


def cart_view(*, cart: Cart | None) -> CartView:
    """The cart grouped by shop, each line with today's price, whether it changed since it was added,
    what can be bought now, and what stands in the way of buying it (a constant number of queries)."""
    if cart is None:
        return CartView(cart=None, shops=[])
    items = list(
        CartItem.objects.filter(cart=cart)
        .select_related("sku__product", "sku__vendor")
        .prefetch_related("sku__product__images")
        .order_by("added_at", "id")
    )
    shops: dict[int, CartShop] = {}
    for item in items:
        sku = item.sku
        sellable = sku.product.status == ProductStatus.ACTIVE and sku.vendor.status == VendorStatus.ACTIVE
        problem = ""
        if not sellable:
            problem = _("No longer on sale.")
        elif item.quantity > sku.stock:
            problem = _("Only %(stock)d left.") % {"stock": sku.stock}
        line = CartLine(
            item=item,
            sku=sku,
            unit_price=sku.price,
            line_total=sku.price * item.quantity,
            price_changed=sku.price != item.price_when_added,
            available=sku.stock,
            sellable=sellable,
            problem=problem,
        )
        shops.setdefault(sku.vendor_id, CartShop(vendor=sku.vendor)).lines.append(line)
    return CartView(cart=cart, shops=list(shops.values()))
