"""Settlement services: the ledger's entries, commission, statements, payouts, the credit black-list hold."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.utils import DatabaseError, IntegrityError
from django.utils import timezone

from catalog.models import Category
from credit.selectors import ListStatus
from gansu_mall.accounts.tests.factories import UserFactory
from gansu_mall.core.errors import ApplicationError
from gansu_mall.notifications.models import Notification
from gansu_mall.regions.models import Region
from orders.settlement.commission import (
    RateBook,
    commission_rate_set,
    shop_commission_clear,
    shop_commission_set,
)
from orders.settlement.ledger import (
    LedgerUnbalanced,
    Legs,
    account_balances,
    ledger_post,
    ledger_reconcile,
    unbalanced_entries,
    vendor_balance,
)
from orders.settlement.models import (
    AccountKind,
    CommissionRate,
    JournalEntry,
    Payout,
    PayoutBatch,
    Posting,
    SettledRefund,
    Settlement,
    SettlementLine,
)
from orders.settlement.payouts import (
    payout_batch_csv,
    payout_mark_failed,
    payout_mark_paid,
    payouts_export,
    payouts_release_held,
)
from orders.settlement.settlement import settlement_create_for_shop, settlement_run
from orders.tests.helpers import completed_order, days_ago, paid_order, refunded
from vendors.models import PayoutAccount

pytestmark = pytest.mark.django_db
D = Decimal


def counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (Settlement, SettlementLine, SettledRefund, JournalEntry, Posting, Payout, Notification)
    )


@pytest.fixture
def nuts_rate(db):
    return CommissionRate.objects.create(category=Category.objects.get(slug="nuts"), rate=D("0.06"))


@pytest.fixture
def settled(buyer, walnuts, walnut_owner, nuts_rate):
    """Two orders of the walnut shop past the hold (one partly refunded before settlement) and one not yet,
    settled today."""
    first = completed_order(buyer, walnuts, walnut_owner, quantity=2, key="a", completed_at=days_ago(9))
    second = completed_order(buyer, walnuts, walnut_owner, key="b", completed_at=days_ago(8))
    refunded(second, "20.00", number="R-early")
    recent = completed_order(buyer, walnuts, walnut_owner, key="c", completed_at=days_ago(3))
    report = settlement_run(as_of=timezone.localdate())
    return {"first": first, "second": second, "recent": recent, "report": report}


def test_a_payment_and_a_refund_post_one_balanced_entry_each(buyer, walnuts, walnut_shop):
    order = paid_order(buyer, walnuts, quantity=2, key="p")
    entry = JournalEntry.objects.get(kind="payment")
    assert (entry.reference, entry.idempotency_key) == (order.payment.number, f"payment:{order.payment_id}")
    assert sorted((p.account.kind, p.account.vendor_id, p.amount) for p in entry.postings.all()) == [
        ("clearing", None, D("-89.80")),
        ("shop_pending", walnut_shop.pk, D("89.80")),
    ]
    refund = refunded(order, "30.00", number="R-1")
    assert sorted(
        (p.account.kind, p.amount)
        for p in Posting.objects.filter(entry__idempotency_key=f"refund:{refund.pk}")
    ) == [("refunds", D("30.00")), ("shop_pending", D("-30.00"))]
    assert vendor_balance(vendor_id=walnut_shop.pk).pending == D("59.80")
    assert unbalanced_entries() == []


def test_posting_the_same_key_twice_moves_the_money_once_and_unbalanced_legs_are_refused(walnut_shop):
    legs = (
        Legs().add(AccountKind.ADJUSTMENTS, D("-5")).add(AccountKind.SHOP_AVAILABLE, D("5"), walnut_shop.pk)
    )
    with transaction.atomic():
        first = ledger_post(kind="adjustment", reference="x", key="adj:1", legs=legs)
        again = ledger_post(kind="adjustment", reference="x", key="adj:1", legs=legs)
    assert first == again
    assert Posting.objects.count() == 2
    bad = (
        Legs()
        .add(AccountKind.ADJUSTMENTS, D("-5"))
        .add(AccountKind.SHOP_AVAILABLE, D("4.99"), walnut_shop.pk)
    )
    with pytest.raises(LedgerUnbalanced), transaction.atomic():
        ledger_post(kind="adjustment", reference="x", key="adj:2", legs=bad)
    assert JournalEntry.objects.count() == 1


def test_settlement_of_a_period_with_exact_figures(settled, walnut_shop, walnut_owner):
    statement = Settlement.objects.get()
    today = timezone.localdate()
    # first: 79.80 of walnuts × 6 % = 4.788 → 4.79; second: 39.90 × 6 % = 2.394 → 2.39, of which the kept
    # share (49.90 − 20.00) / 49.90 is charged: 1.432… → 1.43.
    assert (
        statement.period_start,
        statement.period_end,
        statement.orders_count,
        statement.gross,
        statement.commission,
        statement.refunds,
        statement.adjustments,
        statement.net,
        statement.status,
    ) == (
        today - timedelta(days=9),
        today - timedelta(days=7),
        2,
        D("139.70"),
        D("6.22"),
        D("20.00"),
        D("0.00"),
        D("113.48"),
        "payout_pending",
    )
    lines = {line.order_id: line for line in statement.lines.all()}
    assert set(lines) == {settled["first"].pk, settled["second"].pk}
    first = lines[settled["first"].pk]
    assert (first.gross, first.refunds, first.commission, first.net) == (D("89.80"), 0, D("4.79"), D("85.01"))
    assert first.commission_detail == [
        {"item": settled["first"].items.get().pk, "rate": "0.0600", "base": "79.80", "commission": "4.79"}
    ]
    second = lines[settled["second"].pk]
    assert (second.gross, second.refunds, second.commission, second.net) == (
        D("49.90"),
        D("20.00"),
        D("1.43"),
        D("28.47"),
    )
    payout = Payout.objects.get()
    assert (payout.settlement_id, payout.amount, payout.status) == (statement.pk, D("113.48"), "pending")
    balance = vendor_balance(vendor_id=walnut_shop.pk)
    # pending: the recent order (49.90) waits for its hold to pass
    assert (balance.pending, balance.available, balance.in_payout, balance.paid_out) == (
        D("49.90"),
        D("0.00"),
        D("113.48"),
        D("0.00"),
    )
    assert account_balances()[(AccountKind.COMMISSION, None)] == D("6.22")
    assert list(
        Notification.objects.filter(kind="settlement_issued").values_list("user__username", "params__net")
    ) == [(walnut_owner.username, "113.48")]
    assert ledger_reconcile() == []


def test_running_twice_for_the_same_period_changes_nothing(settled, walnut_shop):
    before = counts()
    balances = account_balances()
    again = settlement_run(as_of=timezone.localdate())
    assert (again.statements, again.skipped, again.swept_payouts) == ([], 0, 0)
    call_command("run_settlement", "--as-of", timezone.localdate().isoformat())
    assert (
        settlement_create_for_shop(vendor_id=walnut_shop.pk, period_end=settled["report"].period_end) is None
    )
    assert counts() == before
    assert account_balances() == balances
    # an earlier as-of (a period already covered) changes nothing either
    settlement_run(as_of=timezone.localdate() - timedelta(days=1))
    assert counts() == before


def test_a_refund_after_settlement_is_a_negative_adjustment_of_the_next_period(settled, walnut_shop):
    late = refunded(settled["first"], "10.00", number="R-late")
    report = settlement_run(as_of=timezone.localdate() + timedelta(days=8))
    statement = Settlement.objects.get(pk=report.statements[0])
    today = timezone.localdate()
    # the recent order: 39.90 × 6 % = 2.39; the late refund of the first order: −10.00
    assert (
        statement.period_start,
        statement.period_end,
        statement.orders_count,
        statement.gross,
        statement.commission,
        statement.refunds,
        statement.adjustments,
        statement.net,
    ) == (
        today - timedelta(days=6),
        today + timedelta(days=1),
        1,
        D("49.90"),
        D("2.39"),
        D("0"),
        D("-10.00"),
        D("37.51"),
    )
    assert SettledRefund.objects.get(refund=late).adjustment is True
    assert SettledRefund.objects.get(refund__number="R-early").adjustment is False
    assert Payout.objects.get(settlement=statement).amount == D("37.51")
    balance = vendor_balance(vendor_id=walnut_shop.pk)
    assert (balance.pending, balance.available, balance.in_payout) == (D("0.00"), D("0.00"), D("150.99"))


def test_a_shop_whose_refunds_exceed_its_sales_carries_the_debt_without_a_payout(settled, walnut_shop):
    refunded(settled["first"], "60.00", number="R-big")
    report = settlement_run(as_of=timezone.localdate() + timedelta(days=7))
    statement = Settlement.objects.get(pk=report.statements[0])
    # the recent order 49.90 − 2.39 commission, and the refund of a settled order: −60.00
    assert (
        statement.orders_count,
        statement.gross,
        statement.commission,
        statement.adjustments,
        statement.net,
        statement.status,
    ) == (1, D("49.90"), D("2.39"), D("-60.00"), D("-12.49"), "nothing_to_pay")
    assert not Payout.objects.filter(settlement=statement).exists()
    assert vendor_balance(vendor_id=walnut_shop.pk).available == D("-12.49")
    assert settlement_run(as_of=timezone.localdate() + timedelta(days=7)).swept_payouts == 0


@pytest.fixture
def bank_account(walnut_shop, walnut_owner):
    account, _created = PayoutAccount.objects.update_or_create(
        vendor=walnut_shop,
        defaults={
            "bank_name": "甘肃银行",
            "holder": "成县核桃合作社",
            "number": "6222021234567890123",
            "last4": "0123",
            "updated_by": walnut_owner,
        },
    )
    return account


def test_payouts_are_exported_in_a_batch_then_paid_or_failed(settled, walnut_shop, bank_account, bureau):
    batch = payouts_export(actor=bureau)
    payout = Payout.objects.get()
    assert (payout.status, payout.batch_id, payout.account_number, payout.account_last4) == (
        "exported",
        batch.pk,
        "6222021234567890123",
        "0123",
    )
    assert (batch.count, batch.total) == (1, D("113.48"))
    rows = payout_batch_csv(batch=batch).splitlines()
    assert rows[0] == "payout_number,shop,bank,account_holder,account_number,amount,currency,memo"
    assert rows[1].split(",")[:7] == [
        payout.number,
        walnut_shop.legal_name,
        "甘肃银行",
        "成县核桃合作社",
        "6222021234567890123",
        "113.48",
        "CNY",
    ]
    assert payouts_export(actor=bureau) is None  # nothing pending any more
    with pytest.raises(ApplicationError) as refused:
        payout_mark_failed(payout=payout, actor=bureau, reason="")
    assert refused.value.code == "validation_error"
    payout_mark_paid(payout=payout, actor=bureau, note="bank receipt 88")
    balance = vendor_balance(vendor_id=walnut_shop.pk)
    assert (balance.available, balance.in_payout, balance.paid_out) == (D("0.00"), D("0.00"), D("113.48"))
    assert Settlement.objects.get().status == "paid"
    before = counts()
    with pytest.raises(ApplicationError) as twice:
        payout_mark_paid(payout=payout, actor=bureau)
    assert twice.value.code == "invalid_transition"
    with pytest.raises(ApplicationError):
        payout_mark_failed(payout=payout, actor=bureau, reason="late bounce")
    assert counts() == before
    assert ledger_reconcile() == []


def test_a_failed_payout_returns_the_money_which_the_next_run_pays_out_again(
    settled, walnut_shop, bank_account, bureau
):
    payouts_export(actor=bureau)
    failed = payout_mark_failed(payout=Payout.objects.get(), actor=bureau, reason="账户已销户")
    assert failed.status == "failed"
    assert Settlement.objects.get().status == "payout_failed"
    balance = vendor_balance(vendor_id=walnut_shop.pk)
    assert (balance.available, balance.in_payout, balance.paid_out) == (D("113.48"), D("0.00"), D("0.00"))
    report = settlement_run(as_of=timezone.localdate())  # no new statement, but the money goes out again
    assert (report.statements, report.swept_payouts) == ([], 1)
    again = Payout.objects.get(status="pending")
    assert (again.amount, again.settlement_id) == (D("113.48"), None)
    assert vendor_balance(vendor_id=walnut_shop.pk).in_payout == D("113.48")
    assert ledger_reconcile() == []


def test_payouts_of_a_blacklisted_shop_are_held_until_it_leaves_the_list(
    buyer, walnuts, walnut_owner, walnut_shop, bank_account, bureau
):
    completed_order(buyer, walnuts, walnut_owner, key="a", completed_at=days_ago(8))
    listed = ListStatus(listed=True, reasons=["court_enforcement"])
    with mock.patch("orders.settlement.payouts.subject_blacklist_status", return_value=listed) as lookup:
        settlement_run(as_of=timezone.localdate())
        payout = Payout.objects.get()
        assert (payout.status, Settlement.objects.get().status) == ("held", "payout_held")
        lookup.assert_called_with(subject_code=walnut_shop.uscc)
        assert payouts_export(actor=bureau) is None  # a held payout is not exported
        assert payouts_release_held().released == 0
    assert Payout.objects.get().status == "held"
    assert vendor_balance(vendor_id=walnut_shop.pk).in_payout == payout.amount
    assert Notification.objects.filter(kind="payout_held", user=walnut_owner).count() == 1
    report = payouts_release_held()  # the registry no longer lists the shop
    assert (report.released, report.still_held) == (1, 0)
    assert Payout.objects.get().status == "pending"
    assert payouts_export(actor=bureau) is not None


def test_a_real_black_list_record_holds_the_payout_and_its_revocation_releases_it(
    buyer, walnuts, walnut_owner, walnut_shop, bank_account, bureau, django_capture_on_commit_callbacks
):
    """No mock: a court-enforcement record in the credit registry puts the shop's identity on the black
    list, which holds its payout; revoking the record takes it off and releases the payout."""
    from credit.services import RecordInput, record_create, record_revoke

    completed_order(buyer, walnuts, walnut_owner, key="a", completed_at=days_ago(8))
    court = UserFactory(username="court", roles=["department"], roles__department="甘肃省高级人民法院")
    court.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        record = record_create(
            actor=court,
            data=RecordInput(
                subject_code=walnut_shop.uscc,
                polarity="negative",
                category="court_enforcement",
                severity=3,
                title="拒不履行生效判决",
                occurred_on=timezone.localdate() - timedelta(days=30),
                legal_basis="《民事诉讼法》",
                public=True,
            ),
        )
    settlement_run(as_of=timezone.localdate())
    payout = Payout.objects.get()
    assert (payout.status, Settlement.objects.get().status) == ("held", "payout_held")
    assert payouts_export(actor=bureau) is None
    with django_capture_on_commit_callbacks(execute=True):
        record_revoke(record=record, actor=bureau, reason="判决已履行")
    report = payouts_release_held()
    assert (report.released, report.still_held) == (1, 0)
    assert Payout.objects.get().status == "pending"


def test_a_shop_listed_after_its_payout_opened_is_held_at_export(settled, bank_account, bureau):
    listed = ListStatus(listed=True, reasons=["serious_violation"])
    with mock.patch("orders.settlement.payouts.subject_blacklist_status", return_value=listed):
        assert payouts_export(actor=bureau) is None
    payout = Payout.objects.get()
    assert (payout.status, payout.batch_id) == ("held", None)
    assert list(payout.events.values_list("to_status", "note")) == [
        ("pending", ""),
        ("held", "serious_violation"),
    ]


# --- Commission -----------------------------------------------------------------------------------


def test_rates_inherit_the_nearest_ancestor_and_shop_and_poverty_rates_come_first():
    book = RateBook(
        default=D("0.05"),
        poverty_relief=D("0"),
        category_rates={1: D("0.08"), 3: D("0.02")},
        parents={1: None, 2: 1, 3: 2, 4: 3, 5: None},
        shop_rates={10: D("0.01")},
        poverty_shops={11, 10},
    )
    assert [book.rate_for(vendor_id=12, category_id=c) for c in (1, 2, 3, 4, 5, None)] == [
        D("0.08"),
        D("0.08"),
        D("0.02"),
        D("0.02"),
        D("0.05"),
        D("0.05"),
    ]
    assert book.rate_for(vendor_id=10, category_id=1) == D("0.01")  # the shop's own rate first
    assert book.rate_for(vendor_id=11, category_id=1) == D("0")  # then poverty relief


def test_a_poverty_relief_county_pays_the_reduced_rate(
    buyer, walnuts, walnut_owner, walnut_shop, nuts_rate, settings
):
    settings.COMMISSION_POVERTY_RELIEF_RATE = "0.01"
    Region.objects.filter(pk=walnut_shop.county_id).update(poverty_relief=True)
    completed_order(buyer, walnuts, walnut_owner, quantity=2, key="a", completed_at=days_ago(8))
    settlement_run(as_of=timezone.localdate())
    assert Settlement.objects.get().commission == D("0.80")  # 79.80 × 1 % = 0.798


def test_platform_admins_set_a_shops_rate_and_nobody_else(
    buyer, walnuts, walnut_owner, walnut_shop, nuts_rate, bureau
):
    admin = UserFactory(username="platform", roles=["admin"])
    with pytest.raises(ApplicationError) as refused:
        shop_commission_set(vendor=walnut_shop, rate="0.01", note="", actor=bureau)
    assert refused.value.code == "permission_denied"
    for bad in ("1.5", "-0.1", "abc", "0.00001"):
        with pytest.raises(ApplicationError) as invalid:
            shop_commission_set(vendor=walnut_shop, rate=bad, note="", actor=admin)
        assert list(invalid.value.fields) == ["rate"]
    assert not walnut_shop.__class__.objects.filter(commission_override__isnull=False).exists()
    assert shop_commission_set(vendor=walnut_shop, rate="3%", note="合作社扶持", actor=admin).rate == D(
        "0.0300"
    )
    completed_order(buyer, walnuts, walnut_owner, quantity=2, key="a", completed_at=days_ago(8))
    settlement_run(as_of=timezone.localdate())
    assert Settlement.objects.get().commission == D("2.39")  # 79.80 × 3 % = 2.394
    assert shop_commission_clear(vendor=walnut_shop, actor=admin) is True
    assert commission_rate_set(
        category=Category.objects.get(slug="walnuts"), rate="0.1", actor=admin
    ).rate == D("0.1")


# --- The database's guard of the ledger (PostgreSQL) ---------------------------------------------


postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers are PostgreSQL's")


@postgres_only
def test_the_database_refuses_to_change_or_delete_entries_and_postings(buyer, walnuts):
    paid_order(buyer, walnuts, key="p")
    posting = Posting.objects.first()
    for statement in (
        ("UPDATE orders_posting SET amount = amount + 1 WHERE id = %s", [posting.pk]),
        ("DELETE FROM orders_posting WHERE id = %s", [posting.pk]),
        ("UPDATE orders_journalentry SET memo = 'x' WHERE id = %s", [posting.entry_id]),
        ("DELETE FROM orders_journalentry WHERE id = %s", [posting.entry_id]),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(*statement)
    assert Posting.objects.get(pk=posting.pk).amount == posting.amount
    assert JournalEntry.objects.filter(pk=posting.entry_id).exists()


@postgres_only
@pytest.mark.parametrize("amounts", [[D("10"), D("-9.99")], [D("10")]])
def test_the_database_refuses_an_unbalanced_entry_at_commit(walnut_shop, amounts):
    from orders.settlement.ledger import account_get

    account = account_get(kind=AccountKind.CLEARING)
    other = account_get(kind=AccountKind.SHOP_PENDING, vendor_id=walnut_shop.pk)
    with transaction.atomic():
        entry = JournalEntry.objects.create(kind="adjustment", reference="x", idempotency_key="bad")
        Posting.objects.bulk_create(
            [
                Posting(entry=entry, account=acc, amount=a)
                for acc, a in zip([account, other], amounts, strict=False)
            ]
        )
        with pytest.raises(IntegrityError, match="does not balance"), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # what COMMIT does: run the deferred checks now
        transaction.set_rollback(True)
    assert not JournalEntry.objects.filter(idempotency_key="bad").exists()


@postgres_only
def test_a_balanced_entry_passes_the_database_check(walnut_shop):
    with transaction.atomic():
        ledger_post(
            kind="adjustment",
            reference="x",
            key="ok",
            legs=Legs()
            .add(AccountKind.ADJUSTMENTS, D("-3"))
            .add(AccountKind.SHOP_AVAILABLE, D("3"), walnut_shop.pk),
        )
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert Posting.objects.count() == 2


def test_batches_are_not_created_when_no_shop_has_a_bank_account(settled, bureau):
    PayoutAccount.objects.all().delete()
    assert payouts_export(actor=bureau) is None
    payout = Payout.objects.get()
    assert (payout.status, payout.note) == ("pending", "The shop has no bank account yet.")
    assert PayoutBatch.objects.count() == 0


# --- The task and the command ---------------------------------------------------------------------


def test_the_settlement_task_is_registered_scheduled_and_safe_to_redeliver(settings, settled):
    import orders.tasks  # noqa: F401 - what the worker imports
    from gansu_mall.celery import app

    task = app.tasks["orders.settlement.tasks.run_settlement"]
    assert (task.acks_late, task.reject_on_worker_lost) == (True, True)
    assert settings.CELERY_BEAT_SCHEDULE["run-settlement"]["task"] == task.name
    assert task.time_limit < settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    result = task.delay((timezone.localdate() + timedelta(days=8)).isoformat()).get()
    assert (result["statements"], result["discrepancies"], result["released"]) == (1, 0, 0)
    assert Settlement.objects.count() == 2


def test_the_command_runs_the_settlement_and_refuses_a_bad_date(buyer, walnuts, walnut_owner, capsys):
    from django.core.management.base import CommandError

    completed_order(buyer, walnuts, walnut_owner, key="a", completed_at=days_ago(8))
    call_command("run_settlement", "--as-of", timezone.localdate().isoformat())
    out = capsys.readouterr().out
    assert f"period ending {timezone.localdate() - timedelta(days=7)}: 1 statements" in out
    assert Settlement.objects.count() == 1
    with pytest.raises(CommandError):
        call_command("run_settlement", "--as-of", "2026-13-01")
    assert Settlement.objects.count() == 1


def test_a_payment_after_its_orders_timed_out_is_captured_then_refunded_in_the_ledger(
    buyer, walnuts, walnut_shop, gateway, django_capture_on_commit_callbacks
):
    from orders.models import Payment, Refund, SandboxTrade
    from orders.services.addresses import AddressInput
    from orders.services.checkout import CheckoutLine, checkout
    from orders.services.payments import payment_mark_paid, payments_expire
    from orders.tests.conftest import ADDRESS

    result = checkout(
        buyer=buyer,
        address=AddressInput(**ADDRESS),
        lines=[CheckoutLine(sku_id=walnuts.pk, quantity=1)],
        note="",
        idempotency_key="late",
        fingerprint="late",
    )
    payments_expire(now=timezone.now() + timedelta(hours=2))
    payment = Payment.objects.get(pk=result.payment.pk)
    SandboxTrade.objects.create(
        out_trade_no=payment.number,
        trade_no="T-LATE",
        total_amount=payment.amount,
        status="TRADE_SUCCESS",
        paid_at=timezone.now(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert payment_mark_paid(payment_id=payment.pk, provider="alipay", trade_no="T-LATE") == "late"
    assert Refund.objects.get().status == "refunded"
    balances = account_balances()
    assert balances[(AccountKind.CLEARING, None)] == D("-49.90")
    assert balances[(AccountKind.REFUNDS, None)] == D("49.90")
    assert vendor_balance(vendor_id=walnut_shop.pk).pending == D("0.00")
    with django_capture_on_commit_callbacks(execute=True):  # the gateway's notification again: no change
        assert payment_mark_paid(payment_id=payment.pk, provider="alipay", trade_no="T-LATE") == "late"
    assert account_balances() == balances
    assert unbalanced_entries() == []


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_an_unbalanced_entry_is_refused_at_a_real_commit():
    from orders.settlement.ledger import account_get

    with transaction.atomic():
        clearing = account_get(kind=AccountKind.CLEARING)
        adjustments = account_get(kind=AccountKind.ADJUSTMENTS)

    def unbalanced() -> None:
        with transaction.atomic():  # the outermost block: its exit is the COMMIT
            entry = JournalEntry.objects.create(kind="adjustment", reference="x", idempotency_key="commit")
            Posting.objects.bulk_create(
                [
                    Posting(entry=entry, account=clearing, amount=D("-1.00")),
                    Posting(entry=entry, account=adjustments, amount=D("0.99")),
                ]
            )

    with pytest.raises(IntegrityError, match="does not balance"):
        unbalanced()
    assert not JournalEntry.objects.filter(idempotency_key="commit").exists()
    assert Posting.objects.count() == 0
    with transaction.atomic():  # the same, balanced, commits
        ledger_post(
            kind="adjustment",
            reference="x",
            key="commit",
            legs=Legs().add(AccountKind.CLEARING, D("-1.00")).add(AccountKind.ADJUSTMENTS, D("1.00")),
        )
    assert Posting.objects.count() == 2
