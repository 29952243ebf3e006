"""Read-only admin of the credit registry: writes go through the services (and their audit)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from credit.models import CreditAudit, CreditObjection, CreditRecord, CreditScore, CreditSubject


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CreditSubject)
class CreditSubjectAdmin(_ReadOnly):
    list_display = ("display", "kind", "name", "created_at")
    search_fields = ("name",)
    exclude = ("identity_hash",)


@admin.register(CreditRecord)
class CreditRecordAdmin(_ReadOnly):
    list_display = (
        "title",
        "subject",
        "polarity",
        "category",
        "severity",
        "department",
        "status",
        "occurred_on",
    )
    list_filter = ("polarity", "category", "status", "department")
    list_select_related = ("subject", "department")


@admin.register(CreditObjection)
class CreditObjectionAdmin(_ReadOnly):
    list_display = ("record", "raised_by", "status", "decided_by", "created_at")
    list_filter = ("status",)


@admin.register(CreditScore)
class CreditScoreAdmin(_ReadOnly):
    list_display = ("subject", "score", "grade", "red_list", "black_list", "computed_at")
    list_filter = ("grade", "red_list", "black_list")


@admin.register(CreditAudit)
class CreditAuditAdmin(_ReadOnly):
    list_display = ("created_at", "actor", "action", "object_type", "object_id")
    list_filter = ("action",)
