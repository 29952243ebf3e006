"""Browser journey of buying: products from two shops → cart → checkout → pay in the sandbox → two paid
orders."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from catalog import services
from gansu_mall.accounts.tests.factories import PASSWORD, UserFactory
from orders.models import Order, Payment
from vendors import services as vendor_services
from vendors.tests.factories import jpeg, make_uscc, open_shop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shop_with_product(bureau, owner_name, uscc_prefix, shop_name, product_name, code, price):
    owner = UserFactory(username=owner_name)
    vendor = open_shop(owner, bureau, uscc=make_uscc(uscc_prefix), shop_name=shop_name)
    vendor_services.qualification_add(
        vendor=vendor,
        actor_role="owner",
        actor=owner,
        kind="food",
        number=f"JY-{code}",
        expires_on=timezone.localdate() + timedelta(days=300),
        document=jpeg(),
    )
    return services.product_create(
        vendor=vendor,
        data=services.ProductInput(
            name=product_name,
            category="walnuts",
            origin_county_code="621221",
            status="active",
            skus=[services.SkuInput(code=code, spec="500 g", price=price, stock=20, weight_grams=520)],
        ),
    )


@pytest.fixture
def products(settings, tmp_path, live_server):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    # The sandbox gateway lives on this server and sends its notification back to it over HTTP.
    settings.SITE_URL = live_server.url
    settings.SANDBOX_DELIVERY = "http"
    settings.ALIPAY_APP_ID = settings.ALIPAY_APP_PRIVATE_KEY = settings.ALIPAY_PUBLIC_KEY = ""
    bureau = UserFactory(username="bureau", roles=["bureau"])
    walnuts = shop_with_product(
        bureau, "walnut_owner", "93621221", "成县核桃合作社", "成县核桃", "HT", "39.90"
    )
    lilies = shop_with_product(bureau, "lily_owner", "91620100", "兰州百合社", "兰州百合", "BH", "58.00")
    UserFactory(username="shopper")
    return walnuts, lilies


def test_buy_from_two_shops_and_pay_in_the_sandbox(page, products):
    walnuts, lilies = products
    for product in (walnuts, lilies):
        page.goto(f"/products/{product.pk}/?lang=zh-hans")
        page.get_by_test_id("add-to-cart-button").click()
        page.wait_for_load_state()
    page.goto("/cart/")
    expect(page.get_by_test_id("cart-shop")).to_have_count(2)
    expect(page.get_by_test_id("cart-total")).to_have_text("¥97.90")
    page.get_by_test_id("checkout-link").click()
    page.wait_for_url("**/accounts/login/**")  # the guest cart waits for the sign-in
    page.locator("#id_username").fill("shopper")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button.button-primary").click()
    page.wait_for_url("**/checkout/")
    expect(page.get_by_test_id("checkout-shop")).to_have_count(2)
    expect(page.get_by_test_id("grand-total")).to_have_text("¥117.90")  # 97.90 + 2 × 10.00 shipping
    page.locator("#id_recipient").fill("王小明")
    page.locator("#id_phone").fill("13800138000")
    page.locator("#id_province_code").select_option("620000")
    page.locator("#id_county_code").select_option("621221")
    page.locator("#id_detail").fill("城关镇东大街 12 号")
    page.get_by_test_id("place-order").click()
    page.wait_for_url("**/sandbox/alipay/checkout/**")
    expect(page.get_by_test_id("sandbox-amount")).to_have_text("¥117.90")
    page.get_by_test_id("sandbox-pay-button").click()
    page.wait_for_url("**/orders/paid/**")
    assert Payment.objects.get().status == "paid"
    assert sorted(Order.objects.values_list("vendor__name", "status")) == [
        ("兰州百合社", "paid"),
        ("成县核桃合作社", "paid"),
    ]
    page.goto("/orders/")
    assert page.get_by_text("已付款").count() >= 2
