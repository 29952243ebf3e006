from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from gansu_mall.accounts.models import Department, RoleGrant, User


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    fk_name = "user"
    extra = 0
    readonly_fields = ("granted_by", "granted_at")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [RoleGrantInline]
    list_display = ("username", "email", "phone", "department", "is_active", "is_staff", "date_joined")
    list_filter = ("is_active", "is_staff", "role_grants__role")
    search_fields = ("username", "email", "phone")
    autocomplete_fields = ("scope_regions",)
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Platform"), {"fields": ("phone", "department", "scope_regions")}),
    )


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "created_at")
    search_fields = ("name",)
