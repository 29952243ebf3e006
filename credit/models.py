"""The credit registry: subjects (legal identities), records about them, objections, scores and the audit."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gansu_mall.core.storage import private_storage


def _evidence_path(instance: object, filename: str) -> str:
    return f"credit/{instance._meta.model_name}/{timezone.now():%Y/%m}/{filename}"  # type: ignore[attr-defined]


class SubjectKind(models.TextChoices):
    USCC = "uscc", _("Unified Social Credit Code")
    ID_NUMBER = "id_number", _("resident ID number")


class Polarity(models.TextChoices):
    POSITIVE = "positive", _("positive")
    NEGATIVE = "negative", _("negative")


class Category(models.TextChoices):
    ADMINISTRATIVE_PENALTY = "administrative_penalty", _("administrative penalty")
    SERIOUS_VIOLATION = "serious_violation", _("serious violation")
    COURT_ENFORCEMENT = "court_enforcement", _("court enforcement")
    TAX_CREDIT = "tax_credit", _("tax credit grade")
    INSPECTION = "inspection", _("food-safety inspection")
    CERTIFICATION = "certification", _("organic or green-food certification")
    GI_AUTHORISATION = "gi_authorisation", _("geographical indication authorisation")
    AWARD = "award", _("honour or award")
    PLATFORM_BEHAVIOUR = "platform_behaviour", _("platform behaviour")


class RecordStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    REVOKED = "revoked", _("revoked")


class ObjectionStatus(models.TextChoices):
    OPEN = "open", _("open")
    UPHELD = "upheld", _("record upheld")
    REVOKED = "revoked", _("record revoked")


class CreditSubject(models.Model):
    """A legal identity. Only the keyed hash and a masked form are stored, never the number itself."""

    identity_hash = models.CharField(max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=SubjectKind.choices)
    display = models.CharField(_("identity"), max_length=24)
    name = models.CharField(_("name"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("credit subject")
        verbose_name_plural = _("credit subjects")

    def __str__(self) -> str:
        return f"{self.name or self.display}"


class CreditRecord(models.Model):
    subject = models.ForeignKey(CreditSubject, on_delete=models.PROTECT, related_name="records")
    polarity = models.CharField(_("polarity"), max_length=10, choices=Polarity.choices)
    category = models.CharField(_("category"), max_length=30, choices=Category.choices)
    severity = models.PositiveSmallIntegerField(_("severity"))
    title = models.CharField(_("title"), max_length=200)
    occurred_on = models.DateField(_("occurred on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=500, blank=True)
    evidence = models.FileField(_("evidence"), storage=private_storage, upload_to=_evidence_path, blank=True)
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("source department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_records",
    )
    public = models.BooleanField(_("public"), default=True)
    status = models.CharField(
        _("status"), max_length=10, choices=RecordStatus.choices, default=RecordStatus.ACTIVE
    )
    repaired_at = models.DateTimeField(_("repaired at"), null=True, blank=True)
    # None: written by the platform itself (the monthly platform-behaviour records).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Platform-behaviour records: the calendar month (its first day) and the figures the record was made of.
    period = models.DateField(_("month"), null=True, blank=True)
    figures = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-occurred_on", "-id"]
        verbose_name = _("credit record")
        verbose_name_plural = _("credit records")
        constraints = [
            models.CheckConstraint(condition=Q(severity__gte=1, severity__lte=3), name="credit_severity_1_3"),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gt=models.F("occurred_on")),
                name="credit_expires_after_occurred",
            ),
            models.CheckConstraint(
                condition=Q(repaired_at__isnull=True) | Q(polarity="negative"),
                name="credit_repair_negative_only",
            ),
            # At most one platform-behaviour record per subject and month: the monthly run is idempotent.
            models.UniqueConstraint(
                fields=["subject", "period"],
                condition=Q(category="platform_behaviour", period__isnull=False),
                name="credit_one_behaviour_record_per_month",
            ),
        ]
        indexes = [models.Index(fields=["department", "-occurred_on"]), models.Index(fields=["category"])]

    def __str__(self) -> str:
        return self.title


class CreditAudit(models.Model):
    """One row per write to the registry: who, when, what, and the object before and after."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("action"), max_length=40)
    object_type = models.CharField(max_length=20)
    object_id = models.PositiveBigIntegerField()
    subject = models.ForeignKey(
        CreditSubject, null=True, blank=True, on_delete=models.PROTECT, related_name="audit"
    )
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("credit audit entry")
        verbose_name_plural = _("credit audit")

    def __str__(self) -> str:
        return f"{self.action} {self.object_type} #{self.object_id}"


class CreditObjection(models.Model):
    record = models.ForeignKey(CreditRecord, on_delete=models.PROTECT, related_name="objections")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"), max_length=2000)
    evidence = models.FileField(_("evidence"), storage=private_storage, upload_to=_evidence_path, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("note"), max_length=2000, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        constraints = [
            models.UniqueConstraint(
                fields=["record"], condition=Q(status="open"), name="credit_one_open_objection_per_record"
            )
        ]

    def __str__(self) -> str:
        return f"{self.record} · {self.get_status_display()}"


class CreditScore(models.Model):
    """The latest score of a subject, with the components that made it and the lists it is on."""

    subject = models.OneToOneField(CreditSubject, on_delete=models.CASCADE, related_name="score")
    score = models.PositiveSmallIntegerField(_("score"))
    grade = models.CharField(_("grade"), max_length=1, blank=True)
    components = models.JSONField(default=list)
    red_list = models.BooleanField(_("red list"), default=False)
    black_list = models.BooleanField(_("black list"), default=False)
    reasons = models.JSONField(default=list)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("credit score")
        verbose_name_plural = _("credit scores")
        indexes = [
            models.Index(fields=["red_list"], condition=Q(red_list=True), name="credit_score_red"),
            models.Index(fields=["black_list"], condition=Q(black_list=True), name="credit_score_black"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} · {self.score} {self.grade}"
