from __future__ import annotations

import pytest
from django.contrib.auth.hashers import check_password, identify_hasher, make_password

from gansu_mall.accounts import services
from gansu_mall.accounts.models import Department, Role, RoleGrant, User
from gansu_mall.accounts.validators import normalize_china_mobile
from gansu_mall.core.errors import ApplicationError

pytestmark = pytest.mark.django_db


def test_register_creates_a_consumer_with_normalized_phone():
    user = services.user_register(
        username="farmer_li", password="walnut-harvest-7", email="Li@Example.COM", phone="+86 138-0013-8000"
    )
    user.refresh_from_db()
    assert (user.username, user.email, user.phone) == ("farmer_li", "li@example.com", "13800138000")
    assert user.role_names == ["consumer"]
    assert user.check_password("walnut-harvest-7")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"username": "", "password": "walnut-harvest-7"}, "username"),
        ({"username": "bad name!", "password": "walnut-harvest-7"}, "username"),
        ({"username": "ok", "password": "short"}, "password"),
        ({"username": "ok", "password": "12345678901"}, "password"),
        ({"username": "ok", "password": "password123"}, "password"),
        ({"username": "ok", "password": "walnut-harvest-7", "phone": "12345"}, "phone"),
        ({"username": "ok", "password": "walnut-harvest-7", "phone": "12800138000"}, "phone"),
        ({"username": "ok", "password": "walnut-harvest-7", "email": "not-an-email"}, "email"),
    ],
)
def test_register_refuses_bad_input_and_writes_nothing(kwargs, field):
    with pytest.raises(ApplicationError) as info:
        services.user_register(**kwargs)
    assert info.value.code == "validation_error"
    assert field in info.value.fields
    assert User.objects.count() == 0


def test_register_refuses_taken_name_case_insensitively_and_taken_phone():
    services.user_register(username="Walnut", password="walnut-harvest-7", phone="13800138000")
    with pytest.raises(ApplicationError) as info:
        services.user_register(username="walnut", password="walnut-harvest-7", phone="13800138000")
    assert set(info.value.fields) == {"username", "phone"}
    assert User.objects.count() == 1


def test_normalize_mobile():
    assert normalize_china_mobile("0086 139 1234 5678") == "13912345678"
    assert normalize_china_mobile("") == ""


def test_roles_scope_and_department():
    user = services.user_register(username="officer", password="walnut-harvest-7")
    services.user_set_roles(user=user, roles=["info_officer", "bureau"], scope_codes=["621221", "621200"])
    user = User.objects.get(pk=user.pk)
    assert user.role_names == ["consumer", "info_officer", "bureau"]
    assert sorted(r.code for r in user.scope_regions.all()) == ["621200", "621221"]
    assert not user.is_staff

    services.user_set_roles(user=user, roles=["admin"])
    user = User.objects.get(pk=user.pk)
    assert user.role_names == ["consumer", "admin"]
    assert list(user.scope_regions.all()) == []
    assert user.is_staff
    assert user.is_superuser


@pytest.mark.parametrize(
    ("roles", "scope", "department", "field"),
    [
        (["wizard"], [], None, "role"),
        (["info_officer"], [], None, "county"),
        (["info_officer"], ["999999"], None, "county"),
        (["info_officer"], ["110000"], None, "county"),  # not in Gansu
        (["warehouse"], ["621221"], None, "county"),  # warehouse staff have no scope
        (["department"], [], None, "department"),
        (["bureau"], [], "市场监管局", "department"),
    ],
)
def test_set_roles_refuses_inconsistent_input_and_changes_nothing(roles, scope, department, field):
    user = services.user_register(username="someone", password="walnut-harvest-7")
    services.user_set_roles(user=user, roles=["warehouse"])
    dept = Department.objects.create(name=department) if department else None
    with pytest.raises(ApplicationError) as info:
        services.user_set_roles(user=user, roles=roles, scope_codes=scope, department=dept)
    assert field in info.value.fields
    assert list(RoleGrant.objects.filter(user=user).values_list("role", flat=True)) == ["warehouse"]
    assert user.scope_regions.count() == 0


def test_user_create_is_all_or_nothing():
    with pytest.raises(ApplicationError):
        services.user_create(username="halfway", password="walnut-harvest-7", roles=["info_officer"])
    assert not User.objects.filter(username="halfway").exists()


def test_has_role():
    user = services.user_create(
        username="dept", password="walnut-harvest-7", roles=["department"], department_name="税务局"
    )
    user = User.objects.get(pk=user.pk)
    assert user.has_role(Role.CONSUMER)
    assert user.has_role(Role.DEPARTMENT)
    assert not user.has_role(Role.BUREAU)
    assert user.department.name == "税务局"


def test_argon2_hashes_passwords_in_production_settings(settings):
    settings.PASSWORD_HASHERS = [h for h in settings.PASSWORD_HASHERS if "MD5" not in h]
    encoded = make_password("walnut-harvest-7")
    assert identify_hasher(encoded).algorithm == "argon2"
    assert check_password("walnut-harvest-7", encoded)
