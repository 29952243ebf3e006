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


@pytest.fixture
def warehouse_user(db):
    return UserFactory(username="picker", roles=["warehouse"])


@pytest.fixture
def buyer(db):
    return UserFactory(username="buyer")


def food_licence(vendor, owner, number: str) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from vendors import services as vendor_services
    from vendors.tests.factories import jpeg

    vendor_services.qualification_add(
        vendor=vendor,
        actor_role="owner",
        actor=owner,
        kind="food",
        number=number,
        expires_on=timezone.localdate() + timedelta(days=365),
        document=jpeg(),
    )


def hub_sku(vendor, *, code: str, storage: str = "ambient", name: str = "核桃"):
    """A product on sale with one SKU shipped from the hub, its stock at 0."""
    from catalog import services

    product = services.product_create(
        vendor=vendor,
        data=services.ProductInput(
            name=name,
            category="walnuts",
            origin_county_code="621221",
            storage=storage,
            shelf_life_days=30 if storage != "ambient" else None,
            status="active",
            skus=[
                services.SkuInput(
                    code=code, spec="500 g", price="40.00", stock=0, weight_grams=520, fulfilled_by="hub"
                )
            ],
        ),
    )
    return product.skus.get()


def lot(sku, quantity: int):
    from datetime import timedelta

    from django.utils import timezone

    from catalog.trace import BatchInput, batch_create

    return batch_create(
        sku=sku,
        data=BatchInput(
            quantity=quantity,
            origin_county_code="621221",
            base_name="成县核桃基地",
            harvested_on=timezone.localdate() - timedelta(days=3),
        ),
    )


@pytest.fixture
def licensed_shop(shop, owner):
    food_licence(shop, owner, "JY-SHOP")
    return shop


@pytest.fixture
def walnut(licensed_shop):
    return hub_sku(licensed_shop, code="HT-500")


@pytest.fixture
def walnut_lot(walnut):
    return lot(walnut, 40)


def stock_hub(sku, owner, warehouse_user, quantity: int, *, batch=None, bin_code: str = "A-01-01"):
    """Consign ``quantity`` units (of ``batch``) to the hub and receive them into ``bin_code``."""
    from logistics import inbound

    shipment = inbound.inbound_announce(
        vendor=sku.vendor,
        actor=owner,
        actor_role="owner",
        warehouse_code="LZXQ",
        lines=[inbound.AnnouncedLine(sku_id=sku.pk, quantity=quantity, batch_id=batch.pk if batch else None)],
    )
    inbound.inbound_receive(
        shipment=shipment,
        actor=warehouse_user,
        lines=[
            inbound.CountedLine(
                sku_id=sku.pk,
                received_quantity=quantity,
                bin_code=bin_code,
                batch_id=batch.pk if batch else None,
            )
        ],
    )


HUB_ADDRESS = {
    "recipient": "王小明",
    "phone": "13800138000",
    "province_code": "620000",
    "county_code": "621221",
    "detail": "城关镇东大街 12 号",
}


def paid_order(buyer, lines: dict, *, express: bool = False, address: dict | None = None):
    """Place and pay an order for ``lines`` ({sku: quantity}) through checkout and the payment service
    (the gateway's confirmation is taken as given). Returns the orders placed."""
    import uuid

    from orders.services import addresses, checkout, payments

    result = checkout.checkout(
        buyer=buyer,
        address=addresses.AddressInput(**(address or HUB_ADDRESS)),
        lines=[checkout.CheckoutLine(sku_id=sku.pk, quantity=q) for sku, q in lines.items()],
        note="",
        idempotency_key=uuid.uuid4().hex,
        fingerprint=uuid.uuid4().hex,
        express=express,
    )
    payments.payment_mark_paid(
        payment_id=result.payment.pk, provider="alipay", trade_no=uuid.uuid4().hex[:20]
    )
    for order in result.orders:
        order.refresh_from_db()
    return result.orders


@pytest.fixture
def lead(db):
    from logistics.models import Warehouse

    user = UserFactory(username="lead", roles=["warehouse"])
    Warehouse.objects.filter(code="LZXQ").update(lead=user)
    return user
