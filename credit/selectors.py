"""Reads of the credit registry, keyed by legal identity (USCC or ID number).

Vendors call :func:`subject_blacklist_status` when approving a shop, settlement calls it before paying out.
It computes from the records themselves (not the stored snapshot), so a record committed a moment ago
counts even before its subject's score has been recomputed.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from credit.identity import identity_hash, normalize
from credit.models import (
    Category,
    CreditObjection,
    CreditRecord,
    CreditScore,
    CreditSubject,
    ObjectionStatus,
    Polarity,
    RecordStatus,
)
from credit.scoring import RecordFacts, ScoreResult, compute_score
from gansu_mall.accounts.models import Department, Role, User


@dataclass(frozen=True)
class ListStatus:
    listed: bool
    reasons: list[str] = field(default_factory=list)


def is_credit_bureau(user: User) -> bool:
    return bool(user.is_authenticated and (user.has_role(Role.BUREAU) or user.has_role(Role.ADMIN)))


def user_department(user: User) -> Department | None:
    """The department a department account writes for (None for everyone else)."""
    if user.is_authenticated and user.has_role(Role.DEPARTMENT) and user.department_id:
        return user.department
    return None


def record_facts(record: CreditRecord) -> RecordFacts:
    return RecordFacts(
        id=record.pk,
        polarity=record.polarity,
        category=record.category,
        severity=record.severity,
        occurred_on=record.occurred_on,
        expires_on=record.expires_on,
        revoked=record.status == RecordStatus.REVOKED,
        repaired=record.repaired_at is not None,
    )


def subject_standing(*, identity_hash: str, today: date | None = None) -> ScoreResult | None:
    """The score of an identity computed now from its records; None when the registry has no subject."""
    records = list(CreditRecord.objects.filter(subject__identity_hash=identity_hash).order_by("id"))
    if not records and not CreditSubject.objects.filter(identity_hash=identity_hash).exists():
        return None
    return compute_score([record_facts(r) for r in records], today=today or timezone.localdate())


def subject_blacklist_status(*, subject_code: str) -> ListStatus:
    """Whether the identity is on the credit black list (失信黑名单), and why."""
    code = normalize(subject_code)
    if not code:
        return ListStatus(listed=False)
    standing = subject_standing(identity_hash=identity_hash(code))
    if standing is None or not standing.black_list:
        return ListStatus(listed=False)
    titles = dict(
        CreditRecord.objects.filter(
            pk__in=[r["record_id"] for r in standing.reasons if "record_id" in r]
        ).values_list("pk", "title")
    )
    reasons = [
        f"{r['rule']}: {titles.get(r['record_id'], '')}" if "record_id" in r else r["rule"]
        for r in standing.reasons
        if r["list"] == "black"
    ]
    return ListStatus(listed=True, reasons=reasons)


def repair_date(record: CreditRecord) -> date | None:
    """From when the bureau may mark this record repaired (None when it cannot be repaired)."""
    from credit.services import repair_allowed_from

    if record.polarity != Polarity.NEGATIVE or record.status != RecordStatus.ACTIVE or record.repaired_at:
        return None
    return repair_allowed_from(occurred_on=record.occurred_on, severity=record.severity)


# --- Records as the caller may see them -------------------------------------------------------------


def _records() -> QuerySet[CreditRecord]:
    return CreditRecord.objects.select_related("subject", "department")


def records_for_user(
    *,
    user: User,
    subject_code: str = "",
    department_id: int | None = None,
    category: str = "",
    polarity: str = "",
    status: str = "",
) -> QuerySet[CreditRecord]:
    """Department accounts: their department's records; bureau: all. Anyone else: nothing."""
    department = user_department(user)
    records = _records()
    if department is not None:
        records = records.filter(department=department)
    elif not is_credit_bureau(user):
        return records.none()
    if subject_code:
        records = records.filter(subject__identity_hash=identity_hash(subject_code))
    if department_id == 0:  # the bureau's own records
        records = records.filter(department__isnull=True)
    elif department_id is not None:
        records = records.filter(department_id=department_id)
    if category:
        records = records.filter(category=category)
    if polarity:
        records = records.filter(polarity=polarity)
    if status:
        records = records.filter(status=status)
    return records.order_by("-occurred_on", "-id")


def record_get_for_user(
    *, user: User, record_id: int, owned_identity_hashes: Collection[str] = ()
) -> CreditRecord:
    """One record for its department, the bureau, or the owner of a shop of its identity; else 404."""
    record = _records().filter(pk=record_id).first()
    if record is None:
        raise Http404
    if is_credit_bureau(user):
        return record
    department = user_department(user)
    if department is not None and record.department_id == department.pk:
        return record
    if record.subject.identity_hash in owned_identity_hashes:
        return record
    raise Http404


def subject_records_public(*, identity_hash: str) -> QuerySet[CreditRecord]:
    """What anyone may read about an identity: its public, unrevoked records."""
    return (
        _records()
        .filter(subject__identity_hash=identity_hash, public=True, status=RecordStatus.ACTIVE)
        .order_by("-occurred_on", "-id")
    )


def subject_records_for_owner(*, identity_hash: str) -> QuerySet[CreditRecord]:
    """Everything recorded about the owner's own identity (public or not), with its open objections."""
    return (
        _records()
        .filter(subject__identity_hash=identity_hash)
        .prefetch_related("objections")
        .order_by("-occurred_on", "-id")
    )


def subject_behaviour_months(*, identity_hash: str, months: int = 6) -> list[CreditRecord]:
    """The identity's latest monthly platform-behaviour records (public, unrevoked), newest month first:
    one query. Their ``figures`` are what the public credit page shows."""
    return list(
        CreditRecord.objects.filter(
            subject__identity_hash=identity_hash,
            category=Category.PLATFORM_BEHAVIOUR,
            period__isnull=False,
            public=True,
            status=RecordStatus.ACTIVE,
        ).order_by("-period", "-id")[:months]
    )


def subject_score_get(*, identity_hash: str) -> CreditScore | None:
    return CreditScore.objects.select_related("subject").filter(subject__identity_hash=identity_hash).first()


def scores_listed(*, black: bool) -> QuerySet[CreditScore]:
    """The red list (black=False) or the black list, best known names first."""
    wanted = {"black_list": True} if black else {"red_list": True}
    return (
        CreditScore.objects.select_related("subject").filter(**wanted).order_by("subject__name", "subject_id")
    )


def objections_for_bureau(*, status: str = ObjectionStatus.OPEN) -> QuerySet[CreditObjection]:
    objections = CreditObjection.objects.select_related(
        "record", "record__subject", "record__department", "raised_by", "decided_by"
    )
    if status:
        objections = objections.filter(status=status)
    return objections.order_by("created_at", "id")


def objection_get_for_bureau(*, user: User, objection_id: int) -> CreditObjection:
    objection = objections_for_bureau(status="").filter(pk=objection_id).first()
    if objection is None or not is_credit_bureau(user):
        raise Http404
    return objection


def departments() -> QuerySet[Department]:
    return Department.objects.order_by("name")


def subjects_all() -> QuerySet[CreditSubject]:
    return CreditSubject.objects.select_related("score").order_by("id")
