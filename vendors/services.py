"""Writes of vendors: applications and their review, shops, staff, delegations, qualifications, payouts.

Every guard is checked here, under a row lock, whoever calls (API, page, command or task).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from pypinyin import lazy_pinyin

from credit.selectors import subject_blacklist_status, subject_score_get, subject_standing
from gansu_mall.accounts.models import Role, User
from gansu_mall.accounts.selectors import user_region_scope
from gansu_mall.accounts.validators import normalize_china_mobile
from gansu_mall.core import rollups
from gansu_mall.core.crypto import keyed_hash
from gansu_mall.core.errors import ApplicationError, ErrorCode
from gansu_mall.core.errors import invalid as _invalid
from gansu_mall.core.rollups import rollup_mark_stale
from gansu_mall.core.uploads import clean_image
from gansu_mall.notifications.services import notify
from gansu_mall.regions.selectors import gansu_county_get
from vendors.errors import VendorErrorCode
from vendors.identity import IdentityError, validate_bank_account, validate_id_number, validate_uscc
from vendors.models import (
    OPEN_APPLICATION_STATUSES,
    ApplicationStatus,
    ApplicationStep,
    Delegation,
    InvitationStatus,
    PayoutAccount,
    Qualification,
    QualificationKind,
    Recommendation,
    StaffInvitation,
    StaffRole,
    StepAction,
    Vendor,
    VendorApplication,
    VendorMembership,
    VendorStatus,
    VendorStatusChange,
    VendorType,
)
from vendors.selectors import is_bureau, is_provincial_bureau

PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")  # mobile, or landline with area code


def _denied(message: str) -> ApplicationError:
    return ApplicationError(code=ErrorCode.PERMISSION_DENIED, message=message)


def _require_reason(reason: str, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise _invalid({field: [_("Give a reason.")]})
    return reason


def identity_hash_of(code: str) -> str:
    return keyed_hash(code, purpose="identity")


@contextmanager
def _files_removed_on_failure(*files: FieldFile) -> Iterator[None]:
    """Files written inside a transaction that then fails would stay on disk: remove them."""
    try:
        yield
    except BaseException:
        for file in files:
            if file and file.name:
                file.storage.delete(file.name)
        raise


# --- Applications ---------------------------------------------------------------------------------


@dataclass
class ApplicationInput:
    shop_name: str
    vendor_type: str
    legal_name: str
    county_code: str
    contact_phone: str
    id_number: str = ""
    uscc: str = ""
    description: str = ""
    license_image: UploadedFile | None = None
    bank_name: str = ""
    bank_account_holder: str = ""
    bank_account: str = ""


@dataclass
class _CleanApplication:
    identity_code: str
    id_number: str
    uscc: str
    county_code: str
    contact_phone: str
    bank_account: str
    license: ContentFile | None


def _clean_application(data: ApplicationInput, *, require_license: bool = True) -> _CleanApplication:
    errors: dict[str, list[str]] = {}
    if not data.shop_name.strip():
        errors["shop_name"] = [_("Name the shop.")]
    if not data.legal_name.strip():
        errors["legal_name"] = [_("Give the legal name (the person or the registered entity).")]
    if data.vendor_type not in VendorType.values:
        errors["vendor_type"] = [_("Choose individual, enterprise or cooperative.")]
    id_number = uscc = ""
    try:
        if data.vendor_type == VendorType.INDIVIDUAL:
            id_number = validate_id_number(data.id_number).number
        elif data.vendor_type in (VendorType.ENTERPRISE, VendorType.COOPERATIVE):
            uscc = validate_uscc(data.uscc)
    except IdentityError as exc:
        errors[exc.field] = [str(exc.message)]
    county = gansu_county_get(code=(data.county_code or "").strip())
    if county is None:
        errors["county_code"] = [_("Choose a county of Gansu (a six-digit code such as 621221).")]
    phone = normalize_china_mobile(data.contact_phone)
    if not PHONE_RE.match(phone):
        errors["contact_phone"] = [_("Enter a mobile number or a landline with its area code.")]
    bank_account = ""
    if data.bank_account.strip():
        try:
            bank_account = validate_bank_account(data.bank_account)
        except IdentityError as exc:
            errors[exc.field] = [str(exc.message)]
        if not data.bank_name.strip():
            errors["bank_name"] = [_("Name the bank.")]
        if not data.bank_account_holder.strip():
            errors["bank_account_holder"] = [_("Give the account holder's name.")]
    license = None
    needs_license = data.vendor_type in (VendorType.ENTERPRISE, VendorType.COOPERATIVE)
    if data.license_image is not None:
        try:
            license = clean_image(data.license_image, field="license_image")
        except ApplicationError as exc:
            errors.update(exc.fields or {})
    elif needs_license and require_license:
        errors["license_image"] = [_("Upload a photo or scan of the business licence.")]
    if errors:
        raise _invalid(errors)
    return _CleanApplication(
        identity_code=uscc or id_number,
        id_number=id_number,
        uscc=uscc,
        county_code=county.code if county else "",
        contact_phone=phone,
        bank_account=bank_account,
        license=license,
    )


def _check_identity_free(identity_hash: str, *, exclude_application: int | None = None) -> None:
    if Vendor.objects.filter(identity_hash=identity_hash).exclude(status=VendorStatus.CLOSED).exists():
        raise ApplicationError(
            code=VendorErrorCode.IDENTITY_HAS_SHOP, message=_("This legal identity already holds a shop.")
        )
    open_applications = VendorApplication.objects.filter(
        identity_hash=identity_hash, status__in=OPEN_APPLICATION_STATUSES
    )
    if exclude_application is not None:
        open_applications = open_applications.exclude(pk=exclude_application)
    if open_applications.exists():
        raise ApplicationError(
            code=VendorErrorCode.DUPLICATE_APPLICATION,
            message=_("An application for this legal identity is already under review."),
        )


def _check_officer_may_act(officer: User, county_code: str) -> None:
    scope = user_region_scope(user=officer)
    if not officer.has_role(Role.INFO_OFFICER) or scope is None or county_code not in scope:
        raise ApplicationError(
            code=VendorErrorCode.OUTSIDE_SCOPE,
            message=_("Information officers act only for farmers of their own counties."),
            status=403,
        )


def application_submit(*, submitted_by: User, applicant: User, data: ApplicationInput) -> VendorApplication:
    """File an application; an information officer may file it for a farmer (``applicant``) of their counties."""
    clean = _clean_application(data)
    if submitted_by.pk != applicant.pk:
        _check_officer_may_act(submitted_by, clean.county_code)
    identity_hash = identity_hash_of(clean.identity_code)
    _check_identity_free(identity_hash)
    application = VendorApplication(
        applicant=applicant,
        submitted_by=submitted_by,
        shop_name=data.shop_name.strip(),
        vendor_type=data.vendor_type,
        legal_name=data.legal_name.strip(),
        id_number=clean.id_number,
        uscc=clean.uscc,
        identity_hash=identity_hash,
        county_id=clean.county_code,
        contact_phone=clean.contact_phone,
        description=data.description.strip(),
        bank_name=data.bank_name.strip() if clean.bank_account else "",
        bank_account_holder=data.bank_account_holder.strip() if clean.bank_account else "",
        bank_account=clean.bank_account,
    )
    if clean.license is not None:
        application.license_image.save(clean.license.name or "licence", clean.license, save=False)
    with _files_removed_on_failure(application.license_image):
        try:
            with transaction.atomic():
                application.save()
                ApplicationStep.objects.create(
                    application=application,
                    actor=submitted_by,
                    action=StepAction.SUBMIT,
                    from_status="",
                    to_status=ApplicationStatus.SUBMITTED,
                )
                rollup_mark_stale(topic=rollups.APPLICATIONS, at=application.created_at)
                notify(
                    user=applicant,
                    kind="application_submitted",
                    params={"shop": application.shop_name},
                    link="/seller/",
                )
        except IntegrityError as exc:  # a concurrent application for the same identity
            raise ApplicationError(
                code=VendorErrorCode.DUPLICATE_APPLICATION,
                message=_("An application for this legal identity is already under review."),
            ) from exc
    return application


# The review's transition table: action → (statuses it may start from, status it leads to).
REVIEW_TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    StepAction.RECOMMEND: (frozenset({ApplicationStatus.SUBMITTED, ApplicationStatus.RESUBMITTED}), None),
    StepAction.NOT_RECOMMEND: (frozenset({ApplicationStatus.SUBMITTED, ApplicationStatus.RESUBMITTED}), None),
    StepAction.REQUEST_INFO: (
        frozenset({ApplicationStatus.SUBMITTED, ApplicationStatus.RESUBMITTED}),
        ApplicationStatus.NEEDS_INFO,
    ),
    StepAction.RESUBMIT: (frozenset({ApplicationStatus.NEEDS_INFO}), ApplicationStatus.RESUBMITTED),
    StepAction.APPROVE: (
        frozenset({ApplicationStatus.SUBMITTED, ApplicationStatus.RESUBMITTED}),
        ApplicationStatus.APPROVED,
    ),
    StepAction.REJECT: (
        frozenset({ApplicationStatus.SUBMITTED, ApplicationStatus.RESUBMITTED}),
        ApplicationStatus.REJECTED,
    ),
}


def _transition(
    *, application: VendorApplication, action: str, actor: User, reason: str = ""
) -> VendorApplication:
    """Lock, check the table, write the step. The caller holds the transaction."""
    locked = VendorApplication.objects.select_for_update().get(pk=application.pk)
    allowed_from, to_status = REVIEW_TRANSITIONS[action]
    if locked.status not in allowed_from:
        raise ApplicationError(
            code=VendorErrorCode.INVALID_TRANSITION,
            message=_("This application is %(status)s; that step is not possible now.")
            % {"status": locked.get_status_display()},
        )
    from_status = locked.status
    if to_status is not None:
        locked.status = to_status
        locked.save(update_fields=["status", "updated_at"])
    ApplicationStep.objects.create(
        application=locked,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=locked.status,
        reason=reason,
    )
    if locked.status in (ApplicationStatus.APPROVED, ApplicationStatus.REJECTED):  # the day's decisions
        rollup_mark_stale(topic=rollups.APPLICATIONS, at=timezone.now())
    return locked


def _require_provincial(actor: User) -> None:
    if not is_provincial_bureau(actor):
        raise _denied(_("Only provincial commerce bureau staff decide on applications."))


def application_recommend(
    *, application: VendorApplication, actor: User, recommend: bool, reason: str = ""
) -> VendorApplication:
    """County bureau staff (scoped to the applicant's county) recommend the application, or not, once."""
    scope = user_region_scope(user=actor)
    if not is_bureau(actor) or scope is None or application.county_id not in scope:
        raise _denied(_("Only bureau staff of the applicant's county give the county recommendation."))
    reason = reason.strip() if recommend else _require_reason(reason)
    action = StepAction.RECOMMEND if recommend else StepAction.NOT_RECOMMEND
    with transaction.atomic():
        if VendorApplication.objects.select_for_update().get(pk=application.pk).recommendation:
            raise ApplicationError(
                code=VendorErrorCode.INVALID_TRANSITION,
                message=_("The county has already given its recommendation."),
            )
        locked = _transition(application=application, action=action, actor=actor, reason=reason)
        locked.recommendation = Recommendation.RECOMMENDED if recommend else Recommendation.NOT_RECOMMENDED
        locked.save(update_fields=["recommendation", "updated_at"])
        notify(
            user=locked.applicant,
            kind="application_recommended" if recommend else "application_not_recommended",
            params={"shop": locked.shop_name, "reason": reason},
            link="/seller/",
        )
    return locked


def application_request_info(
    *, application: VendorApplication, actor: User, reason: str
) -> VendorApplication:
    _require_provincial(actor)
    reason = _require_reason(reason)
    with transaction.atomic():
        locked = _transition(
            application=application, action=StepAction.REQUEST_INFO, actor=actor, reason=reason
        )
        notify(
            user=locked.applicant,
            kind="application_needs_info",
            params={"shop": locked.shop_name, "reason": reason},
            link="/seller/",
        )
    return locked


def application_reject(*, application: VendorApplication, actor: User, reason: str) -> VendorApplication:
    _require_provincial(actor)
    reason = _require_reason(reason)
    with transaction.atomic():
        locked = _transition(application=application, action=StepAction.REJECT, actor=actor, reason=reason)
        notify(
            user=locked.applicant,
            kind="application_rejected",
            params={"shop": locked.shop_name, "reason": reason},
            link="/seller/",
        )
    return locked


def application_resubmit(
    *, application: VendorApplication, actor: User, data: ApplicationInput, note: str = ""
) -> VendorApplication:
    """The applicant (or the officer who filed it) answers a request for information with corrected data."""
    if actor.pk not in (application.applicant_id, application.submitted_by_id):
        raise _denied(_("Only the applicant can resubmit this application."))
    clean = _clean_application(data, require_license=not application.license_image)
    identity_hash = identity_hash_of(clean.identity_code)
    if application.submitted_by_id != application.applicant_id:
        _check_officer_may_act(application.submitted_by, clean.county_code)
    new_license = None
    with transaction.atomic():
        locked = VendorApplication.objects.select_for_update().get(pk=application.pk)
        if locked.status != ApplicationStatus.NEEDS_INFO:
            raise ApplicationError(
                code=VendorErrorCode.INVALID_TRANSITION,
                message=_("This application is %(status)s; that step is not possible now.")
                % {"status": locked.get_status_display()},
            )
        _check_identity_free(identity_hash, exclude_application=locked.pk)
        locked.shop_name = data.shop_name.strip()
        locked.vendor_type = data.vendor_type
        locked.legal_name = data.legal_name.strip()
        locked.id_number = clean.id_number
        locked.uscc = clean.uscc
        locked.identity_hash = identity_hash
        locked.county_id = clean.county_code
        locked.contact_phone = clean.contact_phone
        locked.description = data.description.strip()
        if clean.bank_account:
            locked.bank_name = data.bank_name.strip()
            locked.bank_account_holder = data.bank_account_holder.strip()
            locked.bank_account = clean.bank_account
        old_license = locked.license_image.name if clean.license is not None else None
        if clean.license is not None:
            locked.license_image.save(clean.license.name or "licence", clean.license, save=False)
            new_license = locked.license_image
        with _files_removed_on_failure(*([new_license] if new_license else [])):
            locked.save()
            locked = _transition(
                application=locked, action=StepAction.RESUBMIT, actor=actor, reason=note.strip()
            )
            notify(
                user=locked.applicant,
                kind="application_resubmitted",
                params={"shop": locked.shop_name},
                link="/seller/",
            )
        if old_license:
            storage = locked.license_image.storage
            transaction.on_commit(lambda: storage.delete(old_license))
    return locked


def _unique_slug(name: str) -> str:
    base = slugify("-".join(lazy_pinyin(name))) or "shop"
    base = base[:50].strip("-") or "shop"
    slug, n = base, 2
    while Vendor.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


def _credit_grade_of(identity_hash: str) -> str:
    """A new shop starts with its legal identity's grade in the credit registry (blank: unrated)."""
    score = subject_score_get(identity_hash=identity_hash)
    return score.grade if score else ""


def application_approve(*, application: VendorApplication, actor: User) -> VendorApplication:
    """Open the shop: refused for an identity on the credit black list (409 blacklisted)."""
    _require_provincial(actor)
    with transaction.atomic():
        locked = VendorApplication.objects.select_for_update().get(pk=application.pk)
        status = subject_blacklist_status(subject_code=locked.uscc or locked.id_number)
        if status.listed and locked.status in REVIEW_TRANSITIONS[StepAction.APPROVE][0]:
            raise ApplicationError(
                code=VendorErrorCode.BLACKLISTED,
                message=_("This legal identity is on the credit black list; the shop cannot be opened."),
                extra={"reasons": status.reasons},
            )
        locked = _transition(application=locked, action=StepAction.APPROVE, actor=actor)
        if (
            Vendor.objects.filter(identity_hash=locked.identity_hash)
            .exclude(status=VendorStatus.CLOSED)
            .exists()
        ):
            raise ApplicationError(
                code=VendorErrorCode.IDENTITY_HAS_SHOP, message=_("This legal identity already holds a shop.")
            )
        vendor = Vendor.objects.create(
            slug=_unique_slug(locked.shop_name),
            name=locked.shop_name,
            vendor_type=locked.vendor_type,
            legal_name=locked.legal_name,
            uscc=locked.uscc,
            id_number=locked.id_number,
            identity_hash=locked.identity_hash,
            credit_grade=_credit_grade_of(locked.identity_hash),
            county_id=locked.county_id,
            contact_phone=locked.contact_phone,
            story=locked.description,
            license_image=locked.license_image.name,
        )
        VendorMembership.objects.create(
            vendor=vendor, user=locked.applicant, role=StaffRole.OWNER, added_by=actor
        )
        rollup_mark_stale(topic=rollups.SHOPS, at=vendor.created_at)
        if locked.bank_account:
            PayoutAccount.objects.create(
                vendor=vendor,
                bank_name=locked.bank_name,
                holder=locked.bank_account_holder,
                number=locked.bank_account,
                last4=locked.bank_account[-4:],
                updated_by=locked.applicant,
            )
        if locked.submitted_by_id != locked.applicant_id:
            # The officer who helped the farmer apply starts as the shop's delegate; the owner may revoke it.
            Delegation.objects.create(vendor=vendor, officer=locked.submitted_by, granted_by=locked.applicant)
        locked.vendor = vendor
        locked.save(update_fields=["vendor", "updated_at"])
        notify(
            user=locked.applicant, kind="application_approved", params={"shop": vendor.name}, link="/seller/"
        )
    return locked


# --- Shops ----------------------------------------------------------------------------------------

VENDOR_TRANSITIONS = {
    "suspend": ({VendorStatus.ACTIVE}, VendorStatus.SUSPENDED, "vendor_suspended"),
    "reinstate": ({VendorStatus.SUSPENDED}, VendorStatus.ACTIVE, "vendor_reinstated"),
    "close": ({VendorStatus.ACTIVE, VendorStatus.SUSPENDED}, VendorStatus.CLOSED, "vendor_closed"),
}


def _vendor_transition(*, vendor: Vendor, action: str, actor: User | None, reason: str) -> Vendor:
    """Move a shop between statuses under its lock, with a status-change row (``actor`` None: the platform
    acting by rule). A black-listed identity's shop is never reinstated (409 blacklisted)."""
    allowed, to_status, kind = VENDOR_TRANSITIONS[action]
    with transaction.atomic():
        locked = Vendor.objects.select_for_update().get(pk=vendor.pk)
        if locked.status not in allowed:
            raise ApplicationError(
                code=VendorErrorCode.INVALID_TRANSITION,
                message=_("The shop is %(status)s; that is not possible now.")
                % {"status": locked.get_status_display()},
            )
        if to_status == VendorStatus.ACTIVE:
            standing = subject_standing(identity_hash=locked.identity_hash)
            if standing is not None and standing.black_list:
                raise ApplicationError(
                    code=VendorErrorCode.BLACKLISTED,
                    message=_(
                        "This shop's legal identity is on the credit black list; it cannot be reinstated."
                    ),
                )
        VendorStatusChange.objects.create(
            vendor=locked, from_status=locked.status, to_status=to_status, reason=reason, actor=actor
        )
        if VendorStatus.CLOSED in (locked.status, to_status):  # the day's shop count changes
            rollup_mark_stale(topic=rollups.SHOPS, at=timezone.now())
        locked.status = to_status
        locked.save(update_fields=["status", "updated_at"])
        for membership in locked.memberships.select_related("user").filter(role=StaffRole.OWNER):
            notify(
                user=membership.user,
                kind=kind,
                params={"shop": locked.name, "reason": reason},
                link="/seller/",
            )
    return locked


def vendor_set_status(*, vendor: Vendor, action: str, actor: User, reason: str) -> Vendor:
    """Bureau staff suspend a shop (hidden with its products), reinstate it or close it, with a reason."""
    if not is_bureau(actor):
        raise _denied(_("Only commerce bureau staff suspend or reinstate shops."))
    return _vendor_transition(vendor=vendor, action=action, actor=actor, reason=_require_reason(reason))


def vendor_close(*, vendor: Vendor, actor_role: str, actor: User, reason: str) -> Vendor:
    """The owner closes the shop for good; the legal identity may then apply for a new one."""
    if actor_role != StaffRole.OWNER:
        raise _denied(_("Only the owner closes the shop."))
    return _vendor_transition(vendor=vendor, action="close", actor=actor, reason=_require_reason(reason))


@dataclass
class ProfileInput:
    name_en: str = ""
    story: str = ""
    story_en: str = ""
    contact_phone: str = ""
    logo: UploadedFile | None = None
    banner: UploadedFile | None = None


def vendor_update_profile(*, vendor: Vendor, actor_role: str, data: ProfileInput) -> Vendor:
    if actor_role not in (StaffRole.OWNER, StaffRole.MANAGER):
        raise _denied(_("Only the owner and managers edit the shop profile."))
    errors: dict[str, list[str]] = {}
    phone = normalize_china_mobile(data.contact_phone) if data.contact_phone else vendor.contact_phone
    if not PHONE_RE.match(phone):
        errors["contact_phone"] = [_("Enter a mobile number or a landline with its area code.")]
    images: dict[str, ContentFile] = {}
    for field in ("logo", "banner"):
        upload = getattr(data, field)
        if upload is not None:
            try:
                images[field] = clean_image(upload, field=field)
            except ApplicationError as exc:
                errors.update(exc.fields or {})
    if errors:
        raise _invalid(errors)
    with transaction.atomic():
        locked = Vendor.objects.select_for_update().get(pk=vendor.pk)
        locked.name_en = data.name_en.strip()[:80]
        locked.story = data.story.strip()
        locked.story_en = data.story_en.strip()
        locked.contact_phone = phone
        saved = []
        for field, content in images.items():
            getattr(locked, field).save(content.name or field, content, save=False)
            saved.append(getattr(locked, field))
        with _files_removed_on_failure(*saved):
            locked.save()
    return locked


def staff_invite(
    *, vendor: Vendor, actor_role: str, actor: User, username: str, role: str
) -> StaffInvitation:
    """The owner invites a manager or a clerk (an existing account, by user name); they join on accepting."""
    if actor_role != StaffRole.OWNER:
        raise _denied(_("Only the owner manages staff."))
    if role not in (StaffRole.MANAGER, StaffRole.CLERK):
        raise _invalid({"role": [_("Choose manager or clerk.")]})
    user = User.objects.filter(username=(username or "").strip()).first()
    if user is None:
        raise _invalid({"username": [_("No account has this user name.")]})
    if VendorMembership.objects.filter(vendor=vendor, user=user).exists():
        raise ApplicationError(
            code=VendorErrorCode.ALREADY_STAFF, message=_("This person already works for the shop.")
        )
    try:
        with transaction.atomic():
            invitation = StaffInvitation.objects.create(vendor=vendor, user=user, role=role, invited_by=actor)
            notify(
                user=user,
                kind="staff_invited",
                params={"shop": vendor.name, "role": invitation.get_role_display()},
                link="/seller/",
            )
    except IntegrityError as exc:
        raise ApplicationError(
            code=VendorErrorCode.ALREADY_STAFF, message=_("This person has already been invited.")
        ) from exc
    return invitation


def invitation_respond(*, invitation: StaffInvitation, user: User, accept: bool) -> StaffInvitation:
    """The invited person accepts (and joins the shop) or declines; only once."""
    with transaction.atomic():
        locked = StaffInvitation.objects.select_for_update().select_related("vendor").get(pk=invitation.pk)
        if locked.user_id != user.pk:
            raise ApplicationError(code=ErrorCode.NOT_FOUND, message=_("Not found."))
        if locked.status != InvitationStatus.PENDING:
            raise ApplicationError(
                code=VendorErrorCode.INVALID_TRANSITION,
                message=_("This invitation has already been answered."),
            )
        locked.status = InvitationStatus.ACCEPTED if accept else InvitationStatus.DECLINED
        locked.responded_at = timezone.now()
        locked.save(update_fields=["status", "responded_at"])
        if accept:
            membership, created = VendorMembership.objects.get_or_create(
                vendor=locked.vendor, user=user, defaults={"role": locked.role, "added_by": locked.invited_by}
            )
            if created:
                notify(
                    user=user,
                    kind="staff_added",
                    params={"shop": locked.vendor.name, "role": membership.get_role_display()},
                    link=f"/seller/{locked.vendor.slug}/",
                    email=False,
                )
    return locked


def staff_remove(*, vendor: Vendor, actor_role: str, membership_id: int) -> None:
    if actor_role != StaffRole.OWNER:
        raise _denied(_("Only the owner manages staff."))
    membership = VendorMembership.objects.filter(vendor=vendor, pk=membership_id).first()
    if membership is None:
        raise ApplicationError(code=ErrorCode.NOT_FOUND, message=_("Not found."))
    if membership.role == StaffRole.OWNER:
        raise ApplicationError(
            code=VendorErrorCode.INVALID_TRANSITION, message=_("The owner cannot be removed.")
        )
    membership.delete()


def payout_account_set(
    *, vendor: Vendor, actor_role: str, actor: User, bank_name: str, holder: str, number: str
) -> PayoutAccount:
    """Only the owner sets where the money goes (clerks and managers cannot)."""
    if actor_role != StaffRole.OWNER:
        raise _denied(_("Only the shop owner manages the bank account."))
    errors: dict[str, list[str]] = {}
    try:
        number = validate_bank_account(number)
    except IdentityError as exc:
        errors["number"] = [str(exc.message)]
    if not bank_name.strip():
        errors["bank_name"] = [_("Name the bank.")]
    if not holder.strip():
        errors["holder"] = [_("Give the account holder's name.")]
    if errors:
        raise _invalid(errors)
    account, _created = PayoutAccount.objects.update_or_create(
        vendor=vendor,
        defaults={
            "bank_name": bank_name.strip(),
            "holder": holder.strip(),
            "number": number,
            "last4": number[-4:],
            "updated_by": actor,
        },
    )
    return account


def delegation_grant(*, vendor: Vendor, actor_role: str, actor: User, officer_username: str) -> Delegation:
    if actor_role != StaffRole.OWNER:
        raise _denied(_("Only the owner delegates the shop."))
    officer = User.objects.filter(username=(officer_username or "").strip()).first()
    if officer is None or not officer.has_role(Role.INFO_OFFICER):
        raise _invalid({"officer": [_("No information officer has this user name.")]})
    scope = user_region_scope(user=officer)
    if scope is None or vendor.county_id not in scope:
        raise ApplicationError(
            code=VendorErrorCode.OUTSIDE_SCOPE,
            message=_("This information officer does not serve the shop's county."),
            status=403,
        )
    try:
        with transaction.atomic():
            delegation = Delegation.objects.create(vendor=vendor, officer=officer, granted_by=actor)
            notify(user=officer, kind="delegation_granted", params={"shop": vendor.name}, link="/seller/")
    except IntegrityError as exc:
        raise ApplicationError(
            code=VendorErrorCode.INVALID_TRANSITION,
            message=_("This officer already manages the shop for you."),
        ) from exc
    return delegation


def delegation_revoke(*, vendor: Vendor, actor_role: str, actor: User, delegation_id: int) -> Delegation:
    if actor_role != StaffRole.OWNER:
        raise _denied(_("Only the owner delegates the shop."))
    with transaction.atomic():
        delegation = (
            Delegation.objects.select_for_update()
            .filter(vendor=vendor, pk=delegation_id, revoked_at__isnull=True)
            .first()
        )
        if delegation is None:
            raise ApplicationError(code=ErrorCode.NOT_FOUND, message=_("Not found."))
        delegation.revoked_at = timezone.now()
        delegation.revoked_by = actor
        delegation.save(update_fields=["revoked_at", "revoked_by"])
        notify(user=delegation.officer, kind="delegation_revoked", params={"shop": vendor.name})
    return delegation


def qualification_add(
    *,
    vendor: Vendor,
    actor_role: str,
    actor: User,
    kind: str,
    number: str,
    expires_on: date | None,
    document: UploadedFile | None,
) -> Qualification:
    if actor_role not in (StaffRole.OWNER, StaffRole.MANAGER):
        raise _denied(_("Only the owner and managers upload qualifications."))
    errors: dict[str, list[str]] = {}
    if kind not in QualificationKind.values:
        errors["kind"] = [_("Choose a kind of qualification.")]
    if not (number or "").strip():
        errors["number"] = [_("Give the licence number.")]
    if expires_on is None:
        errors["expires_on"] = [_("Give the expiry date.")]
    elif expires_on <= timezone.localdate():
        errors["expires_on"] = [_("This document has already expired.")]
    content = None
    if document is None:
        errors["document"] = [_("Upload a photo or scan of the document.")]
    else:
        try:
            content = clean_image(document, field="document")
        except ApplicationError as exc:
            errors.update(exc.fields or {})
    if errors or content is None or expires_on is None:
        raise _invalid(errors)
    qualification = Qualification(
        vendor=vendor, kind=kind, number=number.strip(), expires_on=expires_on, uploaded_by=actor
    )
    qualification.document.save(content.name or "document", content, save=False)
    with _files_removed_on_failure(qualification.document):
        qualification.save()
    return qualification


def qualification_revoke(*, qualification: Qualification, actor: User, reason: str) -> Qualification:
    if not is_bureau(actor):
        raise _denied(_("Only commerce bureau staff revoke qualifications."))
    reason = _require_reason(reason)
    with transaction.atomic():
        locked = Qualification.objects.select_for_update().select_related("vendor").get(pk=qualification.pk)
        if locked.revoked_at is not None:
            raise ApplicationError(
                code=VendorErrorCode.INVALID_TRANSITION, message=_("This qualification is already revoked.")
            )
        locked.revoked_at = timezone.now()
        locked.revoked_by = actor
        locked.revoke_reason = reason
        locked.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
        for membership in locked.vendor.memberships.select_related("user").filter(role=StaffRole.OWNER):
            notify(
                user=membership.user,
                kind="qualification_revoked",
                params={"shop": locked.vendor.name, "kind": locked.get_kind_display(), "reason": reason},
                link="/seller/",
            )
    return locked


def vendor_rating_set(*, vendor_id: int, rating: object, count: int) -> None:
    """The orders app reports a shop's rating after each review of its order items."""
    Vendor.objects.filter(pk=vendor_id).update(rating=rating, rating_count=count)


# --- Credit ---------------------------------------------------------------------------------------


def vendor_credit_follow(
    *, identity_hash: str, grade: str, black_listed: bool, reason: str, actor: User | None
) -> list[int]:
    """The shops of a legal identity take its credit grade (vendors.tasks.vendors_follow_credit calls this).

    A black-listed identity's active shop is suspended, which hides it and its products from the
    storefront (the storefront shows active shops only), with the user whose credit write listed it as the
    actor, or as the platform (actor None, e.g. the nightly run after a positive record expired), the
    black-list rule as the reason either way. Reinstatement is the bureau's decision, never automatic, and
    refused while the identity is listed. Returns the ids of shops whose grade changed.
    """
    changed: list[int] = []
    with transaction.atomic():
        shops = (
            Vendor.objects.select_for_update()
            .filter(identity_hash=identity_hash)
            .exclude(status=VendorStatus.CLOSED)
            .order_by("pk")
        )
        for vendor in shops:
            if vendor.credit_grade != grade:
                vendor.credit_grade = grade
                vendor.save(update_fields=["credit_grade", "updated_at"])
                changed.append(vendor.pk)
            if black_listed and vendor.status == VendorStatus.ACTIVE:
                _vendor_transition(vendor=vendor, action="suspend", actor=actor, reason=reason)
    return changed
