"""The storefront shell in both languages, language switching, probes."""

from __future__ import annotations

from unittest import mock

import pytest
from django.conf import settings
from django.db import DatabaseError

from gansu_mall.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_home_is_chinese_by_default(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(
        6
    ):  # prefectures, counties, featured products, SKUs, images, categories
        response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-Hans">' in html
    assert "甘肃馆" in html
    assert "陇南市" in html
    assert "成县" in html
    assert html.count('class="prefecture-card"') == 14


def test_home_in_english_with_query_and_cookie(client):
    response = client.get("/?lang=en")
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Gansu Pavilion" in html
    assert "Longnan" in html
    assert "Cheng County" in html
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    # The choice sticks for later pages without the query.
    assert '<html lang="en">' in client.get("/").content.decode()
    assert '<html lang="zh-Hans">' in client.get("/?lang=zh-hans").content.decode()


def test_accept_language_is_honoured(client):
    assert '<html lang="en">' in client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()


def test_unknown_lang_value_is_ignored(client):
    response = client.get("/?lang=xx")
    assert response.status_code == 200
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_signed_in_header_and_query_count(client, django_assert_max_num_queries):
    client.force_login(UserFactory(username="bureau", roles=["bureau"]))
    # session, user, roles, unread notifications, then the page: prefectures, counties, featured products
    # (and their SKUs and images when there are some), categories
    with django_assert_max_num_queries(10):
        html = client.get("/").content.decode()
    assert 'data-testid="signed-in-as">bureau<' in html
    assert 'href="/bureau/regions/"' in html


def test_security_headers(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_pages_use_no_external_assets(client):
    html = client.get("/").content.decode()
    assert "http://" not in html.replace("http://127.0.0.1", "")
    assert "https://" not in html
    assert "/static/django_htmx/htmx-2.min.js" in html


def test_api_docs_are_served_locally(client):
    response = client.get("/api/docs/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "https://" not in html
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_schema_describes_the_api(client):
    response = client.get("/api/schema/?format=json")
    paths = response.json()["paths"]
    for path in ("/api/v1/auth/register/", "/api/v1/auth/token/", "/api/v1/auth/me/", "/api/v1/regions/"):
        assert path in paths


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_each_check(client):
    response = client.get("/readyz")
    expected_redis = "ok" if settings.REDIS_URL else "not_configured"
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "redis": expected_redis}}


def test_readyz_fails_when_the_database_does_not_answer(client):
    with mock.patch("gansu_mall.core.views._check_database", side_effect=DatabaseError("down")):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "unavailable"


def test_readyz_fails_when_redis_does_not_answer(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "ok", "redis": "unavailable"}}


def test_admin_is_for_platform_admins_only(client):
    client.force_login(UserFactory(username="buyer"))
    assert client.get("/admin/").status_code == 302
    client.force_login(UserFactory(username="root", roles=["admin"]))
    assert client.get("/admin/").status_code == 200
