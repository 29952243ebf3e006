"""Serializers of the dashboards' API: the summary of API.md and any dashboard table by its slug.

The selectors build plain data (``dashboard.tables``); these only describe it for the schema and turn
Decimals and dates into the API's strings: money ``"455.45"``, rates ``"0.8333"`` (a fraction), hours
``"5.0"``, dates ``YYYY-MM-DD``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from gansu_mall.core.money import format_money
from gansu_mall.dashboard.tables import HOURS, MONEY, RATE, Table


class MoneyString(serializers.CharField):
    """Money as a decimal string with two places (already formatted by the selector)."""


class _Counts(serializers.Serializer):
    gmv = MoneyString()
    orders = serializers.IntegerField()


class VendorCountsSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="shops at date_to (openings minus closings up to it)")
    individual = serializers.IntegerField()
    enterprise = serializers.IntegerField()
    cooperative = serializers.IntegerField()
    new = serializers.IntegerField(help_text="shops opened in the period")
    group_buy = serializers.IntegerField(help_text="shops with a group-buy order paid in the period")


class PrefectureFiguresSerializer(_Counts):
    code = serializers.CharField()
    name = serializers.CharField()


class CategoryFiguresSerializer(_Counts):
    slug = serializers.CharField()
    name = serializers.CharField()


class LogisticsSummarySerializer(serializers.Serializer):
    queued = serializers.IntegerField(help_text="fulfillment tasks waiting or in hand now")
    shipped = serializers.IntegerField()
    on_time_rate = serializers.CharField(allow_null=True, help_text="a fraction with four places, or null")
    average_hours_to_ship = serializers.CharField(allow_null=True)


class CreditSummarySerializer(serializers.Serializer):
    A = serializers.IntegerField()  # noqa: N815 - the grade's name, as API.md spells it
    B = serializers.IntegerField()  # noqa: N815
    C = serializers.IntegerField()  # noqa: N815
    D = serializers.IntegerField()  # noqa: N815
    ungraded = serializers.IntegerField()
    red_list = serializers.IntegerField()
    black_list = serializers.IntegerField()
    open_objections = serializers.IntegerField()


class PreviousPeriodSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    gmv = MoneyString()
    orders = serializers.IntegerField()
    buyers = serializers.IntegerField()
    refunds = MoneyString()


class DashboardSummarySerializer(serializers.Serializer):
    """API.md "Dashboard": ``refunds`` is the amount refunded in the period (beside GMV, not netted);
    ``refund_count`` their number."""

    date_from = serializers.DateField()
    date_to = serializers.DateField()
    gmv = MoneyString()
    orders = serializers.IntegerField()
    buyers = serializers.IntegerField()
    average_order_value = MoneyString()
    refunds = MoneyString()
    refund_count = serializers.IntegerField()
    vendors = VendorCountsSerializer()
    by_prefecture = PrefectureFiguresSerializer(many=True)
    by_category = CategoryFiguresSerializer(many=True)
    poverty_relief = _Counts()
    cross_border = _Counts()
    logistics = LogisticsSummarySerializer()
    credit = CreditSummarySerializer()
    previous = PreviousPeriodSerializer()


class ColumnSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label
    kind = serializers.ChoiceField(choices=["text", "int", "money", "rate", "hours", "date"])


def json_value(value: Any, kind: str | None = None) -> Any:
    """A table value as JSON: money and rates as strings, dates ISO, None as null."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        if kind == MONEY:
            return format_money(value)
        if kind == RATE:
            return f"{value:.4f}"
        if kind == HOURS:
            return f"{value:.1f}"
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _row_json(row: dict[str, Any], kinds: dict[str, str]) -> dict[str, Any]:
    return {key: json_value(value, kinds.get(key)) for key, value in row.items()}


def table_data(table: Table, *, date_from: date, date_to: date) -> dict[str, Any]:
    kinds = {column.key: column.kind for column in table.columns}
    return {
        "slug": table.slug,
        "title": str(table.title),
        "date_from": date_from,
        "date_to": date_to,
        "columns": [{"key": c.key, "label": str(c.label), "kind": c.kind} for c in table.columns],
        "rows": [_row_json(row, kinds) for row in table.rows],
        "totals": None if table.totals is None else _row_json(table.totals, kinds),
        "link": table.link,
    }


@extend_schema_field({"type": "object", "additionalProperties": True})
class RowField(serializers.DictField):
    pass


class DashboardTableSerializer(serializers.Serializer):
    """One dashboard table: the rows hold the columns' keys (and ``url`` of a drill-down page, when any)."""

    slug = serializers.CharField()
    title = serializers.CharField()
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    columns = ColumnSerializer(many=True)
    rows = serializers.ListField(child=RowField())
    totals = RowField(allow_null=True)
    link = serializers.CharField(allow_null=True, help_text="the column that links to a row's drill-down")
