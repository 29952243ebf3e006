"""Reads of settlement, scoped to the caller (outside the scope: Http404, never 403).

Shop owners and managers see their shops' statements, balance and payouts; bureau staff those of the shops
in their area; the payouts desk (export, confirm) is for province-wide bureau staff and platform admins.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from gansu_mall.accounts.models import Role, User
from orders.settlement.models import (
    Payout,
    PayoutBatch,
    PayoutStatus,
    SettledRefund,
    Settlement,
    SettlementLine,
)
from vendors.models import StaffRole, Vendor, VendorMembership
from vendors.selectors import is_bureau, is_provincial_bureau, vendors_for_bureau

MONEY_ROLES = (StaffRole.OWNER, StaffRole.MANAGER)


def can_run_payouts(user: User) -> bool:
    return user.is_authenticated and (user.has_role(Role.ADMIN) or is_provincial_bureau(user))


def vendor_for_settlement(*, user: User, slug: str) -> Vendor:
    """The shop, when the caller is its owner or manager, or bureau staff of its area; Http404 otherwise."""
    if not user.is_authenticated:
        raise Http404
    vendor = Vendor.objects.select_related("county").filter(slug=slug).first()
    if vendor is None:
        raise Http404
    if VendorMembership.objects.filter(vendor=vendor, user=user, role__in=MONEY_ROLES).exists():
        return vendor
    if is_bureau(user) and vendors_for_bureau(user=user).filter(pk=vendor.pk).exists():
        return vendor
    raise Http404


def settlements_visible_to(*, user: User) -> QuerySet[Settlement]:
    statements = Settlement.objects.select_related("vendor").order_by("-period_end", "-id")
    if not user.is_authenticated:
        return statements.none()
    if is_bureau(user):
        return statements.filter(vendor__in=vendors_for_bureau(user=user))
    shops = VendorMembership.objects.filter(user=user, role__in=MONEY_ROLES).values("vendor_id")
    return statements.filter(vendor_id__in=shops)


def settlements_of_shop(*, user: User, slug: str) -> tuple[Vendor, QuerySet[Settlement]]:
    vendor = vendor_for_settlement(user=user, slug=slug)
    return vendor, Settlement.objects.filter(vendor=vendor).select_related("vendor").order_by(
        "-period_end", "-id"
    )


def settlement_get_for_user(*, user: User, settlement_id: int, slug: str | None = None) -> Settlement:
    statement = settlements_visible_to(user=user).select_related("payout").filter(pk=settlement_id).first()
    if statement is None or (slug is not None and statement.vendor.slug != slug):
        raise Http404
    return statement


def settlement_lines(*, settlement: Settlement) -> QuerySet[SettlementLine]:
    return settlement.lines.select_related("order").order_by("order__completed_at", "order_id")


def adjustments_of(*, settlement: Settlement) -> QuerySet[SettledRefund]:
    return (
        settlement.settled_refunds.filter(adjustment=True)
        .select_related("refund__order")
        .order_by("refund_id")
    )


def payouts_of_shop(*, vendor: Vendor) -> QuerySet[Payout]:
    return Payout.objects.filter(vendor=vendor).select_related("settlement").order_by("-created_at", "-id")


def payouts_for_desk(*, user: User, status: str | None = None) -> QuerySet[Payout]:
    if not can_run_payouts(user):
        return Payout.objects.none()
    payouts = Payout.objects.select_related("vendor", "settlement", "batch").order_by("created_at", "id")
    if status in PayoutStatus.values:
        payouts = payouts.filter(status=status)
    return payouts


def payout_get_for_desk(*, user: User, payout_id: int) -> Payout:
    payout = payouts_for_desk(user=user).filter(pk=payout_id).first()
    if payout is None:
        raise Http404
    return payout


def batch_get_for_desk(*, user: User, batch_id: int) -> PayoutBatch:
    if not can_run_payouts(user):
        raise Http404
    batch = PayoutBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        raise Http404
    return batch


def batches_for_desk(*, user: User) -> QuerySet[PayoutBatch]:
    if not can_run_payouts(user):
        return PayoutBatch.objects.none()
    return PayoutBatch.objects.select_related("created_by").order_by("-created_at", "-id")
