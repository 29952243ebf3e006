"""Reads of the bureau dashboards: figures and tables built from the daily rollups only.

Every sales figure comes from the rollup tables of ``dashboard.models`` (never the raw orders), filtered to
the period and, for scoped staff, to their counties (``county_code__in``). A few small live counts sit beside
them: the fulfillment queue's depth, and the credit grades and lists of the shops in scope.

Query counts do not grow with the number of rows: each table is one or two grouped aggregates over a rollup
table plus one query per lookup table for names (regions, categories, products, shops). The comparison
figures (the period just before) come from the same queries, by conditional aggregation over both periods.

Conventions of the returned values (see ``dashboard.tables``): money is Decimal to the fen, rates are
Decimal fractions with four places (``None`` when the denominator is zero), hours have one place.
"""

from __future__ import annotations

import re
import zlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection
from django.db.models import Case, CharField, Count, Q, QuerySet, Sum, Value, When
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from gansu_mall.accounts.models import User
from gansu_mall.accounts.selectors import user_region_scope
from gansu_mall.core.errors import invalid
from gansu_mall.core.money import to_money
from gansu_mall.dashboard.models import (
    MONEY_FIELDS,
    SALES_FIELDS,
    ApplicationDay,
    BuyerDay,
    BuyerDaySet,
    BuyerMonth,
    CategoryDay,
    CategoryMonth,
    CountyDay,
    CountyMonth,
    DestinationDay,
    DestinationMonth,
    ProductDay,
    ProvinceApplicationDay,
    ProvinceCategoryDay,
    ProvinceDay,
    ProvinceDestinationDay,
    ShopChangeDay,
    ShopDay,
)
from gansu_mall.dashboard.rollups import next_month
from gansu_mall.dashboard.tables import DATE, HOURS, INT, MONEY, RATE, Column, Period, Scope, Table
from gansu_mall.regions.loader import GANSU_CODE
from gansu_mall.regions.models import Region, RegionLevel

MAX_PERIOD_DAYS = 800
DEFAULT_PERIOD_DAYS = 30
ZERO = Decimal("0.00")
RATE_PLACES = Decimal("0.0001")
HOUR_PLACES = Decimal("0.1")

VENDOR_TYPES = ("individual", "enterprise", "cooperative")
GRADES = ("A", "B", "C", "D", "")
GRAINS = ("day", "week", "month")
TOP_WHATS = ("products", "shops")

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# --- small helpers ------------------------------------------------------------------------------------


def rate(numerator: int | Decimal, denominator: int | Decimal) -> Decimal | None:
    """``numerator / denominator`` as a Decimal fraction with four places; None when nothing to divide by."""
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def change(value: Any, previous: Any) -> Decimal | None:
    """The relative change from ``previous`` to ``value`` (0.25 = +25 %); None when previous is 0 or unknown."""
    if value is None or previous is None or not previous:
        return None
    return ((Decimal(value) - Decimal(previous)) / Decimal(previous)).quantize(
        RATE_PLACES, rounding=ROUND_HALF_UP
    )


def _hours(seconds: int, count: int) -> Decimal | None:
    if not count:
        return None
    return (Decimal(seconds) / Decimal(count) / Decimal(3600)).quantize(HOUR_PLACES, rounding=ROUND_HALF_UP)


def _average(amount: Decimal, count: int) -> Decimal:
    return to_money(Decimal(amount) / Decimal(count)) if count else ZERO


def _english() -> bool:
    return translation.get_language() == "en"


def _name(row: Mapping[str, Any], prefix: str = "") -> str:
    """The name in the active language of a ``values()`` row holding ``name`` and ``name_en``."""
    english = row.get(f"{prefix}name_en") or ""
    return english if _english() and english else row[f"{prefix}name"]


def vendor_type_label(value: str) -> str:
    from vendors.models import VendorType

    try:
        return str(VendorType(value).label)
    except ValueError:
        return value


def _url(name: str, *args: str) -> str | None:
    """The drill-down page of a row, when the pages are installed (None otherwise)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _shop_url(shop: Mapping[str, Any]) -> str | None:
    """A shop's public page (none for a closed shop, whose page is gone)."""
    return None if shop.get("status") == "closed" else _url("vendors:shop", shop["slug"])


def _in_period(period: Period, prefix: str = "") -> Q:
    return Q(**{f"{prefix}day__gte": period.date_from, f"{prefix}day__lte": period.date_to})


def _rollup(model: Any, period: Period, scope: Scope) -> QuerySet[Any]:
    """A rollup table's rows of the period (both days included) within the scope."""
    rows = model.objects.filter(day__gte=period.date_from, day__lte=period.date_to)
    return _scoped(rows, scope)


def _scoped(rows: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    if scope.county_codes is not None:
        rows = rows.filter(county_code__in=sorted(scope.county_codes))
    return rows


def _sales_sums(names: Iterable[str] = SALES_FIELDS, condition: Q | None = None, suffix: str = "") -> dict:
    return {f"{name}{suffix}": Sum(name, filter=condition) for name in names}


def _clean(row: Mapping[str, Any], names: Iterable[str] = SALES_FIELDS, suffix: str = "") -> dict[str, Any]:
    """Sums of a ``values()`` row with None (nothing summed) as zero, money to the fen."""
    out: dict[str, Any] = {}
    for name in names:
        value = row.get(f"{name}{suffix}")
        out[name] = to_money(value or 0) if name in MONEY_FIELDS else int(value or 0)
    return out


def _add(total: dict[str, Any], row: Mapping[str, Any], names: Iterable[str] = SALES_FIELDS) -> None:
    for name in names:
        total[name] = total.get(name, 0) + row[name]


def _zeros(names: Iterable[str] = SALES_FIELDS) -> dict[str, Any]:
    return {name: (ZERO if name in MONEY_FIELDS else 0) for name in names}


def _sums_by(
    tables: tuple[Any, Any],
    periods: Mapping[str, Period],
    scope: Scope,
    keys: list[str],
    names: Iterable[str],
    where: Q | None = None,
) -> dict[str, dict[tuple[Any, ...], dict[str, Any]]]:
    """Sums of ``names`` grouped by ``keys``, for each of the named periods (which must not overlap): their
    whole months from the month table, their other days from the day table (``tables``: day table, month
    table or None), at most one query each. ``{period name: {key values: sums}}``."""
    names = tuple(names)
    day_model, month_model = tables
    by_table: list[tuple[Any, dict[str, Q]]] = [(day_model, {}), (month_model, {})]
    for label, period in periods.items():
        # No month table (the province's days, a few rows a day): every day from the day table.
        months, rest = whole_months(period) if month_model is not None else ([], [period])
        if rest:
            days = Q()
            for stretch in rest:
                days |= _in_period(stretch)
            by_table[0][1][label] = days
        if months:
            by_table[1][1][label] = Q(month__in=months)
    out: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {label: {} for label in periods}
    for model, conditions in by_table:
        if not conditions:
            continue
        selected = Q()
        for condition in conditions.values():
            selected |= condition
        rows = _scoped(model.objects.filter(selected), scope)
        if where is not None:
            rows = rows.filter(where)
        # Each row's period named once (a CASE), and the rows grouped by it: filtered sums would test the
        # periods' day ranges again for every figure of every row.
        which = Case(
            *(When(condition, then=Value(label)) for label, condition in conditions.items()),
            output_field=CharField(),
        )
        grouped = rows.annotate(period=which).values("period", *keys)
        for row in grouped.annotate(**_sales_sums(names)).order_by():
            key = tuple(row[k] for k in keys)
            cell = out[row["period"]].setdefault(key, _zeros(names))
            _add(cell, _clean(row, names), names)
    return out


# --- scope and period ---------------------------------------------------------------------------------


def scope_for(*, user: User) -> Scope:
    """The area of a member of bureau staff: their counties (those within their prefectures and counties),
    or the whole province when they are not limited."""
    codes = user_region_scope(user=user)
    if codes is None:
        return Scope()
    counties = Region.objects.filter(code__in=sorted(codes), level=RegionLevel.COUNTY).values_list(
        "code", flat=True
    )
    return Scope(frozenset(counties))


def _parse_date(value: str | None, name: str) -> date | None:
    if value is None or value == "":
        return None
    value = value.strip()
    try:
        if not _ISO_DATE.match(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise invalid({name: [_("Enter a date as YYYY-MM-DD.")]}) from None


def period_from(*, date_from: str | None, date_to: str | None, today: date | None = None) -> Period:
    """The period of a request: ``date_to`` defaults to today (local date), ``date_from`` to the 30 days
    ending ``date_to``. Refused (a validation error naming the field): a malformed date, ``date_from`` after
    ``date_to``, or a range of more than 800 days."""
    start = _parse_date(date_from, "date_from")
    end = _parse_date(date_to, "date_to")
    if end is None:
        end = today or timezone.localdate()
    if start is None:
        start = end - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    if start > end:
        raise invalid({"date_from": [_("The start date must not be after the end date.")]})
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise invalid(
            {"date_from": [_("The period may not be longer than %(days)s days.") % {"days": MAX_PERIOD_DAYS}]}
        )
    return Period(start, end)


# --- overview -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    kind: str
    value: Any
    previous: Any
    change: Decimal | None


@dataclass
class Overview:
    period: Period
    figures: list[Figure]
    shops_by_type: Table
    destinations: Table

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)

    @property
    def by_key(self) -> dict[str, Figure]:
        return {f.key: f for f in self.figures}


FIGURE_LABELS = {
    "gmv": (gettext_lazy("GMV"), MONEY),
    "orders": (gettext_lazy("Orders"), INT),
    "buyers": (gettext_lazy("Buyers"), INT),
    "average_order_value": (gettext_lazy("Average order value"), MONEY),
    "refunds": (gettext_lazy("Refunds"), INT),
    "refund_amount": (gettext_lazy("Refunded"), MONEY),
    "poverty_relief_gmv": (gettext_lazy("GMV of poverty-relief counties"), MONEY),
    "poverty_relief_orders": (gettext_lazy("Orders of poverty-relief counties"), INT),
    "cross_border_gmv": (gettext_lazy("Cross-border GMV"), MONEY),
    "cross_border_orders": (gettext_lazy("Cross-border orders"), INT),
    "domestic_gmv": (gettext_lazy("Domestic GMV"), MONEY),
    "new_shops": (gettext_lazy("New shops"), INT),
    "applications_submitted": (gettext_lazy("Shop applications submitted"), INT),
    "applications_approved": (gettext_lazy("Shop applications approved"), INT),
    "average_approval_hours": (gettext_lazy("Average hours to approval"), HOURS),
    "group_buy_shops": (gettext_lazy("Shops with group-buy orders"), INT),
}


def _two_periods(period: Period) -> tuple[Period, Q, Q]:
    """The span covering the period and the one before it, and conditions selecting each."""
    previous = period.previous()
    return Period(previous.date_from, period.date_to), _in_period(period), _in_period(previous)


def _county_tables(scope: Scope, day_model: Any, month_model: Any, province_model: Any) -> tuple[Any, Any]:
    """The tables to sum for the scope: the province's own day rows for the whole province (a few rows a
    day instead of every county's), else the county rows, by month and by day."""
    return (province_model, None) if scope.provincial else (day_model, month_model)


def _sales_by_type(period: Period, scope: Scope) -> dict[str, dict[Any, dict[str, Any]]]:
    """Sums of this period (``now``) and the previous one (``before``), per vendor type and poverty-relief
    flag: ``{"now": {(type, flag): sums}, "before": ...}``: for the province from ProvinceDay (one query),
    else whole months from CountyMonth and the other days from CountyDay (two queries at most)."""
    return _sums_by(
        _county_tables(scope, CountyDay, CountyMonth, ProvinceDay),
        {"now": period, "before": period.previous()},
        scope,
        ["vendor_type", "poverty_relief"],
        SALES_FIELDS,
    )


def _total(cells: Mapping[Any, Mapping[str, Any]], keep: Any = None) -> dict[str, Any]:
    total = _zeros()
    for key, sums in cells.items():
        if keep is None or keep(key):
            _add(total, sums)
    return total


def _shop_counts(period: Period, scope: Scope) -> dict[str, dict[str, int]]:
    """Per vendor type: shops at ``date_to`` (openings + reopenings − closings up to it), opened in the period
    and in the previous period (one query)."""
    _, now, before = _two_periods(period)
    rows = (
        _scoped(ShopChangeDay.objects.filter(day__lte=period.date_to), scope)
        .values("vendor_type")
        .annotate(
            opened_sum=Sum("opened"),
            closed_sum=Sum("closed"),
            reopened_sum=Sum("reopened"),
            new_now=Sum("opened", filter=now),
            new_before=Sum("opened", filter=before),
        )
        .order_by()
    )
    return {
        row["vendor_type"]: {
            "shops": (row["opened_sum"] or 0) + (row["reopened_sum"] or 0) - (row["closed_sum"] or 0),
            "new": row["new_now"] or 0,
            "new_before": row["new_before"] or 0,
        }
        for row in rows
    }


def _distinct(rows: QuerySet[Any], column: str) -> int:
    """How many distinct values of ``column`` the rows hold: ``COUNT(*)`` over ``SELECT DISTINCT``, which
    PostgreSQL hashes, where ``COUNT(DISTINCT …)`` sorts every row (several times slower on a month of
    rollups)."""
    return rows.values(column).distinct().order_by().count()


def _distinct_by(rows: QuerySet[Any], key: str, column: str) -> dict[Any, int]:
    """Distinct values of ``column`` for each value of ``key``, by the same hashing."""
    pairs = rows.values(key, column).distinct().order_by()
    sql, params = pairs.query.sql_with_params()
    name = connection.ops.quote_name(key)
    with connection.cursor() as cursor:
        # The SQL is the ORM's own (parameters apart) and the column a quoted field name, never user input.
        cursor.execute(f"SELECT pairs.{name}, COUNT(*) FROM ({sql}) pairs GROUP BY pairs.{name}", params)  # noqa: S608
        return {value: count for value, count in cursor.fetchall()}


def _buyers(period: Period, scope: Scope) -> tuple[int, int]:
    """Distinct buyers in the period and the previous one."""
    areas = _buyer_areas(scope)
    return _distinct_buyers(period, scope, areas), _distinct_buyers(period.previous(), scope, areas)


def whole_months(period: Period) -> tuple[list[date], list[Period]]:
    """The calendar months lying wholly within the period (their first days), and the stretches of days
    left over before and after them."""
    months: list[date] = []
    rest: list[Period] = []
    day = period.date_from
    while day <= period.date_to:
        month_end = next_month(day.replace(day=1)) - timedelta(days=1)
        if day.day == 1 and month_end <= period.date_to:
            months.append(day)
            day = month_end + timedelta(days=1)
        else:
            last = min(month_end, period.date_to)
            rest.append(Period(day, last))
            day = last + timedelta(days=1)
    return months, rest


def _buyer_areas(scope: Scope) -> list[str] | None:
    """The BuyerMonth areas that make up the scope exactly: the province, or whole prefectures; None for a
    scope that is part of a prefecture (its buyers are counted from BuyerDay rows)."""
    if scope.provincial:
        return [""]
    counties = scope.county_codes or frozenset()
    candidates = sorted({code[:4] + "00" for code in counties})
    by_prefecture: dict[str, set[str]] = defaultdict(set)
    for parent, code in Region.objects.filter(parent_id__in=candidates, level=RegionLevel.COUNTY).values_list(
        "parent_id", "code"
    ):
        by_prefecture[parent].add(code)
    whole = set().union(*by_prefecture.values()) if by_prefecture else set()
    if not by_prefecture or whole != set(counties):
        return None
    return sorted(by_prefecture)


def _distinct_buyers(period: Period, scope: Scope, areas: list[str] | None) -> int:
    """Distinct buyers in the period: the OR of the BuyerMonth bitmaps of its whole months and the
    BuyerDaySet bitmaps of its other days (two queries at most); for a scope that is not whole prefectures,
    from the BuyerDay rows."""
    if areas is None:
        return _distinct(_rollup(BuyerDay, period, scope), "buyer_id")
    months, rest = whole_months(period)
    bits = 0
    if months:
        for blob in BuyerMonth.objects.filter(month__in=months, prefecture_code__in=areas).values_list(
            "buyers", flat=True
        ):
            bits |= int.from_bytes(blob, "little")
    if rest:
        days = Q()
        for stretch in rest:
            days |= _in_period(stretch)
        for blob in BuyerDaySet.objects.filter(days, prefecture_code__in=areas).values_list(
            "buyers", flat=True
        ):
            bits |= int.from_bytes(zlib.decompress(blob), "little")
    return bits.bit_count()


def _group_shops(period: Period, scope: Scope) -> tuple[list[int], list[int]]:
    """The shops with a group-buy order paid in the period and in the previous one (their ids, read off the
    partial index of ShopDay's group-buy rows)."""
    return tuple(  # type: ignore[return-value]
        list(
            _rollup(ShopDay, which, scope)
            .filter(group_orders__gt=0)
            .values_list("vendor_id", flat=True)
            .distinct()
            .order_by()
        )
        for which in (period, period.previous())
    )


def _applications(period: Period, scope: Scope) -> dict[str, dict[str, int]]:
    span, now, before = _two_periods(period)
    sums = {}
    for name, condition in (("now", now), ("before", before)):
        for column in ("submitted", "approved", "approval_seconds"):
            sums[f"{column}__{name}"] = Sum(column, filter=condition)
    # The province's own day rows for provincial staff (one row a day instead of every county's).
    rollup: Any = ProvinceApplicationDay if scope.provincial else ApplicationDay
    got = _rollup(rollup, span, scope).aggregate(**sums)
    return {
        name: {
            column: got[f"{column}__{name}"] or 0 for column in ("submitted", "approved", "approval_seconds")
        }
        for name in ("now", "before")
    }


def overview(*, period: Period, scope: Scope) -> Overview:
    """The figures of the overview with their comparison (the period just before), shops by vendor type, and
    orders by destination province."""
    sales = _sales_by_type(period, scope)
    shops = _shop_counts(period, scope)
    buyers = _buyers(period, scope)
    group_shops = _group_shops(period, scope)
    applications = _applications(period, scope)

    def values(which: str, index: int) -> dict[str, Any]:
        total = _total(sales[which])
        relief = _total(sales[which], keep=lambda key: key[1])
        apps = applications[which]
        return {
            "gmv": total["gmv"],
            "orders": total["orders"],
            "buyers": buyers[index],
            "average_order_value": _average(total["gmv"], total["orders"]),
            "refunds": total["refunds"],
            "refund_amount": total["refund_amount"],
            "poverty_relief_gmv": relief["gmv"],
            "poverty_relief_orders": relief["orders"],
            "cross_border_gmv": total["cross_border_gmv"],
            "cross_border_orders": total["cross_border_orders"],
            "domestic_gmv": total["gmv"] - total["cross_border_gmv"],
            "new_shops": sum(s["new" if index == 0 else "new_before"] for s in shops.values()),
            "applications_submitted": apps["submitted"],
            "applications_approved": apps["approved"],
            "average_approval_hours": _hours(apps["approval_seconds"], apps["approved"]),
            "group_buy_shops": len(group_shops[index]),
        }

    now, before = values("now", 0), values("before", 1)
    figures = [
        Figure(key, str(label), kind, now[key], before[key], change(now[key], before[key]))
        for key, (label, kind) in FIGURE_LABELS.items()
    ]
    return Overview(
        period=period,
        figures=figures,
        shops_by_type=_shops_by_type_table(
            period, scope, sales=sales["now"], shops=shops, group_shops=group_shops[0]
        ),
        destinations=destinations_table(period=period, scope=scope),
    )


def _shops_by_type_table(
    period: Period,
    scope: Scope,
    *,
    sales: Mapping[Any, Mapping[str, Any]],
    shops: Mapping[str, Mapping[str, int]],
    group_shops: list[int],
) -> Table:
    table = Table(
        slug="shops-by-type",
        title=_("Shops by type"),
        columns=[
            Column("vendor_type", _("Type")),
            Column("shops", _("Shops"), INT),
            Column("new", _("New in period"), INT),
            Column("gmv", _("GMV"), MONEY),
            Column("orders", _("Orders"), INT),
        ],
    )
    totals: dict[str, Any] = {"vendor_type": _("Total"), "shops": 0, "new": 0, "gmv": ZERO, "orders": 0}
    for vendor_type in VENDOR_TYPES:
        figures = _total(sales, keep=lambda key, t=vendor_type: key[0] == t)
        row = {
            "key": vendor_type,
            "vendor_type": vendor_type_label(vendor_type),
            "shops": shops.get(vendor_type, {}).get("shops", 0),
            "new": shops.get(vendor_type, {}).get("new", 0),
            "gmv": figures["gmv"],
            "orders": figures["orders"],
        }
        table.rows.append(row)
        for name in ("shops", "new", "gmv", "orders"):
            totals[name] += row[name]
    # Of all types: the shops that sold in group buys, with all their sales of the period (not added to the
    # totals; they are counted above).
    gmv, orders = _sales_of_shops(period, scope, group_shops)
    table.rows.append(
        {
            "key": "group_buy",
            "vendor_type": _("Group-buy merchants"),
            "shops": len(group_shops),
            "new": None,
            "gmv": gmv,
            "orders": orders,
        }
    )
    table.totals = totals
    return table


def _sales_of_shops(period: Period, scope: Scope, shops: list[int]) -> tuple[Decimal, int]:
    """GMV and orders of these shops in the period, read by shop off ShopDay's (vendor, day) index. On
    PostgreSQL the ids go as one array parameter: as two thousand parameters of an IN list, building the
    statement took half as long again as running it."""
    if not shops:
        return ZERO, 0
    if connection.vendor != "postgresql":
        got = (
            _rollup(ShopDay, period, scope)
            .filter(vendor_id__in=shops)
            .aggregate(g=Sum("gmv"), o=Sum("orders"))
        )
        return to_money(got["g"] or 0), int(got["o"] or 0)
    table = connection.ops.quote_name(ShopDay._meta.db_table)
    sql = f"SELECT SUM(gmv), SUM(orders) FROM {table} WHERE vendor_id = ANY(%s) AND day >= %s AND day <= %s"  # noqa: S608 (a quoted table name; values are parameters)
    params: list[Any] = [shops, period.date_from, period.date_to]
    if not scope.provincial:
        sql += " AND county_code = ANY(%s)"
        params.append(sorted(scope.county_codes or ()))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        gmv, orders = cursor.fetchone()
    return to_money(gmv or 0), int(orders or 0)


def destinations_table(*, period: Period, scope: Scope) -> Table:
    """Orders and GMV by destination province, largest GMV first; provinces outside mainland China flagged."""
    sums = _sums_by(
        _county_tables(scope, DestinationDay, DestinationMonth, ProvinceDestinationDay),
        {"now": period},
        scope,
        ["province_code"],
        ("orders", "gmv"),
    )
    rows = sorted(
        ({"province_code": key[0], **figures} for key, figures in sums["now"].items()),
        key=lambda row: (-row["gmv"], row["province_code"]),
    )
    regions = {
        r["code"]: r
        for r in Region.objects.filter(code__in=sorted({r["province_code"] for r in rows})).values(
            "code", "name", "name_en", "outside_mainland"
        )
    }
    table = Table(
        slug="destinations",
        title=_("Destinations"),
        columns=[
            Column("code", _("Code")),
            Column("name", _("Province")),
            Column("area", _("Area")),
            Column("orders", _("Orders"), INT),
            Column("gmv", _("GMV"), MONEY),
            Column("share", _("Share of GMV"), RATE),
        ],
    )
    total_gmv = sum((to_money(r["gmv"] or 0) for r in rows), ZERO)
    total_orders = 0
    for row in rows:
        region = regions.get(row["province_code"])
        outside = bool(region["outside_mainland"]) if region else False
        gmv = to_money(row["gmv"] or 0)
        table.rows.append(
            {
                "code": row["province_code"],
                "name": _name(region) if region else row["province_code"],
                "area": _("outside mainland") if outside else _("mainland"),
                "outside_mainland": outside,
                "orders": row["orders"] or 0,
                "gmv": gmv,
                "share": rate(gmv, total_gmv),
            }
        )
        total_orders += row["orders"] or 0
    table.totals = {
        "name": _("Total"),
        "orders": total_orders,
        "gmv": total_gmv,
        "share": Decimal("1.0000") if total_gmv else None,
    }
    return table


# --- places -------------------------------------------------------------------------------------------

PLACE_FIGURES = ("gmv", "orders", "refunds", "refund_amount")


def _place_columns(name_label: str, *, buyers: bool = True) -> list[Column]:
    return [
        Column("code", _("Code")),
        Column("name", name_label),
        Column("gmv", _("GMV"), MONEY),
        Column("orders", _("Orders"), INT),
        *([Column("buyers", _("Buyers"), INT)] if buyers else []),
        Column("refunds", _("Refunds"), INT),
        Column("refund_amount", _("Refunded"), MONEY),
        Column("share", _("Share of GMV"), RATE),
    ]


def _place_rows(
    period: Period,
    scope: Scope,
    *,
    key: str,
    places: list[Any],
    where: Q,
    drill: str | None,
    with_buyers: bool = True,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Rows of places (``places``: dicts with code, name, name_en) grouped on the rollups' ``key`` column
    (``prefecture_code`` or ``county_code``), with distinct buyers; and the totals. Three queries."""
    sums = _sums_by((CountyDay, CountyMonth), {"now": period}, scope, [key], PLACE_FIGURES, where=where)
    sales = {place[0]: figures for place, figures in sums["now"].items()}
    buyers: dict[Any, int] = {}
    all_buyers = 0
    if with_buyers:  # distinct counts: the dearest figures of the table
        buyers = _distinct_by(_rollup(BuyerDay, period, scope).filter(where), key, "buyer_id")
        all_buyers = _distinct(_rollup(BuyerDay, period, scope).filter(where), "buyer_id")
    totals: dict[str, Any] = {"name": _("Total"), **_zeros(PLACE_FIGURES)}
    if with_buyers:
        totals["buyers"] = all_buyers or 0
    rows = []
    for place in places:
        figures = sales.get(place["code"], _zeros(PLACE_FIGURES))
        _add(totals, figures, PLACE_FIGURES)
        rows.append(
            {
                "code": place["code"],
                "name": _name(place),
                **figures,
                **({"buyers": buyers.get(place["code"], 0)} if with_buyers else {}),
                "drill": place["code"] if drill else None,
                "url": _url(drill, place["code"]) if drill else None,
            }
        )
    for row in rows:
        row["share"] = rate(row["gmv"], totals["gmv"])
    totals["share"] = Decimal("1.0000") if totals["gmv"] else None
    return rows, totals


def place_table(*, period: Period, scope: Scope, code: str | None = None, with_buyers: bool = True) -> Table:
    """Figures by place: Gansu's prefectures (``code`` None), a prefecture's counties, or a county's shops.
    ``with_buyers=False`` leaves out the distinct buyers of the prefectures (the overview's table: they cost
    more than the rest of it together; the drill-down pages show them).

    Scoped staff see the prefectures holding a county of their area, with only those counties' figures; a
    code outside the scope, or not a prefecture or county of Gansu, is Http404.
    """
    if code is None:
        prefectures = Region.objects.filter(parent_id=GANSU_CODE, level=RegionLevel.PREFECTURE)
        if not scope.provincial:
            prefectures = prefectures.filter(
                code__in=Region.objects.filter(code__in=sorted(scope.county_codes or ())).values("parent_id")
            )
        places = list(prefectures.order_by("code").values("code", "name", "name_en"))
        rows, totals = _place_rows(
            period,
            scope,
            key="prefecture_code",
            places=places,
            where=Q(),
            drill="dashboard:place",
            with_buyers=with_buyers,
        )
        return Table(
            slug="prefectures",
            title=_("Prefectures"),
            columns=_place_columns(_("Prefecture"), buyers=with_buyers),
            rows=rows,
            totals=totals,
            link="name",
        )
    region = (
        Region.objects.filter(code=code, code__startswith=GANSU_CODE[:2])
        .values("code", "name", "name_en", "level")
        .first()
    )
    if region is None or region["level"] == RegionLevel.PROVINCE:
        raise Http404
    if region["level"] == RegionLevel.PREFECTURE:
        counties = Region.objects.filter(parent_id=code, level=RegionLevel.COUNTY)
        if not scope.provincial:
            counties = counties.filter(code__in=sorted(scope.county_codes or ()))
        places = list(counties.order_by("code").values("code", "name", "name_en"))
        if not places and not scope.provincial:
            raise Http404
        rows, totals = _place_rows(
            period,
            scope,
            key="county_code",
            places=places,
            where=Q(prefecture_code=code),
            drill="dashboard:place",
        )
        return Table(
            slug=f"places-{code}",
            title=_name(region),
            columns=_place_columns(_("County")),
            rows=rows,
            totals=totals,
            link="name",
        )
    if not scope.provincial and code not in (scope.county_codes or ()):
        raise Http404
    return _county_shops_table(period, scope, region)


def _county_shops_table(period: Period, scope: Scope, county: Mapping[str, Any]) -> Table:
    """The shops of a county (those not closed, and any that sold in the period), by GMV."""
    from vendors.models import Vendor, VendorStatus

    code = county["code"]
    where = Q(county_code=code)
    sales = {
        row["vendor_id"]: _clean(row, PLACE_FIGURES)
        for row in _rollup(ShopDay, period, scope)
        .filter(where)
        .values("vendor_id")
        .annotate(**_sales_sums(PLACE_FIGURES))
        .order_by()
    }
    buyers = _distinct_by(_rollup(BuyerDay, period, scope).filter(where), "vendor_id", "buyer_id")
    all_buyers = _distinct(_rollup(BuyerDay, period, scope).filter(where), "buyer_id")
    shops = Vendor.objects.filter(
        (Q(county_id=code) & ~Q(status=VendorStatus.CLOSED)) | Q(pk__in=sorted(sales))
    ).values("id", "slug", "name", "name_en", "vendor_type", "status")
    totals: dict[str, Any] = {"name": _("Total"), **_zeros(PLACE_FIGURES), "buyers": all_buyers or 0}
    rows = []
    for shop in shops:
        figures = sales.get(shop["id"], _zeros(PLACE_FIGURES))
        _add(totals, figures, PLACE_FIGURES)
        rows.append(
            {
                "slug": shop["slug"],
                "name": _name(shop),
                "vendor_type": vendor_type_label(shop["vendor_type"]),
                **figures,
                "buyers": buyers.get(shop["id"], 0),
                "url": _shop_url(shop),
            }
        )
    for row in rows:
        row["share"] = rate(row["gmv"], totals["gmv"])
    rows.sort(key=lambda r: (-r["gmv"], -r["orders"], r["slug"]))
    totals["share"] = Decimal("1.0000") if totals["gmv"] else None
    return Table(
        slug=f"places-{code}",
        title=_name(county),
        columns=[
            Column("slug", _("Shop code")),
            Column("name", _("Shop")),
            Column("vendor_type", _("Type")),
            Column("gmv", _("GMV"), MONEY),
            Column("orders", _("Orders"), INT),
            Column("buyers", _("Buyers"), INT),
            Column("refunds", _("Refunds"), INT),
            Column("refund_amount", _("Refunded"), MONEY),
            Column("share", _("Share of GMV"), RATE),
        ],
        rows=rows,
        totals=totals,
        link="name",
    )


# --- categories and products --------------------------------------------------------------------------


def _category_tree() -> dict[int, Any]:
    """All categories (one query): ``{id: {id, slug, name, name_en, parent_id, position}}``."""
    from catalog.models import Category

    return {
        row["id"]: row
        for row in Category.objects.values("id", "slug", "name", "name_en", "parent_id", "position")
    }


def _descendants(tree: Mapping[int, Mapping[str, Any]], root: int) -> set[int]:
    children: dict[int | None, list[int]] = defaultdict(list)
    for node in tree.values():
        children[node["parent_id"]].append(node["id"])
    found, frontier = {root}, [root]
    while frontier:
        frontier = [c for parent in frontier for c in children.get(parent, []) if c not in found]
        found.update(frontier)
    return found


def _category_get(tree: Mapping[int, Mapping[str, Any]], slug: str) -> Mapping[str, Any]:
    node = next((n for n in tree.values() if n["slug"] == slug), None)
    if node is None:
        raise Http404
    return node


def category_table(*, period: Period, scope: Scope, slug: str | None = None) -> Table:
    """Goods sold by category: the top-level categories, or a category's children (Http404: unknown slug).

    An order counts once in each category it bought from, so the orders of the rows do not add up to all
    orders (the totals hold GMV and quantity only); GMV is of goods (line totals), without shipping.
    """
    tree = _category_tree()
    parent = None if slug is None else _category_get(tree, slug)
    parent_id = None if parent is None else parent["id"]
    under = Q(parent__isnull=True) if parent_id is None else Q(parent_id=parent_id)
    sums = _sums_by(
        _county_tables(scope, CategoryDay, CategoryMonth, ProvinceCategoryDay),
        {"now": period},
        scope,
        ["category_id"],
        ("orders", "gmv", "quantity"),
        where=under,
    )
    sales = {key[0]: figures for key, figures in sums["now"].items()}
    nodes = [n for n in tree.values() if n["parent_id"] == parent_id]
    # A category moved since the rows were computed still shows where the rows put it.
    nodes += [tree[i] for i in sales if i in tree and tree[i]["parent_id"] != parent_id]
    total_gmv = sum((to_money(r["gmv"] or 0) for r in sales.values()), ZERO)
    rows = []
    for node in nodes:
        figures = sales.get(node["id"], {})
        gmv = to_money(figures.get("gmv") or 0)
        rows.append(
            {
                "slug": node["slug"],
                "name": _name(node),
                "gmv": gmv,
                "orders": figures.get("orders") or 0,
                "quantity": figures.get("quantity") or 0,
                "share": rate(gmv, total_gmv),
                "position": node["position"],
                "url": _url("dashboard:category", node["slug"]),
            }
        )
    rows.sort(key=lambda r: (-r["gmv"], r["position"], r["slug"]))
    return Table(
        slug="categories" if parent is None else f"categories-{parent['slug']}",
        title=_("Categories") if parent is None else _name(parent),
        columns=[
            Column("slug", _("Category code")),
            Column("name", _("Category")),
            Column("gmv", _("GMV (goods)"), MONEY),
            Column("orders", _("Orders"), INT),
            Column("quantity", _("Quantity"), INT),
            Column("share", _("Share of GMV"), RATE),
        ],
        rows=rows,
        totals={
            "name": _("Total"),
            "gmv": total_gmv,
            "quantity": sum(r["quantity"] for r in rows),
            "share": Decimal("1.0000") if total_gmv else None,
        },
        link="name",
    )


def _product_columns() -> list[Column]:
    return [
        Column("product_id", _("Product ID"), INT),
        Column("name", _("Product")),
        Column("shop", _("Shop")),
        Column("gmv", _("GMV (goods)"), MONEY),
        Column("orders", _("Orders"), INT),
        Column("quantity", _("Quantity"), INT),
    ]


def _product_rows(cells: QuerySet[Any], limit: int | None) -> list[dict[str, Any]]:
    from catalog.models import Product

    grouped = (
        cells.values("product_id")
        .annotate(orders=Sum("orders"), gmv=Sum("gmv"), quantity=Sum("quantity"))
        .order_by("-gmv", "-quantity", "product_id")
    )
    sales = list(grouped if limit is None else grouped[:limit])
    products = {
        p["id"]: p
        for p in Product.objects.filter(pk__in=[s["product_id"] for s in sales]).values(
            "id", "name", "name_en", "vendor__slug", "vendor__name", "vendor__name_en"
        )
    }
    rows = []
    for sale in sales:
        product = products.get(sale["product_id"])
        rows.append(
            {
                "product_id": sale["product_id"],
                "name": _name(product) if product else str(sale["product_id"]),
                "shop": _name(product, "vendor__") if product else "",
                "shop_slug": product["vendor__slug"] if product else "",
                "gmv": to_money(sale["gmv"] or 0),
                "orders": sale["orders"] or 0,
                "quantity": sale["quantity"] or 0,
            }
        )
    return rows


def product_table(*, period: Period, scope: Scope, slug: str, limit: int | None = 100) -> Table:
    """Products of a category or of its sub-categories, by GMV (the first ``limit``); Http404: unknown slug."""
    tree = _category_tree()
    node = _category_get(tree, slug)
    cells = _rollup(ProductDay, period, scope).filter(category_id__in=sorted(_descendants(tree, node["id"])))
    return Table(
        slug=f"products-{slug}",
        title=_("Products of %(category)s") % {"category": _name(node)},
        columns=_product_columns(),
        rows=_product_rows(cells, limit),
    )


def top_table(*, period: Period, scope: Scope, what: str, limit: int = 10) -> Table:
    """The best-selling products or shops of the period by GMV."""
    if what == "products":
        return Table(
            slug="top-products",
            title=_("Top products"),
            columns=_product_columns(),
            rows=_product_rows(_rollup(ProductDay, period, scope), limit),
        )
    if what != "shops":
        raise Http404
    from vendors.models import Vendor

    sales = list(
        _rollup(ShopDay, period, scope)
        .values("vendor_id")
        .annotate(gmv=Sum("gmv"), orders=Sum("orders"), refund_amount=Sum("refund_amount"))
        .order_by("-gmv", "-orders", "vendor_id")[:limit]
    )
    shops = {
        v["id"]: v
        for v in Vendor.objects.filter(pk__in=[s["vendor_id"] for s in sales]).values(
            "id", "slug", "name", "name_en", "vendor_type", "status", "county__name", "county__name_en"
        )
    }
    rows = []
    for sale in sales:
        shop = shops[sale["vendor_id"]]
        rows.append(
            {
                "slug": shop["slug"],
                "name": _name(shop),
                "vendor_type": vendor_type_label(shop["vendor_type"]),
                "county": _name(shop, "county__"),
                "gmv": to_money(sale["gmv"] or 0),
                "orders": sale["orders"] or 0,
                "refund_amount": to_money(sale["refund_amount"] or 0),
                "url": _shop_url(shop),
            }
        )
    return Table(
        slug="top-shops",
        title=_("Top shops"),
        columns=[
            Column("slug", _("Shop code")),
            Column("name", _("Shop")),
            Column("vendor_type", _("Type")),
            Column("county", _("County")),
            Column("gmv", _("GMV"), MONEY),
            Column("orders", _("Orders"), INT),
            Column("refund_amount", _("Refunded"), MONEY),
        ],
        rows=rows,
        link="name",
    )


# --- time series --------------------------------------------------------------------------------------


def bucket_start(day: date, grain: str) -> date:
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    return day


def _buckets(period: Period, grain: str) -> list[tuple[date, date, date]]:
    """``(start, first day in period, last day in period)`` of every bucket touching the period."""
    out = []
    day = period.date_from
    while day <= period.date_to:
        start = bucket_start(day, grain)
        if grain == "week":
            end = start + timedelta(days=6)
        elif grain == "month":
            end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        else:
            end = start
        last = min(end, period.date_to)
        out.append((start, day, last))
        day = last + timedelta(days=1)
    return out


SERIES_FIGURES = ("gmv", "orders", "refunds", "refund_amount", "shipped")


def series_table(*, period: Period, scope: Scope, grain: str) -> Table:
    """Figures per day, week (Monday first) or month, every bucket of the period included (zeros when
    nothing happened). A bucket cut by the period counts only its days inside the period."""
    if grain not in GRAINS:
        raise Http404
    # Summed by day in the database and into weeks or months here: truncating every row's date in SQL
    # cost more than the sums (a year of CountyDay rows by week: 87 ms against 30).
    sums: dict[date, dict[str, Any]] = {}
    rollup: Any = ProvinceDay if scope.provincial else CountyDay
    days = _rollup(rollup, period, scope).values("day").annotate(**_sales_sums(SERIES_FIGURES)).order_by()
    for row in days:
        bucket = sums.setdefault(bucket_start(_as_date(row["day"]), grain), _zeros(SERIES_FIGURES))
        _add(bucket, _clean(row, SERIES_FIGURES), SERIES_FIGURES)
    titles = {"day": _("By day"), "week": _("By week"), "month": _("By month")}
    table = Table(
        slug=f"series-{grain}",
        title=titles[grain],
        columns=[
            Column("date", _("Date"), DATE),  # a week or month: its first day in the period
            Column("gmv", _("GMV"), MONEY),
            Column("orders", _("Orders"), INT),
            Column("refunds", _("Refunds"), INT),
            Column("refund_amount", _("Refunded"), MONEY),
            Column("shipped", _("Shipped"), INT),
        ],
    )
    totals: dict[str, Any] = {"date": _("Total"), **_zeros(SERIES_FIGURES)}
    for start, first, last in _buckets(period, grain):
        figures = sums.get(start, _zeros(SERIES_FIGURES))
        table.rows.append({"date": first, "date_to": last, "bucket": start, **figures})
        _add(totals, figures, SERIES_FIGURES)
    table.totals = totals
    return table


def _as_date(value: Any) -> date:
    return value.date() if hasattr(value, "date") and callable(value.date) else value


# --- logistics ----------------------------------------------------------------------------------------


@dataclass
class Logistics:
    queue_depth: int
    shipped: int
    shipped_on_time: int
    on_time_rate: Decimal | None
    hub_shipped: int
    hub_on_time_rate: Decimal | None
    average_hours_to_ship: Decimal | None
    shipped_per_day: Table


def queue_depth(*, scope: Scope) -> int:
    """Fulfillment tasks waiting or in hand now (not shipped, not cancelled), of the shops in scope (live)."""
    from logistics.models import FulfillmentTask, TaskStatus

    # The open statuses named (not "all but shipped and cancelled"): a few rows off the (status, deadline)
    # index rather than a scan past every task ever shipped.
    done = {TaskStatus.SHIPPED, TaskStatus.CANCELLED}
    tasks = FulfillmentTask.objects.filter(status__in=[s for s in TaskStatus.values if s not in done])
    if not scope.provincial:
        tasks = tasks.filter(vendor__county_id__in=sorted(scope.county_codes or ()))
    return tasks.count()


SHIPPING_FIGURES = ("shipped", "shipped_on_time", "hub_shipped", "hub_on_time", "ship_seconds")


def shipped_per_day_table(*, period: Period, scope: Scope) -> Table:
    """Orders shipped per day of the period (every day, zeros included), on time and by the hub."""
    rollup: Any = ProvinceDay if scope.provincial else CountyDay
    sums = {
        row["day"]: _clean(row, SHIPPING_FIGURES)
        for row in _rollup(rollup, period, scope)
        .values("day")
        .annotate(**_sales_sums(SHIPPING_FIGURES))
        .order_by()
    }
    table = Table(
        slug="shipped-per-day",
        title=_("Shipped per day"),
        columns=[
            Column("date", _("Date"), DATE),
            Column("shipped", _("Shipped"), INT),
            Column("shipped_on_time", _("On time"), INT),
            Column("hub_shipped", _("By the hub"), INT),
            Column("on_time_rate", _("On-time rate"), RATE),
            Column("average_hours", _("Average hours to ship"), HOURS),
        ],
    )
    totals = _zeros(SHIPPING_FIGURES)
    for day in (period.date_from + timedelta(days=n) for n in range(period.days)):
        figures = sums.get(day, _zeros(SHIPPING_FIGURES))
        _add(totals, figures, SHIPPING_FIGURES)
        table.rows.append(
            {
                "date": day,
                **figures,
                "on_time_rate": rate(figures["shipped_on_time"], figures["shipped"]),
                "average_hours": _hours(figures["ship_seconds"], figures["shipped"]),
            }
        )
    table.totals = {
        "date": _("Total"),
        **totals,
        "on_time_rate": rate(totals["shipped_on_time"], totals["shipped"]),
        "average_hours": _hours(totals["ship_seconds"], totals["shipped"]),
    }
    return table


def logistics(*, period: Period, scope: Scope) -> Logistics:
    """Shipping in the period (from the rollups) and the fulfillment queue now (live)."""
    per_day = shipped_per_day_table(period=period, scope=scope)
    totals = per_day.totals or {}
    return Logistics(
        queue_depth=queue_depth(scope=scope),
        shipped=totals["shipped"],
        shipped_on_time=totals["shipped_on_time"],
        on_time_rate=totals["on_time_rate"],
        hub_shipped=totals["hub_shipped"],
        hub_on_time_rate=rate(totals["hub_on_time"], totals["hub_shipped"]),
        average_hours_to_ship=totals["average_hours"],
        shipped_per_day=per_day,
    )


# --- credit -------------------------------------------------------------------------------------------


@dataclass
class Credit:
    grades: dict[str, int] = field(default_factory=dict)  # "A".."D", and "" for shops not graded
    red_list: int = 0
    black_list: int = 0
    open_objections: int = 0
    table: Table | None = None


def _shops_in(scope: Scope) -> QuerySet[Any]:
    from vendors.models import Vendor

    shops = Vendor.objects.all()
    if not scope.provincial:
        shops = shops.filter(county_id__in=sorted(scope.county_codes or ()))
    return shops


def credit(*, scope: Scope) -> Credit:
    """Live credit figures of the shops in scope: grades of the shops that are not closed; identities (of any
    shop of the area, closed ones included) on the red and black lists; objections awaiting a decision."""
    from credit.models import CreditObjection, CreditScore, ObjectionStatus
    from vendors.models import VendorStatus

    shops = _shops_in(scope)
    counted = {
        row["credit_grade"]: row["n"]
        for row in shops.exclude(status=VendorStatus.CLOSED)
        .values("credit_grade")
        .annotate(n=Count("id"))
        .order_by()
    }
    grades = {grade: counted.get(grade, 0) for grade in GRADES}
    identities = shops.values("identity_hash")
    # Only listed scores are joined with the area's identities (a few hundred, off the list flags' indexes),
    # not every score of the province: 6 ms against 20 on 20,000 shops.
    listed = CreditScore.objects.filter(Q(red_list=True) | Q(black_list=True))
    lists = listed.filter(subject__identity_hash__in=identities).aggregate(
        red=Count("id", filter=Q(red_list=True)), black=Count("id", filter=Q(black_list=True))
    )
    objections = CreditObjection.objects.filter(
        status=ObjectionStatus.OPEN, record__subject__identity_hash__in=identities
    ).count()
    total = sum(grades.values())
    table = Table(
        slug="credit-grades",
        title=_("Credit grades of shops"),
        columns=[
            Column("grade", _("Grade")),
            Column("shops", _("Shops"), INT),
            Column("share", _("Share"), RATE),
        ],
        rows=[
            {
                "key": grade,
                "grade": grade or pgettext("credit grade", "ungraded"),
                "shops": grades[grade],
                "share": rate(grades[grade], total),
            }
            for grade in GRADES
        ],
        totals={"grade": _("Total"), "shops": total, "share": Decimal("1.0000") if total else None},
    )
    return Credit(
        grades=grades,
        red_list=lists["red"] or 0,
        black_list=lists["black"] or 0,
        open_objections=objections,
        table=table,
    )


# --- the summary of the API ---------------------------------------------------------------------------


def summary(*, period: Period, scope: Scope) -> dict[str, Any]:
    """The summary of API.md ("Dashboard"), money as strings with two places.

    ``refunds`` is the amount refunded in the period (a money string, reported beside GMV, not netted);
    ``refund_count`` is the number of refunds. ``vendors`` counts shops at ``date_to`` (openings minus
    closings), ``logistics.queued`` the fulfillment queue now, ``credit`` the grades of open shops now.
    Added keys: ``date_from``, ``date_to``, ``refund_count``, ``previous``, ``cross_border``,
    ``vendors.group_buy``, ``vendors.new``, ``credit.ungraded``, ``credit.red_list``, ``credit.black_list``,
    ``credit.open_objections``, ``logistics.average_hours_to_ship``.
    """
    from gansu_mall.core.money import format_money

    view = overview(period=period, scope=scope)
    figures = view.by_key
    shop_rows = {row["key"]: row for row in view.shops_by_type.rows}
    places = place_table(period=period, scope=scope, with_buyers=False)  # by_prefecture: GMV and orders
    categories = category_table(period=period, scope=scope)
    shipping = logistics(period=period, scope=scope)
    grades = credit(scope=scope)

    def money(key: str, which: str = "value") -> str:
        return format_money(getattr(figures[key], which))

    def fraction(value: Decimal | None) -> str | None:
        return None if value is None else f"{value:.4f}"

    return {
        "date_from": period.date_from.isoformat(),
        "date_to": period.date_to.isoformat(),
        "gmv": money("gmv"),
        "orders": figures["orders"].value,
        "buyers": figures["buyers"].value,
        "average_order_value": money("average_order_value"),
        "refunds": money("refund_amount"),
        "refund_count": figures["refunds"].value,
        "vendors": {
            "total": sum(shop_rows[t]["shops"] for t in VENDOR_TYPES),
            **{t: shop_rows[t]["shops"] for t in VENDOR_TYPES},
            "new": figures["new_shops"].value,
            "group_buy": figures["group_buy_shops"].value,
        },
        "by_prefecture": [
            {"code": r["code"], "name": r["name"], "gmv": format_money(r["gmv"]), "orders": r["orders"]}
            for r in places.rows
        ],
        "by_category": [
            {"slug": r["slug"], "name": r["name"], "gmv": format_money(r["gmv"]), "orders": r["orders"]}
            for r in categories.rows
        ],
        "poverty_relief": {
            "gmv": money("poverty_relief_gmv"),
            "orders": figures["poverty_relief_orders"].value,
        },
        "cross_border": {"gmv": money("cross_border_gmv"), "orders": figures["cross_border_orders"].value},
        "logistics": {
            "queued": shipping.queue_depth,
            "shipped": shipping.shipped,
            "on_time_rate": fraction(shipping.on_time_rate),
            "average_hours_to_ship": None
            if shipping.average_hours_to_ship is None
            else f"{shipping.average_hours_to_ship:.1f}",
        },
        "credit": {
            **{g: grades.grades[g] for g in ("A", "B", "C", "D")},
            "ungraded": grades.grades[""],
            "red_list": grades.red_list,
            "black_list": grades.black_list,
            "open_objections": grades.open_objections,
        },
        "previous": {
            "date_from": period.previous().date_from.isoformat(),
            "date_to": period.previous().date_to.isoformat(),
            "gmv": money("gmv", "previous"),
            "orders": figures["orders"].previous,
            "buyers": figures["buyers"].previous,
            "refunds": money("refund_amount", "previous"),
        },
    }


# --- tables by slug -----------------------------------------------------------------------------------

TABLE_SLUGS = (
    "prefectures",
    "places-<code>",
    "categories",
    "categories-<slug>",
    "products-<slug>",
    "top-products",
    "top-shops",
    "series-day",
    "series-week",
    "series-month",
    "shops-by-type",
    "destinations",
    "shipped-per-day",
    "credit-grades",
)


def table_for(*, slug: str, period: Period, scope: Scope) -> Table:
    """Any dashboard table by its stable slug (exports, the API); Http404 for an unknown slug."""
    if slug == "prefectures":
        return place_table(period=period, scope=scope)
    if slug.startswith("places-"):
        return place_table(period=period, scope=scope, code=slug.removeprefix("places-"))
    if slug == "categories":
        return category_table(period=period, scope=scope)
    if slug.startswith("categories-"):
        return category_table(period=period, scope=scope, slug=slug.removeprefix("categories-"))
    if slug.startswith("products-"):
        return product_table(period=period, scope=scope, slug=slug.removeprefix("products-"))
    if slug == "top-products":
        return top_table(period=period, scope=scope, what="products")
    if slug == "top-shops":
        return top_table(period=period, scope=scope, what="shops")
    if slug.startswith("series-"):
        return series_table(period=period, scope=scope, grain=slug.removeprefix("series-"))
    if slug == "shops-by-type":
        return overview(period=period, scope=scope).shops_by_type
    if slug == "destinations":
        return destinations_table(period=period, scope=scope)
    if slug == "shipped-per-day":
        return shipped_per_day_table(period=period, scope=scope)
    if slug == "credit-grades":
        table = credit(scope=scope).table
        if table is not None:
            return table
    raise Http404
