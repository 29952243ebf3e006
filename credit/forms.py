"""Forms of the credit pages; the services check everything again."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from credit.models import Category, ObjectionStatus, Polarity, RecordStatus


class RecordForm(forms.Form):
    subject_code = forms.CharField(
        label=_("USCC or ID number"), max_length=30, help_text=_("Stored only as a keyed hash and masked.")
    )
    subject_name = forms.CharField(label=_("Name of the subject"), max_length=200, required=False)
    polarity = forms.ChoiceField(label=_("Polarity"), choices=Polarity.choices)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    severity = forms.TypedChoiceField(
        label=_("Severity"), choices=[(1, "1"), (2, "2"), (3, "3")], coerce=int, initial=1
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    occurred_on = forms.DateField(label=_("Occurred on"), widget=forms.DateInput(attrs={"type": "date"}))
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty: negative records expire after the policy period of their severity."),
    )
    legal_basis = forms.CharField(label=_("Legal basis"), max_length=500, required=False)
    public = forms.BooleanField(label=_("Public"), required=False, initial=True)
    evidence = forms.FileField(label=_("Evidence (photo or scan)"), required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))


class ObjectionForm(forms.Form):
    record = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    evidence = forms.FileField(label=_("Evidence (photo or scan)"), required=False)


class ResolveForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(ObjectionStatus.UPHELD, _("Uphold")), (ObjectionStatus.REVOKED, _("Revoke"))],
    )
    note = forms.CharField(label=_("Note"), max_length=2000)


class RecordFilterForm(forms.Form):
    subject_code = forms.CharField(label=_("USCC or ID number"), max_length=30, required=False)
    department = forms.TypedChoiceField(label=_("Department"), required=False, coerce=int, empty_value=None)
    category = forms.ChoiceField(label=_("Category"), required=False)
    polarity = forms.ChoiceField(label=_("Polarity"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(
        self, *args: object, departments: list[tuple[int, str]] | None = None, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        everything = [("", _("all"))]
        if departments is None:
            del self.fields["department"]
        else:
            self.fields["department"].choices = [*everything, (0, _("commerce bureau")), *departments]  # type: ignore[attr-defined]
        self.fields["category"].choices = [*everything, *Category.choices]  # type: ignore[attr-defined]
        self.fields["polarity"].choices = [*everything, *Polarity.choices]  # type: ignore[attr-defined]
        self.fields["status"].choices = [*everything, *RecordStatus.choices]  # type: ignore[attr-defined]
