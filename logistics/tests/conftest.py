from __future__ import annotations

import pytest
from django.utils import translation

from gansu_mall.accounts.tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _logistics_urls(settings):
    """The logistics pages and API, while the root URLconf does not include them yet."""
    settings.ROOT_URLCONF = "logistics.tests.urls"
    settings.ORDER_FLAT_SHIPPING_FEE = "10.00"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def admin(db):
    return UserFactory(username="root", roles=["admin"])


@pytest.fixture
def bureau(db):
    return UserFactory(username="bureau", roles=["bureau"])


@pytest.fixture
def owner(db):
    return UserFactory(username="owner")


@pytest.fixture
def shop(owner, bureau):
    from vendors.tests.factories import open_shop

    return open_shop(owner, bureau)


@pytest.fixture
def other_owner(db):
    return UserFactory(username="other_owner")


@pytest.fixture
def other_shop(other_owner, bureau):
    from vendors.tests.factories import make_uscc, open_shop

    return open_shop(
        other_owner, bureau, uscc=make_uscc("93621126"), county_code="621126", shop_name="岷县当归社"
    )


def member(shop, username: str, role: str):
    from vendors.models import VendorMembership

    user = UserFactory(username=username)
    VendorMembership.objects.create(vendor=shop, user=user, role=role)
    return user
