"""Pages of logistics: /platform/shipping-rates/ (platform staff keep the hub's fee table: one row per
province, each row its own form) and /seller/<slug>/shipping/ (a shop's owner or manager sets the fee the
shop charges for what it ships itself).

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
from logistics import selectors, services
from logistics.models import HUB_CODE, ShippingRate
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
