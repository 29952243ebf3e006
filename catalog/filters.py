"""Product list filters of API.md."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import F, QuerySet

from catalog.models import Product, Storage
from catalog.reference import reference
from catalog.search import search_products
from catalog.selectors import category_with_descendants
from gansu_mall.core.api.filtering import LeanFilterSet
from vendors.models import CreditGrade


class NullsLastOrderingFilter(django_filters.OrderingFilter):
    """Orderings with unpriced or unrated (null) products last whichever way they sort, and the id after the
    field so that pages never overlap. Each ordering matches an index of Product (see its Meta), so a page
    is read off that index instead of sorting every product."""

    NULLABLE = frozenset({"price", "rating"})

    def filter(self, qs: QuerySet[Product], value: Any) -> QuerySet[Product]:
        if value in ([], (), {}, "", None):
            return qs
        terms: list[Any] = []
        for param in value:
            field = self.get_ordering_value(param)
            descending = field.startswith("-")
            name = field.lstrip("-")
            nulls_last = True if name in self.NULLABLE else None
            terms.append(
                F(name).desc(nulls_last=nulls_last) if descending else F(name).asc(nulls_last=nulls_last)
            )
        last_descending = value[-1].startswith("-")
        terms.append(F("id").desc() if last_descending else F("id").asc())
        return qs.order_by(*terms)


class ProductFilter(LeanFilterSet):
    category = django_filters.CharFilter(method="filter_category")
    origin_county = django_filters.CharFilter(field_name="origin_county_id")
    origin_prefecture = django_filters.CharFilter(method="filter_prefecture")
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

    # With a search, the category and prefecture are handed to it (``search_products``: on PostgreSQL they
    # join the words in one GIN index condition); the search filter runs after them (declaration order).
    _scope: dict[str, list[Any]]

    def _searching(self) -> bool:
        return bool(self.form.cleaned_data.get("search"))

    def filter_category(self, queryset: QuerySet[Product], name: str, value: str) -> QuerySet[Product]:
        ids = category_with_descendants(slug=value)
        if self._searching():
            self._scope_of()["categories"] = ids
            return queryset
        return queryset.filter(category_id__in=ids)

    def filter_prefecture(self, queryset: QuerySet[Product], name: str, value: str) -> QuerySet[Product]:
        """The prefecture's counties as a list: one index condition rather than a join, which the planner
        would run once per county."""
        codes = sorted(code for code, prefecture in reference().prefecture_of.items() if prefecture == value)
        if self._searching():
            self._scope_of()["counties"] = codes
            return queryset
        return queryset.filter(origin_county_id__in=codes)

    def _scope_of(self) -> dict[str, list[Any]]:
        if not hasattr(self, "_scope"):
            self._scope = {}
        return self._scope

    def filter_min_grade(self, queryset: QuerySet[Product], name: str, value: str) -> QuerySet[Product]:
        """Shops graded ``value`` or better (A is best); unrated shops do not qualify."""
        return queryset.filter(vendor__credit_grade__in=[g for g in CreditGrade.values if g <= value])

    def filter_gi(self, queryset: QuerySet[Product], name: str, value: bool) -> QuerySet[Product]:
        return queryset.exclude(gi_certificate="") if value else queryset.filter(gi_certificate="")

    def filter_search(self, queryset: QuerySet[Product], name: str, value: str) -> QuerySet[Product]:
        """Chinese words, pinyin (full or initials) and English, with synonyms; ranked by relevance."""
        return search_products(queryset, value, **self._scope_of())
