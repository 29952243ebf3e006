"""The buyer's address book page (/accounts/addresses/): the saved addresses, default first; add one with
the checkout's new-address fields; delete one; make one the default. Only the signed-in user's own
addresses are found here (anyone else's: 404).

"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from gansu_mall.core.errors import ApplicationError
from gansu_mall.core.forms import add_service_errors
from orders.forms import NEW_ADDRESS, CheckoutForm, address_label
from orders.models import Address
from orders.services.addresses import address_create, address_delete, address_set_default
from orders.views import _address_input, _region_names


class AddressForm(CheckoutForm):
    """The checkout's new-address fields (same labels, province and county choices, and the same
    conversion to the service's input), with "make it the default" instead of "save it"."""

    save_address = None  # type: ignore[assignment]
    note = None  # type: ignore[assignment]
    idempotency_key = None  # type: ignore[assignment]
    make_default = forms.BooleanField(label=gettext_lazy("Make this my default address"), required=False)

    NEW_FIELDS = ("recipient", "phone", "province_code", "county_code", "detail", "make_default")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, addresses=[], names={}, **kwargs)
        del self.fields["address"]  # always a new address

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["address"] = NEW_ADDRESS
        return data


@login_required
@require_http_methods(["GET", "POST"])
def address_book(request: HttpRequest) -> HttpResponse:
    """The list (default first) and the form to add one; a refused address shows its errors on the
    fields (400) and nothing is saved."""
    addresses = list(Address.objects.filter(user=request.user))
    form = AddressForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                address_create(
                    user=request.user,
                    data=_address_input(form),
                    make_default=form.cleaned_data["make_default"],
                )
            except ApplicationError as exc:
                status = exc.status_code
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Address saved."))
                return redirect("orders:addresses")
    names = _region_names(code for a in addresses for code in (a.province_code, a.city_code, a.county_code))
    return render(
        request,
        "orders/addresses.html",
        {"entries": [(a, address_label(a, names)) for a in addresses], "form": form},
        status=status,
    )


@login_required
@require_POST
def address_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    address = get_object_or_404(Address, pk=pk, user=request.user)
    address_delete(address=address)
    messages.success(request, _("Address deleted."))
    return redirect("orders:addresses")


@login_required
@require_POST
def address_default_view(request: HttpRequest, pk: int) -> HttpResponse:
    address = get_object_or_404(Address, pk=pk, user=request.user)
    address_set_default(address=address)
    messages.success(request, _("This is now your default address."))
    return redirect("orders:addresses")
