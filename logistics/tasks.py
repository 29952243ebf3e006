"""Periodic work of logistics (Celery beat; see CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="logistics.tasks.expire_claims", acks_late=True, soft_time_limit=50, time_limit=60)
def expire_claims() -> int:
    """Every minute: claimed or picked tasks whose worker went quiet for FULFILLMENT_CLAIM_MINUTES go back
    to the queue. Idempotent: each task is re-checked under its lock."""
    from logistics.fulfillment import claims_expire

    return claims_expire()


@shared_task(name="logistics.tasks.sla_monitor", acks_late=True, soft_time_limit=120, time_limit=150)
def sla_monitor() -> dict[str, int]:
    """Every five minutes: unshipped tasks near (FULFILLMENT_AT_RISK_MINUTES) or past their deadline are
    flagged once and the warehouse lead told."""
    from logistics.fulfillment import sla_monitor as monitor

    report = monitor()
    return {"at_risk": len(report.at_risk), "overdue": len(report.overdue)}
