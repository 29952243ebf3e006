"""Writes of inbound consignments: a shop announces what it sends to a warehouse; warehouse staff count it,
put it away into bins (hub stock by SKU, lot and bin) and report a failed receiving inspection.

What the hub receives becomes the sellable stock of the shop's hub-fulfilled SKUs (catalog's
``hub_stock_receive``, in the same transaction). Every refusal leaves everything as it was: the checks run
under the row locks (shipment, then SKUs and lots in id order) before the first write.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Batch, EventType, FulfilledBy, InspectionResult, Sku
from catalog.services import hub_stock_receive, hub_stock_remove
from catalog.trace import batch_event_add
from gansu_mall.accounts.models import Role, User
from gansu_mall.core.errors import ApplicationError, ErrorCode, invalid
from gansu_mall.notifications.services import notify
from logistics.fulfillment import holds_on_lots_release, stock_short_requeue
from logistics.models import Bin, HubStock, InboundLine, InboundShipment, InboundStatus, Warehouse
from vendors.models import StaffRole, Vendor, VendorMembership

MAX_LINES = 50
MAX_QUANTITY = 1_000_000


@dataclass(frozen=True)
class AnnouncedLine:
    sku_id: int
    quantity: int
    batch_id: int | None = None


@dataclass(frozen=True)
class CountedLine:
    """What the warehouse counted of one announced line; ``batch_id`` tells two lots of a SKU apart."""

    sku_id: int
    received_quantity: int
    bin_code: str | None = None
    batch_id: int | None = None


def _whole(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def inbound_announce(
    *,
    vendor: Vendor,
    actor: User,
    actor_role: str,
    warehouse_code: str,
    lines: list[AnnouncedLine],
    note: str = "",
) -> InboundShipment:
    """The shop's staff announce a consignment of the shop's hub-fulfilled SKUs (with their lots, optional,
    never blocked ones). 403 for anyone but the shop's staff; 400 naming each line at fault
    (``lines.<n>.sku``, ``lines.<n>.quantity``, ``lines.<n>.batch``); nothing is created on any error."""
    if actor_role not in StaffRole.values:
        raise ApplicationError(
            code=ErrorCode.PERMISSION_DENIED, message=_("Only the shop's staff announce its consignments.")
        )
    errors: dict[str, list[str]] = {}
    warehouse = Warehouse.objects.filter(code=(warehouse_code or "").strip(), active=True).first()
    if warehouse is None:
        errors["warehouse"] = [_("Unknown warehouse.")]
    if not lines:
        errors["lines"] = [_("Add at least one line (a SKU and its quantity).")]
    elif len(lines) > MAX_LINES:
        errors["lines"] = [_("At most %(count)d lines per consignment.") % {"count": MAX_LINES}]
    if len(note or "") > 500:
        errors["note"] = [_("At most 500 characters.")]
    if errors:
        raise invalid(errors)
    with transaction.atomic():
        sku_ids = sorted({line.sku_id for line in lines if _whole(line.sku_id) is not None})
        batch_ids = sorted({line.batch_id for line in lines if isinstance(line.batch_id, int)})
        skus = {sku.pk: sku for sku in Sku.objects.select_for_update().filter(pk__in=sku_ids).order_by("pk")}
        batches = {
            batch.pk: batch
            for batch in Batch.objects.select_for_update().filter(pk__in=batch_ids).order_by("pk")
        }
        seen: set[tuple[int, int | None]] = set()
        for index, line in enumerate(lines):
            prefix = f"lines.{index}"
            sku = skus.get(line.sku_id) if _whole(line.sku_id) is not None else None
            if sku is None or sku.vendor_id != vendor.pk or sku.fulfilled_by != FulfilledBy.HUB:
                errors[f"{prefix}.sku"] = [_("Choose a SKU of this shop that is shipped from the hub.")]
            quantity = _whole(line.quantity)
            if quantity is None or not 0 < quantity <= MAX_QUANTITY:
                errors[f"{prefix}.quantity"] = [
                    _("Give a whole number of units from 1 to %(most)d.") % {"most": MAX_QUANTITY}
                ]
            if line.batch_id is not None:
                batch = batches.get(line.batch_id) if _whole(line.batch_id) is not None else None
                if batch is None or sku is None or batch.sku_id != sku.pk:
                    errors[f"{prefix}.batch"] = [_("Choose a lot of this SKU.")]
                elif batch.blocked or batch.expired:
                    errors[f"{prefix}.batch"] = [_("This lot is blocked and cannot be consigned.")]
            key = (line.sku_id, line.batch_id)
            if key in seen:
                errors[f"{prefix}.sku"] = [_("This SKU and lot are already on another line.")]
            seen.add(key)
        if errors or warehouse is None:
            raise invalid(errors)
        shipment = InboundShipment.objects.create(
            vendor=vendor, warehouse=warehouse, note=(note or "").strip(), created_by=actor
        )
        InboundLine.objects.bulk_create(
            [
                InboundLine(
                    shipment=shipment, sku_id=line.sku_id, batch_id=line.batch_id, quantity=line.quantity
                )
                for line in lines
            ]
        )
    return shipment


def _require_warehouse_staff(actor: User) -> None:
    if not (actor.is_authenticated and actor.has_role(Role.WAREHOUSE)):
        raise ApplicationError(
            code=ErrorCode.PERMISSION_DENIED, message=_("Only warehouse staff receive consignments.")
        )


def _shop_owner(vendor_id: int) -> User | None:
    membership = (
        VendorMembership.objects.select_related("user")
        .filter(vendor_id=vendor_id, role=StaffRole.OWNER)
        .first()
    )
    return membership.user if membership is not None else None


def inbound_receive(*, shipment: InboundShipment, actor: User, lines: list[CountedLine]) -> InboundShipment:
    """Warehouse staff count an announced consignment: every announced line, 0 up to the announced
    quantity, into a bin of the warehouse whose zone suits the product's storage. The units go into hub
    stock by (SKU, lot, bin) and into the SKU's sellable stock; the consignment is received; a short count
    notifies the shop's owner (``inbound_discrepancy``). 403 for anyone but warehouse staff, 409
    ``invalid_transition`` unless announced, 400 naming the lines at fault with nothing changed."""
    _require_warehouse_staff(actor)
    with transaction.atomic():
        locked = (
            InboundShipment.objects.select_for_update()
            .select_related("warehouse", "vendor")
            .get(pk=shipment.pk)
        )
        if locked.status != InboundStatus.ANNOUNCED:
            raise ApplicationError(
                code=ErrorCode.INVALID_TRANSITION, message=_("This consignment has already been received.")
            )
        announced = list(locked.lines.select_related("sku__product", "batch").order_by("sku_id", "id"))
        bins = {bin_.code: bin_ for bin_ in Bin.objects.filter(warehouse=locked.warehouse)}
        locked_batches = {
            batch.pk: batch
            for batch in Batch.objects.select_for_update()
            .filter(pk__in=sorted({line.batch_id for line in announced if line.batch_id}))
            .order_by("pk")
        }
        errors: dict[str, list[str]] = {}
        counted: dict[int, tuple[int, Bin | None]] = {}  # line id → (received, bin)
        for index, item in enumerate(lines):
            prefix = f"lines.{index}"
            matches = [
                line
                for line in announced
                if line.sku_id == item.sku_id and (item.batch_id is None or line.batch_id == item.batch_id)
            ]
            if not matches:
                errors[f"{prefix}.sku"] = [_("This SKU is not in this consignment.")]
                continue
            if len(matches) > 1:
                errors[f"{prefix}.batch"] = [_("This SKU comes in several lots: say which lot you counted.")]
                continue
            line = matches[0]
            if line.pk in counted:
                errors[f"{prefix}.sku"] = [_("This line is counted twice.")]
                continue
            received = _whole(item.received_quantity)
            bin_ = bins.get((item.bin_code or "").strip())
            if received is None or received < 0:
                errors[f"{prefix}.received_quantity"] = [_("Give the units counted, 0 or more.")]
            elif received > line.quantity:
                errors[f"{prefix}.received_quantity"] = [
                    _("%(sku)s: %(received)d is more than announced (%(announced)d).")
                    % {"sku": line.sku.code, "received": received, "announced": line.quantity}
                ]
            elif received > 0:
                batch = locked_batches.get(line.batch_id) if line.batch_id else None
                storage = line.sku.product.storage
                if batch is not None and batch.blocked:
                    errors[f"{prefix}.received_quantity"] = [
                        _("%(sku)s: this lot is blocked; it cannot go into stock. Count it as 0.")
                        % {"sku": line.sku.code}
                    ]
                elif bin_ is None:
                    errors[f"{prefix}.bin"] = [
                        _("%(sku)s: choose a bin of this warehouse to put the units away in.")
                        % {"sku": line.sku.code}
                    ]
                elif bin_.zone != storage:
                    errors[f"{prefix}.bin"] = [
                        _("%(sku)s: bin %(bin)s is %(zone)s; this product must be stored %(storage)s.")
                        % {
                            "sku": line.sku.code,
                            "bin": bin_.code,
                            "zone": bin_.get_zone_display(),
                            "storage": line.sku.product.get_storage_display(),
                        }
                    ]
            counted[line.pk] = (received or 0, bin_ if received else None)
        missing = [line.sku.code for line in announced if line.pk not in counted]
        if missing and not errors:
            errors["lines"] = [_("Count every line; missing: %(skus)s.") % {"skus": ", ".join(missing)}]
        if errors:
            raise invalid(errors)
        for line in announced:  # SKU-id order: every writer locks SKU rows in the same order
            received, bin_ = counted[line.pk]
            line.received_quantity = received
            line.bin = bin_
            line.save(update_fields=["received_quantity", "bin"])
            if not received or bin_ is None:
                continue
            row, _created = HubStock.objects.get_or_create(
                warehouse=locked.warehouse, sku_id=line.sku_id, batch_id=line.batch_id, bin=bin_
            )
            HubStock.objects.filter(pk=row.pk).update(quantity=F("quantity") + received)
            hub_stock_receive(sku_id=line.sku_id, quantity=received)
        # Tasks that waited for these SKUs (not enough hub stock at their claim) go back to the queue.
        stock_short_requeue(sku_ids=sorted({line.sku_id for line in announced if line.received_quantity}))
        locked.status = InboundStatus.RECEIVED
        locked.received_at = timezone.now()
        locked.received_by = actor
        locked.save(update_fields=["status", "received_at", "received_by"])
        short = [line for line in announced if line.short]
        owner = _shop_owner(locked.vendor_id) if short else None
        if owner is not None:
            notify(
                user=owner,
                kind="inbound_discrepancy",
                params={
                    "shipment": locked.pk,
                    "warehouse": locked.warehouse.name,
                    "lines": "; ".join(
                        f"{line.sku.code} {line.sku.spec}: {line.received_quantity}/{line.quantity}"
                        for line in short
                    ),
                },
                link=f"/seller/{locked.vendor.slug}/inbound/",
            )
    return locked


def inbound_inspection_failed(
    *, shipment: InboundShipment, actor: User, batch_id: int, summary: str
) -> InboundShipment:
    """A receiving inspection of a lot of a received consignment failed: the lot is blocked (catalog's
    trace records the inspection at the warehouse, and what is left of the lot leaves the sellable stock)
    and its hub stock is zeroed. Warehouse staff only (403); 409 ``invalid_transition`` before receipt;
    400 for a lot not in the consignment or no summary."""
    _require_warehouse_staff(actor)
    with transaction.atomic():
        locked = InboundShipment.objects.select_for_update().select_related("warehouse").get(pk=shipment.pk)
        if locked.status != InboundStatus.RECEIVED:
            raise ApplicationError(
                code=ErrorCode.INVALID_TRANSITION,
                message=_("Receive the consignment first; then report its inspection."),
            )
        errors: dict[str, list[str]] = {}
        batch = None
        if _whole(batch_id) is not None and locked.lines.filter(batch_id=batch_id).exists():
            batch = Batch.objects.filter(pk=batch_id).first()
        if batch is None:
            errors["batch"] = [_("Choose a lot of this consignment.")]
        if not (summary or "").strip():
            errors["summary"] = [_("Say what the inspection found.")]
        if errors or batch is None:
            raise invalid(errors)
        batch_event_add(
            batch=batch,
            actor=actor,
            event_type=EventType.INSPECT,
            occurred_at=timezone.now(),
            location=locked.warehouse.name,
            summary=summary.strip(),
            result=InspectionResult.FAIL,
        )
        holds_on_lots_release(batch_ids=[batch.pk])
        held = HubStock.objects.filter(batch_id=batch.pk).aggregate(n=Sum("quantity"))["n"] or 0
        hub_stock_remove(sku_id=batch.sku_id, quantity=held)  # the units of the lot the hub holds
        HubStock.objects.filter(batch_id=batch.pk).update(quantity=0)
    return locked


def hub_blocked_lots_clear() -> int:
    """Units the hub holds of lots that are now blocked (expired, or failed an inspection elsewhere) leave
    the sellable stock and the hub's stock; run after the daily expiry of lots. Returns the rows cleared."""
    cleared = 0
    rows = HubStock.objects.filter(quantity__gt=0, batch__blocked=True).values_list("pk", flat=True)
    for row_id in list(rows):
        with transaction.atomic():
            batch_id = HubStock.objects.filter(pk=row_id).values_list("batch_id", flat=True).first()
            if batch_id is not None:
                holds_on_lots_release(batch_ids=[batch_id])
            row = HubStock.objects.select_for_update().filter(pk=row_id, quantity__gt=0).first()
            if row is None:
                continue
            hub_stock_remove(sku_id=row.sku_id, quantity=row.quantity)
            row.quantity = 0
            row.save(update_fields=["quantity"])
            cleared += 1
    return cleared
