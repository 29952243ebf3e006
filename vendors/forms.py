from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gansu_mall.regions.selectors import prefectures_with_counties
from vendors.models import QualificationKind, StaffRole, VendorType


def county_choices() -> list[tuple[str, list[tuple[str, str]]] | tuple[str, str]]:
    groups: list[tuple[str, list[tuple[str, str]]] | tuple[str, str]] = [("", _("Choose a county"))]  # type: ignore[list-item]
    for prefecture in prefectures_with_counties():
        groups.append(
            (prefecture.display_name, [(c.code, c.display_name) for c in prefecture.children.all()])
        )
    return groups


class ApplicationForm(forms.Form):
    shop_name = forms.CharField(label=_("Shop name"), max_length=60)
    vendor_type = forms.ChoiceField(
        label=_("Seller type"), choices=VendorType.choices, widget=forms.RadioSelect
    )
    legal_name = forms.CharField(
        label=_("Legal name"),
        max_length=100,
        help_text=_("The person's name, or the registered name of the firm."),
    )
    id_number = forms.CharField(
        label=_("Resident ID number (individual sellers)"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    uscc = forms.CharField(
        label=_("Unified Social Credit Code (enterprises and cooperatives)"), max_length=30, required=False
    )
    county_code = forms.ChoiceField(label=_("County of operation"))
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20)
    license_image = forms.FileField(
        label=_("Business licence (enterprises and cooperatives)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=_("A JPEG, PNG or WebP photo or scan, at most 8 MB."),
    )
    description = forms.CharField(
        label=_("About the shop"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    bank_name = forms.CharField(label=_("Bank"), max_length=60, required=False)
    bank_account_holder = forms.CharField(label=_("Account holder"), max_length=100, required=False)
    bank_account = forms.CharField(
        label=_("Bank account number for payouts"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, officer: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["county_code"].choices = county_choices()
        if officer:
            self.fields["on_behalf_of"] = forms.CharField(
                label=_("Apply for a farmer (their user name)"),
                max_length=150,
                required=False,
                help_text=_("Information officers may apply for farmers of their counties."),
            )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class StaffForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    role = forms.ChoiceField(
        label=_("Role"), choices=[(StaffRole.MANAGER, _("manager")), (StaffRole.CLERK, _("clerk"))]
    )


class QualificationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=QualificationKind.choices)
    number = forms.CharField(label=_("Licence number"), max_length=64)
    expires_on = forms.DateField(label=_("Expires on"), widget=forms.DateInput(attrs={"type": "date"}))
    document = forms.FileField(
        label=_("Document"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )


class PayoutForm(forms.Form):
    bank_name = forms.CharField(label=_("Bank"), max_length=60)
    holder = forms.CharField(label=_("Account holder"), max_length=100)
    number = forms.CharField(
        label=_("Account number"), max_length=40, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )


class DelegationForm(forms.Form):
    officer = forms.CharField(label=_("Information officer (user name)"), max_length=150)


class ProfileForm(forms.Form):
    name_en = forms.CharField(label=_("English name"), max_length=80, required=False)
    story = forms.CharField(label=_("Our story"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    story_en = forms.CharField(
        label=_("Our story (English)"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20)
    logo = forms.FileField(label=_("Logo"), required=False)
    banner = forms.FileField(label=_("Banner"), required=False)
