"""manage.py rebuild_rollups: every dashboard rollup again from the raw orders, refunds, shops and
applications (after a data repair, a change of definitions, or to check the incremental upkeep)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from gansu_mall.dashboard.rollups import rollups_rebuild


class Command(BaseCommand):
    help = "Rebuild the dashboards' daily rollup tables from the raw data (one transaction)."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        written = rollups_rebuild()
        elapsed = time.monotonic() - started
        for table, rows in written.items():
            self.stdout.write(f"{table:16} {rows:>10,} rows")
        self.stdout.write(self.style.SUCCESS(f"rollups rebuilt in {elapsed:.1f} s"))
