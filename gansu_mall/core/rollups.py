"""Marking the dashboards' rollup cells stale, from any app, in the transaction of the change.

The apps that change orders, refunds, shops and applications call :func:`rollup_mark_stale`; the dashboard
(the top layer, which the apps must not import) recomputes the marked cells in a Celery task that is asked for
after the commit and swept by beat, so a broker that is down delays the figures but never loses a change.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from django.db import connection, transaction
from django.utils import timezone

from gansu_mall.core.models import StaleRollup

logger = logging.getLogger(__name__)

# Topics (what the dashboard recomputes for a mark):
SHOP = "shop"  # key: a shop's id; its sales, refunds and shipments of the day (and its county's sums)
SHOPS = "shops"  # key 0: shops opened and closed that day
APPLICATIONS = "applications"  # key 0: shop applications submitted and decided that day


def local_day(at: datetime | date) -> date:
    """The calendar day in the platform's time zone of an instant (a date is taken as it is)."""
    if isinstance(at, datetime):
        return timezone.localdate(at) if timezone.is_aware(at) else at.date()
    return at


def rollup_mark_stale(*, topic: str, at: datetime | date, key: int = 0) -> None:
    """Mark a cell stale in the current transaction and ask for a refresh once it commits."""
    StaleRollup.objects.create(topic=topic, day=local_day(at), key=key)
    # One request for a refresh per transaction, however many cells it marked (a rollback drops it).
    if not any(entry[1] is rollup_refresh_enqueue for entry in connection.run_on_commit):
        transaction.on_commit(rollup_refresh_enqueue)


def rollup_refresh_enqueue() -> bool:
    """Ask a worker to recompute the stale cells now (after the commit). A broker that is down must not
    fail the request whose change has committed: the beat sweep recomputes the cells later."""
    from django.conf import settings
    from django.utils.module_loading import import_string
    from kombu.exceptions import OperationalError as BrokerError

    if not settings.ROLLUP_REFRESH_TASK:  # no dashboard: the cells wait for rebuild_rollups
        return False
    task = import_string(settings.ROLLUP_REFRESH_TASK)
    try:
        task.apply_async()
    except (BrokerError, OSError) as exc:
        logger.warning("rollups: stale cells left for the sweep, the broker is unreachable: %s", exc)
        return False
    return True
