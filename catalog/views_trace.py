"""Seller centre: the lots (batches) of a product and their trace events."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog import selectors, trace
from catalog.forms import BatchEventForm, BatchForm
from catalog.models import Batch
from gansu_mall.core.errors import ApplicationError
from gansu_mall.core.forms import add_service_errors


@login_required
def seller_batches(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The product's lots, newest first, and a form to register one."""
    product, _role = selectors.product_get_for_staff(user=request.user, product_id=pk)
    if product.vendor.slug != slug:
        raise Http404
    skus = list(product.skus.all())
    form = BatchForm(
        request.POST or None,
        skus=[(sku.pk, f"{sku.code} · {sku.spec}") for sku in skus],
        initial={"origin_county_code": product.origin_county_id, "add_to_stock": True},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        sku = next(s for s in skus if s.pk == data.pop("sku"))
        sku.product = product
        try:
            batch = trace.batch_create(sku=sku, data=trace.BatchInput(**data))
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Lot registered: trace code %(code)s.") % {"code": batch.trace_code})
            return redirect("catalog:seller_batch", slug=slug, pk=pk, batch_id=batch.pk)
    batches = (
        Batch.objects.filter(sku__product=product).select_related("sku").order_by("-harvested_on", "-id")
    )
    return render(
        request,
        "catalog/seller_batches.html",
        {
            "vendor": product.vendor,
            "product": product,
            "form": form,
            "batches": batches,
            "today": timezone.localdate(),
        },
        status=400 if form.errors else 200,
    )


@login_required
def seller_batch(request: HttpRequest, slug: str, pk: int, batch_id: int) -> HttpResponse:
    """One lot: its facts, its trace events in time order, and a form to record the next event."""
    batch = trace.batch_get_for_recorder(user=request.user, batch_id=batch_id)
    product, _role = selectors.product_get_for_staff(user=request.user, product_id=pk)
    if batch.sku.product_id != product.pk or product.vendor.slug != slug:
        raise Http404
    form = BatchEventForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            trace.batch_event_add(batch=batch, actor=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Event recorded."))
            return redirect("catalog:seller_batch", slug=slug, pk=pk, batch_id=batch.pk)
    batch.refresh_from_db()
    return render(
        request,
        "catalog/seller_batch.html",
        {
            "vendor": product.vendor,
            "product": product,
            "batch": batch,
            "events": list(batch.events.select_related("recorded_by")),
            "form": form,
        },
        status=400 if form.errors else 200,
    )
