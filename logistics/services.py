"""Writes of logistics: platform staff edit the hub's fee table; a shop's owner or manager sets the fee the
shop charges for what it ships itself.

Amounts are yuan with at most two decimals (whole fen), never negative; weights are whole grams above 0.
Every refusal leaves the row as it was.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from django.db import transaction
from django.utils.translation import gettext as _

from gansu_mall.accounts.models import Role, User
from gansu_mall.core.errors import ApplicationError, ErrorCode, invalid
from logistics.models import ShippingRate, ShopShippingRule
from vendors.models import StaffRole, Vendor

MAX_FEE: Final = Decimal("9999.99")
MAX_GRAMS: Final = 100_000
MAX_DAYS: Final = 60
RATE_MONEY: Final = ("first_fee", "additional_fee", "cold_chain_surcharge")
RATE_GRAMS: Final = ("first_weight_grams", "additional_unit_grams")
RATE_FLAGS: Final = ("remote", "cold_chain_available")
RATE_FIELDS: Final = (*RATE_GRAMS, *RATE_MONEY, *RATE_FLAGS, "days")
SHOP_RULE_EDITORS: Final = (StaffRole.OWNER, StaffRole.MANAGER)


def _money(value: Any, errors: dict[str, list[str]], name: str, *, required: bool = True) -> Decimal | None:
    """A fee in yuan: a Decimal, an int or a string like "12.50"; ``None`` (or "") only when not required."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[name] = [_("Give an amount in yuan, e.g. 12.50.")]
        return None
    if isinstance(value, bool | float):
        errors[name] = [_("Give an amount in yuan, e.g. 12.50.")]
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite():
        errors[name] = [_("Give an amount in yuan, e.g. 12.50.")]
    elif amount < 0:
        errors[name] = [_("The amount cannot be negative.")]
    elif amount != amount.quantize(Decimal("0.01")):
        errors[name] = [_("At most two decimals: amounts are in whole fen.")]
    elif amount > MAX_FEE:
        errors[name] = [_("At most %(amount)s yuan.") % {"amount": MAX_FEE}]
    else:
        return amount.quantize(Decimal("0.01"))
    return None


def _whole(value: Any, errors: dict[str, list[str]], name: str, *, low: int, high: int, message: str) -> int:
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    if number is None or not low <= number <= high:
        errors[name] = [message]
        return 0
    return number


def _flag(value: Any, errors: dict[str, list[str]], name: str) -> bool:
    if not isinstance(value, bool):
        errors[name] = [_("Give true or false.")]
        return False
    return value


def _clean_rate(changes: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for name, value in changes.items():
        if name in RATE_MONEY:
            clean[name] = _money(value, errors, name)
        elif name in RATE_GRAMS:
            clean[name] = _whole(
                value,
                errors,
                name,
                low=1,
                high=MAX_GRAMS,
                message=_("Give whole grams from 1 to %(most)d.") % {"most": MAX_GRAMS},
            )
        elif name == "days":
            clean[name] = _whole(
                value,
                errors,
                name,
                low=1,
                high=MAX_DAYS,
                message=_("Give whole days from 1 to %(most)d.") % {"most": MAX_DAYS},
            )
        elif name in RATE_FLAGS:
            clean[name] = _flag(value, errors, name)
        else:
            errors[name] = [_("This field cannot be changed.")]
    if errors:
        raise invalid(errors)
    return clean


def rate_may_edit(*, user: User) -> bool:
    """Platform staff (administrators) keep the fee table."""
    return bool(user.is_authenticated) and user.has_role(Role.ADMIN)


def rate_update(*, rate: ShippingRate, actor: User, changes: Mapping[str, Any]) -> ShippingRate:
    """Change some of a rate's fields (those of ``RATE_FIELDS``); platform staff only (403
    ``permission_denied``), bad values 400 with the fields at fault."""
    if not rate_may_edit(user=actor):
        raise ApplicationError(
            code=ErrorCode.PERMISSION_DENIED, message=_("Only platform staff change the shipping fees.")
        )
    clean = _clean_rate(changes)
    with transaction.atomic():
        locked = ShippingRate.objects.select_for_update().get(pk=rate.pk)
        for name, value in clean.items():
            setattr(locked, name, value)
        locked.updated_by = actor
        locked.save(update_fields=[*clean, "updated_by", "updated_at"])
    return locked


def shop_rule_set(
    *, vendor: Vendor, actor_role: str, changes: Mapping[str, Any], actor: User | None = None
) -> ShopShippingRule:
    """Create or change the shop's rule: ``fee`` (needed for a new rule), ``free_over`` (None: never
    free), ``remote_surcharge`` (0 when not given for a new rule). The owner or a manager only (403)."""
    if actor_role not in SHOP_RULE_EDITORS:
        raise ApplicationError(
            code=ErrorCode.PERMISSION_DENIED,
            message=_("Only the shop's owner or a manager sets its shipping fees."),
        )
    errors: dict[str, list[str]] = {}
    clean: dict[str, Decimal | None] = {}
    for name in changes:
        if name not in ("fee", "free_over", "remote_surcharge"):
            errors[name] = [_("This field cannot be changed.")]
    with transaction.atomic():
        rule = ShopShippingRule.objects.select_for_update().filter(vendor=vendor).first()
        if "fee" in changes or rule is None:
            clean["fee"] = _money(changes.get("fee"), errors, "fee")
        if "free_over" in changes:
            clean["free_over"] = _money(changes["free_over"], errors, "free_over", required=False)
        if "remote_surcharge" in changes or rule is None:
            clean["remote_surcharge"] = _money(
                changes.get("remote_surcharge", "0"), errors, "remote_surcharge"
            )
        if errors:
            raise invalid(errors)
        if rule is None:
            rule = ShopShippingRule(vendor=vendor)
        for name, value in clean.items():
            setattr(rule, name, value)
        rule.updated_by = actor
        rule.save()
    return rule
