"""Browser journey of a group buy (拼团): a shop offers walnuts in groups of two; buyer A starts a group on
the product page and pays in the sandbox; buyer B, in another browser, joins A's group and pays; the group
fills, both orders are paid, and the product page no longer lists the group as open."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from catalog import services
from gansu_mall.accounts.tests.factories import PASSWORD, UserFactory
from orders.models import Group, Order, Payment
from orders.services.group_buys import GroupBuyInput, group_buy_create
from vendors import services as vendor_services
from vendors.tests.factories import jpeg, make_uscc, open_shop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def offer(settings, tmp_path, live_server, regions_data):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    # The sandbox gateway lives on this server and sends its notifications back to it over HTTP.
    settings.SITE_URL = live_server.url
    settings.SANDBOX_DELIVERY = "http"
    settings.ALIPAY_APP_ID = settings.ALIPAY_APP_PRIVATE_KEY = settings.ALIPAY_PUBLIC_KEY = ""
    bureau = UserFactory(username="bureau", roles=["bureau"])
    owner = UserFactory(username="walnut_owner")
    vendor = open_shop(owner, bureau, uscc=make_uscc("93621221"), shop_name="成县核桃合作社")
    vendor_services.qualification_add(
        vendor=vendor,
        actor_role="owner",
        actor=owner,
        kind="food",
        number="JY-HT",
        expires_on=timezone.localdate() + timedelta(days=300),
        document=jpeg(),
    )
    product = services.product_create(
        vendor=vendor,
        data=services.ProductInput(
            name="成县核桃",
            category="walnuts",
            origin_county_code="621221",
            status="active",
            skus=[services.SkuInput(code="HT", spec="500 g", price="39.90", stock=20, weight_grams=520)],
        ),
    )
    UserFactory(username="buyer_a")
    UserFactory(username="buyer_b")
    return group_buy_create(
        vendor=vendor,
        data=GroupBuyInput(
            sku_id=product.skus.get().pk, group_price="29.90", group_size=2, duration_hours=24
        ),
    )


def sign_in(page, username):
    page.wait_for_url("**/accounts/login/**")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button.button-primary").click()


def fill_address_and_pay(page, recipient, phone):
    page.wait_for_url("**/group-buys/**/join/**")
    page.locator("#id_recipient").fill(recipient)
    page.locator("#id_phone").fill(phone)
    page.locator("#id_province_code").select_option("620000")
    page.locator("#id_county_code").select_option("621221")
    page.locator("#id_detail").fill("城关镇东大街 12 号")
    page.get_by_test_id("join-and-pay").click()
    page.wait_for_url("**/sandbox/alipay/checkout/**")
    expect(page.get_by_test_id("sandbox-amount")).to_have_text("¥39.90")  # 29.90 + 10.00 shipping
    page.get_by_test_id("sandbox-pay-button").click()
    page.wait_for_url("**/orders/paid/**")


def test_two_buyers_fill_a_group_and_both_orders_are_paid(page, browser, live_server, offer):
    product_url = f"/products/{offer.sku.product_id}/"

    # Buyer A starts a group and pays; the order waits for the group.
    page.goto(product_url)
    expect(page.get_by_test_id("group-price")).to_have_count(1)
    expect(page.get_by_test_id("open-group")).to_have_count(0)
    page.get_by_test_id("start-group").click()
    sign_in(page, "buyer_a")
    fill_address_and_pay(page, "王小明", "13800138000")
    order_a = Order.objects.get(buyer__username="buyer_a")
    assert (order_a.status, order_a.total, order_a.payment.status) == (
        "awaiting_group",
        Decimal("39.90"),
        "paid",
    )
    group = Group.objects.get()
    assert (group.leader.username, group.status) == ("buyer_a", "forming")

    # Buyer B, in a browser of their own, joins A's group from the product page and pays.
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    try:
        page_b = context.new_page()
        page_b.set_default_timeout(15000)
        page_b.goto(product_url)
        expect(page_b.get_by_test_id("open-group")).to_have_count(1)
        expect(page_b.get_by_test_id("group-members")).to_have_text("1 / 2")
        page_b.get_by_test_id("join-group").click()
        sign_in(page_b, "buyer_b")
        expect(page_b.get_by_test_id("group-members")).to_have_text("1 / 2")
        fill_address_and_pay(page_b, "李雷", "13912345678")

        group.refresh_from_db()
        assert group.status == "filled"
        assert sorted(Order.objects.values_list("buyer__username", "status", "group_id")) == [
            ("buyer_a", "paid", group.pk),
            ("buyer_b", "paid", group.pk),
        ]
        assert set(Payment.objects.values_list("status", flat=True)) == {"paid"}

        # The group is no longer open on the product page; B's order page shows it filled.
        page_b.goto(product_url)
        expect(page_b.get_by_test_id("group-offer")).to_have_count(1)
        expect(page_b.get_by_test_id("open-group")).to_have_count(0)
        order_b = Order.objects.get(buyer__username="buyer_b")
        page_b.goto(f"/orders/{order_b.pk}/?lang=en")
        expect(page_b.get_by_test_id("group-status")).to_have_text("filled")
        expect(page_b.get_by_test_id("group-paid")).to_have_text("2 / 2")
    finally:
        context.close()
    page.goto(product_url)
    expect(page.get_by_test_id("open-group")).to_have_count(0)
