"""Storefront and seller pages of the catalog."""

from __future__ import annotations

import pytest

from catalog import services
from catalog.models import Product, Sku
from gansu_mall.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def add(shop, name, code, county="621221", category="walnuts", price="39.90", stock=10, gi=""):
    return services.product_create(
        vendor=shop,
        data=services.ProductInput(
            name=name,
            category=category,
            origin_county_code=county,
            status="active",
            gi_certificate=gi,
            skus=[services.SkuInput(code=code, spec="500 g", price=price, stock=stock, weight_grams=520)],
        ),
    )


def test_search_page_with_facets_and_filters(client, shop, django_assert_max_num_queries):
    add(shop, "成县核桃", "A", gi="成县核桃 GI")
    add(shop, "徽县核桃", "B", county="621227")
    add(shop, "岷县核桃", "C", county="621126", stock=0)
    with django_assert_max_num_queries(12):
        response = client.get("/search/?q=核桃&lang=en")
    html = response.content.decode()
    assert response.status_code == 200
    assert "3 results for “核桃”" in html
    assert "Longnan (2)" in html
    assert "Dingxi (1)" in html
    filtered = client.get("/search/?q=核桃&origin_prefecture=621100&lang=en").content.decode()
    assert "1 result for “核桃”" in filtered
    assert "岷县核桃" in filtered
    assert "徽县核桃" not in filtered
    assert "2 results" in client.get("/search/?q=核桃&in_stock=true&lang=en").content.decode()
    assert "1 result" in client.get("/search/?q=核桃&gi=true&lang=en").content.decode()


def test_search_page_htmx_returns_the_results_block(client, shop):
    add(shop, "成县核桃", "A")
    response = client.get("/search/?q=hetao", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<h1 class="results-title">')
    assert "<html" not in html
    assert "成县核桃" in html


def test_search_page_query_count_does_not_grow(client, shop, django_assert_max_num_queries):
    add(shop, "核桃0", "P0")
    with django_assert_max_num_queries(12) as one:
        client.get("/search/?q=核桃")
    for i in range(1, 25):
        add(shop, f"核桃{i}", f"P{i}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get("/search/?q=核桃")


def test_product_page_and_404s(client, shop):
    product = add(shop, "成县核桃", "A")
    html = client.get(f"/products/{product.pk}/?lang=en").content.decode()
    assert 'data-testid="product-name">成县核桃<' in html
    assert "Cheng County" in html
    assert client.get("/products/999999/").status_code == 404
    Product.objects.filter(pk=product.pk).update(status="draft")
    assert client.get(f"/products/{product.pk}/").status_code == 404


def test_shop_page_lists_products(client, shop):
    add(shop, "成县核桃", "A")
    assert "成县核桃" in client.get(f"/shops/{shop.slug}/").content.decode()


def test_seller_adds_a_product_on_the_page(client, shop, owner):
    client.force_login(owner)
    form = {
        "name": "核桃仁",
        "name_en": "",
        "category": "walnuts",
        "origin_county_code": "621221",
        "storage": "ambient",
        "shelf_life_days": "180",
        "gi_certificate": "",
        "description": "",
        "description_en": "",
        "status": "active",
        "skus-TOTAL_FORMS": "3",
        "skus-INITIAL_FORMS": "0",
        "skus-MIN_NUM_FORMS": "0",
        "skus-MAX_NUM_FORMS": "10",
        "skus-0-code": "HTR-250",
        "skus-0-spec": "250 g",
        "skus-0-price": "29.9",
        "skus-0-stock": "40",
        "skus-0-weight_grams": "270",
        "skus-0-fulfilled_by": "vendor",
    }
    bad = client.post(f"/seller/{shop.slug}/products/new/?lang=en", {**form, "skus-0-price": "29.999"})
    assert bad.status_code == 200
    assert "SKU row 1: Enter a price above zero with at most two decimals." in bad.content.decode()
    assert Product.objects.count() == 0
    response = client.post(f"/seller/{shop.slug}/products/new/", form)
    product = Product.objects.get()
    assert response["Location"] == f"/seller/{shop.slug}/products/{product.pk}/"
    sku = product.skus.get()
    assert (sku.price, sku.stock) == (sku.price.__class__("29.90"), 40)
    client.post(
        f"/seller/{shop.slug}/products/{product.pk}/",
        {"action": "sku", "sku": sku.pk, "price": "31.00", "stock": "55"},
    )
    assert Sku.objects.filter(pk=sku.pk).values_list("price", "stock").get() == (
        sku.price.__class__("31.00"),
        55,
    )
    client.post(
        f"/seller/{shop.slug}/products/{product.pk}/", {"action": "sku", "sku": sku.pk, "stock": "-3"}
    )
    assert Sku.objects.get(pk=sku.pk).stock == 55
    other_sku = client.post(
        f"/seller/{shop.slug}/products/{product.pk}/", {"action": "sku", "sku": "999999", "stock": "1"}
    )
    assert other_sku.status_code == 302  # not this product's SKU: refused with a message, not a 500
    client.post(f"/seller/{shop.slug}/products/{product.pk}/", {"action": "deactivate"})
    assert Product.objects.get().status == "inactive"
    listing = client.get(f"/seller/{shop.slug}/products/").content.decode()
    assert "核桃仁" in listing


def test_seller_pages_are_404_for_other_shops(client, shop, other_shop):
    product = add(shop, "成县核桃", "A")
    client.force_login(other_shop.memberships.get().user)
    assert client.get(f"/seller/{shop.slug}/products/").status_code == 404
    assert client.get(f"/seller/{shop.slug}/products/new/").status_code == 404
    assert client.get(f"/seller/{other_shop.slug}/products/{product.pk}/").status_code == 404
    assert (
        client.post(f"/seller/{shop.slug}/products/{product.pk}/", {"action": "deactivate"}).status_code
        == 404
    )
    assert Product.objects.get().status == "active"
    client.force_login(UserFactory(username="nobody"))
    assert client.get(f"/seller/{shop.slug}/products/").status_code == 404


def test_seller_uploads_a_photo_on_the_page(client, shop, owner):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    product = add(shop, "成县核桃", "A")
    client.force_login(owner)
    buffer = io.BytesIO()
    Image.new("RGB", (500, 400), (120, 90, 40)).save(buffer, format="JPEG")
    upload = SimpleUploadedFile("w.jpg", buffer.getvalue(), content_type="image/jpeg")
    response = client.post(
        f"/seller/{shop.slug}/products/{product.pk}/", {"action": "image", "image": upload}
    )
    assert response.status_code == 302
    assert product.images.count() == 1
    fake = SimpleUploadedFile("w.jpg", b"not an image", content_type="image/jpeg")
    client.post(f"/seller/{shop.slug}/products/{product.pk}/", {"action": "image", "image": fake})
    assert product.images.count() == 1
    html = client.get(f"/products/{product.pk}/").content.decode()
    assert product.images.get().image.url in html or "/media/products/" in html


def test_home_features_gi_products_with_constant_queries(client, shop, django_assert_max_num_queries):
    add(shop, "成县核桃", "A", gi="成县核桃 GI")
    with django_assert_max_num_queries(6) as one:
        html = client.get("/").content.decode()
    assert 'data-testid="featured"' in html
    assert "成县核桃" in html
    for i in range(10):
        add(shop, f"地标核桃{i}", f"G{i}", gi="GI")
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get("/")


def test_seller_edits_product_details(client, shop, owner):
    product = add(shop, "成县核桃", "A")
    client.force_login(owner)
    fields = {
        "action": "details",
        "name": "成县薄壳核桃",
        "name_en": "Thin-shell walnuts",
        "category": "walnuts",
        "origin_county_code": "621221",
        "storage": "ambient",
        "shelf_life_days": "300",
        "gi_certificate": "",
        "description": "新货",
        "description_en": "",
    }
    assert client.post(f"/seller/{shop.slug}/products/{product.pk}/", fields).status_code == 302
    product.refresh_from_db()
    assert (product.name, product.name_en, product.shelf_life_days) == (
        "成县薄壳核桃",
        "Thin-shell walnuts",
        300,
    )
    bad = client.post(
        f"/seller/{shop.slug}/products/{product.pk}/?lang=en", {**fields, "category": "herb-roots"}
    )
    assert bad.status_code == 400
    assert "needs a medicinal herb (TCM) licence in force" in bad.content.decode()
    product.refresh_from_db()
    assert product.category.slug == "walnuts"
