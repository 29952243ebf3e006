"""Keeping the dashboards' rollups current (gansu_mall/dashboard/rollups.py does the work).

``refresh_rollups`` is queued after the commit of every change that marked a rollup cell stale
(gansu_mall.core.rollups) and swept by beat (CELERY_BEAT_SCHEDULE "refresh-rollups", every minute), so a
broker that was down when the change committed only delays the figures. A cell is recomputed from the raw
data, never incremented: running twice, or after a worker died mid-way (acknowledged late, re-queued), gives
the same rows.
"""

from __future__ import annotations

from celery import shared_task

from gansu_mall.dashboard.rollups import rollups_refresh


@shared_task(
    name="gansu_mall.dashboard.tasks.refresh_rollups",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    soft_time_limit=240,
    time_limit=300,
)
def refresh_rollups() -> int:
    """Recompute every stale cell; returns how many."""
    return rollups_refresh()
