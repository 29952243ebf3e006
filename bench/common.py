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
