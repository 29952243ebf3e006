"""Browser journeys of the catalog: search 核桃, narrow by place, open the product; a seller adds a product."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from catalog import services, trace
from catalog.models import Product
from gansu_mall.accounts.tests.factories import PASSWORD, UserFactory
from vendors import services as vendor_services
from vendors.tests.factories import jpeg, open_shop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    owner = UserFactory(username="seller")
    vendor = open_shop(owner, UserFactory(username="bureau", roles=["bureau"]), shop_name="陇原优选")
    vendor_services.qualification_add(
        vendor=vendor,
        actor_role="owner",
        actor=owner,
        kind="food",
        number="JY1",
        expires_on=timezone.localdate() + timedelta(days=300),
        document=jpeg(),
    )
    return vendor


def add(shop, name, code, county):
    product = services.product_create(
        vendor=shop,
        data=services.ProductInput(
            name=name,
            category="walnuts",
            origin_county_code=county,
            status="active",
            skus=[services.SkuInput(code=code, spec="500 g", price="39.90", stock=12, weight_grams=520)],
        ),
    )
    batch = trace.batch_create(
        sku=product.skus.get(),
        data=trace.BatchInput(
            quantity=10, origin_county_code=county, base_name="核桃基地", harvested_on=date(2026, 9, 20)
        ),
    )
    trace.batch_event_add(
        batch=batch,
        actor=shop.memberships.get().user,
        event_type="harvest",
        occurred_at=timezone.now() - timedelta(days=30),
        location="红川镇",
        summary="人工采收",
    )


def test_search_filter_and_open_a_product(page, shop):
    add(shop, "成县薄壳核桃", "A", "621221")
    add(shop, "岷县核桃", "B", "621126")
    page.goto("/?lang=zh-hans")
    page.locator("#site-search").fill("核桃")
    page.locator("form.search button").click()
    page.wait_for_url("**/search/?q=*")
    assert page.get_by_test_id("results").locator(".product-card").count() == 2
    page.locator("#f-prefecture").select_option("621200")  # htmx swaps the results in place
    expect(page.get_by_test_id("results").locator(".product-card")).to_have_count(1)
    assert "origin_prefecture=621200" in page.url
    page.get_by_role("link", name="成县薄壳核桃").click()
    assert page.get_by_test_id("product-name").inner_text() == "成县薄壳核桃"
    page.get_by_test_id("trace-link").click()
    assert page.get_by_test_id("trace-code").inner_text().startswith("GS")
    assert "采收" in page.get_by_test_id("trace-events").inner_text()
    page.go_back()
    page.get_by_test_id("shop-link").click()
    assert page.get_by_test_id("shop-title").inner_text() == "陇原优选"


def test_seller_adds_a_product_with_a_photo(page, shop, tmp_path):
    page.goto("/accounts/login/?lang=en")
    page.locator("#id_username").fill("seller")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button.button-primary").click()
    page.wait_for_url("**/")
    page.goto(f"/seller/{shop.slug}/")
    page.get_by_test_id("manage-products").click()
    page.get_by_role("link", name="Add a product").click()
    page.get_by_label("Product name").fill("核桃仁")
    page.locator("#id_category").select_option("walnuts")
    page.locator("#id_origin_county_code").select_option("621221")
    page.locator("#id_status").select_option("active")
    page.locator("#id_skus-0-code").fill("HTR-250")
    page.locator("#id_skus-0-spec").fill("250 g")
    page.locator("#id_skus-0-price").fill("29.90")
    page.locator("#id_skus-0-stock").fill("40")
    page.locator("#id_skus-0-weight_grams").fill("270")
    page.locator("form button.button-primary").click()
    page.wait_for_url("**/products/*/")
    assert page.get_by_test_id("product-status").inner_text() == "on sale"
    product = Product.objects.get(name="核桃仁")
    assert product.skus.get().stock == 40
    photo = tmp_path / "kernels.jpg"
    Image.new("RGB", (900, 600), (160, 120, 70)).save(photo, format="JPEG")
    page.locator("#photo").set_input_files(str(photo))
    page.locator("form:has(#photo) button").click()
    page.wait_for_url("**/products/*/")
    assert product.images.count() == 1
    assert page.locator(".gallery img").count() == 1
    page.goto("/search/?q=hetaoren")
    assert page.get_by_test_id("results").locator(".product-card").count() == 1


def test_seller_registers_a_lot_and_fails_its_inspection(page, shop):
    product = services.product_create(
        vendor=shop,
        data=services.ProductInput(
            name="兰州百合鲜品",
            category="walnuts",
            origin_county_code="620102",
            status="active",
            storage="chilled",
            shelf_life_days=20,
            skus=[services.SkuInput(code="LH-500", spec="500 g", price="38.00", stock=0, weight_grams=520)],
        ),
    )
    page.goto("/accounts/login/?lang=en")
    page.locator("#id_username").fill("seller")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button.button-primary").click()
    page.wait_for_url("**/")
    page.goto(f"/seller/{shop.slug}/products/{product.pk}/")
    page.get_by_test_id("lots-link").click()
    page.locator("#id_quantity").fill("80")
    page.locator("#id_base_name").fill("西果园百合基地")
    page.locator("#id_harvested_on").fill((timezone.localdate() - timedelta(days=2)).isoformat())
    page.locator("form button.button-primary").click()
    page.wait_for_url("**/batches/*/")
    code = page.get_by_test_id("batch-code").inner_text()
    assert page.get_by_test_id("batch-remaining").inner_text() == "80 / 80"
    assert product.skus.get().stock == 80
    page.locator("#id_event_type").select_option("inspect")
    page.locator("#id_occurred_at").fill(timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
    page.locator("#id_location").fill("兰州市食品检验所")
    page.locator("#id_summary").fill("二氧化硫超标")
    page.locator("#id_result").select_option("fail")
    page.locator("form button.button-primary").click()
    page.wait_for_url("**/batches/*/")
    expect(page.get_by_test_id("batch-blocked")).to_contain_text("二氧化硫超标")
    assert product.skus.get().stock == 0
    page.goto(f"/trace/{code}/?lang=zh-hans")
    expect(page.get_by_test_id("trace-blocked")).to_contain_text("该批次已停售")
    assert "检验" in page.get_by_test_id("trace-events").inner_text()
