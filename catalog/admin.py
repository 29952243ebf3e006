from django.contrib import admin
from django.db import transaction

from catalog.models import Category, Product, Sku, Synonym
from catalog.tasks import reindex_all_products


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "name_en", "parent", "qualification", "position")
    list_filter = ("qualification",)
    search_fields = ("slug", "name", "name_en")


class SkuInline(admin.TabularInline):
    model = Sku
    extra = 0


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "vendor", "category", "origin_county", "status", "sales")
    list_filter = ("status", "storage", "category")
    search_fields = ("name", "name_en")
    inlines = [SkuInline]


@admin.register(Synonym)
class SynonymAdmin(admin.ModelAdmin):
    """Changes reach the search index after commit (a Celery task rebuilds it)."""

    list_display = ("term", "canonical")
    search_fields = ("term", "canonical")

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        super().save_model(request, obj, form, change)
        transaction.on_commit(reindex_all_products.delay)

    def delete_model(self, request, obj):  # type: ignore[no-untyped-def]
        super().delete_model(request, obj)
        transaction.on_commit(reindex_all_products.delay)
