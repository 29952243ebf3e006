"""The double-entry ledger: every money movement is one journal entry whose postings add up to zero,
posted in the same transaction as the business change that moves the money.

    payment captured     clearing −A;            each order's shop pending +total
    refund executed      shop pending −r;        refunds +r
    settlement           shop pending −(G−R−A);  commission +C;  shop available +(G−R−A−C)
    payout created       shop available −p;      shop in payout +p
    payout paid          shop in payout −p;      shop paid out +p
    payout failed        shop in payout −p;      shop available +p
    adjustment           adjustments −x;         shop available +x

Entries are never changed: a mistake is corrected by another entry. Each entry has an idempotency key
(``payment:<id>``, ``refund:<id>`` …): posting the same key again returns the first entry and writes
nothing, so a task that runs twice moves the money once. Balances are sums of postings, never stored;
``ledger_reconcile`` compares the ledger with the figures kept on payouts and statements.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum

from gansu_mall.core.money import to_money
from orders.models import Order, Payment, Refund
from orders.settlement.models import (
    SHOP_ACCOUNT_KINDS,
    AccountKind,
    EntryKind,
    JournalEntry,
    LedgerAccount,
    Payout,
    PayoutStatus,
    Posting,
)

logger = logging.getLogger(__name__)
ZERO = Decimal("0.00")


class LedgerUnbalanced(ValueError):
    """A journal entry whose postings do not add up to zero (a programming error, never a user's)."""


def account_get(*, kind: str, vendor_id: int | None = None) -> LedgerAccount:
    """The account of ``kind`` (of the shop, for a shop's kinds), created the first time it is needed."""
    shop_kind = kind in SHOP_ACCOUNT_KINDS
    if shop_kind != (vendor_id is not None):
        raise ValueError(f"account kind {kind!r} {'needs' if shop_kind else 'takes no'} shop")
    owner: dict[str, object] = {"vendor_id": vendor_id} if vendor_id is not None else {"vendor__isnull": True}
    account = LedgerAccount.objects.filter(kind=kind, **owner).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return LedgerAccount.objects.create(kind=kind, vendor_id=vendor_id)
    except IntegrityError:  # created meanwhile by another transaction
        return LedgerAccount.objects.get(kind=kind, **owner)


@dataclass
class Legs:
    """The postings of an entry being built: (kind, shop) → amount."""

    amounts: dict[tuple[str, int | None], Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))

    def add(self, kind: str, amount: Decimal, vendor_id: int | None = None) -> Legs:
        self.amounts[(kind, vendor_id)] += to_money(amount)
        return self

    def total(self) -> Decimal:
        return sum(self.amounts.values(), ZERO)


def ledger_post(*, kind: str, reference: str, key: str, legs: Legs, memo: str = "") -> JournalEntry | None:
    """Post one balanced entry (inside the caller's transaction). Returns the entry — the one posted
    earlier under the same key, if any — or None when every leg is zero (nothing moved)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger_post runs inside the transaction of the business change")
    if legs.total() != ZERO:
        raise LedgerUnbalanced(f"entry {key} does not balance: {legs.total()}")
    existing = JournalEntry.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    moves = [(k, v, amount) for (k, v), amount in sorted(legs.amounts.items(), key=str) if amount != ZERO]
    if not moves:
        return None
    entry = JournalEntry.objects.create(
        kind=kind, reference=reference[:64], idempotency_key=key, memo=memo[:200]
    )
    Posting.objects.bulk_create(
        [
            Posting(entry=entry, account=account_get(kind=k, vendor_id=v), amount=amount)
            for k, v, amount in moves
        ]
    )
    return entry


# --- The business changes' entries ----------------------------------------------------------------


def ledger_post_payment(*, payment: Payment, orders: Iterable[Order]) -> JournalEntry | None:
    """The gateway captured ``payment``: each order's total becomes its shop's pending payable. Should the
    orders not add up to the amount captured (a payment paid after its orders were cancelled), the
    difference is posted to adjustments and logged."""
    legs = Legs().add(AccountKind.CLEARING, -payment.amount)
    for order in orders:
        legs.add(AccountKind.SHOP_PENDING, order.total, order.vendor_id)
    difference = -legs.total()
    if difference != ZERO:
        logger.error("payment %s: orders differ from the captured amount by %s", payment.number, difference)
        legs.add(AccountKind.ADJUSTMENTS, difference)
    return ledger_post(
        kind=EntryKind.PAYMENT, reference=payment.number, key=f"payment:{payment.pk}", legs=legs
    )


def ledger_post_refund(*, refund: Refund) -> JournalEntry | None:
    """The money of ``refund`` went back to the buyer: it leaves the shop's pending payable (which may go
    negative when the order was settled already: the next statement carries it as an adjustment). The
    order's row is locked so that a settlement of the order runs entirely before or after."""
    order = Order.objects.select_for_update(of=("self",)).only("pk", "vendor_id").get(pk=refund.order_id)
    legs = (
        Legs()
        .add(AccountKind.SHOP_PENDING, -refund.amount, order.vendor_id)
        .add(AccountKind.REFUNDS, refund.amount)
    )
    return ledger_post(kind=EntryKind.REFUND, reference=refund.number, key=f"refund:{refund.pk}", legs=legs)


def ledger_adjust(*, vendor_id: int, amount: Decimal, key: str, memo: str) -> JournalEntry | None:
    """A correction by platform staff: ``amount`` (either sign) to the shop's available payable."""
    with transaction.atomic():
        legs = Legs().add(AccountKind.ADJUSTMENTS, -amount).add(AccountKind.SHOP_AVAILABLE, amount, vendor_id)
        return ledger_post(kind=EntryKind.ADJUSTMENT, reference=str(vendor_id), key=key, legs=legs, memo=memo)


# --- Reads and checks -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Balance:
    pending: Decimal
    available: Decimal
    in_payout: Decimal
    paid_out: Decimal


def vendor_balance(*, vendor_id: int) -> Balance:
    """The shop's payable, from its postings (one query)."""
    sums = dict(
        Posting.objects.filter(account__vendor_id=vendor_id)
        .order_by()
        .values("account__kind")
        .annotate(total=Sum("amount"))
        .values_list("account__kind", "total")
    )
    return Balance(
        pending=to_money(sums.get(AccountKind.SHOP_PENDING, ZERO)),
        available=to_money(sums.get(AccountKind.SHOP_AVAILABLE, ZERO)),
        in_payout=to_money(sums.get(AccountKind.SHOP_PAYOUT, ZERO)),
        paid_out=to_money(sums.get(AccountKind.SHOP_PAID_OUT, ZERO)),
    )


def account_balances() -> dict[tuple[str, int | None], Decimal]:
    """Every account's balance: (kind, shop) → amount."""
    rows = (
        Posting.objects.order_by()
        .values("account__kind", "account__vendor_id")
        .annotate(total=Sum("amount"))
        .values_list("account__kind", "account__vendor_id", "total")
    )
    return {(kind, vendor): to_money(total) for kind, vendor, total in rows}


def unbalanced_entries() -> list[int]:
    """Entries whose postings do not add up to zero, or that have fewer than two (there should be none)."""
    return list(
        JournalEntry.objects.order_by("pk")
        .annotate(total=Sum("postings__amount"), n=Count("postings"))
        .filter(~Q(total=0) | Q(total__isnull=True) | Q(n__lt=2))
        .values_list("pk", flat=True)
    )


@dataclass(frozen=True)
class Discrepancy:
    vendor_id: int | None
    what: str
    ledger: Decimal
    expected: Decimal


def ledger_reconcile() -> list[Discrepancy]:
    """Compare the ledger with the figures kept elsewhere: each entry balances; each shop's "in payout"
    equals its open payouts and "paid out" its paid payouts. Differences are logged as errors and returned,
    never corrected silently (a periodic task runs this after the daily settlement)."""
    found = [Discrepancy(None, f"entry {pk} unbalanced", ZERO, ZERO) for pk in unbalanced_entries()]
    balances = account_balances()
    open_statuses = [PayoutStatus.PENDING, PayoutStatus.HELD, PayoutStatus.EXPORTED]
    payouts = (
        Payout.objects.order_by()
        .values("vendor_id")
        .annotate(
            open=Sum("amount", filter=Q(status__in=open_statuses)),
            paid=Sum("amount", filter=Q(status=PayoutStatus.PAID)),
        )
    )
    expected: dict[tuple[str, int | None], Decimal] = {}
    for row in payouts:
        expected[(AccountKind.SHOP_PAYOUT, row["vendor_id"])] = to_money(row["open"] or ZERO)
        expected[(AccountKind.SHOP_PAID_OUT, row["vendor_id"])] = to_money(row["paid"] or ZERO)
    for key in sorted(
        set(expected) | {k for k in balances if k[0] in (AccountKind.SHOP_PAYOUT, AccountKind.SHOP_PAID_OUT)},
        key=str,
    ):
        ledger, wanted = balances.get(key, ZERO), expected.get(key, ZERO)
        if ledger != wanted:
            found.append(Discrepancy(key[1], key[0], ledger, wanted))
    for d in found:
        logger.error("ledger discrepancy: %s", d)
    return found
