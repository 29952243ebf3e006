import hashlib
from typing import Any

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination as _DrfPageNumberPagination

COUNT_CACHE_SECONDS = 60
COUNT_CACHE_MIN = 1000


def cached_count(queryset: Any) -> int:
    """``queryset.count()``, cached for COUNT_CACHE_SECONDS when it is COUNT_CACHE_MIN or more, keyed by the
    query's SQL: a count over 100,000 products costs more than the page itself, and a total that is a
    minute old is as useful to a shopper. Small counts, where a stale total would hide a row, are always
    taken afresh."""
    query = getattr(queryset, "query", None)
    if query is None:
        return len(queryset)
    try:
        sql, params = query.sql_with_params()
    except EmptyResultSet:  # an empty result set (.none()) has no SQL
        return 0
    key = "count:" + hashlib.sha256(f"{sql}|{params!r}".encode()).hexdigest()
    cached = cache.get(key)
    if cached is None:
        cached = queryset.count()
        if cached >= COUNT_CACHE_MIN:
            cache.set(key, cached, COUNT_CACHE_SECONDS)
    return int(cached)


class ChainedResults:
    """Several ordered querysets read one after the other as one list (the relevance tiers of a search):
    a page is sliced from whichever of them it falls in, each with its own index-backed query."""

    ordered = True

    def __init__(self, parts: list[Any], whole: Any = None, counts: list[int] | None = None) -> None:
        """``whole``, when given, is the union of the parts: the last part is then counted as the whole
        less the others, so that the costly count (the whole, usually large and cached) is the one taken.
        ``counts``, when the caller already knows the size of each part, spares the count queries."""
        self.parts = parts
        self.whole = whole
        self._counts: list[int] | None = list(counts) if counts is not None else None

    def counts(self) -> list[int]:
        if self._counts is None:
            if self.whole is not None and self.parts:
                first = [cached_count(part) for part in self.parts[:-1]]
                self._counts = [*first, max(cached_count(self.whole) - sum(first), 0)]
            else:
                self._counts = [cached_count(part) for part in self.parts]
        return self._counts

    def count(self) -> int:
        return sum(self.counts())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item: slice) -> list[Any]:
        if not isinstance(item, slice) or item.step not in (None, 1):
            raise TypeError("ChainedResults takes plain slices")
        start, stop = item.start or 0, item.stop if item.stop is not None else self.count()
        rows: list[Any] = []
        offset = 0
        for part, size in zip(self.parts, self.counts(), strict=True):
            if stop <= offset:
                break
            if size and start < offset + size:
                rows.extend(part[max(start - offset, 0) : min(stop - offset, size)])
            offset += size
        return rows


def ids_only(results: Any) -> Any:
    """The same results as a list of ids: a values_list queryset, or ChainedResults of them. Paginating
    ids and reading the page's rows by one fixed statement keeps the ORM out of a list's hot path."""
    if isinstance(results, ChainedResults):
        whole = ids_only(results.whole) if results.whole is not None else None
        return ChainedResults([ids_only(part) for part in results.parts], whole=whole, counts=results._counts)
    return results.select_related(None).prefetch_related(None).values_list("pk", flat=True)


class CachedCountPaginator(Paginator):
    """A paginator whose count goes through ``cached_count`` (and over every part of ChainedResults)."""

    @cached_property
    def count(self) -> int:
        if isinstance(self.object_list, ChainedResults):
            return self.object_list.count()
        return cached_count(self.object_list)


class PageNumberPagination(_DrfPageNumberPagination):
    """``?page=N&page_size=M`` (at most 100) → ``{count, next, previous, results}``."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class LargePagePagination(PageNumberPagination):
    """For short reference lists (regions, categories) that a client wants in one page."""

    page_size = 100
