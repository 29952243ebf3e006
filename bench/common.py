"""What the benchmarks share: the project's root, a database of their own, Django set up in-process."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def load() -> str:
    """The machine's load averages (1, 5, 15 min), reported beside each figure."""
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database of ``url`` when it is missing."""
    import psycopg2

    name = url.rsplit("/", 1)[1]
    conn = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        conn.close()


def setup_django(environ: dict[str, str]) -> None:
    """Django in this process, with ``environ`` (a benchmark's settings) in the environment."""
    os.environ.update(environ)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gansu_mall.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def wrk_figures(out: str) -> dict[str, float | int]:
    """What wrk printed (run with ``--latency``): requests/s, requests done, latency percentiles in ms
    (NaN when no request completed: wrk then prints 0.00us), non-2xx responses and timeouts."""
    import re

    def ms(label: str) -> float:
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not match:
            return float("nan")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    requests = re.search(r"(\d+) requests in", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    timeouts = re.search(r"timeout (\d+)", out)
    done = int(requests.group(1)) if requests else 0
    nan = float("nan")
    return {
        "rps": float(rps.group(1)) if rps else nan,
        "requests": done,
        "p50_ms": ms("50") if done else nan,
        "p90_ms": ms("90") if done else nan,
        "p99_ms": ms("99") if done else nan,
        "non_2xx": int(errors.group(1)) if errors else 0,
        "timeouts": int(timeouts.group(1)) if timeouts else 0,
    }
