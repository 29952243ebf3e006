"""``manage.py credit_platform_behaviour [--month YYYY-MM]``: what the monthly Celery beat entry runs."""

from __future__ import annotations

import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = (
        "Write the platform-behaviour credit records of a calendar month (default: the previous one): at most "
        "one per legal identity, idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", help="the month, YYYY-MM (default: the previous month)")

    def handle(self, *args: Any, **options: Any) -> None:
        from orders.tasks import credit_platform_behaviour

        month = options.get("month")
        if month and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
            raise CommandError("--month must be YYYY-MM")
        try:
            report = credit_platform_behaviour(month)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{report['shops']} shops, {report['identities']} identities: {report['positive']} positive and "
            f"{report['negative']} negative records ({report['created']} new)"
        )
