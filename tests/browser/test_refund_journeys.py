"""Browser journey of after-sales: a buyer asks for part of a shipped order back → the shop rejects it with a
reason → the buyer takes it to the commerce bureau → bureau staff decide "refund" → the money goes back
through the sandbox gateway on this server, and the buyer sees the refund done."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from gansu_mall.accounts.tests.factories import PASSWORD, UserFactory
from orders.models import Order, Refund, SandboxRefund, SandboxTrade
from orders.services.addresses import AddressInput
from orders.services.checkout import CheckoutLine, checkout
from orders.services.orders import order_ship
from orders.services.payments import payment_mark_paid
from orders.tests.conftest import ADDRESS, make_product, make_shop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shipped(settings, tmp_path, live_server, regions_data):
    """A paid, shipped order of 2 × 成县核桃 at 39.90 (89.80 with shipping), paid at the sandbox."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    # Refunds are sent to the sandbox gateway, which lives on this server, over HTTP.
    settings.SITE_URL = live_server.url
    settings.SANDBOX_DELIVERY = "http"
    settings.ALIPAY_APP_ID = settings.ALIPAY_APP_PRIVATE_KEY = settings.ALIPAY_PUBLIC_KEY = ""
    bureau = UserFactory(username="bureau", roles=["bureau"])
    owner = UserFactory(username="walnut_owner")
    shop = make_shop(owner, bureau, uscc_prefix="93621221", county="621221", name="成县核桃合作社")
    sku = make_product(shop, name="成县核桃", code="HT-500", price="39.90", stock=10)
    buyer = UserFactory(username="shopper")
    result = checkout(
        buyer=buyer,
        address=AddressInput(**ADDRESS),
        lines=[CheckoutLine(sku_id=sku.pk, quantity=2)],
        note="",
        idempotency_key="journey",
        fingerprint="journey",
    )
    payment = result.payment
    SandboxTrade.objects.create(
        out_trade_no=payment.number,
        trade_no="T-JOURNEY",
        total_amount=payment.amount,
        status="TRADE_SUCCESS",
        paid_at=timezone.now(),
    )
    payment_mark_paid(payment_id=payment.pk, provider="alipay", trade_no="T-JOURNEY")
    order = Order.objects.get(pk=result.orders[0].pk)
    order_ship(order=order, actor=owner, carrier="sf", tracking_number="SF1234567890123")
    return Order.objects.get(pk=order.pk)


def sign_in(page, username):
    page.goto("/accounts/login/?lang=en")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button.button-primary").click()
    page.wait_for_load_state()
    expect(page.get_by_test_id("signed-in-as")).to_have_text(username)


def new_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page


def test_partial_refund_rejected_escalated_and_refunded_by_the_bureau(page, browser, live_server, shipped):
    order = shipped
    order_url = f"/orders/{order.pk}/"

    # The buyer asks for 20.00 of the 89.80 back.
    sign_in(page, "shopper")
    page.goto(order_url + "?lang=en")
    expect(page.get_by_test_id("refundable")).to_have_text("¥89.80")
    page.locator("#id_refund_reason").fill("坏果多")
    page.locator("#id_refund_kind_0").check()
    page.locator("#id_refund_amount").fill("20.00")
    page.get_by_test_id("ask-refund").click()
    page.wait_for_url(f"**{order_url}")
    expect(page.get_by_test_id("refund-status")).to_have_text("requested")
    expect(page.get_by_test_id("refund-amount")).to_have_text("¥20.00")
    refund = Refund.objects.get()
    assert (refund.amount, refund.status, refund.reason) == (Decimal("20.00"), "requested", "坏果多")

    # The shop rejects it, with a reason, on its order page.
    shop_context, shop = new_page(browser, live_server)
    sign_in(shop, "walnut_owner")
    shop.goto(f"/seller/{order.vendor.slug}/orders/{order.pk}/?lang=en")
    shop.locator(f"#id_decide{refund.pk}_reason").fill("照片显示完好")
    shop.get_by_test_id("reject").click()
    expect(shop.get_by_test_id("refund-status")).to_have_text("rejected by the shop")
    expect(shop.get_by_test_id("decision-form")).to_have_count(0)
    refund.refresh_from_db()
    assert (refund.status, refund.shop_note) == ("rejected", "照片显示完好")

    # The buyer takes it to the commerce bureau.
    page.goto(order_url + "?lang=en")
    expect(page.get_by_test_id("refund-shop-note")).to_have_text("照片显示完好")
    page.locator(f"#id_escalate{refund.pk}_note").fill("确有坏果，有照片")
    page.get_by_test_id("escalate").click()
    page.wait_for_url(f"**{order_url}")
    expect(page.get_by_test_id("refund-status")).to_have_text("with the commerce bureau")
    assert Refund.objects.get().status == "escalated"

    # Bureau staff find it under Disputes and decide: refund.
    bureau_context, bureau = new_page(browser, live_server)
    sign_in(bureau, "bureau")
    bureau.get_by_test_id("bureau-disputes").click()
    bureau.wait_for_url("**/bureau/disputes/")
    expect(bureau.get_by_test_id("dispute")).to_have_count(1)
    expect(bureau.get_by_test_id("refund-reason")).to_have_text("坏果多")
    expect(bureau.get_by_test_id("refund-shop-note")).to_have_text("照片显示完好")
    bureau.locator(f"#id_arbitrate{refund.pk}_decision_0").check()
    bureau.locator(f"#id_arbitrate{refund.pk}_note").fill("照片可见坏果，支持买家")
    bureau.get_by_test_id("arbitrate").click()
    bureau.wait_for_load_state()
    expect(bureau.get_by_test_id("refund-status")).to_have_text("refunded")
    expect(bureau.get_by_test_id("arbitration-form")).to_have_count(0)

    # The money went back through the gateway; the buyer sees the refund done.
    refund.refresh_from_db()
    assert (refund.status, refund.arbitration_note) == ("refunded", "照片可见坏果，支持买家")
    assert list(SandboxRefund.objects.values_list("out_request_no", "amount")) == [
        (refund.number, Decimal("20.00"))
    ]
    assert list(refund.events.order_by("id").values_list("to_status", flat=True)) == [
        "requested",
        "rejected",
        "escalated",
        "approved",
        "refunded",
    ]
    page.goto(order_url + "?lang=en")
    expect(page.get_by_test_id("refund-status")).to_have_text("refunded")
    expect(page.get_by_test_id("refund-arbitration-note")).to_have_text("照片可见坏果，支持买家")
    expect(page.get_by_test_id("refundable")).to_have_text("¥69.80")
    assert Order.objects.get(pk=order.pk).status == "shipped"
    shop_context.close()
    bureau_context.close()
