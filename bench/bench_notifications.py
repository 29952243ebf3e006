"""Notification relay benchmark: messages per second with 1 and 2 workers over 20,000 pending deliveries
(10,000 notifications, each by email and SMS), on PostgreSQL, on this machine.

Two ways to run the relay (``--mode``):

- ``processes`` (default): forked OS processes, each with its own database connection, calling
  ``gansu_mall.notifications.services.deliveries_relay()`` — what the relay task runs — until nothing is
  pending. The wall time runs from a common start barrier to the last process's end.
- ``celery``: real Celery workers (``celery worker --pool=prefork``, one process per worker) on a private
  Redis (tests/integration/celery_harness.py); the benchmark publishes one sweep task
  (``relay_notifications()``) per worker and waits until nothing is pending; the wall time runs from the
  publish to the last delivery's ``sent_at``.

Email goes to Django's locmem backend and SMS to the locmem provider: the figures are the outbox's own
cost (claim, render in the recipient's language, hand over, mark sent), not a mail server's. After each
run the database is checked: every delivery sent, each exactly once (one attempt), and the messages the
workers handed over count exactly one per delivery (no double sends). Each worker count runs ``--repeat``
(3) times, in rounds (1, 2, then again); the table gives the medians.

Usage: make bench  (or: python bench/bench_notifications.py [--notifications N] [--workers 1,2]
[--repeat 3] [--mode processes|celery])
The data lives in its own database (BENCH_NOTIFY_DATABASE_URL, default gansu_bench_notify), created and
migrated when missing; notifications and deliveries are emptied and written afresh before every run.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_catalog import env as catalog_env  # noqa: E402
from common import ROOT, ensure_database, load, setup_django  # noqa: E402

DB_URL = os.environ.get("BENCH_NOTIFY_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gansu_bench_notify")
USERS = 2_000
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SMS_PROVIDER = "gansu_mall.notifications.sms.LocmemSmsProvider"


def env() -> dict[str, str]:
    return {
        **catalog_env(),
        "DATABASE_URL": DB_URL,
        "EMAIL_BACKEND": EMAIL_BACKEND,
        "SMS_PROVIDER": SMS_PROVIDER,
        "CACHE_KEY_PREFIX": "bench-notify",
    }


def users() -> list[int]:
    """USERS readers with an email address and a mobile number, half reading Chinese, half English."""
    from gansu_mall.accounts.models import User

    existing = User.objects.filter(username__startswith="bench_reader_").count()
    if existing < USERS:
        User.objects.bulk_create(
            [
                User(
                    username=f"bench_reader_{i}",
                    email=f"reader{i}@example.com",
                    phone=f"139{i:08d}",
                    language="en" if i % 2 else "zh-hans",
                )
                for i in range(existing, USERS)
            ],
            batch_size=1000,
        )
    return list(
        User.objects.filter(username__startswith="bench_reader_").order_by("pk").values_list("pk", flat=True)
    )


def refill(notifications: int, user_ids: list[int]) -> int:
    """Empty the outbox and write ``notifications`` order_shipped notifications (important: email and
    SMS by default), each with its two pending deliveries. Returns the number of deliveries."""
    from django.db import connection, transaction
    from django.utils import timezone

    from gansu_mall.notifications.models import Delivery, Notification

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE notifications_delivery, notifications_notification")
    now = timezone.now()
    with transaction.atomic():
        notes = Notification.objects.bulk_create(
            [
                Notification(
                    user_id=user_ids[i % len(user_ids)],
                    kind="order_shipped",
                    params={"shop": "成县核桃合作社", "number": f"G2026{i:07d}"},
                    link=f"/orders/{i}/",
                )
                for i in range(notifications)
            ],
            batch_size=2000,
        )
        deliveries = []
        for i, note in enumerate(notes):
            language = "en" if (i % len(user_ids)) % 2 else "zh-hans"
            deliveries.append(
                Delivery(
                    notification=note,
                    channel="email",
                    address=f"reader{i % len(user_ids)}@example.com",
                    language=language,
                    next_attempt_at=now,
                )
            )
            deliveries.append(
                Delivery(
                    notification=note,
                    channel="sms",
                    address=f"139{i % len(user_ids):08d}",
                    language=language,
                    next_attempt_at=now,
                )
            )
        Delivery.objects.bulk_create(deliveries, batch_size=4000)
    connection.close()
    with connection.cursor() as cursor:  # autocommit: VACUUM cannot run in a transaction
        cursor.execute("VACUUM ANALYZE notifications_delivery")
        cursor.execute("VACUUM ANALYZE notifications_notification")
    return len(deliveries)


def relay_loop(barrier, out) -> None:  # type: ignore[no-untyped-def]
    """One worker process: relays until nothing is pending; reports its timings and what it handed over."""
    from django.core import mail
    from django.db import connections

    try:
        connections.close_all()  # the parent closed its connections before forking: nothing is shared
        from gansu_mall.notifications import services
        from gansu_mall.notifications.sms import LocmemSmsProvider

        mail.outbox = []
        LocmemSmsProvider.outbox.clear()
        barrier.wait(timeout=120)
        started = time.monotonic()
        cpu = time.process_time()
        report = services.deliveries_relay()
        finished = time.monotonic()
        out.put(
            {
                "started": started,
                "finished": finished,
                "cpu": time.process_time() - cpu,
                "sent": report.sent,
                "failed": report.failed + report.retried,
                "emails": len(mail.outbox),
                "sms": len(LocmemSmsProvider.outbox),
                "error": None,
            }
        )
    except BaseException:  # reported by the parent  # noqa: BLE001
        out.put({"error": traceback.format_exc()})
    finally:
        connections.close_all()


def check(total: int) -> dict[str, object]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT status, count(*) FROM notifications_delivery GROUP BY status")
        statuses = dict(cursor.fetchall())
        cursor.execute("SELECT count(*) FROM notifications_delivery WHERE attempts <> 1")
        (not_once,) = cursor.fetchone()
    return {"all_sent": statuses.get("sent", 0) == total, "statuses": statuses, "attempts_not_1": not_once}


def run_processes(workers: int, total: int) -> dict[str, object]:
    from django.db import connections

    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(workers)
    out = context.Queue()
    connections.close_all()  # a forked child must not share (or close) the parent's connection
    processes = [context.Process(target=relay_loop, args=(barrier, out), daemon=True) for _ in range(workers)]
    for process in processes:
        process.start()
    reports = [out.get(timeout=3600) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    errors = [r["error"] for r in reports if r["error"]]
    if errors:
        sys.exit("a worker failed:\n" + "\n".join(errors))
    wall = max(r["finished"] for r in reports) - min(r["started"] for r in reports)
    handed_over = sum(r["emails"] + r["sms"] for r in reports)
    return {
        "workers": workers,
        "messages": sum(r["sent"] for r in reports),
        "wall_s": wall,
        "messages_per_s": total / wall if wall > 0 else float("nan"),
        "worker_cpu_ms": sum(r["cpu"] for r in reports) * 1000 / max(1, total),
        "double_sends": handed_over - total if handed_over > total else 0,
        "handed_over": handed_over,
        "per_worker": [r["sent"] for r in reports],
        **check(total),
    }


def run_celery(workers: int, total: int) -> dict[str, object]:
    """Real Celery workers on a private Redis: one sweep task per worker process."""
    from django.conf import settings
    from django.db import connection
    from django.db.models import Max
    from django.utils import timezone

    sys.path.insert(0, str(ROOT))
    from gansu_mall.notifications.models import Delivery
    from gansu_mall.notifications.tasks import relay_notifications
    from tests.integration.celery_harness import celery_sends_to, celery_worker, private_redis, wait_for

    name = settings.DATABASES["default"]["NAME"]
    with (
        private_redis() as redis,
        celery_sends_to(redis.url),
        celery_worker(
            broker_url=redis.url,
            database_name=name,
            concurrency=workers,
            env={
                "DEBUG": "0",  # as deployed: cached templates, no query log
                "EMAIL_BACKEND": EMAIL_BACKEND,
                "SMS_PROVIDER": SMS_PROVIDER,
                "LOG_LEVEL": "INFO",
            },
        ) as worker,
    ):
        connection.close()
        published = timezone.now()
        for _ in range(workers):
            relay_notifications.apply_async()
        wait_for(
            lambda: not Delivery.objects.filter(status__in=["pending", "sending"]).exists(),
            3600,
            interval=0.5,
            what="the outbox to empty",
        )
        log = worker.log()
    last = Delivery.objects.aggregate(last=Max("sent_at"))["last"]
    wall = (last - published).total_seconds()
    reports = [int(n) for n in __import__("re").findall(r"'sent': (\d+)", log)]
    return {
        "workers": workers,
        "messages": sum(reports),
        "wall_s": wall,
        "messages_per_s": total / wall if wall > 0 else float("nan"),
        "double_sends": max(0, sum(reports) - total),
        "per_worker": reports,
        **check(total),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--notifications", type=int, default=10_000, help="each with an email and an SMS")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--mode", choices=["processes", "celery"], default="processes")
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]
    ensure_database(DB_URL)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env(), check=True
    )
    setup_django(env())
    user_ids = users()
    run = run_processes if args.mode == "processes" else run_celery
    results: dict[int, list[dict[str, object]]] = {}
    for rep in range(args.repeat):
        for n in counts:
            started = time.monotonic()
            total = refill(args.notifications, user_ids)
            filled = time.monotonic() - started
            r = run(n, total)
            results.setdefault(n, []).append(r)
            print(
                f"{args.mode}: workers {n}  run {rep + 1}  {r['messages_per_s']:7.1f} messages/s"
                f"  wall {r['wall_s']:6.1f} s  sent {r['messages']}  double sends {r['double_sends']}"
                f"  all sent {r['all_sent']}  attempts≠1 {r['attempts_not_1']}  per worker {r['per_worker']}"
                f"  (refill {filled:.1f} s, load {load()})",
                flush=True,
            )
    total = 2 * args.notifications
    print()
    print(
        f"{total} deliveries (email + SMS), mode {args.mode}, medians of {args.repeat} runs, {os.cpu_count()} cores"
    )
    print(f"{'workers':>7} {'messages/s':>10} {'wall s':>7} {'double sends':>12} {'all sent':>8}")
    summary = {}
    for n, runs in results.items():
        row = {
            "messages_per_s": statistics.median(float(r["messages_per_s"]) for r in runs),
            "wall_s": statistics.median(float(r["wall_s"]) for r in runs),
            "double_sends": sum(int(r["double_sends"]) for r in runs),
            "all_sent": all(r["all_sent"] and r["attempts_not_1"] == 0 for r in runs),
        }
        summary[n] = row
        print(
            f"{n:>7} {row['messages_per_s']:>10.1f} {row['wall_s']:>7.1f} {row['double_sends']:>12}"
            f" {row['all_sent']!s:>8}"
        )
    machine = {"cores": os.cpu_count(), "python": sys.version.split()[0], "load_after": load()}
    (ROOT / "bench" / f"results-notifications-{args.mode}.json").write_text(
        json.dumps(
            {"deliveries": total, "mode": args.mode, "machine": machine, "summary": summary, "runs": results},
            indent=2,
            default=str,
        )
    )
    bad = [n for n, row in summary.items() if row["double_sends"] or not row["all_sent"]]
    if bad:
        sys.exit(f"double sends or unsent deliveries with {bad} workers")


if __name__ == "__main__":
    main()
