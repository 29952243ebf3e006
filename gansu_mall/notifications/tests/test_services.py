"""notify() and the outbox: rows written in the caller's transaction, preferences, languages, the relay's
state machine (sent once, transient errors retried with backoff, permanent ones failed)."""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from gansu_mall.accounts.tests.factories import UserFactory
from gansu_mall.notifications import services
from gansu_mall.notifications.channels import render_email, render_sms
from gansu_mall.notifications.messages import MESSAGES
from gansu_mall.notifications.models import ChannelPreference, Delivery, Notification
from gansu_mall.notifications.preferences import EventGroup, group_of
from gansu_mall.notifications.sms import SmsError, SmsTransientError

SHIPPED = {"shop": "成县核桃合作社", "number": "G2026001"}


def deliveries(user):
    return sorted(
        Delivery.objects.filter(notification__user=user).values_list(
            "notification__kind", "channel", "address", "language", "status"
        )
    )


def test_notify_writes_in_app_and_one_outbox_row_per_wanted_channel(reader, sms_outbox):
    with transaction.atomic():
        services.notify(user=reader, kind="order_shipped", params=SHIPPED, link="/orders/1/")
        services.notify(user=reader, kind="order_placed", params={"number": "G2026002"})
        # inside the transaction: written, nothing sent
        assert Notification.objects.filter(user=reader).count() == 2
        assert len(mail.outbox) == 0
    # order_shipped is important: email and SMS; order_placed: email only
    assert deliveries(reader) == [
        ("order_placed", "email", "reader@example.com", "zh-hans", "pending"),
        ("order_shipped", "email", "reader@example.com", "zh-hans", "pending"),
        ("order_shipped", "sms", "13800138000", "zh-hans", "pending"),
    ]


def test_after_commit_the_relay_sends_each_delivery_once(
    reader, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.notify(user=reader, kind="order_shipped", params=SHIPPED, link="/orders/1/")
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["reader@example.com"]
    assert mail.outbox[0].subject == "【甘肃馆】订单已发货"
    assert "“成县核桃合作社”已发出订单 G2026001。" in mail.outbox[0].body
    assert "http://127.0.0.1:8000/orders/1/" in mail.outbox[0].body
    assert sms_outbox == [("13800138000", "【甘肃馆】“成县核桃合作社”已发出订单 G2026001。")]
    rows = list(Delivery.objects.values_list("channel", "status", "attempts", "last_error"))
    assert sorted(rows) == [("email", "sent", 1, ""), ("sms", "sent", 1, "")]
    assert Delivery.objects.filter(sent_at__isnull=True).count() == 0
    # Running the relay again (the task redelivered, the sweep) sends nothing more.
    ids = list(Delivery.objects.values_list("pk", flat=True))
    assert services.deliveries_relay(ids=ids).handled == 0
    assert services.deliveries_relay().handled == 0
    assert len(mail.outbox) == 1
    assert len(sms_outbox) == 1


def test_rolled_back_transaction_leaves_no_row_and_sends_nothing(
    reader, sms_outbox, django_capture_on_commit_callbacks
):
    def business_change_that_fails():
        with transaction.atomic():
            services.notify(user=reader, kind="order_shipped", params=SHIPPED)
            raise RuntimeError("the business change failed")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError, match="business change failed"):
            business_change_that_fails()
    assert callbacks == []
    assert Notification.objects.count() == 0
    assert Delivery.objects.count() == 0
    assert services.deliveries_relay().handled == 0
    assert mail.outbox == []
    assert sms_outbox == []


def test_rolled_back_savepoint_keeps_the_outer_notification_only(reader, sms_outbox):
    def inner_step_that_fails():
        with transaction.atomic():
            services.notify(user=reader, kind="order_shipped", params=SHIPPED)
            raise RuntimeError("inner step failed")

    with transaction.atomic():
        services.notify(user=reader, kind="order_placed", params={"number": "A"})
        with pytest.raises(RuntimeError, match="inner step failed"):
            inner_step_that_fails()
    assert list(Notification.objects.values_list("kind", flat=True)) == ["order_placed"]
    assert deliveries(reader) == [("order_placed", "email", "reader@example.com", "zh-hans", "pending")]


def test_english_reader_gets_english_email_and_sms(english_reader, sms_outbox):
    services.notify(user=english_reader, kind="order_shipped", params=SHIPPED, link="/orders/1/")
    report = services.deliveries_relay()
    assert (report.sent, report.retried, report.failed) == (2, 0, 0)
    assert mail.outbox[0].subject == "[Gansu Pavilion] Order shipped"
    assert mail.outbox[0].body.startswith("Hello,\n\n“成县核桃合作社” shipped order G2026001.\n")
    assert sms_outbox == [
        ("13900139000", "[Gansu Pavilion] Order shipped: “成县核桃合作社” shipped order G2026001.")
    ]


def test_language_is_the_recipients_not_the_active_one(reader, english_reader):
    from django.utils import translation

    with translation.override("en"):
        services.notify(
            user=reader, kind="order_placed", params={"number": "A", "shop": "S", "total": "1.00"}
        )
    with translation.override("zh-hans"):
        services.notify(
            user=english_reader, kind="order_placed", params={"number": "B", "shop": "S", "total": "1.00"}
        )
    services.deliveries_relay()
    subjects = {message.to[0]: message.subject for message in mail.outbox}
    assert subjects == {
        "reader@example.com": "【甘肃馆】订单已提交",
        "en@example.com": "[Gansu Pavilion] Order placed",
    }


def test_sms_is_cut_to_one_message(english_reader):
    note = Notification(kind="application_rejected", params={"shop": "S" * 300, "reason": "x"})
    text = render_sms(note, "en")
    assert len(text) == 160
    assert text.endswith("…")
    assert len(render_sms(note, "zh-hans")) == 70


def test_preferences_are_respected(reader, sms_outbox):
    ChannelPreference.objects.create(user=reader, group="orders", email=False, sms="all")
    ChannelPreference.objects.create(user=reader, group="refunds", email=True, sms="off")
    services.notify(user=reader, kind="order_placed", params={"number": "A"})  # not important, sms=all
    services.notify(user=reader, kind="refund_approved", params={"number": "A"})  # important, sms=off
    services.notify(user=reader, kind="vendor_suspended", params={"shop": "S"})  # defaults: email + sms
    assert deliveries(reader) == [
        ("order_placed", "sms", "13800138000", "zh-hans", "pending"),
        ("refund_approved", "email", "reader@example.com", "zh-hans", "pending"),
        ("vendor_suspended", "email", "reader@example.com", "zh-hans", "pending"),
        ("vendor_suspended", "sms", "13800138000", "zh-hans", "pending"),
    ]


def test_no_address_no_channel_and_the_callers_opt_out(db):
    nobody = UserFactory(username="nobody", email="", phone="")
    services.notify(user=nobody, kind="order_shipped", params=SHIPPED)
    assert Notification.objects.filter(user=nobody).count() == 1
    assert Delivery.objects.count() == 0
    reader = UserFactory(username="r2", email="r2@example.com", phone="13700137000")
    services.notify(user=reader, kind="order_shipped", params=SHIPPED, email=False)
    services.notify(user=reader, kind="order_shipped", params=SHIPPED, sms=False)
    assert sorted(Delivery.objects.values_list("channel", flat=True)) == ["email", "sms"]


def test_unknown_kind_is_refused(reader):
    with pytest.raises(ValueError, match="unknown notification kind"):
        services.notify(user=reader, kind="no_such_kind")
    assert Notification.objects.count() == 0


def test_every_kind_has_a_group_and_renders_in_both_languages(reader):
    for kind in MESSAGES:
        note = Notification(kind=kind, params={}, link="/x/")
        assert group_of(kind) in set(EventGroup)
        for language in ("zh-hans", "en"):
            subject, body = render_email(note, language)
            assert subject
            assert body
            assert render_sms(note, language)
    assert group_of("order_shipped") == "orders"
    assert group_of("payout_paid") == "settlement"
    assert group_of("something_new") == "system"


class FlakyChannel:
    def __init__(self, error):
        self.error = error
        self.calls = 0

    def send(self, delivery):
        self.calls += 1
        raise self.error


def test_transient_error_is_retried_with_backoff_then_given_up(reader, settings, monkeypatch):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 60
    services.notify(user=reader, kind="order_placed", params={"number": "A"})
    delivery = Delivery.objects.get()
    flaky = FlakyChannel(smtplib.SMTPServerDisconnected("gone"))
    monkeypatch.setattr(services, "open_channels", lambda: _channels({"email": flaky}))

    before = timezone.now()
    report = services.deliveries_relay()
    assert (report.sent, report.retried, report.failed) == (0, 1, 0)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert delivery.last_error == "SMTPServerDisconnected: gone"
    assert (
        before + timedelta(seconds=60) <= delivery.next_attempt_at <= timezone.now() + timedelta(seconds=60)
    )
    # not due yet: the relay leaves it alone
    assert services.deliveries_relay().handled == 0
    assert flaky.calls == 1

    Delivery.objects.update(next_attempt_at=timezone.now())
    services.deliveries_relay()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 2)
    assert delivery.next_attempt_at >= timezone.now() + timedelta(seconds=119)  # doubled: 120 s

    Delivery.objects.update(next_attempt_at=timezone.now())
    report = services.deliveries_relay()
    assert (report.sent, report.retried, report.failed) == (0, 0, 1)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.sent_at) == ("failed", 3, None)
    assert services.deliveries_relay().handled == 0
    assert flaky.calls == 3


def test_retry_delay_doubles_up_to_the_cap(settings):
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 60
    settings.NOTIFICATION_RETRY_MAX_SECONDS = 3600
    assert [services.retry_delay(n).total_seconds() for n in (1, 2, 3, 6, 7, 20)] == [
        60,
        120,
        240,
        1920,
        3600,
        3600,
    ]


@pytest.mark.parametrize("error", [SmsError("number blocked"), ValueError("bad template")])
def test_permanent_error_fails_at_once_keeping_the_error(reader, monkeypatch, error):
    services.notify(user=reader, kind="order_shipped", params=SHIPPED, email=False)
    flaky = FlakyChannel(error)
    monkeypatch.setattr(services, "open_channels", lambda: _channels({"sms": flaky}))
    report = services.deliveries_relay()
    assert (report.sent, report.retried, report.failed) == (0, 0, 1)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert delivery.last_error == f"{type(error).__name__}: {error}"


def test_sms_transient_error_is_transient(reader, monkeypatch):
    services.notify(user=reader, kind="order_shipped", params=SHIPPED, email=False)
    monkeypatch.setattr(
        services, "open_channels", lambda: _channels({"sms": FlakyChannel(SmsTransientError("throttled"))})
    )
    assert services.deliveries_relay().retried == 1
    assert Delivery.objects.get().status == "pending"


def test_stuck_sending_rows_are_failed_not_resent(reader, settings):
    settings.NOTIFICATION_SENDING_TIMEOUT_SECONDS = 600
    services.notify(user=reader, kind="order_placed", params={"number": "A"})
    services.notify(user=reader, kind="order_placed", params={"number": "B"})
    old, recent = Delivery.objects.order_by("pk")
    Delivery.objects.filter(pk=old.pk).update(
        status="sending", attempts=1, claimed_at=timezone.now() - timedelta(seconds=601)
    )
    Delivery.objects.filter(pk=recent.pk).update(status="sending", attempts=1, claimed_at=timezone.now())
    assert services.deliveries_expire_stale() == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.status, recent.status) == ("failed", "sending")
    assert old.last_error == "interrupted during the send; outcome unknown, not sent again"
    assert services.deliveries_relay().handled == 0
    assert mail.outbox == []


def test_limit_and_ids_bound_a_run(reader):
    for number in "ABCD":
        services.notify(user=reader, kind="order_placed", params={"number": number})
    first, second, *_ = Delivery.objects.order_by("pk").values_list("pk", flat=True)
    assert services.deliveries_relay(ids=[second]).sent == 1
    assert services.deliveries_relay(limit=2).sent == 2
    assert list(Delivery.objects.order_by("pk").values_list("status", flat=True)) == [
        "sent",
        "sent",
        "sent",
        "pending",
    ]
    assert first  # claimed oldest first: the first one went in the limited run


def test_the_relay_task_counts_what_it_did(reader):
    from gansu_mall.notifications.tasks import relay_notifications

    services.notify(user=reader, kind="order_placed", params={"number": "A"})
    services.notify(user=reader, kind="order_shipped", params=SHIPPED)
    assert relay_notifications() == {"sent": 3, "retried": 0, "failed": 0, "expired": 0}
    assert relay_notifications() == {"sent": 0, "retried": 0, "failed": 0, "expired": 0}


def test_unique_constraint_refuses_a_second_row_per_channel(reader):
    from django.db import IntegrityError

    note = services.notify(user=reader, kind="order_placed", params={"number": "A"})
    with pytest.raises(IntegrityError), transaction.atomic():
        Delivery.objects.create(
            notification=note,
            channel="email",
            address="x@example.com",
            language="en",
            next_attempt_at=timezone.now(),
        )
    assert Delivery.objects.count() == 1


def test_broker_down_after_commit_is_logged_not_raised(reader, monkeypatch, caplog):
    from kombu.exceptions import OperationalError

    from gansu_mall.notifications import tasks

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:1. Connection refused.")

    monkeypatch.setattr(tasks.relay_notifications, "apply_async", refuse)
    assert services.relay_enqueue([1, 2]) is False
    assert "left for the sweep" in caplog.text


class _channels:
    """open_channels() stand-in: the given channels, as a context manager."""

    def __init__(self, channels):
        self.channels = channels

    def __enter__(self):
        return self.channels

    def __exit__(self, *exc):
        return False
