"""The notification outbox with a real Celery worker process and a real (private) Redis.

- The broker is down when an order is placed: the order succeeds, and once Redis is back the beat sweep
  delivers the buyer's notification — exactly one email.
- The relay task runs twice at once and the same task message is delivered twice: every delivery is sent
  once.
- The worker is SIGKILLed in the middle of a relay and its message is redelivered after the restart: no
  message is sent twice.

Emails go to files (Django's file backend, in a temporary folder) and are counted there.
"""

from __future__ import annotations

import re
import signal
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from gansu_mall.accounts.tests.factories import UserFactory
from gansu_mall.notifications import services
from gansu_mall.notifications.models import Delivery
from tests.integration.celery_harness import celery_sends_to, celery_worker, private_redis, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"


def emails_to(folder: Path) -> dict[str, int]:
    """How many messages each address got, from the file backend's files."""
    counts: dict[str, int] = {}
    for path in folder.glob("*.log"):
        for address in re.findall(r"^To: (.+)$", path.read_text(encoding="utf-8"), flags=re.MULTILINE):
            counts[address.strip()] = counts.get(address.strip(), 0) + 1
    return counts


def worker_env(mail_dir: Path, **extra: str) -> dict[str, str]:
    return {"EMAIL_BACKEND": FILE_BACKEND, "EMAIL_FILE_PATH": str(mail_dir), **extra}


def database_name() -> str:
    return str(connection.settings_dict["NAME"])


@pytest.fixture
def shop_sku(regions_data, settings, tmp_path):
    from orders.tests.conftest import make_product, make_shop

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    bureau = UserFactory(username="bureau", roles=["bureau"])
    owner = UserFactory(username="walnut_owner")
    shop = make_shop(owner, bureau, uscc_prefix="93621221", county="621221", name="成县核桃合作社")
    return make_product(shop, name="成县核桃", code="HT-500", price="39.90", stock=10)


def test_order_placed_while_redis_is_down_reaches_the_buyer_once_redis_is_back(
    shop_sku, tmp_path, client_for
):
    from orders.models import Order
    from orders.tests.conftest import ADDRESS

    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    buyer = UserFactory(username="buyer", email="buyer@example.com")
    client = client_for(buyer)
    with (
        private_redis() as redis,
        celery_sends_to(redis.url),
        celery_worker(
            broker_url=redis.url,
            database_name=database_name(),
            env=worker_env(mail_dir, NOTIFICATION_RELAY_SECONDS="2"),
            beat=True,
        ) as worker,
    ):
        redis.stop()
        started = time.monotonic()
        response = client.post(
            "/api/v1/checkout/",
            {"address": ADDRESS, "items": [{"sku": shop_sku.pk, "quantity": 1}]},
            format="json",
            HTTP_IDEMPOTENCY_KEY="broker-down-1",
        )
        elapsed = time.monotonic() - started
        assert response.status_code == 201, response.content
        assert elapsed < 10  # the dead broker costs a fraction of a second, not a hung request
        order = Order.objects.get(buyer=buyer)
        delivery = Delivery.objects.get(notification__user=buyer, notification__kind="order_placed")
        assert (delivery.channel, delivery.status, delivery.attempts) == ("email", "pending", 0)
        time.sleep(3)  # the worker cannot get any work meanwhile
        assert emails_to(mail_dir).get("buyer@example.com", 0) == 0

        redis.start()
        worker.wait_for(lambda: Delivery.objects.filter(pk=delivery.pk, status="sent").exists(), timeout=90)
        # a few more sweeps pass: nothing is sent again
        sweeps = worker.log().count("relay_notifications")
        worker.wait_for(lambda: worker.log().count("relay_notifications") >= sweeps + 4, timeout=30)
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 1, "")
        assert emails_to(mail_dir).get("buyer@example.com") == 1
        text = "".join(p.read_text(encoding="utf-8") for p in mail_dir.glob("*.log"))
        assert order.number in text


def _pending_deliveries(monkeypatch, users: int) -> list[int]:
    """Notifications written with no relay queued (as if the broker had been down): all pending."""
    monkeypatch.setattr(services, "relay_enqueue", lambda ids: False)
    for index in range(users):
        user = UserFactory(username=f"r{index}", email=f"r{index}@example.com", phone=f"1380013{index:04d}")
        services.notify(user=user, kind="order_shipped", params={"number": f"N{index}", "shop": "S"})
    monkeypatch.undo()
    ids = list(Delivery.objects.order_by("pk").values_list("pk", flat=True))
    assert len(ids) == 2 * users
    assert set(Delivery.objects.values_list("status", flat=True)) == {"pending"}
    return ids


def test_relay_run_twice_at_once_and_redelivered_sends_each_message_once(monkeypatch, tmp_path):
    from gansu_mall.notifications.tasks import relay_notifications

    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    ids = _pending_deliveries(monkeypatch, 40)
    with (
        private_redis() as redis,
        celery_sends_to(redis.url),
        celery_worker(
            broker_url=redis.url, database_name=database_name(), concurrency=2, env=worker_env(mail_dir)
        ) as worker,
    ):
        task_id = str(uuid.uuid4())
        # the same message twice (what a redelivery looks like), and two sweeps, all at once
        relay_notifications.apply_async(args=[ids], task_id=task_id)
        relay_notifications.apply_async(args=[ids], task_id=task_id)
        relay_notifications.apply_async()
        relay_notifications.apply_async()
        worker.wait_for(lambda: worker.log().count("succeeded in") >= 4, timeout=60)
        log = worker.log()
    assert list(Delivery.objects.values_list("status", "attempts").distinct()) == [("sent", 1)]
    assert emails_to(mail_dir) == {f"r{index}@example.com": 1 for index in range(40)}
    assert log.count("SMS to 138****") == 40
    reports = [int(n) for n in re.findall(r"'sent': (\d+)", log)]
    assert sum(reports) == 80
    assert len(reports) == 4


def test_worker_killed_mid_relay_then_redelivered_sends_nothing_twice(monkeypatch, tmp_path):
    from gansu_mall.notifications.tasks import relay_notifications

    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    ids = _pending_deliveries(monkeypatch, 30)
    env = worker_env(
        mail_dir,
        EMAIL_BACKEND="tests.integration.slow_mail.SlowFileBackend",
        # the killed worker's message comes back after 5 s, looked for every second (restored at
        # every tenth look)
        CELERY_VISIBILITY_TIMEOUT="5",
        CELERY_UNACKED_RESTORE_INTERVAL="1",
    )
    with (
        private_redis() as redis,
        celery_sends_to(redis.url),
        celery_worker(broker_url=redis.url, database_name=database_name(), env=env) as worker,
    ):
        relay_notifications.apply_async(args=[ids])
        wait_for(lambda: Delivery.objects.filter(status="sent").count() >= 5, 60, what="a few sends")
        worker.kill(signal.SIGKILL)
        at_kill = dict(Delivery.objects.values_list("pk", "status"))
        assert "pending" in at_kill.values()  # killed in the middle, not after the end
        worker.restart()
        worker.wait_for(lambda: not Delivery.objects.filter(status="pending").exists(), timeout=120)
    rows = list(Delivery.objects.values_list("notification__user__username", "channel", "status", "attempts"))
    # Every row was claimed once; at most the one being sent at the kill is left unsent (outcome unknown).
    assert {attempts for _, _, _, attempts in rows} == {1}
    unsent = [row for row in rows if row[2] != "sent"]
    assert len(unsent) <= 1
    assert all(status == "sending" for _, _, status, _ in unsent)
    received = emails_to(mail_dir)
    assert all(count == 1 for count in received.values())  # nobody got an email twice
    sent_emails = {
        f"{user}@example.com" for user, channel, status, _ in rows if channel == "email" and status == "sent"
    }
    assert sent_emails <= set(received)
    assert len(received) <= len(sent_emails) + 1
