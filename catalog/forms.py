from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.models import Category, FulfilledBy, ProductStatus, Storage
from vendors.forms import county_choices


def category_choices() -> list[tuple[str, str]]:
    choices: list[tuple[str, str]] = []
    for category in Category.objects.select_related("parent").order_by("position"):
        label = category.display_name if category.parent is None else f"— {category.display_name}"
        choices.append((category.slug, label))
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
