"""notify(): the one way apps tell a person something; the outbox relay; read marks; preferences.

``notify(user=, kind=, params=)`` is the issue's ``notify(recipient, event, context)``: ``user`` is the
recipient, ``kind`` the event (a key of notifications/messages.py), ``params`` its context.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gansu_mall.accounts.models import User
from gansu_mall.accounts.services import user_set_language
from gansu_mall.core.errors import invalid
from gansu_mall.notifications.channels import TRANSIENT_ERRORS, DeliveryChannel, open_channels
from gansu_mall.notifications.messages import MESSAGES
from gansu_mall.notifications.models import (
    Channel,
    ChannelPreference,
    Delivery,
    DeliveryStatus,
    Notification,
    SmsSetting,
)
from gansu_mall.notifications.preferences import IMPORTANT_KINDS, EventGroup, group_of

logger = logging.getLogger(__name__)


# --- notify and the outbox ------------------------------------------------------------------------


def channels_for(*, user: User, kind: str, email: bool = True, sms: bool = True) -> list[str]:
    """The external channels ``user`` gets ``kind`` by: their preference for its group, and only where
    they have an address (email) or a mobile number (SMS)."""
    if not (email and user.email) and not (sms and user.phone):
        return []
    preference = ChannelPreference.objects.filter(user=user, group=group_of(kind)).first()
    wanted = []
    if email and user.email and (preference is None or preference.email):
        wanted.append(Channel.EMAIL.value)
    sms_setting = preference.sms if preference is not None else SmsSetting.IMPORTANT
    if (
        sms
        and user.phone
        and (
            sms_setting == SmsSetting.ALL or (sms_setting == SmsSetting.IMPORTANT and kind in IMPORTANT_KINDS)
        )
    ):
        wanted.append(Channel.SMS.value)
    return wanted


def notify(
    *,
    user: User,
    kind: str,
    params: Mapping[str, object] | None = None,
    link: str = "",
    email: bool = True,
    sms: bool = True,
) -> Notification:
    """Tell ``user`` about ``kind``: the in-app notification and one outbox row per external channel they
    want, written in the caller's transaction (nothing remains of a rolled-back one). After the commit a
    relay task is asked to send them; if the broker is down the beat sweep sends them later.
    ``email=False`` / ``sms=False`` keep a message off that channel whatever the preferences."""
    if kind not in MESSAGES:
        raise ValueError(f"unknown notification kind {kind!r}: add it to notifications/messages.py")
    now = timezone.now()
    with transaction.atomic(savepoint=False):
        notification = Notification.objects.create(
            user=user, kind=kind, params={k: str(v) for k, v in (params or {}).items()}, link=link
        )
        deliveries = Delivery.objects.bulk_create(
            [
                Delivery(
                    notification=notification,
                    channel=channel,
                    address=user.email if channel == Channel.EMAIL else user.phone,
                    language=user.language,
                    next_attempt_at=now,
                )
                for channel in channels_for(user=user, kind=kind, email=email, sms=sms)
            ]
        )
    ids = [delivery.pk for delivery in deliveries]
    if ids:
        transaction.on_commit(partial(relay_enqueue, ids))
    return notification


def relay_enqueue(delivery_ids: list[int]) -> bool:
    """Ask a worker to relay these deliveries now. Runs after the commit: a broker that is down must not
    fail the request whose change has committed, so the error is logged and the beat sweep
    (relay_notifications every NOTIFICATION_RELAY_SECONDS) sends them later. Whether it was queued."""
    from kombu.exceptions import OperationalError as BrokerError

    from gansu_mall.notifications.tasks import relay_notifications

    try:
        # With the publish retry policy of settings (CELERY_TASK_PUBLISH_RETRY_POLICY) a dead broker fails
        # this in about 0.2 s; retry=False would leave it to redis-py's own retries (about 6 s).
        relay_notifications.apply_async(args=(delivery_ids,))
    except (BrokerError, OSError) as exc:
        logger.warning(
            "outbox: deliveries %s left for the sweep, the broker is unreachable: %s", delivery_ids, exc
        )
        return False
    return True


@dataclass
class RelayReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed


def delivery_claim(*, ids: list[int] | None = None) -> Delivery | None:
    """Claim the next due pending delivery (of ``ids`` when given): pending → sending, attempts + 1,
    committed before anyone sends it. Rows locked by a concurrent claim are skipped, not waited for.
    On PostgreSQL this is one statement (UPDATE … FOR UPDATE SKIP LOCKED … RETURNING), in autocommit
    unless the caller holds a transaction."""
    now = timezone.now()
    if connection.vendor == "postgresql":
        return _claim_postgresql(now, ids)
    with transaction.atomic():
        queue = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("notification")
            .filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        )
        if ids is not None:
            queue = queue.filter(pk__in=list(ids))
        delivery = queue.order_by("next_attempt_at", "id").first()
        if delivery is None:
            return None
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    delivery.status = DeliveryStatus.SENDING
    delivery.claimed_at = now
    delivery.attempts += 1  # exact: the row was locked
    return delivery


_CLAIM_SQL = """
WITH next AS (
    SELECT id FROM {delivery}
    WHERE status = 'pending' AND next_attempt_at <= %s {only}
    ORDER BY next_attempt_at, id
    LIMIT 1
    FOR UPDATE SKIP LOCKED
)
UPDATE {delivery} AS d
SET status = 'sending', claimed_at = %s, attempts = d.attempts + 1
FROM next, {notification} AS n
WHERE d.id = next.id AND n.id = d.notification_id
RETURNING d.id, d.notification_id, d.channel, d.address, d.language, d.attempts, d.next_attempt_at,
          d.created_at, n.user_id, n.kind, n.params, n.link, n.created_at, n.read_at
"""


def _claim_postgresql(now: datetime, ids: list[int] | None) -> Delivery | None:
    sql = _CLAIM_SQL.format(
        delivery=Delivery._meta.db_table,
        notification=Notification._meta.db_table,
        only="AND id = ANY(%s)" if ids is not None else "",
    )
    params: list[Any] = [now, list(ids), now] if ids is not None else [now, now]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    (pk, notification_id, channel, address, language, attempts, next_at, created, *note) = row
    user_id, kind, params_value, link, note_created, read_at = note
    notification = Notification(
        pk=notification_id,
        user_id=user_id,
        kind=kind,
        params=json.loads(params_value) if isinstance(params_value, str) else params_value,
        link=link,
        created_at=note_created,
        read_at=read_at,
    )
    delivery = Delivery(
        pk=pk,
        notification=notification,
        channel=channel,
        address=address,
        language=language,
        status=DeliveryStatus.SENDING,
        attempts=attempts,
        next_attempt_at=next_at,
        claimed_at=now,
        created_at=created,
    )
    return delivery


def retry_delay(attempts: int) -> timedelta:
    """Wait before attempt ``attempts + 1``: NOTIFICATION_RETRY_BASE_SECONDS doubled each time, at most
    NOTIFICATION_RETRY_MAX_SECONDS."""
    seconds = settings.NOTIFICATION_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.NOTIFICATION_RETRY_MAX_SECONDS))


def _finish(delivery: Delivery, channel: DeliveryChannel, report: RelayReport) -> None:
    """Send one claimed delivery and record the outcome (only if it is still ours: status sending)."""
    ours = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING)
    try:
        channel.send(delivery)
    except TRANSIENT_ERRORS as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if delivery.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
            ours.update(status=DeliveryStatus.FAILED, last_error=error)
            report.failed += 1
            logger.error("delivery %s given up after %s attempts: %s", delivery.pk, delivery.attempts, error)
        else:
            ours.update(
                status=DeliveryStatus.PENDING,
                next_attempt_at=timezone.now() + retry_delay(delivery.attempts),
                last_error=error,
            )
            report.retried += 1
            logger.warning("delivery %s will be tried again: %s", delivery.pk, error)
    except SoftTimeLimitExceeded:
        raise  # the task's time is up: the row stays sending and the sweep settles it
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        ours.update(status=DeliveryStatus.FAILED, last_error=error)
        report.failed += 1
        logger.error("delivery %s failed: %s", delivery.pk, error)
    else:
        _mark_sent(delivery.pk)
        report.sent += 1


def _mark_sent(pk: int) -> None:
    """sending → sent (the hot path of the relay: plain SQL, no ORM query building)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Delivery._meta.db_table} SET status = %s, sent_at = %s, last_error = ''"  # noqa: S608 - table name only
            " WHERE id = %s AND status = %s",
            [DeliveryStatus.SENT.value, timezone.now(), pk, DeliveryStatus.SENDING.value],
        )


def deliveries_relay(
    *, ids: list[int] | None = None, limit: int | None = None, seconds: float | None = None
) -> RelayReport:
    """Send due pending deliveries (only ``ids`` when given) one claim at a time until none is left,
    ``limit`` were handled or ``seconds`` have passed. Safe to run many times at once: each delivery is
    claimed by one run, and a claimed one is never sent again."""
    report = RelayReport()
    stop_at = time.monotonic() + seconds if seconds is not None else None
    with open_channels() as channels:
        while limit is None or report.handled < limit:
            if stop_at is not None and time.monotonic() >= stop_at:
                break
            delivery = delivery_claim(ids=ids)
            if delivery is None:
                break
            _finish(delivery, channels[delivery.channel], report)
    return report


def deliveries_expire_stale() -> int:
    """Deliveries left in ``sending`` longer than NOTIFICATION_SENDING_TIMEOUT_SECONDS (the worker died
    during the send) become failed: whether the message went out is unknown, and sending it again could
    send it twice. Returns how many."""
    cutoff = timezone.now() - timedelta(seconds=settings.NOTIFICATION_SENDING_TIMEOUT_SECONDS)
    count = Delivery.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lt=cutoff).update(
        status=DeliveryStatus.FAILED,
        last_error="interrupted during the send; outcome unknown, not sent again",
    )
    if count:
        logger.error("%s deliveries interrupted during the send were marked failed", count)
    return count


# --- reading ----------------------------------------------------------------------------------------


def notifications_mark_read(*, user: User, ids: list[int] | None = None) -> int:
    """Mark the user's notifications read (all unread ones when ``ids`` is None). Returns how many."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())


# --- preferences ------------------------------------------------------------------------------------


def preferences_update(
    *,
    user: User,
    groups: Mapping[str, Mapping[str, object]] | None = None,
    language: str | None = None,
) -> None:
    """Change some of ``user``'s channel choices: ``groups`` maps a group to ``{"email": bool,
    "sms": "off"|"important"|"all"}`` (either key may be left out: it keeps its value); ``language`` the
    language of their emails and text messages. All or nothing: any invalid value → 400, nothing saved."""
    errors: dict[str, list[str]] = {}
    valid_groups = {group.value for group in EventGroup}
    changes: dict[str, dict[str, object]] = {}
    for group, values in (groups or {}).items():
        if group not in valid_groups:
            errors[f"groups.{group}"] = [_("There is no such group of messages.")]
            continue
        if not isinstance(values, Mapping):
            errors[f"groups.{group}"] = [_("Give email and sms for this group.")]
            continue
        change: dict[str, object] = {}
        for key, value in values.items():
            if key == "email":
                if not isinstance(value, bool):
                    errors[f"groups.{group}.email"] = [_("Must be true or false.")]
                change["email"] = value
            elif key == "sms":
                if value not in SmsSetting.values:
                    errors[f"groups.{group}.sms"] = [_("Must be one of: off, important, all.")]
                change["sms"] = value
            else:
                errors[f"groups.{group}.{key}"] = [_("Unknown setting.")]
        changes[group] = change
    if language is not None and language not in {"zh-hans", "en"}:
        errors["language"] = [_("Choose one of the offered languages.")]
    if errors:
        raise invalid(errors)
    with transaction.atomic():
        for group, change in changes.items():
            if change:
                ChannelPreference.objects.update_or_create(user=user, group=group, defaults=change)
        if language is not None:
            user_set_language(user=user, language=language)
