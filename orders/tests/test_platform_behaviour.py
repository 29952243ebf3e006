"""Platform behaviour: a month's figures per shop (orders.selectors.shop_behaviour_month) against a
hand-computed fixture, and the monthly task / command that turns them into credit records."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from credit.behaviour import MonthFigures
from credit.models import CreditAudit, CreditRecord, CreditScore
from logistics.models import FulfillmentTask, TaskPriority, TaskStatus, Warehouse
from orders.models import (
    Group,
    GroupBuy,
    Order,
    OrderEvent,
    OrderItem,
    Payment,
    Refund,
    RefundEvent,
    Review,
)
from orders.selectors import shop_behaviour_month

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
OCTOBER = datetime(2026, 10, 1, tzinfo=SH).date()


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


class Shop:
    """Orders of one shop written straight to the tables, at the exact times the case needs."""

    def __init__(self, vendor, buyer, prefix: str):
        self.vendor, self.buyer, self.prefix, self.n = vendor, buyer, prefix, 0

    def order(self, *, paid_at, shipped_at=None, status="paid", group=None) -> Order:
        self.n += 1
        number = f"{self.prefix}{self.n:04d}"
        payment = Payment.objects.create(
            number=f"P{number}", buyer=self.buyer, amount=Decimal("10.00"), status="paid", paid_at=paid_at
        )
        order = Order.objects.create(
            number=number,
            buyer=self.buyer,
            vendor=self.vendor,
            payment=payment,
            group=group,
            status="shipped" if shipped_at else status,
            items_total=Decimal("10.00"),
            shipping_fee=Decimal("0.00"),
            total=Decimal("10.00"),
            recipient="王小明",
            phone="13800138000",
            province_code="620000",
            address_detail="城关镇东大街 12 号",
            paid_at=paid_at,
            shipped_at=shipped_at,
        )
        return order

    def cancelled(self, order: Order, when: datetime) -> None:
        Order.objects.filter(pk=order.pk).update(status="cancelled")
        event = OrderEvent.objects.create(order=order, from_status="paid", to_status="cancelled")
        OrderEvent.objects.filter(pk=event.pk).update(created_at=when)

    def refund(self, order: Order, *steps: tuple[str, str, datetime]) -> Refund:
        """A refund through its events: (from, to, when) each."""
        refund = Refund.objects.create(
            number=f"R{order.number}", order=order, buyer=self.buyer, amount=order.total, reason="不想要了"
        )
        for from_status, to_status, when in steps:
            event = RefundEvent.objects.create(refund=refund, from_status=from_status, to_status=to_status)
            RefundEvent.objects.filter(pk=event.pk).update(created_at=when)
        Refund.objects.filter(pk=refund.pk).update(status=steps[-1][1])
        return refund

    def review(self, order: Order, sku, rating: int, when: datetime) -> None:
        item = OrderItem.objects.create(
            order=order,
            sku=sku,
            product=sku.product,
            product_name="核桃",
            spec="500 g",
            unit_price=Decimal("10.00"),
            quantity=1,
            line_total=Decimal("10.00"),
            fulfilled_by="vendor",
        )
        review = Review.objects.create(
            order_item=item, product=sku.product, vendor=self.vendor, buyer=self.buyer, rating=rating
        )
        Review.objects.filter(pk=review.pk).update(created_at=when)

    def hub_task(self, order: Order, *, deadline, shipped_at=None, status=TaskStatus.SHIPPED) -> None:
        FulfillmentTask.objects.create(
            warehouse=Warehouse.objects.get(code="LZXQ"),
            order_ref=order.pk,
            order_number=order.number,
            vendor=self.vendor,
            priority=TaskPriority.STANDARD,
            status=status,
            paid_at=order.paid_at,
            deadline=deadline,
            recipient=order.recipient,
            phone=order.phone,
            province_code=order.province_code,
            address_detail=order.address_detail,
            shipped_at=shipped_at,
            carrier="sf" if shipped_at else "",
            tracking_number=f"SF{order.pk:013d}" if shipped_at else "",
        )


REQUESTED_AND_APPROVED = (("", "requested"), ("requested", "approved"))


@pytest.fixture
def october(walnut_shop, lily_shop, walnuts, lilies, buyer, bureau):
    """Shop A (walnuts) ships its own orders; shop B (lilies) has the hub ship them.

    A, paid in October: A1 on time; A2 late; A3 never shipped (late); A4 refunded by the buyer within the
    48 hours (not due); A5 refunded by the buyer after them (due, late, shop-caused); A7 due in November;
    A8 in a failed group (not due, its refund automatic); A9 refunded after delivery through the bureau
    (requested, rejected, escalated, decided for the buyer); A10 escalated, decided for the shop; A11 in a
    group that filled three days after payment, shipped 27 hours after it filled (on time). Paid in
    September: A6, due and shipped on 1 October (on time).
    → paid 10; due 8 (A1 A2 A3 A5 A6 A9 A10 A11), on time 5 (A1 A6 A9 A10 A11); shop-caused 1 (A5);
    refunds 3 (A4 A5 A9); disputes 2 (A9 A10); upheld 1 (A9); reviews 5, 4, 3 in October (a 2 on 30
    September at 23:30 and a 1 on 1 November at 00:00 Beijing time do not count).

    B (hub): B1 shipped before its task's deadline; B2 after it; B3 cancelled by the hub's lead after the
    deadline (due, late, not shop-caused, automatic refund); B4 refunded by the buyer before the deadline
    (not due); B5 shipped 58 hours after payment, before its task's 72-hour deadline (on time).
    → paid 5; due 4, on time 2; shop-caused 0; refunds 1 (B4); one review of 5.
    """
    a = Shop(walnut_shop, buyer, "A")
    a1 = a.order(paid_at=at(10, 5), shipped_at=at(10, 6))
    a.order(paid_at=at(10, 10), shipped_at=at(10, 13))
    a.order(paid_at=at(10, 20))
    a4 = a.order(paid_at=at(10, 25))
    a.cancelled(a4, at(10, 25, 12))
    a.refund(a4, ("", "requested", at(10, 25, 12)), ("requested", "approved", at(10, 25, 12)))
    a5 = a.order(paid_at=at(10, 15))
    a.cancelled(a5, at(10, 18))
    a.refund(a5, ("", "requested", at(10, 18)), ("requested", "approved", at(10, 18)))
    a.order(paid_at=at(9, 29), shipped_at=at(10, 1, 9))
    a.order(paid_at=at(10, 30, 12), shipped_at=at(11, 1))
    group_buy = GroupBuy.objects.create(
        vendor=walnut_shop, sku=walnuts, group_price=Decimal("9.00"), group_size=2, duration_hours=72
    )
    failed = Group.objects.create(
        group_buy=group_buy, leader=buyer, status="failed", expires_at=at(10, 6), closed_at=at(10, 6)
    )
    a8 = a.order(paid_at=at(10, 3), group=failed, status="awaiting_group")
    a.cancelled(a8, at(10, 6))
    a.refund(a8, ("", "approved", at(10, 6)))
    a9 = a.order(paid_at=at(10, 2), shipped_at=at(10, 3))
    a.refund(
        a9,
        ("", "requested", at(10, 8)),
        ("requested", "rejected", at(10, 9)),
        ("rejected", "escalated", at(10, 10)),
        ("escalated", "approved", at(10, 12)),
    )
    a10 = a.order(paid_at=at(10, 1, 8), shipped_at=at(10, 2, 8))
    a.refund(
        a10,
        ("", "requested", at(10, 15)),
        ("requested", "rejected", at(10, 16)),
        ("rejected", "escalated", at(10, 20)),
        ("escalated", "closed", at(10, 22)),
    )
    filled = Group.objects.create(
        group_buy=group_buy, leader=buyer, status="filled", expires_at=at(10, 4), closed_at=at(10, 4)
    )
    a.order(paid_at=at(10, 1), group=filled, shipped_at=at(10, 5, 13))
    a.review(a1, walnuts, 5, at(10, 7))
    a.review(a1, walnuts, 4, at(10, 14))
    a.review(a1, walnuts, 3, at(10, 31, 23, 59))
    a.review(a1, walnuts, 2, at(9, 30, 23, 30))
    a.review(a1, walnuts, 1, at(11, 1, 0, 0))

    b = Shop(lily_shop, buyer, "B")
    b1 = b.order(paid_at=at(10, 8), shipped_at=at(10, 9, 9))
    b.hub_task(b1, deadline=at(10, 9), shipped_at=at(10, 9, 9))
    b2 = b.order(paid_at=at(10, 8, 11), shipped_at=at(10, 10))
    b.hub_task(b2, deadline=at(10, 9, 11), shipped_at=at(10, 10))
    b3 = b.order(paid_at=at(10, 12, 12))
    b.hub_task(b3, deadline=at(10, 13, 12), status=TaskStatus.CANCELLED)
    b.cancelled(b3, at(10, 14))
    b.refund(b3, ("", "approved", at(10, 14)))
    b4 = b.order(paid_at=at(10, 12))
    b.hub_task(b4, deadline=at(10, 13), status=TaskStatus.CANCELLED)
    b.cancelled(b4, at(10, 12, 13))
    b.refund(b4, ("", "requested", at(10, 12, 13)), ("requested", "approved", at(10, 12, 13)))
    b5 = b.order(paid_at=at(10, 16), shipped_at=at(10, 18, 20))
    b.hub_task(b5, deadline=at(10, 19), shipped_at=at(10, 18, 20))
    b.review(b1, lilies, 5, at(10, 20))
    return walnut_shop, lily_shop


SHOP_A = MonthFigures(
    orders_paid=10,
    orders_due=8,
    shipped_on_time=5,
    shop_cancellations=1,
    refunds=3,
    disputes=2,
    upheld_complaints=1,
    review_count=3,
    review_total=12,
)
LEGAL_BASIS_A = (
    "平台店铺规则：投诉成立（3 件及以上为严重程度 2）; 按时发货率低于 80 %; 退款率高于 20 %。"
    "2026-10 数据：已付款订单 10 笔; 按时发货 5/8（62.5 %）; 退款率 30.0 %; 纠纷率 20.0 %; "
    "店铺责任取消 1 笔; 投诉成立 1 件; 评价 3 条，平均 4.00 分。"
)
SHOP_B = MonthFigures(
    orders_paid=5, orders_due=4, shipped_on_time=2, refunds=1, review_count=1, review_total=5
)


def test_the_months_figures_per_shop_match_the_hand_computed_ones(october, django_assert_num_queries):
    walnut_shop, lily_shop = october
    with django_assert_num_queries(5):
        figures = shop_behaviour_month(month=OCTOBER)
    assert figures == {walnut_shop.pk: SHOP_A, lily_shop.pk: SHOP_B}
    assert SHOP_A.as_json() == {
        "orders_paid": 10,
        "orders_due": 8,
        "shipped_on_time": 5,
        "shop_cancellations": 1,
        "refunds": 3,
        "disputes": 2,
        "upheld_complaints": 1,
        "review_count": 3,
        "review_total": 12,
        "on_time_percent": "62.5",
        "refund_percent": "30.0",
        "dispute_percent": "20.0",
        "review_average": "4.00",
    }


def test_other_months_see_other_figures_and_a_quiet_month_none(october, django_assert_num_queries):
    walnut_shop, lily_shop = october
    september = shop_behaviour_month(month=date(2026, 9, 15))
    # A6, paid on 29 September, is due in October; the 2-star review of 30 September 23:30 counts here.
    assert september == {walnut_shop.pk: MonthFigures(orders_paid=1, review_count=1, review_total=2)}
    november = shop_behaviour_month(month=date(2026, 11, 1))
    # A7, paid on 30 October at 12:00, was due on 1 November at 12:00 and shipped at 10:00: on time.
    assert november == {
        walnut_shop.pk: MonthFigures(orders_due=1, shipped_on_time=1, review_count=1, review_total=1)
    }
    with django_assert_num_queries(5):
        assert shop_behaviour_month(month=date(2025, 1, 1)) == {}


def test_ship_within_hours_is_a_setting(october, settings):
    walnut_shop, _lily_shop = october
    settings.CREDIT_SHIP_WITHIN_HOURS = 72
    figures = shop_behaviour_month(month=OCTOBER)[walnut_shop.pk]
    # A2, shipped exactly 72 hours after payment, is on time (shipped by its ship-by time); A5, cancelled
    # exactly at its ship-by time, was never due and is not the shop's doing; A3 is still late.
    assert (figures.orders_due, figures.shipped_on_time, figures.shop_cancellations) == (7, 6, 0)


def test_the_monthly_task_writes_one_record_per_identity_and_a_second_run_nothing(
    october, capsys, django_capture_on_commit_callbacks
):
    walnut_shop, lily_shop = october
    with django_capture_on_commit_callbacks(execute=True):
        call_command("credit_platform_behaviour", "--month", "2026-10")
    assert capsys.readouterr().out.strip() == (
        "2 shops, 2 identities: 0 positive and 1 negative records (1 new)"
    )
    record = CreditRecord.objects.get()
    assert record.subject.identity_hash == walnut_shop.identity_hash
    assert (record.polarity, record.category, record.severity) == ("negative", "platform_behaviour", 1)
    assert (record.period, record.occurred_on, record.department, record.public, record.created_by) == (
        OCTOBER,
        date(2026, 10, 31),
        None,
        True,
        None,
    )
    assert record.title == "平台经营行为 2026-10：未达到平台标准"
    assert record.figures == SHOP_A.as_json() | {
        "rules": ["upheld_complaints", "on_time_below_80", "refunds_above_20"]
    }
    assert record.legal_basis == LEGAL_BASIS_A
    score = CreditScore.objects.get(subject=record.subject)  # recomputed after commit (eager in tests)
    assert (score.score, score.grade) == (66, "C")
    walnut_shop.refresh_from_db()
    assert walnut_shop.credit_grade == "C"
    audits = CreditAudit.objects.count()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        call_command("credit_platform_behaviour", "--month", "2026-10")
    assert callbacks == []  # nothing to recompute
    assert capsys.readouterr().out.strip() == (
        "2 shops, 2 identities: 0 positive and 1 negative records (0 new)"
    )
    assert CreditRecord.objects.count() == 1
    assert CreditAudit.objects.count() == audits


def test_the_command_refuses_a_month_not_over_and_a_bad_month(db):
    from django.core.management.base import CommandError
    from django.utils import timezone

    with pytest.raises(CommandError, match="not over"):
        call_command("credit_platform_behaviour", "--month", f"{timezone.localdate():%Y-%m}")
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("credit_platform_behaviour", "--month", "2026-13")
    assert CreditRecord.objects.count() == 0


def test_the_task_defaults_to_the_previous_month():
    from orders.tasks import previous_month

    assert previous_month(date(2026, 1, 15)) == date(2025, 12, 1)
    assert previous_month(date(2026, 11, 2)) == date(2026, 10, 1)


def test_the_beat_runs_the_task_on_the_second_of_the_month(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["credit-platform-behaviour"]
    assert entry["task"] == "orders.tasks.credit_platform_behaviour"
    assert (entry["schedule"].day_of_month, entry["schedule"].hour, entry["schedule"].minute) == (
        {2},
        {2},
        {30},
    )
