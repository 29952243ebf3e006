"""Catalog benchmark (issue 4): 100,000 products with 3 SKUs each across 2,000 shops, on PostgreSQL,
served by gunicorn with 2 workers on this machine, loaded with wrk (Debian's package) over loopback.

Reports requests/s and latency p50/p99 for: the product list, a filtered list, a Chinese search, a pinyin
search, a product detail, and the search page. Targets (issue 4): search p99 < 150 ms, list >= 300 req/s.

Usage: make bench  (or: python bench/bench_catalog.py [--products N] [--duration S])
The data lives in its own database (BENCH_DATABASE_URL, default gansu_bench) and is reused between runs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, ensure_database, wrk_figures  # noqa: E402

sys.path.insert(0, str(ROOT))
DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gansu_bench")
PORT = 8765
WORDS = [
    "核桃",
    "当归",
    "黄芪",
    "花椒",
    "苹果",
    "百合",
    "枸杞",
    "党参",
    "马铃薯",
    "甘草",
    "红枣",
    "木耳",
    "小米",
    "牦牛肉",
]
PLACES = ["成县", "岷县", "陇西", "武都", "静宁", "兰州", "民勤", "靖远", "庄浪", "文县", "康县", "临泽"]
SPECS = [("500 g", 520), ("1 kg", 1040), ("礼盒", 1500)]


def env() -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": DB_URL,
        "DEBUG": "0",
        "HTTPS": "0",
        "SECRET_KEY": "bench-only-" + "k" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "THROTTLING": "0",  # one client from one address: production's per-address throttles would refuse it
        "LOG_LEVEL": "WARNING",
        # The cache as in production (Redis, shared by the workers), in a database of its own.
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
        "CACHE_KEY_PREFIX": "bench",
        "STATIC_ROOT": str(ROOT / "var" / "bench-static"),
    }


def generate(products: int, shops: int) -> None:
    os.environ.update(env())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gansu_mall.settings")
    import django

    django.setup()
    from django.db import connection, transaction

    from catalog.models import Category, Product, Sku
    from catalog.search import product_search_name, product_search_text, synonym_map
    from catalog.services import product_refresh_summary
    from gansu_mall.accounts.models import User
    from gansu_mall.core.crypto import keyed_hash
    from gansu_mall.regions.models import Region
    from vendors.models import Vendor

    have = Product.objects.count()
    if have >= products:
        print(f"data: {have} products already there")
        return
    started = time.monotonic()
    rng = random.Random(2026)
    counties = list(Region.objects.filter(level="county", code__startswith="62"))
    leaves = list(Category.objects.filter(children__isnull=True))
    owner, _ = User.objects.get_or_create(username="bench_owner")
    vendors = list(Vendor.objects.filter(slug__startswith="bench-"))
    if len(vendors) < shops:
        new = [
            Vendor(
                slug=f"bench-{i}",
                name=f"{rng.choice(PLACES)}{rng.choice(WORDS)}店{i}",
                vendor_type="cooperative",
                legal_name=f"合作社{i}",
                uscc="",
                identity_hash=keyed_hash(f"bench-{i}", purpose="identity"),
                county=rng.choice(counties),
                contact_phone="13800000000",
            )
            for i in range(len(vendors), shops)
        ]
        Vendor.objects.bulk_create(new, batch_size=1000)
        vendors = list(Vendor.objects.filter(slug__startswith="bench-").select_related("county"))
    synonyms = synonym_map()
    batch = 5000
    for start in range(have, products, batch):
        chunk = []
        for i in range(start, min(start + batch, products)):
            county = rng.choice(counties)
            word = rng.choice(WORDS)
            product = Product(
                vendor=rng.choice(vendors),
                name=f"{county.name}{word}{i}",
                name_en=f"{county.name_en} product {i}",
                category=rng.choice(leaves),
                origin_county=county,
                status="active",
                gi_certificate="GI" if i % 7 == 0 else "",
                sales=rng.randint(0, 5000),
            )
            chunk.append(product)
        for product in chunk:  # the index text, as product_reindex builds it
            product.search_text = product_search_text(product, synonyms)
            product.search_name = product_search_name(product, synonyms)
        with transaction.atomic():
            Product.objects.bulk_create(chunk)
            Sku.objects.bulk_create(
                [
                    Sku(
                        product=p,
                        vendor=p.vendor,
                        code=f"B{p.pk}-{n}",
                        spec=spec,
                        price=rng.randint(900, 30000) / 100,
                        stock=rng.randint(0, 300),
                        weight_grams=grams,
                    )
                    for p in chunk
                    for n, (spec, grams) in enumerate(SPECS)
                ]
            )
            product_refresh_summary(product_ids=[p.pk for p in chunk])
        print(f"data: {min(start + batch, products)} products", flush=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE catalog_product SET search_vector = array_to_tsvector(string_to_array(btrim(search_text), ' ')),"
            " name_vector = array_to_tsvector(string_to_array(btrim(search_name), ' '))"
        )
    with connection.cursor() as cursor:  # Django runs in autocommit here: VACUUM needs no transaction
        # The vectors were written by an UPDATE of every row after the bulk insert, which leaves the table
        # at twice its size; compact it as one would after a bulk load.
        cursor.execute("VACUUM FULL catalog_product")
        cursor.execute("VACUUM ANALYZE")  # every table: the planner needs the shops and regions counted too
    print(f"data: generated in {time.monotonic() - started:.0f} s")


def wrk(base: str, paths: list[str], duration: int, connections: int) -> dict[str, float]:
    """wrk against ``base``, each request taking one of ``paths`` at random (a Lua script of wrk's)."""
    script = ROOT / "var" / "bench-paths.lua"
    script.parent.mkdir(exist_ok=True)
    table = ",\n".join(json.dumps(path) for path in paths)  # JSON strings are valid Lua strings here
    script.write_text(
        f"local paths = {{\n{table}\n}}\n"
        "local counter = 0\n"
        "function setup(thread) counter = counter + 1; thread:set('seed', counter * 7919) end\n"
        "function init(args) math.randomseed(seed) end\n"
        "function request() return wrk.format('GET', paths[math.random(#paths)]) end\n"
    )
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{duration}s",
            "--timeout",
            "10s",
            "--latency",
            "-s",
            str(script),
            base,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    return {**wrk_figures(out), "distinct_paths": len(set(paths))}


def scenarios(detail_ids: list[int]) -> dict[str, list[str]]:
    """A realistic mix of distinct requests per scenario: shoppers page through lists, combine filters and
    search for different words, so most requests are not the one before them (the public cache holds a
    page for PUBLIC_CACHE_SECONDS; a benchmark of one URL would measure the cache alone)."""
    from pypinyin import Style, lazy_pinyin

    rng = random.Random(7)
    api = "/api/v1/products/?"
    words = WORDS + PLACES + [f"{place}{word}" for place in PLACES[:6] for word in WORDS[:6]]
    pinyin = [
        w
        for word in WORDS
        for w in ("".join(lazy_pinyin(word)), "".join(lazy_pinyin(word, style=Style.FIRST_LETTER)))
    ]
    categories = [
        "nuts",
        "herbs",
        "fruit",
        "vegetables",
        "grains-oils",
        "tea",
        "spices",
        "fungi",
        "meat-dairy",
    ]
    prefectures = [f"62{n:02d}00" for n in range(1, 13)] + ["622900", "623000"]
    orderings = ["", "price", "-price", "-created", "-rating"]

    def url(prefix: str, **params: object) -> str:
        return prefix + urllib.parse.urlencode({k: v for k, v in params.items() if v not in ("", None)})

    filtered = []
    for _ in range(800):
        filtered.append(
            url(
                api,
                category=rng.choice(categories),
                origin_prefecture=rng.choice(["", *prefectures]),
                min_price=rng.choice(["", "20", "50"]),
                max_price=rng.choice(["", "100", "200"]),
                in_stock=rng.choice(["", "true"]),
                gi=rng.choice(["", "", "true"]),
            )
        )
    return {
        "list": [url(api, page=page, ordering=o) for page in range(1, 51) for o in orderings],
        "filtered list": filtered,
        "chinese search": [url(api, search=w, page=page) for w in words for page in (1, 2, 3)],
        "pinyin search": [url(api, search=w, page=page) for w in pinyin for page in (1, 2, 3)],
        "product detail": [f"/api/v1/products/{pk}/" for pk in detail_ids],
        "search page": [
            url("/search/?", q=w, category=rng.choice(["", "", *categories]), page=rng.choice([1, 1, 2]))
            for w in words
            for _ in range(4)
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--shops", type=int, default=2_000)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--only", default="", help="scenarios to run, comma-separated (default: all)")
    parser.add_argument("--phases", default="uncached,cached")
    parser.add_argument(
        "--no-migrate",
        action="store_true",
        help="leave the database's migrations as they are (when other work in the tree has unapplied ones)",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    ensure_database(DB_URL)
    python = sys.executable
    if not args.no_migrate:
        subprocess.run([python, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env(), check=True)
    subprocess.run(
        [python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env(), check=True
    )
    generator = [python, str(Path(__file__)), "--generate-only", str(args.products), str(args.shops)]
    subprocess.run(generator, cwd=ROOT, env=env(), check=True)
    base = f"http://127.0.0.1:{PORT}"
    detail_ids = sample_ids(2000)
    results: dict[str, dict[str, dict[str, float]]] = {}
    # Phase 1: every request does its work (the public cache off; large counts are still cached).
    # Phase 2: as deployed: anonymous lists and search pages come from the cache (PUBLIC_CACHE_SECONDS).
    only = {name.strip() for name in args.only.split(",") if name.strip()}
    for phase, cache_seconds in (("uncached", "0"), ("cached", "30")):
        if phase not in args.phases.split(","):
            continue
        import redis

        redis.Redis.from_url(env()["REDIS_URL"]).flushdb()  # each phase starts with nothing cached
        with serve(cache_seconds):
            for name, paths in scenarios(detail_ids).items():
                if only and name not in only:
                    continue
                if phase == "cached" and name == "product detail":
                    continue  # never served from the public cache
                for connections in sorted({args.connections, 2}, reverse=True):
                    wrk(base, paths, 3, connections)  # warm up
                    r = wrk(base, paths, args.duration, connections)
                    results.setdefault(phase, {})[f"{name} c{connections}"] = r
                    print(
                        f"{phase:8} {name:15} c{connections:<3} {r['rps']:8.1f} req/s   p50 {r['p50_ms']:7.1f} ms"
                        f"   p99 {r['p99_ms']:7.1f} ms   non-2xx {r['non_2xx']}   timeouts {r['timeouts']}"
                        f"   ({r['distinct_paths']} distinct URLs)",
                        flush=True,
                    )
    machine = {"cores": os.cpu_count(), "python": sys.version.split()[0]}
    (ROOT / "bench" / "results-catalog.json").write_text(
        json.dumps({"products": args.products, "machine": machine, "results": results}, indent=2)
    )


def sample_ids(n: int) -> list[int]:
    import psycopg2

    conn = psycopg2.connect(DB_URL)
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM catalog_product WHERE status = 'active' ORDER BY random() LIMIT %s", [n]
        )
        ids = [row[0] for row in cursor.fetchall()]
    conn.close()
    return ids


@contextlib.contextmanager
def serve(cache_seconds: str) -> Iterator[None]:
    """gunicorn with 2 sync workers on PORT, with the public cache set to ``cache_seconds``."""
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "gansu_mall.wsgi:application",
            "-b",
            f"127.0.0.1:{PORT}",
            "-w",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**env(), "PUBLIC_CACHE_SECONDS": cache_seconds},
    )
    try:
        for _ in range(60):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=2)  # noqa: S310
                break
            except OSError:
                time.sleep(0.5)
        yield
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--generate-only":
        generate(int(sys.argv[2]), int(sys.argv[3]))
    else:
        main()
