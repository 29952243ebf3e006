"""Shops (vendors), their applications and review, staff, delegations, qualifications and payout accounts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gansu_mall.core.crypto import EncryptedTextField
from gansu_mall.core.storage import private_storage


class VendorType(models.TextChoices):
    INDIVIDUAL = "individual", _("individual seller")
    ENTERPRISE = "enterprise", _("enterprise")
    COOPERATIVE = "cooperative", _("farmer cooperative")


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("submitted")
    NEEDS_INFO = "needs_info", _("needs information")
    RESUBMITTED = "resubmitted", _("resubmitted")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")


OPEN_APPLICATION_STATUSES = [
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.NEEDS_INFO,
    ApplicationStatus.RESUBMITTED,
]


class Recommendation(models.TextChoices):
    NONE = "", _("no county recommendation")
    RECOMMENDED = "recommended", _("recommended by the county")
    NOT_RECOMMENDED = "not_recommended", _("not recommended by the county")


class StepAction(models.TextChoices):
    SUBMIT = "submit", _("submitted")
    RECOMMEND = "recommend", _("county recommended")
    NOT_RECOMMEND = "not_recommend", _("county did not recommend")
    REQUEST_INFO = "request_info", _("asked for more information")
    RESUBMIT = "resubmit", _("resubmitted")
    APPROVE = "approve", _("approved")
    REJECT = "reject", _("rejected")


def _document_path(instance: object, filename: str) -> str:
    return f"{instance._meta.model_name}/{timezone.now():%Y/%m}/{filename}"  # type: ignore[attr-defined]


class VendorApplication(models.Model):
    """An application to open a shop, reviewed by the commerce bureau step by step."""

    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="vendor_applications"
    )
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    shop_name = models.CharField(_("shop name"), max_length=60)
    vendor_type = models.CharField(_("vendor type"), max_length=12, choices=VendorType.choices)
    legal_name = models.CharField(_("legal name"), max_length=100)
    id_number = EncryptedTextField(_("resident ID number"), blank=True)
    uscc = models.CharField(_("Unified Social Credit Code"), max_length=18, blank=True)
    identity_hash = models.CharField(max_length=64, db_index=True)
    county = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    contact_phone = models.CharField(_("contact phone"), max_length=20)
    license_image = models.FileField(
        _("business licence"), storage=private_storage, upload_to=_document_path, blank=True
    )
    description = models.TextField(_("description"), blank=True, max_length=2000)
    bank_name = models.CharField(_("bank"), max_length=60, blank=True)
    bank_account_holder = models.CharField(_("account holder"), max_length=100, blank=True)
    bank_account = EncryptedTextField(_("bank account number"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED
    )
    recommendation = models.CharField(
        _("county recommendation"), max_length=16, choices=Recommendation.choices, blank=True, default=""
    )
    vendor = models.OneToOneField(
        "Vendor", null=True, blank=True, on_delete=models.SET_NULL, related_name="application"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One identity, one application under review at a time.
            models.UniqueConstraint(
                fields=["identity_hash"],
                condition=Q(status__in=OPEN_APPLICATION_STATUSES),
                name="one_open_application_per_identity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shop_name} ({self.get_status_display()})"


class ApplicationStep(models.Model):
    """One step of the review: who, when, what, why (append-only)."""

    application = models.ForeignKey(VendorApplication, on_delete=models.CASCADE, related_name="steps")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=16, choices=StepAction.choices)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    reason = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.action}"


class VendorStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    SUSPENDED = "suspended", _("suspended")
    CLOSED = "closed", _("closed")


class CreditGrade(models.TextChoices):
    """Grades of the credit registry (credit issue); a shop without records is unrated (blank)."""

    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"


class Vendor(models.Model):
    """A shop. Its legal identity (USCC or ID number) holds at most one shop that is not closed."""

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(_("shop name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    vendor_type = models.CharField(_("vendor type"), max_length=12, choices=VendorType.choices)
    legal_name = models.CharField(_("legal name"), max_length=100)
    uscc = models.CharField(_("Unified Social Credit Code"), max_length=18, blank=True)
    id_number = EncryptedTextField(_("resident ID number"), blank=True)
    identity_hash = models.CharField(max_length=64, db_index=True)
    county = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="vendors")
    contact_phone = models.CharField(_("contact phone"), max_length=20)
    story = models.TextField(_("our story"), blank=True, max_length=4000)
    story_en = models.TextField(_("our story (English)"), blank=True, max_length=4000)
    logo = models.ImageField(_("logo"), upload_to="shops/logos/%Y/%m/", blank=True)
    banner = models.ImageField(_("banner"), upload_to="shops/banners/%Y/%m/", blank=True)
    license_image = models.FileField(
        _("business licence"), storage=private_storage, upload_to=_document_path, blank=True
    )
    # The grade of the shop's legal identity in the credit registry, copied here by the credit issue's
    # recomputation so that product lists can filter and rank on it without a cross-app query.
    credit_grade = models.CharField(_("credit grade"), max_length=1, choices=CreditGrade.choices, blank=True)
    # Average rating of the shop's reviewed order items and their number (kept by the orders app).
    rating = models.DecimalField(_("rating"), max_digits=3, decimal_places=2, null=True, blank=True)
    rating_count = models.PositiveIntegerField(_("reviews"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=VendorStatus.choices, default=VendorStatus.ACTIVE
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["identity_hash"], condition=~Q(status="closed"), name="one_open_shop_per_identity"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class VendorStatusChange(models.Model):
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=10)
    to_status = models.CharField(max_length=10)
    reason = models.TextField(max_length=2000)
    # None: the platform acted by rule (a black-listed identity's shop suspended by the nightly credit run).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.vendor_id}: {self.from_status} → {self.to_status}"


class StaffRole(models.TextChoices):
    OWNER = "owner", _("owner")
    MANAGER = "manager", _("manager")
    CLERK = "clerk", _("clerk")


class VendorMembership(models.Model):
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shop_memberships"
    )
    role = models.CharField(_("role"), max_length=8, choices=StaffRole.choices)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["vendor_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["vendor", "user"], name="one_membership_per_user_and_shop"),
            models.UniqueConstraint(fields=["vendor"], condition=Q(role="owner"), name="one_owner_per_shop"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.role} of {self.vendor_id}"


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")


class StaffInvitation(models.Model):
    """The owner invites an account to work for the shop; it joins only when the person accepts."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shop_invitations"
    )
    role = models.CharField(_("role"), max_length=8, choices=StaffRole.choices)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["vendor", "user"], condition=Q(status="pending"), name="one_pending_invitation"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} invited to {self.vendor_id} as {self.role}"


class Delegation(models.Model):
    """A shop's owner lets an information officer manage its products and orders; revocable."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="delegations")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="delegations"
    )
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["vendor", "officer"], condition=Q(revoked_at__isnull=True), name="one_live_delegation"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vendor_id} → {self.officer_id}"


class PayoutAccount(models.Model):
    """Where the shop's money goes. The number is encrypted; only its last four digits are kept in clear."""

    vendor = models.OneToOneField(Vendor, on_delete=models.CASCADE, related_name="payout_account")
    bank_name = models.CharField(_("bank"), max_length=60)
    holder = models.CharField(_("account holder"), max_length=100)
    number = EncryptedTextField(_("account number"))
    last4 = models.CharField(max_length=4)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.bank_name} ****{self.last4}"


class QualificationKind(models.TextChoices):
    FOOD = "food", _("food business licence")
    HERB = "herb", _("medicinal herb (TCM) licence")
    FRESH_PRODUCE = "fresh_produce", _("fresh produce quality certificate")
    SC = "sc", _("food production licence (SC)")


class Qualification(models.Model):
    """A licence for a category; in force from upload until expiry unless the bureau revokes it."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="qualifications")
    kind = models.CharField(_("kind"), max_length=16, choices=QualificationKind.choices)
    number = models.CharField(_("licence number"), max_length=64)
    expires_on = models.DateField(_("expires on"))
    document = models.FileField(_("document"), storage=private_storage, upload_to=_document_path)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoke_reason = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["expires_on", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.number}"

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_on < timezone.localdate():
            return "expired"
        return "in_force"

    @property
    def status_label(self) -> str:
        return str(QUALIFICATION_STATUS_LABELS[self.status])


QUALIFICATION_STATUS_LABELS = {"in_force": _("in force"), "expired": _("expired"), "revoked": _("revoked")}
