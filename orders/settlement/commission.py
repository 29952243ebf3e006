"""Commission: what the platform keeps of a shop's sales.

The rate of an order item is, first to apply:
    1. the shop's own rate, set by platform staff (``ShopCommission``);
    2. COMMISSION_POVERTY_RELIEF_RATE (default 0) when the shop's county carries the poverty-relief flag;
    3. the rate of the item's category or of its nearest ancestor that has one (``CommissionRate``);
    4. COMMISSION_DEFAULT_RATE.

It is computed when the order is settled (not when it completes), per item on its line total, rounded half
up to the fen, and frozen on the statement's line with each item's rate. An order with refunds executed
before it was settled pays commission on what it kept: the items' commission × (total − refunds) / total,
rounded once. A refund executed after settlement does not give commission back (the statement is final);
it reaches the shop's next statement as an adjustment of the refunded amount.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from catalog.models import Category
from gansu_mall.accounts.models import Role, User
from gansu_mall.core.errors import ApplicationError, ErrorCode, invalid
from gansu_mall.core.money import to_money
from orders.settlement.models import CommissionRate, ShopCommission
from vendors.models import Vendor

ZERO = Decimal("0.00")
RATE_PLACES = Decimal("0.0001")


def _setting_rate(name: str) -> Decimal:
    return Decimal(str(getattr(settings, name))).quantize(RATE_PLACES)


@dataclass
class RateBook:
    """Everything needed to price commission, read once per settlement run (four queries)."""

    default: Decimal
    poverty_relief: Decimal
    category_rates: dict[int, Decimal] = field(default_factory=dict)
    parents: dict[int, int | None] = field(default_factory=dict)
    shop_rates: dict[int, Decimal] = field(default_factory=dict)
    poverty_shops: set[int] = field(default_factory=set)

    def category_rate(self, category_id: int | None) -> Decimal:
        seen: set[int] = set()
        while category_id is not None and category_id not in seen:
            if category_id in self.category_rates:
                return self.category_rates[category_id]
            seen.add(category_id)
            category_id = self.parents.get(category_id)
        return self.default

    def rate_for(self, *, vendor_id: int, category_id: int | None) -> Decimal:
        if vendor_id in self.shop_rates:
            return self.shop_rates[vendor_id]
        if vendor_id in self.poverty_shops:
            return self.poverty_relief
        return self.category_rate(category_id)


def rate_book() -> RateBook:
    return RateBook(
        default=_setting_rate("COMMISSION_DEFAULT_RATE"),
        poverty_relief=_setting_rate("COMMISSION_POVERTY_RELIEF_RATE"),
        category_rates=dict(CommissionRate.objects.values_list("category_id", "rate")),
        parents=dict(Category.objects.values_list("pk", "parent_id")),
        shop_rates=dict(ShopCommission.objects.values_list("vendor_id", "rate")),
        poverty_shops=set(Vendor.objects.filter(county__poverty_relief=True).values_list("pk", flat=True)),
    )


@dataclass(frozen=True)
class ItemForCommission:
    item_id: int
    category_id: int | None
    line_total: Decimal


def order_commission(
    *, book: RateBook, vendor_id: int, items: list[ItemForCommission], total: Decimal, refunded: Decimal
) -> tuple[Decimal, list[dict[str, str | int]]]:
    """The commission of one order and each item's rate and commission (see the module's rules)."""
    detail: list[dict[str, str | int]] = []
    before_refunds = ZERO
    for item in items:
        rate = book.rate_for(vendor_id=vendor_id, category_id=item.category_id)
        amount = to_money(item.line_total * rate)
        before_refunds += amount
        detail.append(
            {"item": item.item_id, "rate": str(rate), "base": str(item.line_total), "commission": str(amount)}
        )
    if refunded <= ZERO or total <= ZERO:
        return before_refunds, detail
    if refunded >= total:
        return ZERO, detail
    return to_money(before_refunds * (total - refunded) / total), detail


# --- Setting rates (platform staff) ---------------------------------------------------------------


def _rate(value: object, field_name: str) -> Decimal:
    try:
        rate = Decimal(str(value).strip().rstrip("%")) if value not in (None, "") else None
    except ArithmeticError:
        rate = None
    if rate is None or not rate.is_finite():
        raise invalid({field_name: [_("Enter a rate between 0 and 1, e.g. 0.05 for 5 %.")]})
    if str(value).strip().endswith("%"):
        rate = rate / 100
    if rate < 0 or rate > 1 or rate != rate.quantize(RATE_PLACES):
        raise invalid({field_name: [_("Enter a rate between 0 and 1 with at most four decimals.")]})
    return rate.quantize(RATE_PLACES)


def _require_admin(actor: User) -> None:
    if not actor.has_role(Role.ADMIN):
        raise ApplicationError(
            code=ErrorCode.PERMISSION_DENIED, message=_("Only platform administrators set commission rates.")
        )


def shop_commission_set(*, vendor: Vendor, rate: object, note: str, actor: User) -> ShopCommission:
    """Platform staff set a shop's own commission rate (it applies to orders settled from now on)."""
    _require_admin(actor)
    value = _rate(rate, "rate")
    with transaction.atomic():
        override, _created = ShopCommission.objects.select_for_update().update_or_create(
            vendor=vendor, defaults={"rate": value, "note": note[:200], "set_by": actor}
        )
    return override


def shop_commission_clear(*, vendor: Vendor, actor: User) -> bool:
    """Back to the category rates (or the poverty-relief rate). False when the shop had no rate of its own."""
    _require_admin(actor)
    deleted, _rows = ShopCommission.objects.filter(vendor=vendor).delete()
    return deleted > 0


def commission_rate_set(*, category: Category, rate: object, actor: User) -> CommissionRate:
    _require_admin(actor)
    value = _rate(rate, "rate")
    with transaction.atomic():
        row, _created = CommissionRate.objects.update_or_create(category=category, defaults={"rate": value})
    return row
