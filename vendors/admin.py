"""Django admin for platform administrators. Personal numbers are never shown here, only masked."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from vendors.identity import mask_bank_account, mask_id_number
from vendors.models import (
    ApplicationStep,
    Delegation,
    PayoutAccount,
    Qualification,
    StaffInvitation,
    Vendor,
    VendorApplication,
    VendorMembership,
    VendorStatusChange,
)


class StepInline(admin.TabularInline):
    model = ApplicationStep
    extra = 0
    can_delete = False
    readonly_fields = ("action", "actor", "from_status", "to_status", "reason", "created_at")


@admin.register(VendorApplication)
class VendorApplicationAdmin(admin.ModelAdmin):
    list_display = ("shop_name", "vendor_type", "county", "status", "recommendation", "created_at")
    list_filter = ("status", "vendor_type", "recommendation")
    search_fields = ("shop_name", "legal_name", "uscc")
    exclude = ("id_number", "bank_account", "identity_hash", "license_image")
    readonly_fields = (
        "masked_id_number",
        "masked_bank_account",
        "licence",
        "status",
        "recommendation",
        "vendor",
    )

    @admin.display(description="licence")
    def licence(self, obj: VendorApplication) -> str:
        if not obj.license_image:
            return "—"
        return format_html('<a href="{}">licence</a>', reverse("vendors:application_licence", args=[obj.pk]))

    inlines = [StepInline]

    @admin.display(description="ID number")
    def masked_id_number(self, obj: VendorApplication) -> str:
        return mask_id_number(obj.id_number) if obj.id_number else "—"

    @admin.display(description="bank account")
    def masked_bank_account(self, obj: VendorApplication) -> str:
        return mask_bank_account(obj.bank_account) if obj.bank_account else "—"

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False  # applications come through the review workflow


class MembershipInline(admin.TabularInline):
    model = VendorMembership
    fk_name = "vendor"
    extra = 0
    readonly_fields = ("added_by", "created_at")


@admin.register(Vendor)
class VendorAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "vendor_type", "county", "status", "created_at")
    list_filter = ("status", "vendor_type")
    search_fields = ("name", "name_en", "slug", "legal_name", "uscc")
    exclude = ("id_number", "identity_hash", "license_image")
    readonly_fields = ("status", "licence")

    @admin.display(description="licence")
    def licence(self, obj: Vendor) -> str:
        if not obj.license_image:
            return "—"
        return format_html(
            '<a href="{}">licence</a>', reverse("vendors:vendor_licence", args=[obj.slug])
        )  # suspend, reinstate and close go through the services, with a reason

    inlines = [MembershipInline]


@admin.register(Qualification)
class QualificationAdmin(admin.ModelAdmin):
    list_display = ("vendor", "kind", "number", "expires_on", "revoked_at")
    list_filter = ("kind",)
    exclude = ("document",)
    readonly_fields = ("document_link", "revoked_at", "revoked_by", "revoke_reason")

    @admin.display(description="document")
    def document_link(self, obj: Qualification) -> str:
        return format_html(
            '<a href="{}">document</a>', reverse("vendors:qualification_document", args=[obj.pk])
        )

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False  # uploaded by shops through the seller centre, where images are checked


@admin.register(PayoutAccount)
class PayoutAccountAdmin(admin.ModelAdmin):
    list_display = ("vendor", "bank_name", "holder", "last4", "updated_at")
    exclude = ("number",)


admin.site.register(Delegation)
admin.site.register(StaffInvitation)
admin.site.register(VendorStatusChange)
