import pytest

from gansu_mall.core.api import pagination
from gansu_mall.regions.models import Region

pytestmark = pytest.mark.django_db


def test_large_counts_are_cached_small_ones_are_not(monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(pagination, "COUNT_CACHE_MIN", 50)
    regions = Region.objects.all()  # 136 rows
    assert pagination.CachedCountPaginator(regions, 20).count == 136
    with django_assert_num_queries(0):
        assert pagination.CachedCountPaginator(regions, 20).count == 136  # served from the cache
    few = Region.objects.filter(level="province")  # 34 rows: under the threshold
    assert pagination.CachedCountPaginator(few, 20).count == 34
    with django_assert_num_queries(1):
        assert pagination.CachedCountPaginator(few, 20).count == 34
    assert pagination.CachedCountPaginator(Region.objects.none(), 20).count == 0


def test_chained_results_read_parts_in_order_and_count_the_last_as_the_rest(django_assert_num_queries):
    gansu = Region.objects.filter(code__startswith="62").order_by("code")
    prefectures = gansu.filter(level="prefecture")
    counties = gansu.exclude(level="prefecture")
    chained = pagination.ChainedResults([prefectures, counties], whole=gansu)
    n_prefectures, n_gansu = prefectures.count(), gansu.count()
    assert (n_prefectures, n_gansu) == (14, 103)  # the province, 14 prefectures, 86 counties, 2 zones
    # Counted: the first part and the whole (the last part is the difference).
    with django_assert_num_queries(2):
        assert chained.counts() == [14, 89]
    expected = list(prefectures) + list(counties)
    assert chained[0:5] == expected[0:5]
    assert chained[10:20] == expected[10:20]  # across the boundary
    assert chained[len(expected) - 3 : len(expected) + 5] == expected[-3:]
    page = pagination.CachedCountPaginator(chained, 20).page(2)
    assert list(page) == expected[20:40]
    with pytest.raises(TypeError):
        chained[3]  # noqa: B018 - plain slices only


def test_public_cache_serves_anonymous_lists_only(settings, client, django_assert_num_queries):
    from django.contrib.auth import get_user_model

    settings.PUBLIC_CACHE_SECONDS = 30
    first = client.get("/api/v1/products/")
    assert first.status_code == 200
    assert first["X-Cache"] == "miss"
    with django_assert_num_queries(0):
        again = client.get("/api/v1/products/")
    assert again["X-Cache"] == "hit"
    assert again.content == first.content
    assert "Cookie" in again["Vary"]
    # Another language, or an htmx fragment, is another entry.
    assert client.get("/api/v1/products/?lang=en")["X-Cache"] == "miss"
    assert client.get("/search/?q=x")["X-Cache"] == "miss"
    assert client.get("/search/?q=x", HTTP_HX_REQUEST="true")["X-Cache"] == "miss"
    assert client.get("/search/?q=x", HTTP_HX_REQUEST="true")["X-Cache"] == "hit"
    # Anyone with an identity (a token, a session) is never served from nor stored in the cache.
    user = get_user_model().objects.create_user(username="shopper", password="x-Long-enough-1")
    client.force_login(user)
    signed_in = client.get("/api/v1/products/")
    assert "X-Cache" not in signed_in
    token = client.post(
        "/api/v1/auth/token/",
        {"username": "shopper", "password": "x-Long-enough-1"},
        content_type="application/json",
    )
    client.logout()
    with_token = client.get("/api/v1/products/", HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert "X-Cache" not in with_token
    # Errors are not stored.
    assert client.get("/api/v1/products/?min_price=abc").status_code == 400
    assert "X-Cache" not in client.get("/api/v1/products/?min_price=abc")
    settings.PUBLIC_CACHE_SECONDS = 0
    assert "X-Cache" not in client.get("/api/v1/products/")
