"""``manage.py run_settlement [--as-of YYYY-MM-DD]``: the settlement Celery beat runs daily (API.md)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = (
        "Settle the shops: orders completed at least SETTLEMENT_HOLD_DAYS before --as-of (default today) "
        "get a statement and a payout, once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", dest="as_of", help="the day of the run, YYYY-MM-DD (default: today)")

    def handle(self, *args: Any, **options: Any) -> None:
        from orders.settlement.ledger import ledger_reconcile
        from orders.settlement.payouts import payouts_release_held
        from orders.settlement.settlement import settlement_run

        as_of = None
        if options.get("as_of"):
            try:
                as_of = date.fromisoformat(options["as_of"])
            except ValueError as exc:
                raise CommandError("--as-of must be a date, YYYY-MM-DD") from exc
        report = settlement_run(as_of=as_of)
        released = payouts_release_held()
        discrepancies = ledger_reconcile()
        self.stdout.write(
            f"period ending {report.period_end}: {len(report.statements)} statements, "
            f"{report.skipped} shops skipped (settled already), {report.swept_payouts} payouts of available "
            f"money, {released.released} held payouts released, {len(discrepancies)} ledger discrepancies"
        )
        if discrepancies:
            raise CommandError("the ledger does not reconcile: see the log")
