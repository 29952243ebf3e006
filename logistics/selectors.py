"""Reads of logistics: warehouses, the shipping-fee table, the quote of a parcel from the hub and the fee a
shop charges for what it ships itself.

The quote: ``first_fee`` covers the first ``first_weight_grams``; every further ``additional_unit_grams``
begun costs ``additional_fee``; chilled and frozen parcels add ``cold_chain_surcharge``, and go only where
the rate says a cold chain is available (409 ``cold_chain_unavailable`` elsewhere) and only with carriers
that run one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Min, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Batch, FulfilledBy, Sku, Storage
from gansu_mall.accounts.models import Role, User
from gansu_mall.core.errors import ApplicationError, ErrorCode, invalid
from gansu_mall.core.money import to_money
from gansu_mall.regions.models import Region
from logistics.carriers import carriers_for
from logistics.errors import LogisticsErrorCode
from logistics.models import (
    HUB_CODE,
    PRIORITY_CODES,
    Bin,
    FulfillmentTask,
    HubStock,
    InboundLine,
    InboundShipment,
    Pick,
    Shipment,
    ShipmentEvent,
    ShippingRate,
    ShopShippingRule,
    TaskEvent,
    TaskLine,
    TaskPriority,
    TaskStatus,
    Warehouse,
)
from vendors.models import Vendor
from vendors.selectors import membership_of, vendor_get_for_staff

MAX_WEIGHT_GRAMS = 1_000_000  # one tonne: beyond it, freight rather than parcels


@dataclass
class Quote:
    fee: Decimal
    carrier_options: list[dict[str, Any]] = field(default_factory=list)  # [{code, name, days}]
    remote: bool = False
    cold_chain: bool = False
    days: int = 0
    express_surcharge: Decimal = Decimal("0.00")  # added to ``fee`` for express delivery (picked first)
    province_code: str = ""
    warehouse_code: str = HUB_CODE


def warehouses_active() -> QuerySet[Warehouse]:
    return Warehouse.objects.filter(active=True).order_by("code")


def warehouse_get(*, code: str) -> Warehouse:
    """An active warehouse by code; 404 ``not_found`` otherwise."""
    warehouse = warehouses_active().filter(code=code).first()
    if warehouse is None:
        raise ApplicationError(code=ErrorCode.NOT_FOUND, message=_("Unknown warehouse."))
    return warehouse


def shipping_rates(*, warehouse_code: str | None = None) -> QuerySet[ShippingRate]:
    """The fee table, by warehouse then province code, with what lists and pages show (one query)."""
    rates = ShippingRate.objects.select_related("warehouse", "province").order_by(
        "warehouse__code", "province_id"
    )
    return rates if warehouse_code is None else rates.filter(warehouse__code=warehouse_code)


def shipping_rate_get(*, rate_id: int) -> ShippingRate | None:
    return shipping_rates().filter(pk=rate_id).first()


def _rate_for(*, warehouse_code: str, province_code: str) -> ShippingRate | None:
    return (
        ShippingRate.objects.select_related("warehouse")
        .filter(warehouse__code=warehouse_code, warehouse__active=True, province_id=province_code)
        .first()
    )


def parcel_fee(*, rate: ShippingRate, weight_grams: int, cold: bool) -> Decimal:
    """First weight, plus every begun additional unit, plus the cold chain surcharge when ``cold``."""
    extra = max(weight_grams - rate.first_weight_grams, 0)
    units = -(-extra // rate.additional_unit_grams)  # ceiling division, in integers
    fee = rate.first_fee + units * rate.additional_fee
    if cold:
        fee += rate.cold_chain_surcharge
    return to_money(fee)


def shipping_quote(
    *, province_code: str, weight_grams: int, storage: str, warehouse_code: str = HUB_CODE
) -> Quote:
    """The fee of one parcel of ``weight_grams`` from the warehouse to the province, and the carriers
    that may take it. 400 for an unknown province, a weight that is not positive or an unknown storage;
    409 ``cold_chain_unavailable`` for chilled or frozen goods to a province without cold chain."""
    errors: dict[str, list[str]] = {}
    if storage not in Storage.values:
        errors["storage"] = [_("Choose ambient, chilled or frozen.")]
    if isinstance(weight_grams, bool) or not isinstance(weight_grams, int) or weight_grams <= 0:
        errors["weight_grams"] = [_("Give the weight in grams, a whole number above 0.")]
    elif weight_grams > MAX_WEIGHT_GRAMS:
        errors["weight_grams"] = [
            _("At most %(grams)d grams per parcel.") % {"grams": MAX_WEIGHT_GRAMS},
        ]
    rate = _rate_for(warehouse_code=warehouse_code, province_code=str(province_code or "").strip())
    if rate is None:
        if not warehouses_active().filter(code=warehouse_code).exists():
            raise ApplicationError(code=ErrorCode.NOT_FOUND, message=_("Unknown warehouse."))
        errors["province_code"] = [_("Unknown province: give its six-digit code (e.g. 620000).")]
    if errors or rate is None:
        raise invalid(errors)
    cold = storage != Storage.AMBIENT
    if cold and not (rate.cold_chain_available and rate.warehouse.cold_chain):
        raise ApplicationError(
            code=LogisticsErrorCode.COLD_CHAIN_UNAVAILABLE,
            message=_("Chilled and frozen goods cannot be shipped to this province: it has no cold chain."),
        )
    options = [
        {"code": carrier.code, "name": carrier.display_name, "days": rate.days}
        for carrier in carriers_for(cold_chain=cold)
    ]
    return Quote(
        fee=parcel_fee(rate=rate, weight_grams=weight_grams, cold=cold),
        carrier_options=options,
        remote=rate.remote,
        cold_chain=cold,
        days=rate.days,
        express_surcharge=to_money(rate.express_surcharge),
        province_code=rate.province_id,
        warehouse_code=rate.warehouse.code,
    )


def flat_shipping_fee() -> Decimal:
    """The platform's fee for a shop without a rule of its own (``ORDER_FLAT_SHIPPING_FEE``)."""
    return to_money(settings.ORDER_FLAT_SHIPPING_FEE)


def shop_rule_get(*, vendor_id: int) -> ShopShippingRule | None:
    return ShopShippingRule.objects.filter(vendor_id=vendor_id).first()


def shop_shipping_fee(*, vendor_id: int, items_total: Decimal, province_code: str) -> Decimal:
    """What a shop charges for one order of SKUs it ships itself to the province.

    The shop's rule: its fee, nothing once ``items_total`` reaches ``free_over``; plus its remote-area
    surcharge where the hub's rate marks the province remote — free shipping excludes remote areas, as
    "包邮（偏远地区除外）" customarily does. Without a rule: the platform's flat fee. 400 for an unknown
    province.
    """
    code = str(province_code or "")
    remote = (
        ShippingRate.objects.filter(warehouse__code=HUB_CODE, province_id=code)
        .values_list("remote", flat=True)
        .first()
    )
    if remote is None:  # no hub rate for it: a province still, but not known to be remote
        if not Region.objects.filter(code=code, level="province").exists():
            raise invalid({"province_code": [_("Unknown province: give its six-digit code (e.g. 620000).")]})
        remote = False
    rule = shop_rule_get(vendor_id=vendor_id)
    if rule is None:
        return flat_shipping_fee()
    free = rule.free_over is not None and items_total >= rule.free_over
    fee = Decimal(0) if free else rule.fee
    if remote:
        fee += rule.remote_surcharge
    return to_money(fee)


# --- Inbound consignments and hub stock --------------------------------------------------------------


def _inbound() -> QuerySet[InboundShipment]:
    """Consignments with what lists and pages show: shop, warehouse, lines with SKU, product, lot and bin
    (two queries however many)."""
    lines = InboundLine.objects.select_related("sku__product", "batch", "bin").order_by("id")
    return InboundShipment.objects.select_related("vendor", "warehouse").prefetch_related(
        Prefetch("lines", queryset=lines)
    )


def is_warehouse_staff(*, user: User) -> bool:
    return bool(user.is_authenticated) and user.has_role(Role.WAREHOUSE)


def inbound_shipments_for_staff(*, user: User, slug: str) -> tuple[Vendor, QuerySet[InboundShipment]]:
    """A shop's consignments, newest first, for its staff; Http404 for anyone else."""
    vendor, _role = vendor_get_for_staff(user=user, slug=slug)
    return vendor, _inbound().filter(vendor=vendor).order_by("-created_at", "-id")


def inbound_shipments_for_warehouse(*, status: str | None = None) -> QuerySet[InboundShipment]:
    """Every consignment for warehouse staff: the oldest announced first (the order they arrive in)."""
    shipments = _inbound().order_by("created_at", "id")
    return shipments if status is None else shipments.filter(status=status)


def inbound_get_for_user(*, user: User, shipment_id: int) -> InboundShipment:
    """A consignment for warehouse staff or the staff of its shop; Http404 for anyone else."""
    shipment = _inbound().filter(pk=shipment_id).first()
    if shipment is None or not user.is_authenticated:
        raise Http404
    if is_warehouse_staff(user=user) or membership_of(user=user, vendor=shipment.vendor) is not None:
        return shipment
    raise Http404


def inbound_choices(*, vendor_id: int) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """For the announcement form: the shop's hub-fulfilled SKUs, and their lots that may still ship."""
    skus = Sku.objects.filter(vendor_id=vendor_id, fulfilled_by=FulfilledBy.HUB).select_related("product")
    lots = Batch.objects.filter(sku__vendor_id=vendor_id, sku__fulfilled_by=FulfilledBy.HUB, blocked=False)
    return (
        [(sku.pk, f"{sku.code} · {sku.product.name} {sku.spec}") for sku in skus.order_by("code")],
        [
            (lot.pk, f"{lot.trace_code} · {lot.sku.code}")
            for lot in lots.select_related("sku").order_by("sku__code", "-harvested_on", "-id")
        ],
    )


def warehouse_bins(*, warehouse_id: int) -> QuerySet[Bin]:
    return Bin.objects.filter(warehouse_id=warehouse_id).order_by("zone", "code")


def hub_stock_for_sku(*, sku_id: int, warehouse_code: str | None = None) -> QuerySet[HubStock]:
    """Where a SKU's units lie: rows with units, by warehouse, bin and lot."""
    rows = (
        HubStock.objects.select_related("warehouse", "bin", "batch")
        .filter(sku_id=sku_id, quantity__gt=0)
        .order_by("warehouse__code", "bin__code", "batch_id")
    )
    return rows if warehouse_code is None else rows.filter(warehouse__code=warehouse_code)


# --- The fulfillment queue and shipments --------------------------------------------------------------


def _tasks() -> QuerySet[FulfillmentTask]:
    """Tasks with what lists and pages show: warehouse, shop, worker, lines with their picks, bins and lots
    (three queries however many)."""
    picks = Pick.objects.select_related("bin", "batch").order_by("bin__code", "id")
    lines = (
        TaskLine.objects.select_related("sku")
        .prefetch_related(Prefetch("picks", queryset=picks))
        .order_by("id")
    )
    return FulfillmentTask.objects.select_related("warehouse", "vendor", "claimed_by").prefetch_related(
        Prefetch("lines", queryset=lines)
    )


def _require_warehouse(user: User) -> None:
    if not is_warehouse_staff(user=user):
        raise Http404


def tasks_for_warehouse(
    *, user: User, status: str | None = None, worker: User | None = None
) -> QuerySet[FulfillmentTask]:
    """The queue for warehouse staff, in the order it is worked (priority, then deadline); Http404 for
    anyone else. ``status`` filters, ``worker`` keeps that worker's tasks."""
    _require_warehouse(user)
    tasks = _tasks().order_by("priority", "deadline", "id")
    if status:
        tasks = tasks.filter(status=status)
    if worker is not None:
        tasks = tasks.filter(claimed_by=worker)
    return tasks


def task_get_for_staff(*, user: User, task_id: int) -> FulfillmentTask:
    """A task for warehouse staff; Http404 for anyone else (shop staff and buyers included)."""
    _require_warehouse(user)
    task = _tasks().filter(pk=task_id).first()
    if task is None:
        raise Http404
    return task


def task_pick_list(*, task: FulfillmentTask) -> list[Pick]:
    """The task's picks in walking order: by bin code, then line (uses the prefetched lines)."""
    picks = [pick for line in task.lines.all() for pick in line.picks.all()]
    for line in task.lines.all():
        for pick in line.picks.all():
            pick.line = line  # the prefetched line, with its SKU
    return sorted(picks, key=lambda pick: (pick.bin.code, pick.pk))


def task_events(*, task: FulfillmentTask) -> QuerySet[TaskEvent]:
    return TaskEvent.objects.filter(task=task).select_related("actor").order_by("created_at", "id")


@dataclass
class QueueSummary:
    depth: dict[str, int]  # queued tasks by priority code
    claimed: int
    exceptions: int
    at_risk: int
    overdue: int
    shipped_today: int
    oldest_deadline: Any = None


def queue_summary(*, warehouse_id: int, now: Any = None) -> QueueSummary:
    """What the console's header shows: queued tasks by priority, tasks being worked, exceptions waiting,
    tasks at risk or overdue (unshipped), shipped since midnight (two queries)."""
    moment = now or timezone.now()
    soon = moment + timedelta(minutes=settings.FULFILLMENT_AT_RISK_MINUTES)
    open_ = ~Q(status__in=[TaskStatus.SHIPPED, TaskStatus.CANCELLED])
    midnight = timezone.localtime(moment).replace(hour=0, minute=0, second=0, microsecond=0)
    tasks = FulfillmentTask.objects.filter(warehouse_id=warehouse_id)
    figures = tasks.aggregate(
        claimed=Count("pk", filter=Q(status__in=[TaskStatus.CLAIMED, TaskStatus.PICKED, TaskStatus.PACKED])),
        exceptions=Count("pk", filter=Q(status=TaskStatus.EXCEPTION)),
        overdue=Count("pk", filter=open_ & Q(deadline__lte=moment)),
        at_risk=Count("pk", filter=open_ & Q(deadline__gt=moment, deadline__lte=soon)),
        shipped_today=Count("pk", filter=Q(status=TaskStatus.SHIPPED, shipped_at__gte=midnight)),
        oldest_deadline=Min("deadline", filter=Q(status=TaskStatus.QUEUED)),
    )
    depth = {code: 0 for code in PRIORITY_CODES.values()}
    for priority, count in (
        tasks.filter(status=TaskStatus.QUEUED).values_list("priority").annotate(n=Count("pk")).order_by()
    ):
        depth[PRIORITY_CODES[TaskPriority(priority)]] = count
    return QueueSummary(depth=depth, **figures)


def tasks_at_risk(*, warehouse_id: int, now: Any = None, limit: int = 20) -> QuerySet[FulfillmentTask]:
    """Unshipped tasks past or near their deadline, the most urgent first."""
    moment = now or timezone.now()
    soon = moment + timedelta(minutes=settings.FULFILLMENT_AT_RISK_MINUTES)
    return (
        FulfillmentTask.objects.select_related("claimed_by", "vendor")
        .filter(warehouse_id=warehouse_id, deadline__lte=soon)
        .exclude(status__in=[TaskStatus.SHIPPED, TaskStatus.CANCELLED])
        .order_by("deadline", "id")[:limit]
    )


def shipments_for_orders(*, order_ids: list[int]) -> dict[int, Shipment]:
    """Each order's shipment with its tracking events, oldest first (two queries for any number)."""
    events = ShipmentEvent.objects.select_related("warehouse").order_by("occurred_at", "id")
    shipments = Shipment.objects.filter(order_ref__in=order_ids).prefetch_related(
        Prefetch("events", queryset=events)
    )
    return {shipment.order_ref: shipment for shipment in shipments}


def shipment_get_for_reporter(*, user: User, shipment_id: int) -> Shipment:
    """A shipment warehouse staff report events of; Http404 for anyone else."""
    _require_warehouse(user)
    shipment = Shipment.objects.filter(pk=shipment_id).first()
    if shipment is None:
        raise Http404
    return shipment


def shipment_by_tracking(*, carrier: str, tracking_number: str) -> Shipment | None:
    return Shipment.objects.filter(
        carrier=carrier, tracking_number=(tracking_number or "").strip().upper().replace(" ", "")
    ).first()


def task_deadline_for_order(*, order_ref: Any) -> Subquery:
    """The ship-by time of an order's fulfillment task (NULL when the hub ships none of it), as a subquery
    on ``order_ref`` (e.g. ``OuterRef("pk")``): orders' monthly platform-behaviour figures annotate their
    rows with it in one query, without logistics knowing orders."""
    return Subquery(FulfillmentTask.objects.filter(order_ref=order_ref).values("deadline")[:1])
