from django.contrib import admin

from gansu_mall.regions.models import Region, RegionFlagChange


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "level", "parent", "special_zone", "poverty_relief")
    list_filter = ("level", "special_zone", "poverty_relief")
    search_fields = ("code", "name", "name_en")
    readonly_fields = (
        "code",
        "name",
        "name_en",
        "level",
        "parent",
        "division_type",
        "special_zone",
        "outside_mainland",
        "note",
    )

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False  # divisions come from the data migration

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(RegionFlagChange)
class RegionFlagChangeAdmin(admin.ModelAdmin):
    list_display = ("region", "poverty_relief", "source", "changed_by", "changed_at")
    readonly_fields = ("region", "poverty_relief", "source", "changed_by", "changed_at")
