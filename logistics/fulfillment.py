"""Writes of the fulfillment queue: a paid order's hub lines become a task; warehouse workers claim the next
task (``SELECT … FOR UPDATE SKIP LOCKED``, by priority then deadline), pick it from the bins the claim chose
(first expiry first out), pack it, ship it; exceptions go to the warehouse lead, who puts the task back in the
queue or cancels it. Claims expire when a worker goes quiet; a beat task flags tasks at risk of missing their
deadline and overdue ones.

Logistics knows no orders: a task carries the order's id and number and a copy of its lines and destination
(``OrderToShip``). What the hub did reaches the order through orders' own services (orders.services.
fulfillment), which call these in the same transaction.

Stock: the SKU's sellable stock (catalog) already left when the order was placed; the units stay on the hub
stock rows until the parcel ships. A claim holds them (``HubStock.allocated``) for its picks; shipping takes
them off the rows and off their lots; releasing, expiring or cancelling gives the hold back. Units found
missing or damaged leave both the row and the SKU's sellable stock.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, prefetch_related_objects
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from catalog.models import Batch, Storage
from catalog.services import hub_stock_remove
from gansu_mall.accounts.models import Role, User
from gansu_mall.core.errors import ApplicationError, ErrorCode, invalid
from gansu_mall.notifications.services import notify
from logistics.carriers import validate_tracking
from logistics.errors import LogisticsErrorCode
from logistics.models import (
    HUB_CODE,
    Bin,
    ExceptionKind,
    FulfillmentTask,
    HubStock,
    Pick,
    Shipment,
    ShipmentEvent,
    ShipmentStatus,
    TaskEvent,
    TaskLine,
    TaskPriority,
    TaskStatus,
    Warehouse,
)

S = TaskStatus
ACTIVE = (S.CLAIMED, S.PICKED, S.PACKED)  # held by a worker
OPEN = (S.QUEUED, S.CLAIMED, S.PICKED, S.PACKED, S.EXCEPTION)  # not yet shipped or cancelled
MAX_SKIPS = 20  # tasks one claim may set aside for lack of stock before it gives up
MAX_WEIGHT_GRAMS = 1_000_000
MAX_PACKAGES = 50
COLD = (Storage.CHILLED, Storage.FROZEN)


# --- What orders hand over ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineToShip:
    order_item_id: int
    sku_id: int
    quantity: int
    product_name: str
    spec: str
    storage: str = Storage.AMBIENT


@dataclass(frozen=True)
class OrderToShip:
    order_id: int
    number: str
    vendor_id: int
    paid_at: datetime
    recipient: str
    phone: str
    province_code: str
    address_detail: str
    lines: list[LineToShip] = field(default_factory=list)
    city_code: str = ""
    county_code: str = ""
    note: str = ""
    express: bool = False


@dataclass(frozen=True)
class ShippedLot:
    """Units of an order line that left in the parcel from one lot (for orders to record)."""

    order_item_id: int
    batch_id: int
    quantity: int


def sla_hours(priority: int) -> int:
    hours: dict[int, int] = {
        TaskPriority.EXPRESS: settings.FULFILLMENT_SLA_HOURS_EXPRESS,
        TaskPriority.COLD_CHAIN: settings.FULFILLMENT_SLA_HOURS_COLD_CHAIN,
    }
    return hours.get(priority, settings.FULFILLMENT_SLA_HOURS)


def _hub() -> Warehouse:
    return Warehouse.objects.get(code=HUB_CODE)


def task_create(*, order: OrderToShip, warehouse: Warehouse | None = None) -> FulfillmentTask:
    """Queue a paid order's hub lines (inside the caller's transaction, with the order's change).
    Express orders go first, then those with chilled or frozen goods, then the rest; the deadline is the
    SLA of that priority after payment. Once per order: a second call returns the first task."""
    existing = FulfillmentTask.objects.filter(order_ref=order.order_id).first()
    if existing is not None:
        return existing
    if not order.lines:
        raise invalid({"lines": [_("An order without hub lines has nothing to fulfil.")]})
    cold = [line.storage for line in order.lines if line.storage in COLD]
    storage = Storage.FROZEN if Storage.FROZEN in cold else (Storage.CHILLED if cold else Storage.AMBIENT)
    if order.express:
        priority = TaskPriority.EXPRESS
    elif cold:
        priority = TaskPriority.COLD_CHAIN
    else:
        priority = TaskPriority.STANDARD
    task = FulfillmentTask.objects.create(
        warehouse=warehouse or _hub(),
        order_ref=order.order_id,
        order_number=order.number,
        vendor_id=order.vendor_id,
        priority=priority,
        storage=storage,
        paid_at=order.paid_at,
        deadline=order.paid_at + timedelta(hours=sla_hours(priority)),
        recipient=order.recipient,
        phone=order.phone,
        province_code=order.province_code,
        city_code=order.city_code,
        county_code=order.county_code,
        address_detail=order.address_detail,
        note=order.note[:200],
    )
    TaskLine.objects.bulk_create(
        [
            TaskLine(
                task=task,
                order_item_ref=line.order_item_id,
                sku_id=line.sku_id,
                product_name=line.product_name[:80],
                spec=line.spec[:60],
                quantity=line.quantity,
            )
            for line in order.lines
        ]
    )
    TaskEvent.objects.create(task=task, to_status=S.QUEUED, note=gettext_noop("order paid"))
    return task


# --- Permissions and transitions --------------------------------------------------------------------------


def _require_staff(actor: User) -> None:
    if not (actor.is_authenticated and actor.has_role(Role.WAREHOUSE)):
        raise ApplicationError(
            code=ErrorCode.PERMISSION_DENIED, message=_("Only warehouse staff work the fulfillment queue.")
        )


def _is_lead(task: FulfillmentTask, actor: User) -> bool:
    lead_id = Warehouse.objects.filter(pk=task.warehouse_id).values_list("lead_id", flat=True).first()
    return lead_id is None or lead_id == actor.pk


def _locked(task: FulfillmentTask) -> FulfillmentTask:
    return FulfillmentTask.objects.select_for_update().get(pk=task.pk)


def _wrong_state(task: FulfillmentTask, message: str) -> ApplicationError:
    return ApplicationError(code=ErrorCode.INVALID_TRANSITION, message=message, extra={"status": task.status})


def _require_holder(task: FulfillmentTask, actor: User, allowed: tuple[str, ...]) -> None:
    """The (locked) task is held by ``actor`` and in one of ``allowed`` states."""
    if task.status in ACTIVE and task.claimed_by_id != actor.pk:
        raise ApplicationError(
            code=LogisticsErrorCode.NOT_YOUR_TASK,
            message=_("Another worker holds this task (or your claim has expired): claim the next one."),
        )
    if task.status not in allowed:
        raise _wrong_state(
            task,
            _("This task is “%(status)s”: that step is not possible now.") % {"status": S(task.status).label},
        )


def _move(task: FulfillmentTask, to: str, actor: User | None, note: str = "", **fields: object) -> None:
    current = task.status
    task.status = to
    for name, value in fields.items():
        setattr(task, name, value)
    task.save(update_fields=["status", "updated_at", *fields])
    TaskEvent.objects.create(task=task, from_status=current, to_status=to, actor=actor, note=note[:500])


def _lead_or_staff(warehouse_id: int) -> list[User]:
    warehouse = Warehouse.objects.select_related("lead").get(pk=warehouse_id)
    if warehouse.lead is not None:
        return [warehouse.lead]
    return list(User.objects.filter(role_grants__role=Role.WAREHOUSE, is_active=True).order_by("pk"))


def _tell_lead(task: FulfillmentTask, kind: str, **params: object) -> None:
    for user in _lead_or_staff(task.warehouse_id):
        notify(
            user=user,
            kind=kind,
            params={"order": task.order_number, **params},
            link=f"/warehouse/tasks/{task.pk}/",
        )


# --- Claiming and the hold on hub stock ------------------------------------------------------------------


class _Short(Exception):
    def __init__(self, sku_ids: list[int], task_id: int = 0) -> None:
        super().__init__(sku_ids)
        self.sku_ids = sku_ids
        self.task_id = task_id


NO_DATE = "9999-12-31"

# A claim's plan: (line id, stock row id, bin id, lot id or None, units) per pick.
Plan = list[tuple[int, int, int, int | None, int]]


def _iso(value: object) -> str:
    """A date from a raw row (a date on PostgreSQL, text on SQLite) as ISO text, for ordering."""
    return NO_DATE if value is None else str(value)[:10]


def _plan(lines: list[tuple[int, int, int]], rows: list[tuple[Any, ...]]) -> Plan:
    """Choose the bins (and lots) of every line — ``lines``: (line id, SKU id, units); ``rows``: the
    sellable stock rows (id, SKU id, bin id, lot id, free units, bin code, best-before, harvested) — first
    expiry first, then the oldest harvest, stock without a lot after every lot, then by bin. ``_Short``
    naming the SKUs that lack units."""
    ordered = sorted(rows, key=lambda r: (r[3] is None, _iso(r[6]), _iso(r[7]), r[5], r[0]))
    free = {row[0]: row[4] for row in rows}
    picks: Plan = []
    short: list[int] = []
    for line_id, sku_id, quantity in lines:
        wanted = quantity
        for row_id, row_sku, bin_id, batch_id, _free, _code, _best_before, _harvested in ordered:
            if not wanted:
                break
            take = min(free[row_id], wanted) if row_sku == sku_id else 0
            if take > 0:
                free[row_id] -= take
                wanted -= take
                picks.append((line_id, row_id, bin_id, batch_id, take))
        if wanted:
            short.append(sku_id)
    if short:
        raise _Short(sorted(set(short)))
    return picks


def _held(picks: Plan) -> dict[int, int]:
    held: dict[int, int] = defaultdict(int)
    for _line, row_id, _bin, _batch, take in picks:
        held[row_id] += take
    return dict(sorted(held.items()))


# The claim runs for every parcel, so it speaks SQL directly, without the ORM: on PostgreSQL one call of the
# function gansu_claim (migration 0006); elsewhere (the demo's SQLite) the portable steps below, whose table
# names come from the models.
T_TASK, T_LINE, T_STOCK = FulfillmentTask._meta.db_table, TaskLine._meta.db_table, HubStock._meta.db_table
T_BIN, T_LOT, T_PICK, T_EVENT = (
    Bin._meta.db_table,
    Batch._meta.db_table,
    Pick._meta.db_table,
    TaskEvent._meta.db_table,
)
T_WAREHOUSE = Warehouse._meta.db_table
SELLABLE = (
    "s.quantity > s.allocated "
    "AND (s.batch_id IS NULL OR (NOT l.blocked AND (l.expires_on IS NULL OR l.expires_on > %s)))"
)
STOCK_COLUMNS = (
    "s.id, s.sku_id, s.bin_id, s.batch_id, s.quantity - s.allocated, b.code, l.expires_on, l.harvested_on "
    f"FROM {T_STOCK} s JOIN {T_BIN} b ON b.id = s.bin_id LEFT JOIN {T_LOT} l ON l.id = s.batch_id"
)
CLAIM_FIELDS = [
    "id", "warehouse_id", "order_ref", "order_number", "vendor_id", "priority", "deadline", "claims",
    "status", "claimed_by_id", "claimed_at", "claim_expires_at",
]  # fmt: skip


def _claimed(head: list[object], worker: User, moment: datetime) -> FulfillmentTask:
    """The claimed task as a model instance from the claim's own row (its other fields load on first use)."""
    known = dict(zip(CLAIM_FIELDS[:8], head, strict=True))
    known.update(
        claims=int(known["claims"]) + 1,  # type: ignore[call-overload]
        status=S.CLAIMED,
        claimed_by_id=worker.pk,
        claimed_at=moment,
        claim_expires_at=moment + _claim_window(),
    )
    names = [f.attname for f in FulfillmentTask._meta.concrete_fields if f.attname in known]
    task = FulfillmentTask.from_db(transaction.get_connection().alias, names, [known[name] for name in names])
    task.claimed_by = worker
    return task


def _claim_postgres(worker: User, warehouse_code: str, moment: datetime) -> FulfillmentTask | None:
    """One claim attempt on PostgreSQL: the function ``gansu_claim`` (migration 0006) does it in one
    statement — the next task, its picks, the hold, the claim and its event — so the locks it takes are
    released when the statement ends, never held across a round trip to this process. The claimed task, or
    None when the queue is empty; ``_Short`` (with the task's id) when the hub lacks its stock, nothing
    written.

    The function commits the claim asynchronously (it does not wait for the WAL flush). Should the database
    server crash within that instant (not the application: its commits are safe), the claim is lost and the
    task is queued again after recovery, with its hold and picks — nothing half-written — and a worker acting
    on the lost claim is refused at its next step. Every other write of the queue commits synchronously."""
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(
            "SELECT * FROM gansu_claim(%s, %s, %s, %s, %s)",
            [warehouse_code, worker.pk, moment, moment + _claim_window(), timezone.localdate(moment)],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    *head, short = row
    if short is not None:
        raise _Short(sorted(short), int(head[0]))
    head[7] = int(head[7]) - 1  # ``_claimed`` counts the claim itself
    return _claimed(list(head), worker, moment)


def _claim_portable(worker: User, warehouse_code: str, moment: datetime) -> FulfillmentTask | None:
    """The same claim for other databases (the demo's SQLite, which writes one transaction at a time, so
    it needs no row locks), one statement per step."""
    ops = transaction.get_connection().ops
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(
            f"SELECT t.id, t.warehouse_id, t.order_ref, t.order_number, t.vendor_id, t.priority, t.deadline, "
            f"t.claims FROM {T_TASK} t JOIN {T_WAREHOUSE} w ON w.id = t.warehouse_id "
            "WHERE w.code = %s AND t.status = 'queued' ORDER BY t.priority, t.deadline, t.id LIMIT 1",
            [warehouse_code],
        )
        head = cursor.fetchone()
        if head is None:
            return None
        task_id, warehouse_id = head[0], head[1]
        cursor.execute(
            f"SELECT id, sku_id, quantity FROM {T_LINE} WHERE task_id = %s ORDER BY sku_id, id", [task_id]
        )
        lines = cursor.fetchall()
        skus = sorted({sku for _l, sku, _q in lines})
        cursor.execute(
            f"SELECT {STOCK_COLUMNS} WHERE s.warehouse_id = %s AND s.sku_id IN ({', '.join(['%s'] * len(skus))}) "
            f"AND {SELLABLE} ORDER BY s.id",
            [warehouse_id, *skus, ops.adapt_datefield_value(timezone.localdate(moment))],
        )
        try:
            picks = _plan(lines, cursor.fetchall())
        except _Short as short:
            short.task_id = int(task_id)
            raise
        if not picks:
            raise _Short([], int(task_id))
        for row_id, units in _held(picks).items():
            cursor.execute(f"UPDATE {T_STOCK} SET allocated = allocated + %s WHERE id = %s", [units, row_id])
        cursor.execute(
            f"INSERT INTO {T_PICK} (line_id, stock_id, bin_id, batch_id, quantity) VALUES "
            + ", ".join(["(%s, %s, %s, %s, %s)"] * len(picks)),
            [value for pick in picks for value in pick],
        )
        stamp, expires = (
            ops.adapt_datetimefield_value(moment),
            ops.adapt_datetimefield_value(moment + _claim_window()),
        )
        cursor.execute(
            f"UPDATE {T_TASK} SET status = 'claimed', claimed_by_id = %s, claimed_at = %s, claim_expires_at = %s, "
            "claims = claims + 1, updated_at = %s WHERE id = %s",
            [worker.pk, stamp, expires, stamp, task_id],
        )
        cursor.execute(
            f"INSERT INTO {T_EVENT} (task_id, from_status, to_status, actor_id, note, created_at) "
            "VALUES (%s, 'queued', 'claimed', %s, '', %s)",
            [task_id, worker.pk, stamp],
        )
    task = FulfillmentTask.objects.get(pk=task_id)
    task.claimed_by = worker
    return task


def _release_holds(task: FulfillmentTask) -> None:
    """Give back what the task's picks hold (its claim ended without shipping) and forget the picks."""
    picks = list(Pick.objects.filter(line__task=task).values_list("stock_id", "quantity"))
    held: dict[int, int] = defaultdict(int)
    for stock_id, quantity in picks:
        held[stock_id] += quantity
    for stock_id in sorted(held):
        HubStock.objects.filter(pk=stock_id).update(allocated=F("allocated") - held[stock_id])
    Pick.objects.filter(line__task=task).delete()


def _claim_window() -> timedelta:
    return timedelta(minutes=settings.FULFILLMENT_CLAIM_MINUTES)


def _require_staff_cached(worker: User) -> None:
    """The role check of ``_require_staff``, with the worker's role grants loaded once per user object
    (a worker's claim loop, or one request)."""
    if worker.is_authenticated and "role_grants" not in getattr(worker, "_prefetched_objects_cache", {}):
        prefetch_related_objects([worker], "role_grants")
    _require_staff(worker)


def task_claim(
    *, worker: User, warehouse: Warehouse | None = None, now: datetime | None = None
) -> FulfillmentTask | None:
    """Give ``worker`` the next queued task of the warehouse: the highest priority, then the earliest
    deadline, skipping rows other claims hold (``FOR UPDATE SKIP LOCKED``), so each task goes to exactly
    one worker. The claim chooses the picks (first expiry first out), holds their units on the stock rows
    and lasts ``FULFILLMENT_CLAIM_MINUTES`` from the worker's last step. A task whose stock the hub lacks
    becomes an exception for the lead and the next one is tried. None when the queue is empty."""
    _require_staff_cached(worker)
    code = warehouse.code if warehouse is not None else HUB_CODE
    postgres = transaction.get_connection().vendor == "postgresql"
    for _attempt in range(MAX_SKIPS):
        try:
            if postgres:  # one statement, its own transaction (or the caller's)
                return _claim_postgres(worker, code, now or timezone.now())
            with transaction.atomic():
                return _claim_portable(worker, code, now or timezone.now())
        except _Short as short:
            with transaction.atomic():
                task = FulfillmentTask.objects.select_for_update().get(pk=short.task_id)
                if task.status != S.QUEUED:
                    continue
                _move(
                    task,
                    S.EXCEPTION,
                    None,
                    gettext_noop("not enough hub stock to pick"),
                    exception_kind=ExceptionKind.STOCK_SHORT,
                    exception_reason=" ".join(str(pk) for pk in short.sku_ids),
                    claimed_by=None,
                )
                _tell_lead(task, "task_exception", reason=ExceptionKind.STOCK_SHORT.label)
    return None


def _touch(task: FulfillmentTask) -> None:
    task.claim_expires_at = timezone.now() + _claim_window()


def task_pick(*, task: FulfillmentTask, worker: User, found: dict[int, int] | None = None) -> FulfillmentTask:
    """The worker has taken the picks from their bins. ``found`` (pick id → units found) may say a bin held
    fewer than the pick asks for: then the task becomes a short-pick exception (see ``task_exception``).
    Without ``found`` every pick was taken in full."""
    _require_staff(worker)
    with transaction.atomic():
        task = _locked(task)
        _require_holder(task, worker, (S.CLAIMED,))
        picks = list(Pick.objects.filter(line__task=task).order_by("id"))
        counts = _found(picks, found)
        missing = {
            pick.pk: pick.quantity - counts[pick.pk] for pick in picks if counts[pick.pk] < pick.quantity
        }
        if missing:
            return _exception(
                task,
                worker,
                ExceptionKind.SHORT_PICK,
                _("Fewer units in the bin than the pick list says."),
                missing,
            )
        for pick in picks:
            pick.picked_quantity = pick.quantity
        Pick.objects.bulk_update(picks, ["picked_quantity"])
        _touch(task)
        _move(task, S.PICKED, worker, picked_at=timezone.now(), claim_expires_at=task.claim_expires_at)
    return task


def _per_pick(quantities: dict[int, int], given: dict[int, int], field: str, message: str) -> None:
    """Check units given per pick (found, or missing): the task's own picks only, 0 up to the pick's
    quantity; 400 naming ``<field>.<pick id>`` otherwise."""
    errors: dict[str, list[str]] = {}
    for pk, value in given.items():
        if pk not in quantities:
            errors[f"{field}.{pk}"] = [_("This pick is not on the task's list.")]
        elif not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= quantities[pk]:
            errors[f"{field}.{pk}"] = [message % {"quantity": quantities[pk]}]
    if errors:
        raise invalid(errors)


def _found(picks: list[Pick], found: dict[int, int] | None) -> dict[int, int]:
    """Units found per pick (the pick's quantity where not given)."""
    quantities = {pick.pk: pick.quantity for pick in picks}
    _per_pick(quantities, found or {}, "found", _("Give the units found: 0 to %(quantity)d."))
    return {**quantities, **(found or {})}


def task_pack(
    *, task: FulfillmentTask, worker: User, weight_grams: object, packages: object
) -> FulfillmentTask:
    """The worker packed the picked units: the parcel's weight and how many parcels. A task still just
    claimed counts as picked in full."""
    _require_staff(worker)
    errors: dict[str, list[str]] = {}
    if (
        not isinstance(weight_grams, int)
        or isinstance(weight_grams, bool)
        or not 1 <= weight_grams <= MAX_WEIGHT_GRAMS
    ):
        errors["weight_grams"] = [_("Give the weight in grams: 1 to %(max)d.") % {"max": MAX_WEIGHT_GRAMS}]
    if not isinstance(packages, int) or isinstance(packages, bool) or not 1 <= packages <= MAX_PACKAGES:
        errors["packages"] = [_("Give the number of parcels: 1 to %(max)d.") % {"max": MAX_PACKAGES}]
    if errors:
        raise invalid(errors)
    with transaction.atomic():
        task = _locked(task)
        _require_holder(task, worker, (S.CLAIMED, S.PICKED))
        moment = timezone.now()
        if task.status == S.CLAIMED:
            Pick.objects.filter(line__task=task).update(picked_quantity=F("quantity"))
            task.picked_at = moment
        _touch(task)
        _move(
            task,
            S.PACKED,
            worker,
            weight_grams=weight_grams,
            packages=packages,
            packed_at=moment,
            picked_at=task.picked_at,
            claim_expires_at=task.claim_expires_at,
        )
    return task


def task_ship(
    *, task: FulfillmentTask, worker: User, carrier: str, tracking_number: str
) -> tuple[FulfillmentTask, Shipment, list[ShippedLot]]:
    """The packed parcel leaves with a carrier: the tracking number must fit the carrier (400 otherwise)
    and be new (409 ``tracking_in_use``). The picked units leave the bins and their lots; the shipment is
    created for tracking. Inside the caller's transaction when orders records the shipment on the order."""
    _require_staff(worker)
    tracking = validate_tracking(carrier, tracking_number)
    code = carrier.strip().lower()
    with transaction.atomic():
        task = _locked(task)
        if task.status in (S.CLAIMED, S.PICKED) and task.claimed_by_id == worker.pk:
            raise ApplicationError(
                code=LogisticsErrorCode.NOT_PACKED,
                message=_("Pack the parcel (weight and parcels) before it ships."),
                extra={"status": task.status},
            )
        _require_holder(task, worker, (S.PACKED,))
        if Shipment.objects.filter(carrier=code, tracking_number=tracking).exists():
            raise ApplicationError(
                code=LogisticsErrorCode.TRACKING_IN_USE,
                message=_("This tracking number already belongs to another parcel."),
            )
        picks = list(Pick.objects.filter(line__task=task).select_related("line").order_by("stock_id", "id"))
        taken: dict[int, int] = defaultdict(int)
        lots: dict[tuple[int, int], int] = defaultdict(int)
        per_batch: dict[int, int] = defaultdict(int)
        for pick in picks:
            taken[pick.stock_id] += pick.quantity
            if pick.batch_id is not None:
                lots[(pick.line.order_item_ref, pick.batch_id)] += pick.quantity
                per_batch[pick.batch_id] += pick.quantity
        for stock_id in sorted(taken):
            HubStock.objects.filter(pk=stock_id).update(
                quantity=F("quantity") - taken[stock_id], allocated=F("allocated") - taken[stock_id]
            )
        for batch_id in sorted(per_batch):
            Batch.objects.filter(pk=batch_id).update(
                remaining=Greatest(F("remaining") - per_batch[batch_id], 0)
            )
        try:
            with transaction.atomic():
                shipment = Shipment.objects.create(
                    order_ref=task.order_ref,
                    order_number=task.order_number,
                    vendor_id=task.vendor_id,
                    task=task,
                    carrier=code,
                    tracking_number=tracking,
                )
        except IntegrityError:  # the same number, claimed by a parcel that shipped a moment ago
            raise ApplicationError(
                code=LogisticsErrorCode.TRACKING_IN_USE,
                message=_("This tracking number already belongs to another parcel."),
            ) from None
        ShipmentEvent.objects.create(
            shipment=shipment,
            status=ShipmentStatus.SHIPPED,
            occurred_at=timezone.now(),
            warehouse_id=task.warehouse_id,  # shown by name in the reader's language
            source="warehouse",
            actor=worker,
        )
        _move(
            task,
            S.SHIPPED,
            worker,
            f"{code} {tracking}",
            carrier=code,
            tracking_number=tracking,
            shipped_at=timezone.now(),
            claim_expires_at=None,
        )
    shipped = [
        ShippedLot(order_item_id=item, batch_id=batch, quantity=q)
        for (item, batch), q in sorted(lots.items())
    ]
    return task, shipment, shipped


def task_release(*, task: FulfillmentTask, actor: User, note: str = "") -> FulfillmentTask:
    """Put a held task back in the queue: by the worker holding it, or by the warehouse lead."""
    _require_staff(actor)
    with transaction.atomic():
        task = _locked(task)
        if task.status not in ACTIVE:
            raise _wrong_state(task, _("Only a claimed, picked or packed task can go back to the queue."))
        if task.claimed_by_id != actor.pk and not _is_lead(task, actor):
            raise ApplicationError(
                code=LogisticsErrorCode.NOT_YOUR_TASK,
                message=_("Only the worker holding this task, or the warehouse lead, can release it."),
            )
        _back_to_queue(task, actor, note or gettext_noop("released"))
    return task


def _back_to_queue(task: FulfillmentTask, actor: User | None, note: str) -> None:
    _release_holds(task)
    _move(
        task,
        S.QUEUED,
        actor,
        note,
        claimed_by=None,
        claim_expires_at=None,
        weight_grams=None,
        packages=None,
        exception_kind="",
        exception_reason="",
    )


def _exception(
    task: FulfillmentTask, actor: User, kind: str, reason: str, missing: dict[int, int]
) -> FulfillmentTask:
    """(Locked task.) Units missing from picks leave the hub stock rows and the SKU's sellable stock; the
    task lets go of the rest and waits for the lead."""
    picks = list(Pick.objects.filter(line__task=task).select_related("line").order_by("stock_id", "id"))
    gone: dict[int, int] = defaultdict(int)  # stock row → units missing or damaged
    held: dict[int, int] = defaultdict(int)  # stock row → all units the task held there
    lost: dict[int, int] = defaultdict(int)  # SKU → units missing or damaged
    for pick in picks:
        held[pick.stock_id] += pick.quantity
        gone[pick.stock_id] += missing.get(pick.pk, 0)
        lost[pick.line.sku_id] += missing.get(pick.pk, 0)
    for stock_id in sorted(held):  # the missing units leave the row; the hold on the rest is given back
        HubStock.objects.filter(pk=stock_id).update(
            quantity=F("quantity") - gone[stock_id], allocated=F("allocated") - held[stock_id]
        )
    for sku_id in sorted(lost):
        if lost[sku_id]:
            hub_stock_remove(sku_id=sku_id, quantity=lost[sku_id])
    Pick.objects.filter(line__task=task).delete()
    _move(
        task,
        S.EXCEPTION,
        actor,
        reason,
        exception_kind=kind,
        exception_reason=reason[:500],
        claimed_by=None,
        claim_expires_at=None,
    )
    _tell_lead(task, "task_exception", reason=ExceptionKind(kind).label)
    return task


def task_exception(
    *,
    task: FulfillmentTask,
    worker: User,
    reason: str,
    kind: str = ExceptionKind.OTHER,
    missing: dict[int, int] | None = None,
) -> FulfillmentTask:
    """The worker cannot finish the task: a short pick or damaged goods (``missing``: pick id → units
    missing or damaged, which leave the stock), or anything else. The lead is told and decides: back to
    the queue, or cancel (the order is refunded)."""
    _require_staff(worker)
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if not reason or len(reason) > 500:
        errors["reason"] = [_("Say what went wrong (at most 500 characters).")]
    if kind not in (ExceptionKind.SHORT_PICK, ExceptionKind.DAMAGE, ExceptionKind.OTHER):
        errors["kind"] = [_("Choose short pick, damage or other.")]
    if errors:
        raise invalid(errors)
    with transaction.atomic():
        task = _locked(task)
        _require_holder(task, worker, ACTIVE)
        quantities = dict(Pick.objects.filter(line__task=task).values_list("pk", "quantity"))
        _per_pick(quantities, missing or {}, "missing", _("Give the units missing: 0 to %(quantity)d."))
        return _exception(task, worker, kind, reason, {pk: n for pk, n in (missing or {}).items() if n})


def task_requeue(*, task: FulfillmentTask, actor: User, note: str = "") -> FulfillmentTask:
    """The lead puts an exception back in the queue (stock was found or restocked); its claim chooses the
    picks afresh."""
    _require_staff(actor)
    with transaction.atomic():
        task = _locked(task)
        if task.status != S.EXCEPTION:
            raise _wrong_state(task, _("Only a task with an exception goes back to the queue this way."))
        if not _is_lead(task, actor):
            raise ApplicationError(
                code=ErrorCode.PERMISSION_DENIED, message=_("Only the warehouse lead decides on exceptions.")
            )
        _back_to_queue(task, actor, note or gettext_noop("back to the queue"))
    return task


def task_cancel(*, task: FulfillmentTask, actor: User | None, reason: str) -> FulfillmentTask:
    """Cancel a task that has not shipped (the order is cancelled and refunded by the caller, orders, in the
    same transaction). ``actor`` None: the order itself was cancelled (a refund before shipping). The lead
    cancels exceptions only."""
    reason = (reason or "").strip()
    if actor is not None:
        _require_staff(actor)
        if not reason or len(reason) > 500:
            raise invalid({"reason": [_("Say why the order cannot be fulfilled (at most 500 characters).")]})
    with transaction.atomic():
        task = _locked(task)
        if actor is not None:
            if task.status != S.EXCEPTION:
                raise _wrong_state(task, _("Only a task with an exception can be cancelled here."))
            if not _is_lead(task, actor):
                raise ApplicationError(
                    code=ErrorCode.PERMISSION_DENIED,
                    message=_("Only the warehouse lead decides on exceptions."),
                )
        if task.status not in OPEN:
            raise _wrong_state(task, _("This task has shipped or is cancelled already."))
        _release_holds(task)
        _move(task, S.CANCELLED, actor, reason, claimed_by=None, claim_expires_at=None)
    return task


def holds_on_lots_release(*, batch_ids: list[int]) -> int:
    """Tasks holding units of lots just blocked go back to the queue (their parcel must not carry them);
    their next claim picks other lots. Inside the caller's transaction, before the lots' rows are cleared."""
    released = 0
    task_ids = (
        Pick.objects.filter(batch_id__in=batch_ids, line__task__status__in=ACTIVE)
        .values_list("line__task_id", flat=True)
        .distinct()
    )
    for task_id in sorted(set(task_ids)):
        task = FulfillmentTask.objects.select_for_update().get(pk=task_id)
        if task.status in ACTIVE:
            _back_to_queue(task, None, gettext_noop("a lot it held was blocked"))
            released += 1
    return released


def stock_short_requeue(*, sku_ids: list[int]) -> int:
    """Stock of these SKUs has just arrived: tasks set aside for lack of it (exceptions ``stock_short``)
    go back to the queue, in the caller's transaction; their next claim tries again."""
    if not sku_ids:
        return 0
    waiting = (
        FulfillmentTask.objects.filter(
            status=S.EXCEPTION, exception_kind=ExceptionKind.STOCK_SHORT, lines__sku_id__in=sku_ids
        )
        .values_list("pk", flat=True)
        .distinct()
    )
    requeued = 0
    for task_id in sorted(set(waiting)):
        # A task the lead is deciding on right now is left to the lead (and no lock cycle with them).
        task = FulfillmentTask.objects.select_for_update(skip_locked=True).filter(pk=task_id).first()
        if (
            task is not None
            and task.status == S.EXCEPTION
            and task.exception_kind == ExceptionKind.STOCK_SHORT
        ):
            _back_to_queue(task, None, gettext_noop("hub stock arrived"))
            requeued += 1
    return requeued


def task_for_order(*, order_id: int) -> FulfillmentTask | None:
    return FulfillmentTask.objects.filter(order_ref=order_id).first()


# --- Beat tasks ------------------------------------------------------------------------------------------


def claims_expire(*, now: datetime | None = None) -> int:
    """Claimed or picked tasks whose worker went quiet go back to the queue (a beat task, every minute).
    Each expiry happens once: the task is locked and re-checked; a claim being used right now is skipped
    and looked at next time."""
    moment = now or timezone.now()
    due = list(
        FulfillmentTask.objects.filter(status__in=(S.CLAIMED, S.PICKED), claim_expires_at__lte=moment)
        .order_by("claim_expires_at")
        .values_list("pk", flat=True)[:500]
    )
    expired = 0
    for pk in due:
        with transaction.atomic():
            task = FulfillmentTask.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if task is None or task.status not in (S.CLAIMED, S.PICKED):
                continue
            if task.claim_expires_at is None or task.claim_expires_at > moment:
                continue
            _back_to_queue(task, None, gettext_noop("claim expired"))
            expired += 1
    return expired


@dataclass
class SlaReport:
    at_risk: list[str] = field(default_factory=list)
    overdue: list[str] = field(default_factory=list)


def sla_monitor(*, now: datetime | None = None) -> SlaReport:
    """Flag unshipped tasks whose deadline is near (``FULFILLMENT_AT_RISK_MINUTES``) or past, once each,
    and tell the lead of each warehouse in one message per kind (a beat task)."""
    moment = now or timezone.now()
    report = SlaReport()
    soon = moment + timedelta(minutes=settings.FULFILLMENT_AT_RISK_MINUTES)
    with transaction.atomic():
        overdue = list(
            FulfillmentTask.objects.select_for_update(skip_locked=True)
            .filter(status__in=OPEN, deadline__lte=moment, overdue_at__isnull=True)
            .order_by("deadline", "id")
            .values_list("pk", "warehouse_id", "order_number")
        )
        FulfillmentTask.objects.filter(pk__in=[pk for pk, _w, _n in overdue]).update(
            overdue_at=moment, at_risk_at=moment
        )
        at_risk = list(
            FulfillmentTask.objects.select_for_update(skip_locked=True)
            .filter(status__in=OPEN, deadline__gt=moment, deadline__lte=soon, at_risk_at__isnull=True)
            .order_by("deadline", "id")
            .values_list("pk", "warehouse_id", "order_number")
        )
        FulfillmentTask.objects.filter(pk__in=[pk for pk, _w, _n in at_risk]).update(at_risk_at=moment)
        for kind, rows, bucket in (
            ("tasks_overdue", overdue, report.overdue),
            ("tasks_at_risk", at_risk, report.at_risk),
        ):
            by_warehouse: dict[int, list[str]] = defaultdict(list)
            for _pk, warehouse_id, number in rows:
                by_warehouse[warehouse_id].append(number)
                bucket.append(number)
            for warehouse_id, numbers in sorted(by_warehouse.items()):
                for user in _lead_or_staff(warehouse_id):
                    notify(
                        user=user,
                        kind=kind,
                        params={"count": len(numbers), "orders": ", ".join(numbers[:20])},
                        link="/warehouse/",
                    )
    return report


# --- Shipments and tracking ------------------------------------------------------------------------------

STAGE = {
    ShipmentStatus.SHIPPED: 0,
    ShipmentStatus.IN_TRANSIT: 1,
    ShipmentStatus.OUT_FOR_DELIVERY: 2,
    ShipmentStatus.DELIVERED: 3,
}
REPORTED = (ShipmentStatus.IN_TRANSIT, ShipmentStatus.OUT_FOR_DELIVERY, ShipmentStatus.DELIVERED)


def shipment_create(
    *, order_id: int, number: str, vendor_id: int, carrier: str, tracking_number: str
) -> Shipment:
    """A shop's own parcel (orders calls this when the shop ships): tracked like the hub's."""
    code = carrier.strip().lower()
    if Shipment.objects.filter(carrier=code, tracking_number=tracking_number).exists():
        raise ApplicationError(
            code=LogisticsErrorCode.TRACKING_IN_USE,
            message=_("This tracking number already belongs to another parcel."),
        )
    shipment = Shipment.objects.create(
        order_ref=order_id,
        order_number=number,
        vendor_id=vendor_id,
        carrier=code,
        tracking_number=tracking_number,
    )
    ShipmentEvent.objects.create(
        shipment=shipment, status=ShipmentStatus.SHIPPED, occurred_at=timezone.now(), source="shop"
    )
    return shipment


def shipment_event_add(
    *,
    shipment: Shipment,
    status: str,
    occurred_at: object,
    location: str = "",
    source: str,
    actor: User | None = None,
    external_id: str | None = None,
) -> tuple[ShipmentEvent, bool]:
    """Record a tracking event: in transit, out for delivery or delivered, when and where. The shipment's
    status follows the furthest stage reported (a late-arriving earlier event does not move it back); after
    delivery nothing more is taken (409 ``shipment_delivered``). A carrier's event id is recorded once: a
    retried webhook returns the first event. Returns the event and whether the parcel became delivered
    just now (orders then marks the order delivered, in this transaction)."""
    errors: dict[str, list[str]] = {}
    if status not in REPORTED:
        errors["status"] = [_("Choose in_transit, out_for_delivery or delivered.")]
    if not isinstance(occurred_at, datetime):
        errors["occurred_at"] = [_("Give the time of the event (ISO 8601).")]
    elif occurred_at > timezone.now() + timedelta(minutes=5):
        errors["occurred_at"] = [_("This time is in the future.")]
    location = (location or "").strip()
    if len(location) > 100:
        errors["location"] = [_("At most 100 characters.")]
    if external_id is not None and not 1 <= len(external_id) <= 64:
        errors["event_id"] = [_("Give the carrier's event id (1 to 64 characters).")]
    if errors:
        raise invalid(errors)
    assert isinstance(occurred_at, datetime)  # noqa: S101 - checked above
    with transaction.atomic():
        shipment = Shipment.objects.select_for_update().get(pk=shipment.pk)
        if external_id is not None:
            seen = ShipmentEvent.objects.filter(shipment=shipment, external_id=external_id).first()
            if seen is not None:
                return seen, False
        if shipment.status == ShipmentStatus.DELIVERED:
            raise ApplicationError(
                code=LogisticsErrorCode.SHIPMENT_DELIVERED,
                message=_("This parcel has been delivered: no further tracking events."),
            )
        if occurred_at < shipment.created_at - timedelta(minutes=5):
            raise invalid({"occurred_at": [_("This time is before the parcel was shipped.")]})
        event = ShipmentEvent.objects.create(
            shipment=shipment,
            status=status,
            occurred_at=occurred_at,
            location=location,
            source=source,
            actor=actor,
            external_id=external_id,
        )
        delivered = False
        if STAGE[ShipmentStatus(status)] > STAGE[ShipmentStatus(shipment.status)]:
            shipment.status = status
            fields = ["status"]
            if status == ShipmentStatus.DELIVERED:
                shipment.delivered_at = occurred_at
                fields.append("delivered_at")
                delivered = True
            shipment.save(update_fields=fields)
    return event, delivered
