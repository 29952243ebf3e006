"""API of accounts, exactly as API.md: register, token, me; lock-out after failed logins."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from rest_framework.authtoken.models import Token

from gansu_mall.accounts.models import User
from gansu_mall.accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_register_returns_exactly_id_and_username(api_client):
    response = api_client.post(
        "/api/v1/auth/register/",
        {
            "username": "buyer_wang",
            "password": "walnut-harvest-7",
            "email": "wang@example.com",
            "phone": "13900001111",
        },
        format="json",
    )
    assert response.status_code == 201
    user = User.objects.get(username="buyer_wang")
    assert response.json() == {"id": user.pk, "username": "buyer_wang"}
    assert user.phone == "13900001111"


def test_register_conflicting_name_is_a_validation_error(api_client):
    UserFactory(username="taken")
    response = api_client.post(
        "/api/v1/auth/register/",
        {"username": "taken", "password": "walnut-harvest-7"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {"username": ["This user name is taken."]}
    assert User.objects.count() == 1


def test_register_is_throttled(api_client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "register": "2/hour"},
    }
    from rest_framework.throttling import ScopedRateThrottle

    ScopedRateThrottle.THROTTLE_RATES = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    try:
        for i in range(2):
            ok = api_client.post(
                "/api/v1/auth/register/", {"username": f"u{i}", "password": "walnut-harvest-7"}, format="json"
            )
            assert ok.status_code == 201
        third = api_client.post(
            "/api/v1/auth/register/", {"username": "u3", "password": "walnut-harvest-7"}, format="json"
        )
    finally:
        from rest_framework.settings import api_settings

        ScopedRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    assert third.status_code == 429
    assert third.json()["code"] == "throttled"
    assert int(third["Retry-After"]) > 0
    assert not User.objects.filter(username="u3").exists()


def test_token_for_right_credentials_is_stable(api_client):
    user = UserFactory(username="seller")
    first = api_client.post(
        "/api/v1/auth/token/", {"username": "seller", "password": PASSWORD}, format="json"
    )
    second = api_client.post(
        "/api/v1/auth/token/", {"username": "seller", "password": PASSWORD}, format="json"
    )
    assert first.status_code == 200
    assert first.json() == {"token": Token.objects.get(user=user).key}
    assert second.json() == first.json()


@pytest.mark.parametrize(
    "payload", [{"username": "seller", "password": "wrong"}, {"username": "ghost", "password": "x"}]
)
def test_token_for_wrong_credentials_is_400(api_client, payload):
    UserFactory(username="seller")
    response = api_client.post("/api/v1/auth/token/", payload, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_credentials",
        "message": "The user name or password is wrong.",
    }
    assert Token.objects.count() == 0


def test_token_missing_fields_is_a_validation_error(api_client):
    response = api_client.post("/api/v1/auth/token/", {}, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"username", "password"}


def test_token_locks_out_a_username_after_repeated_failures(api_client, settings):
    UserFactory(username="seller")
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(2):
        r = api_client.post("/api/v1/auth/token/", {"username": "seller", "password": "bad"}, format="json")
        assert r.status_code == 400
    third = api_client.post(
        "/api/v1/auth/token/",
        {"username": "seller", "password": "bad"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert third.status_code == 429
    assert third.json() == {
        "code": "locked_out",
        "message": "Too many failed sign-in attempts. Try again in 15 minutes.",
    }
    # Even the right password is refused now, from another address too.
    right = api_client.post(
        "/api/v1/auth/token/",
        {"username": "seller", "password": PASSWORD},
        format="json",
        REMOTE_ADDR="10.0.0.9",
    )
    assert right.status_code == 429
    assert Token.objects.count() == 0


def test_token_locks_out_an_address_trying_many_usernames(api_client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="victim")
    for name in ("a1", "a2", "a3"):
        api_client.post(
            "/api/v1/auth/token/",
            {"username": name, "password": "bad"},
            format="json",
            REMOTE_ADDR="10.1.1.1",
        )
    from_same_address = api_client.post(
        "/api/v1/auth/token/",
        {"username": "victim", "password": PASSWORD},
        format="json",
        REMOTE_ADDR="10.1.1.1",
    )
    from_elsewhere = api_client.post(
        "/api/v1/auth/token/",
        {"username": "victim", "password": PASSWORD},
        format="json",
        REMOTE_ADDR="10.2.2.2",
    )
    assert from_same_address.status_code == 429
    assert from_elsewhere.status_code == 200


def test_successful_login_resets_the_failure_count(api_client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="seller")
    for _ in range(2):
        api_client.post("/api/v1/auth/token/", {"username": "seller", "password": "bad"}, format="json")
    assert (
        api_client.post(
            "/api/v1/auth/token/", {"username": "seller", "password": PASSWORD}, format="json"
        ).status_code
        == 200
    )
    assert AccessAttempt.objects.count() == 0
    for _ in range(2):
        again = api_client.post(
            "/api/v1/auth/token/", {"username": "seller", "password": "bad"}, format="json"
        )
        assert again.status_code == 400  # counting starts afresh: not locked after 4 failures in all
    assert User.objects.get(username="seller").last_login is not None


def test_me_requires_sign_in(api_client):
    assert api_client.get("/api/v1/auth/me/").status_code == 401


def test_me_lists_roles_and_shops(client_for, django_assert_max_num_queries):
    user = UserFactory(username="officer", roles=["info_officer"], roles__scope=["621221"])
    client = client_for(user)
    with django_assert_max_num_queries(5):
        response = client.get("/api/v1/auth/me/")
    assert response.status_code == 200
    assert response.json() == {
        "id": user.pk,
        "username": "officer",
        "email": "officer@example.com",
        "phone": "",
        "roles": ["consumer", "info_officer"],
        "shops": [],
        "scope": ["621221"],
        "department": None,
        "language": "zh-hans",
    }


def test_me_with_session_login(client):
    user = UserFactory(username="webuser", roles=["department"], roles__department="甘肃省税务局")
    client.force_login(user)
    data = client.get("/api/v1/auth/me/").json()
    assert data["roles"] == ["consumer", "department"]
    assert data["department"] == "甘肃省税务局"


def test_delete_token_revokes_it(client_for):
    user = UserFactory(username="app")
    client = client_for(user)
    assert client.delete("/api/v1/auth/token/").status_code == 204
    assert Token.objects.filter(user=user).count() == 0
    assert client.get("/api/v1/auth/me/").status_code == 401


def test_behind_a_proxy_lockout_is_per_forwarded_client(api_client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.PROXY_COUNT = 1
    UserFactory(username="victim")
    proxy = {"REMOTE_ADDR": "172.16.0.2"}
    for name in ("a1", "a2", "a3"):
        api_client.post(
            "/api/v1/auth/token/",
            {"username": name, "password": "bad"},
            format="json",
            HTTP_X_FORWARDED_FOR="1.1.1.1",
            **proxy,
        )
    attacker = api_client.post(
        "/api/v1/auth/token/",
        {"username": "victim", "password": PASSWORD},
        format="json",
        HTTP_X_FORWARDED_FOR="1.1.1.1",
        **proxy,
    )
    neighbour = api_client.post(
        "/api/v1/auth/token/",
        {"username": "victim", "password": PASSWORD},
        format="json",
        HTTP_X_FORWARDED_FOR="2.2.2.2",
        **proxy,
    )
    assert attacker.status_code == 429
    assert neighbour.status_code == 200
