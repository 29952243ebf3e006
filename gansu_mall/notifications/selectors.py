from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from gansu_mall.accounts.models import User
from gansu_mall.notifications.models import ChannelPreference, Notification, SmsSetting
from gansu_mall.notifications.preferences import GROUP_LABELS, EventGroup


def notifications_for(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")


def notification_get_for_user(*, user: User, notification_id: int) -> Notification | None:
    """One of the user's own notifications (None for anyone else's: the caller answers 404)."""
    return Notification.objects.filter(user=user, pk=notification_id).first()


def unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


@dataclass(frozen=True)
class GroupPreference:
    group: str
    label: str
    email: bool
    sms: str


def preferences_for(*, user: User) -> list[GroupPreference]:
    """Every group with the user's choice or the defaults (email on, SMS for important events). One query."""
    stored = {row.group: row for row in ChannelPreference.objects.filter(user=user)}
    result = []
    for group in EventGroup:
        row = stored.get(group.value)
        result.append(
            GroupPreference(
                group=group.value,
                label=str(GROUP_LABELS[group]),
                email=row.email if row is not None else True,
                sms=row.sms if row is not None else SmsSetting.IMPORTANT.value,
            )
        )
    return result
