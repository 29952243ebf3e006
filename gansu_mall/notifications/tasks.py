"""The outbox relay (notifications/services.py does the work).

``relay_notifications(ids)`` is queued after the commit of the change that wrote the deliveries;
``relay_notifications()`` without ids is the beat sweep (CELERY_BEAT_SCHEDULE "relay-notifications",
every NOTIFICATION_RELAY_SECONDS): it settles deliveries stuck in ``sending`` and sends everything due —
what a dead broker kept from being queued, and the retries of transient errors. Both are idempotent
(a delivery is claimed once, never sent twice), so they are acknowledged late and re-queued when a
worker dies. Transient send errors are retried by the outbox itself (``next_attempt_at``, counted in
``attempts``), not by Celery: a Celery retry could not know which messages of a batch went out.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from gansu_mall.notifications import services


@shared_task(
    name="gansu_mall.notifications.tasks.relay_notifications",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    soft_time_limit=settings.NOTIFICATION_RELAY_SOFT_TIME_LIMIT,
    time_limit=settings.NOTIFICATION_RELAY_SOFT_TIME_LIMIT + 30,
)
def relay_notifications(delivery_ids: list[int] | None = None) -> dict[str, int]:
    """Send the given deliveries, or (without ids) sweep: every due pending one, for up to
    NOTIFICATION_RELAY_BUDGET_SECONDS."""
    expired = 0
    if delivery_ids is None:
        expired = services.deliveries_expire_stale()
    report = services.deliveries_relay(ids=delivery_ids, seconds=settings.NOTIFICATION_RELAY_BUDGET_SECONDS)
    return {"sent": report.sent, "retried": report.retried, "failed": report.failed, "expired": expired}


@shared_task(
    name="gansu_mall.notifications.tasks.send_notification_email",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    soft_time_limit=30,
    time_limit=60,
)
def send_notification_email(notification_id: int) -> int:
    """The task of the previous release (one email per notification): messages of it still queued at
    the upgrade relay that notification's deliveries. Returns how many were sent."""
    from gansu_mall.notifications.models import Delivery

    ids = list(Delivery.objects.filter(notification_id=notification_id).values_list("pk", flat=True))
    return services.deliveries_relay(ids=ids).sent if ids else 0
