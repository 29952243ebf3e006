from decimal import Decimal

import pytest

from gansu_mall.core.money import format_money, to_money


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("39.9", "39.90"),
        ("0.005", "0.01"),
        ("0.004", "0.00"),
        ("2.675", "2.68"),
        (3, "3.00"),
        ("-1.005", "-1.01"),
    ],
)
def test_to_money_rounds_half_up(value, expected):
    assert to_money(value) == Decimal(expected)
    assert format_money(Decimal(str(value))) == expected


def test_floats_are_refused():
    with pytest.raises(TypeError):
        to_money(0.1)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["abc", "NaN", "Infinity"])
def test_non_amounts_are_refused(value):
    with pytest.raises(ValueError, match="not an amount"):
        to_money(value)
