from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.models import Category, EventType, FulfilledBy, InspectionResult, ProductStatus, Storage
from vendors.forms import county_choices


def category_choices() -> list[tuple[str, str]]:
    """Every category in tree order (positions are kept in pre-order), indented by its depth (up to 3
    levels: catalog.categories)."""
    nodes = list(Category.objects.order_by("position", "slug"))
    parent_of = {category.pk: category.parent_id for category in nodes}
    choices: list[tuple[str, str]] = []
    for category in nodes:
        depth, current = 0, category.parent_id
        while current is not None and depth < len(nodes):
            depth, current = depth + 1, parent_of.get(current)
        choices.append((category.slug, "— " * depth + category.display_name))
    return choices


class ProductForm(forms.Form):
    name = forms.CharField(label=_("Product name"), max_length=80)
    name_en = forms.CharField(label=_("English name"), max_length=120, required=False)
    category = forms.ChoiceField(label=_("Category"))
    origin_county_code = forms.ChoiceField(label=_("County of origin"))
    storage = forms.ChoiceField(label=_("Storage"), choices=Storage.choices)
    shelf_life_days = forms.IntegerField(label=_("Shelf life (days)"), min_value=1, required=False)
    gi_certificate = forms.CharField(
        label=_("Geographical indication (if any)"), max_length=120, required=False
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    description_en = forms.CharField(
        label=_("English description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (ProductStatus.DRAFT, ProductStatus.DRAFT.label),
            (ProductStatus.ACTIVE, ProductStatus.ACTIVE.label),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()
        self.fields["origin_county_code"].choices = county_choices()


class ProductDetailsForm(ProductForm):
    """The product's own fields, for editing (its status has buttons of its own)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["status"]


class SkuForm(forms.Form):
    code = forms.CharField(label=_("SKU code"), max_length=40, required=False)
    spec = forms.CharField(label=_("Spec"), max_length=60, required=False)
    price = forms.CharField(label=_("Price (CNY)"), max_length=20, required=False)
    stock = forms.CharField(label=_("Stock"), max_length=12, required=False)
    weight_grams = forms.CharField(label=_("Weight (g)"), max_length=12, required=False)
    fulfilled_by = forms.ChoiceField(label=_("Shipped by"), choices=FulfilledBy.choices, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("code"):
            data["stock"] = data.get("stock") or "0"
            data["fulfilled_by"] = data.get("fulfilled_by") or FulfilledBy.VENDOR
        return data


SkuFormSet = forms.formset_factory(SkuForm, extra=3, max_num=10)


class SkuStockForm(forms.Form):
    price = forms.CharField(label=_("Price (CNY)"), max_length=20, required=False)
    stock = forms.CharField(label=_("Stock"), max_length=12, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        return {k: (v if v not in ("", None) else None) for k, v in data.items()}


class SynonymForm(forms.Form):
    term = forms.CharField(label=_("Word"), max_length=40)
    canonical = forms.CharField(label=_("Means the same as"), max_length=40)


class DateInput(forms.DateInput):
    input_type = "date"


class BatchForm(forms.Form):
    sku = forms.TypedChoiceField(label=_("SKU"), coerce=int)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1)
    origin_county_code = forms.ChoiceField(label=_("County of origin"))
    base_name = forms.CharField(label=_("Production base"), max_length=100)
    harvested_on = forms.DateField(label=_("Harvested or processed on"), widget=DateInput)
    expires_on = forms.DateField(
        label=_("Best before"),
        required=False,
        widget=DateInput,
        help_text=_("Left empty: the harvest date plus the product's shelf life."),
    )
    lot_code = forms.CharField(label=_("Lot code"), max_length=40, required=False)
    add_to_stock = forms.BooleanField(
        label=_("Add this quantity to the SKU's stock"), required=False, initial=True
    )

    def __init__(self, *args: Any, skus: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sku"].choices = skus
        self.fields["origin_county_code"].choices = county_choices()


class BatchEventForm(forms.Form):
    event_type = forms.ChoiceField(label=_("Event"), choices=EventType.choices)
    occurred_at = forms.DateTimeField(
        label=_("When"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    location = forms.CharField(label=_("Where"), max_length=120)
    summary = forms.CharField(label=_("What"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    result = forms.ChoiceField(
        label=_("Inspection result"),
        choices=[("", "—"), *InspectionResult.choices],
        required=False,
    )
    document = forms.FileField(label=_("Evidence (photo or scan of the report)"), required=False)
