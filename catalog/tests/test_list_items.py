"""The list items read by one fixed statement (selectors.product_list_items) are the serializer's items,
field for field; the search tiers drop the whole-index condition only where the name condition holds."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.http import QueryDict

from catalog import selectors
from catalog.filters import ProductFilter
from catalog.models import Product, ProductImage
from catalog.search import search_products, search_tiers, tier_counts
from catalog.serializers import ProductListSerializer
from catalog.tests.test_products import create
from gansu_mall.regions.models import Region

pytestmark = pytest.mark.django_db


def skus(code: str, price: str = "9.90") -> list[dict]:
    return [{"code": code, "spec": "500 g", "price": price, "stock": 1, "weight_grams": 500}]


def _serialized(ids: list[int]) -> list[dict]:
    products = {p.pk: p for p in selectors.products_public_list().filter(pk__in=ids)}
    data = ProductListSerializer([products[pk] for pk in ids], many=True).data
    return json.loads(json.dumps(data))


@pytest.fixture(params=["postgresql", "portable"])
def statement(request, monkeypatch):
    """Both statements: PostgreSQL's (lateral subqueries) and the portable one (joins) that SQLite runs."""
    if request.param == "portable":
        monkeypatch.setattr(selectors, "_LIST_ITEMS_SQL_PG", selectors._LIST_ITEMS_SQL)
    return request.param


def test_list_items_equal_the_serializer_field_for_field(shop, statement):
    plain = create(shop, gi_certificate="", name="岷县当归", name_en="", skus=skus("P1"))
    graded = create(
        shop, name="陇西黄芪", origin_county_code="621122", skus=skus("G1")
    )  # 陇西: poverty relief below
    Region.objects.filter(code="621122").update(poverty_relief=True)
    shop.credit_grade = "A"
    shop.save(update_fields=["credit_grade"])
    Product.objects.filter(pk=graded.pk).update(
        rating=Decimal("4.50"), rating_count=2, sales=7, in_stock=False
    )
    # Two images on one product: the first by position is the card's, its small thumbnail when it has one.
    ProductImage.objects.create(product=graded, image="products/b.jpg", position=1)
    ProductImage.objects.create(
        product=graded, image="products/a.jpg", thumb_small="products/a-240.webp", position=0
    )
    ProductImage.objects.create(product=plain, image="products/c.jpg", position=0)  # no thumbnail yet
    no_image = create(
        shop,
        name="成县核桃",
        skus=[{"code": "X1", "spec": "1 kg", "price": "0.10", "stock": 1, "weight_grams": 1000}],
    )
    ids = [graded.pk, no_image.pk, plain.pk]

    items = selectors.product_list_items(product_ids=ids)

    assert items == _serialized(ids)
    assert [item["id"] for item in items] == ids  # the order asked for
    assert items[0]["thumbnail_url"].endswith("products/a-240.webp")
    assert items[0]["vendor"]["credit_grade"] == "A"
    assert items[0]["poverty_relief"] is True
    assert items[0]["rating"] == "4.50"
    assert items[1]["thumbnail_url"] is None
    assert items[1]["price"] == "0.10"
    assert items[2]["thumbnail_url"].endswith("products/c.jpg")
    assert items[2]["gi_certified"] is False


def test_list_items_leave_out_ids_not_found(shop, statement):
    product = create(shop)
    assert [i["id"] for i in selectors.product_list_items(product_ids=[product.pk + 999, product.pk])] == [
        product.pk
    ]
    assert selectors.product_list_items(product_ids=[]) == []


def test_api_list_is_the_serializer_output(api_client, shop):
    first, second = (
        create(shop, name="甲"),
        create(
            shop,
            name="乙",
            skus=[{"code": "Y1", "spec": "500 g", "price": "12.34", "stock": 5, "weight_grams": 500}],
        ),
    )
    Product.objects.filter(pk=second.pk).update(sales=3)
    data = api_client.get("/api/v1/products/").json()
    assert data["results"] == _serialized([second.pk, first.pk])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the tsvector tiers are PostgreSQL's")
def test_first_tier_reads_the_name_index_alone(shop):
    results = ProductFilter(
        QueryDict("search=hetao&in_stock=true"), queryset=selectors.products_public_list()
    ).qs
    first, second = (str(tier.query) for tier in search_tiers(results))
    assert "name_vector" in first
    assert "search_vector" not in first
    assert "in_stock" in first  # the other filters stay
    assert "search_vector" in second
    assert "NOT (catalog_product.name_vector" in second


def test_name_tokens_are_index_tokens(shop):
    """What lets the first tier drop the whole-index condition: every token of a product's own names is a
    token of its whole index, so a name match is always a match."""
    for name, name_en in [
        ("成县薄壳核桃", "walnuts"),
        ("岷县当归片", "Angelica slices"),
        ("黄耆", "Astragalus"),
    ]:
        create(
            shop,
            name=name,
            name_en=name_en,
            skus=[{"code": name, "spec": "500 g", "price": "9.90", "stock": 1, "weight_grams": 500}],
        )
    for search_name, search_text in Product.objects.values_list("search_name", "search_text"):
        assert set(search_name.split()) <= set(search_text.split())


def test_tiers_give_the_order_of_the_whole_result(shop):
    made = []
    for i, (name, sales) in enumerate([("核桃仁", 5), ("核桃", 1), ("成县礼盒", 9), ("核桃油", 3)]):
        made.append(
            create(
                shop,
                name=name,
                name_en="",
                skus=[{"code": f"T{i}", "spec": "500 g", "price": "9.90", "stock": 1, "weight_grams": 500}],
            )
        )
        Product.objects.filter(pk=made[-1].pk).update(sales=sales, popularity=sales)
    results = search_products(selectors.products_public_list(), "核桃")
    chained = [p.pk for tier in search_tiers(results) for p in tier]
    assert chained == [p.pk for p in results]


@pytest.mark.parametrize("ordering", ["price", "-price", "created", "-created", "rating", "-rating", "sales"])
def test_pages_of_an_ordering_never_overlap(api_client, shop, ordering):
    """Ties (same price, same rating, none at all) are broken by id, so paging meets every product once."""
    made = [create(shop, name=f"核桃{i}", skus=skus(f"O{i}", "20.00")) for i in range(5)]
    Product.objects.filter(pk__in=[made[0].pk, made[1].pk]).update(rating=Decimal("4.00"), rating_count=1)
    seen = []
    for page in (1, 2, 3):
        response = api_client.get("/api/v1/products/", {"ordering": ordering, "page_size": 2, "page": page})
        seen += [item["id"] for item in response.json()["results"]]
    assert sorted(seen) == sorted(p.pk for p in made)
    if ordering in ("rating", "-rating"):
        assert set(seen[:2]) == {made[0].pk, made[1].pk}  # unrated products last, whichever way


def test_lean_filterset_instances_share_no_state():
    first = ProductFilter(QueryDict("search=核桃"), queryset=selectors.products_public_list())
    second = ProductFilter(QueryDict("min_price=abc"), queryset=selectors.products_public_list())
    for name in ("search", "category", "ordering"):
        assert first.filters[name] is not second.filters[name]
        assert first.filters[name].parent is first
        assert second.filters[name].parent is second
    assert first.filters["search"].filter.f is first.filters["search"]  # the method filter calls its own copy
    assert type(first.form) is type(second.form)  # one form class per FilterSet class
    assert first.form is not second.form
    assert first.form.fields["min_price"] is second.form.fields["min_price"]  # fields shared, never changed
    assert first.is_valid()
    assert not second.is_valid()
    assert list(second.errors) == ["min_price"]
    assert first.is_valid()  # the other instance's error did not leak


def test_search_page_pages_through_the_tiers_with_the_facet_counts(client, shop):
    """The page takes its total and the size of each tier from the facets query; page 2 must start with the
    last name match and go on with the product that matches by its category only."""
    for i in range(21):
        product = create(shop, name=f"核桃{i:02d}", skus=skus(f"S{i}"))
        Product.objects.filter(pk=product.pk).update(popularity=100 - i)
    by_category = create(shop, name="成县礼盒", name_en="", skus=skus("GIFT"))  # walnuts: 核桃 by category
    Product.objects.filter(pk=by_category.pk).update(popularity=1000)
    first = client.get("/search/", {"q": "核桃", "lang": "en"})
    second = client.get("/search/", {"q": "核桃", "page": 2, "lang": "en"})
    assert first.context["count"] == 22
    assert [c["name"] for c in first.context["cards"]] == [f"核桃{i:02d}" for i in range(20)]
    assert [c["name"] for c in second.context["cards"]] == ["核桃20", "成县礼盒"]
    assert "22 results for “核桃”" in second.content.decode()


def test_tier_counts_from_one_query(shop, django_assert_num_queries):
    for i, (name, category) in enumerate(
        [("核桃仁", "walnuts"), ("成县礼盒", "walnuts"), ("核桃油", "walnuts")]
    ):
        create(shop, name=name, name_en="", category=category, skus=skus(f"C{i}"))
    results = search_products(selectors.products_public_list(), "核桃")
    with django_assert_num_queries(1):
        counts = tier_counts(results)
    assert counts == [2, 1]  # two by their names, one by its category only
    assert tier_counts(search_products(selectors.products_public_list(), "苹果")) == [0, 0]
    assert tier_counts(selectors.products_public_list()) == [3]  # not a search: one part


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the NULLS LAST indexes are PostgreSQL's")
def test_every_sort_option_has_its_index():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'catalog_product'")
        indexes = dict(cursor.fetchall())
    assert "price DESC NULLS LAST, id DESC" in indexes["product_status_price_desc"]
    assert "rating DESC NULLS LAST, id DESC" in indexes["product_status_rating_desc"]
    assert "rating, id" in indexes["product_status_rating"]  # ASC NULLS LAST is PostgreSQL's default
    assert "price, id" in indexes["product_status_price"]
    assert "created_at DESC, id DESC" in indexes["product_status_created"]
    for name in ("price", "price_desc", "rating", "rating_desc", "created", "sales"):
        assert indexes[f"product_status_{name}"].endswith("INCLUDE (vendor_id)")  # pages read off the index
