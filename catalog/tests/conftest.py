from datetime import timedelta

import pytest
from django.utils import timezone

from gansu_mall.accounts.tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def bureau(db):
    return UserFactory(username="bureau", roles=["bureau"])


@pytest.fixture
def owner(db):
    return UserFactory(username="owner")


@pytest.fixture
def shop(owner, bureau):
    """成县核桃合作社 with a food licence in force (nuts need one)."""
    from vendors import services
    from vendors.tests.factories import jpeg, open_shop

    vendor = open_shop(owner, bureau)
    services.qualification_add(
        vendor=vendor,
        actor_role="owner",
        actor=owner,
        kind="food",
        number="JY1",
        expires_on=timezone.localdate() + timedelta(days=365),
        document=jpeg(),
    )
    return vendor


@pytest.fixture
def other_shop(bureau):
    from vendors.tests.factories import make_uscc, open_shop

    return open_shop(
        UserFactory(username="other_owner"),
        bureau,
        uscc=make_uscc("93621126"),
        county_code="621126",
        shop_name="岷县当归社",
    )
