"""Checkout benchmark (issue 5): 16 buyers checking out at once through the API, served by gunicorn with
2 workers on PostgreSQL, on this machine.

Two runs: "spread" (each checkout takes one unit of a SKU drawn from 2,000) and "hot" (every checkout wants
the same SKU, which has fewer units than there are attempts). Reports orders/s, p50/p99 latency of a
checkout, refusals, and the oversell count: units sold beyond the stock there was (must be 0), checked in
the database afterwards (stock never negative, orders' units = stock taken).

Usage: make bench  (or: python bench/bench_checkout.py [--requests N] [--buyers 16])
It reuses the catalog benchmark's database (generating it first if needed).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_catalog import DB_URL, PORT, env, serve  # noqa: E402
from common import ROOT, ensure_database  # noqa: E402

ADDRESS = {
    "recipient": "压测买家",
    "phone": "13800138000",
    "province_code": "620000",
    "county_code": "621221",
    "detail": "城关镇 1 号",
}


def setup(buyers: int, hot_stock: int) -> dict[str, object]:
    """Buyers with tokens, 2,000 SKUs with plenty of stock, one hot SKU with ``hot_stock`` units."""
    os.environ.update(env())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gansu_mall.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from rest_framework.authtoken.models import Token

    from catalog.models import Sku
    from gansu_mall.accounts.models import User

    tokens = []
    for n in range(buyers):
        user, _ = User.objects.get_or_create(username=f"bench_buyer_{n}")
        tokens.append(Token.objects.get_or_create(user=user)[0].key)
    skus = list(
        Sku.objects.filter(product__status="active", product__vendor__status="active", fulfilled_by="vendor")
        .order_by("id")
        .values_list("pk", flat=True)[:2001]
    )
    hot, spread = skus[0], skus[1:]
    Sku.objects.filter(pk__in=spread).update(stock=100_000)
    Sku.objects.filter(pk=hot).update(stock=hot_stock, reserved=0)
    return {"tokens": tokens, "hot": hot, "spread": spread}


def snapshot(sku_ids: list[int]) -> dict[str, int]:
    from django.db.models import Sum

    from catalog.models import Sku
    from orders.models import OrderItem

    rows = Sku.objects.filter(pk__in=sku_ids)
    return {
        "stock": rows.aggregate(n=Sum("stock"))["n"] or 0,
        "negative": rows.filter(stock__lt=0).count(),
        "ordered": OrderItem.objects.filter(sku_id__in=sku_ids).aggregate(n=Sum("quantity"))["n"] or 0,
    }


def run(tokens: list[str], pick, requests: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """``requests`` checkouts spread over one thread per buyer; returns throughput and latencies."""
    url = f"http://127.0.0.1:{PORT}/api/v1/checkout/"
    latencies: list[float] = []
    outcomes: dict[str, int] = {}
    lock = threading.Lock()
    counter = iter(range(requests))

    def buyer(token: str) -> None:
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            body = json.dumps({"address": ADDRESS, "items": [{"sku": pick(n), "quantity": 1}]}).encode()
            request = urllib.request.Request(  # noqa: S310 - loopback only
                url,
                data=body,
                method="POST",
                headers={
                    "Authorization": f"Token {token}",
                    "Content-Type": "application/json",
                    "Idempotency-Key": str(uuid.uuid4()),
                },
            )
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                    code = str(response.status)
            except urllib.error.HTTPError as error:
                code = f"{error.code} {json.loads(error.read() or b'{}').get('code', '')}".strip()
            except OSError as error:
                code = type(error).__name__
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed * 1000)
                outcomes[code] = outcomes.get(code, 0) + 1

    threads = [threading.Thread(target=buyer, args=(t,)) for t in tokens]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    latencies.sort()
    placed = outcomes.get("201", 0)
    return {
        "requests": len(latencies),
        "orders_per_s": placed / wall,
        "requests_per_s": len(latencies) / wall,
        "p50_ms": statistics.median(latencies),
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "outcomes": outcomes,  # type: ignore[dict-item]
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--buyers", type=int, default=16)
    parser.add_argument("--requests", type=int, default=1600)
    parser.add_argument("--hot-stock", type=int, default=500)
    args = parser.parse_args()
    ensure_database(DB_URL)
    import subprocess

    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env(), check=True)
    generator = [
        python,
        str(Path(__file__).with_name("bench_catalog.py")),
        "--generate-only",
        "100000",
        "2000",
    ]
    subprocess.run(generator, cwd=ROOT, env=env(), check=True)
    data = setup(args.buyers, args.hot_stock)
    spread, hot = data["spread"], data["hot"]
    results = {}
    with serve("0"):
        before = snapshot(spread)  # type: ignore[arg-type]
        r = run(data["tokens"], lambda n: spread[n % len(spread)], args.requests)  # type: ignore[index,arg-type]
        after = snapshot(spread)  # type: ignore[arg-type]
        r["oversold"] = max(0, (after["ordered"] - before["ordered"]) - (before["stock"] - after["stock"]))
        r["negative_stock_skus"] = after["negative"]
        results["spread"] = r
        before = snapshot([hot])  # type: ignore[list-item]
        r = run(data["tokens"], lambda n: hot, args.hot_stock * 2)  # type: ignore[arg-type]
        after = snapshot([hot])  # type: ignore[list-item]
        sold = after["ordered"] - before["ordered"]
        r["units_there_were"] = before["stock"]
        r["units_sold"] = sold
        r["oversold"] = max(0, sold - before["stock"])
        r["negative_stock_skus"] = after["negative"]
        results["hot"] = r
    for name, r in results.items():
        print(
            f"{name:7} {r['orders_per_s']:7.1f} orders/s  {r['requests_per_s']:7.1f} req/s  p50 {r['p50_ms']:7.1f} ms"
            f"  p99 {r['p99_ms']:7.1f} ms  oversold {r['oversold']}  outcomes {r['outcomes']}",
            flush=True,
        )
    machine = {"cores": os.cpu_count(), "python": sys.version.split()[0]}
    (ROOT / "bench" / "results-checkout.json").write_text(
        json.dumps({"buyers": args.buyers, "machine": machine, "results": results}, indent=2)
    )


if __name__ == "__main__":
    main()
