import hashlib

from django.core.cache import cache
from django.core.paginator import Paginator
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination as _DrfPageNumberPagination

COUNT_CACHE_SECONDS = 60
COUNT_CACHE_MIN = 1000


class CachedCountPaginator(Paginator):
    """Counts of large lists (COUNT_CACHE_MIN rows or more) are cached for a minute, keyed by their SQL: a
    count over 100,000 products costs more than the page itself, and a total that is a minute old is as
    useful to a shopper. Small lists, where a stale total would hide a row, are always counted afresh."""

    @cached_property
    def count(self) -> int:
        query = getattr(self.object_list, "query", None)
        if query is None:
            return super().count
        try:
            sql, params = query.sql_with_params()
        except Exception:  # an empty result set (.none()) has no SQL
            return super().count
        key = "count:" + hashlib.sha256(f"{sql}|{params!r}".encode()).hexdigest()
        cached = cache.get(key)
        if cached is None:
            cached = super().count
            if cached >= COUNT_CACHE_MIN:
                cache.set(key, cached, COUNT_CACHE_SECONDS)
        return int(cached)


class PageNumberPagination(_DrfPageNumberPagination):
    """``?page=N&page_size=M`` (at most 100) → ``{count, next, previous, results}``."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class LargePagePagination(PageNumberPagination):
    """For short reference lists (regions, categories) that a client wants in one page."""

    page_size = 100
