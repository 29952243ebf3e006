"""The permissions matrix of the vendor API: every endpoint against every kind of caller.

Expected answers follow API.md: 401 anonymous, 404 for objects outside the caller's scope (never 403 for
them), 403 for a caller who may see the object but not do this, 2xx otherwise. Refused calls change nothing.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from gansu_mall.accounts.tests.factories import UserFactory
from vendors import services
from vendors.models import Delegation, Qualification, Vendor, VendorMembership, VendorStatusChange
from vendors.tests.factories import jpeg, make_uscc, open_shop

pytestmark = pytest.mark.django_db

CALLERS = [
    "anonymous",
    "consumer",
    "owner",
    "manager",
    "clerk",
    "other_owner",
    "delegate",
    "bureau",
    "county_bureau",
    "other_county_bureau",
]


@pytest.fixture
def world(client_for):
    bureau = UserFactory(username="bureau", roles=["bureau"])
    owner = UserFactory(username="owner")
    shop = open_shop(owner, bureau)
    other = open_shop(
        UserFactory(username="other_owner"), bureau, uscc=make_uscc("93621126"), county_code="621126"
    )
    users = {
        "consumer": UserFactory(username="consumer"),
        "owner": owner,
        "manager": UserFactory(username="manager"),
        "clerk": UserFactory(username="clerk"),
        "other_owner": other.memberships.get().user,
        "delegate": UserFactory(username="delegate", roles=["info_officer"], roles__scope=["621221"]),
        "bureau": bureau,
        "county_bureau": UserFactory(username="county_bureau", roles=["bureau"], roles__scope=["621200"]),
        "other_county_bureau": UserFactory(
            username="dingxi_bureau", roles=["bureau"], roles__scope=["621100"]
        ),
    }
    VendorMembership.objects.create(vendor=shop, user=users["manager"], role="manager")
    VendorMembership.objects.create(vendor=shop, user=users["clerk"], role="clerk")
    Delegation.objects.create(vendor=shop, officer=users["delegate"], granted_by=owner)
    qualification = services.qualification_add(
        vendor=shop,
        actor_role="owner",
        actor=owner,
        kind="food",
        number="JY1",
        expires_on=timezone.localdate() + timedelta(days=10),
        document=jpeg(),
    )
    return {"shop": shop, "users": users, "qualification": qualification}


def call(world, client_for, api_client, caller, method, path, data=None, fmt="json"):
    client = api_client if caller == "anonymous" else client_for(world["users"][caller])
    return getattr(client, method)(path, data or {}, format=fmt)


READS = {
    # path suffix under /api/v1/vendors/<shop>/ → expected status per caller
    "staff/": {
        "anonymous": 401,
        "consumer": 404,
        "owner": 200,
        "manager": 403,
        "clerk": 403,
        "other_owner": 404,
        "delegate": 404,
        "bureau": 404,
        "county_bureau": 404,
        "other_county_bureau": 404,
    },
    "qualifications/": {
        "anonymous": 401,
        "consumer": 404,
        "owner": 200,
        "manager": 200,
        "clerk": 403,
        "other_owner": 404,
        "delegate": 404,
        "bureau": 200,
        "county_bureau": 200,
        "other_county_bureau": 404,
    },
    "payout-account/": {
        "anonymous": 401,
        "consumer": 404,
        "owner": 200,
        "manager": 403,
        "clerk": 403,
        "other_owner": 404,
        "delegate": 404,
        "bureau": 404,
        "county_bureau": 404,
        "other_county_bureau": 404,
    },
    "delegations/": {
        "anonymous": 401,
        "consumer": 404,
        "owner": 200,
        "manager": 404,
        "clerk": 404,
        "other_owner": 404,
        "delegate": 404,
        "bureau": 200,
        "county_bureau": 200,
        "other_county_bureau": 404,
    },
    "": {caller: 200 for caller in CALLERS},  # the public shop
}


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("suffix", list(READS))
def test_reads(world, client_for, api_client, caller, suffix):
    response = call(
        world, client_for, api_client, caller, "get", f"/api/v1/vendors/{world['shop'].slug}/{suffix}"
    )
    assert response.status_code == READS[suffix][caller], response.content


WRITES = {
    "staff/": (
        "post",
        {"username": "consumer", "role": "clerk"},
        {
            "anonymous": 401,
            "consumer": 404,
            "owner": 201,
            "manager": 403,
            "clerk": 403,
            "other_owner": 404,
            "delegate": 404,
            "bureau": 404,
            "county_bureau": 404,
            "other_county_bureau": 404,
        },
    ),
    "payout-account/": (
        "put",
        {"bank_name": "兰州银行", "holder": "x", "number": "6222600000000000001"},
        {
            "anonymous": 401,
            "consumer": 404,
            "owner": 200,
            "manager": 403,
            "clerk": 403,
            "other_owner": 404,
            "delegate": 404,
            "bureau": 404,
            "county_bureau": 404,
            "other_county_bureau": 404,
        },
    ),
    "delegations/": (
        "post",
        {"officer": "delegate"},
        {
            "anonymous": 401,
            "consumer": 404,
            "owner": 409,  # the officer already holds a live delegation
            "manager": 403,
            "clerk": 403,
            "other_owner": 404,
            "delegate": 404,
            "bureau": 404,
            "county_bureau": 404,
            "other_county_bureau": 404,
        },
    ),
    "suspend/": (
        "post",
        {"reason": "抽检"},
        {
            "anonymous": 401,
            "consumer": 403,
            "owner": 403,
            "manager": 403,
            "clerk": 403,
            "other_owner": 403,
            "delegate": 403,
            "bureau": 200,
            "county_bureau": 200,
            "other_county_bureau": 404,
        },
    ),
    "close/": (
        "post",
        {"reason": "歇业"},
        {
            "anonymous": 401,
            "consumer": 404,
            "owner": 200,
            "manager": 403,
            "clerk": 403,
            "other_owner": 404,
            "delegate": 404,
            "bureau": 404,
            "county_bureau": 404,
            "other_county_bureau": 404,
        },
    ),
}


def snapshot(shop: Vendor) -> tuple:
    shop.refresh_from_db()
    return (
        shop.status,
        VendorMembership.objects.filter(vendor=shop).count(),
        shop.invitations.count(),
        shop.payout_account.number,
        Delegation.objects.filter(vendor=shop).count(),
        VendorStatusChange.objects.filter(vendor=shop).count(),
    )


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("suffix", list(WRITES))
def test_writes(world, client_for, api_client, caller, suffix):
    method, data, expected = WRITES[suffix]
    shop = world["shop"]
    before = snapshot(shop)
    response = call(
        world, client_for, api_client, caller, method, f"/api/v1/vendors/{shop.slug}/{suffix}", data
    )
    assert response.status_code == expected[caller], response.content
    if response.status_code >= 400:
        assert snapshot(shop) == before
        assert set(response.json()) >= {"code", "message"}


@pytest.mark.parametrize(
    ("caller", "expected"),
    [
        ("anonymous", 401),
        ("consumer", 403),
        ("owner", 403),
        ("clerk", 403),
        ("bureau", 200),
        ("county_bureau", 200),
        ("other_county_bureau", 404),
    ],
)
def test_qualification_revoke(world, client_for, api_client, caller, expected):
    qualification: Qualification = world["qualification"]
    response = call(
        world,
        client_for,
        api_client,
        caller,
        "post",
        f"/api/v1/qualifications/{qualification.pk}/revoke/",
        {"reason": "吊销"},
    )
    assert response.status_code == expected
    qualification.refresh_from_db()
    assert (qualification.revoked_at is not None) == (expected == 200)


@pytest.mark.parametrize(
    ("caller", "expected"),
    [
        ("anonymous", 404),
        ("consumer", 404),
        ("owner", 200),
        ("manager", 200),
        ("clerk", 404),
        ("other_owner", 404),
        ("bureau", 200),
        ("county_bureau", 200),
        ("other_county_bureau", 404),
    ],
)
def test_qualification_document(world, client, caller, expected):
    if caller != "anonymous":
        client.force_login(world["users"][caller])
    assert client.get(f"/documents/qualifications/{world['qualification'].pk}/").status_code == expected


def test_seller_centre_page_query_count_does_not_grow(world, client, django_assert_max_num_queries):
    shop, owner = world["shop"], world["users"]["owner"]
    client.force_login(owner)
    with django_assert_max_num_queries(20) as few:
        client.get(f"/seller/{shop.slug}/")
    for i in range(8):
        VendorMembership.objects.create(vendor=shop, user=UserFactory(username=f"extra{i}"), role="clerk")
        services.qualification_add(
            vendor=shop,
            actor_role="owner",
            actor=owner,
            kind="herb",
            number=f"H{i}",
            expires_on=timezone.localdate() + timedelta(days=100 + i),
            document=jpeg(),
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(f"/seller/{shop.slug}/")
