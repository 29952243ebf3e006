"""The Celery app's configuration, the housekeeping task, and a real round trip through Redis."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from gansu_mall.celery import app
from gansu_mall.core.tasks import housekeeping


def test_celery_configuration():
    conf = app.conf
    assert conf.accept_content == ["json"]
    assert conf.task_serializer == "json"
    assert conf.result_serializer == "json"
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.broker_transport_options["visibility_timeout"] == 16 * 3600
    assert (conf.task_soft_time_limit, conf.task_time_limit) == (60, 90)
    assert conf.worker_prefetch_multiplier == 1
    assert conf.beat_schedule["housekeeping"]["task"] == "gansu_mall.core.tasks.housekeeping"
    assert "gansu_mall.core.tasks.housekeeping" in app.tasks


@pytest.mark.django_db
def test_housekeeping_deletes_only_what_expired():
    old = SessionStore()
    old.create()
    Session.objects.filter(session_key=old.session_key).update(expire_date=timezone.now() - timedelta(days=1))
    live = SessionStore()
    live.create()
    stale = AccessAttempt.objects.create(
        username="x", ip_address="10.0.0.1", user_agent="t", failures_since_start=3
    )
    AccessAttempt.objects.filter(pk=stale.pk).update(attempt_time=timezone.now() - timedelta(days=2))
    fresh = AccessAttempt.objects.create(
        username="y", ip_address="10.0.0.2", user_agent="t", failures_since_start=1
    )

    result = housekeeping.delay().get()
    assert result == {"sessions": 1, "attempts": 1, "failure_logs": 0}
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]
    assert list(AccessAttempt.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert housekeeping() == {"sessions": 0, "attempts": 0, "failure_logs": 0}  # idempotent


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_task_round_trip_through_redis_to_a_worker():
    """Send a task over the real broker; an in-process worker runs it and its effect shows in the database."""
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set")
    import time

    from celery.contrib.testing.worker import start_worker

    expired = SessionStore()
    expired.create()
    Session.objects.filter(session_key=expired.session_key).update(
        expire_date=timezone.now() - timedelta(days=1)
    )
    app.conf.task_always_eager = False
    try:
        with start_worker(
            app, perform_ping_check=False, pool="solo", loglevel="WARNING", shutdown_timeout=10
        ):
            housekeeping.delay()
            deadline = time.monotonic() + 20
            while (
                Session.objects.filter(session_key=expired.session_key).exists()
                and time.monotonic() < deadline
            ):
                time.sleep(0.1)
    finally:
        app.conf.task_always_eager = True
    assert not Session.objects.filter(session_key=expired.session_key).exists()
