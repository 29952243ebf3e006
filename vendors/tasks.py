"""Celery tasks of vendors (the orchestrating layer: they may call credit and catalog)."""

from __future__ import annotations

from celery import shared_task
from django.utils.translation import gettext as _

from gansu_mall.accounts.models import User


@shared_task(name="vendors.tasks.vendors_follow_credit", acks_late=True, soft_time_limit=120, time_limit=150)
def vendors_follow_credit(identity_hash: str, actor_id: int | None = None) -> list[int]:
    """The shops of a legal identity follow its credit score: grade, products' popularity, black list.

    Idempotent. Returns the ids of the shops whose grade changed.
    """
    from catalog.services import vendor_products_refresh
    from credit.selectors import subject_score_get
    from vendors.services import vendor_credit_follow

    score = subject_score_get(identity_hash=identity_hash)
    rules = ", ".join(r["rule"] for r in (score.reasons if score else []) if r.get("list") == "black")
    changed = vendor_credit_follow(
        identity_hash=identity_hash,
        grade=score.grade if score else "",
        black_listed=bool(score and score.black_list),
        reason=_("On the credit black list (%(rules)s).") % {"rules": rules},
        actor=User.objects.filter(pk=actor_id).first() if actor_id else None,
    )
    for vendor_id in changed:
        vendor_products_refresh(vendor_id=vendor_id)
    return changed
