"""notify(): the one way apps tell a person something — in-app, and by email after commit."""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.utils import timezone

from gansu_mall.accounts.models import User
from gansu_mall.notifications.messages import MESSAGES
from gansu_mall.notifications.models import Notification


def notify(
    *, user: User, kind: str, params: dict[str, object] | None = None, link: str = "", email: bool = True
) -> Notification:
    """Store an in-app notification and, once the surrounding transaction commits, email it."""
    if kind not in MESSAGES:
        raise ValueError(f"unknown notification kind {kind!r}: add it to notifications/messages.py")
    notification = Notification.objects.create(
        user=user, kind=kind, params={k: str(v) for k, v in (params or {}).items()}, link=link
    )
    if email and user.email:
        from gansu_mall.notifications.tasks import send_notification_email

        transaction.on_commit(partial(send_notification_email.delay, notification.pk))
    return notification


def notifications_mark_read(*, user: User, ids: list[int] | None = None) -> int:
    """Mark the user's notifications read (all unread ones when ``ids`` is None). Returns how many."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())
