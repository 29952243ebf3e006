"""Pages of accounts: sign up, sign in (with lock-out), sign out, change password, profile."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY

from gansu_mall.accounts.models import User
from gansu_mall.accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_signup_creates_account_and_signs_in(client):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "newbuyer",
            "email": "",
            "phone": "13700001234",
            "password1": "walnut-harvest-7",
            "password2": "walnut-harvest-7",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    user = User.objects.get(username="newbuyer")
    assert user.phone == "13700001234"
    assert client.session[SESSION_KEY] == str(user.pk)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"username": "x1", "password1": "walnut-harvest-7", "password2": "other-harvest-7"},
            "The two passwords differ.",
        ),
        (
            {"username": "x2", "password1": "123456789", "password2": "123456789"},
            "This password is entirely numeric.",
        ),
        (
            {
                "username": "x3",
                "phone": "555",
                "password1": "walnut-harvest-7",
                "password2": "walnut-harvest-7",
            },
            "Enter a mainland China mobile number: 11 digits starting with 13–19.",
        ),
    ],
)
def test_signup_shows_form_errors_and_creates_nothing(client, data, message):
    response = client.post("/accounts/signup/?lang=en", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert User.objects.count() == 0


def test_login_and_logout(client):
    user = UserFactory(username="farmer")
    response = client.post("/accounts/login/", {"username": "farmer", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(user.pk)
    assert client.get("/accounts/logout/").status_code == 405  # never sign out on a GET
    assert SESSION_KEY in client.session
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert SESSION_KEY not in client.session


def test_login_with_wrong_password_shows_message(client):
    UserFactory(username="farmer")
    response = client.post("/accounts/login/?lang=en", {"username": "farmer", "password": "nope"})
    assert response.status_code == 200
    assert "The user name or password is wrong." in response.content.decode()
    assert SESSION_KEY not in client.session


def test_web_login_locks_out_and_shares_the_count_with_the_api(client, api_client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="farmer")
    api_client.post("/api/v1/auth/token/", {"username": "farmer", "password": "bad"}, format="json")
    client.post("/accounts/login/", {"username": "farmer", "password": "bad"})
    response = client.post("/accounts/login/?lang=en", {"username": "farmer", "password": "bad"})
    assert response.status_code == 429
    assert "Too many failed sign-in attempts. Try again in 15 minutes." in response.content.decode()
    response = client.post("/accounts/login/", {"username": "farmer", "password": PASSWORD})
    assert response.status_code == 429
    assert SESSION_KEY not in client.session


def test_password_change(client):
    user = UserFactory(username="farmer")
    client.force_login(user)
    bad = client.post(
        "/accounts/password/?lang=en",
        {"old_password": "wrong", "new_password1": "apple-orchard-9", "new_password2": "apple-orchard-9"},
    )
    assert bad.status_code == 200
    assert "Your old password was entered incorrectly." in bad.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    good = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "apple-orchard-9", "new_password2": "apple-orchard-9"},
    )
    assert good.status_code == 302
    user.refresh_from_db()
    assert user.check_password("apple-orchard-9")
    assert SESSION_KEY in client.session  # still signed in


def test_password_change_needs_sign_in(client):
    response = client.get("/accounts/password/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/password/"


def test_profile_shows_roles(client, django_assert_max_num_queries):
    user = UserFactory(username="boss", roles=["bureau"], roles__scope=["621200"])
    client.force_login(user)
    with django_assert_max_num_queries(9):
        response = client.get("/accounts/profile/?lang=en")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="profile-roles">Consumer, Commerce bureau staff<' in html
    assert "Longnan" in html
