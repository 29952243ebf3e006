"""The shipping fee of one shop's order. Until the logistics issue brings its fee table (by destination,
weight and cold chain), every order pays the flat fee set here; logistics replaces this function."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings

from gansu_mall.core.money import to_money


def shipping_fee(*, vendor_id: int, weight_grams: int, province_code: str) -> Decimal:
    """The flat fee ``ORDER_FLAT_SHIPPING_FEE`` (default 10.00 CNY) per order, whatever is in it."""
    return to_money(settings.ORDER_FLAT_SHIPPING_FEE)
