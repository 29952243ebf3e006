"""Test-wide setup: service requirements, a clean cache per test, API clients and user factories.

REQUIRE_SERVICES=1 (set by .ci/run) turns every skip into a failure, so CI cannot pass by skipping the
tests that need PostgreSQL, Redis or Chromium.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.core.cache import cache

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def pytest_sessionstart(session: pytest.Session) -> None:
    if REQUIRE_SERVICES:
        problems = []
        if not settings.USING_POSTGRES:
            problems.append("DATABASE_URL must point at PostgreSQL")
        if not settings.REDIS_URL:
            problems.append("REDIS_URL must be set")
        if problems:
            raise pytest.UsageError("REQUIRE_SERVICES=1 but " + " and ".join(problems))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_SERVICES and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.longrepr = f"skipped under REQUIRE_SERVICES=1: {reason}"


def _clear_cache() -> None:
    from catalog.reference import forget_local

    forget_local()  # the process's own copy of the catalog's reference data, as well as the shared cache
    if settings.REDIS_URL:
        # Only this project's keys: the Redis database may be shared.
        client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
        prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
        keys = list(client.scan_iter(f"{prefix}:*"))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    _clear_cache()
    yield
    _clear_cache()


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def user_factory():
    from gansu_mall.accounts.tests.factories import UserFactory

    return UserFactory


@pytest.fixture
def consumer(db):
    from gansu_mall.accounts.tests.factories import UserFactory

    return UserFactory(username="buyer")


@pytest.fixture
def bureau_user(db):
    from gansu_mall.accounts.tests.factories import UserFactory

    return UserFactory(username="bureau", roles=["bureau"])


def auth_client(user):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def client_for():
    return auth_client


@pytest.fixture
def regions_data(transactional_db):
    """Reference data (GB/T 2260 divisions, categories, synonyms, the hub and its shipping rates) for
    transactional tests, whose flushes empty what the data migrations loaded."""
    from catalog.models import Category, Synonym
    from catalog.reference_data import load_categories, load_synonyms
    from gansu_mall.regions.loader import load_divisions
    from gansu_mall.regions.models import Region

    if Region.objects.count() == 0:
        load_divisions(Region)
    if Category.objects.count() == 0:
        load_categories(Category)
        load_synonyms(Synonym)
    from logistics.models import Bin, ShippingRate, Warehouse
    from logistics.reference_data import load_hub

    if not Warehouse.objects.exists():
        load_hub(Warehouse, Bin, ShippingRate)
