"""Periodic work of orders (Celery beat; see CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

import logging
from datetime import date

from celery import shared_task

from orders.payments.tasks import sandbox_notify  # noqa: F401 - registered for the worker
from orders.settlement.tasks import run_settlement  # noqa: F401 - registered for the worker

logger = logging.getLogger(__name__)


@shared_task(name="orders.tasks.expire_unpaid_payments", acks_late=True, soft_time_limit=50, time_limit=60)
def expire_unpaid_payments() -> dict[str, int]:
    """Every minute: payments unpaid for ORDER_PAYMENT_TIMEOUT_MINUTES close and their stock is released
    (the gateway asked first). Idempotent: each payment is re-checked under its lock."""
    from orders.services.payments import payments_expire

    report = payments_expire()
    return {"closed": report.closed, "paid_late": report.paid_late}


@shared_task(name="orders.tasks.reconcile_reserved", acks_late=True, soft_time_limit=300, time_limit=360)
def reconcile_reserved() -> int:
    """Hourly: SKUs whose held-stock counter disagrees with the orders awaiting payment (logged as errors)."""
    from orders.services.payments import reserved_reconcile

    return len(reserved_reconcile())


@shared_task(name="orders.tasks.auto_confirm_delivered", acks_late=True, soft_time_limit=300, time_limit=360)
def auto_confirm_delivered() -> int:
    """Daily: delivered orders the buyer did not confirm within ORDER_AUTO_CONFIRM_DAYS are completed."""
    from orders.services.orders import orders_auto_confirm

    return orders_auto_confirm()


@shared_task(
    name="orders.tasks.execute_refund",
    bind=True,
    acks_late=True,
    max_retries=10,
    soft_time_limit=60,
    time_limit=90,
)
def execute_refund(self, refund_id: int) -> bool:  # type: ignore[no-untyped-def]
    """Return an approved refund's money through the gateway (idempotent; retried while the gateway is
    unreachable, with growing delays)."""
    from orders.payments.alipay import GatewayError
    from orders.services.refunds import refund_execute

    try:
        return refund_execute(refund_id=refund_id)
    except GatewayError as exc:
        if self.request.is_eager:
            # Run in-process after the commit (the demo, without a broker): no worker can retry it later,
            # and raising here would fail the request whose change has already committed. The hourly
            # retry_approved_refunds sends it again.
            logger.warning("refund %s: the gateway failed (%s); retried by the hourly task", refund_id, exc)
            return False
        raise self.retry(exc=exc, countdown=min(60 * 2**self.request.retries, 6 * 3600)) from exc


@shared_task(name="orders.tasks.retry_approved_refunds", acks_late=True, soft_time_limit=300, time_limit=360)
def retry_approved_refunds() -> int:
    """Hourly: approved refunds still not executed after 10 minutes (the broker was down at commit, or the
    gateway kept failing) are sent again; the refund number keeps the gateway from paying twice."""
    from datetime import timedelta

    from django.utils import timezone

    from orders.models import Refund, RefundStatus

    stale = Refund.objects.filter(
        status=RefundStatus.APPROVED, updated_at__lte=timezone.now() - timedelta(minutes=10)
    ).values_list("pk", flat=True)
    ids = list(stale)
    for refund_id in ids:
        execute_refund.delay(refund_id)
    return len(ids)


@shared_task(name="orders.tasks.expire_groups", acks_late=True, soft_time_limit=50, time_limit=60)
def expire_groups() -> int:
    """Every minute: groups whose time ran out unfilled fail; members are refunded and stock returned."""
    from orders.services.group_buys import groups_expire

    return groups_expire()


def previous_month(today: date) -> date:
    first = today.replace(day=1)
    return date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)


@shared_task(
    name="orders.tasks.credit_platform_behaviour",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=1800,
    time_limit=1900,
)
def credit_platform_behaviour(month: str | None = None) -> dict[str, int]:
    """Monthly (the 2nd, 02:30): a calendar month's platform behaviour of every shop (``month`` "YYYY-MM",
    default the previous month) becomes at most one credit record per legal identity.

    The orchestrating layer: orders' selector gives the figures (one set of grouped queries), a legal
    identity's shops are added up (a closed shop and its successor), credit's service judges and writes.
    Idempotent: an identity that already has its record for the month keeps it unchanged. Refuses a
    month that is not over (its figures are not final). Returns counts for the log.
    """
    from django.utils import timezone

    from credit.behaviour import MonthFigures
    from credit.services import platform_behaviour_record
    from orders.selectors import shop_behaviour_month
    from vendors.models import Vendor

    today = timezone.localdate()
    day = date.fromisoformat(f"{month}-01") if month else previous_month(today)
    if day >= today.replace(day=1):
        raise ValueError(f"{day:%Y-%m} is not over yet")
    per_shop = shop_behaviour_month(month=day)
    identities: dict[str, tuple[MonthFigures, str, str]] = {}
    for vendor in Vendor.objects.filter(pk__in=sorted(per_shop)).order_by("pk"):
        figures, _code, _name = identities.get(vendor.identity_hash, (MonthFigures(), "", ""))
        identities[vendor.identity_hash] = (
            figures + per_shop[vendor.pk],
            vendor.uscc or vendor.id_number,
            vendor.legal_name,
        )
    report = {
        "shops": len(per_shop),
        "identities": len(identities),
        "created": 0,
        "positive": 0,
        "negative": 0,
    }
    for identity_hash in sorted(identities):
        figures, code, name = identities[identity_hash]
        outcome = platform_behaviour_record(
            identity_hash=identity_hash, month=day, figures=figures, subject_code=code, subject_name=name
        )
        if outcome.record is not None:
            report[outcome.record.polarity] += 1
            report["created"] += outcome.created
    logger.info("platform behaviour %s: %s", f"{day:%Y-%m}", report)
    return report
