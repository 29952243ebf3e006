"""Prints the demo's addresses and accounts (``make demo`` shows this before serving)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from gansu_mall.accounts.demo import DEMO_ACCOUNTS
from vendors.demo import DEMO_SELLER_ACCOUNTS


class Command(BaseCommand):
    help = "Print the demo URLs and accounts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000/")

    def handle(self, *args: Any, **options: Any) -> None:
        base = options["url"].rstrip("/")
        out = self.stdout.write
        out("")
        out("  甘肃馆 Gansu Pavilion — demo")
        out(f"  Storefront     {base}/            (English: {base}/?lang=en)")
        out(f"  Sign in        {base}/accounts/login/")
        out(f"  Seller centre  {base}/seller/")
        out(f"  Bureau         {base}/bureau/applications/   {base}/bureau/regions/")
        out(f"  API docs       {base}/api/docs/")
        out(f"  Admin          {base}/admin/")
        out("")
        out(f"  Demo accounts (password for all: {settings.DEMO_PASSWORD})")
        for account in DEMO_ACCOUNTS:
            out(f"    {account.username:<22} {account.description}")
        out("  Sellers (same password):")
        for username, description in DEMO_SELLER_ACCOUNTS:
            out(f"    {username:<22} {description}")
        out("")
