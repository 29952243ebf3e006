# ruff: noqa: F811 (the fixtures of the orders tests are imported by name)
"""The daily rollups: hand-computed figures to the fen, the incremental upkeep (marks written in the
transaction of the change, cells recomputed by the refresh task), and a property test: after any sequence of
orders, payments, refunds, cancellations and shipments, the refreshed rollups equal both a rebuild and the
figures computed straight from the raw orders."""

from __future__ import annotations

import zlib
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from gansu_mall.core.models import StaleRollup
from gansu_mall.dashboard import rollups
from gansu_mall.dashboard.models import (
    ApplicationDay,
    BuyerDay,
    BuyerDaySet,
    BuyerMonth,
    CategoryDay,
    CountyDay,
    DestinationDay,
    ProductDay,
    ProvinceApplicationDay,
    ProvinceCategoryDay,
    ProvinceDay,
    ProvinceDestinationDay,
    ShopChangeDay,
    ShopDay,
)
from gansu_mall.dashboard.rollups import rollups_rebuild, rollups_refresh
from gansu_mall.dashboard.tasks import refresh_rollups
from orders.models import Order, OrderStatus, Refund
from orders.services.addresses import AddressInput
from orders.services.checkout import CheckoutLine, checkout
from orders.services.orders import order_cancel_unpaid, order_ship
from orders.services.refunds import refund_approve, refund_execute, refund_request
from orders.tests.conftest import (  # noqa: F401 - fixtures
    ADDRESS,
    bureau,
    buyer,
    gateway,
    lilies,
    lily_owner,
    lily_shop,
    other_buyer,
    walnut_owner,
    walnut_shop,
    walnuts,
)
from orders.tests.helpers import paid_order

pytestmark = pytest.mark.django_db
TZ = timezone.get_default_timezone()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def clock(monkeypatch):
    """A clock the test moves: every timezone.now() of the services (and auto_now fields) reads it."""
    state = {"now": datetime(2026, 10, 5, 10, 0, tzinfo=TZ)}
    monkeypatch.setattr(timezone, "now", lambda: state["now"])
    return state


def _rows(model, *exclude):
    fields = [f.attname for f in model._meta.concrete_fields if f.attname not in ("id", *exclude)]
    return sorted(tuple(_text(value) for value in row) for row in model.objects.values_list(*fields))


def _text(value):
    return bytes(value).hex() if isinstance(value, bytes | memoryview) else str(value)


def _snapshot():
    return {model.__name__: _rows(model) for model in rollups.ROLLUPS}


def test_a_paid_order_and_a_refund_give_figures_to_the_fen(clock, buyer, walnuts, walnut_shop, gateway):
    # Two orders on 5 October (local), one refunded in part on 6 October.
    first = paid_order(buyer, walnuts, quantity=2, key="a")  # 2 × 39.90 + shipping
    second = paid_order(buyer, walnuts, quantity=1, key="b")
    clock["now"] += timedelta(days=1)
    Refund.objects.create(
        number="R1",
        order=second,
        buyer=buyer,
        amount=Decimal("10.05"),
        reason="x",
        status="refunded",
        refunded_at=clock["now"],
    )
    rollups_rebuild()
    shop = {row.day.isoformat(): row for row in ShopDay.objects.filter(vendor=walnut_shop)}
    assert sorted(shop) == ["2026-10-05", "2026-10-06"]
    day5, day6 = shop["2026-10-05"], shop["2026-10-06"]
    assert day5.orders == 2
    assert day5.gmv == first.total + second.total
    assert day5.items_total == Decimal("119.70")
    assert (day5.refunds, day5.refund_amount) == (0, Decimal("0.00"))
    assert (day6.orders, day6.gmv, day6.refunds, day6.refund_amount) == (
        0,
        Decimal("0.00"),
        1,
        Decimal("10.05"),
    )
    assert (day5.county_code, day5.prefecture_code, day5.vendor_type) == (
        "621221",
        "621200",
        walnut_shop.vendor_type,
    )
    county = CountyDay.objects.get(day="2026-10-05", county_code="621221")
    assert (county.orders, county.gmv, county.buyers) == (2, first.total + second.total, 1)
    # The walnuts category and its parent (nuts) each count the two orders once, with the goods' value.
    walnut_rows = {
        row.category.slug: (row.orders, row.gmv, row.quantity, row.parent_id)
        for row in CategoryDay.objects.select_related("category")
    }
    nuts_id = walnuts.product.category.parent_id
    assert walnut_rows["walnuts"] == (2, Decimal("119.70"), 3, nuts_id)
    assert walnut_rows["nuts"] == (2, Decimal("119.70"), 3, None)
    province_rows = {
        row.category_id: (row.orders, row.gmv, row.quantity, row.parent_id)
        for row in ProvinceCategoryDay.objects.all()
    }
    assert province_rows == {
        walnuts.product.category_id: (2, Decimal("119.70"), 3, nuts_id),
        nuts_id: (2, Decimal("119.70"), 3, None),
    }
    product = ProductDay.objects.get()
    assert (product.orders, product.gmv, product.quantity) == (2, Decimal("119.70"), 3)
    destination = DestinationDay.objects.get()
    assert (destination.province_code, destination.outside_mainland, destination.orders) == (
        "620000",
        False,
        2,
    )
    assert BuyerDay.objects.count() == 1
    # October's buyers as bitmaps: the province's and 陇南's, each holding the one buyer.
    months = {row.prefecture_code: row for row in BuyerMonth.objects.all()}
    assert sorted(months) == ["", "621200"]
    for row in months.values():
        assert (row.month.isoformat(), row.count) == ("2026-10-01", 1)
        assert bytes(row.buyers) == rollups.bitmap([buyer.pk])
    # The day's buyers as compressed bitmaps, the same two areas.
    sets = {(row.day.isoformat(), row.prefecture_code): row for row in BuyerDaySet.objects.all()}
    assert sorted(sets) == [("2026-10-05", ""), ("2026-10-05", "621200")]
    for row in sets.values():
        assert row.count == 1
        assert zlib.decompress(bytes(row.buyers)) == rollups.bitmap([buyer.pk])
    # The province's day rows: the county's, summed (one county, one type here).
    province = ProvinceDay.objects.get(day="2026-10-05")
    assert (province.vendor_type, province.poverty_relief, province.orders, province.gmv) == (
        walnut_shop.vendor_type,
        county.poverty_relief,
        2,
        first.total + second.total,
    )
    assert ProvinceDay.objects.get(day="2026-10-06").refund_amount == Decimal("10.05")
    assert list(ProvinceDestinationDay.objects.values_list("day", "province_code", "orders", "gmv")) == [
        (date(2026, 10, 5), "620000", 2, first.total + second.total)
    ]
    # The rebuild left fresh planner statistics (ANALYZE inside the test's transaction).
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'dashboard_shopday'")
            assert cursor.fetchone()[0] == ShopDay.objects.count() == 2


def test_bitmaps_of_buyers_are_canonical():
    assert rollups.bitmap([]) == b""
    assert rollups.bitmap([0]) == b"\x01"
    assert rollups.bitmap([9, 1, 9]) == b"\x02\x02"
    assert rollups.bitmap([70]) == bytes(8) + b"\x40"
    rows = rollups.buyer_month_rows(
        datetime(2026, 10, 1, tzinfo=TZ).date(),
        [
            {"buyer_id": 3, "prefecture_code": "621200"},
            {"buyer_id": 17, "prefecture_code": "620100"},
            {"buyer_id": 3, "prefecture_code": "620100"},
        ],
    )
    assert [(r["prefecture_code"], r["buyers"], r["count"]) for r in rows] == [
        ("", rollups.bitmap([3, 17]), 2),
        ("620100", rollups.bitmap([3, 17]), 2),
        ("621200", rollups.bitmap([3]), 1),
    ]


def test_changes_mark_their_cells_and_the_task_recomputes_them(
    clock, buyer, walnuts, walnut_shop, walnut_owner
):
    rollups_refresh()  # the shops' openings and applications of the fixtures
    order = paid_order(buyer, walnuts, key="a")  # marks: the payment (and nothing is computed yet)
    assert list(StaleRollup.objects.values_list("topic", "day", "key")) == [
        ("shop", clock["now"].date(), walnut_shop.pk)
    ]
    assert not ShopDay.objects.exists()
    assert refresh_rollups() == 1
    assert not StaleRollup.objects.exists()
    assert ShopDay.objects.get().orders == 1
    clock["now"] += timedelta(days=1, hours=2)
    order_ship(order=order, actor=walnut_owner, carrier="sf", tracking_number="SF1234567890123")
    assert refresh_rollups() == 1
    shipped = ShopDay.objects.get(day=clock["now"].date())
    assert (shipped.orders, shipped.shipped, shipped.shipped_on_time, shipped.ship_seconds) == (
        0,
        1,
        1 if timedelta(days=1, hours=2) <= timedelta(hours=48) else 0,
        int(timedelta(days=1, hours=2).total_seconds()),
    )
    incremental = _snapshot()
    rollups_rebuild()
    assert _snapshot() == incremental  # the increments equal a rebuild


def test_a_rolled_back_change_leaves_no_mark(clock, buyer, walnuts):
    before = StaleRollup.objects.count()  # the shop's opening and application (fixtures)

    def failing_request():
        with transaction.atomic():
            paid_order(buyer, walnuts, key="a")
            raise RuntimeError("the request failed")

    with pytest.raises(RuntimeError):
        failing_request()
    assert StaleRollup.objects.count() == before
    assert not Order.objects.exists()


def test_a_mark_written_during_a_refresh_survives_it(clock, buyer, walnuts, walnut_shop, monkeypatch):
    rollups_refresh()
    paid_order(buyer, walnuts, key="a")
    original = rollups._refresh_shop_day
    calls = []

    def refresh_and_race(day, vendor_id):
        original(day, vendor_id)
        calls.append(day)
        if len(calls) == 1:  # another change of the same cell commits while this worker recomputes it
            StaleRollup.objects.create(topic="shop", day=day, key=vendor_id)

    monkeypatch.setattr(rollups, "_refresh_shop_day", refresh_and_race)
    assert rollups_refresh() == 2  # the worker deleted only the mark it read, and took the new one next
    assert len(calls) == 2
    assert not StaleRollup.objects.exists()


def test_shops_and_applications_by_day(clock, walnut_shop, lily_shop):
    rollups_rebuild()
    opened = Counter()
    for row in ShopChangeDay.objects.all():
        opened[row.county_code] += row.opened
    assert opened == {"621221": 1, "620102": 1}
    applications = ApplicationDay.objects.all()
    assert sum(row.submitted for row in applications) == 2
    assert sum(row.approved for row in applications) == 2
    assert sum(row.approval_seconds for row in applications) == 0  # approved at the moment they were sent
    # The province's row of the day: both shops' applications (two counties).
    province = ProvinceApplicationDay.objects.get()
    assert (province.day, province.submitted, province.approved, province.rejected) == (
        applications[0].day,
        2,
        2,
        0,
    )


def test_rebuild_command_reports_the_rows(clock, buyer, walnuts, capsys):
    paid_order(buyer, walnuts, key="a")
    call_command("rebuild_rollups")
    out = capsys.readouterr().out
    assert "ShopDay" in out
    assert "rollups rebuilt in" in out
    assert ShopDay.objects.count() == 1
    assert not StaleRollup.objects.exists()  # the rebuild settled the marks written before it


# --- the reconciliation property ----------------------------------------------------------------------

DESTINATIONS = [("620000", "621221"), ("110000", ""), ("810000", "")]
NEEDS = {
    "pay": OrderStatus.PENDING_PAYMENT,
    "cancel": OrderStatus.PENDING_PAYMENT,
    "refund_unshipped": OrderStatus.PAID,
    "ship": OrderStatus.PAID,
    "refund_shipped": OrderStatus.SHIPPED,
}
order_op = st.tuples(
    st.just("order"), st.integers(0, 1), st.integers(0, 1), st.integers(1, 3), st.integers(0, 2)
)
operation = st.one_of(
    order_op,
    order_op,  # orders, payments and shipments come more often than the rest
    st.tuples(st.just("pay"), st.integers(0, 20)),
    st.tuples(st.just("pay"), st.integers(0, 20)),
    st.tuples(st.just("ship"), st.integers(0, 20)),
    st.tuples(st.just("cancel"), st.integers(0, 20)),
    st.tuples(st.just("refund_unshipped"), st.integers(0, 20)),
    st.tuples(st.just("refund_shipped"), st.integers(0, 20), st.integers(1, 5_000)),
    st.tuples(st.just("wait"), st.integers(1, 40)),  # hours
)


def _raw_figures():
    """What the rollups must say, computed straight from the orders and refunds (local days)."""
    figures = defaultdict(lambda: defaultdict(Decimal))
    buyers = defaultdict(set)
    for order in Order.objects.select_related("vendor__county"):
        if order.paid_at:
            key = (timezone.localdate(order.paid_at), order.vendor.county_id)
            figures[key]["orders"] += 1
            figures[key]["gmv"] += order.total
            figures[key]["cross_border"] += 1 if order.province_code == "810000" else 0
            buyers[key].add(order.buyer_id)
        if order.shipped_at:
            figures[(timezone.localdate(order.shipped_at), order.vendor.county_id)]["shipped"] += 1
    for refund in Refund.objects.filter(refunded_at__isnull=False).select_related("order__vendor"):
        key = (timezone.localdate(refund.refunded_at), refund.order.vendor.county_id)
        figures[key]["refunds"] += 1
        figures[key]["refund_amount"] += refund.amount
    for key, people in buyers.items():
        figures[key]["buyers"] = Decimal(len(people))
    return {key: {name: value for name, value in values.items() if value} for key, values in figures.items()}


def _rollup_figures():
    figures = defaultdict(lambda: defaultdict(Decimal))
    for row in CountyDay.objects.all():
        values = figures[(row.day, row.county_code)]
        for name, value in (
            ("orders", row.orders),
            ("gmv", row.gmv),
            ("cross_border", row.cross_border_orders),
            ("shipped", row.shipped),
            ("refunds", row.refunds),
            ("refund_amount", row.refund_amount),
            ("buyers", row.buyers),
        ):
            values[name] += value
    return {key: {name: value for name, value in values.items() if value} for key, values in figures.items()}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(operation, min_size=4, max_size=20))
def test_rollups_reconcile_with_the_raw_orders_after_any_sequence(
    operations, clock, buyer, other_buyer, walnuts, lilies, walnut_owner, lily_owner, gateway
):
    from orders.models import SandboxTrade
    from orders.services.payments import payment_mark_paid

    start = clock["now"]
    owners = {walnuts.product.vendor_id: walnut_owner, lilies.product.vendor_id: lily_owner}
    with transaction.atomic():
        rollups_refresh()  # the shops' openings and applications of the fixtures
        placed: list[Order] = []
        for step, (kind, *args) in enumerate(operations):
            try:
                with transaction.atomic():
                    if kind == "order":
                        sku = (walnuts, lilies)[args[0]]
                        who = (buyer, other_buyer)[args[1]]
                        province, county = DESTINATIONS[args[3]]
                        result = checkout(
                            buyer=who,
                            address=AddressInput(
                                **{**ADDRESS, "province_code": province, "county_code": county}
                            ),
                            lines=[CheckoutLine(sku_id=sku.pk, quantity=args[2])],
                            note="",
                            idempotency_key=f"k{step}",
                            fingerprint=f"k{step}",
                        )
                        placed.append(Order.objects.get(pk=result.orders[0].pk))
                    elif kind in NEEDS:
                        # The step acts on one of the orders in the state it needs (none: nothing happens).
                        ready = list(Order.objects.filter(pk__in=[o.pk for o in placed], status=NEEDS[kind]))
                        order = ready[args[0] % len(ready)] if ready else None
                        if order and kind == "pay":
                            SandboxTrade.objects.create(
                                out_trade_no=order.payment.number,
                                trade_no=f"T{step}",
                                total_amount=order.payment.amount,
                                status="TRADE_SUCCESS",
                                paid_at=clock["now"],
                            )
                            payment_mark_paid(
                                payment_id=order.payment_id, provider="alipay", trade_no=f"T{step}"
                            )
                        elif order and kind == "cancel":
                            order_cancel_unpaid(order=order, actor=order.buyer, reason="changed my mind")
                        elif order and kind == "refund_unshipped":
                            refund = refund_request(order=order, buyer=order.buyer, reason="too slow")
                            refund_execute(refund_id=refund.pk)
                        elif order and kind == "ship":
                            order_ship(
                                order=order,
                                actor=owners[order.vendor_id],
                                carrier="sf",
                                tracking_number=f"SF{step:04d}{order.pk:09d}",
                            )
                        elif order and kind == "refund_shipped":
                            amount = min(Decimal(args[1]) / 100, order.total)
                            refund = refund_request(
                                order=order, buyer=order.buyer, reason="bruised", amount=amount
                            )
                            refund_approve(refund=refund, actor=owners[order.vendor_id])
                            refund_execute(refund_id=refund.pk)
                    elif kind == "wait":
                        clock["now"] += timedelta(hours=args[0])
            except Exception as exc:  # a refused step (stock, state) changes nothing; anything else fails
                from gansu_mall.core.errors import ApplicationError

                if not isinstance(exc, ApplicationError):
                    raise
                event(f"{kind} refused: {exc.code}")
            rollups_refresh()  # what the task does after each commit
        assert not StaleRollup.objects.exists()
        for status in Order.objects.values_list("status", flat=True):
            event(f"an order ended {status}")
        if Refund.objects.filter(refunded_at__isnull=False).exists():
            event("money was refunded")
        incremental = _snapshot()
        assert _rollup_figures() == _raw_figures()
        assert _province_rows() == _province_rows_by_definition()
        rollups_rebuild()
        assert _snapshot() == incremental
        clock["now"] = start
        transaction.set_rollback(True)


def _province_rows():
    """The province's derived rows: the cells of ProvinceDay and the other tables of PROVINCE_DAILY, and each
    BuyerDaySet and BuyerMonth bitmap as the set of its ids."""
    from gansu_mall.dashboard.models import SALES_FIELDS

    def ids(blob):
        bits = int.from_bytes(blob, "little")
        return {n for n in range(bits.bit_length()) if bits >> n & 1}

    return {
        "days": {
            (row["day"], row["vendor_type"], row["poverty_relief"]): tuple(row[n] for n in SALES_FIELDS)
            for row in ProvinceDay.objects.values()
        },
        "destinations": {
            (row.day, row.province_code): (row.orders, row.gmv)
            for row in ProvinceDestinationDay.objects.all()
        },
        "applications": {
            row.day: (row.submitted, row.approved, row.rejected, row.approval_seconds)
            for row in ProvinceApplicationDay.objects.all()
        },
        "categories": {
            (row.day, row.category_id, row.parent_id): (row.orders, row.gmv, row.quantity)
            for row in ProvinceCategoryDay.objects.all()
        },
        "day sets": {
            (row.day, row.prefecture_code): ids(zlib.decompress(bytes(row.buyers)))
            for row in BuyerDaySet.objects.all()
        },
        "months": {
            (row.month, row.prefecture_code): ids(bytes(row.buyers)) for row in BuyerMonth.objects.all()
        },
    }


def _province_rows_by_definition():
    """The same, summed and collected here from the county rows and BuyerDay."""
    from gansu_mall.dashboard.models import SALES_FIELDS

    days: dict = {}
    for row in CountyDay.objects.values():
        key = (row["day"], row["vendor_type"], row["poverty_relief"])
        sums = days.setdefault(key, [0] * len(SALES_FIELDS))
        for i, name in enumerate(SALES_FIELDS):
            sums[i] += row[name]
    destinations: dict = defaultdict(lambda: [0, Decimal("0.00")])
    for row in DestinationDay.objects.all():
        destinations[(row.day, row.province_code)][0] += row.orders
        destinations[(row.day, row.province_code)][1] += row.gmv
    applications: dict = defaultdict(lambda: [0, 0, 0, 0])
    for row in ApplicationDay.objects.all():
        cell = applications[row.day]
        for i, name in enumerate(("submitted", "approved", "rejected", "approval_seconds")):
            cell[i] += getattr(row, name)
    categories: dict = defaultdict(lambda: [0, Decimal("0.00"), 0])
    for row in CategoryDay.objects.all():
        cell = categories[(row.day, row.category_id, row.parent_id)]
        cell[0] += row.orders
        cell[1] += row.gmv
        cell[2] += row.quantity
    day_sets: dict = defaultdict(set)
    months: dict = defaultdict(set)
    for row in BuyerDay.objects.all():
        for area in ("", row.prefecture_code):
            day_sets[(row.day, area)].add(row.buyer_id)
            months[(row.day.replace(day=1), area)].add(row.buyer_id)
    return {
        "days": {key: tuple(sums) for key, sums in days.items()},
        "destinations": {key: tuple(value) for key, value in destinations.items()},
        "applications": {key: tuple(value) for key, value in applications.items()},
        "categories": {key: tuple(value) for key, value in categories.items()},
        "day sets": dict(day_sets),
        "months": dict(months),
    }


def test_the_summed_figures_are_exactly_the_fields_of_a_sales_cell():
    from gansu_mall.dashboard.models import SALES_FIELDS, SalesFigures

    assert sorted(field.name for field in SalesFigures._meta.get_fields()) == sorted(SALES_FIELDS)
