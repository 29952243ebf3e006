"""Traceability: batches (lots) of a SKU with public trace codes, and their events in time order.

A batch that fails an inspection, or passes its best-before date, is blocked: what is left of it is taken
out of the SKU's sellable stock. Lots of perishable products (chilled, frozen, or with a shelf life) carry a
best-before date; allocation takes the lot that expires first (FEFO), and for the rest the oldest lot (FIFO).
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import qrcode
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Greatest
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from catalog.errors import CatalogErrorCode
from catalog.models import Batch, BatchEvent, EventType, FulfilledBy, InspectionResult, Sku
from catalog.services import product_refresh_summary
from gansu_mall.accounts.models import Role, User
from gansu_mall.core.errors import ApplicationError
from gansu_mall.core.errors import invalid as _invalid
from gansu_mall.core.uploads import clean_image
from gansu_mall.regions.selectors import gansu_county_get
from vendors.selectors import vendor_get_for_staff

TRACE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud and typed from labels


def new_trace_code() -> str:
    return "GS" + "".join(secrets.choice(TRACE_ALPHABET) for _ in range(10))


@dataclass
class BatchInput:
    quantity: int
    origin_county_code: str
    base_name: str
    harvested_on: date
    lot_code: str = ""
    expires_on: date | None = None
    add_to_stock: bool = False


def batch_create(*, sku: Sku, data: BatchInput) -> Batch:
    """Register a lot of ``sku``. Perishable lots need a best-before date (by default harvest date plus
    the product's shelf life). ``add_to_stock`` adds the lot to the SKU's stock (not for hub SKUs, whose
    stock comes from the hub's receipts)."""
    errors: dict[str, list[str]] = {}
    product = sku.product
    today = timezone.localdate()
    if data.quantity is None or data.quantity <= 0:
        errors["quantity"] = [_("Give a quantity above zero.")]
    county = gansu_county_get(code=(data.origin_county_code or "").strip())
    if county is None:
        errors["origin_county_code"] = [_("Choose a county of Gansu (a six-digit code such as 621221).")]
    if not (data.base_name or "").strip():
        errors["base_name"] = [_("Name the farm, base or workshop.")]
    expires_on = data.expires_on
    if data.harvested_on > today:
        errors["harvested_on"] = [_("This date is in the future.")]
    elif expires_on is None and product.shelf_life_days is not None:
        expires_on = data.harvested_on + timedelta(days=product.shelf_life_days)
    if expires_on is None and product.perishable:
        errors["expires_on"] = [_("Give the best-before date of a chilled or frozen lot.")]
    elif expires_on is not None and expires_on <= data.harvested_on:
        errors["expires_on"] = [_("The batch must keep after it was harvested.")]
    elif expires_on is not None and expires_on <= today and "harvested_on" not in errors:
        errors["expires_on"] = [_("This lot is already past its best-before date.")]
    if errors or county is None:
        raise _invalid(errors)
    if data.add_to_stock and sku.fulfilled_by == FulfilledBy.HUB:
        raise ApplicationError(
            code=CatalogErrorCode.HUB_STOCK,
            message=_("Stock of a hub SKU comes from the hub's receipts."),
        )
    for _attempt in range(5):
        code = new_trace_code()
        if not Batch.objects.filter(trace_code=code).exists():
            break
    with transaction.atomic():
        batch = Batch.objects.create(
            sku=sku,
            vendor=sku.vendor,
            trace_code=code,
            lot_code=(data.lot_code or "").strip(),
            quantity=data.quantity,
            remaining=data.quantity,
            origin_county=county,
            base_name=data.base_name.strip(),
            harvested_on=data.harvested_on,
            expires_on=expires_on,
        )
        if data.add_to_stock:
            Sku.objects.filter(pk=sku.pk).update(stock=F("stock") + data.quantity)
            product_refresh_summary(product_ids=[product.pk])
    return batch


def _batch_block(batch: Batch, reason: str) -> None:
    """Block a (row-locked) batch: what is left of it leaves the SKU's sellable stock. For a SKU shipped
    from the hub, the hub holds the stock: logistics takes out the units of the lot it holds."""
    batch.blocked = True
    batch.blocked_reason = reason[:255]
    batch.save(update_fields=["blocked", "blocked_reason"])
    if batch.remaining and batch.sku.fulfilled_by != FulfilledBy.HUB:
        Sku.objects.filter(pk=batch.sku_id).update(stock=Greatest(F("stock") - batch.remaining, 0))
        product_refresh_summary(product_ids=[batch.sku.product_id])


def batches_sellable(*, sku_id: int, on: date | None = None) -> QuerySet[Batch]:
    """Lots of a SKU that may ship, in the order they should: first expiry first (FEFO), lots without a
    best-before date after them, oldest harvest first."""
    today = on or timezone.localdate()
    return (
        Batch.objects.filter(sku_id=sku_id, blocked=False, remaining__gt=0)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gt=today))
        .order_by(F("expires_on").asc(nulls_last=True), "harvested_on", "id")
    )


@dataclass
class Allocation:
    batch: Batch
    quantity: int


def batches_allocate(*, sku_id: int, quantity: int, on: date | None = None) -> list[Allocation]:
    """Take ``quantity`` units of a SKU from its sellable lots, first expiry first, and record it on the
    lots. The lots are row-locked in FEFO order; not enough → 409 ``batch_short`` and nothing taken.
    Logistics calls this when it picks an order, and records the lots on the order line."""
    if quantity <= 0:
        raise _invalid({"quantity": [_("Give a quantity above zero.")]})
    with transaction.atomic():
        lots = list(batches_sellable(sku_id=sku_id, on=on).select_for_update())
        allocations: list[Allocation] = []
        wanted = quantity
        for lot in lots:
            if not wanted:
                break
            take = min(lot.remaining, wanted)
            allocations.append(Allocation(batch=lot, quantity=take))
            wanted -= take
        if wanted:
            raise ApplicationError(
                code=CatalogErrorCode.BATCH_SHORT,
                message=_("The sellable lots of this SKU hold fewer units than asked for."),
                extra={"available": quantity - wanted},
            )
        for allocation in allocations:
            Batch.objects.filter(pk=allocation.batch.pk).update(
                remaining=F("remaining") - allocation.quantity
            )
            allocation.batch.remaining -= allocation.quantity
    return allocations


def batches_expire(*, on: date | None = None) -> int:
    """Block every lot whose best-before date has come (a daily Celery beat task). Idempotent."""
    today = on or timezone.localdate()
    count = 0
    due = Batch.objects.filter(blocked=False, expires_on__lte=today).values_list("pk", flat=True)
    for batch_id in list(due):
        with transaction.atomic():
            locked = Batch.objects.select_for_update(of=("self",)).select_related("sku").get(pk=batch_id)
            if locked.blocked:
                continue
            with translation.override(settings.LANGUAGE_CODE):  # stored text: the platform's language
                reason = _("Past its best-before date (%(date)s).") % {"date": locked.expires_on}
            _batch_block(locked, reason)
            count += 1
    return count


def batch_event_add(
    *,
    batch: Batch,
    actor: User,
    event_type: str,
    occurred_at: datetime,
    location: str,
    summary: str,
    result: str = "",
    document: UploadedFile | None = None,
) -> BatchEvent:
    errors: dict[str, list[str]] = {}
    if event_type not in EventType.values:
        errors["event_type"] = [_("Choose harvest, process, inspect, store or ship.")]
    if occurred_at > timezone.now():
        errors["occurred_at"] = [_("This time is in the future.")]
    if not (location or "").strip():
        errors["location"] = [_("Say where it happened.")]
    if not (summary or "").strip():
        errors["summary"] = [_("Say what happened.")]
    if event_type == EventType.INSPECT and result not in InspectionResult.values:
        errors["result"] = [_("An inspection passes or fails.")]
    if event_type != EventType.INSPECT and result:
        errors["result"] = [_("Only inspections have a result.")]
    content = None
    if document is not None:
        try:
            content = clean_image(document, field="document")
        except ApplicationError as exc:
            errors.update(exc.fields or {})
    if errors:
        raise _invalid(errors)
    with transaction.atomic():
        locked = Batch.objects.select_for_update(of=("self",)).select_related("sku").get(pk=batch.pk)
        event = BatchEvent(
            batch=locked,
            event_type=event_type,
            occurred_at=occurred_at,
            location=location.strip(),
            summary=summary.strip(),
            result=result,
            recorded_by=actor,
        )
        if content is not None:
            event.document.save(content.name or "evidence", content, save=False)
        event.save()
        if result == InspectionResult.FAIL and not locked.blocked:
            _batch_block(locked, summary.strip())
    return event


def batch_get_for_recorder(*, user: User, batch_id: int) -> Batch:
    """Staff of the batch's shop (and delegated officers) and warehouse staff record events; others get 404."""
    batch = Batch.objects.select_related("vendor").filter(pk=batch_id).first()
    if batch is None or not user.is_authenticated:
        raise Http404
    if user.has_role(Role.WAREHOUSE):
        return batch
    vendor_get_for_staff(user=user, slug=batch.vendor.slug, allow_delegate=True)
    return batch


def trace_get(*, trace_code: str) -> Batch:
    batch = (
        Batch.objects.select_related("sku__product", "vendor", "origin_county__parent")
        .prefetch_related("events")
        .filter(trace_code=trace_code.strip().upper())
        .first()
    )
    if batch is None:
        raise Http404
    return batch


def qr_png(url: str) -> bytes:
    """A QR code (PNG) that encodes the trace page's absolute URL."""
    image = qrcode.make(url, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()
