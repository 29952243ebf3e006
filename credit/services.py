"""Writes of the credit registry: records (one or a CSV batch), objections, repair, revocation, scores.

Who may write: department accounts (Role department) write records of their own department only; commerce
bureau staff and administrators write platform records (no department) and decide objections and repairs.
Every write leaves a :class:`CreditAudit` row (who, when, action, object, before, after) in the same
transaction, and every change of a record recomputes its subject's score after commit.

Credit knows no shops: which identities a user owns a shop of is told by the orchestrating layer
(``owned_identity_hashes``), never looked up here.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from credit.behaviour import POSITIVE_MONTHS, MonthFigures, describe, judge
from credit.errors import CreditErrorCode
from credit.identity import Identity, parse_identity
from credit.models import (
    Category,
    CreditAudit,
    CreditObjection,
    CreditRecord,
    CreditScore,
    CreditSubject,
    ObjectionStatus,
    Polarity,
    RecordStatus,
)
from credit.scoring import compute_score
from credit.selectors import is_credit_bureau, record_facts, user_department
from gansu_mall.accounts.models import Department, User
from gansu_mall.core.errors import ApplicationError, ErrorCode
from gansu_mall.core.errors import invalid as _invalid
from gansu_mall.core.uploads import clean_image

NEGATIVE_ONLY = frozenset(
    {Category.ADMINISTRATIVE_PENALTY, Category.SERIOUS_VIOLATION, Category.COURT_ENFORCEMENT}
)
POSITIVE_ONLY = frozenset({Category.CERTIFICATION, Category.GI_AUTHORISATION, Category.AWARD})
IMPORT_MAX_ROWS = 1000
IMPORT_COLUMNS = (
    "subject_code",
    "subject_name",
    "polarity",
    "category",
    "severity",
    "title",
    "occurred_on",
    "expires_on",
    "legal_basis",
    "public",
)


def _denied(message: str) -> ApplicationError:
    return ApplicationError(code=ErrorCode.PERMISSION_DENIED, message=message)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def default_expiry(*, occurred_on: date, severity: int) -> date:
    """Negative records stop counting after the policy period of their severity (settings)."""
    return _add_years(occurred_on, settings.CREDIT_NEGATIVE_EXPIRY_YEARS[severity - 1])


def repair_allowed_from(*, occurred_on: date, severity: int) -> date:
    return _add_months(occurred_on, settings.CREDIT_REPAIR_MIN_MONTHS[severity - 1])


def _writer_department(actor: User) -> Department | None:
    """The department an actor writes records for (None: the bureau's own); refuses anyone else."""
    department = user_department(actor)
    if department is not None:
        return department
    if is_credit_bureau(actor):
        return None
    raise _denied(_("Only department accounts and commerce bureau staff write credit records."))


# --- Audit ----------------------------------------------------------------------------------------


def record_snapshot(record: CreditRecord) -> dict[str, Any]:
    return {
        "subject": record.subject_id,
        "polarity": record.polarity,
        "category": record.category,
        "severity": record.severity,
        "title": record.title,
        "occurred_on": record.occurred_on.isoformat(),
        "expires_on": record.expires_on.isoformat() if record.expires_on else None,
        "legal_basis": record.legal_basis,
        "evidence": bool(record.evidence),
        "department": record.department_id,
        "public": record.public,
        "status": record.status,
        "repaired_at": record.repaired_at.isoformat() if record.repaired_at else None,
    }


def _objection_snapshot(objection: CreditObjection) -> dict[str, Any]:
    return {
        "record": objection.record_id,
        "raised_by": objection.raised_by_id,
        "reason": objection.reason,
        "status": objection.status,
        "decided_by": objection.decided_by_id,
        "note": objection.note,
    }


def _audit(
    *,
    actor: User | None,
    action: str,
    obj: CreditRecord | CreditObjection | CreditScore,
    subject_id: int | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> CreditAudit:
    return CreditAudit.objects.create(
        actor=actor,
        action=action,
        object_type=obj._meta.model_name or "",
        object_id=obj.pk,
        subject_id=subject_id,
        before=before,
        after=after,
    )


def _refresh_after_commit(subject_id: int, actor: User | None) -> None:
    from credit.tasks import subject_score_refresh

    transaction.on_commit(partial(subject_score_refresh.delay, subject_id, actor.pk if actor else None))


# --- Records --------------------------------------------------------------------------------------


@dataclass
class RecordInput:
    subject_code: str
    polarity: str
    category: str
    severity: int | str
    title: str
    occurred_on: date | str | None
    expires_on: date | str | None = None
    legal_basis: str = ""
    public: bool = True
    subject_name: str = ""
    evidence: UploadedFile | None = None


@dataclass
class _CleanRecord:
    identity: Identity
    subject_name: str
    polarity: str
    category: str
    severity: int
    title: str
    occurred_on: date
    expires_on: date | None
    legal_basis: str
    public: bool
    evidence: ContentFile | None


def _as_date(value: date | str | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    value = value.strip()
    if not value:
        return None
    try:
        return parse_date(value)
    except ValueError:
        return None


def _clean_record(data: RecordInput, *, today: date) -> tuple[_CleanRecord | None, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    identity = parse_identity(data.subject_code or "")
    if identity is None:
        errors["subject_code"] = [_("Enter a valid Unified Social Credit Code or resident ID number.")]
    if data.polarity not in Polarity.values:
        errors["polarity"] = [_("Choose positive or negative.")]
    if data.category not in Category.values:
        errors["category"] = [_("Unknown category.")]
    elif data.polarity == Polarity.POSITIVE and data.category in NEGATIVE_ONLY:
        errors["category"] = [_("This category is always a negative record.")]
    elif data.polarity == Polarity.NEGATIVE and data.category in POSITIVE_ONLY:
        errors["category"] = [_("This category is always a positive record.")]
    try:
        severity = int(data.severity)
    except (TypeError, ValueError):
        severity = 0
    if severity not in (1, 2, 3):
        errors["severity"] = [_("Severity is 1, 2 or 3.")]
    title = (data.title or "").strip()
    if not title:
        errors["title"] = [_("Give the record a title.")]
    elif len(title) > 200:
        errors["title"] = [_("At most 200 characters.")]
    legal_basis = (data.legal_basis or "").strip()
    if len(legal_basis) > 500:
        errors["legal_basis"] = [_("At most 500 characters.")]
    occurred_on = _as_date(data.occurred_on)
    if occurred_on is None:
        errors["occurred_on"] = [_("Enter the date as YYYY-MM-DD.")]
    elif occurred_on > today:
        errors["occurred_on"] = [_("The date is in the future.")]
    expires_on = _as_date(data.expires_on)
    if data.expires_on not in (None, "") and expires_on is None:
        errors["expires_on"] = [_("Enter the date as YYYY-MM-DD.")]
    elif expires_on is not None and occurred_on is not None and expires_on <= occurred_on:
        errors["expires_on"] = [_("The record must expire after it occurred.")]
    evidence = None
    if data.evidence is not None:
        try:
            evidence = clean_image(data.evidence, field="evidence")
        except ApplicationError as exc:
            errors.update(exc.fields or {"evidence": [str(exc.message)]})
    if errors:
        return None, errors
    if identity is None or occurred_on is None:  # narrowed by the checks above
        raise AssertionError("unreachable")
    if expires_on is None and data.polarity == Polarity.NEGATIVE:
        expires_on = default_expiry(occurred_on=occurred_on, severity=severity)
    return (
        _CleanRecord(
            identity=identity,
            subject_name=(data.subject_name or "").strip()[:200],
            polarity=data.polarity,
            category=data.category,
            severity=severity,
            title=title,
            occurred_on=occurred_on,
            expires_on=expires_on,
            legal_basis=legal_basis,
            public=bool(data.public),
            evidence=evidence,
        ),
        {},
    )


def _subject_for(identity: Identity, name: str) -> CreditSubject:
    subject, created = CreditSubject.objects.get_or_create(
        identity_hash=identity.hash,
        defaults={"kind": identity.kind, "display": identity.masked, "name": name},
    )
    if not created and name and not subject.name:
        subject.name = name
        subject.save(update_fields=["name"])
    return subject


def _create(clean: _CleanRecord, *, actor: User, department: Department | None) -> CreditRecord:
    subject = _subject_for(clean.identity, clean.subject_name)
    record = CreditRecord(
        subject=subject,
        polarity=clean.polarity,
        category=clean.category,
        severity=clean.severity,
        title=clean.title,
        occurred_on=clean.occurred_on,
        expires_on=clean.expires_on,
        legal_basis=clean.legal_basis,
        department=department,
        public=clean.public,
        created_by=actor,
    )
    if clean.evidence is not None:
        # Written now; record_create removes it again if the transaction fails.
        record.evidence.save(clean.evidence.name or "evidence", clean.evidence, save=False)
        clean.evidence.name = record.evidence.name
    record.save()
    _audit(
        actor=actor,
        action="record_created",
        obj=record,
        subject_id=subject.pk,
        before=None,
        after=record_snapshot(record),
    )
    return record


def record_create(
    *, actor: User, data: RecordInput, today: date | None = None, on_behalf_of: Department | None = None
) -> CreditRecord:
    """A department (or the bureau) records something about a legal identity; 201 in the API.

    The bureau may enter a record a department sent it on paper (``on_behalf_of``); the record then
    belongs to that department.
    """
    today = today or timezone.localdate()
    department = _writer_department(actor)
    if on_behalf_of is not None:
        if not is_credit_bureau(actor):
            raise _denied(_("Only commerce bureau staff enter records on behalf of a department."))
        department = on_behalf_of
    clean, errors = _clean_record(data, today=today)
    if errors or clean is None:
        raise _invalid(errors)
    try:
        with transaction.atomic():
            record = _create(clean, actor=actor, department=department)
    except BaseException:
        if clean.evidence is not None:
            _delete_orphan(clean.evidence.name)
        raise
    _refresh_after_commit(record.subject_id, actor)
    return record


def _delete_orphan(name: str | None) -> None:
    from gansu_mall.core.storage import private_storage

    if name:
        private_storage().delete(name)


def record_revoke(*, record: CreditRecord, actor: User, reason: str) -> CreditRecord:
    """The source department (or the bureau) withdraws a record it made in error."""
    reason = (reason or "").strip()
    if not reason:
        raise _invalid({"reason": [_("Give a reason.")]})
    department = _writer_department(actor)
    with transaction.atomic():
        locked = CreditRecord.objects.select_for_update().get(pk=record.pk)
        if department is not None and locked.department_id != department.pk:
            raise Http404
        if locked.status == RecordStatus.REVOKED:
            raise ApplicationError(
                code=CreditErrorCode.RECORD_REVOKED, message=_("The record is already revoked.")
            )
        before = record_snapshot(locked)
        locked.status = RecordStatus.REVOKED
        locked.save(update_fields=["status", "updated_at"])
        after = record_snapshot(locked) | {"reason": reason}
        _audit(
            actor=actor,
            action="record_revoked",
            obj=locked,
            subject_id=locked.subject_id,
            before=before,
            after=after,
        )
    _refresh_after_commit(locked.subject_id, actor)
    return locked


def record_repair(*, record: CreditRecord, actor: User, today: date | None = None) -> CreditRecord:
    """Credit repair: after its minimum period a negative record counts at half weight (bureau)."""
    if not is_credit_bureau(actor):
        raise _denied(_("Only commerce bureau staff mark records repaired."))
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = CreditRecord.objects.select_for_update().get(pk=record.pk)
        if locked.polarity != Polarity.NEGATIVE or locked.status != RecordStatus.ACTIVE or locked.repaired_at:
            raise ApplicationError(
                code=CreditErrorCode.REPAIR_NOT_ALLOWED,
                message=_("Only an active negative record that is not yet repaired can be repaired."),
            )
        allowed = repair_allowed_from(occurred_on=locked.occurred_on, severity=locked.severity)
        if today < allowed:
            raise ApplicationError(
                code=CreditErrorCode.REPAIR_TOO_EARLY,
                message=_("This record can be repaired from %(date)s.") % {"date": allowed.isoformat()},
            )
        before = record_snapshot(locked)
        locked.repaired_at = timezone.now()
        locked.save(update_fields=["repaired_at", "updated_at"])
        _audit(
            actor=actor,
            action="record_repaired",
            obj=locked,
            subject_id=locked.subject_id,
            before=before,
            after=record_snapshot(locked),
        )
    _refresh_after_commit(locked.subject_id, actor)
    return locked


# --- Batch import ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportRowReport:
    row: int  # 1 is the first line after the header
    errors: dict[str, list[str]]


def _truthy(value: str) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "y", "是"}


def records_import(*, actor: User, content: bytes, today: date | None = None) -> list[CreditRecord]:
    """All rows of a CSV file, or none: any wrong row refuses the file with a report per row.

    Columns (header line required): ``subject_code, subject_name, polarity, category, severity, title,
    occurred_on, expires_on, legal_basis, public``. UTF-8 (a BOM is fine), ``public`` is 1/0/true/false.
    """
    today = today or timezone.localdate()
    department = _writer_department(actor)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _invalid({"file": [_("The file is not UTF-8 text.")]}) from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in IMPORT_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise _invalid({"file": [_("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)}]})
    cleaned: list[_CleanRecord] = []
    report: list[ImportRowReport] = []
    try:
        for number, row in enumerate(reader, start=1):
            if number > IMPORT_MAX_ROWS:
                raise _invalid({"file": [_("At most %(n)d rows per file.") % {"n": IMPORT_MAX_ROWS}]})
            clean, errors = _clean_record(_row_input(row), today=today)
            if errors or clean is None:
                report.append(ImportRowReport(row=number, errors=errors))
            else:
                cleaned.append(clean)
    except csv.Error:
        raise _invalid({"file": [_("The file is not a CSV file.")]}) from None
    if report:
        error = _invalid({"file": [_("%(n)d rows are wrong; nothing was imported.") % {"n": len(report)}]})
        error.extra = {"rows": [{"row": r.row, "errors": r.errors} for r in report]}
        raise error
    if not cleaned:
        raise _invalid({"file": [_("The file has no rows.")]})
    with transaction.atomic():
        records = [_create(clean, actor=actor, department=department) for clean in cleaned]
    for subject_id in sorted({r.subject_id for r in records}):
        _refresh_after_commit(subject_id, actor)
    return records


def _row_input(row: Mapping[str, str | None]) -> RecordInput:
    def cell(name: str) -> str:
        return (row.get(name) or "").strip()

    return RecordInput(
        subject_code=cell("subject_code"),
        subject_name=cell("subject_name"),
        polarity=cell("polarity"),
        category=cell("category"),
        severity=cell("severity"),
        title=cell("title"),
        occurred_on=cell("occurred_on"),
        expires_on=cell("expires_on") or None,
        legal_basis=cell("legal_basis"),
        public=_truthy(cell("public")) if cell("public") else True,
    )


# --- Objections -----------------------------------------------------------------------------------


def objection_create(
    *,
    record: CreditRecord,
    user: User,
    owned_identity_hashes: Collection[str],
    reason: str,
    evidence: UploadedFile | None = None,
) -> CreditObjection:
    """The owner of a shop of the record's identity objects to it (one open objection per record)."""
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["reason"] = [_("Give a reason.")]
    elif len(reason) > 2000:
        errors["reason"] = [_("At most 2000 characters.")]
    content = None
    if evidence is not None:
        try:
            content = clean_image(evidence, field="evidence")
        except ApplicationError as exc:
            errors.update(exc.fields or {})
    written: list[str] = []  # the evidence file, removed again if the transaction fails (as record_create)
    try:
        objection = _objection_write(record, user, owned_identity_hashes, reason, content, errors, written)
    except BaseException:
        for name in written:
            _delete_orphan(name)
        raise
    return objection


def _objection_write(
    record: CreditRecord,
    user: User,
    owned_identity_hashes: Collection[str],
    reason: str,
    content: ContentFile | None,
    errors: dict[str, list[str]],
    written: list[str],
) -> CreditObjection:
    with transaction.atomic():
        locked = CreditRecord.objects.select_for_update().select_related("subject").get(pk=record.pk)
        if locked.subject.identity_hash not in owned_identity_hashes:
            raise Http404
        if errors:
            raise _invalid(errors)
        if locked.status == RecordStatus.REVOKED:
            raise ApplicationError(
                code=CreditErrorCode.RECORD_REVOKED, message=_("The record is already revoked.")
            )
        if CreditObjection.objects.filter(record=locked, status=ObjectionStatus.OPEN).exists():
            raise ApplicationError(
                code=CreditErrorCode.OBJECTION_OPEN, message=_("An objection to this record is already open.")
            )
        objection = CreditObjection(record=locked, raised_by=user, reason=reason)
        if content is not None:
            objection.evidence.save(content.name or "evidence", content, save=False)
            written.append(objection.evidence.name)
        objection.save()
        _audit(
            actor=user,
            action="objection_raised",
            obj=objection,
            subject_id=locked.subject_id,
            before=None,
            after=_objection_snapshot(objection),
        )
    return objection


def objection_resolve(
    *, objection: CreditObjection, actor: User, decision: str, note: str
) -> CreditObjection:
    """The bureau upholds the record or revokes it (the score follows), with a note."""
    if not is_credit_bureau(actor):
        raise _denied(_("Only commerce bureau staff decide objections."))
    errors: dict[str, list[str]] = {}
    if decision not in (ObjectionStatus.UPHELD, ObjectionStatus.REVOKED):
        errors["decision"] = [_("Decide upheld or revoked.")]
    note = (note or "").strip()
    if not note:
        errors["note"] = [_("Explain the decision.")]
    if errors:
        raise _invalid(errors)
    with transaction.atomic():
        locked = CreditObjection.objects.select_for_update().get(pk=objection.pk)
        if locked.status != ObjectionStatus.OPEN:
            raise ApplicationError(
                code=CreditErrorCode.OBJECTION_DECIDED, message=_("This objection has already been decided.")
            )
        record = CreditRecord.objects.select_for_update().get(pk=locked.record_id)
        before = _objection_snapshot(locked)
        locked.status = decision
        locked.decided_by = actor
        locked.note = note
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decided_by", "note", "decided_at"])
        _audit(
            actor=actor,
            action=f"objection_{decision}",
            obj=locked,
            subject_id=record.subject_id,
            before=before,
            after=_objection_snapshot(locked),
        )
        if decision == ObjectionStatus.REVOKED and record.status == RecordStatus.ACTIVE:
            record_before = record_snapshot(record)
            record.status = RecordStatus.REVOKED
            record.save(update_fields=["status", "updated_at"])
            _audit(
                actor=actor,
                action="record_revoked",
                obj=record,
                subject_id=record.subject_id,
                before=record_before,
                after=record_snapshot(record) | {"objection": locked.pk},
            )
    if decision == ObjectionStatus.REVOKED:
        _refresh_after_commit(record.subject_id, actor)
    return locked


# --- Platform behaviour ---------------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


@dataclass(frozen=True)
class BehaviourOutcome:
    record: CreditRecord | None  # the month's record (new or already there), None when none is earned
    created: bool


def platform_behaviour_record(
    *,
    identity_hash: str,
    month: date,
    figures: MonthFigures,
    subject_code: str = "",
    subject_name: str = "",
) -> BehaviourOutcome:
    """A shop's month on the platform becomes at most one ``platform_behaviour`` record of its identity.
    ``month``: any day of the month.

    The table of ``credit.behaviour`` decides: positive, negative (severity 1 or 2), or nothing (None). The
    platform is the source (no department, no user), the record is public, its title and legal basis name
    the figures, and the figures themselves are kept on the record (``figures``, ``period``). Idempotent:
    when the identity already has a record for that month, that record is returned and nothing changes
    (a unique constraint backs the check made under the subject's lock). A subject is created for an
    identity the registry does not know yet, from ``subject_code`` (the USCC or ID number, which must hash
    to ``identity_hash``). Audited; the score is recomputed after commit.
    """
    month = month_start(month)
    verdict = judge(figures)
    existing = CreditRecord.objects.filter(
        subject__identity_hash=identity_hash, category=Category.PLATFORM_BEHAVIOUR, period=month
    ).first()
    if existing is not None or verdict is None:
        return BehaviourOutcome(record=existing, created=False)
    identity = parse_identity(subject_code) if subject_code else None
    if identity is not None and identity.hash != identity_hash:
        raise ValueError("subject_code does not belong to identity_hash")
    end = _add_months(month, 1)
    occurred_on = end - timedelta(days=1)  # the month's last day
    if verdict.polarity == Polarity.POSITIVE:
        expires_on = _add_months(month, 1 + POSITIVE_MONTHS)
    else:
        expires_on = default_expiry(occurred_on=occurred_on, severity=verdict.severity)
    with translation.override(settings.LANGUAGE_CODE):
        title, legal_basis = describe(figures, verdict, month=month)
    with transaction.atomic():
        if identity is not None:
            subject = _subject_for(identity, subject_name)
        else:
            found = CreditSubject.objects.filter(identity_hash=identity_hash).first()
            if found is None:  # an identity the registry cannot create without its code
                return BehaviourOutcome(record=None, created=False)
            subject = found
        subject = CreditSubject.objects.select_for_update().get(pk=subject.pk)
        existing = CreditRecord.objects.filter(
            subject=subject, category=Category.PLATFORM_BEHAVIOUR, period=month
        ).first()
        if existing is not None:
            return BehaviourOutcome(record=existing, created=False)
        record = CreditRecord.objects.create(
            subject=subject,
            polarity=verdict.polarity,
            category=Category.PLATFORM_BEHAVIOUR,
            severity=verdict.severity,
            title=title,
            occurred_on=occurred_on,
            expires_on=expires_on,
            legal_basis=legal_basis,
            department=None,
            public=True,
            created_by=None,
            period=month,
            figures=figures.as_json() | {"rules": verdict.rules},
        )
        _audit(
            actor=None,
            action="record_created",
            obj=record,
            subject_id=subject.pk,
            before=None,
            after=record_snapshot(record) | {"period": month.isoformat(), "figures": record.figures},
        )
    _refresh_after_commit(subject.pk, None)
    return BehaviourOutcome(record=record, created=True)


# --- Scores ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recomputed:
    score: CreditScore
    identity_hash: str
    changed: bool  # grade or list membership differs from before


def subject_score_recompute(*, subject_id: int, today: date | None = None) -> Recomputed:
    """Write the subject's score snapshot from its records (idempotent); audited when it changed."""
    today = today or timezone.localdate()
    with transaction.atomic():
        subject = CreditSubject.objects.select_for_update().get(pk=subject_id)
        result = compute_score(
            [record_facts(r) for r in CreditRecord.objects.filter(subject=subject).order_by("id")],
            today=today,
        )
        previous = CreditScore.objects.filter(subject=subject).first()
        before = _score_snapshot(previous) if previous else None
        score = previous or CreditScore(subject=subject)
        score.score = result.score
        score.grade = result.grade
        score.components = result.components
        score.red_list = result.red_list
        score.black_list = result.black_list
        score.reasons = result.reasons
        score.computed_at = timezone.now()
        score.save()
        after = _score_snapshot(score)
        changed = before is None or {k: before[k] for k in ("grade", "red_list", "black_list")} != {
            k: after[k] for k in ("grade", "red_list", "black_list")
        }
        if before != after:
            _audit(
                actor=None,
                action="score_computed",
                obj=score,
                subject_id=subject.pk,
                before=before,
                after=after,
            )
    return Recomputed(score=score, identity_hash=subject.identity_hash, changed=changed)


def _score_snapshot(score: CreditScore) -> dict[str, Any]:
    return {
        "score": score.score,
        "grade": score.grade,
        "red_list": score.red_list,
        "black_list": score.black_list,
        "reasons": score.reasons,
    }


__all__ = [
    "BehaviourOutcome",
    "IMPORT_COLUMNS",
    "ImportRowReport",
    "RecordInput",
    "default_expiry",
    "objection_create",
    "objection_resolve",
    "platform_behaviour_record",
    "record_create",
    "record_repair",
    "record_revoke",
    "records_import",
    "subject_score_recompute",
]
