from django.contrib import admin

from gansu_mall.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "created_at", "read_at", "emailed_at")
    list_filter = ("kind",)
    readonly_fields = ("user", "kind", "params", "link", "created_at", "read_at", "emailed_at")
