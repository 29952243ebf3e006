"""A filtered search (category, prefecture) gives the same products, order, counts and facets as the plain
definition: every active product of an active shop in the category's subtree and the prefecture whose index
tokens hold every word of the query, name matches first, then by popularity and id. The search page reads
its facets and page in one statement, or a small tier by sorting it, or a large one off the popularity index
(catalog.search.SORT_MAX); the category and county are index tokens on PostgreSQL. Whichever way, the
results must not change."""

from __future__ import annotations

from collections import Counter

import pytest

from catalog import search, services, views
from catalog.models import Category, Product
from catalog.reference import reference
from catalog.search import query_terms, synonym_map
from catalog.tests.test_search import add, herb_shop  # noqa: F401  (the fixture, for this module too)
from gansu_mall.regions.models import Region

pytestmark = pytest.mark.django_db

COUNTIES = ["621221", "621227", "621202", "621126", "621122"]  # Longnan ×3, Dingxi ×2


@pytest.fixture
def many(herb_shop):  # noqa: F811
    """47 products: names with 核桃 or 当归 in several categories and counties, some matching 核桃 only by
    their category (walnuts), popularity with ties (the id decides), one withdrawn."""
    products = []
    for i in range(45):
        category = ["walnuts", "melon-seeds", "gift-boxes", "herb-roots", "walnuts"][i % 5]
        word = "核桃" if i % 3 else "当归"
        name = f"{word}{i}" if i % 7 else f"薄皮果仁{i}"  # every seventh: no word in its name
        products.append(add(herb_shop, name, f"P{i}", category, county=COUNTIES[i % 5], code=f"S{i}"))
    for i, product in enumerate(products):
        Product.objects.filter(pk=product.pk).update(popularity=(i * 37) % 11)
    Product.objects.filter(pk=products[4].pk).update(status="inactive")
    return products


def matches(product: Product, terms: list[list[str]]) -> tuple[bool, bool]:
    """(matches the query, matches by its own name), from the stored tokens."""

    def has(text: str, token: str) -> bool:
        tokens = text.split()
        return any(t == token or (token.isascii() and t.startswith(token)) for t in tokens)

    def all_words(text: str) -> bool:
        return all(any(has(text, alt) for alt in alternatives) for alternatives in terms)

    return all_words(product.search_text), all_words(product.search_name)


def expected(query: str, category: str = "", prefecture: str = "") -> list[tuple[int, bool, Product]]:
    products = Product.objects.filter(status="active", vendor__status="active").select_related(
        "origin_county"
    )
    if category:
        products = products.filter(category_id__in=reference().descendants(category))
    if prefecture:
        products = products.filter(origin_county__parent_id=prefecture)
    terms = query_terms(query, synonym_map())
    rows = []
    for product in products:
        found, by_name = matches(product, terms)
        if found:
            rows.append((product.pk, by_name, product))
    rows.sort(key=lambda row: (not row[1], -row[2].popularity, -row[0]))
    return rows


def facets(rows: list[tuple[int, bool, Product]]) -> tuple[dict[str, int], dict[str, int]]:
    top = reference().top_slug_of()
    by_category = Counter(top[row[2].category_id] for row in rows)
    by_prefecture = Counter(row[2].origin_county.parent_id for row in rows)
    return dict(by_category), dict(by_prefecture)


CASES = [
    ("核桃", "", ""),
    ("核桃", "nuts", ""),
    ("核桃", "walnuts", ""),
    ("核桃", "gift-boxes", ""),
    ("核桃", "herbs", ""),
    ("核桃", "nuts", "621200"),
    ("核桃", "", "621100"),
    ("当归", "herbs", ""),
    ("当归", "nuts", "621200"),
    ("hetao", "nuts", ""),
    ("成县核桃", "nuts", ""),
    ("核桃", "no-such-category", ""),
    ("核桃", "", "629999"),
]


def page_view(client, query, category, prefecture, page):
    params = {"q": query, "page": page}
    if category:
        params["category"] = category
    if prefecture:
        params["origin_prefecture"] = prefecture
    response = client.get("/search/", params)
    assert response.status_code == 200
    return response.context


@pytest.mark.parametrize("sort_max", [0, 10_000], ids=["walk", "sort"])
@pytest.mark.parametrize("cache_facets", [False, True], ids=["fresh", "cached-facets"])
def test_search_page_matches_the_plain_definition(client, many, monkeypatch, sort_max, cache_facets):
    monkeypatch.setattr(search, "SORT_MAX", sort_max)
    monkeypatch.setattr(views, "SORT_MAX", sort_max)
    if cache_facets:  # facets from the cache: the page is read tier by tier
        monkeypatch.setattr(views, "COUNT_CACHE_MIN", 0)
    for query, category, prefecture in CASES:
        rows = expected(query, category, prefecture)
        want_categories, want_prefectures = facets(rows)
        for page in (1, 2, 3):
            if cache_facets:
                page_view(client, query, category, prefecture, page)  # fills the cache
            context = page_view(client, query, category, prefecture, page)
            case = (query, category, prefecture, page)
            assert context["count"] == len(rows), case
            shown = min(page, max(1, -(-len(rows) // 20)))  # past the last page: the last page
            want = [r[0] for r in rows[(shown - 1) * 20 : shown * 20]]
            assert [c["id"] for c in context["cards"]] == want, case
            got_categories = {
                slug: int(n) for slug, _name, n, _on in context["facets_categories"] if n != "0"
            }
            got_prefectures = {
                code: int(n) for code, _name, n, _on in context["facets_prefectures"] if n != "0"
            }
            assert got_categories == want_categories, case
            assert got_prefectures == want_prefectures, case


@pytest.mark.parametrize("query", [" ", "!!!", "zzzz"])
def test_search_page_without_words_or_matches(client, many, query):
    response = client.get("/search/", {"q": query, "category": "nuts"})
    assert response.status_code == 200
    expected_count = Product.objects.filter(
        status="active", category_id__in=reference().descendants("nuts")
    ).count()
    assert response.context["count"] == (expected_count if query == " " else 0)


def test_search_api_matches_the_plain_definition(api_client, many):
    for query, category, prefecture in CASES:
        rows = expected(query, category, prefecture)
        ids: list[int] = []
        for page in range(1, 10):
            params = {"search": query, "page_size": 7, "page": page}
            if category:
                params["category"] = category
            if prefecture:
                params["origin_prefecture"] = prefecture
            body = api_client.get("/api/v1/products/", params).json()
            if "results" not in body:  # past the last page
                break
            assert body["count"] == len(rows), (query, category, prefecture)
            ids += [item["id"] for item in body["results"]]
        assert ids == [r[0] for r in rows], (query, category, prefecture)


def test_index_tokens_are_not_words(api_client, many):
    """The category and county tokens ("~c12", "~r621221") match no query word."""
    category_id = Category.objects.get(slug="walnuts").pk
    for query in (f"c{category_id}", "r621221", "r62", "none"):
        assert api_client.get("/api/v1/products/", {"search": query}).json()["count"] == 0, query


def test_a_category_moved_in_the_tree_is_searched_under_its_new_parent(api_client, many, bureau):
    """The filter's categories are the tree's current subtree, the tokens the product's own category: a
    category's move needs no reindex to be right at once."""
    from catalog.categories import category_update

    walnuts = Category.objects.get(slug="walnuts")
    in_nuts = {r[0] for r in expected("核桃", "nuts")}
    moved = {r[0] for r in expected("核桃", "walnuts")}
    assert moved
    assert moved <= in_nuts
    category_update(category=walnuts, actor=bureau, parent="herbs")
    assert Category.objects.get(pk=walnuts.pk).parent.slug == "herbs"

    def found(category: str) -> set[int]:
        params = {"search": "核桃", "category": category, "page_size": 100}
        body = api_client.get("/api/v1/products/", params)
        return {item["id"] for item in body.json()["results"]}

    assert found("nuts") == in_nuts - moved
    assert moved <= found("herbs")
    assert found("herbs") == {r[0] for r in expected("核桃", "herbs")}


def test_a_product_moved_to_another_category_or_county_is_found_there(api_client, many):
    product = next(
        p
        for p in Product.objects.filter(pk__in=[p.pk for p in many], status="active").order_by("pk")
        if p.name.startswith("核桃") and p.category.slug == "walnuts"
    )
    services.product_update(
        product=product, changes={"category": "herb-roots", "origin_county_code": "621126"}
    )

    def ids(**params: str) -> set[int]:
        body = api_client.get("/api/v1/products/", {"search": "核桃", "page_size": 100, **params}).json()
        return {item["id"] for item in body["results"]}

    assert product.pk in ids(category="herbs")
    assert product.pk not in ids(category="nuts")
    assert product.pk in ids(origin_prefecture=Region.objects.get(code="621126").parent_id)
    assert product.pk not in ids(origin_prefecture="621200")
