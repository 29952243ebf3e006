"""Product list filters of API.md."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import F, QuerySet

from catalog.models import Product, Storage
from catalog.search import search_products
from catalog.selectors import category_with_descendants
from vendors.models import CreditGrade


class NullsLastOrderingFilter(django_filters.OrderingFilter):
    """Orderings with unrated (null) products last, whichever way they sort."""

    def get_ordering_value(self, param: str) -> Any:
        value = super().get_ordering_value(param)
        descending = value.startswith("-")
        field = F(value.lstrip("-"))
        return field.desc(nulls_last=True) if descending else field.asc(nulls_last=True)


class ProductFilter(django_filters.FilterSet):
    category = django_filters.CharFilter(method="filter_category")
    origin_county = django_filters.CharFilter(field_name="origin_county_id")
    origin_prefecture = django_filters.CharFilter(field_name="origin_county__parent_id")
    vendor = django_filters.CharFilter(field_name="vendor__slug")
    min_price = django_filters.NumberFilter(field_name="price", lookup_expr="gte")
    max_price = django_filters.NumberFilter(field_name="price", lookup_expr="lte")
    gi = django_filters.BooleanFilter(method="filter_gi")
    poverty_relief = django_filters.BooleanFilter(field_name="origin_county__poverty_relief")
    in_stock = django_filters.BooleanFilter(field_name="in_stock")
    storage = django_filters.ChoiceFilter(choices=Storage.choices)
    min_grade = django_filters.ChoiceFilter(choices=CreditGrade.choices, method="filter_min_grade")
    search = django_filters.CharFilter(method="filter_search")
    ordering = NullsLastOrderingFilter(
        fields=(("price", "price"), ("sales", "sales"), ("created_at", "created"), ("rating", "rating")),
    )

    class Meta:
        model = Product
        fields: list[str] = []

    def filter_category(self, queryset: QuerySet[Product], name: str, value: str) -> QuerySet[Product]:
        return queryset.filter(category_id__in=category_with_descendants(slug=value))

    def filter_min_grade(self, queryset: QuerySet[Product], name: str, value: str) -> QuerySet[Product]:
        """Shops graded ``value`` or better (A is best); unrated shops do not qualify."""
        return queryset.filter(vendor__credit_grade__in=[g for g in CreditGrade.values if g <= value])

    def filter_gi(self, queryset: QuerySet[Product], name: str, value: bool) -> QuerySet[Product]:
        return queryset.exclude(gi_certificate="") if value else queryset.filter(gi_certificate="")

    def filter_search(self, queryset: QuerySet[Product], name: str, value: str) -> QuerySet[Product]:
        """Chinese words, pinyin (full or initials) and English, with synonyms; ranked by relevance."""
        return search_products(queryset, value)
