"""The Redis cache backend that keeps one client per connection pool (gansu_mall.core.redis_cache)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache, caches

from gansu_mall.core.redis_cache import ReusedClientRedisCache

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL)")


def test_the_configured_cache_is_the_reusing_backend():
    assert isinstance(caches["default"], ReusedClientRedisCache)


def test_one_client_serves_every_operation_and_they_work():
    inner = cache._cache  # type: ignore[attr-defined]
    first = inner.get_client(write=True)
    assert inner.get_client() is first
    assert inner.get_client("some-key", write=True) is first
    cache.set("reuse:a", {"n": 1}, 30)
    assert cache.get("reuse:a") == {"n": 1}
    assert cache.add("reuse:a", "other", 30) is False
    assert cache.get("reuse:a") == {"n": 1}
    assert cache.add("reuse:counter", 0, 30) is True
    assert cache.incr("reuse:counter", 2) == 2
    assert cache.get("reuse:counter") == 2
    cache.delete("reuse:a")
    assert cache.get("reuse:a") is None
    # Still the one client after all of them.
    assert inner.get_client() is first


def test_a_second_backend_instance_has_its_own_client():
    other = ReusedClientRedisCache(settings.REDIS_URL, {"KEY_PREFIX": "reuse-other"})
    assert other._cache.get_client() is not cache._cache.get_client()  # type: ignore[attr-defined]
    other.set("k", 5, 30)
    assert other.get("k") == 5
    assert cache.get("k") is None  # another prefix: not this cache's key
    other.delete("k")
