"""Forms of the order pages. They only shape the input: the services validate it (addresses, quantities,
tracking numbers) and their refusals are shown on these forms (gansu_mall.core.forms.add_service_errors)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gansu_mall.regions.selectors import region_children
from logistics.carriers import CARRIERS
from orders.models import Address
from vendors.forms import county_choices

NEW_ADDRESS = "new"


def carrier_label(code: str) -> str:
    """The carrier's name in the active language (logistics.carriers holds the list)."""
    carrier = CARRIERS.get(code)
    return carrier.display_name if carrier is not None else code.upper()


def carrier_choices() -> list[tuple[str, str]]:
    return [("", str(_("Choose a carrier")))] + [(code, carrier_label(code)) for code in CARRIERS]


def address_label(address: Address, names: dict[str, str]) -> str:
    """``王芳 · 139…· 甘肃省 陇南市 成县 · 城关镇…`` for the address choice."""
    region = " ".join(
        names.get(code, code)
        for code in (address.province_code, address.city_code, address.county_code)
        if code
    )
    return " · ".join(part for part in (address.recipient, address.phone, region, address.detail) if part)


class CheckoutForm(forms.Form):
    """A saved address or a new one (any province; Gansu down to the county), a note, and the key that makes
    a second submission of the same page return the first result."""

    address = forms.ChoiceField(label=_("Deliver to"), widget=forms.RadioSelect)
    recipient = forms.CharField(
        label=_("Recipient"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    province_code = forms.ChoiceField(label=_("Province"), required=False)
    county_code = forms.ChoiceField(
        label=_("County (addresses in Gansu)"),
        required=False,
        help_text=_("Addresses in Gansu need their county; elsewhere the province is enough."),
    )
    detail = forms.CharField(
        label=_("Street address"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    save_address = forms.BooleanField(label=_("Save this address for next time"), required=False)
    note = forms.CharField(
        label=_("Note to the shops (optional)"),
        max_length=200,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    express = forms.BooleanField(
        label=_("Express delivery from the hub (a surcharge; packed first)"), required=False
    )
    idempotency_key = forms.CharField(max_length=100, widget=forms.HiddenInput)

    NEW_FIELDS = ("recipient", "phone", "province_code", "county_code", "detail", "save_address")

    def __init__(
        self, *args: object, addresses: list[Address], names: dict[str, str], **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.addresses = {str(a.pk): a for a in addresses}
        self.fields["address"].choices = [(str(a.pk), address_label(a, names)) for a in addresses] + [
            (NEW_ADDRESS, _("A new address"))
        ]
        self.fields["province_code"].choices = [("", _("Choose a province"))] + [
            (r.code, r.display_name) for r in region_children(parent_code=None)
        ]
        self.fields["county_code"].choices = county_choices()

    def new_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.NEW_FIELDS]


class ShipForm(forms.Form):
    carrier = forms.ChoiceField(
        label=_("Carrier"),
        choices=carrier_choices,  # a callable: the names follow the language of each request
    )
    tracking_number = forms.CharField(
        label=_("Tracking number"), max_length=40, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"), max_length=200, required=False, widget=forms.TextInput()
    )
