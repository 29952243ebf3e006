"""Fixtures of the dashboard tests: rollup rows written directly, with figures small enough to add by hand.

The period under test is 2026-11-01 … 2026-11-10 (ten days); the comparison period is 2026-10-22 … 10-31.
Three shops: a cooperative in 成县 (621221, 陇南 621200, poverty relief), an enterprise in 城关区 (620102,
兰州 620100) and an individual seller in 礼县 (621226, 陇南, poverty relief), plus a closed shop in 城关区.

Hand-computed figures of the period (the tests assert these):

- orders 2 + 1 + 3 + 1 = 7; GMV 100.50 + 39.90 + 300.00 + 15.05 = 455.45; average 455.45 / 7 = 65.06
- previous period: orders 2 + 1 = 3, GMV 80.00 + 50.00 = 130.00, one refund of 50.00
- refunds 1, refunded 20.25; poverty relief GMV 155.45 (4 orders); cross-border 120.00 (1 order)
- buyers {101, 102, 103, 104, 105} = 5 (previous: {201} = 1)
- shipped 6, on time 5 (0.8333), hub 1 of 1 on time, 108 000 s / 6 = 5.0 hours
- shops at 11-10: cooperative 1, enterprise 2 − 1 + 1 = 2, individual 1 + 1 − 1 = 1; new in period 1
- applications: submitted 3, approved 2 in 43 200 s (6.0 hours)
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from gansu_mall.accounts.tests.factories import UserFactory
from gansu_mall.dashboard.models import (
    ApplicationDay,
    BuyerDay,
    CategoryDay,
    CountyDay,
    DestinationDay,
    ProductDay,
    ShopChangeDay,
    ShopDay,
)
from gansu_mall.dashboard.rollups import buyer_sets_refresh, monthly_refresh, province_days_refresh
from gansu_mall.dashboard.tables import Period, Scope

D = date
PERIOD = Period(D(2026, 11, 1), D(2026, 11, 10))
PROVINCE = Scope()
CHENG_XIAN = Scope(frozenset({"621221"}))

_serial = itertools.count(1)

POVERTY_RELIEF = {"621221": True, "621226": True}


def prefecture_of(county: str) -> str:
    return county[:4] + "00"


def make_vendor(*, slug, name, name_en, vendor_type, county, status="active", grade=""):
    from vendors.models import Vendor

    n = next(_serial)
    return Vendor.objects.create(
        slug=slug,
        name=name,
        name_en=name_en,
        vendor_type=vendor_type,
        legal_name=name,
        identity_hash=f"identity-{slug}-{n}",
        county_id=county,
        contact_phone="13900000000",
        status=status,
        credit_grade=grade,
    )


def make_product(*, vendor, name, name_en, category):
    from catalog.models import Category, Product

    return Product.objects.create(
        vendor=vendor,
        name=name,
        name_en=name_en,
        category=Category.objects.get(slug=category),
        origin_county_id=vendor.county_id,
        status="active",
    )


def sale(vendor, day, **figures):
    """A ShopDay row and its share of the county's CountyDay row (as the rollups keep them)."""
    county = vendor.county_id
    place = {"county_code": county, "prefecture_code": prefecture_of(county)}
    relief = POVERTY_RELIEF.get(county, False)
    money = {"gmv", "items_total", "cross_border_gmv", "refund_amount"}
    figures = {k: Decimal(v) if k in money else v for k, v in figures.items()}
    ShopDay.objects.create(
        vendor=vendor, day=day, vendor_type=vendor.vendor_type, poverty_relief=relief, **place, **figures
    )
    cell, _ = CountyDay.objects.get_or_create(
        county_code=county,
        vendor_type=vendor.vendor_type,
        day=day,
        defaults={"prefecture_code": prefecture_of(county), "poverty_relief": relief},
    )
    for name, value in figures.items():
        setattr(cell, name, getattr(cell, name) + value)
    if figures.get("group_orders"):
        cell.group_shops += 1
    cell.save()
    monthly_refresh(day.replace(day=1), county)  # the county's CountyMonth rows, as the rollups keep them
    province_days_refresh([day])  # and the province's rows of the day


def buyers(vendor, day, *ids):
    county = vendor.county_id
    for buyer_id in ids:
        BuyerDay.objects.create(
            vendor=vendor,
            day=day,
            vendor_type=vendor.vendor_type,
            buyer_id=buyer_id,
            county_code=county,
            prefecture_code=prefecture_of(county),
        )
    CountyDay.objects.filter(county_code=county, vendor_type=vendor.vendor_type, day=day).update(
        buyers=len(ids)
    )
    buyer_sets_refresh([day])  # as the rollups keep them: the day's and the month's bitmaps again


def goods(vendor, product, day, *, orders, gmv, quantity):
    """ProductDay of the product and CategoryDay of its category and that category's parent."""
    from catalog.models import Category

    county = vendor.county_id
    place = {"county_code": county, "prefecture_code": prefecture_of(county)}
    ProductDay.objects.create(
        product=product,
        vendor=vendor,
        vendor_type=vendor.vendor_type,
        category=product.category,
        day=day,
        orders=orders,
        gmv=Decimal(gmv),
        quantity=quantity,
        **place,
    )
    category = Category.objects.get(pk=product.category_id)
    for node in (category, category.parent):
        if node is None:
            continue
        cell, _ = CategoryDay.objects.get_or_create(
            county_code=county,
            vendor_type=vendor.vendor_type,
            category=node,
            day=day,
            defaults={"prefecture_code": prefecture_of(county), "parent_id": node.parent_id},
        )
        cell.orders += orders
        cell.gmv += Decimal(gmv)
        cell.quantity += quantity
        cell.save()
    monthly_refresh(day.replace(day=1), county)
    province_days_refresh([day])


def shop_change(county, vendor_type, day, *, opened=0, closed=0, reopened=0):
    ShopChangeDay.objects.create(
        county_code=county,
        prefecture_code=prefecture_of(county),
        vendor_type=vendor_type,
        day=day,
        opened=opened,
        closed=closed,
        reopened=reopened,
    )


def applications(county, vendor_type, day, *, submitted=0, approved=0, rejected=0, approval_seconds=0):
    ApplicationDay.objects.create(
        county_code=county,
        prefecture_code=prefecture_of(county),
        vendor_type=vendor_type,
        day=day,
        submitted=submitted,
        approved=approved,
        rejected=rejected,
        approval_seconds=approval_seconds,
    )
    province_days_refresh([day])


def destination(county, vendor_type, day, province, *, orders, gmv, outside=False):
    DestinationDay.objects.create(
        county_code=county,
        prefecture_code=prefecture_of(county),
        vendor_type=vendor_type,
        day=day,
        province_code=province,
        outside_mainland=outside,
        orders=orders,
        gmv=Decimal(gmv),
    )
    monthly_refresh(day.replace(day=1), county)
    province_days_refresh([day])


def fulfillment_task(vendor, status, worker=None):
    from logistics.models import FulfillmentTask, Warehouse

    n = next(_serial)
    now = timezone.now()
    in_hand = status in ("claimed", "picked", "packed")
    return FulfillmentTask.objects.create(
        claimed_by=(worker or UserFactory(username="picker", roles=["warehouse"])) if in_hand else None,
        carrier="ems" if status == "shipped" else "",
        tracking_number=f"EM{n:09d}CN" if status == "shipped" else "",
        warehouse=Warehouse.objects.get(code="LZXQ"),
        order_ref=9_000_000 + n,
        order_number=f"T{n:08d}",
        vendor=vendor,
        priority=3,
        status=status,
        paid_at=now,
        deadline=now + timedelta(days=2),
        recipient="张三",
        phone="13900000000",
        province_code="620000",
        address_detail="兰州市城关区",
    )


def credit_subject(vendor, *, red=False, black=False, grade=""):
    from credit.models import CreditScore, CreditSubject

    subject = CreditSubject.objects.create(
        identity_hash=vendor.identity_hash, kind="uscc", display=vendor.slug, name=vendor.legal_name
    )
    CreditScore.objects.create(
        subject=subject,
        score=80,
        grade=grade,
        red_list=red,
        black_list=black,
        computed_at=timezone.now(),
    )
    return subject


def open_objection(subject, user, *, status="open"):
    from credit.models import CreditObjection, CreditRecord

    record = CreditRecord.objects.create(
        subject=subject,
        polarity="negative",
        category="administrative_penalty",
        severity=1,
        title="罚款",
        occurred_on=D(2026, 9, 1),
    )
    return CreditObjection.objects.create(record=record, raised_by=user, reason="有误", status=status)


@pytest.fixture
def shops(db):
    walnut = make_vendor(
        slug="walnut",
        name="成县核桃合作社",
        name_en="Chengxian Walnut Cooperative",
        vendor_type="cooperative",
        county="621221",
        grade="A",
    )
    lily = make_vendor(
        slug="lily",
        name="兰州百合公司",
        name_en="Lanzhou Lily Ltd",
        vendor_type="enterprise",
        county="620102",
        grade="B",
    )
    pepper = make_vendor(
        slug="pepper", name="礼县花椒", name_en="", vendor_type="individual", county="621226"
    )
    closed = make_vendor(
        slug="closed-shop",
        name="已关闭的店",
        name_en="Closed shop",
        vendor_type="enterprise",
        county="620102",
        status="closed",
        grade="D",
    )
    return {"walnut": walnut, "lily": lily, "pepper": pepper, "closed": closed}


@pytest.fixture
def rollups(shops):
    """The rollup rows of the module docstring."""
    walnut, lily, pepper = shops["walnut"], shops["lily"], shops["pepper"]
    # The period.
    sale(
        walnut,
        D(2026, 11, 1),
        orders=2,
        gmv="100.50",
        items_total="90.00",
        group_orders=1,
        refunds=1,
        refund_amount="20.25",
        shipped=2,
        shipped_on_time=1,
        hub_shipped=1,
        hub_on_time=1,
        ship_seconds=72_000,
    )
    sale(walnut, D(2026, 11, 3), orders=1, gmv="39.90", items_total="35.00", shipped=1, shipped_on_time=1,
         ship_seconds=14_400)  # fmt: skip
    sale(
        lily,
        D(2026, 11, 2),
        orders=3,
        gmv="300.00",
        items_total="280.00",
        cross_border_orders=1,
        cross_border_gmv="120.00",
        shipped=3,
        shipped_on_time=3,
        ship_seconds=21_600,
    )
    sale(pepper, D(2026, 11, 10), orders=1, gmv="15.05", items_total="10.00")
    buyers(walnut, D(2026, 11, 1), 101, 102)
    buyers(walnut, D(2026, 11, 3), 101)
    buyers(lily, D(2026, 11, 2), 101, 103, 104)
    buyers(pepper, D(2026, 11, 10), 105)
    # The previous period.
    sale(walnut, D(2026, 10, 25), orders=2, gmv="80.00", items_total="70.00")
    sale(lily, D(2026, 10, 31), orders=1, gmv="50.00", items_total="45.00", refunds=1, refund_amount="50.00")
    buyers(walnut, D(2026, 10, 25), 201)
    buyers(lily, D(2026, 10, 31), 201)
    # Outside both.
    sale(walnut, D(2026, 11, 11), orders=5, gmv="500.00", items_total="500.00", shipped=5)
    sale(lily, D(2026, 10, 21), orders=9, gmv="900.00", items_total="900.00")
    buyers(walnut, D(2026, 11, 11), 301)

    walnuts = make_product(vendor=walnut, name="成县核桃", name_en="Chengxian walnuts", category="walnuts")
    bulbs = make_product(vendor=lily, name="兰州百合", name_en="Lanzhou lily", category="lily")
    peppercorns = make_product(vendor=pepper, name="大红袍花椒", name_en="", category="sichuan-pepper")
    goods(walnut, walnuts, D(2026, 11, 1), orders=2, gmv="90.00", quantity=3)
    goods(walnut, walnuts, D(2026, 11, 3), orders=1, gmv="35.00", quantity=1)
    goods(lily, bulbs, D(2026, 11, 2), orders=3, gmv="280.00", quantity=5)
    goods(pepper, peppercorns, D(2026, 11, 10), orders=1, gmv="10.00", quantity=2)
    goods(walnut, walnuts, D(2026, 11, 11), orders=5, gmv="500.00", quantity=5)

    shop_change("621221", "cooperative", D(2026, 1, 5), opened=1)
    shop_change("620102", "enterprise", D(2026, 3, 1), opened=2)
    shop_change("620102", "enterprise", D(2026, 11, 5), closed=1)
    shop_change("620102", "enterprise", D(2026, 11, 6), reopened=1)
    shop_change("621226", "individual", D(2026, 10, 23), opened=1)
    shop_change("621226", "individual", D(2026, 10, 30), closed=1)
    shop_change("621226", "individual", D(2026, 11, 4), opened=1)
    shop_change("620102", "enterprise", D(2026, 11, 20), opened=5)

    applications("621221", "cooperative", D(2026, 11, 2), submitted=2, approved=1, approval_seconds=36_000)
    applications("620102", "enterprise", D(2026, 11, 5), submitted=1, approved=1, approval_seconds=7_200)
    applications("621221", "cooperative", D(2026, 10, 28), submitted=1)

    destination("621221", "cooperative", D(2026, 11, 1), "110000", orders=2, gmv="100.50")
    destination("621221", "cooperative", D(2026, 11, 3), "620000", orders=1, gmv="39.90")
    destination("620102", "enterprise", D(2026, 11, 2), "620000", orders=2, gmv="180.00")
    destination("620102", "enterprise", D(2026, 11, 2), "810000", orders=1, gmv="120.00", outside=True)
    destination("621226", "individual", D(2026, 11, 10), "620000", orders=1, gmv="15.05")
    return shops


@pytest.fixture
def live_state(shops):
    """Fulfillment tasks and credit entries (the live counts beside the rollups)."""
    walnut, lily, closed = shops["walnut"], shops["lily"], shops["closed"]
    fulfillment_task(walnut, "queued")
    fulfillment_task(walnut, "shipped")
    fulfillment_task(lily, "packed")
    fulfillment_task(lily, "cancelled")
    credit_subject(walnut, red=True, grade="A")
    lily_subject = credit_subject(lily, grade="B")
    credit_subject(closed, black=True, grade="D")
    owner = UserFactory(username="lily_owner")
    open_objection(lily_subject, owner)
    open_objection(lily_subject, owner, status="upheld")
    return shops


@pytest.fixture
def bureau(db):
    return UserFactory(username="bureau", roles=["bureau"])


@pytest.fixture
def county_staff(db):
    """Bureau staff of 成县 only."""
    return UserFactory(username="chengxian", roles=["bureau"], roles__scope=["621221"])


@pytest.fixture
def longnan_staff(db):
    return UserFactory(username="longnan", roles=["bureau"], roles__scope=["621200"])
