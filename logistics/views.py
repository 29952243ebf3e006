"""Pages of logistics: /platform/shipping-rates/ (platform staff keep the hub's fee table: one row per
province, each row its own form), /seller/<slug>/shipping/ (a shop's owner or manager sets the fee the
shop charges for what it ships itself), /seller/<slug>/inbound/ (the shop's staff announce consignments to
the hub) and /warehouse/inbound/ (warehouse staff count, put away and inspect them).

The forms work without JavaScript (post, then redirect); with htmx a row's form swaps only its row. The
services check permissions again. The forms of these pages live here: they serve no other module.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from gansu_mall.accounts.models import Role
from gansu_mall.accounts.permissions import role_required
from gansu_mall.core.errors import ApplicationError
from gansu_mall.core.forms import add_service_errors
from logistics import inbound, selectors, services
from logistics.models import HUB_CODE, InboundShipment, InboundStatus, ShippingRate
from vendors.selectors import vendor_get_for_staff

_MONEY = {"max_digits": 6, "decimal_places": 2, "min_value": Decimal(0), "max_value": services.MAX_FEE}


def _money_field(label: Any, *, required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 7}),
        **_MONEY,  # type: ignore[arg-type]
    )


def _whole_field(label: Any, *, most: int) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=1,
        max_value=most,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 6}),
    )


class RateForm(forms.Form):
    """One row of the fee table; its inputs belong to the row's <form> through their ``form`` attribute."""

    first_weight_grams = _whole_field(gettext_lazy("First weight (g)"), most=services.MAX_GRAMS)
    first_fee = _money_field(gettext_lazy("First-weight fee"))
    additional_unit_grams = _whole_field(gettext_lazy("Additional unit (g)"), most=services.MAX_GRAMS)
    additional_fee = _money_field(gettext_lazy("Fee per additional unit"))
    cold_chain_surcharge = _money_field(gettext_lazy("Cold chain surcharge"))
    cold_chain_available = forms.BooleanField(label=gettext_lazy("Cold chain available"), required=False)
    remote = forms.BooleanField(label=gettext_lazy("Remote area"), required=False)
    days = _whole_field(gettext_lazy("Delivery days"), most=services.MAX_DAYS)

    def __init__(self, data: Any = None, *, rate: ShippingRate) -> None:
        initial = {name: getattr(rate, name) for name in services.RATE_FIELDS}
        super().__init__(data, prefix=f"rate-{rate.pk}", initial=initial)
        self.rate = rate
        for field in self.fields.values():
            field.widget.attrs["form"] = f"rate-form-{rate.pk}"


def _rates_context(*, error_form: RateForm | None = None) -> dict[str, Any]:
    rates = list(selectors.shipping_rates(warehouse_code=HUB_CODE))
    forms_ = [
        error_form if error_form is not None and error_form.rate.pk == rate.pk else RateForm(rate=rate)
        for rate in rates
    ]
    return {
        "forms": forms_,
        "hub": rates[0].warehouse if rates else None,
        "error_province": error_form.rate.province.display_name if error_form is not None else "",
    }


def _require_rate_editor(request: HttpRequest) -> None:
    if not services.rate_may_edit(user=request.user):
        raise PermissionDenied


@role_required(Role.ADMIN)
def platform_shipping_rates(request: HttpRequest) -> HttpResponse:
    """The hub's fee table by province, every row editable in place."""
    _require_rate_editor(request)
    return render(request, "logistics/platform_shipping_rates.html", _rates_context())


@role_required(Role.ADMIN)
@require_POST
def platform_shipping_rate_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_rate_editor(request)
    rate = selectors.shipping_rate_get(rate_id=pk)
    if rate is None:
        raise Http404
    form = RateForm(request.POST, rate=rate)
    saved = False
    if form.is_valid():
        try:
            rate = services.rate_update(rate=rate, actor=request.user, changes=form.cleaned_data)
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            saved = True
    name = rate.province.display_name
    if request.htmx:
        row = RateForm(rate=rate) if saved else form
        return render(
            request,
            "logistics/_rate_row.html",
            {"form": row, "saved": saved},  # 200 either way: htmx swaps only successful responses
        )
    if saved:
        messages.success(request, _("Saved: %(province)s.") % {"province": name})
        return redirect(reverse("logistics:platform_shipping_rates") + f"#rate-{rate.pk}")
    return render(
        request, "logistics/platform_shipping_rates.html", _rates_context(error_form=form), status=400
    )


class ShopRuleForm(forms.Form):
    fee = _money_field(gettext_lazy("Shipping fee per order (yuan)"))
    free_over = _money_field(gettext_lazy("Free shipping from (yuan)"), required=False)
    remote_surcharge = _money_field(gettext_lazy("Remote-area surcharge (yuan)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["free_over"].help_text = gettext_lazy(
            "Orders whose items total reaches this amount ship free. Leave it empty if they never do."
        )
        self.fields["remote_surcharge"].help_text = gettext_lazy(
            "Added for remote areas (Tibet, Xinjiang, Qinghai, Inner Mongolia, Hainan, Hong Kong, Macau, "
            "Taiwan), even when shipping is free."
        )


@login_required
@require_http_methods(["GET", "POST"])
def seller_shipping(request: HttpRequest, slug: str) -> HttpResponse:
    """The shop's own shipping rule; owners and managers only (404 for everyone else)."""
    vendor, role = vendor_get_for_staff(user=request.user, slug=slug, roles=services.SHOP_RULE_EDITORS)
    rule = selectors.shop_rule_get(vendor_id=vendor.pk)
    initial: dict[str, Any] = {"remote_surcharge": Decimal("0.00")}
    if rule is not None:
        initial = {"fee": rule.fee, "free_over": rule.free_over, "remote_surcharge": rule.remote_surcharge}
    form = ShopRuleForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.shop_rule_set(
                vendor=vendor, actor_role=role, actor=request.user, changes=form.cleaned_data
            )
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("logistics:seller_shipping", slug=vendor.slug)
    return render(
        request,
        "logistics/seller_shipping.html",
        {"vendor": vendor, "rule": rule, "form": form, "flat_fee": selectors.flat_shipping_fee()},
        status=400 if form.errors else 200,
    )


# --- Inbound consignments: /seller/<slug>/inbound/ and /warehouse/inbound/ --------------------------------


class InboundLineForm(forms.Form):
    """One row of an announcement; rows without a SKU are left out."""

    sku = forms.TypedChoiceField(label=gettext_lazy("SKU"), coerce=int, required=False, empty_value=None)
    quantity = forms.IntegerField(
        label=gettext_lazy("Quantity"),
        min_value=1,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 6}),
    )
    batch = forms.TypedChoiceField(
        label=gettext_lazy("Lot (optional)"), coerce=int, required=False, empty_value=None
    )

    def __init__(
        self, *args: Any, skus: list[tuple[Any, str]], lots: list[tuple[Any, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sku"].choices = [("", "—"), *skus]
        self.fields["batch"].choices = [("", "—"), *lots]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("sku") and not data.get("quantity") and "quantity" not in self.errors:
            self.add_error("quantity", _("Give the number of units."))
        return data


InboundLineFormSet = forms.formset_factory(InboundLineForm, extra=5, max_num=inbound.MAX_LINES)


class AnnounceForm(forms.Form):
    warehouse = forms.ChoiceField(label=gettext_lazy("Warehouse"))
    note = forms.CharField(label=gettext_lazy("Note for the warehouse"), max_length=500, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].choices = [
            (warehouse.code, warehouse.display_name) for warehouse in selectors.warehouses_active()
        ]


def _announce_errors(form: AnnounceForm, formset: Any, rows: list[int], exc: ApplicationError) -> None:
    """Put a service's refusal on the form: ``lines.<n>.<field>`` on the row that line came from."""
    if not exc.fields:
        form.add_error(None, str(exc.message))
        return
    for name, messages_ in exc.fields.items():
        parts = name.split(".")
        if parts[0] == "lines" and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(rows):
            row = formset.forms[rows[int(parts[1])]]
            for message in messages_:
                row.add_error(parts[2] if parts[2] in row.fields else None, message)
        else:
            for message in messages_:
                form.add_error(name if name in form.fields else None, message)


@login_required
@require_http_methods(["GET", "POST"])
def seller_inbound(request: HttpRequest, slug: str) -> HttpResponse:
    """The shop's consignments to the hub, and the form that announces a new one (any of its staff)."""
    vendor, role = vendor_get_for_staff(user=request.user, slug=slug)
    skus, lots = selectors.inbound_choices(vendor_id=vendor.pk)
    data = request.POST if request.method == "POST" else None
    form = AnnounceForm(data, initial={"warehouse": HUB_CODE})
    formset = InboundLineFormSet(data, prefix="lines", form_kwargs={"skus": skus, "lots": lots})
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        rows = [index for index, row in enumerate(formset.forms) if row.cleaned_data.get("sku")]
        lines = [
            inbound.AnnouncedLine(
                sku_id=formset.forms[index].cleaned_data["sku"],
                quantity=formset.forms[index].cleaned_data["quantity"],
                batch_id=formset.forms[index].cleaned_data.get("batch"),
            )
            for index in rows
        ]
        try:
            shipment = inbound.inbound_announce(
                vendor=vendor,
                actor=request.user,
                actor_role=role,
                warehouse_code=form.cleaned_data["warehouse"],
                note=form.cleaned_data["note"],
                lines=lines,
            )
        except ApplicationError as exc:
            _announce_errors(form, formset, rows, exc)
        else:
            messages.success(request, _("Consignment %(number)d announced.") % {"number": shipment.pk})
            return redirect("logistics:seller_inbound", slug=vendor.slug)
    _vendor, shipments = selectors.inbound_shipments_for_staff(user=request.user, slug=vendor.slug)
    invalid_ = bool(form.errors or any(row.errors for row in formset.forms) or formset.non_form_errors())
    return render(
        request,
        "logistics/seller_inbound.html",
        {"vendor": vendor, "shipments": list(shipments[:50]), "form": form, "formset": formset},
        status=400 if invalid_ else 200,
    )


@role_required(Role.WAREHOUSE)
def warehouse_inbound(request: HttpRequest) -> HttpResponse:
    """Announced consignments, the oldest first, and the last ones received."""
    announced = list(selectors.inbound_shipments_for_warehouse(status=InboundStatus.ANNOUNCED)[:100])
    received = list(
        selectors.inbound_shipments_for_warehouse(status=InboundStatus.RECEIVED).order_by(
            "-received_at", "-id"
        )[:20]
    )
    return render(request, "logistics/warehouse_inbound.html", {"announced": announced, "received": received})


class ReceiveForm(forms.Form):
    """One count and one bin per announced line (fields ``count-<line id>`` and ``bin-<line id>``)."""

    def __init__(self, *args: Any, shipment: InboundShipment, bins: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = list(shipment.lines.all())
        choices = [("", "—"), *((bin_.code, f"{bin_.code} ({bin_.get_zone_display()})") for bin_ in bins)]
        for line in self.lines:
            self.fields[f"count-{line.pk}"] = forms.IntegerField(
                label=_("Units counted"),
                min_value=0,
                initial=line.quantity,
                widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 6}),
            )
            self.fields[f"bin-{line.pk}"] = forms.ChoiceField(label=_("Bin"), choices=choices, required=False)

    def rows(self) -> list[tuple[Any, Any, Any]]:
        return [(line, self[f"count-{line.pk}"], self[f"bin-{line.pk}"]) for line in self.lines]


class InspectionFailedForm(forms.Form):
    batch = forms.TypedChoiceField(label=gettext_lazy("Lot"), coerce=int)
    summary = forms.CharField(
        label=gettext_lazy("What the inspection found"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, shipment: InboundShipment, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["batch"].choices = [
            (line.batch_id, f"{line.batch.trace_code} · {line.sku.code}")
            for line in shipment.lines.all()
            if line.batch is not None
        ]


@role_required(Role.WAREHOUSE)
@require_http_methods(["GET", "POST"])
def warehouse_inbound_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Count each line, choose its bin and receive; then report a lot that failed its inspection."""
    shipment = selectors.inbound_get_for_user(user=request.user, shipment_id=pk)
    bins = list(selectors.warehouse_bins(warehouse_id=shipment.warehouse_id))
    action = request.POST.get("action") if request.method == "POST" else None
    receive_form = ReceiveForm(request.POST if action == "receive" else None, shipment=shipment, bins=bins)
    inspection_form = InspectionFailedForm(
        request.POST if action == "inspection" else None, shipment=shipment
    )
    if action == "receive" and receive_form.is_valid():
        counted = [
            inbound.CountedLine(
                sku_id=line.sku_id,
                batch_id=line.batch_id,
                received_quantity=receive_form.cleaned_data[f"count-{line.pk}"],
                bin_code=receive_form.cleaned_data[f"bin-{line.pk}"] or None,
            )
            for line in receive_form.lines
        ]
        try:
            inbound.inbound_receive(shipment=shipment, actor=request.user, lines=counted)
        except ApplicationError as exc:
            for name, messages_ in (exc.fields or {"": [str(exc.message)]}).items():
                parts = name.split(".")
                target = None
                if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(receive_form.lines):
                    line_id = receive_form.lines[int(parts[1])].pk
                    target = f"bin-{line_id}" if parts[2] == "bin" else f"count-{line_id}"
                for message in messages_:
                    receive_form.add_error(target, message)
        else:
            messages.success(request, _("Consignment %(number)d received.") % {"number": shipment.pk})
            return redirect("logistics:warehouse_inbound_detail", pk=shipment.pk)
    elif action == "inspection" and inspection_form.is_valid():
        try:
            inbound.inbound_inspection_failed(
                shipment=shipment,
                actor=request.user,
                batch_id=inspection_form.cleaned_data["batch"],
                summary=inspection_form.cleaned_data["summary"],
            )
        except ApplicationError as exc:
            add_service_errors(inspection_form, exc)
        else:
            messages.success(request, _("The lot is blocked and its hub stock cleared."))
            return redirect("logistics:warehouse_inbound_detail", pk=shipment.pk)
    status = 400 if (receive_form.errors or inspection_form.errors) else 200
    return render(
        request,
        "logistics/warehouse_inbound_detail.html",
        {"shipment": shipment, "receive_form": receive_form, "inspection_form": inspection_form},
        status=status,
    )
