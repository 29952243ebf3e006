from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from gansu_mall.accounts.models import User

pytestmark = pytest.mark.django_db


def test_create_user_with_role_and_counties(capsys):
    call_command(
        "create_user",
        "officer_zhang",
        "--password",
        "walnut-harvest-7",
        "--role",
        "info_officer",
        "--county",
        "621221",
        "621126",
    )
    user = User.objects.get(username="officer_zhang")
    assert user.check_password("walnut-harvest-7")
    assert user.role_names == ["consumer", "info_officer"]
    assert sorted(r.code for r in user.scope_regions.all()) == ["621126", "621221"]
    assert "Created user officer_zhang" in capsys.readouterr().out


def test_create_department_user():
    call_command(
        "create_user",
        "tax",
        "--password",
        "walnut-harvest-7",
        "--role",
        "department",
        "--department",
        "国家税务总局甘肃省税务局",
    )
    user = User.objects.get(username="tax")
    assert user.department.name == "国家税务总局甘肃省税务局"
    assert user.role_names == ["consumer", "department"]


def test_create_admin_user_can_use_django_admin(client):
    call_command("create_user", "root2", "--password", "walnut-harvest-7", "--role", "admin")
    user = User.objects.get(username="root2")
    assert user.is_staff
    assert user.is_superuser
    client.force_login(user)
    assert client.get("/admin/accounts/user/").status_code == 200


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "info_officer"], "An information officer serves at least one county."),
        (["--role", "bureau", "--county", "999999"], "Not a prefecture or county of Gansu: 999999"),
        (["--role", "department"], "A department account needs its department."),
    ],
)
def test_create_user_errors_leave_nothing(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_user", "bad", "--password", "walnut-harvest-7", *args)
    assert not User.objects.filter(username="bad").exists()


def test_create_user_twice_is_refused():
    call_command("create_user", "once", "--password", "walnut-harvest-7")
    with pytest.raises(CommandError, match="This user name is taken."):
        call_command("create_user", "once", "--password", "walnut-harvest-7")
