"""Settlement pages: the seller centre's balance and statements (and CSV), the payouts desk, commission."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.models import Category
from gansu_mall.accounts.tests.factories import UserFactory
from orders.settlement.models import CommissionRate, Payout, PayoutBatch, Settlement, ShopCommission
from orders.settlement.settlement import settlement_run
from orders.tests.helpers import completed_order, days_ago, refunded
from vendors.models import PayoutAccount

pytestmark = pytest.mark.django_db


def html(response) -> str:
    return response.content.decode()


@pytest.fixture
def settled(buyer, walnuts, lilies, walnut_owner, lily_owner, walnut_shop):
    CommissionRate.objects.create(category=Category.objects.get(slug="nuts"), rate=Decimal("0.06"))
    first = completed_order(buyer, walnuts, walnut_owner, quantity=2, key="a", completed_at=days_ago(9))
    completed_order(buyer, lilies, lily_owner, key="b", completed_at=days_ago(8))
    settlement_run(as_of=timezone.localdate())
    refunded(first, "10.00", number="R-late")
    completed_order(buyer, walnuts, walnut_owner, key="c", completed_at=days_ago(1))
    settlement_run(as_of=timezone.localdate() + timedelta(days=8))
    PayoutAccount.objects.update_or_create(
        vendor=walnut_shop,
        defaults={
            "bank_name": "甘肃银行",
            "holder": "成县核桃合作社",
            "number": "6222021234567890123",
            "last4": "0123",
            "updated_by": walnut_owner,
        },
    )
    return first


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_every_settlement_page_renders_in_both_languages(client, settled, walnut_owner, walnut_shop, lang):
    marker = '<html lang="en">' if lang == "en" else '<html lang="zh-Hans">'
    statement = Settlement.objects.filter(vendor=walnut_shop).order_by("period_end").first()
    admin = UserFactory(username="platform", roles=["admin"])
    pages = {
        walnut_owner: [
            f"/seller/{walnut_shop.slug}/settlement/",
            f"/seller/{walnut_shop.slug}/settlement/statements/{statement.pk}/",
        ],
        admin: ["/bureau/payouts/", "/bureau/payouts/?status=exported", "/bureau/commission/"],
    }
    for user, urls in pages.items():
        client.force_login(user)
        for url in urls:
            response = client.get(f"{url}{'&' if '?' in url else '?'}lang={lang}")
            assert response.status_code == 200, url
            assert marker in html(response), url


def test_the_seller_sees_the_balance_and_statements(client, settled, walnut_owner, walnut_shop):
    client.force_login(walnut_owner)
    page = html(client.get(f"/seller/{walnut_shop.slug}/settlement/?lang=en"))
    # first statement: 89.80 − 4.79; second: 49.90 − 2.39 − 10.00 adjustment = 37.51
    assert page.count('data-testid="statement-row"') == 2
    assert '<dd data-testid="balance-in-payout">\n        122.52' in page
    assert '<dd data-testid="balance-pending">\n        0.00' in page
    assert "85.01" in page
    assert "37.51" in page


def test_one_statement_shows_its_orders_adjustments_and_csv(client, settled, walnut_owner, walnut_shop):
    client.force_login(walnut_owner)
    second = Settlement.objects.filter(vendor=walnut_shop).order_by("period_end").last()
    page = html(client.get(f"/seller/{walnut_shop.slug}/settlement/statements/{second.pk}/?lang=en"))
    assert page.count('data-testid="line-row"') == 1
    assert "R-late" in page
    assert "-10.00" in page
    response = client.get(f"/seller/{walnut_shop.slug}/settlement/statements/{second.pk}/csv/")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = response.content.decode("utf-8-sig").splitlines()
    line = second.lines.get()
    assert rows[0] == "order_number,completed_at,gross,refunds,commission,net"
    assert rows[1].split(",")[0] == line.order.number
    assert rows[1].split(",")[2:] == ["49.90", "0.00", "2.39", "47.51"]
    assert rows[2].split(",") == [settled.number, "", "0.00", "10.00", "0.00", "-10.00"]
    assert rows[3].split(",") == [
        "TOTAL",
        f"{second.period_start}/{second.period_end}",
        "49.90",
        "10.00",
        "2.39",
        "37.51",
    ]


def test_another_shop_gets_404_on_every_seller_page(client, settled, lily_owner, walnut_shop):
    statement = Settlement.objects.filter(vendor=walnut_shop).first()
    client.force_login(lily_owner)
    for url in (
        f"/seller/{walnut_shop.slug}/settlement/",
        f"/seller/{walnut_shop.slug}/settlement/statements/{statement.pk}/",
        f"/seller/{walnut_shop.slug}/settlement/statements/{statement.pk}/csv/",
    ):
        assert client.get(url).status_code == 404, url
    lily_slug = Settlement.objects.exclude(vendor=walnut_shop).get().vendor.slug
    # the walnut statement under the lily shop's URL is absent too
    assert client.get(f"/seller/{lily_slug}/settlement/statements/{statement.pk}/").status_code == 404


def test_the_desk_exports_downloads_and_confirms(client, settled, bureau, walnut_owner, walnut_shop):
    client.force_login(walnut_owner)
    assert client.get("/bureau/payouts/").status_code == 403
    assert client.post("/bureau/payouts/export/").status_code == 403
    client.force_login(bureau)
    response = client.post("/bureau/payouts/export/?lang=en", follow=True)
    assert "Batch B" in html(response)
    batch = PayoutBatch.objects.get()
    assert (
        batch.count == 3
    )  # two walnut statements, and the lily shop's (its account came with its application)
    csv = client.get(f"/bureau/payouts/batches/{batch.pk}/csv/")
    assert "6222021234567890123" in csv.content.decode("utf-8-sig")
    payout = Payout.objects.filter(vendor=walnut_shop).order_by("pk").first()
    failed = client.post(f"/bureau/payouts/{payout.pk}/failed/?lang=en", {"reason": ""}, follow=True)
    assert "Say why the transfer failed." in html(failed)
    assert Payout.objects.get(pk=payout.pk).status == "exported"
    client.post(f"/bureau/payouts/{payout.pk}/paid/", {"note": "回单"})
    assert Payout.objects.get(pk=payout.pk).status == "paid"


def test_only_platform_admins_set_commission(client, settled, bureau, walnut_shop):
    client.force_login(bureau)
    assert client.get("/bureau/commission/").status_code == 403
    admin = UserFactory(username="platform", roles=["admin"])
    client.force_login(admin)
    bad = client.post("/bureau/commission/?lang=en", {"form": "shop", "shop": walnut_shop.slug, "rate": "2"})
    assert bad.status_code == 200
    assert "at most four decimals" in html(bad) or "between 0 and 1" in html(bad)
    assert not ShopCommission.objects.exists()
    client.post(
        "/bureau/commission/", {"form": "shop", "shop": walnut_shop.slug, "rate": "2%", "note": "扶持"}
    )
    assert ShopCommission.objects.get().rate == Decimal("0.0200")
    fruit = Category.objects.filter(parent__isnull=True).exclude(slug="nuts").first()
    client.post("/bureau/commission/", {"form": "category", "category": fruit.pk, "rate": "0.08"})
    assert CommissionRate.objects.get(category=fruit).rate == Decimal("0.0800")
    client.post("/bureau/commission/", {"form": "shop", "shop": walnut_shop.slug, "rate": ""})
    assert not ShopCommission.objects.exists()


def test_page_query_counts_do_not_grow(
    client, settled, walnut_owner, walnut_shop, bureau, django_assert_max_num_queries
):
    client.force_login(walnut_owner)
    url = f"/seller/{walnut_shop.slug}/settlement/"
    statement = Settlement.objects.filter(vendor=walnut_shop).order_by("period_end").first()
    detail = f"/seller/{walnut_shop.slug}/settlement/statements/{statement.pk}/"
    with django_assert_max_num_queries(25) as one:
        client.get(url)
    with django_assert_max_num_queries(25) as one_detail:
        client.get(detail)
    client.force_login(bureau)
    with django_assert_max_num_queries(25) as one_desk:
        client.get("/bureau/payouts/")
    last = Settlement.objects.filter(vendor=walnut_shop).order_by("period_end").last()
    for i in range(1, 6):
        day = last.period_end + timedelta(days=i)
        Settlement.objects.create(
            vendor=walnut_shop,
            period_start=day,
            period_end=day,
            orders_count=0,
            gross=0,
            commission=0,
            refunds=0,
            adjustments=0,
            net=0,
            status="nothing_to_pay",
        )
        Payout.objects.create(number=f"P-extra-{i}", vendor=walnut_shop, amount=Decimal("1.00"))
    from orders.settlement.models import SettlementLine

    others = [
        completed_order(
            UserFactory(username=f"b{i}"),
            statement.lines.first().order.items.first().sku,
            walnut_owner,
            key=f"x{i}",
        )
        for i in range(3)
    ]
    SettlementLine.objects.bulk_create(
        [
            SettlementLine(settlement=statement, order=o, gross=o.total, commission=0, refunds=0, net=o.total)
            for o in others
        ]
    )
    with django_assert_max_num_queries(len(one_desk.captured_queries)):
        assert html(client.get("/bureau/payouts/")).count('data-testid="payout-row"') == 8
    client.force_login(walnut_owner)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert html(client.get(url)).count('data-testid="statement-row"') == 7
    with django_assert_max_num_queries(len(one_detail.captured_queries)):
        assert html(client.get(detail)).count('data-testid="line-row"') == 4
