"""Payouts: the money of a shop's available payable sent to its bank account.

    pending → exported (in a bank-transfer batch file, CSV) → paid | failed (the money back to available)
    pending ⇄ held, while the shop's legal identity is on the credit black list (checked when the payout is
        opened, again when it is exported, and daily by ``payouts_release_held``)

Each change moves the money in the ledger in the same transaction (see ``orders.settlement.ledger``) and
writes a ``PayoutEvent``. The bank details are copied onto the payout when it is exported.
"""

from __future__ import annotations

import csv
import io
import logging
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from credit.selectors import ListStatus, subject_blacklist_status
from gansu_mall.accounts.models import User
from gansu_mall.core.errors import ApplicationError, ErrorCode
from gansu_mall.core.money import format_money
from gansu_mall.notifications.services import notify
from orders.errors import OrderErrorCode
from orders.settlement.ledger import Legs, ledger_post
from orders.settlement.models import (
    AccountKind,
    EntryKind,
    Payout,
    PayoutBatch,
    PayoutEvent,
    PayoutStatus,
    Settlement,
    SettlementStatus,
)
from vendors.models import PayoutAccount, StaffRole, Vendor, VendorMembership

logger = logging.getLogger(__name__)
P = PayoutStatus
TRANSITIONS: dict[str, set[str]] = {
    P.PENDING: {P.EXPORTED, P.HELD},
    P.HELD: {P.PENDING},
    P.EXPORTED: {P.PAID, P.FAILED},
    P.PAID: set(),
    P.FAILED: set(),
}
STATEMENT_STATUS: dict[str, str] = {
    P.PENDING: SettlementStatus.PAYOUT_PENDING,
    P.HELD: SettlementStatus.PAYOUT_HELD,
    P.EXPORTED: SettlementStatus.PAYOUT_EXPORTED,
    P.PAID: SettlementStatus.PAID,
    P.FAILED: SettlementStatus.PAYOUT_FAILED,
}
CSV_HEADER = [
    "payout_number",
    "shop",
    "bank",
    "account_holder",
    "account_number",
    "amount",
    "currency",
    "memo",
]


def _number(prefix: str) -> str:
    return f"{prefix}{timezone.localdate():%Y%m%d}{secrets.randbelow(10**10):010d}"


def vendor_blacklist_status(vendor: Vendor) -> ListStatus:
    """The credit registry's answer for the shop's legal identity (USCC, else the ID number)."""
    return subject_blacklist_status(subject_code=vendor.uscc or vendor.id_number)


def notify_shop_staff(vendor: Vendor, kind: str, params: dict[str, object], link: str) -> None:
    """Tell the shop's owner and managers (in-app, and by email where they have one)."""
    staff = VendorMembership.objects.filter(
        vendor=vendor, role__in=[StaffRole.OWNER, StaffRole.MANAGER]
    ).select_related("user")
    for membership in staff:
        notify(user=membership.user, kind=kind, params={"shop": vendor.name, **params}, link=link)


def _transition(payout: Payout, to: str, actor: User | None, note: str = "") -> None:
    current = payout.status
    if to not in TRANSITIONS[current]:
        raise ApplicationError(
            code=OrderErrorCode.INVALID_TRANSITION,
            message=_("A payout that is “%(current)s” cannot become “%(to)s”.")
            % {"current": PayoutStatus(current).label, "to": PayoutStatus(to).label},
            extra={"status": current},
        )
    payout.status = to
    payout.save(update_fields=["status", "updated_at"])
    PayoutEvent.objects.create(payout=payout, from_status=current, to_status=to, actor=actor, note=note[:500])
    if payout.settlement_id is not None:
        Settlement.objects.filter(pk=payout.settlement_id).update(
            status=STATEMENT_STATUS[to], updated_at=timezone.now()
        )


def _link(payout: Payout) -> str:
    return f"/seller/{payout.vendor.slug}/settlement/"


def payout_open(*, vendor: Vendor, amount: object, settlement: Settlement | None = None) -> Payout:
    """A payout of ``amount`` from the shop's available payable (inside the caller's transaction, under the
    shop's lock); held at once when the shop is black-listed."""
    payout = Payout.objects.create(
        number=_number("P"), vendor=vendor, settlement=settlement, amount=amount, status=P.PENDING
    )
    legs = (
        Legs()
        .add(AccountKind.SHOP_AVAILABLE, -payout.amount, vendor.pk)
        .add(AccountKind.SHOP_PAYOUT, payout.amount, vendor.pk)
    )
    ledger_post(kind=EntryKind.PAYOUT, reference=payout.number, key=f"payout:{payout.pk}:open", legs=legs)
    PayoutEvent.objects.create(payout=payout, to_status=P.PENDING)
    if settlement is not None:
        Settlement.objects.filter(pk=settlement.pk).update(status=SettlementStatus.PAYOUT_PENDING)
    listed = vendor_blacklist_status(vendor)
    if listed.listed:
        _transition(payout, P.HELD, None, "; ".join(listed.reasons) or gettext_noop("credit black list"))
        notify_shop_staff(
            vendor,
            "payout_held",
            {"number": payout.number, "amount": format_money(payout.amount)},
            _link(payout),
        )
    return payout


def _locked(payout_id: int) -> Payout:
    return Payout.objects.select_for_update(of=("self",)).select_related("vendor").get(pk=payout_id)


def payouts_export(*, actor: User, payout_ids: list[int] | None = None) -> PayoutBatch | None:
    """Put the pending payouts (all, or those of ``payout_ids``) in one bank-transfer batch. A shop found
    black-listed now is held instead; a shop without a bank account stays pending (noted). None when no
    payout could be exported."""
    with transaction.atomic():
        candidates = (
            Payout.objects.select_for_update(of=("self",)).select_related("vendor").filter(status=P.PENDING)
        )
        if payout_ids is not None:
            candidates = candidates.filter(pk__in=sorted(payout_ids))
        payouts = list(candidates.order_by("pk"))
        accounts = {
            a.vendor_id: a
            for a in PayoutAccount.objects.filter(vendor_id__in=sorted({p.vendor_id for p in payouts}))
        }
        ready: list[tuple[Payout, PayoutAccount]] = []
        for payout in payouts:
            listed = vendor_blacklist_status(payout.vendor)
            if listed.listed:
                _transition(
                    payout, P.HELD, actor, "; ".join(listed.reasons) or gettext_noop("credit black list")
                )
                continue
            account = accounts.get(payout.vendor_id)
            if account is None:
                payout.note = gettext_noop("The shop has no bank account yet.")
                payout.save(update_fields=["note", "updated_at"])
                continue
            ready.append((payout, account))
        if not ready:
            return None
        batch = PayoutBatch.objects.create(
            number=_number("B"),
            created_by=actor,
            total=sum((p.amount for p, _a in ready), Decimal("0.00")),
            count=len(ready),
        )
        now = timezone.now()
        for payout, account in ready:
            payout.batch = batch
            payout.bank_name, payout.holder = account.bank_name, account.holder
            payout.account_number, payout.account_last4 = account.number, account.last4
            payout.exported_at, payout.note = now, ""
            payout.save(
                update_fields=[
                    "batch",
                    "bank_name",
                    "holder",
                    "account_number",
                    "account_last4",
                    "exported_at",
                    "note",
                    "updated_at",
                ]
            )
            _transition(payout, P.EXPORTED, actor, batch.number)
    return batch


def payout_batch_csv(*, batch: PayoutBatch) -> str:
    """The bank-transfer file of a batch: one row per payout, full account numbers (bureau staff only)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for payout in batch.payouts.select_related("vendor").order_by("pk"):
        writer.writerow(
            [
                payout.number,
                payout.vendor.legal_name or payout.vendor.name,
                payout.bank_name,
                payout.holder,
                payout.account_number,
                format_money(payout.amount),
                "CNY",
                f"甘肃馆结算 {payout.number}",
            ]
        )
    return out.getvalue()


def payout_mark_paid(*, payout: Payout, actor: User, note: str = "") -> Payout:
    """The bank confirmed the transfer: the money is paid out."""
    with transaction.atomic():
        payout = _locked(payout.pk)
        _transition(payout, P.PAID, actor, note)
        payout.decided_at, payout.decided_by = timezone.now(), actor
        payout.save(update_fields=["decided_at", "decided_by", "updated_at"])
        legs = (
            Legs()
            .add(AccountKind.SHOP_PAYOUT, -payout.amount, payout.vendor_id)
            .add(AccountKind.SHOP_PAID_OUT, payout.amount, payout.vendor_id)
        )
        ledger_post(
            kind=EntryKind.PAYOUT_PAID, reference=payout.number, key=f"payout:{payout.pk}:paid", legs=legs
        )
        notify_shop_staff(
            payout.vendor,
            "payout_paid",
            {"number": payout.number, "amount": format_money(payout.amount)},
            _link(payout),
        )
    return payout


def payout_mark_failed(*, payout: Payout, actor: User, reason: str) -> Payout:
    """The bank returned the transfer: the money goes back to the shop's available payable (paid out with
    the next payout)."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            code=ErrorCode.VALIDATION_ERROR,
            message=_("The request is not valid; see the fields."),
            fields={"reason": [_("Say why the transfer failed.")]},
        )
    with transaction.atomic():
        payout = _locked(payout.pk)
        _transition(payout, P.FAILED, actor, reason)
        payout.decided_at, payout.decided_by, payout.note = timezone.now(), actor, reason[:500]
        payout.save(update_fields=["decided_at", "decided_by", "note", "updated_at"])
        legs = (
            Legs()
            .add(AccountKind.SHOP_PAYOUT, -payout.amount, payout.vendor_id)
            .add(AccountKind.SHOP_AVAILABLE, payout.amount, payout.vendor_id)
        )
        ledger_post(
            kind=EntryKind.PAYOUT_FAILED, reference=payout.number, key=f"payout:{payout.pk}:failed", legs=legs
        )
        notify_shop_staff(
            payout.vendor,
            "payout_failed",
            {"number": payout.number, "amount": format_money(payout.amount), "reason": reason},
            _link(payout),
        )
    return payout


@dataclass(frozen=True)
class ReleaseReport:
    released: int
    still_held: int


def payouts_release_held() -> ReleaseReport:
    """Held payouts of shops no longer on the black list go back to pending (daily, after settlement)."""
    released = held = 0
    for payout_id in list(Payout.objects.filter(status=P.HELD).order_by("pk").values_list("pk", flat=True)):
        with transaction.atomic():
            payout = _locked(payout_id)
            if payout.status != P.HELD:
                continue
            if vendor_blacklist_status(payout.vendor).listed:
                held += 1
                continue
            _transition(payout, P.PENDING, None, gettext_noop("no longer on the credit black list"))
            released += 1
    return ReleaseReport(released=released, still_held=held)
