"""Periodic upkeep of the foundations (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone


@shared_task(name="gansu_mall.core.tasks.housekeeping", acks_late=True, soft_time_limit=120, time_limit=180)
def housekeeping() -> dict[str, int]:
    """Delete expired sessions and login-attempt records older than the lock-out period.

    Idempotent: a second run finds nothing more to delete.
    """
    from axes.models import AccessAttempt, AccessFailureLog

    now = timezone.now()
    sessions, _ = Session.objects.filter(expire_date__lt=now).delete()
    cutoff = now - max(settings.AXES_COOLOFF_TIME, timedelta(days=1))
    attempts, _ = AccessAttempt.objects.filter(attempt_time__lt=cutoff).delete()
    failures, _ = AccessFailureLog.objects.filter(attempt_time__lt=now - timedelta(days=90)).delete()
    return {"sessions": sessions, "attempts": attempts, "failure_logs": failures}
