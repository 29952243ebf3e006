"""Django admin of orders: settlement's commission rates (editable by platform staff) and a read-only view
of the ledger, statements and payouts (the ledger is append-only; money moves through the services)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from orders.settlement.models import (
    CommissionRate,
    JournalEntry,
    Payout,
    Posting,
    Settlement,
    ShopCommission,
)


@admin.register(CommissionRate)
class CommissionRateAdmin(admin.ModelAdmin):
    list_display = ("category", "rate", "updated_at")
    search_fields = ("category__slug", "category__name", "category__name_en")


@admin.register(ShopCommission)
class ShopCommissionAdmin(admin.ModelAdmin):
    list_display = ("vendor", "rate", "note", "set_by", "updated_at")
    search_fields = ("vendor__slug", "vendor__name")
    readonly_fields = ("set_by",)
    autocomplete_fields = ()

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        obj.set_by = request.user
        super().save_model(request, obj, form, change)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PostingInline(admin.TabularInline):
    model = Posting
    fields = ("account", "amount")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    list_display = ("idempotency_key", "kind", "reference", "created_at")
    list_filter = ("kind",)
    search_fields = ("idempotency_key", "reference")
    inlines = [PostingInline]


@admin.register(Settlement)
class SettlementAdmin(ReadOnlyAdmin):
    list_display = (
        "vendor",
        "period_start",
        "period_end",
        "orders_count",
        "gross",
        "commission",
        "net",
        "status",
    )
    list_filter = ("status",)
    search_fields = ("vendor__slug", "vendor__name")


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = ("number", "vendor", "amount", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("number", "vendor__slug")
    exclude = ("account_number",)
