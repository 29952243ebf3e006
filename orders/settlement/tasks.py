"""Celery tasks of settlement (registered for the worker by ``orders.tasks``)."""

from __future__ import annotations

import logging
import time
from datetime import date

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

logger = logging.getLogger(__name__)


@shared_task(
    name="orders.settlement.tasks.run_settlement",
    acks_late=True,
    reject_on_worker_lost=True,
    # Only the database going away is transient; anything else is a bug to look at, not to repeat.
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=60,
    retry_backoff_max=1800,
    max_retries=5,
    soft_time_limit=3300,
    time_limit=3600,
)
def run_settlement(as_of: str | None = None) -> dict[str, object]:
    """Daily (beat, 04:00): statements and payouts for the period ending SETTLEMENT_HOLD_DAYS ago, held
    payouts of shops off the black list released, the ledger reconciled. Idempotent: each shop is settled
    in a transaction of its own and never twice for a period, so a redelivered task (the worker died: acks
    late, rejected on worker loss) or a retried one (the database went away) finishes the remaining shops
    once. Its time limit (1 h) is far below the broker's visibility timeout (16 h), so a running task is
    never delivered a second time while it works."""
    from orders.settlement.ledger import ledger_reconcile
    from orders.settlement.payouts import payouts_release_held
    from orders.settlement.settlement import settlement_run

    pause = settings.SETTLEMENT_TEST_PAUSE_SECONDS
    done: list[int] = []

    def after_shop(vendor_id: int, statement: object) -> None:
        done.append(vendor_id)
        if pause and len(done) == 1:  # tests only: a window to kill the worker in the middle of the run
            logger.warning(
                "settlement: pausing %ss after shop %s (SETTLEMENT_TEST_PAUSE_SECONDS)", pause, vendor_id
            )
            time.sleep(pause)

    day = date.fromisoformat(as_of) if as_of else None
    report = settlement_run(as_of=day, on_shop_done=after_shop)
    released = payouts_release_held()
    discrepancies = ledger_reconcile()
    return {**report.as_dict(), "released": released.released, "discrepancies": len(discrepancies)}
