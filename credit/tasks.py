"""Celery tasks of the credit registry: scores after every record change, and nightly for everyone.

Tasks are the orchestrating layer: after a subject's score is written, the shops of that identity follow
(``vendors.tasks.vendors_follow_credit``: their credit grade, their products' popularity, and suspension of
a black-listed identity's shop). Credit's services and selectors never import vendors.
"""

from __future__ import annotations

from celery import shared_task

from credit.models import CreditSubject
from credit.services import subject_score_recompute


@shared_task(
    name="credit.tasks.subject_score_refresh",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=60,
    time_limit=90,
)
def subject_score_refresh(subject_id: int, actor_id: int | None = None) -> str:
    """Recompute one subject's score (idempotent), then let its shops follow. Returns the grade."""
    from vendors.tasks import vendors_follow_credit

    result = subject_score_recompute(subject_id=subject_id)
    vendors_follow_credit(result.identity_hash, actor_id)
    return result.score.grade


@shared_task(name="credit.tasks.credit_scores_nightly", acks_late=True, soft_time_limit=1800, time_limit=1900)
def credit_scores_nightly() -> int:
    """Nightly: every subject again, since records expire with the calendar. Returns how many changed."""
    from vendors.tasks import vendors_follow_credit

    changed = 0
    for subject_id in list(CreditSubject.objects.order_by("pk").values_list("pk", flat=True)):
        result = subject_score_recompute(subject_id=subject_id)
        changed += result.changed
        vendors_follow_credit(result.identity_hash, None)
    return changed
