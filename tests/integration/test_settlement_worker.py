"""Settlement on a real Celery worker process with a real (private) Redis: the worker is SIGKILLed in the
middle of the settlement task (after the first shop's transaction committed, while the task pauses — a
test-only setting); the message, acknowledged late and rejected on worker loss, is redelivered after the
restart, and the run finishes the remaining shops once: one statement and one payout per shop, one
settlement entry per shop in the ledger, every entry balanced."""

from __future__ import annotations

import signal
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from gansu_mall.accounts.tests.factories import UserFactory
from tests.integration.celery_harness import celery_sends_to, celery_worker, private_redis

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shops_with_orders(regions_data, settings, tmp_path):
    from orders.tests.conftest import make_product, make_shop
    from orders.tests.helpers import ledger_order

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    bureau = UserFactory(username="bureau", roles=["bureau"])
    buyer = UserFactory(username="buyer")
    shops = []
    for i, (county, prefix) in enumerate(
        [("621221", "93621221"), ("620102", "91620100"), ("620402", "91620400")]
    ):
        owner = UserFactory(username=f"owner{i}")
        shop = make_shop(owner, bureau, uscc_prefix=prefix, county=county, name=f"店铺{i}")
        sku = make_product(shop, name=f"商品{i}", code=f"SKU-{i}", price="39.90", stock=10)
        for j in range(2):
            ledger_order(f"O{i}{j}", buyer, shop, sku, Decimal("39.90"), Decimal("10.00"), 8 + j)
        shops.append(shop)
    return shops


def test_a_worker_killed_mid_settlement_finishes_once_after_restart(shops_with_orders):
    from orders.settlement.ledger import unbalanced_entries
    from orders.settlement.models import JournalEntry, Payout, Settlement, SettlementLine
    from orders.settlement.tasks import run_settlement

    as_of = timezone.localdate().isoformat()
    env = {
        "SETTLEMENT_TEST_PAUSE_SECONDS": "60",
        "CELERY_VISIBILITY_TIMEOUT": "5",  # the killed worker's message comes back after 5 s …
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",  # … at the restarted worker's next look (every ~10 s)
    }
    with (
        private_redis() as redis,
        celery_sends_to(redis.url),
        celery_worker(
            broker_url=redis.url, database_name=str(connection.settings_dict["NAME"]), env=env
        ) as worker,
    ):
        run_settlement.delay(as_of)
        worker.wait_for(lambda: "pausing 60s after shop" in worker.log(), timeout=60)
        worker.kill(signal.SIGKILL)
        # killed in the middle: the first shop is settled, the others are not
        assert Settlement.objects.count() == 1
        assert SettlementLine.objects.count() == 2
        worker.env["SETTLEMENT_TEST_PAUSE_SECONDS"] = "0"
        worker.restart()
        worker.wait_for(lambda: Settlement.objects.count() == 3, timeout=120)
        worker.wait_for(lambda: "succeeded in" in worker.log().rsplit("--- start 2 ---", 1)[-1], timeout=60)
        log = worker.log()
    received = [
        line
        for line in log.splitlines()
        if "orders.settlement.tasks.run_settlement[" in line and "] received" in line
    ]
    assert len(received) == 2  # delivered, then redelivered after the kill
    assert len({line.split("[", 2)[-1].split("]")[0] for line in received}) == 1  # the same message
    assert sorted(Settlement.objects.values_list("vendor_id", flat=True)) == sorted(
        s.pk for s in shops_with_orders
    )
    assert SettlementLine.objects.count() == 6
    assert Payout.objects.count() == 3
    keys = Counter(JournalEntry.objects.filter(kind="settlement").values_list("idempotency_key", flat=True))
    assert len(keys) == 3
    assert set(keys.values()) == {1}
    period_end = timezone.localdate() - timedelta(days=7)
    assert set(Settlement.objects.values_list("period_end", flat=True)) == {period_end}
    assert JournalEntry.objects.filter(kind="payout").count() == 3
    assert unbalanced_entries() == []
