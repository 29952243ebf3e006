"""Property-based tests of the ledger (hypothesis): whatever the sequence of payments, refunds, settlement
runs, exports and the bank's answers, every journal entry balances, nothing is counted twice, and once
everything is settled and paid out, payouts + commission + refunds = everything captured (less what shops
still owe when refunds after settlement exceeded what they had)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.models import Category
from orders.models import Refund
from orders.settlement.ledger import (
    ZERO,
    account_balances,
    ledger_reconcile,
    unbalanced_entries,
)
from orders.settlement.models import (
    AccountKind,
    CommissionRate,
    Payout,
    PayoutStatus,
    SettledRefund,
    Settlement,
    SettlementLine,
)
from orders.settlement.payouts import payout_mark_failed, payout_mark_paid, payouts_export
from orders.settlement.settlement import settlement_run
from orders.tests.helpers import ledger_order, refunded

pytestmark = pytest.mark.django_db
CENT = Decimal("0.01")

orders_strategy = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=1),  # which shop
        st.integers(min_value=1, max_value=200_000),  # items, in fen
        st.integers(min_value=0, max_value=2_000),  # shipping, in fen
        st.integers(min_value=0, max_value=20),  # completed this many days ago
    ),
    min_size=1,
    max_size=6,
)
operations_strategy = st.lists(
    st.one_of(
        st.tuples(st.just("refund"), st.integers(0, 5), st.integers(1, 250_000)),
        st.tuples(st.just("settle"), st.integers(-5, 30)),
        st.tuples(st.just("payouts"), st.lists(st.booleans(), max_size=6)),
    ),
    max_size=12,
)


def _decide_all(bureau, answers: list[bool]) -> None:
    payouts_export(actor=bureau)
    for i, payout in enumerate(Payout.objects.filter(status=PayoutStatus.EXPORTED).order_by("pk")):
        if answers and not answers[i % len(answers)]:
            payout_mark_failed(payout=payout, actor=bureau, reason="bounced")
        else:
            payout_mark_paid(payout=payout, actor=bureau)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(orders=orders_strategy, operations=operations_strategy)
def test_any_sequence_keeps_the_ledger_balanced_and_adds_up(
    orders, operations, buyer, bureau, walnuts, lilies, walnut_shop, lily_shop
):
    from vendors.models import PayoutAccount

    with transaction.atomic():
        CommissionRate.objects.create(category=Category.objects.get(slug="nuts"), rate=Decimal("0.0650"))
        for shop in (walnut_shop, lily_shop):
            PayoutAccount.objects.update_or_create(
                vendor=shop,
                defaults={
                    "bank_name": "b",
                    "holder": "h",
                    "number": "6222",
                    "last4": "6222",
                    "updated_by": bureau,
                },
            )
        shops = [(walnut_shop, walnuts), (lily_shop, lilies)]
        made = [
            ledger_order(
                f"O{i}", buyer, shops[s][0], shops[s][1], Decimal(items) * CENT, Decimal(ship) * CENT, days
            )
            for i, (s, items, ship, days) in enumerate(orders)
        ]
        captured = sum((o.total for o in made), ZERO)
        refund_count = 0
        for op in operations:
            if op[0] == "refund":
                order = made[op[1] % len(made)]
                left = order.total - sum(r.amount for r in Refund.objects.filter(order=order))
                amount = min(Decimal(op[2]) * CENT, left)
                if amount > 0:
                    refund_count += 1
                    refunded(order, str(amount), number=f"R{refund_count}")
            elif op[0] == "settle":
                before = list(SettlementLine.objects.values_list("order_id", flat=True))
                settlement_run(as_of=timezone.localdate() + timedelta(days=op[1]))
                after = list(SettlementLine.objects.values_list("order_id", flat=True))
                assert len(after) == len(set(after))  # no order settled twice
                assert set(before) <= set(after)
            else:
                _decide_all(bureau, op[1])
            assert unbalanced_entries() == []
        # Everything settled (the far future: every order and refund is past its hold) and paid out.
        settlement_run(as_of=timezone.localdate() + timedelta(days=60))
        for _round in range(3):
            _decide_all(bureau, [])
            settlement_run(as_of=timezone.localdate() + timedelta(days=60))  # sweeps failed money again
        _decide_all(bureau, [])
        balances = account_balances()
        refunds_total = sum((r.amount for r in Refund.objects.all()), ZERO)
        commission = balances.get((AccountKind.COMMISSION, None), ZERO)
        paid_out = sum((v for (k, _v), v in balances.items() if k == AccountKind.SHOP_PAID_OUT), ZERO)
        debt = -sum(
            (min(v, ZERO) for (k, _v), v in balances.items() if k == AccountKind.SHOP_AVAILABLE), ZERO
        )
        assert balances.get((AccountKind.CLEARING, None), ZERO) == -captured
        assert balances.get((AccountKind.REFUNDS, None), ZERO) == refunds_total
        assert paid_out + commission + refunds_total == captured + debt
        if debt == ZERO:
            assert paid_out + commission + refunds_total == captured
        for (kind, _vendor), value in balances.items():
            if kind in (AccountKind.SHOP_PENDING, AccountKind.SHOP_PAYOUT):
                assert value == ZERO, kind
        assert sum((s.commission for s in Settlement.objects.all()), ZERO) == commission
        assert (
            SettledRefund.objects.count() == Refund.objects.count()
        )  # every refund on exactly one statement
        assert SettlementLine.objects.count() == len(made)
        assert ledger_reconcile() == []
        assert all(p.amount > 0 for p in Payout.objects.all())
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the database's own balance check, now
        transaction.set_rollback(True)
