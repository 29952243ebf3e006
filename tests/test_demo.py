"""`manage.py seed_demo`: an account for every role, idempotent, guarded; each account signs in."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from gansu_mall.accounts.demo import DEMO_ACCOUNTS
from gansu_mall.accounts.models import STORED_ROLES, User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


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
    assert "Demo shops and applications: 7 (7 new)." in out
    assert "Demo shops and applications: 7 (0 new)." in out
    assert "Demo products: 45 new." in out
    assert "Demo products: 0 new." in out


def test_seed_demo_shops_cover_types_prefectures_review_and_delegation(settings):
    from vendors.models import Delegation, Vendor, VendorApplication

    settings.DEBUG = True
    call_command("seed_demo")
    shops = Vendor.objects.all()
    assert sorted(shops.values_list("vendor_type", flat=True)) == [
        "cooperative",
        "enterprise",
        "enterprise",
        "individual",
    ]
    assert {v.county.parent_id for v in shops} == {"621200", "621100", "620100"}  # Longnan, Dingxi, Lanzhou
    assert sorted(VendorApplication.objects.exclude(status="approved").values_list("status", flat=True)) == [
        "needs_info",
        "submitted",
        "submitted",
    ]
    delegation = Delegation.objects.get()
    assert (delegation.officer.username, delegation.vendor.name, delegation.revoked_at) == (
        "demo_officer",
        "马大姐当归",
        None,
    )


def test_seed_demo_refuses_without_debug_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="pass --force"):
        call_command("seed_demo")
    assert User.objects.count() == 0
    call_command("seed_demo", "--force")
    assert User.objects.count() == 14  # 7 role accounts and 7 sellers


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


def test_seed_demo_lists_the_specialties_in_licensed_shops(settings, api_client):
    from catalog.models import Product

    settings.DEBUG = True
    call_command("seed_demo")
    assert Product.objects.count() == 45
    assert Product.objects.get(name="岷县当归").vendor.name == "马大姐当归"
    assert Product.objects.get(name="陇西黄芪").category.slug == "herb-roots"
    found = api_client.get("/api/v1/products/", {"search": "hetao"}).json()
    assert {p["name"] for p in found["results"]} >= {"成县核桃"}


def test_seed_demo_gives_the_demo_buyer_orders_in_every_state(settings, capsys):
    from orders.models import Order
    from orders.services.payments import reserved_reconcile

    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "Demo orders of demo_buyer: 8 new." in out
    assert "Demo orders of demo_buyer: 0 new." in out
    statuses = sorted(Order.objects.filter(buyer__username="demo_buyer").values_list("status", flat=True))
    assert statuses == [
        "awaiting_group",
        "cancelled",
        "completed",
        "completed",
        "paid",
        "pending_payment",
        "pending_payment",
        "shipped",
    ]
    assert Order.objects.values("vendor").distinct().count() == 3
    assert reserved_reconcile() == []
    from orders.models import Group, Review

    assert sorted(Review.objects.values_list("rating", flat=True)) == [4, 5]
    assert Review.objects.exclude(reply="").count() == 1
    assert Group.objects.get().status == "forming"
