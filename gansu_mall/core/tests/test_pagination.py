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
