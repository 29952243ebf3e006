"""``manage.py seed_demo``: the demo's accounts (and, as later apps land, shops, products, orders).

Idempotent: a second run changes nothing. Refuses to run with DEBUG off unless ``--force``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.demo import seed_demo_catalog
from credit.demo import seed_demo_credit
from gansu_mall.accounts.demo import DEMO_ACCOUNTS, seed_demo_accounts
from gansu_mall.dashboard.demo import seed_demo_dashboard
from gansu_mall.notifications.demo import seed_demo_notifications
from logistics.demo import seed_demo_hub
from orders.demo import seed_demo_orders
from orders.settlement.demo import seed_demo_settlement
from vendors.demo import DEMO_SHOPS, seed_demo_vendors


class Command(BaseCommand):
    help = "Create the demo data: an account for every role (password in settings.DEMO_PASSWORD)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo creates accounts with a public password; with DEBUG off, pass --force."
            )
        created = seed_demo_accounts()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo accounts: {len(DEMO_ACCOUNTS)} ({created} new). Password: {settings.DEMO_PASSWORD}"
            )
        )
        preferences = seed_demo_notifications()
        self.stdout.write(self.style.SUCCESS(f"Demo notification settings: {preferences} new."))
        shops = seed_demo_vendors()
        self.stdout.write(
            self.style.SUCCESS(f"Demo shops and applications: {len(DEMO_SHOPS)} ({shops} new).")
        )
        products = seed_demo_catalog()
        self.stdout.write(self.style.SUCCESS(f"Demo products: {products} new."))
        orders = seed_demo_orders()
        self.stdout.write(self.style.SUCCESS(f"Demo orders of demo_buyer: {orders} new."))
        hub = seed_demo_hub()  # after the orders: their demo skips a buyer who has orders
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo hub (LZXQ): {hub.consignments} consignments and {hub.tasks} fulfillment tasks new."
            )
        )
        # A year of past sales for the dashboards (every rollup rebuilt), before the settlement settles them.
        history = seed_demo_dashboard()
        self.stdout.write(self.style.SUCCESS(f"Demo sales history for the dashboards: {history} orders new."))
        settled = seed_demo_settlement()  # after the orders and the hub: it settles what they completed
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo settlement: {settled.rates} commission rates, {settled.statements} statements, "
                f"{settled.batches} payout batch new."
            )
        )
        credit = seed_demo_credit()  # the shops' grades and their products' popularity follow
        self.stdout.write(self.style.SUCCESS(f"Demo credit records: {credit} new."))
