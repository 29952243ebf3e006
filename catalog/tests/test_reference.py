"""The cached reference data (category tree, synonyms, prefectures) follows every change at once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Category, Synonym
from catalog.reference import reference
from catalog.search import synonym_map
from catalog.selectors import category_with_descendants
from gansu_mall.regions.models import Region

pytestmark = pytest.mark.django_db


def test_read_once_then_from_the_cache():
    with CaptureQueriesContext(connection) as first:
        reference()
    with CaptureQueriesContext(connection) as second:
        ref = reference()
    assert len(first.captured_queries) == 4  # categories, prefectures, their counties, synonyms
    assert len(second.captured_queries) == 0
    assert [p.code for p in ref.prefectures][:2] == ["620100", "620200"]
    assert ref.prefecture_of["621221"] == "621200"  # 成县 is in 陇南市
    assert {c.slug for c in ref.top_categories()} >= {"nuts", "herbs", "fruit"}


def test_a_new_category_synonym_or_region_name_is_seen_at_once():
    nuts = Category.objects.get(slug="nuts")
    before = category_with_descendants(slug="nuts")
    pine = Category.objects.create(
        slug="pine-nuts", name="松子", name_en="Pine nuts", parent=nuts, position=9
    )
    assert category_with_descendants(slug="nuts") == [*before, pine.pk]
    assert "松仁" not in synonym_map()
    Synonym.objects.create(term="松仁", canonical="松子")
    assert synonym_map()["松仁"] == "松子"
    Region.objects.filter(code="621200").update(name_en="Longnan")  # update() sends no signal …
    region = Region.objects.get(code="621200")
    region.name_en = "Longnan City"
    region.save()  # … save() does
    assert {p.code: p.name_en for p in reference().prefectures}["621200"] == "Longnan City"
    pine.delete()
    assert category_with_descendants(slug="nuts") == before


def test_the_process_keeps_its_copy_for_a_few_seconds(monkeypatch):
    """Within LOCAL_SECONDS the process's own copy is used without asking the shared cache; after them, what
    another process changed (here: the row and the shared cache changed behind this process's back) is read."""
    from django.core.cache import cache

    from catalog import reference as module

    clock = [1000.0]
    monkeypatch.setattr(module.time, "monotonic", lambda: clock[0])
    first = reference()
    calls: list[str] = []
    real_get = cache.get
    monkeypatch.setattr(cache, "get", lambda key, *a, **kw: calls.append(key) or real_get(key, *a, **kw))
    assert reference() is first
    assert calls == []
    Category.objects.filter(slug="nuts").update(name_en="Tree nuts")  # update(): no signal, as elsewhere
    cache.delete(module.REFERENCE_KEY)
    clock[0] += module.LOCAL_SECONDS - 0.5
    assert {c.slug: c.name_en for c in reference().categories}["nuts"] == "Nuts and seeds"
    clock[0] += 1.0
    assert {c.slug: c.name_en for c in reference().categories}["nuts"] == "Tree nuts"
    assert calls == [module.REFERENCE_KEY]
