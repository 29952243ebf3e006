"""Settlement benchmark: the daily settlement run for 1,000 shops and 100,000 completed orders, on
PostgreSQL, on this machine.

The data is generated once into a database of its own (BENCH_SETTLE_DATABASE_URL, default
gansu_bench_settle; created and migrated when missing) with bulk inserts: 1,000 shops with one product each,
100,000 completed orders (one item, ¥10–¥300, completed 8 to 37 days ago, 5 % of them with a refund executed
before settlement), their payments and refunds posted to the ledger (one balanced entry each), commission
rates on the top-level categories. The ledger refuses deletes, so every run starts from a copy:
``CREATE DATABASE … TEMPLATE gansu_bench_settle`` (a file copy, seconds), then a fresh process times
``settlement_run`` (the same service the beat task and ``manage.py run_settlement`` call) and checks the
result in the database: one statement and one payout per shop, every order on exactly one statement line,
no unbalanced entry, and captured = pending + available + in payout + commission + refunds.

Usage: make bench  (or: python bench/bench_settlement.py [--shops 1000] [--orders 100000] [--repeat 3])
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_catalog import env as catalog_env  # noqa: E402
from common import ROOT, ensure_database, load, setup_django  # noqa: E402

DB_URL = os.environ.get("BENCH_SETTLE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gansu_bench_settle")
RUN_URL = DB_URL + "_run"
SERVER_URL = DB_URL.rsplit("/", 1)[0] + "/postgres"


def env(url: str = DB_URL) -> dict[str, str]:
    return {**catalog_env(), "DATABASE_URL": url, "DB_CONN_MAX_AGE": "0"}


def _server(sql: str, params: list[str] | None = None) -> list[tuple[object, ...]]:
    import psycopg2

    conn = psycopg2.connect(SERVER_URL)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else []
    finally:
        conn.close()


def generate(shops: int, orders: int, seed: int = 7) -> None:
    """Fill the template database (once: skipped when its shops are there)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from catalog.models import Category, Product, Sku
    from gansu_mall.accounts.models import User
    from gansu_mall.core.crypto import keyed_hash
    from gansu_mall.regions.models import Region
    from orders.models import Order, OrderItem, OrderStatus, Payment, PaymentStatus, Refund, RefundStatus
    from orders.settlement.models import AccountKind, CommissionRate, JournalEntry, LedgerAccount, Posting
    from vendors.models import Vendor

    if Vendor.objects.filter(slug__startswith="bench-settle-").count() == shops:
        print(f"data: {shops} shops present, reusing {DB_URL.rsplit('/', 1)[1]}")
        return
    rng = random.Random(seed)
    started = time.monotonic()
    now = timezone.now()
    with transaction.atomic():
        with connection.cursor() as cursor:  # bulk load of balanced entries: the row triggers are skipped
            cursor.execute("SET LOCAL session_replication_role = replica")
        for n, top in enumerate(Category.objects.filter(parent__isnull=True).order_by("pk")):
            CommissionRate.objects.get_or_create(
                category=top, defaults={"rate": Decimal("0.03") + Decimal(n % 5) / 100}
            )
        counties = list(Region.objects.filter(level="county").order_by("code")[:80])
        leaves = list(Category.objects.filter(children__isnull=True).order_by("pk"))
        buyer, _created = User.objects.get_or_create(username="bench_settle_buyer")
        vendors = Vendor.objects.bulk_create(
            [
                Vendor(
                    slug=f"bench-settle-{n:04d}",
                    name=f"压测店铺{n}",
                    vendor_type="cooperative",
                    legal_name=f"压测合作社{n}",
                    identity_hash=keyed_hash(f"bench-settle-{n}", purpose="identity"),
                    county=counties[n % len(counties)],
                    contact_phone="13800000000",
                )
                for n in range(shops)
            ],
            batch_size=1000,
        )
        products = Product.objects.bulk_create(
            [
                Product(
                    vendor=v,
                    name=f"压测商品{n}",
                    category=leaves[n % len(leaves)],
                    origin_county=v.county,
                    status="active",
                )
                for n, v in enumerate(vendors)
            ],
            batch_size=1000,
        )
        skus = Sku.objects.bulk_create(
            [
                Sku(
                    product=p,
                    vendor=p.vendor,
                    code=f"BS-{n}",
                    spec="500 g",
                    price="10.00",
                    stock=0,
                    weight_grams=520,
                )
                for n, p in enumerate(products)
            ],
            batch_size=1000,
        )
        clearing = LedgerAccount.objects.create(kind=AccountKind.CLEARING)
        refunds_account = LedgerAccount.objects.create(kind=AccountKind.REFUNDS)
        pending = {
            a.vendor_id: a
            for a in LedgerAccount.objects.bulk_create(
                [LedgerAccount(kind=AccountKind.SHOP_PENDING, vendor=v) for v in vendors], batch_size=1000
            )
        }
        batch = 10_000
        for start in range(0, orders, batch):
            count = min(batch, orders - start)
            plan = []
            for k in range(start, start + count):
                n = k % shops
                items = Decimal(rng.randint(1000, 30000)) / 100
                completed = now - timedelta(days=8 + rng.randint(0, 29), seconds=rng.randint(0, 86399))
                plan.append((n, items, completed))
            payments = Payment.objects.bulk_create(
                [
                    Payment(
                        number=f"BSP{start + i:09d}",
                        buyer=buyer,
                        amount=items + 10,
                        status=PaymentStatus.PAID,
                        provider="alipay",
                        paid_at=completed,
                    )
                    for i, (n, items, completed) in enumerate(plan)
                ],
                batch_size=2000,
            )
            made = Order.objects.bulk_create(
                [
                    Order(
                        number=f"BSO{start + i:09d}",
                        buyer=buyer,
                        vendor=vendors[n],
                        payment=payment,
                        status=OrderStatus.COMPLETED,
                        items_total=items,
                        shipping_fee=Decimal("10.00"),
                        total=items + 10,
                        recipient="压测买家",
                        phone="13800138000",
                        province_code="620000",
                        address_detail="城关镇 1 号",
                        paid_at=completed,
                        completed_at=completed,
                    )
                    for i, ((n, items, completed), payment) in enumerate(zip(plan, payments, strict=True))
                ],
                batch_size=2000,
            )
            OrderItem.objects.bulk_create(
                [
                    OrderItem(
                        order=o,
                        sku=skus[n],
                        product=products[n],
                        product_name="压测商品",
                        spec="500 g",
                        unit_price=items,
                        quantity=1,
                        line_total=items,
                        fulfilled_by="vendor",
                    )
                    for o, (n, items, _c) in zip(made, plan, strict=True)
                ],
                batch_size=2000,
            )
            entries = JournalEntry.objects.bulk_create(
                [
                    JournalEntry(kind="payment", reference=p.number, idempotency_key=f"payment:{p.pk}")
                    for p in payments
                ],
                batch_size=2000,
            )
            postings = []
            for entry, o in zip(entries, made, strict=True):
                postings.append(Posting(entry=entry, account=clearing, amount=-o.total))
                postings.append(Posting(entry=entry, account=pending[o.vendor_id], amount=o.total))
            refunded = [o for o in made if rng.random() < 0.05]
            refunds = Refund.objects.bulk_create(
                [
                    Refund(
                        number=f"BSR{o.pk:09d}",
                        order=o,
                        buyer=buyer,
                        amount=Decimal("5.00"),
                        reason="压测",
                        status=RefundStatus.REFUNDED,
                        refunded_at=o.completed_at,
                    )
                    for o in refunded
                ],
                batch_size=2000,
            )
            refund_entries = JournalEntry.objects.bulk_create(
                [
                    JournalEntry(kind="refund", reference=r.number, idempotency_key=f"refund:{r.pk}")
                    for r in refunds
                ],
                batch_size=2000,
            )
            for entry, r, o in zip(refund_entries, refunds, refunded, strict=True):
                postings.append(Posting(entry=entry, account=pending[o.vendor_id], amount=-r.amount))
                postings.append(Posting(entry=entry, account=refunds_account, amount=r.amount))
            Posting.objects.bulk_create(postings, batch_size=5000)
            print(f"  {start + count} orders", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"data: {shops} shops, {orders} completed orders generated in {time.monotonic() - started:.1f} s")


def child(as_of: str) -> None:
    """Time one settlement run in this (fresh) process, on the run copy, then check the outcome."""
    from datetime import date

    from django.db.models import Count, Sum

    from orders.models import Order
    from orders.settlement.ledger import ZERO, account_balances, unbalanced_entries
    from orders.settlement.models import AccountKind, Payout, Settlement, SettlementLine
    from orders.settlement.settlement import settlement_run

    started = time.monotonic()
    report = settlement_run(as_of=date.fromisoformat(as_of))
    wall = time.monotonic() - started
    balances = account_balances()
    captured = -balances.get((AccountKind.CLEARING, None), ZERO)
    sold = Order.objects.aggregate(t=Sum("total"))["t"] or ZERO
    statements = Settlement.objects.aggregate(
        gross=Sum("gross"), commission=Sum("commission"), net=Sum("net")
    )
    refunds = balances.get((AccountKind.REFUNDS, None), ZERO)
    available_and_out = sum(
        (v for (k, _v), v in balances.items() if k in (AccountKind.SHOP_AVAILABLE, AccountKind.SHOP_PAYOUT)),
        ZERO,
    )
    pending = sum((v for (k, _v), v in balances.items() if k == AccountKind.SHOP_PENDING), ZERO)
    # The ledger agrees with the orders and the statements: captured = what the orders sold; the statements'
    # gross is all of it; their commission is the commission account; and captured = commission + refunds
    # + what the shops now have available or in a payout (nothing is left pending).
    adds_up = (
        captured == sold
        and statements["gross"] == sold
        and statements["commission"] == balances.get((AccountKind.COMMISSION, None), ZERO)
        and pending == ZERO
        and captured == statements["commission"] + refunds + available_and_out
    )
    lines = SettlementLine.objects.aggregate(n=Count("id"), distinct=Count("order_id", distinct=True))
    result = {
        "wall_s": wall,
        "statements": len(report.statements),
        "payouts": Payout.objects.count(),
        "lines": lines["n"],
        "lines_distinct_orders": lines["distinct"],
        "orders_completed": Order.objects.filter(status="completed").count(),
        "unbalanced_entries": len(unbalanced_entries()),
        "ledger_adds_up": adds_up,
        "captured": str(captured),
        "commission": str(statements["commission"]),
        "refunds": str(refunds),
        "net": str(statements["net"]),
    }
    print("RESULT " + json.dumps(result), flush=True)


def one_run(as_of: str) -> dict[str, object]:
    run_name, template = RUN_URL.rsplit("/", 1)[1], DB_URL.rsplit("/", 1)[1]
    _server(f'DROP DATABASE IF EXISTS "{run_name}"')
    started = time.monotonic()
    _server(f'CREATE DATABASE "{run_name}" TEMPLATE "{template}"')
    copied = time.monotonic() - started
    out = subprocess.run(
        [sys.executable, __file__, "--child", as_of],
        cwd=ROOT,
        env=env(RUN_URL),
        check=True,
        capture_output=True,
        text=True,
    )
    line = next(line for line in out.stdout.splitlines() if line.startswith("RESULT "))
    result = json.loads(line[len("RESULT ") :])
    result["copy_s"] = copied
    _server(f'DROP DATABASE IF EXISTS "{run_name}"')
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shops", type=int, default=1000)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        setup_django(env(RUN_URL))
        child(args.child)
        return
    ensure_database(DB_URL)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env(), check=True
    )
    setup_django(env(DB_URL))
    generate(args.shops, args.orders)
    from django.db import connections
    from django.utils import timezone

    connections.close_all()  # the template must have no open connection
    as_of = timezone.localdate().isoformat()
    runs = []
    for rep in range(args.repeat):
        r = one_run(as_of)
        runs.append(r)
        print(
            f"run {rep + 1}: {r['wall_s']:6.1f} s  statements {r['statements']}  payouts {r['payouts']}  lines {r['lines']}"
            f" (distinct orders {r['lines_distinct_orders']} of {r['orders_completed']})  unbalanced {r['unbalanced_entries']}"
            f"  adds up {r['ledger_adds_up']}  (copy {r['copy_s']:.1f} s, load {load()})",
            flush=True,
        )
    median = statistics.median(float(r["wall_s"]) for r in runs)
    print()
    print(
        f"{args.shops} shops, {args.orders} completed orders, median of {args.repeat} runs: {median:.1f} s"
        f" ({args.orders / median:.0f} orders/s, {args.shops / median:.1f} shops/s), {os.cpu_count()} cores"
    )
    machine = {"cores": os.cpu_count(), "python": sys.version.split()[0], "load_after": load()}
    (ROOT / "bench" / "results-settlement.json").write_text(
        json.dumps(
            {
                "shops": args.shops,
                "orders": args.orders,
                "machine": machine,
                "median_s": median,
                "runs": runs,
            },
            indent=2,
        )
    )
    bad = [
        r
        for r in runs
        if r["unbalanced_entries"]
        or not r["ledger_adds_up"]
        or r["lines"] != r["lines_distinct_orders"]
        or r["lines"] != args.orders
        or r["statements"] != args.shops
    ]
    if bad:
        sys.exit(
            "settlement benchmark: a run did not settle every order exactly once or the ledger does not add up"
        )


if __name__ == "__main__":
    main()
