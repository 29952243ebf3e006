"""`manage.py seed_demo`: an account for every role, idempotent, guarded; each account signs in."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from gansu_mall.accounts.demo import DEMO_ACCOUNTS
from gansu_mall.accounts.models import STORED_ROLES, User

pytestmark = pytest.mark.django_db


def test_seed_demo_covers_every_role_and_is_idempotent(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "Demo accounts: 7 (7 new)" in out
    assert "Demo accounts: 7 (0 new)" in out
    users = User.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS])
    assert users.count() == 7
    held = {role for user in users for role in user.role_names}
    assert held == {"consumer"} | {r.value for r in STORED_ROLES}


def test_seed_demo_refuses_without_debug_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="pass --force"):
        call_command("seed_demo")
    assert User.objects.count() == 0
    call_command("seed_demo", "--force")
    assert User.objects.count() == 7


def test_every_demo_account_can_sign_in(settings, api_client):
    settings.DEBUG = True
    call_command("seed_demo")
    for account in DEMO_ACCOUNTS:
        response = api_client.post(
            "/api/v1/auth/token/",
            {"username": account.username, "password": settings.DEMO_PASSWORD},
            format="json",
        )
        assert response.status_code == 200, account.username


def test_demo_banner_lists_accounts(capsys):
    call_command("demo_banner", "--url", "http://127.0.0.1:8000/")
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8000/api/docs/" in out
    for account in DEMO_ACCOUNTS:
        assert account.username in out
