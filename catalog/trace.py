"""Traceability: batches (lots) of a SKU with public trace codes, and their events in time order.

A batch that fails an inspection is blocked: what is left of it is taken out of the SKU's sellable stock.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from datetime import date, datetime

import qrcode
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Batch, BatchEvent, EventType, InspectionResult, Sku
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


def batch_create(*, sku: Sku, data: BatchInput) -> Batch:
    errors: dict[str, list[str]] = {}
    if data.quantity is None or data.quantity <= 0:
        errors["quantity"] = [_("Give a quantity above zero.")]
    county = gansu_county_get(code=(data.origin_county_code or "").strip())
    if county is None:
        errors["origin_county_code"] = [_("Choose a county of Gansu (a six-digit code such as 621221).")]
    if not (data.base_name or "").strip():
        errors["base_name"] = [_("Name the farm, base or workshop.")]
    if data.harvested_on > timezone.localdate():
        errors["harvested_on"] = [_("This date is in the future.")]
    if data.expires_on is not None and data.expires_on <= data.harvested_on:
        errors["expires_on"] = [_("The batch must keep after it was harvested.")]
    if errors or county is None:
        raise _invalid(errors)
    for _attempt in range(5):
        code = new_trace_code()
        if not Batch.objects.filter(trace_code=code).exists():
            break
    return Batch.objects.create(
        sku=sku,
        vendor=sku.vendor,
        trace_code=code,
        lot_code=(data.lot_code or "").strip(),
        quantity=data.quantity,
        origin_county=county,
        base_name=data.base_name.strip(),
        harvested_on=data.harvested_on,
        expires_on=data.expires_on,
    )


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
        locked = Batch.objects.select_for_update().get(pk=batch.pk)
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
            locked.blocked = True
            locked.blocked_reason = summary.strip()[:255]
            locked.save(update_fields=["blocked", "blocked_reason"])
            # What is left of the lot can no longer be sold.
            Sku.objects.filter(pk=locked.sku_id).update(stock=Greatest(F("stock") - locked.quantity, 0))
            product_refresh_summary(product_ids=[locked.sku.product_id])
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
