"""Filling the daily rollups from the raw data: all of them (``rollups_rebuild``), or the cells that changes
marked stale (``rollups_refresh``). Both go through the same window functions, so a refreshed cell equals a
rebuilt one.

Definitions (the dashboards' figures; days in the platform's time zone):
- sales: orders by the day they were **paid** (a group-buy order when its buyer paid), whatever became of
  them later; GMV is the sum of their ``total``; cross-border: the destination province is outside
  mainland China (``Region.outside_mainland``).
- refunds: money paid back, by the day it went back (``Refund.refunded_at``), beside GMV, not netted.
- shipments: orders by the day they were shipped; on time when shipped by their ship-by time
  (``orders.selectors.order_ship_by``: the hub's deadline, or the shop's ``CREDIT_SHIP_WITHIN_HOURS``);
  hub shipments are orders with a fulfillment task.
- places and vendor type: the shop's county, prefecture and type when the row was computed.
- categories: an order counts once in each category it bought from and in each of their ancestors; GMV of
  a category is the line totals of its goods.
- shops: opened (approved) and closed by day; applications submitted and decided by day.
"""

from __future__ import annotations

import io
import logging
import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    Sum,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from catalog.models import Category
from gansu_mall.core import rollups as topics
from gansu_mall.core.models import StaleRollup
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
from gansu_mall.regions.models import Region
from logistics.models import FulfillmentTask
from orders.models import Order, OrderItem, Refund
from orders.selectors import order_ship_by
from vendors.models import (
    ApplicationStep,
    StepAction,
    Vendor,
    VendorApplication,
    VendorStatus,
    VendorStatusChange,
)

logger = logging.getLogger(__name__)

LOCK_KEY = 0x6761_6E73_7531  # the advisory lock of rollup writers (one at a time)
BATCH = 5000
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Window:
    """Days ``first``..``last`` (local), optionally one shop's or one county's rows only."""

    first: date
    last: date
    vendor_id: int | None = None
    county_code: str | None = None

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time.min, tzinfo=timezone.get_default_timezone())

    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    @property
    def end(self) -> datetime:
        return datetime.combine(
            self.last + timedelta(days=1), time.min, tzinfo=timezone.get_default_timezone()
        )


def _day(field: str) -> TruncDate:
    return TruncDate(field, tzinfo=timezone.get_default_timezone())


def _in(window: Window, field: str, shop: str) -> Q:
    """Rows whose ``field`` instant falls in the window (and of its shop or county; ``shop`` is the path to
    the shop, e.g. ``"vendor"`` or ``"order__vendor"``)."""
    condition = Q(**{f"{field}__gte": window.start, f"{field}__lt": window.end})
    if window.vendor_id is not None:
        condition &= Q(**{f"{shop}_id": window.vendor_id})
    if window.county_code is not None:
        condition &= Q(**{f"{shop}__county_id": window.county_code})
    return condition


def _shop_attrs(shop: str) -> dict[str, F]:
    return {
        "shop": F(f"{shop}_id"),
        "shop_county": F(f"{shop}__county_id"),
        "shop_prefecture": F(f"{shop}__county__parent_id"),
        "shop_type": F(f"{shop}__vendor_type"),
    }


PLACE = ("shop", "shop_county", "shop_prefecture", "shop_type")


def _outside_mainland() -> list[str]:
    return list(Region.objects.filter(outside_mainland=True).values_list("code", flat=True))


def _seconds(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    return int(value) // 1_000_000  # a backend that sums durations as microseconds


# --- per shop and day ------------------------------------------------------------------------------------


def shop_rows(window: Window) -> list[dict[str, Any]]:
    """ShopDay rows of the window: sales by payment day, refunds by refund day, shipments by shipping day."""
    outside = _outside_mainland()
    cells: dict[tuple[date, int], dict[str, Any]] = {}

    def cell(row: dict[str, Any]) -> dict[str, Any]:
        key = (row["day"], row["shop"])
        if key not in cells:
            cells[key] = {
                "day": row["day"],
                "vendor_id": row["shop"],
                "county_code": row["shop_county"],
                "prefecture_code": row["shop_prefecture"] or "",
                "vendor_type": row["shop_type"],
                "poverty_relief": bool(row["poverty_relief"]),
                **{name: ZERO if name in MONEY_FIELDS else 0 for name in SALES_FIELDS},
            }
        return cells[key]

    attrs = {**_shop_attrs("vendor"), "poverty_relief": F("vendor__county__poverty_relief")}
    places = (*PLACE, "poverty_relief")
    paid = (
        Order.objects.filter(_in(window, "paid_at", "vendor"))
        .annotate(day=_day("paid_at"), **attrs)
        .values("day", *places)
        .annotate(
            n=Count("id"),
            gmv=Sum("total"),
            items=Sum("items_total"),
            groups=Count("id", filter=Q(group__isnull=False)),
            cb=Count("id", filter=Q(province_code__in=outside)),
            cb_gmv=Sum("total", filter=Q(province_code__in=outside)),
        )
        .order_by()
    )
    for row in paid:
        target = cell(row)
        target.update(
            orders=row["n"],
            gmv=row["gmv"],
            items_total=row["items"],
            group_orders=row["groups"],
            cross_border_orders=row["cb"],
            cross_border_gmv=row["cb_gmv"] or ZERO,
        )
    refund_attrs = {
        **_shop_attrs("order__vendor"),
        "poverty_relief": F("order__vendor__county__poverty_relief"),
    }
    refunds = (
        Refund.objects.filter(_in(window, "refunded_at", "order__vendor"))
        .annotate(day=_day("refunded_at"), **refund_attrs)
        .values("day", *places)
        .annotate(n=Count("id"), amount=Sum("amount"))
        .order_by()
    )
    for row in refunds:
        cell(row).update(refunds=row["n"], refund_amount=row["amount"])
    late = Q(shipped_at__lte=F("ship_by"))
    shipped = (
        Order.objects.filter(_in(window, "shipped_at", "vendor"))
        .annotate(
            day=_day("shipped_at"),
            **attrs,
            ship_by=order_ship_by(),
            hub=Exists(FulfillmentTask.objects.filter(order_ref=OuterRef("pk"))),
        )
        .values("day", *places)
        .annotate(
            n=Count("id"),
            on_time=Count("id", filter=late),
            hub_n=Count("id", filter=Q(hub=True)),
            hub_on_time=Count("id", filter=Q(hub=True) & late),
            time=Sum(ExpressionWrapper(F("shipped_at") - F("paid_at"), output_field=DurationField())),
        )
        .order_by()
    )
    for row in shipped:
        cell(row).update(
            shipped=row["n"],
            shipped_on_time=row["on_time"],
            hub_shipped=row["hub_n"],
            hub_on_time=row["hub_on_time"],
            ship_seconds=_seconds(row["time"]),
        )
    return list(cells.values())


def buyer_rows(window: Window) -> list[dict[str, Any]]:
    rows = (
        Order.objects.filter(_in(window, "paid_at", "vendor"))
        .annotate(day=_day("paid_at"), **_shop_attrs("vendor"))
        .values("day", *PLACE, "buyer_id")
        .distinct()
        .order_by()
    )
    return [
        {
            "day": row["day"],
            "vendor_id": row["shop"],
            "county_code": row["shop_county"],
            "prefecture_code": row["shop_prefecture"] or "",
            "vendor_type": row["shop_type"],
            "buyer_id": row["buyer_id"],
        }
        for row in rows
    ]


def month_of(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def bitmap(ids: Iterable[int]) -> bytes:
    """The ids as a little-endian bitmap (bit n of byte n // 8 … set for id n), without trailing zero bytes:
    the same set always gives the same bytes."""
    ids = list(ids)
    if not ids:
        return b""
    bits = bytearray(max(ids) // 8 + 1)
    for n in ids:
        bits[n >> 3] |= 1 << (n & 7)
    return bytes(bits).rstrip(b"\0")


def buyer_month_rows(month: date, buyers: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """BuyerMonth rows of ``month`` from all of its BuyerDay rows (dicts with buyer_id and prefecture_code):
    one for the province and one for each prefecture with a buyer."""
    by_area: dict[str, set[int]] = defaultdict(set)
    for row in buyers:
        by_area[""].add(row["buyer_id"])
        by_area[row["prefecture_code"]].add(row["buyer_id"])
    return [
        {"month": month, "prefecture_code": area, "buyers": bitmap(ids), "count": len(ids)}
        for area, ids in sorted(by_area.items())
    ]


def _bits(value: int) -> bytes:
    """An int's bits as ``bitmap`` writes them (little-endian, no trailing zero bytes)."""
    return value.to_bytes((value.bit_length() + 7) // 8, "little")


def buyer_day_set_rows(buyers: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """BuyerDaySet rows from BuyerDay rows (dicts with day, prefecture_code and buyer_id): for each day, one
    for the province and one for each prefecture with a buyer."""
    by_cell: dict[tuple[date, str], set[int]] = defaultdict(set)
    for row in buyers:
        by_cell[(row["day"], "")].add(row["buyer_id"])
        by_cell[(row["day"], row["prefecture_code"])].add(row["buyer_id"])
    return [
        {"day": day, "prefecture_code": area, "buyers": zlib.compress(bitmap(ids)), "count": len(ids)}
        for (day, area), ids in sorted(by_cell.items())
    ]


def buyer_sets_refresh(days: Iterable[date]) -> None:
    """The BuyerDaySet rows of these days again, from their BuyerDay rows as they are now, and then the
    BuyerMonth rows of their months."""
    days = sorted(set(days))
    if not days:
        return
    BuyerDaySet.objects.filter(day__in=days).delete()
    triples = (
        BuyerDay.objects.filter(day__in=days)
        .values_list("day", "prefecture_code", "buyer_id")
        .distinct()
        .order_by()
    )
    sql, params = triples.query.sql_with_params()
    with connection.cursor() as cursor:  # fetched whole (the ORM's iterator was slower)
        cursor.execute(sql, params)
        rows = [
            {"day": _as_day(day), "prefecture_code": area, "buyer_id": buyer}
            for day, area, buyer in cursor.fetchall()
        ]
    _insert(BuyerDaySet, buyer_day_set_rows(rows))
    buyer_months_refresh({month_of(day) for day in days})


def _as_day(value: Any) -> date:
    """A date column's value (SQLite's raw cursor returns the text)."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def buyer_months_refresh(months: Iterable[date]) -> None:
    """The BuyerMonth rows of these months again: for each area, the OR of its BuyerDaySet bitmaps of the
    month."""
    for month in sorted(set(months)):
        BuyerMonth.objects.filter(month=month).delete()
        by_area: dict[str, int] = defaultdict(int)
        for area, blob in BuyerDaySet.objects.filter(day__gte=month, day__lt=next_month(month)).values_list(
            "prefecture_code", "buyers"
        ):
            by_area[area] |= int.from_bytes(zlib.decompress(blob), "little")
        _insert(
            BuyerMonth,
            [
                {"month": month, "prefecture_code": area, "buyers": _bits(bits), "count": bits.bit_count()}
                for area, bits in sorted(by_area.items())
                if bits
            ],
        )


# The province's sums of county tables, by day: (county table, province table, keys, summed columns).
PROVINCE_DAILY = (
    (CountyDay, ProvinceDay, ("vendor_type", "poverty_relief"), SALES_FIELDS),
    (DestinationDay, ProvinceDestinationDay, ("province_code",), ("orders", "gmv")),
    (ApplicationDay, ProvinceApplicationDay, (), ("submitted", "approved", "rejected", "approval_seconds")),
    (CategoryDay, ProvinceCategoryDay, ("category_id", "parent_id"), ("orders", "gmv", "quantity")),
)


def province_days_refresh(days: Iterable[date]) -> dict[str, int]:
    """The province's rows of these days (the tables of PROVINCE_DAILY) again, as the sums of their county
    rows as they are now. Returns the rows written per table."""
    days = sorted(set(days))
    written: dict[str, int] = {}
    for county_model, province_model, keys, names in PROVINCE_DAILY:
        province_model.objects.filter(day__in=days).delete()
        rows = (
            county_model.objects.filter(day__in=days)
            .values("day", *keys)
            .annotate(**{f"{name}__sum": Sum(name) for name in names})
            .order_by()
        )
        written[province_model.__name__] = _insert(
            province_model,
            [
                {"day": row["day"], **{key: row[key] for key in keys}, **{n: row[f"{n}__sum"] for n in names}}
                for row in rows
            ],
        )
    return written


# The monthly sums of the daily tables: (day table, month table, the columns a cell is keyed by, the summed).
MONTHLY = (
    (
        CountyDay,
        CountyMonth,
        ("county_code", "prefecture_code", "vendor_type", "poverty_relief"),
        SALES_FIELDS,
    ),
    (
        DestinationDay,
        DestinationMonth,
        ("county_code", "prefecture_code", "province_code"),
        ("orders", "gmv"),
    ),
    (
        CategoryDay,
        CategoryMonth,
        ("county_code", "prefecture_code", "vendor_type", "category_id", "parent_id"),
        ("orders", "gmv", "quantity"),
    ),
)


def monthly_refresh(month: date, county_code: str | None = None) -> dict[str, int]:
    """The month tables (CountyMonth, DestinationMonth, CategoryMonth) of ``month`` (of one county, or all)
    again, as the sums of their day rows as they are now. Returns the rows written per table."""
    written: dict[str, int] = {}
    for day_model, month_model, keys, names in MONTHLY:
        place = {} if county_code is None else {"county_code": county_code}
        month_model.objects.filter(month=month, **place).delete()
        rows = (
            day_model.objects.filter(day__gte=month, day__lt=next_month(month), **place)
            .values(*keys)
            .annotate(**{f"{name}__sum": Sum(name) for name in names})
            .order_by()
        )
        written[month_model.__name__] = _insert(
            month_model,
            [
                {"month": month, **{key: row[key] for key in keys}, **{n: row[f"{n}__sum"] for n in names}}
                for row in rows
            ],
        )
    return written


def product_rows(window: Window) -> list[dict[str, Any]]:
    rows = (
        OrderItem.objects.filter(_in(window, "order__paid_at", "order__vendor"))
        .annotate(day=_day("order__paid_at"), **_shop_attrs("order__vendor"))
        .values("day", *PLACE, "product_id", "product__category_id")
        .annotate(n=Count("order_id", distinct=True), gmv=Sum("line_total"), quantity=Sum("quantity"))
        .order_by()
    )
    return [
        {
            "day": row["day"],
            "product_id": row["product_id"],
            "vendor_id": row["shop"],
            "county_code": row["shop_county"],
            "prefecture_code": row["shop_prefecture"] or "",
            "vendor_type": row["shop_type"],
            "category_id": row["product__category_id"],
            "orders": row["n"],
            "gmv": row["gmv"],
            "quantity": row["quantity"],
        }
        for row in rows
    ]


# --- per county and day ----------------------------------------------------------------------------------


def county_rows(shops: Iterable[dict[str, Any]], buyers: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """CountyDay rows: the sums of the shops' rows by county and vendor type, with the distinct buyers."""
    poverty = dict(Region.objects.filter(poverty_relief=True).values_list("code", "poverty_relief"))
    cells: dict[tuple[date, str, str], dict[str, Any]] = {}
    for row in shops:
        key = (row["day"], row["county_code"], row["vendor_type"])
        if key not in cells:
            cells[key] = {
                "day": row["day"],
                "county_code": row["county_code"],
                "prefecture_code": row["prefecture_code"],
                "vendor_type": row["vendor_type"],
                "poverty_relief": poverty.get(row["county_code"], False),
                "buyers": 0,
                "group_shops": 0,
                **{name: ZERO if name in MONEY_FIELDS else 0 for name in SALES_FIELDS},
            }
        target = cells[key]
        for name in SALES_FIELDS:
            target[name] += row[name]
        target["group_shops"] += 1 if row["group_orders"] else 0
    distinct: dict[tuple[date, str, str], set[int]] = defaultdict(set)
    for row in buyers:
        distinct[(row["day"], row["county_code"], row["vendor_type"])].add(row["buyer_id"])
    for key, people in distinct.items():
        if key in cells:
            cells[key]["buyers"] = len(people)
    return list(cells.values())


def destination_rows(window: Window) -> list[dict[str, Any]]:
    outside = set(_outside_mainland())
    rows = (
        Order.objects.filter(_in(window, "paid_at", "vendor"))
        .annotate(day=_day("paid_at"), **_shop_attrs("vendor"))
        .values("day", "shop_county", "shop_prefecture", "shop_type", "province_code")
        .annotate(n=Count("id"), gmv=Sum("total"))
        .order_by()
    )
    return [
        {
            "day": row["day"],
            "county_code": row["shop_county"],
            "prefecture_code": row["shop_prefecture"] or "",
            "vendor_type": row["shop_type"],
            "province_code": row["province_code"],
            "outside_mainland": row["province_code"] in outside,
            "orders": row["n"],
            "gmv": row["gmv"],
        }
        for row in rows
    ]


def _lineage() -> dict[int, list[int]]:
    """Each category's id with its ancestors' (self first), from the tree as it is now."""
    parent = dict(Category.objects.values_list("id", "parent_id"))
    lineage: dict[int, list[int]] = {}
    for category_id in parent:
        chain, current = [], category_id
        while current is not None and current not in chain:
            chain.append(current)
            current = parent.get(current)
        lineage[category_id] = chain
    return lineage


def category_rows(window: Window) -> list[dict[str, Any]]:
    """CategoryDay rows: per order and category bought from, rolled up to every ancestor, the order counted
    once per category."""
    lineage = _lineage()
    parent = {chain[0]: (chain[1] if len(chain) > 1 else None) for chain in lineage.values()}
    lines = (
        OrderItem.objects.filter(_in(window, "order__paid_at", "order__vendor"))
        .annotate(day=_day("order__paid_at"), **_shop_attrs("order__vendor"))
        .values_list("day", "shop_county", "shop_prefecture", "shop_type", "order_id", "product__category_id")
        .annotate(gmv=Sum("line_total"), quantity=Sum("quantity"))
        .order_by("order_id")
    )
    cells: dict[tuple[date, str, str, int], dict[str, Any]] = {}
    current_order, seen = None, set()
    for day, county, prefecture, vendor_type, order_id, category_id, gmv, quantity in lines.iterator(
        chunk_size=BATCH
    ):
        if order_id != current_order:
            current_order, seen = order_id, set()
        for ancestor in lineage.get(category_id, [category_id]):
            key = (day, county, vendor_type, ancestor)
            if key not in cells:
                cells[key] = {
                    "day": day,
                    "county_code": county,
                    "prefecture_code": prefecture or "",
                    "vendor_type": vendor_type,
                    "category_id": ancestor,
                    "parent_id": parent.get(ancestor),
                    "orders": 0,
                    "gmv": ZERO,
                    "quantity": 0,
                }
            target = cells[key]
            target["gmv"] += gmv
            target["quantity"] += quantity
            if ancestor not in seen:
                seen.add(ancestor)
                target["orders"] += 1
    return list(cells.values())


# --- shops and applications ------------------------------------------------------------------------------


def shop_change_rows(window: Window) -> list[dict[str, Any]]:
    cells: dict[tuple[date, str, str], dict[str, Any]] = {}

    def add(rows: Iterable[dict[str, Any]], name: str) -> None:
        for row in rows:
            key = (row["day"], row["county_code"], row["vendor_type"])
            target = cells.setdefault(
                key,
                {
                    "day": row["day"],
                    "county_code": row["county_code"],
                    "prefecture_code": row["prefecture_code"] or "",
                    "vendor_type": row["vendor_type"],
                    "opened": 0,
                    "closed": 0,
                    "reopened": 0,
                },
            )
            target[name] += row["n"]

    place = ("day", "county_code", "prefecture_code", "vendor_type")
    add(
        Vendor.objects.filter(created_at__gte=window.start, created_at__lt=window.end)
        .annotate(day=_day("created_at"), county_code=F("county_id"), prefecture_code=F("county__parent_id"))
        .values(*place)
        .annotate(n=Count("id"))
        .order_by(),
        "opened",
    )
    changes = VendorStatusChange.objects.filter(
        created_at__gte=window.start, created_at__lt=window.end
    ).annotate(
        day=_day("created_at"),
        county_code=F("vendor__county_id"),
        prefecture_code=F("vendor__county__parent_id"),
        vendor_type=F("vendor__vendor_type"),
    )
    add(
        changes.filter(to_status=VendorStatus.CLOSED).values(*place).annotate(n=Count("id")).order_by(),
        "closed",
    )
    add(
        changes.filter(from_status=VendorStatus.CLOSED).values(*place).annotate(n=Count("id")).order_by(),
        "reopened",
    )
    return list(cells.values())


def application_rows(window: Window) -> list[dict[str, Any]]:
    cells: dict[tuple[date, str, str], dict[str, Any]] = {}
    place = ("day", "county_code", "prefecture_code", "vendor_type")

    def target(row: dict[str, Any]) -> dict[str, Any]:
        key = (row["day"], row["county_code"], row["vendor_type"])
        return cells.setdefault(
            key,
            {
                "day": row["day"],
                "county_code": row["county_code"],
                "prefecture_code": row["prefecture_code"] or "",
                "vendor_type": row["vendor_type"],
                "submitted": 0,
                "approved": 0,
                "rejected": 0,
                "approval_seconds": 0,
            },
        )

    submitted = (
        VendorApplication.objects.filter(created_at__gte=window.start, created_at__lt=window.end)
        .annotate(day=_day("created_at"), county_code=F("county_id"), prefecture_code=F("county__parent_id"))
        .values(*place)
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in submitted:
        target(row)["submitted"] = row["n"]
    steps = (
        ApplicationStep.objects.filter(
            created_at__gte=window.start,
            created_at__lt=window.end,
            action__in=[StepAction.APPROVE, StepAction.REJECT],
        )
        .annotate(
            day=_day("created_at"),
            county_code=F("application__county_id"),
            prefecture_code=F("application__county__parent_id"),
            vendor_type=F("application__vendor_type"),
        )
        .values(*place, "action")
        .annotate(
            n=Count("id"),
            time=Sum(
                ExpressionWrapper(
                    F("created_at") - F("application__created_at"), output_field=DurationField()
                )
            ),
        )
        .order_by()
    )
    for row in steps:
        if row["action"] == StepAction.APPROVE:
            target(row).update(approved=row["n"], approval_seconds=_seconds(row["time"]))
        else:
            target(row)["rejected"] = row["n"]
    return list(cells.values())


# --- writing ---------------------------------------------------------------------------------------------


def _lock() -> None:
    """One rollup writer at a time (a rebuild and the refreshes of neighbouring cells would race on the
    county rows); SQLite serializes writers by itself."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def _insert(model: type, rows: list[dict[str, Any]]) -> int:
    """Write rows (dicts by attribute name): COPY on PostgreSQL (a rebuild writes millions), else in batches."""
    if not rows:
        return 0
    if connection.vendor == "postgresql":
        _copy(model, rows)
        return len(rows)
    for start in range(0, len(rows), BATCH):
        model.objects.bulk_create([model(**row) for row in rows[start : start + BATCH]])
    return len(rows)


def _copy_value(value: Any) -> str:
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, bytes | memoryview):
        return "\\\\x" + bytes(value).hex()  # bytea's hex form, its backslash escaped for COPY's text format
    text = value.isoformat() if isinstance(value, date) else str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy(model: type, rows: list[dict[str, Any]]) -> None:
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]  # type: ignore[attr-defined]
    defaults = {field.attname: field.get_default() for field in fields}
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(_copy_value(row.get(f.attname, defaults[f.attname])) for f in fields))
        buffer.write("\n")
    buffer.seek(0)
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    table = connection.ops.quote_name(model._meta.db_table)  # type: ignore[attr-defined]
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", buffer)


def _months(first: date, last: date) -> Iterator[Window]:
    start = first
    while start <= last:
        following = next_month(start)
        yield Window(start, min(last, following - timedelta(days=1)))
        start = following


def _first_day() -> date | None:
    candidates = [
        Order.objects.aggregate(first=Min("paid_at"))["first"],
        Vendor.objects.aggregate(first=Min("created_at"))["first"],
        VendorApplication.objects.aggregate(first=Min("created_at"))["first"],
    ]
    days = [timezone.localdate(value) for value in candidates if value is not None]
    return min(days) if days else None


ROLLUPS = (
    ShopDay,
    CountyDay,
    ProvinceDay,
    BuyerDay,
    BuyerDaySet,
    BuyerMonth,
    CountyMonth,
    DestinationDay,
    ProvinceDestinationDay,
    DestinationMonth,
    CategoryDay,
    ProvinceCategoryDay,
    CategoryMonth,
    ProductDay,
    ShopChangeDay,
    ApplicationDay,
    ProvinceApplicationDay,
)


def rollups_rebuild(*, today: date | None = None) -> dict[str, int]:
    """Every rollup again from the raw data, in one transaction (readers see the old figures until it
    commits). Marks written before it started are settled by it. Returns the rows written per table."""
    today = today or timezone.localdate()
    written: dict[str, int] = {model.__name__: 0 for model in ROLLUPS}
    with transaction.atomic():
        _lock()
        last_mark = StaleRollup.objects.order_by("-id").values_list("id", flat=True).first()
        for model in ROLLUPS:
            model.objects.all().delete()
        first = _first_day()
        if first is not None:
            # Events dated after today (clock skew) still count: the last window runs a day past today.
            for window in _months(first, today + timedelta(days=1)):
                shops = shop_rows(window)
                buyers = buyer_rows(window)
                written["ShopDay"] += _insert(ShopDay, shops)
                written["BuyerDay"] += _insert(BuyerDay, buyers)
                # The windows are calendar months (or the start of one): each BuyerMonth from its window.
                written["BuyerMonth"] += _insert(BuyerMonth, buyer_month_rows(month_of(window.first), buyers))
                written["BuyerDaySet"] += _insert(BuyerDaySet, buyer_day_set_rows(buyers))
                written["CountyDay"] += _insert(CountyDay, county_rows(shops, buyers))
                written["DestinationDay"] += _insert(DestinationDay, destination_rows(window))
                written["CategoryDay"] += _insert(CategoryDay, category_rows(window))
                written["ProductDay"] += _insert(ProductDay, product_rows(window))
                written["ShopChangeDay"] += _insert(ShopChangeDay, shop_change_rows(window))
                written["ApplicationDay"] += _insert(ApplicationDay, application_rows(window))
                for name, rows in province_days_refresh(window.days()).items():
                    written[name] += rows
                for name, rows in monthly_refresh(month_of(window.first)).items():
                    written[name] += rows
        if last_mark is not None:
            StaleRollup.objects.filter(id__lte=last_mark).delete()
    _analyze()
    return written


def _analyze() -> None:
    """Fresh planner statistics of the rollup tables (PostgreSQL): a rebuild replaces every row at once, and
    until autovacuum gets round to them the planner would take the tables' old sizes and choose plans a
    hundred times slower (a nested loop over a year of rows it expected to be a few thousand). Outside a
    transaction also VACUUM, so that the covering indexes are read without visiting the table."""
    if connection.vendor != "postgresql":
        return
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
    with connection.cursor() as cursor:
        for model in ROLLUPS:
            cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")  # type: ignore[attr-defined]


def _refresh_shop_day(day: date, vendor_id: int) -> None:
    window = Window(day, day, vendor_id=vendor_id)
    ShopDay.objects.filter(day=day, vendor_id=vendor_id).delete()
    BuyerDay.objects.filter(day=day, vendor_id=vendor_id).delete()
    ProductDay.objects.filter(day=day, vendor_id=vendor_id).delete()
    _insert(ShopDay, shop_rows(window))
    _insert(BuyerDay, buyer_rows(window))
    _insert(ProductDay, product_rows(window))
    county = Vendor.objects.filter(pk=vendor_id).values_list("county_id", flat=True).first()
    if county is None:
        return
    # The county's rows of the day, from its shops' rows (this shop's fresh, the others' as they are).
    county_window = Window(day, day, county_code=county)
    CountyDay.objects.filter(day=day, county_code=county).delete()
    DestinationDay.objects.filter(day=day, county_code=county).delete()
    CategoryDay.objects.filter(day=day, county_code=county).delete()
    shops = list(ShopDay.objects.filter(day=day, county_code=county).values())
    buyers = list(BuyerDay.objects.filter(day=day, county_code=county).values())
    _insert(CountyDay, county_rows(shops, buyers))
    _insert(DestinationDay, destination_rows(county_window))
    _insert(CategoryDay, category_rows(county_window))
    monthly_refresh(month_of(day), county)


def _refresh_whole_day(model: type, rows: Any, day: date) -> None:
    model.objects.filter(day=day).delete()
    _insert(model, rows(Window(day, day)))


def rollups_refresh(*, limit: int = 500) -> int:
    """Recompute the cells marked stale, ``limit`` marks per transaction, until none is left. Returns the
    number of cells recomputed. Safe to run concurrently and again (a cell is recomputed from the raw data,
    never incremented)."""
    done = 0
    while True:
        with transaction.atomic():
            _lock()
            marks = list(StaleRollup.objects.order_by("id").values_list("id", "topic", "day", "key")[:limit])
            if not marks:
                return done
            cells = {(topic, day, key) for _, topic, day, key in marks}
            shop_days: set[date] = set()
            province_days: set[date] = set()
            for topic, day, key in sorted(cells):
                if topic == topics.SHOP:
                    _refresh_shop_day(day, key)
                    shop_days.add(day)
                elif topic == topics.SHOPS:
                    _refresh_whole_day(ShopChangeDay, shop_change_rows, day)
                elif topic == topics.APPLICATIONS:
                    _refresh_whole_day(ApplicationDay, application_rows, day)
                    province_days.add(day)
                else:
                    logger.warning("rollups: unknown topic %r marked stale; ignored", topic)
            # Once per day touched, after all of its counties: the province's rows and the buyers' bitmaps.
            province_days_refresh(shop_days | province_days)
            buyer_sets_refresh(shop_days)
            StaleRollup.objects.filter(id__in=[mark[0] for mark in marks]).delete()
            done += len(cells)
