"""Platform administrators add warehouses (e.g. a cold store) and their bins here. Tasks, stock and
shipments are shown read-only: they change only through the services (the console and the API), which
keep the queue, the stock holds and the orders consistent."""

from django.contrib import admin

from logistics.models import Bin, FulfillmentTask, HubStock, Shipment, ShipmentEvent, TaskEvent, Warehouse


class BinInline(admin.TabularInline):
    model = Bin
    extra = 1


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "county", "cold_chain", "active", "lead")
    list_filter = ("active", "cold_chain")
    search_fields = ("code", "name", "name_en")
    raw_id_fields = ("lead", "county")
    inlines = [BinInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class TaskEventInline(admin.TabularInline):
    model = TaskEvent
    extra = 0
    can_delete = False
    readonly_fields = ("from_status", "to_status", "actor", "note", "created_at")

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(FulfillmentTask)
class FulfillmentTaskAdmin(ReadOnlyAdmin):
    list_display = ("order_number", "warehouse", "priority", "status", "deadline", "claimed_by", "shipped_at")
    list_filter = ("status", "priority", "warehouse")
    search_fields = ("order_number", "tracking_number")
    inlines = [TaskEventInline]


@admin.register(HubStock)
class HubStockAdmin(ReadOnlyAdmin):
    list_display = ("sku", "warehouse", "bin", "batch", "quantity", "allocated")
    list_filter = ("warehouse",)


class ShipmentEventInline(admin.TabularInline):
    model = ShipmentEvent
    extra = 0
    can_delete = False
    readonly_fields = ("status", "occurred_at", "location", "warehouse", "source", "external_id", "actor")

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Shipment)
class ShipmentAdmin(ReadOnlyAdmin):
    list_display = ("order_number", "carrier", "tracking_number", "status", "created_at", "delivered_at")
    list_filter = ("status", "carrier")
    search_fields = ("order_number", "tracking_number")
    inlines = [ShipmentEventInline]
