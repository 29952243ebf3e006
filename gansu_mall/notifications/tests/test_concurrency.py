"""The relay run several times at once (threads, each with its own PostgreSQL connection): every delivery
is sent exactly once."""

from __future__ import annotations

import threading

import pytest
from django.core import mail
from django.db import connection, connections

from gansu_mall.accounts.tests.factories import UserFactory
from gansu_mall.notifications import services
from gansu_mall.notifications.models import Delivery

pytestmark = pytest.mark.django_db(transaction=True)


def run_concurrently(count, target):
    barrier = threading.Barrier(count)
    errors = []

    def worker(index):
        try:
            barrier.wait()
            target(index)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []


@pytest.mark.parametrize("with_ids", [False, True], ids=["sweeps", "same-task-twice"])
def test_concurrent_relays_send_each_delivery_once(settings, monkeypatch, with_ids):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (SKIP LOCKED, real row locks)")
    settings.SMS_PROVIDER = "gansu_mall.notifications.sms.LocmemSmsProvider"
    from gansu_mall.notifications.sms import LocmemSmsProvider

    LocmemSmsProvider.outbox.clear()
    # Written while the broker is "down": nothing relayed at commit, all deliveries pending.
    monkeypatch.setattr(services, "relay_enqueue", lambda ids: False)
    users = [UserFactory(username=f"u{i}", phone=f"1380000{i:04d}") for i in range(30)]
    for user in users:
        services.notify(user=user, kind="order_shipped", params={"number": user.username, "shop": "S"})
        services.notify(user=user, kind="order_placed", params={"number": user.username})
    ids = list(Delivery.objects.values_list("pk", flat=True))
    assert len(ids) == 90  # 60 emails, 30 text messages
    assert set(Delivery.objects.values_list("status", flat=True)) == {"pending"}
    assert mail.outbox == []
    sent = []

    def relay(index):
        report = services.deliveries_relay(ids=ids if with_ids else None)
        sent.append(report.sent)

    run_concurrently(4, relay)
    assert sum(sent) == 90
    assert list(Delivery.objects.values_list("status", "attempts").distinct()) == [("sent", 1)]
    assert len(mail.outbox) == 60
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        f"u{i}@example.com" for i in range(30) for _ in "ab"
    )
    assert len(LocmemSmsProvider.outbox) == 30
    assert len(set(LocmemSmsProvider.outbox)) == 30
    LocmemSmsProvider.outbox.clear()
