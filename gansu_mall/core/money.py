"""Money: Decimal in CNY, two places, rounded half up at the boundary. Never floats."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import models
from django.utils.functional import Promise

CENT = Decimal("0.01")
MAX_DIGITS = 14
DECIMAL_PLACES = 2


def to_money(value: Decimal | int | str) -> Decimal:
    """Quantize to fen with ROUND_HALF_UP. Floats are refused: they cannot hold money exactly."""
    if isinstance(value, float):
        raise TypeError("money must not be a float; pass a Decimal, int or string")
    try:
        amount = Decimal(value)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount of money: {value!r}") from exc
    if not amount.is_finite():
        raise ValueError(f"not an amount of money: {value!r}")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(value: Decimal) -> str:
    """``Decimal("39.9")`` → ``"39.90"``, the API's money format."""
    return f"{to_money(value):.2f}"


def MoneyField(verbose_name: str | Promise | None = None, **kwargs: object) -> models.DecimalField:  # noqa: N802
    """A DecimalField with the project's money precision."""
    return models.DecimalField(verbose_name, max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, **kwargs)  # type: ignore[arg-type]
