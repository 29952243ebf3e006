"""Tasks of the sandbox gateway: the asynchronous notification of a payment, retried like Alipay's."""

from __future__ import annotations

import logging

from celery import Task, shared_task
from celery.exceptions import MaxRetriesExceededError

from orders.models import SandboxTrade
from orders.payments import sandbox

logger = logging.getLogger(__name__)

# Alipay re-sends a notification that was not answered with "success" after 4 min, 10 min, 10 min, 1 h, 2 h,
# 6 h and 15 h; later retries (max_retries allows one more) wait as long as the last one.
NOTIFY_COUNTDOWNS = (4 * 60, 10 * 60, 10 * 60, 3600, 2 * 3600, 6 * 3600, 15 * 3600)
DELIVERED_BODY = "success"


def retry_countdown(retries: int) -> int:
    return NOTIFY_COUNTDOWNS[min(retries, len(NOTIFY_COUNTDOWNS) - 1)]


@shared_task(
    name="orders.payments.tasks.sandbox_notify",
    bind=True,
    acks_late=True,
    max_retries=8,
    ignore_result=True,
    soft_time_limit=30,
    time_limit=60,
)
def sandbox_notify(self: Task[[int], bool], trade_id: int) -> bool:
    """Send the notification of a paid sandbox trade to its notify_url. Only a body of exactly ``success``
    counts as delivered; anything else (another body, an error, no answer) is retried with Alipay's
    back-off. Whether it was delivered. Re-sending a delivered notification is harmless: the platform
    answers replays with ``success`` and changes nothing."""
    if not sandbox.sandbox_enabled():
        logger.warning("sandbox notification %s dropped: the sandbox is disabled", trade_id)
        return False
    trade = SandboxTrade.objects.filter(pk=trade_id).first()
    if trade is None or trade.paid_at is None:
        return False
    params = sandbox.notification_params(trade)
    sandbox.count_notification(trade.pk)
    try:
        body = sandbox.deliver_notification(trade.notify_url, params)
    except sandbox.DeliveryError as exc:
        logger.warning("sandbox notification of %s not delivered: %s", trade.out_trade_no, exc)
        body = None
    if body == DELIVERED_BODY:
        return True
    if body is not None:
        logger.warning("sandbox notification of %s answered %r", trade.out_trade_no, body[:100])
    countdown = retry_countdown(self.request.retries)
    try:
        # Without a broker (eager tasks: the demo, the tests) a retry cannot wait: Celery would run it again
        # at once or raise into the view that scheduled it. There the retry is only recorded, not sent; the
        # platform's reconciling query finds the payment all the same.
        self.retry(countdown=countdown, throw=not self.request.is_eager)
    except MaxRetriesExceededError:
        logger.error(
            "sandbox notification of %s given up after %s retries", trade.out_trade_no, self.max_retries
        )
    return False
