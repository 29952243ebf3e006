"""Demo accounts: one for every role (seed_demo)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from gansu_mall.accounts import services
from gansu_mall.accounts.models import Role, User


@dataclass(frozen=True)
class DemoAccount:
    username: str
    roles: tuple[str, ...]
    description: str
    scope: tuple[str, ...] = field(default_factory=tuple)
    department: str = ""
    email: str = ""


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("demo_buyer", (), "consumer — shops and orders", email="buyer@example.com"),
    DemoAccount(
        "demo_officer",
        (Role.INFO_OFFICER,),
        "information officer for 成县 and 岷县 (621221, 621126)",
        scope=("621221", "621126"),
    ),
    DemoAccount("demo_warehouse", (Role.WAREHOUSE,), "warehouse lead, Lanzhou New Area hub"),
    DemoAccount("demo_picker", (Role.WAREHOUSE,), "warehouse worker (picks and packs), Lanzhou New Area hub"),
    DemoAccount("demo_bureau", (Role.BUREAU,), "commerce bureau staff, province-wide"),
    DemoAccount(
        "demo_bureau_longnan", (Role.BUREAU,), "commerce bureau staff for 陇南市 (621200)", scope=("621200",)
    ),
    DemoAccount(
        "demo_department",
        (Role.DEPARTMENT,),
        "department account: 甘肃省市场监督管理局",
        department="甘肃省市场监督管理局",
    ),
    DemoAccount("demo_admin", (Role.ADMIN,), "platform administrator (Django admin at /admin/)"),
)


def seed_demo_accounts() -> int:
    """Create the missing demo accounts; existing ones are left as they are. Returns how many were new."""
    created = 0
    with transaction.atomic():
        for account in DEMO_ACCOUNTS:
            if User.objects.filter(username=account.username).exists():
                continue
            services.user_create(
                username=account.username,
                password=settings.DEMO_PASSWORD,
                email=account.email,
                roles=account.roles,
                scope_codes=account.scope,
                department_name=account.department,
                validate_password=False,
            )
            created += 1
    return created
