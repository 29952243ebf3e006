"""``manage.py reindex_products``: rebuild every product's search text and vector (after synonym changes)."""

from typing import Any

from django.core.management.base import BaseCommand

from catalog.models import Product
from catalog.search import product_reindex


class Command(BaseCommand):
    help = "Rebuild the search index of every product."

    def handle(self, *args: Any, **options: Any) -> None:
        ids = list(Product.objects.values_list("pk", flat=True))
        for start in range(0, len(ids), 500):
            product_reindex(product_ids=ids[start : start + 500])
        self.stdout.write(self.style.SUCCESS(f"Reindexed {len(ids)} products."))
