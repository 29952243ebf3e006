"""Search in Chinese, pinyin (full and initials), English and through synonyms, on both databases."""

from __future__ import annotations

import pytest

from catalog import services
from catalog.models import Product, Synonym
from catalog.reference import reference
from catalog.search import query_terms, synonym_map, text_tokens
from catalog.tasks import reindex_all_products

pytestmark = pytest.mark.django_db


def add(shop, name, name_en, category, county="621221", sales=0, code=None):
    product = services.product_create(
        vendor=shop,
        data=services.ProductInput(
            name=name,
            name_en=name_en,
            category=category,
            origin_county_code=county,
            status="active",
            skus=[
                services.SkuInput(code=code or name, spec="500 g", price="20.00", stock=3, weight_grams=500)
            ],
        ),
    )
    Product.objects.filter(pk=product.pk).update(sales=sales)
    return product


@pytest.fixture
def herb_shop(bureau):
    """A shop whose own name matches none of the queries."""
    from datetime import timedelta

    from django.utils import timezone

    from gansu_mall.accounts.tests.factories import UserFactory
    from vendors import services as vendor_services
    from vendors.tests.factories import jpeg, make_uscc, open_shop

    owner = UserFactory(username="seller")
    shop = open_shop(owner, bureau, shop_name="陇原优选", uscc=make_uscc("91620100"), county_code="620102")
    for kind in ("herb", "food"):
        vendor_services.qualification_add(
            vendor=shop,
            actor_role="owner",
            actor=owner,
            kind=kind,
            number=f"Q-{kind}",
            expires_on=timezone.localdate() + timedelta(days=300),
            document=jpeg(),
        )
    return shop


@pytest.fixture
def catalog_items(herb_shop):
    add(herb_shop, "成县薄壳核桃", "Chengxian thin-shell walnuts", "walnuts", sales=50)
    add(herb_shop, "陇西黄芪切片", "Longxi astragalus slices", "herb-slices", county="621122", sales=10)
    add(herb_shop, "岷县当归", "Minxian angelica root", "herb-roots", county="621126", sales=30)
    add(herb_shop, "武都花椒", "Wudu Sichuan pepper", "sichuan-pepper", county="621202", sales=20)


def names(api_client, query):
    return [p["name"] for p in api_client.get("/api/v1/products/", {"search": query}).json()["results"]]


def test_tokens():
    synonyms = {"黄耆": "黄芪"}
    tokens = text_tokens("成县薄壳核桃 Walnuts", synonyms)
    assert {"核桃", "hetao", "ht", "薄壳核桃", "walnuts", "成县", "chengxian", "cx"} <= set(tokens)
    assert "黄芪" in text_tokens("黄耆", synonyms)
    assert query_terms("黄耆 walnut", synonyms) == [["黄耆", "黄芪"], ["walnut"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("核桃", ["成县薄壳核桃"]),
        ("hetao", ["成县薄壳核桃"]),
        ("ht", ["成县薄壳核桃"]),
        ("walnut", ["成县薄壳核桃"]),
        ("Astragalus", ["陇西黄芪切片"]),
        ("黄芪", ["陇西黄芪切片"]),
        ("黄耆", ["陇西黄芪切片"]),  # synonym
        ("北芪", ["陇西黄芪切片"]),  # synonym
        ("岷归", ["岷县当归"]),  # synonym
        ("danggui", ["岷县当归"]),
        ("大红袍", ["武都花椒"]),  # market name of Sichuan pepper
        ("wudu", ["武都花椒"]),  # 都 is read dū in the place name
        ("中药材", ["岷县当归", "陇西黄芪切片"]),  # the parent category, ranked by sales after relevance
        ("成县 核桃", ["成县薄壳核桃"]),
        ("岷县", ["岷县当归"]),
        ("minxian", ["岷县当归"]),
        ("苹果", []),
        ("zzzz", []),
        ("'&|!:*()", []),  # tsquery syntax is not passed through
    ],
)
def test_search(api_client, catalog_items, query, expected):
    assert names(api_client, query) == expected


def test_search_ranks_name_matches_first_then_popularity(api_client, herb_shop):
    add(herb_shop, "核桃仁", "Walnut kernels", "walnuts", sales=5, code="K1")
    add(herb_shop, "核桃礼盒", "Walnut gift box", "gift-boxes", sales=90, code="K2")
    add(herb_shop, "薄皮果仁", "Thin-skin kernels", "walnuts", sales=100, code="K3")  # category match only
    assert names(api_client, "核桃") == ["核桃礼盒", "核桃仁", "薄皮果仁"]
    # Page by page across the two tiers: the same order, no product twice or missing.
    pages = [
        api_client.get("/api/v1/products/", {"search": "核桃", "page_size": 1, "page": n}).json()
        for n in (1, 2, 3)
    ]
    assert [p["results"][0]["name"] for p in pages] == ["核桃礼盒", "核桃仁", "薄皮果仁"]
    assert {p["count"] for p in pages} == {3}
    assert pages[2]["next"] is None
    # An explicit ordering replaces relevance.
    by_price = api_client.get("/api/v1/products/", {"search": "核桃", "ordering": "-sales"}).json()
    assert [p["name"] for p in by_price["results"]] == ["薄皮果仁", "核桃礼盒", "核桃仁"]


def test_credit_grade_weighs_popularity_and_filters(api_client, herb_shop, bureau):
    from gansu_mall.accounts.tests.factories import UserFactory
    from vendors.tests.factories import make_uscc, open_shop

    other = open_shop(
        UserFactory(username="other_seller"), bureau, shop_name="岷州药行", uscc=make_uscc("91621100")
    )
    from vendors.services import qualification_add
    from vendors.tests.factories import jpeg

    qualification_add(
        vendor=other,
        actor_role="owner",
        actor=other.memberships.first().user,
        kind="herb",
        number="Q-2",
        expires_on=herb_shop.qualifications.first().expires_on,
        document=jpeg(),
    )
    a = add(herb_shop, "当归片", "Angelica slices", "herb-slices", sales=100, code="G1")
    d = add(other, "当归头", "Angelica heads", "herb-slices", sales=110, code="G2")
    services.product_refresh_summary(product_ids=[a.pk, d.pk])
    assert names(api_client, "当归") == ["当归头", "当归片"]  # both unrated: sales decide
    type(herb_shop).objects.filter(pk=herb_shop.pk).update(credit_grade="A")
    type(other).objects.filter(pk=other.pk).update(credit_grade="D")
    assert services.vendor_products_refresh(vendor_id=herb_shop.pk) == 1
    services.vendor_products_refresh(vendor_id=other.pk)
    assert list(
        Product.objects.order_by("pk").filter(pk__in=[a.pk, d.pk]).values_list("popularity", flat=True)
    ) == [
        120,  # 100 × 120 %
        55,  # 110 × 50 %
    ]
    assert names(api_client, "当归") == ["当归片", "当归头"]
    listed = api_client.get("/api/v1/products/", {"search": "当归", "min_grade": "B"}).json()
    assert [(p["name"], p["vendor"]["credit_grade"]) for p in listed["results"]] == [("当归片", "A")]
    assert api_client.get("/api/v1/products/", {"min_grade": "D"}).json()["count"] == 2
    refused = api_client.get("/api/v1/products/", {"min_grade": "E"})
    assert refused.status_code == 400
    assert refused.json()["code"] == "validation_error"
    assert "min_grade" in refused.json()["fields"]


def test_new_synonyms_reach_the_index(api_client, catalog_items):
    assert names(api_client, "山核桃") == []
    Synonym.objects.create(term="山核桃", canonical="核桃")
    reindex_all_products()
    assert synonym_map()["山核桃"] == "核桃"
    assert names(api_client, "山核桃") == ["成县薄壳核桃"]


@pytest.mark.parametrize("query", ["核桃", "ht"])
def test_search_query_count_is_constant(api_client, herb_shop, django_assert_num_queries, query):
    add(herb_shop, "成县核桃", "Walnuts", "walnuts", sales=1, code="N0")
    reference()  # the cached reference data (synonyms, category tree): read once, then shared
    # the size of each relevance tier (one grouped query), the page's ids, its items
    with django_assert_num_queries(3) as one:
        assert api_client.get("/api/v1/products/", {"search": query}).json()["count"] == 1
    for i in range(1, 50):
        add(herb_shop, f"核桃{i}", f"Walnuts {i}", "walnuts", sales=i, code=f"N{i}")
    with django_assert_num_queries(len(one.captured_queries)):
        page = api_client.get("/api/v1/products/", {"search": query, "page_size": 50}).json()
    assert page["count"] == 50
    assert len(page["results"]) == 50


def test_search_page_query_count_is_constant(client, herb_shop, django_assert_num_queries):
    add(herb_shop, "成县核桃", "Walnuts", "walnuts", sales=1, code="N0")
    reference()  # synonyms, category tree, prefectures: cached reference data, read once
    # the facets (which give the total and the tiers' sizes) with the page's ids, then its items
    with django_assert_num_queries(2) as one:
        assert client.get("/search/", {"q": "核桃"}).status_code == 200
    for i in range(1, 50):
        add(herb_shop, f"核桃{i}", f"Walnuts {i}", "walnuts", sales=i, code=f"N{i}")
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get("/search/", {"q": "核桃"})
    assert response.context["count"] == 50


def test_bureau_keeps_synonyms_on_a_page(
    client, api_client, catalog_items, bureau, django_capture_on_commit_callbacks
):
    from gansu_mall.accounts.tests.factories import UserFactory

    client.force_login(UserFactory(username="consumer"))
    assert client.get("/bureau/synonyms/").status_code == 403
    client.force_login(bureau)
    assert client.get("/bureau/synonyms/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/bureau/synonyms/", {"term": "山核桃", "canonical": "核桃"})
    assert response.status_code == 302
    assert names(api_client, "山核桃") == ["成县薄壳核桃"]
    duplicate = client.post("/bureau/synonyms/?lang=en", {"term": "山核桃", "canonical": "核桃"})
    assert "This word already has a meaning." in duplicate.content.decode()
    synonym = Synonym.objects.get(term="山核桃")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/bureau/synonyms/", {"delete": synonym.pk})
    assert names(api_client, "山核桃") == []


def test_the_shop_name_is_not_searched(api_client, shop):
    """成县核桃合作社 also sells melon seeds; a search for walnuts must not bring them."""
    add(shop, "靖远黑瓜籽", "Jingyuan black melon seeds", "melon-seeds", county="620421")
    assert names(api_client, "hetao") == []
