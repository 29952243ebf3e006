"""Products and SKUs: services, API, licences, isolation, filters and query counts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from catalog import services
from catalog.models import Product, Sku
from gansu_mall.accounts.tests.factories import UserFactory
from gansu_mall.core.errors import ApplicationError
from vendors.models import Delegation, VendorMembership

pytestmark = pytest.mark.django_db


def walnut(**overrides):
    payload = {
        "name": "成县薄壳核桃",
        "name_en": "Chengxian thin-shell walnuts",
        "category": "walnuts",
        "origin_county_code": "621221",
        "storage": "ambient",
        "shelf_life_days": 365,
        "gi_certificate": "地理标志保护产品（成县核桃）",
        "status": "active",
        "skus": [
            {"code": "HT-500", "spec": "500 g", "price": "39.90", "stock": 100, "weight_grams": 550},
            {"code": "HT-1000", "spec": "1 kg", "price": "72.00", "stock": 0, "weight_grams": 1080},
        ],
    }
    payload.update(overrides)
    return payload


def create(shop, **overrides):
    data = walnut(**overrides)
    skus = [services.SkuInput(**s) for s in data.pop("skus")]
    return services.product_create(vendor=shop, data=services.ProductInput(**data, skus=skus))


def test_categories_seeded_with_their_licences(api_client):
    data = api_client.get("/api/v1/categories/").json()
    by_slug = {c["slug"]: c for c in data}
    assert len(data) == 28
    assert by_slug["herbs"] == {
        "slug": "herbs",
        "name": "中药材",
        "name_en": "Medicinal herbs",
        "parent": None,
        "qualification": "herb",
    }
    assert by_slug["walnuts"]["parent"] == "nuts"
    assert by_slug["walnuts"]["qualification"] is None  # inherits "food" from nuts


def test_create_product_with_skus(shop):
    product = create(shop)
    assert (product.name, product.category.slug, product.origin_county_id, product.status) == (
        "成县薄壳核桃",
        "walnuts",
        "621221",
        "active",
    )
    assert list(product.skus.values_list("code", "price", "stock")) == [
        ("HT-500", Decimal("39.90"), 100),
        ("HT-1000", Decimal("72.00"), 0),
    ]


def test_listing_needs_the_categorys_licence(shop):
    with pytest.raises(ApplicationError) as info:
        create(shop, category="herb-roots", name="黄芪")
    assert info.value.code == "qualification_required"
    assert info.value.status_code == 409
    assert info.value.extra == {"qualification": "herb"}
    assert Product.objects.count() == 0


def test_revoked_licence_blocks_activation(shop, bureau):
    from vendors.services import qualification_revoke

    product = create(shop, status="draft")
    qualification_revoke(qualification=shop.qualifications.get(), actor=bureau, reason="吊销")
    with pytest.raises(ApplicationError) as info:
        services.product_update(product=product, changes={"status": "active"})
    assert info.value.code == "qualification_required"
    assert Product.objects.get(pk=product.pk).status == "draft"


@pytest.mark.parametrize(
    ("sku", "field"),
    [
        ({"price": "0"}, "skus.0.price"),
        ({"price": "-3"}, "skus.0.price"),
        ({"price": "9.999"}, "skus.0.price"),
        ({"price": "abc"}, "skus.0.price"),
        ({"stock": -1}, "skus.0.stock"),
        ({"stock": "1.5"}, "skus.0.stock"),
        ({"weight_grams": 0}, "skus.0.weight_grams"),
        ({"code": ""}, "skus.0.code"),
        ({"fulfilled_by": "drone"}, "skus.0.fulfilled_by"),
        ({"fulfilled_by": "hub", "stock": 5}, "skus.0.stock"),
    ],
)
def test_bad_skus_are_refused(shop, sku, field):
    base = {"code": "X1", "spec": "500 g", "price": "10.00", "stock": 1, "weight_grams": 500}
    with pytest.raises(ApplicationError) as info:
        create(shop, skus=[{**base, **sku}])
    assert field in info.value.fields
    assert Product.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"category": "nope"}, "category"),
        ({"origin_county_code": "110101"}, "origin_county_code"),
        ({"storage": "warm"}, "storage"),
        ({"skus": []}, "skus"),
        ({"name": " "}, "name"),
    ],
)
def test_bad_products_are_refused(shop, overrides, field):
    with pytest.raises(ApplicationError) as info:
        create(shop, **overrides)
    assert field in info.value.fields
    assert Product.objects.count() == 0


def test_sku_codes_are_unique_per_shop(shop, other_shop):
    create(shop)
    with pytest.raises(ApplicationError) as info:
        create(shop, name="又一款")
    assert "skus.0.code" in info.value.fields
    from datetime import timedelta

    from django.utils import timezone

    from vendors import services as vendor_services
    from vendors.tests.factories import jpeg

    owner = other_shop.memberships.get().user
    vendor_services.qualification_add(
        vendor=other_shop,
        actor_role="owner",
        actor=owner,
        kind="food",
        number="J2",
        expires_on=timezone.localdate() + timedelta(days=30),
        document=jpeg(),
    )
    assert create(other_shop).skus.count() == 2  # another shop may use the same codes


def test_database_refuses_negative_stock(shop):
    sku = create(shop).skus.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Sku.objects.filter(pk=sku.pk).update(stock=-1)


def test_hub_sku_stock_comes_from_receipts(shop):
    product = create(
        shop,
        skus=[
            {
                "code": "HUB-1",
                "spec": "礼盒",
                "price": "88.00",
                "stock": 0,
                "weight_grams": 1200,
                "fulfilled_by": "hub",
            }
        ],
    )
    sku = product.skus.get()
    with pytest.raises(ApplicationError) as info:
        services.sku_update(sku=sku, stock=10)
    assert info.value.code == "hub_stock"
    assert services.sku_update(sku=sku, price="79.00").price == Decimal("79.00")
    assert Sku.objects.get(pk=sku.pk).stock == 0


# --- API ------------------------------------------------------------------------------------------


def test_api_create_and_read(client_for, api_client, shop, owner):
    response = client_for(owner).post("/api/v1/products/", {**walnut(), "vendor": shop.slug}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert [s["code"] for s in body["skus"]] == ["HT-500", "HT-1000"]
    assert all(isinstance(s["id"], int) for s in body["skus"])
    listing = api_client.get("/api/v1/products/").json()
    item = listing["results"][0]
    assert {k: item[k] for k in ("name", "price", "gi_certified", "in_stock", "sales")} == {
        "name": "成县薄壳核桃",
        "price": "39.90",
        "gi_certified": True,
        "in_stock": True,
        "sales": 0,
    }
    assert item["vendor"] == {"slug": shop.slug, "name": "成县核桃合作社", "credit_grade": None}
    assert item["origin_county"]["name"] == "成县"
    detail = api_client.get(f"/api/v1/products/{body['id']}/").json()
    assert detail["skus"][0]["price"] == "39.90"


def test_api_qualification_required_is_409(client_for, shop, owner):
    response = client_for(owner).post(
        "/api/v1/products/", {**walnut(category="herb-slices"), "vendor": shop.slug}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "qualification_required"


def test_drafts_are_visible_only_to_the_shop(client_for, api_client, shop, owner):
    product = create(shop, status="draft")
    assert api_client.get("/api/v1/products/").json()["count"] == 0
    assert api_client.get(f"/api/v1/products/{product.pk}/").status_code == 404
    mine = client_for(owner).get(f"/api/v1/products/?vendor={shop.slug}").json()
    assert [p["status"] for p in mine["results"]] == ["draft"]
    assert client_for(owner).get(f"/api/v1/products/{product.pk}/").status_code == 200
    stranger = UserFactory(username="stranger")
    assert client_for(stranger).get(f"/api/v1/products/?vendor={shop.slug}").json()["count"] == 0


def test_patch_delete_and_sku_patch(client_for, shop, owner):
    product = create(shop)
    client = client_for(owner)
    assert (
        client.patch(f"/api/v1/products/{product.pk}/", {"name_en": "Walnuts"}, format="json").json()[
            "name_en"
        ]
        == "Walnuts"
    )
    sku = product.skus.first()
    bad = client.patch(f"/api/v1/skus/{sku.pk}/", {"price": "1.234"}, format="json")
    assert bad.status_code == 400
    assert client.patch(f"/api/v1/skus/{sku.pk}/", {"stock": -5}, format="json").status_code == 400
    assert Sku.objects.get(pk=sku.pk).stock == 100
    assert client.patch(f"/api/v1/skus/{sku.pk}/", {"stock": 7}, format="json").json()["stock"] == 7
    deleted = client.delete(f"/api/v1/products/{product.pk}/")
    assert deleted.json()["status"] == "inactive"
    assert Product.objects.filter(pk=product.pk).exists()


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_staff_of_another_shop_get_404(client_for, shop, other_shop, method):
    product = create(shop)
    other = other_shop.memberships.get().user
    response = getattr(client_for(other), method)(
        f"/api/v1/products/{product.pk}/", {"name": "抢"}, format="json"
    )
    assert response.status_code == 404
    sku = product.skus.first()
    assert (
        client_for(other).patch(f"/api/v1/skus/{sku.pk}/", {"price": "1.00"}, format="json").status_code
        == 404
    )
    assert (
        client_for(other)
        .post("/api/v1/products/", {**walnut(), "vendor": shop.slug}, format="json")
        .status_code
        == 404
    )
    product.refresh_from_db()
    assert (product.name, product.status, Sku.objects.get(pk=sku.pk).price) == (
        "成县薄壳核桃",
        "active",
        Decimal("39.90"),
    )


def test_clerks_and_delegated_officers_manage_products(client_for, shop, owner):
    clerk = UserFactory(username="clerk")
    VendorMembership.objects.create(vendor=shop, user=clerk, role="clerk")
    officer = UserFactory(username="officer", roles=["info_officer"], roles__scope=["621221"])
    Delegation.objects.create(vendor=shop, officer=officer, granted_by=owner)
    assert (
        client_for(clerk)
        .post("/api/v1/products/", {**walnut(), "vendor": shop.slug}, format="json")
        .status_code
        == 201
    )
    second = walnut(
        skus=[{"code": "HT-2", "spec": "2 kg", "price": "130.00", "stock": 5, "weight_grams": 2100}]
    )
    assert (
        client_for(officer)
        .post("/api/v1/products/", {**second, "vendor": shop.slug}, format="json")
        .status_code
        == 201
    )
    Delegation.objects.update(revoked_at="2026-01-01T00:00:00Z")
    third = walnut(
        skus=[{"code": "HT-3", "spec": "3 kg", "price": "190.00", "stock": 5, "weight_grams": 3100}]
    )
    assert (
        client_for(officer)
        .post("/api/v1/products/", {**third, "vendor": shop.slug}, format="json")
        .status_code
        == 404
    )


def test_suspended_shop_products_disappear(api_client, shop, bureau):
    from vendors.services import vendor_set_status

    product = create(shop)
    vendor_set_status(vendor=shop, action="suspend", actor=bureau, reason="抽检")
    assert api_client.get("/api/v1/products/").json()["count"] == 0
    assert api_client.get(f"/api/v1/products/{product.pk}/").status_code == 404


def test_filters(api_client, shop):
    create(shop)
    create(
        shop,
        name="成县核桃仁",
        name_en="Walnut kernels",
        gi_certificate="",
        storage="chilled",
        skus=[{"code": "HTR-1", "spec": "250 g", "price": "29.00", "stock": 0, "weight_grams": 260}],
    )

    def names(query):
        return sorted(p["name"] for p in api_client.get(f"/api/v1/products/?{query}").json()["results"])

    assert names("category=nuts") == ["成县核桃仁", "成县薄壳核桃"]
    assert names("category=herbs") == []
    assert names("origin_prefecture=621200") == ["成县核桃仁", "成县薄壳核桃"]
    assert names("origin_county=621126") == []
    assert names("gi=true") == ["成县薄壳核桃"]
    assert names("in_stock=true") == ["成县薄壳核桃"]
    assert names("storage=chilled") == ["成县核桃仁"]
    assert names("min_price=30") == ["成县薄壳核桃"]
    assert names("max_price=30") == ["成县核桃仁"]
    assert names(f"vendor={shop.slug}") == ["成县核桃仁", "成县薄壳核桃"]
    assert names("search=核桃仁") == ["成县核桃仁"]
    assert names("search=thin-shell") == ["成县薄壳核桃"]
    assert names("search=WALNUT") == ["成县核桃仁", "成县薄壳核桃"]
    ordered = [p["price"] for p in api_client.get("/api/v1/products/?ordering=price").json()["results"]]
    assert ordered == ["29.00", "39.90"]


def test_list_query_count_is_constant(api_client, shop, django_assert_num_queries):
    create(shop)
    with django_assert_num_queries(3) as one:  # count, the page's ids, its items
        api_client.get("/api/v1/products/")
    for i in range(49):
        create(
            shop,
            name=f"核桃{i}",
            skus=[{"code": f"C{i}", "spec": "1 kg", "price": "50.00", "stock": 1, "weight_grams": 1000}],
        )
    with django_assert_num_queries(len(one.captured_queries)):
        data = api_client.get("/api/v1/products/?page_size=50").json()
    assert data["count"] == 50
