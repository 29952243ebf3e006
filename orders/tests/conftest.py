"""Fixtures of the orders tests: two shops with products, a buyer, an address."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from gansu_mall.accounts.tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def make_shop(owner, bureau, *, uscc_prefix, county, name):
    from vendors import services as vendor_services
    from vendors.tests.factories import jpeg, make_uscc, open_shop

    vendor = open_shop(owner, bureau, uscc=make_uscc(uscc_prefix), county_code=county, shop_name=name)
    vendor_services.qualification_add(
        vendor=vendor,
        actor_role="owner",
        actor=owner,
        kind="food",
        number=f"JY-{uscc_prefix}",
        expires_on=timezone.localdate() + timedelta(days=365),
        document=jpeg(),
    )
    return vendor


def make_product(vendor, *, name, code, price, stock, fulfilled_by="vendor"):
    from catalog import services

    product = services.product_create(
        vendor=vendor,
        data=services.ProductInput(
            name=name,
            category="walnuts",
            origin_county_code="621221",
            status="active",
            skus=[
                services.SkuInput(
                    code=code,
                    spec="500 g",
                    price=price,
                    stock=stock,
                    weight_grams=520,
                    fulfilled_by=fulfilled_by,
                )
            ],
        ),
    )
    return product.skus.get()


@pytest.fixture
def bureau(db):
    return UserFactory(username="bureau", roles=["bureau"])


@pytest.fixture
def walnut_owner(db):
    return UserFactory(username="walnut_owner")


@pytest.fixture
def lily_owner(db):
    return UserFactory(username="lily_owner")


@pytest.fixture
def walnut_shop(walnut_owner, bureau):
    return make_shop(walnut_owner, bureau, uscc_prefix="93621221", county="621221", name="成县核桃合作社")


@pytest.fixture
def lily_shop(lily_owner, bureau):
    return make_shop(lily_owner, bureau, uscc_prefix="91620100", county="620102", name="兰州百合社")


@pytest.fixture
def walnuts(walnut_shop):
    return make_product(walnut_shop, name="成县核桃", code="HT-500", price="39.90", stock=10)


@pytest.fixture
def lilies(lily_shop):
    return make_product(lily_shop, name="兰州百合", code="BH-500", price="58.00", stock=5)


@pytest.fixture
def buyer(db):
    return UserFactory(username="buyer")


@pytest.fixture
def other_buyer(db):
    return UserFactory(username="other_buyer")


ADDRESS = {
    "recipient": "王小明",
    "phone": "13800138000",
    "province_code": "620000",
    "county_code": "621221",
    "detail": "城关镇东大街 12 号",
}


@pytest.fixture
def address():
    return dict(ADDRESS)


NOTIFY = "/api/v1/payments/notify/alipay/"


@pytest.fixture
def gateway(settings, monkeypatch):
    """The sandbox as the gateway: its server-to-server calls and notifications go through test clients."""
    from orders.payments import alipay, sandbox
    from orders.payments.tests.conftest import client_transport

    settings.SANDBOX_DELIVERY = "inprocess"
    settings.SITE_URL = "http://testserver"
    settings.ALIPAY_APP_ID = settings.ALIPAY_APP_PRIVATE_KEY = settings.ALIPAY_PUBLIC_KEY = ""
    client = sandbox.client(transport=client_transport(Client()))
    monkeypatch.setattr(alipay, "client_from_settings", lambda: client)
    platform = Client()
    previous = sandbox.register_inprocess_handler(
        lambda params: platform.post(NOTIFY, params).content.decode()
    )
    yield client
    sandbox.register_inprocess_handler(previous)
