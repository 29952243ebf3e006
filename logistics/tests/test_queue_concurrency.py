"""The fulfillment queue under real concurrency, on PostgreSQL: 8 worker processes (each with its own
database connection) claim 500 queued tasks; every task is claimed exactly once, each worker's claims come
in priority/deadline order, and the holds on hub stock add up. An expired claim goes back to the queue
once, however many expiry runs race for it."""

from __future__ import annotations

import multiprocessing
import random
import time
import traceback
from collections import Counter, defaultdict
from datetime import datetime, timedelta

import pytest
from django.db import connection, connections
from django.db.models import Count, Sum
from django.utils import timezone

from gansu_mall.accounts.tests.factories import UserFactory
from gansu_mall.core.errors import ApplicationError
from gansu_mall.core.testing import run_together
from logistics import fulfillment
from logistics.models import (
    HUB_CODE,
    Bin,
    FulfillmentTask,
    HubStock,
    Pick,
    TaskEvent,
    TaskLine,
    TaskPriority,
    Warehouse,
)
from logistics.tests.conftest import hub_sku

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

TASKS = 500
WORKERS = 8
SKUS = 6


@pytest.fixture(autouse=True)
def _needs_postgres(settings, regions_data):
    if not settings.USING_POSTGRES:
        pytest.skip("row locks (FOR UPDATE SKIP LOCKED) and concurrent processes are tested on PostgreSQL")


def queue_tasks(vendor, skus, count: int, *, seed: int = 2026) -> list[int]:
    """``count`` queued tasks of mixed priorities and deadlines (ties included), each wanting 1 to 3 units
    of 1 to 3 of ``skus``; written directly, in bulk."""
    rng = random.Random(seed)
    warehouse = Warehouse.objects.get(code=HUB_CODE)
    base = timezone.now().replace(microsecond=0)
    tasks = []
    for n in range(count):
        priority = rng.choice(list(TaskPriority))
        deadline = base + timedelta(minutes=rng.randint(0, 300))  # 301 values: many ties, broken by id
        tasks.append(
            FulfillmentTask(
                warehouse=warehouse,
                order_ref=1_000_000 + n,
                order_number=f"Q{n:08d}",
                vendor=vendor,
                priority=priority,
                paid_at=deadline - timedelta(hours=fulfillment.sla_hours(priority)),
                deadline=deadline,
                recipient="王小明",
                phone="13800138000",
                province_code="620000",
                address_detail="城关镇东大街 12 号",
            )
        )
    tasks = FulfillmentTask.objects.bulk_create(tasks)
    lines = []
    for task in tasks:
        for sku in rng.sample(skus, rng.randint(1, min(3, len(skus)))):
            lines.append(
                TaskLine(
                    task=task,
                    order_item_ref=task.order_ref * 10 + len(lines) % 10,
                    sku=sku,
                    product_name=sku.product.name,
                    spec=sku.spec,
                    quantity=rng.randint(1, 3),
                )
            )
    TaskLine.objects.bulk_create(lines)
    TaskEvent.objects.bulk_create(
        [TaskEvent(task=task, to_status="queued", note="order paid") for task in tasks]
    )
    return [task.pk for task in tasks]


def stock_rows(skus, per_row: int) -> None:
    """Two bins of every SKU, ``per_row`` units each (no lots)."""
    warehouse = Warehouse.objects.get(code=HUB_CODE)
    bins = list(Bin.objects.filter(warehouse=warehouse, zone="ambient").order_by("code"))
    HubStock.objects.bulk_create(
        [
            HubStock(warehouse=warehouse, sku=sku, bin=bins[(2 * i + k) % len(bins)], quantity=per_row)
            for i, sku in enumerate(skus)
            for k in range(2)
        ]
    )


def _claim_until_empty(db_name: str, worker_id: int, barrier, out) -> None:  # type: ignore[no-untyped-def]
    """One worker process: its own connection to the test database; claims until the queue is empty and
    sends back (task id, priority, deadline, started, ended) per claim, in the order it claimed them."""
    try:
        connections.close_all()  # the parent closed its connections before forking: nothing to share
        from django.conf import settings

        settings.DATABASES["default"]["NAME"] = db_name
        for conn in connections.all():
            conn.settings_dict["NAME"] = db_name
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_database()")
            assert cursor.fetchone()[0] == db_name  # noqa: S101 - never the dev database
        from gansu_mall.accounts.models import User

        worker = User.objects.get(pk=worker_id)
        claims: list[tuple[int, int, datetime, float, float]] = []
        barrier.wait(timeout=60)
        while True:
            started = time.monotonic()
            task = fulfillment.task_claim(worker=worker)  # as the claim API calls it
            ended = time.monotonic()
            if task is None:
                break
            claims.append((task.pk, task.priority, task.deadline, started, ended))
        out.put((worker_id, claims, None))
    except BaseException:  # reported to the test  # noqa: BLE001
        out.put((worker_id, [], traceback.format_exc()))
    finally:
        connections.close_all()


def claim_in_processes(
    workers: list, db_name: str
) -> dict[int, list[tuple[int, int, datetime, float, float]]]:
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(len(workers))
    out = context.Queue()
    connections.close_all()  # a forked child must not share (or close) the parent's connection
    processes = [
        context.Process(target=_claim_until_empty, args=(db_name, worker.pk, barrier, out), daemon=True)
        for worker in workers
    ]
    for process in processes:
        process.start()
    try:
        results = [out.get(timeout=120) for _ in processes]
    finally:
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
    errors = [error for _worker, _claims, error in results if error]
    assert errors == []
    assert [process.exitcode for process in processes] == [0] * len(processes)
    return {worker_id: claims for worker_id, claims, _error in results}


def test_8_worker_processes_claim_500_tasks_each_exactly_once_in_priority_deadline_order(licensed_shop):
    skus = [hub_sku(licensed_shop, code=f"Q-{n}", name=f"核桃{n}") for n in range(SKUS)]
    stock_rows(skus, per_row=1_000)  # 2,000 units a SKU; 500 tasks want at most 1,500 of one
    task_ids = queue_tasks(licensed_shop, skus, TASKS)
    workers = [UserFactory(username=f"picker{n}", roles=["warehouse"]) for n in range(WORKERS)]
    db_name = connection.settings_dict["NAME"]
    assert db_name.startswith("test_")

    started = time.monotonic()
    by_worker = claim_in_processes(workers, db_name)
    elapsed = time.monotonic() - started

    # Every task claimed exactly once, by the worker that saw it.
    seen = [claim[0] for claims in by_worker.values() for claim in claims]
    assert len(seen) == TASKS, f"{len(seen)} claims in {elapsed:.1f} s"
    assert sorted(seen) == sorted(task_ids)  # each id once: no task went to two workers
    holder = {claim[0]: worker_id for worker_id, claims in by_worker.items() for claim in claims}
    rows = FulfillmentTask.objects.values_list("pk", "status", "claims", "claimed_by_id")
    assert {pk: (status, claims, by) for pk, status, claims, by in rows} == {
        pk: ("claimed", 1, holder[pk]) for pk in task_ids
    }
    claimed_events = Counter(
        dict(
            TaskEvent.objects.filter(to_status="claimed")
            .values("task_id")
            .annotate(n=Count("id"))
            .values_list("task_id", "n")
        )
    )
    assert claimed_events == Counter(dict.fromkeys(task_ids, 1))
    assert sum(1 for claims in by_worker.values() if claims) >= 2  # the claims really were concurrent

    # In priority/deadline order per claim: each worker's claims come in (priority, deadline, id) order,
    # and a claim that began after another had returned never got a task that queues before it.
    def key(claim: tuple[int, int, datetime, float, float]) -> tuple[int, datetime, int]:
        return (claim[1], claim[2], claim[0])

    for worker_id, claims in by_worker.items():
        keys = [key(claim) for claim in claims]
        assert keys == sorted(keys), f"worker {worker_id} claimed out of order"
    everything = [claim for claims in by_worker.values() for claim in claims]
    by_end = sorted(everything, key=lambda claim: claim[4])
    inversions = []
    done, highest = 0, None
    for claim in sorted(everything, key=lambda claim: claim[3]):
        while done < len(by_end) and by_end[done][4] < claim[3]:  # returned before this claim began
            highest = key(by_end[done]) if highest is None else max(highest, key(by_end[done]))
            done += 1
        if highest is not None and key(claim) < highest:
            inversions.append((claim[0], highest))
    assert inversions == []

    # The holds: every line picked in full, and each stock row holds exactly what its picks hold.
    picked = dict(Pick.objects.values("line_id").annotate(n=Sum("quantity")).values_list("line_id", "n"))
    assert picked == dict(TaskLine.objects.values_list("pk", "quantity"))
    held = defaultdict(
        int, Pick.objects.values("stock_id").annotate(n=Sum("quantity")).values_list("stock_id", "n")
    )
    for row in HubStock.objects.all():
        assert row.allocated == held[row.pk], row
        assert 0 <= row.allocated <= row.quantity
    assert fulfillment.task_claim(worker=workers[0]) is None


def test_an_expired_claim_returns_to_the_queue_once(licensed_shop):
    (sku,) = [hub_sku(licensed_shop, code="EX-1")]
    stock_rows([sku], per_row=10)
    (task_id,) = queue_tasks(licensed_shop, [sku], 1)
    first = UserFactory(username="first", roles=["warehouse"])
    second = UserFactory(username="second", roles=["warehouse"])
    wanted = TaskLine.objects.get(task_id=task_id).quantity

    task = fulfillment.task_claim(worker=first)
    assert (task.pk, task.claimed_by_id, task.claims) == (task_id, first.pk, 1)
    assert HubStock.objects.aggregate(n=Sum("allocated"))["n"] == wanted
    now = timezone.now()
    assert fulfillment.claims_expire(now=now) == 0  # not yet due
    FulfillmentTask.objects.filter(pk=task_id).update(claim_expires_at=now - timedelta(minutes=1))

    outcomes = run_together(*(lambda: fulfillment.claims_expire(now=now) for _ in range(4)))
    assert [o for o in outcomes if not isinstance(o, int)] == []  # no error, no deadlock
    assert sorted(outcomes) == [0, 0, 0, 1]
    assert TaskEvent.objects.filter(task_id=task_id, note="claim expired").count() == 1
    expired = FulfillmentTask.objects.get(pk=task_id)
    assert (expired.status, expired.claimed_by_id, expired.claim_expires_at, expired.claims) == (
        "queued",
        None,
        None,
        1,
    )
    assert list(HubStock.objects.values_list("allocated", flat=True)) == [0, 0]
    assert not Pick.objects.exists()
    assert fulfillment.claims_expire(now=now) == 0  # once only

    again = fulfillment.task_claim(worker=second)
    assert (again.pk, again.claimed_by_id, again.claims) == (task_id, second.pk, 2)
    assert HubStock.objects.aggregate(n=Sum("allocated"))["n"] == wanted
    assert TaskEvent.objects.filter(task_id=task_id, to_status="claimed").count() == 2

    def state() -> tuple[object, ...]:
        row = FulfillmentTask.objects.values().get(pk=task_id)
        return (
            row,
            list(TaskEvent.objects.filter(task_id=task_id).values_list("pk", "to_status")),
            list(Pick.objects.values_list("pk", "quantity", "picked_quantity")),
            list(HubStock.objects.order_by("pk").values_list("quantity", "allocated")),
        )

    before = state()
    with pytest.raises(ApplicationError) as refused:
        fulfillment.task_pack(task=task, worker=first, weight_grams=800, packages=1)
    assert refused.value.code == "not_your_task"
    assert state() == before
