"""Browser journey of the hub: a warehouse worker (in Chinese, on a tablet-sized screen) claims the next
task, picks it bin by bin, packs and ships it; the buyer's order page (in English) shows it shipped with
the carrier, tracking number and tracking timeline."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from gansu_mall.accounts.tests.factories import PASSWORD, UserFactory
from logistics.models import Bin, FulfillmentTask, ShippingRate, Warehouse
from logistics.reference_data import load_hub
from logistics.tests.conftest import food_licence, hub_sku, lot, paid_order, stock_hub
from orders.models import Order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, username: str, lang: str) -> None:
    page.goto(f"/accounts/login/?lang={lang}")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button.button-primary").click()
    page.wait_for_url("**/")


@pytest.fixture
def hub_order(regions_data):
    from vendors.tests.factories import open_shop

    load_hub(Warehouse, Bin, ShippingRate)
    owner = UserFactory(username="owner_zhang")
    shop = open_shop(owner, UserFactory(username="bureau_li", roles=["bureau"]))
    food_licence(shop, owner, "JY-HUB")
    worker = UserFactory(username="picker_wang", roles=["warehouse"])
    walnut = hub_sku(shop, code="HT-500")
    batch = lot(walnut, 40)
    stock_hub(walnut, owner, worker, 20, batch=batch, bin_code="A-01-02")
    buyer = UserFactory(username="buyer_chen")
    (order,) = paid_order(buyer, {walnut: 2})
    return order, batch


def test_a_worker_claims_picks_packs_and_ships_and_the_buyer_sees_tracking(hub_order, browser, live_server):
    order, batch = hub_order
    tablet = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1024, "height": 768}
    )
    page = tablet.new_page()
    page.set_default_timeout(15000)
    sign_in(page, "picker_wang", "zh-hans")
    page.get_by_test_id("warehouse-link").click()
    page.wait_for_url("**/warehouse/")
    expect(page.get_by_test_id("depth-standard")).to_have_text("1")
    page.get_by_test_id("claim-next").click()
    task = FulfillmentTask.objects.get(order_ref=order.pk)
    page.wait_for_url(f"**/warehouse/tasks/{task.pk}/")
    expect(page.get_by_test_id("task-status")).to_have_text("已领取")
    picks = page.get_by_test_id("pick-list")
    expect(picks).to_contain_text("A-01-02")
    expect(picks).to_contain_text(batch.trace_code)
    page.get_by_test_id("picked").click()
    expect(page.get_by_test_id("task-status")).to_have_text("已拣货")
    page.get_by_label("重量（克）").fill("1100")
    page.get_by_test_id("packed").click()
    expect(page.get_by_test_id("task-status")).to_have_text("已打包")
    page.get_by_label("快递公司").select_option("sf")
    page.get_by_label("运单号").fill("SF12345")
    page.get_by_test_id("ship").click()
    expect(page.get_by_test_id("action-errors").or_(page.locator(".field-error"))).to_contain_text("运单号")
    expect(page.get_by_test_id("task-status")).to_have_text("已打包")
    page.get_by_label("运单号").fill("SF123456789012")
    page.get_by_test_id("ship").click()
    expect(page.get_by_test_id("task-status")).to_have_text("已发货")
    expect(page.get_by_test_id("task-tracking")).to_contain_text("SF123456789012")
    label = page.get_by_test_id("print-link").get_attribute("href")
    page.goto(label)
    expect(page.get_by_test_id("label-tracking")).to_have_text("SF123456789012")
    tablet.close()
    assert Order.objects.get(pk=order.pk).status == "shipped"

    desk = browser.new_context(base_url=live_server.url, locale="en-GB")
    page = desk.new_page()
    page.set_default_timeout(15000)
    sign_in(page, "buyer_chen", "en")
    page.goto(f"/orders/{order.pk}/?lang=en")
    expect(page.get_by_test_id("order-status")).to_have_text("shipped")
    expect(page.get_by_test_id("carrier")).to_have_text("SF Express")
    expect(page.get_by_test_id("tracking-number")).to_have_text("SF123456789012")
    expect(page.get_by_test_id("tracking-events")).to_contain_text(re.compile("Handed to the carrier", re.I))
    expect(page.get_by_test_id("item-lot")).to_contain_text(batch.trace_code)
    desk.close()


def test_a_short_pick_goes_to_the_lead_who_cancels_and_the_buyer_is_refunded(hub_order, browser, live_server):
    from logistics.models import Warehouse as Hub

    order, _batch = hub_order
    lead = UserFactory(username="lead_ma", roles=["warehouse"])
    Hub.objects.filter(code="LZXQ").update(lead=lead)
    desk = browser.new_context(
        base_url=live_server.url, locale="en-GB", viewport={"width": 1024, "height": 768}
    )
    page = desk.new_page()
    page.set_default_timeout(15000)
    sign_in(page, "picker_wang", "en")
    page.goto("/warehouse/?lang=en")
    page.get_by_test_id("claim-next").click()
    task = FulfillmentTask.objects.get(order_ref=order.pk)
    page.wait_for_url(f"**/warehouse/tasks/{task.pk}/")
    page.get_by_label("Units found A-01-02").fill("1")
    page.get_by_test_id("picked").click()
    expect(page.get_by_test_id("task-status")).to_have_text("exception")
    expect(page.get_by_test_id("task-exception")).to_contain_text("short pick")
    page.context.clear_cookies()

    sign_in(page, "lead_ma", "en")
    page.goto("/warehouse/?lang=en")
    expect(page.get_by_test_id("exceptions")).to_have_text("1")
    page.get_by_test_id("tasks-exceptions").get_by_role("link", name=order.number).click()
    page.get_by_label("Reason").fill("The bin held one box; the shop has no more.")
    page.get_by_test_id("cancel-order").click()
    expect(page.get_by_test_id("task-status")).to_have_text("cancelled")
    page.context.clear_cookies()

    sign_in(page, "buyer_chen", "en")
    page.goto(f"/orders/{order.pk}/?lang=en")
    expect(page.get_by_test_id("order-status")).to_have_text("cancelled")
    desk.close()
    assert Order.objects.get(pk=order.pk).refunds.get().amount == order.total
