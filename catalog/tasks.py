from __future__ import annotations

from celery import shared_task

from catalog.models import Product
from catalog.search import product_reindex


@shared_task(name="catalog.tasks.reindex_all_products", acks_late=True, soft_time_limit=600, time_limit=660)
def reindex_all_products() -> int:
    """Rebuild every product's search index (after the synonym list changed). Idempotent."""
    ids = list(Product.objects.values_list("pk", flat=True))
    for start in range(0, len(ids), 500):
        product_reindex(product_ids=ids[start : start + 500])
    return len(ids)


@shared_task(name="catalog.tasks.make_thumbnails", acks_late=True, soft_time_limit=60, time_limit=90)
def make_thumbnails(image_id: int) -> bool:
    """240 px and 800 px WebP thumbnails of one product image (idempotent)."""
    from catalog.images import thumbnails_make

    return thumbnails_make(image_id=image_id)


@shared_task(name="catalog.tasks.expire_batches", acks_late=True, soft_time_limit=300, time_limit=360)
def expire_batches() -> int:
    """Daily: block lots past their best-before date and take what is left of them out of stock."""
    from catalog.trace import batches_expire
    from logistics.inbound import hub_blocked_lots_clear

    expired = batches_expire()
    hub_blocked_lots_clear()  # what the hub holds of those lots leaves its stock too
    return expired
