"""Reads of shops and applications. Vendor-scoped reads take the caller and raise NotFound outside it."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from gansu_mall.accounts.models import Role, User
from gansu_mall.accounts.selectors import user_region_scope
from vendors.models import (
    ApplicationStep,
    Delegation,
    InvitationStatus,
    Qualification,
    StaffInvitation,
    StaffRole,
    Vendor,
    VendorApplication,
    VendorMembership,
    VendorStatus,
)

ALL_STAFF = (StaffRole.OWNER, StaffRole.MANAGER, StaffRole.CLERK)


def is_bureau(user: User) -> bool:
    return user.is_authenticated and (user.has_role(Role.BUREAU) or user.has_role(Role.ADMIN))


def is_provincial_bureau(user: User) -> bool:
    """Bureau staff without a scope review applications for the whole province."""
    return is_bureau(user) and user_region_scope(user=user) is None


def user_shop_slugs(*, user: User) -> list[str]:
    return list(
        VendorMembership.objects.filter(user=user)
        .order_by("vendor__slug")
        .values_list("vendor__slug", flat=True)
    )


def membership_of(*, user: User, vendor: Vendor) -> VendorMembership | None:
    return VendorMembership.objects.filter(user=user, vendor=vendor).first()


def has_live_delegation(*, officer: User, vendor: Vendor) -> bool:
    return Delegation.objects.filter(officer=officer, vendor=vendor, revoked_at__isnull=True).exists()


def vendor_get_for_staff(
    *, user: User, slug: str, roles: tuple[str, ...] = ALL_STAFF, allow_delegate: bool = False
) -> tuple[Vendor, str]:
    """The shop and the caller's role in it ("delegate" for a delegated officer); Http404 otherwise.

    Callers outside the shop learn nothing, not even that it exists (API.md: 404, never 403).
    """
    vendor = Vendor.objects.select_related("county").filter(slug=slug).first()
    if vendor is None or not user.is_authenticated:
        raise Http404
    membership = membership_of(user=user, vendor=vendor)
    if membership is not None and membership.role in roles:
        return vendor, membership.role
    if allow_delegate and has_live_delegation(officer=user, vendor=vendor):
        return vendor, "delegate"
    raise Http404


def vendors_for_bureau(*, user: User) -> QuerySet[Vendor]:
    """Every shop for province-wide bureau staff; the shops of their area for scoped staff."""
    if not is_bureau(user):
        return Vendor.objects.none()
    scope = user_region_scope(user=user)
    shops = Vendor.objects.select_related("county")
    return shops if scope is None else shops.filter(county_id__in=sorted(scope))


def vendor_get_for_bureau(*, user: User, slug: str) -> Vendor:
    vendor = vendors_for_bureau(user=user).filter(slug=slug).first()
    if vendor is None:
        raise Http404
    return vendor


def vendors_public() -> QuerySet[Vendor]:
    return Vendor.objects.filter(status=VendorStatus.ACTIVE).select_related("county").order_by("name", "id")


def vendor_get_public(*, slug: str) -> Vendor:
    vendor = vendors_public().filter(slug=slug).first()
    if vendor is None:
        raise Http404
    return vendor


def applications_visible_to(*, user: User) -> QuerySet[VendorApplication]:
    """Applicants see their own (and what they submitted for others); bureau staff see those of their area."""
    base = VendorApplication.objects.select_related(
        "county", "applicant", "submitted_by", "vendor"
    ).prefetch_related(Prefetch("steps", queryset=ApplicationStep.objects.select_related("actor")))
    if is_bureau(user):
        scope = user_region_scope(user=user)
        return base if scope is None else base.filter(county_id__in=sorted(scope))
    return base.filter(Q(applicant=user) | Q(submitted_by=user))


def application_get_for_user(*, user: User, application_id: int) -> VendorApplication:
    application = applications_visible_to(user=user).filter(pk=application_id).first()
    if application is None:
        raise Http404
    return application


def qualifications_expiring(*, days: int = 30, user: User | None = None) -> QuerySet[Qualification]:
    """Qualifications in force that expire within ``days``; limited to the area of a scoped bureau ``user``."""
    today = timezone.localdate()
    qualifications = Qualification.objects.all()
    if user is not None:
        qualifications = qualifications.filter(vendor__in=vendors_for_bureau(user=user))
    return (
        qualifications.filter(
            revoked_at__isnull=True, expires_on__gte=today, expires_on__lte=today + timedelta(days=days)
        )
        .select_related("vendor")
        .order_by("expires_on", "id")
    )


def vendor_has_qualification(*, vendor: Vendor, kind: str) -> bool:
    """Whether a qualification of ``kind`` is in force today (catalog asks this before listing a product)."""
    return Qualification.objects.filter(
        vendor=vendor, kind=kind, revoked_at__isnull=True, expires_on__gte=timezone.localdate()
    ).exists()


def invitations_pending_for(*, user: User) -> QuerySet[StaffInvitation]:
    return (
        StaffInvitation.objects.filter(user=user, status=InvitationStatus.PENDING)
        .select_related("vendor", "invited_by")
        .order_by("-created_at", "-id")
    )
