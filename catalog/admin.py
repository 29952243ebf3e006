from django.contrib import admin

from catalog.models import Category, Product, Sku


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
