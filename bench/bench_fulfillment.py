"""Fulfillment queue benchmark: claims per second with 1, 2, 4 and 8 worker processes over 10,000 queued
tasks, on PostgreSQL, on this machine. Target: at least 500 claims/s at 4 workers, and 8 workers no worse
than 4; the double-claim count must be 0.

Each worker is an OS process with its own database connection, looping ``logistics.fulfillment.task_claim``
(as the claim API calls it) until the queue is empty. Before every run the queue is refilled with 10,000
queued tasks (1 to 3 lines each over 200 hub SKUs, mixed priorities and deadlines) and the holds on hub stock
are cleared; the wall time runs from a common start barrier to the last claim. Each worker count runs
``--repeat`` (3) times, in rounds (1, 2, 4, 8 workers, then again), each run from a vacuumed state: the
table gives the medians of claims/s and of the per-claim latency p50/p99
(measured inside the workers), and the double claims (tasks claimed more than once, by the workers' own
record, ``claims`` and the claim events), which must be 0, and whether all tasks were claimed.

Usage: make bench  (or: python bench/bench_fulfillment.py [--tasks N] [--workers 1,2,4,8] [--repeat 3])
The data lives in its own database (BENCH_QUEUE_DATABASE_URL, default gansu_bench_queue), created and
migrated when missing; the queue's tables are emptied before every run.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import time
import traceback
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_catalog import env as catalog_env  # noqa: E402
from common import ROOT, ensure_database, load, setup_django  # noqa: E402

DB_URL = os.environ.get("BENCH_QUEUE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gansu_bench_queue")
SKUS = 200
STOCK_PER_ROW = 1_000_000


def env() -> dict[str, str]:
    return {**catalog_env(), "DATABASE_URL": DB_URL}


def fixtures(workers: int) -> tuple[list[int], list[int], int]:
    """A shop, SKUS hub SKUs with plenty of stock in two ambient bins each (one row with a lot, one without),
    and ``workers`` warehouse staff. Reused between runs. Returns (worker ids, SKU ids, vendor id)."""
    from catalog.models import Batch, Category, Product, Sku
    from gansu_mall.accounts.models import Role, RoleGrant, User
    from gansu_mall.core.crypto import keyed_hash
    from gansu_mall.regions.models import Region
    from logistics.models import HUB_CODE, Bin, HubStock, Warehouse
    from vendors.models import Vendor

    county = Region.objects.get(code="621221")
    vendor = Vendor.objects.filter(slug="bench-queue").first()
    if vendor is None:
        vendor = Vendor.objects.create(
            slug="bench-queue",
            name="成县核桃合作社",
            vendor_type="cooperative",
            legal_name="成县核桃合作社",
            uscc="",
            identity_hash=keyed_hash("bench-queue", purpose="identity"),
            county=county,
            contact_phone="13800000000",
        )
    warehouse = Warehouse.objects.get(code=HUB_CODE)
    if not Sku.objects.filter(vendor=vendor).exists():
        leaf = Category.objects.filter(children__isnull=True).order_by("id").first()
        products = Product.objects.bulk_create(
            [
                Product(vendor=vendor, name=f"核桃{n}", category=leaf, origin_county=county, status="active")
                for n in range(SKUS)
            ]
        )
        skus = Sku.objects.bulk_create(
            [
                Sku(
                    product=p,
                    vendor=vendor,
                    code=f"BQ-{n}",
                    spec="500 g",
                    price="40.00",
                    stock=STOCK_PER_ROW,
                    weight_grams=520,
                    fulfilled_by="hub",
                )
                for n, p in enumerate(products)
            ]
        )
        today = time.strftime("%Y-%m-%d")
        lots = Batch.objects.bulk_create(
            [
                Batch(
                    sku=sku,
                    vendor=vendor,
                    trace_code=f"BQ{sku.pk:012d}",
                    quantity=STOCK_PER_ROW,
                    remaining=STOCK_PER_ROW,
                    origin_county=county,
                    base_name="成县核桃基地",
                    harvested_on=today,
                    expires_on=None,
                )
                for sku in skus
            ]
        )
        bins = list(Bin.objects.filter(warehouse=warehouse, zone="ambient").order_by("code"))
        HubStock.objects.bulk_create(
            [
                HubStock(
                    warehouse=warehouse,
                    sku=sku,
                    batch=batch if k == 0 else None,
                    bin=bins[(n + k) % len(bins)],
                    quantity=STOCK_PER_ROW,
                )
                for n, (sku, batch) in enumerate(zip(skus, lots, strict=True))
                for k in range(2)
            ]
        )
    pickers = []
    for n in range(workers):
        user, _created = User.objects.get_or_create(username=f"bench_picker_{n}")
        RoleGrant.objects.get_or_create(user=user, role=Role.WAREHOUSE)
        pickers.append(user.pk)
    sku_ids = list(Sku.objects.filter(vendor=vendor).order_by("id").values_list("pk", flat=True))
    return pickers, sku_ids, vendor.pk


def refill(tasks: int, sku_ids: list[int], vendor_id: int, seed: int) -> None:
    """Empty the queue's tables and queue ``tasks`` tasks afresh; no stock held."""
    from django.db import connection, transaction
    from django.utils import timezone

    from logistics import fulfillment
    from logistics.models import HUB_CODE, FulfillmentTask, TaskEvent, TaskLine, TaskPriority, Warehouse

    rng = random.Random(seed)
    warehouse = Warehouse.objects.get(code=HUB_CODE)
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE logistics_pick, logistics_taskevent, logistics_taskline, logistics_fulfillmenttask"
            " RESTART IDENTITY CASCADE"
        )
        cursor.execute("UPDATE logistics_hubstock SET allocated = 0 WHERE allocated <> 0")
    with transaction.atomic():
        rows = []
        for n in range(tasks):
            priority = rng.choices(list(TaskPriority), weights=[1, 3, 6])[0]
            paid_at = now - timedelta(seconds=rng.randint(0, 6 * 3600))
            rows.append(
                FulfillmentTask(
                    warehouse=warehouse,
                    order_ref=n + 1,
                    order_number=f"B{n + 1:010d}",
                    vendor_id=vendor_id,
                    priority=priority,
                    paid_at=paid_at,
                    deadline=paid_at + timedelta(hours=fulfillment.sla_hours(priority)),
                    recipient="压测买家",
                    phone="13800138000",
                    province_code="620000",
                    address_detail="城关镇 1 号",
                )
            )
        created = FulfillmentTask.objects.bulk_create(rows, batch_size=2000)
        lines = [
            TaskLine(
                task=task,
                order_item_ref=task.order_ref * 10 + k,
                sku_id=sku_id,
                product_name="核桃",
                spec="500 g",
                quantity=rng.randint(1, 3),
            )
            for task in created
            for k, sku_id in enumerate(rng.sample(sku_ids, rng.randint(1, 3)))
        ]
        TaskLine.objects.bulk_create(lines, batch_size=5000)
        TaskEvent.objects.bulk_create(
            [TaskEvent(task=task, to_status="queued", note="order paid") for task in created], batch_size=5000
        )
    with connection.cursor() as cursor:
        for table in (
            "logistics_fulfillmenttask",
            "logistics_taskline",
            "logistics_taskevent",
            "logistics_pick",
            "logistics_hubstock",
        ):
            # Every run starts from the same state: no dead row versions left by the previous run.
            cursor.execute(f"VACUUM ANALYZE {table}")


def claim_loop(worker_id: int, barrier, out) -> None:  # type: ignore[no-untyped-def]
    """One worker process: claims until the queue is empty; sends back when it started (after the
    barrier), when its last claim returned, each claim's latency and the ids it got."""
    from django.db import connections

    try:
        connections.close_all()  # the parent closed its connections before forking: nothing is shared
        from gansu_mall.accounts.models import User
        from logistics import fulfillment

        worker = User.objects.get(pk=worker_id)
        barrier.wait(timeout=120)
        started = last = time.monotonic()
        cpu = time.process_time()
        latencies: list[float] = []
        ids: list[int] = []
        while True:
            before = time.perf_counter()
            task = fulfillment.task_claim(worker=worker)
            elapsed = time.perf_counter() - before
            if task is None:
                break
            last = time.monotonic()
            latencies.append(elapsed)
            ids.append(task.pk)
        cpu = time.process_time() - cpu
        out.put(
            {"started": started, "last": last, "cpu": cpu, "latencies": latencies, "ids": ids, "error": None}
        )
    except BaseException:  # reported by the parent  # noqa: BLE001
        out.put(
            {"started": 0, "last": 0, "cpu": 0, "latencies": [], "ids": [], "error": traceback.format_exc()}
        )
    finally:
        connections.close_all()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def run(workers: list[int], tasks: int) -> dict[str, float]:
    """One run: ``workers`` processes empty a queue of ``tasks``; then the database is checked."""
    from django.db import connection, connections

    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(len(workers))
    out = context.Queue()
    connections.close_all()  # a forked child must not share (or close) the parent's connection
    processes = [context.Process(target=claim_loop, args=(w, barrier, out), daemon=True) for w in workers]
    for process in processes:
        process.start()
    reports = [out.get(timeout=3600) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    errors = [r["error"] for r in reports if r["error"]]
    if errors:
        sys.exit("a worker failed:\n" + "\n".join(errors))
    wall = max(r["last"] for r in reports) - min(r["started"] for r in reports)
    latencies = [x * 1000 for r in reports for x in r["latencies"]]
    ids = [pk for r in reports for pk in r["ids"]]
    seen: dict[int, int] = {}
    for pk in ids:
        seen[pk] = seen.get(pk, 0) + 1
    twice = {pk for pk, n in seen.items() if n > 1}
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM logistics_fulfillmenttask WHERE claims > 1")
        twice |= {pk for (pk,) in cursor.fetchall()}
        cursor.execute(
            "SELECT task_id FROM logistics_taskevent WHERE to_status = 'claimed'"
            " GROUP BY task_id HAVING count(*) > 1"
        )
        twice |= {pk for (pk,) in cursor.fetchall()}
        cursor.execute("SELECT status, count(*) FROM logistics_fulfillmenttask GROUP BY status")
        statuses = dict(cursor.fetchall())
        cursor.execute(
            "SELECT count(*) FROM logistics_hubstock s LEFT JOIN (SELECT stock_id, sum(quantity) AS n"
            " FROM logistics_pick GROUP BY stock_id) p ON p.stock_id = s.id"
            " WHERE s.allocated <> coalesce(p.n, 0)"
        )
        (hold_mismatches,) = cursor.fetchone()
    return {
        "workers": len(workers),
        "claims": len(ids),
        "wall_s": wall,
        "claims_per_s": len(ids) / wall if wall > 0 else float("nan"),
        "p50_ms": statistics.median(latencies) if latencies else float("nan"),
        "p99_ms": percentile(latencies, 0.99) if latencies else float("nan"),
        "worker_cpu_ms": sum(r["cpu"] for r in reports) * 1000 / max(1, len(ids)),  # Python, per claim
        "double_claims": len(twice),
        "all_claimed": statuses.get("claimed", 0) == tasks and len(set(ids)) == tasks,
        "exceptions": statuses.get("exception", 0),
        "hold_mismatches": hold_mismatches,
        "per_worker": [len(r["ids"]) for r in reports],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--workers", default="1,2,4,8")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]
    ensure_database(DB_URL)
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env(), check=True)
    setup_django(env())
    pickers, sku_ids, vendor_id = fixtures(max(counts))
    results: dict[int, list[dict[str, float]]] = {}
    # Rounds: each round runs every worker count once, so drift over the session (checkpoints, caches)
    # spreads over all counts instead of favouring the first ones.
    for rep in range(args.repeat):
        for n in counts:
            started = time.monotonic()
            refill(args.tasks, sku_ids, vendor_id, seed=rep)
            filled = time.monotonic() - started
            r = run(pickers[:n], args.tasks)
            results.setdefault(n, []).append(r)
            print(
                f"workers {n}  run {rep + 1}  {r['claims_per_s']:7.1f} claims/s  wall {r['wall_s']:6.1f} s"
                f"  p50 {r['p50_ms']:6.1f} ms  p99 {r['p99_ms']:6.1f} ms  worker CPU {r['worker_cpu_ms']:4.1f} ms/claim  double claims {r['double_claims']}"
                f"  all claimed {r['all_claimed']}  exceptions {r['exceptions']}"
                f"  hold mismatches {r['hold_mismatches']}  per worker {r['per_worker']}  (refill {filled:.1f} s, load {load()})",
                flush=True,
            )
    print()
    print(
        f"{args.tasks} queued tasks, {SKUS} hub SKUs, medians of {args.repeat} runs, {os.cpu_count()} cores"
    )
    print(
        f"{'workers':>7} {'claims/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'double claims':>13} {'all claimed':>11}"
    )
    summary = {}
    for n, runs in results.items():
        row = {
            "claims_per_s": statistics.median(r["claims_per_s"] for r in runs),
            "p50_ms": statistics.median(r["p50_ms"] for r in runs),
            "p99_ms": statistics.median(r["p99_ms"] for r in runs),
            "double_claims": sum(r["double_claims"] for r in runs),
            "all_claimed": all(r["all_claimed"] for r in runs),
        }
        summary[n] = row
        print(
            f"{n:>7} {row['claims_per_s']:>9.1f} {row['p50_ms']:>7.1f} {row['p99_ms']:>7.1f}"
            f" {row['double_claims']:>13} {row['all_claimed']!s:>11}"
        )
    machine = {"cores": os.cpu_count(), "python": sys.version.split()[0], "load_after": load()}
    (ROOT / "bench" / "results-fulfillment.json").write_text(
        json.dumps({"tasks": args.tasks, "machine": machine, "summary": summary, "runs": results}, indent=2)
    )
    bad = [n for n, row in summary.items() if row["double_claims"] or not row["all_claimed"]]
    if bad:
        sys.exit(f"double claims or unclaimed tasks with {bad} workers")


if __name__ == "__main__":
    main()
