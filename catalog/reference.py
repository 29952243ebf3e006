"""The catalog's reference data, cached: the category tree, the search synonyms and Gansu's prefectures.

A list or search request used to read them with three or four small queries of its own (the category filter's
sub-categories, the synonyms of the search words, the facets' tree, the filter form's categories and
prefectures). They change a few times a year, so they are read once into the cache (REFERENCE_SECONDS) and
dropped whenever a category, a synonym or a region is saved or deleted (``reference_changed``, connected in
CatalogConfig.ready: also after the commit, so that a reader who filled the cache from the state before it
does not keep that state)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import translation

REFERENCE_KEY = "catalog:reference:1"
REFERENCE_SECONDS = 300
# Each process also keeps the copy it last read for this long, so that a list request neither waits for the
# cache nor unpickles the tree and synonyms (a third of a millisecond, of a request of four or five). A change
# drops this process's copy at once; other processes see it within LOCAL_SECONDS.
LOCAL_SECONDS = 10.0


@dataclass(frozen=True)
class CategoryRef:
    id: int
    slug: str
    parent_id: int | None
    name: str
    name_en: str
    position: int

    @property
    def display_name(self) -> str:
        return self.name_en if translation.get_language() == "en" else self.name


@dataclass(frozen=True)
class PrefectureRef:
    code: str
    name: str
    name_en: str

    @property
    def display_name(self) -> str:
        return self.name_en if translation.get_language() == "en" else self.name


@dataclass(frozen=True)
class Reference:
    categories: list[CategoryRef]
    synonyms: dict[str, str]
    prefectures: list[PrefectureRef]
    children: dict[int | None, list[int]] = field(default_factory=dict)
    prefecture_of: dict[str, str] = field(default_factory=dict)  # Gansu county code -> its prefecture's

    def top_categories(self) -> list[CategoryRef]:
        return [c for c in self.categories if c.parent_id is None]

    def descendants(self, slug: str) -> list[int]:
        """Ids of the category ``slug`` and of every category below it."""
        ids = [c.id for c in self.categories if c.slug == slug]
        frontier = list(ids)
        for _depth in range(10):  # the tree is shallow; the bound guards against a cycle made in the admin
            frontier = [child for pk in frontier for child in self.children.get(pk, [])]
            if not frontier:
                break
            ids.extend(frontier)
        return ids

    def top_slug_of(self) -> dict[int, str]:
        """Each category's top-level ancestor's slug."""
        parent = {c.id: c.parent_id for c in self.categories}
        slug = {c.id: c.slug for c in self.categories}

        def root(pk: int) -> str:
            for _depth in range(10):
                up = parent.get(pk)
                if up is None:
                    break
                pk = up
            return slug[pk]

        return {pk: root(pk) for pk in slug}


def _load() -> Reference:
    from catalog.models import Category, Synonym
    from gansu_mall.regions.loader import GANSU_CODE
    from gansu_mall.regions.models import Region

    categories = [
        CategoryRef(*row)
        for row in Category.objects.order_by("position", "slug").values_list(
            "id", "slug", "parent_id", "name", "name_en", "position"
        )
    ]
    children: dict[int | None, list[int]] = {}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category.id)
    prefectures = [
        PrefectureRef(*row)
        for row in Region.objects.filter(parent_id=GANSU_CODE)
        .order_by("code")
        .values_list("code", "name", "name_en")
    ]
    codes = [p.code for p in prefectures]
    prefecture_of = dict(Region.objects.filter(parent_id__in=codes).values_list("code", "parent_id"))
    synonyms = dict(Synonym.objects.values_list("term", "canonical"))
    return Reference(
        categories=categories,
        synonyms=synonyms,
        prefectures=prefectures,
        children=children,
        prefecture_of=prefecture_of,
    )


# Within ``reference_pinned()`` (one request), the reference data read first: every later reader of that request
# gets the same object instead of another cache round trip and unpickling (a search page read it five times,
# a fifth of a millisecond and more each).
_pinned: ContextVar[Reference | None] = ContextVar("catalog_reference_pinned", default=None)


# (monotonic time read, copy) of this process, or None.
_local: tuple[float, Reference] | None = None


def reference() -> Reference:
    global _local
    pinned = _pinned.get()
    if pinned is not None:
        return pinned
    now = time.monotonic()
    if _local is not None and now - _local[0] < LOCAL_SECONDS:
        return _local[1]
    cached = cache.get(REFERENCE_KEY)
    if cached is None:
        cached = _load()
        cache.set(REFERENCE_KEY, cached, REFERENCE_SECONDS)
    _local = (now, cached)
    return cached


def forget_local() -> None:
    """Drop this process's copy (the next ``reference()`` reads the cache)."""
    global _local
    _local = None


@contextmanager
def reference_pinned() -> Iterator[Reference]:
    """Read the reference data once for the block (a request that only reads): ``reference()`` inside it
    returns that one copy. Not for blocks that change categories, synonyms or regions."""
    current = _pinned.get()
    if current is not None:
        yield current
        return
    ref = reference()
    token = _pinned.set(ref)
    try:
        yield ref
    finally:
        _pinned.reset(token)


def reference_changed(**_kwargs: Any) -> None:
    """Drop the cached reference data now and again after the surrounding transaction commits (and any copy
    pinned for the current block)."""
    _pinned.set(None)
    forget_local()
    cache.delete(REFERENCE_KEY)
    transaction.on_commit(_forget_all)


def _forget_all() -> None:
    forget_local()
    cache.delete(REFERENCE_KEY)
