"""The order pages: cart, checkout, the payment's return page, my orders, the seller centre's orders."""

from __future__ import annotations

import copy
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog import services as catalog_services
from catalog.models import Product, Sku
from gansu_mall.accounts.tests.factories import UserFactory
from orders.models import Address, CartItem, Order, OrderStatus, Payment, PaymentStatus
from orders.services.addresses import AddressInput, address_create
from orders.services.cart import cart_add, cart_for_user
from orders.services.checkout import CheckoutLine, checkout
from orders.services.orders import order_ship
from orders.services.payments import payment_mark_paid

pytestmark = pytest.mark.django_db

CONTEXT_PROCESSOR = "orders.context_processors.cart"
GATEWAY = "/sandbox/alipay/gateway/"
PHONE = "13912345678"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture(autouse=True)
def _cart_in_header(settings):
    """The header's cart count (settings list the context processor once the pages are wired in)."""
    templates = copy.deepcopy(settings.TEMPLATES)
    processors = templates[0]["OPTIONS"]["context_processors"]
    if CONTEXT_PROCESSOR not in processors:
        processors.append(CONTEXT_PROCESSOR)
        settings.TEMPLATES = templates


def _licensed_shop(owner, bureau, **overrides):
    from vendors import services
    from vendors.tests.factories import jpeg, open_shop

    vendor = open_shop(owner, bureau, **overrides)
    services.qualification_add(
        vendor=vendor,
        actor_role="owner",
        actor=owner,
        kind="food",
        number=f"JY{vendor.pk}",
        expires_on=timezone.localdate() + timedelta(days=365),
        document=jpeg(),
    )
    return vendor


@pytest.fixture
def bureau():
    return UserFactory(username="bureau", roles=["bureau"])


@pytest.fixture
def owner():
    return UserFactory(username="owner")


@pytest.fixture
def other_owner():
    return UserFactory(username="other_owner")


@pytest.fixture
def shop(owner, bureau):
    """成县核桃合作社 (Cheng County)."""
    return _licensed_shop(owner, bureau)


@pytest.fixture
def other_shop(other_owner, bureau):
    from vendors.tests.factories import make_uscc

    return _licensed_shop(
        other_owner, bureau, uscc=make_uscc("93621126"), county_code="621126", shop_name="岷县当归社"
    )


@pytest.fixture
def buyer():
    return UserFactory(username="buyer")


def add_product(shop, name, code, price="39.90", stock=10, name_en=""):
    product = catalog_services.product_create(
        vendor=shop,
        data=catalog_services.ProductInput(
            name=name,
            name_en=name_en,
            category="walnuts",
            origin_county_code="621221",
            status="active",
            skus=[
                catalog_services.SkuInput(code=code, spec="500 g", price=price, stock=stock, weight_grams=520)
            ],
        ),
    )
    return product.skus.get()


@pytest.fixture
def skus(shop, other_shop):
    """Two SKUs of 成县核桃合作社, one of 岷县当归社."""
    walnut = add_product(shop, "成县核桃", "HT-500", "39.90", 10, name_en="Chengxian walnuts")
    kernels = add_product(shop, "核桃仁", "HTR-500", "25.00", 5)
    jujube = add_product(other_shop, "岷县红枣", "HZ-500", "12.50", 20)
    return walnut, kernels, jujube


def html(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def new_address(**overrides):
    form = {
        "address": "new",
        "recipient": "王芳",
        "phone": PHONE,
        "province_code": "620000",
        "county_code": "621221",
        "detail": "城关镇东大街 1 号",
        "save_address": "on",
        "note": "请尽快发货",
    }
    form.update(overrides)
    return form


def idempotency_key(page: str) -> str:
    match = re.search(r'name="idempotency_key" value="([^"]+)"', page)
    assert match, "the checkout form carries an idempotency key"
    return match.group(1)


def place(buyer, sku, quantity=1, key="k"):
    """An order placed through the service (for list pages)."""
    return checkout(
        buyer=buyer,
        address=AddressInput(
            recipient="王芳", phone=PHONE, province_code="620000", county_code="621221", detail="城关镇 1 号"
        ),
        lines=[CheckoutLine(sku_id=sku.pk, quantity=quantity)],
        note="",
        idempotency_key=key,
        fingerprint=key,
    )


# --- Product page and cart ------------------------------------------------------------------------


def test_product_page_has_an_add_to_cart_form(client, skus):
    walnut = skus[0]
    page = html(client.get(f"/products/{walnut.product_id}/?lang=en"))
    assert 'action="/cart/add/"' in page
    assert f'name="sku" value="{walnut.pk}"' in page
    assert 'name="quantity"' in page
    assert "Add to cart" in page


def test_cart_add_change_remove_with_exact_totals(client, skus):
    walnut, kernels, jujube = skus
    product_url = f"/products/{walnut.product_id}/"
    response = client.post("/cart/add/", {"sku": walnut.pk, "quantity": "2", "next": product_url})
    assert response.status_code == 302
    assert response["Location"] == "/cart/"
    client.post("/cart/add/", {"sku": kernels.pk, "quantity": "1"})
    client.post("/cart/add/", {"sku": jujube.pk, "quantity": "3"})

    response = client.get("/cart/?lang=en")
    page = html(response)
    assert response.status_code == 200
    assert page.count('data-testid="cart-shop"') == 2
    assert page.count('data-testid="cart-line"') == 3
    # 2 × 39.90 + 25.00 = 104.80; 3 × 12.50 = 37.50; together 142.30 for 6 units.
    assert re.findall(r'data-testid="shop-total">¥([\d.]+)<', page) == ["104.80", "37.50"]
    assert 'data-testid="cart-total">¥142.30<' in page
    assert "(6 items)" in page
    assert 'data-testid="cart-count">6<' in page
    assert "Chengxian walnuts" in page
    assert 'href="/checkout/"' in page
    assert "You will be asked to sign in; your cart is kept." in page

    walnut_item = CartItem.objects.get(sku=walnut)
    response = client.post(f"/cart/items/{walnut_item.pk}/?lang=en", {"quantity": "3"}, follow=True)
    assert "Quantity of Chengxian walnuts (500 g): 3." in messages_of(response)
    assert 'data-testid="cart-total">¥182.20<' in html(response)  # 3 × 39.90 + 25.00 + 37.50

    # More than there is: refused with the service's message, the quantity stays.
    response = client.post(f"/cart/items/{walnut_item.pk}/?lang=en", {"quantity": "11"}, follow=True)
    assert "Only 10 left of 500 g." in html(response)
    assert CartItem.objects.get(pk=walnut_item.pk).quantity == 3
    response = client.post(f"/cart/items/{walnut_item.pk}/?lang=en", {"quantity": "two"}, follow=True)
    assert "Give a whole number from 1 to 999." in html(response)

    kernels_item = CartItem.objects.get(sku=kernels)
    response = client.post(f"/cart/items/{kernels_item.pk}/?lang=en", {"action": "remove"}, follow=True)
    page = html(response)
    assert "Removed from your cart: 核桃仁 (500 g)." in page
    assert 'data-testid="cart-total">¥157.20<' in page  # 3 × 39.90 + 37.50
    assert not CartItem.objects.filter(pk=kernels_item.pk).exists()

    # Someone else's line (or none) is not found.
    assert client.post("/cart/items/999999/", {"quantity": "1"}).status_code == 404


def test_cart_add_refusals_go_back_as_messages(client, skus):
    walnut = skus[0]
    product_url = f"/products/{walnut.product_id}/"
    response = client.post("/cart/add/?lang=en", {"sku": walnut.pk, "quantity": "11", "next": product_url})
    assert response["Location"] == product_url
    assert CartItem.objects.count() == 0
    page = html(client.get(product_url + "?lang=en"))
    assert "Only 10 left of 500 g." in page
    response = client.post(
        "/cart/add/?lang=en", {"sku": walnut.pk, "quantity": "0", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/cart/"  # never off-site
    assert "Give a whole number from 1 to 999." in html(client.get("/cart/?lang=en"))
    response = client.post("/cart/add/?lang=en", {"quantity": "1", "next": product_url})
    assert "Choose a spec." in html(client.get(product_url + "?lang=en"))
    Product.objects.filter(pk=walnut.product_id).update(status="draft")
    client.post("/cart/add/?lang=en", {"sku": walnut.pk, "quantity": "1"})
    assert "This item is not on sale." in html(client.get("/cart/?lang=en"))
    assert CartItem.objects.count() == 0


def test_cart_shows_price_changes_and_problems(client, skus):
    walnut, kernels, jujube = skus
    for sku, quantity in ((walnut, 2), (kernels, 3), (jujube, 1)):
        client.post("/cart/add/", {"sku": sku.pk, "quantity": quantity})
    Sku.objects.filter(pk=walnut.pk).update(price=Decimal("42.00"))
    Sku.objects.filter(pk=kernels.pk).update(stock=1)
    Product.objects.filter(pk=jujube.product_id).update(status="inactive")
    page = html(client.get("/cart/?lang=en"))
    assert "Price changed from ¥39.90" in page
    assert "¥84.00" in page  # today's price: 2 × 42.00
    assert "Only 1 left." in page
    assert "No longer on sale." in page
    assert 'data-testid="cart-not-ready"' in page


def test_cart_quantity_change_with_htmx_returns_the_cart_block(client, skus):
    walnut = skus[0]
    client.post("/cart/add/", {"sku": walnut.pk, "quantity": "1"})
    item = CartItem.objects.get()
    response = client.post(f"/cart/items/{item.pk}/?lang=en", {"quantity": "4"}, HTTP_HX_REQUEST="true")
    page = html(response)
    assert response.status_code == 200
    assert "<html" not in page
    assert page.lstrip().startswith('<div id="cart"')
    assert 'data-testid="cart-total">¥159.60<' in page
    assert '<span id="cart-count" hx-swap-oob="true">' in page
    assert 'data-testid="cart-count">4<' in page
    assert (
        '<div id="cart-live" hx-swap-oob="innerHTML">Quantity of Chengxian walnuts (500 g): 4.</div>' in page
    )
    refused = client.post(f"/cart/items/{item.pk}/?lang=en", {"quantity": "99"}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 200  # htmx swaps only 2xx answers; the block carries the error
    assert 'data-testid="cart-error">Only 10 left of 500 g.<' in html(refused)


def test_empty_cart_and_both_languages(client, skus):
    zh = client.get("/cart/?lang=zh-hans")
    assert zh.status_code == 200
    assert '<html lang="zh-Hans">' in html(zh)
    assert 'data-testid="cart-empty"' in html(zh)
    en = client.get("/cart/?lang=en")
    assert '<html lang="en">' in html(en)
    assert "Your cart is empty." in html(en)


def test_cart_count_costs_at_most_one_query(rf, buyer, skus):
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.sessions.backends.cache import SessionStore

    from orders.context_processors import cart

    request = rf.get("/")
    request.user, request.session = AnonymousUser(), SessionStore()
    with CaptureQueriesContext(connection) as queries:
        assert int(str(cart(request)["cart_count"])) == 0
    assert len(queries) == 0  # a guest without a cart
    request.user = buyer
    cart_add(cart=cart_for_user(user=buyer), sku_id=skus[0].pk, quantity=3)
    with CaptureQueriesContext(connection) as queries:
        count = cart(request)["cart_count"]
        assert str(count) == "3"
        assert bool(count)
    assert len(queries) == 1


def test_cart_page_queries_do_not_grow_with_lines(client, shop, django_assert_max_num_queries):
    first = add_product(shop, "核桃0", "P0")
    client.post("/cart/add/", {"sku": first.pk, "quantity": "1"})
    with django_assert_max_num_queries(12) as one:
        assert client.get("/cart/").status_code == 200
    first_count = len(one.captured_queries)  # read now: the next request resets the query log
    for i in range(1, 12):
        sku = add_product(shop, f"核桃{i}", f"P{i}")
        client.post("/cart/add/", {"sku": sku.pk, "quantity": "1"})
    with django_assert_max_num_queries(first_count):
        page = html(client.get("/cart/"))
    assert page.count('data-testid="cart-line"') == 12


# --- Checkout -------------------------------------------------------------------------------------


def test_checkout_needs_sign_in_and_a_cart(client, buyer):
    response = client.get("/checkout/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/checkout/"
    client.force_login(buyer)
    response = client.get("/checkout/")
    assert response["Location"] == "/cart/"


def test_checkout_places_one_order_per_shop_and_goes_to_the_gateway(client, buyer, skus):
    walnut, kernels, jujube = skus
    client.post("/cart/add/", {"sku": walnut.pk, "quantity": "2"})
    client.post("/cart/add/", {"sku": kernels.pk, "quantity": "1"})
    client.post("/cart/add/", {"sku": jujube.pk, "quantity": "3"})
    client.force_login(buyer)  # the guest cart joins the buyer's
    response = client.get("/checkout/?lang=en")
    page = html(response)
    assert response.status_code == 200
    assert page.count('data-testid="checkout-shop"') == 2
    assert re.findall(r'data-testid="shipping-fee">¥([\d.]+)<', page) == ["10.00", "10.00"]
    assert re.findall(r'data-testid="order-total">¥([\d.]+)<', page) == ["114.80", "47.50"]
    assert 'data-testid="grand-total">¥162.30<' in page
    assert page.count('<option value="') > 34 + 86  # every province; Gansu's counties
    key = idempotency_key(page)

    response = client.post("/checkout/", {**new_address(), "idempotency_key": key})
    assert response.status_code == 302
    assert GATEWAY in response["Location"]
    payment = Payment.objects.get()
    assert (payment.buyer, payment.amount, payment.status) == (
        buyer,
        Decimal("162.30"),
        PaymentStatus.PENDING,
    )
    orders = list(Order.objects.order_by("vendor_id"))
    assert [(o.vendor_id, o.items_total, o.shipping_fee, o.total) for o in orders] == [
        (walnut.vendor_id, Decimal("104.80"), Decimal("10.00"), Decimal("114.80")),
        (jujube.vendor_id, Decimal("37.50"), Decimal("10.00"), Decimal("47.50")),
    ]
    assert {o.status for o in orders} == {OrderStatus.PENDING_PAYMENT}
    first = orders[0]
    assert (first.recipient, first.phone, first.province_code, first.city_code, first.county_code) == (
        "王芳",
        PHONE,
        "620000",
        "621200",
        "621221",
    )
    assert first.note == "请尽快发货"
    assert CartItem.objects.count() == 0
    address = Address.objects.get(user=buyer)
    assert (address.county_code, address.is_default) == ("621221", True)
    assert Sku.objects.get(pk=walnut.pk).stock == 8

    # The same page submitted again: the same payment, nothing more.
    again = client.post("/checkout/", {**new_address(), "idempotency_key": key})
    assert again.status_code == 302
    assert GATEWAY in again["Location"]
    assert payment.number in again["Location"]
    assert (Payment.objects.count(), Order.objects.count(), Address.objects.count()) == (1, 2, 1)
    assert Sku.objects.get(pk=walnut.pk).stock == 8


def test_checkout_with_a_saved_address_outside_gansu(client, buyer, skus):
    walnut = skus[0]
    saved = address_create(
        user=buyer,
        data=AddressInput(recipient="李雷", phone=PHONE, province_code="110000", detail="北京市海淀区 1 号"),
    )
    client.force_login(buyer)
    client.post("/cart/add/", {"sku": walnut.pk, "quantity": "1"})
    page = html(client.get("/checkout/"))
    assert f'value="{saved.pk}"' in page
    assert re.search(rf'value="{saved.pk}"[^>]*checked', page)
    assert "北京市" in page
    response = client.post(
        "/checkout/", {"address": str(saved.pk), "note": "", "idempotency_key": idempotency_key(page)}
    )
    assert GATEWAY in response["Location"]
    order = Order.objects.get()
    assert (order.province_code, order.city_code, order.county_code, order.total) == (
        "110000",
        "",
        "",
        Decimal("49.90"),
    )
    assert Address.objects.count() == 1  # nothing new to save


def test_checkout_new_address_outside_gansu_drops_the_gansu_county(client, buyer, skus):
    client.force_login(buyer)
    client.post("/cart/add/", {"sku": skus[0].pk, "quantity": "1"})
    key = idempotency_key(html(client.get("/checkout/")))
    client.post(
        "/checkout/", {**new_address(province_code="310000", save_address=""), "idempotency_key": key}
    )
    order = Order.objects.get()
    assert (order.province_code, order.county_code) == ("310000", "")
    assert Address.objects.count() == 0


def test_refused_checkout_names_the_product_and_places_nothing(client, buyer, skus):
    walnut, _kernels, jujube = skus
    client.force_login(buyer)
    client.post("/cart/add/", {"sku": walnut.pk, "quantity": "3"})
    client.post("/cart/add/", {"sku": jujube.pk, "quantity": "1"})
    key = idempotency_key(html(client.get("/checkout/")))
    Sku.objects.filter(pk=walnut.pk).update(stock=2)  # sold meanwhile

    response = client.post("/checkout/?lang=en", {**new_address(), "idempotency_key": key})
    page = html(response)
    assert response.status_code == 409
    assert 'data-testid="checkout-refusal"' in page
    assert "Nothing was ordered." in page
    assert re.search(r'data-testid="refused-items">\s*<li>Chengxian walnuts \(500 g\)</li>', page)
    assert "岷县红枣" not in re.search(r'data-testid="refused-items">(.*?)</ul>', page, re.S).group(1)
    assert (Order.objects.count(), Payment.objects.count(), Address.objects.count()) == (0, 0, 0)
    assert Sku.objects.filter(pk__in=[walnut.pk, jujube.pk]).order_by("pk").values_list(
        "stock", "reserved"
    ).first() == (2, 0)
    assert Sku.objects.get(pk=jujube.pk).stock == 20
    assert CartItem.objects.count() == 2  # the cart is kept

    # The same key works once the cart is put right (the refused attempt left no record).
    item = CartItem.objects.get(sku=walnut)
    client.post(f"/cart/items/{item.pk}/", {"quantity": "2"})
    response = client.post("/checkout/", {**new_address(), "idempotency_key": key})
    assert GATEWAY in response["Location"]
    assert Order.objects.count() == 2


def test_checkout_not_on_sale_is_refused_with_the_product_named(client, buyer, skus):
    walnut = skus[0]
    client.force_login(buyer)
    client.post("/cart/add/", {"sku": walnut.pk, "quantity": "1"})
    key = idempotency_key(html(client.get("/checkout/")))
    Product.objects.filter(pk=walnut.product_id).update(status="inactive")
    response = client.post("/checkout/", {**new_address(), "idempotency_key": key})
    assert response.status_code == 409
    assert "成县核桃 (500 g)" in html(response)
    assert Order.objects.count() == 0


def test_checkout_address_errors_show_on_their_fields(client, buyer, skus):
    client.force_login(buyer)
    client.post("/cart/add/", {"sku": skus[0].pk, "quantity": "1"})
    key = idempotency_key(html(client.get("/checkout/")))
    response = client.post(
        "/checkout/?lang=en", {**new_address(phone="12345", county_code=""), "idempotency_key": key}
    )
    page = html(response)
    assert response.status_code == 400
    assert "Enter a mainland China mobile number: 11 digits starting with 13–19." in page
    assert "Choose a county of Gansu (a six-digit code such as 621221)." in page
    assert f'value="{key}"' in page  # the same page, the same key
    assert (Order.objects.count(), Payment.objects.count(), Address.objects.count()) == (0, 0, 0)
    assert Sku.objects.get(pk=skus[0].pk).stock == 10


# --- Paying ---------------------------------------------------------------------------------------


def test_paid_page_waits_for_the_notification_then_shows_paid(client, buyer, skus):
    result = place(buyer, skus[0], 2)
    url = f"/orders/paid/{result.payment.number}/"
    assert client.get(url)["Location"].startswith("/accounts/login/")
    client.force_login(buyer)
    page = html(client.get(url + "?lang=en"))
    assert "We are waiting for the payment service to confirm your payment of ¥89.80." in page
    assert 'data-testid="refresh"' in page
    assert 'hx-trigger="load delay:3s"' in page
    assert f'href="/orders/{result.orders[0].pk}/"' in page
    payment_mark_paid(payment_id=result.payment.pk, provider="alipay", trade_no="T1")
    page = html(client.get(url + "?lang=en"))
    assert "Paid: ¥89.80." in page
    assert 'data-testid="refresh"' not in page
    assert "hx-trigger" not in page
    client.force_login(UserFactory(username="someone_else"))
    assert client.get(url).status_code == 404


def test_order_pay_button_goes_to_the_gateway(client, buyer, skus):
    result = place(buyer, skus[0])
    order = result.orders[0]
    client.force_login(buyer)
    page = html(client.get(f"/orders/{order.pk}/?lang=en"))
    assert 'data-testid="pay"' in page
    response = client.post(f"/orders/{order.pk}/pay/")
    assert response.status_code == 302
    assert GATEWAY in response["Location"]
    payment_mark_paid(payment_id=result.payment.pk, provider="alipay", trade_no="T1")
    page = html(client.get(f"/orders/{order.pk}/?lang=en"))
    assert 'data-testid="pay"' not in page
    response = client.post(f"/orders/{order.pk}/pay/?lang=en", follow=True)
    assert "This order is not awaiting payment." in html(response)


# --- My orders ------------------------------------------------------------------------------------


def test_my_orders_shows_only_mine_and_filters_by_status(client, buyer, skus):
    walnut, _kernels, jujube = skus
    mine_paid = place(buyer, walnut, 1, key="a")
    mine_pending = place(buyer, jujube, 2, key="b")
    payment_mark_paid(payment_id=mine_paid.payment.pk, provider="alipay", trade_no="T1")
    other = UserFactory(username="other_buyer")
    theirs = place(other, walnut, 1, key="c")

    client.force_login(buyer)
    page = html(client.get("/orders/?lang=en"))
    assert page.count('data-testid="order-row"') == 2
    assert mine_paid.orders[0].number in page
    assert mine_pending.orders[0].number in page
    assert theirs.orders[0].number not in page
    paid_only = html(client.get("/orders/?status=paid&lang=en"))
    assert paid_only.count('data-testid="order-row"') == 1
    assert mine_paid.orders[0].number in paid_only
    assert 'aria-current="page">paid<' in paid_only
    assert html(client.get("/orders/?status=bogus")).count('data-testid="order-row"') == 2
    assert client.get(f"/orders/{theirs.orders[0].pk}/").status_code == 404
    assert client.post(f"/orders/{theirs.orders[0].pk}/cancel/").status_code == 404
    assert client.post(f"/orders/{theirs.orders[0].pk}/pay/").status_code == 404
    assert client.post(f"/orders/{theirs.orders[0].pk}/confirm-receipt/").status_code == 404
    assert Order.objects.get(pk=theirs.orders[0].pk).status == OrderStatus.PENDING_PAYMENT


def test_order_detail_cancel_and_confirm_receipt(client, buyer, other_owner, skus):
    walnut, _kernels, jujube = skus
    pending = place(buyer, walnut, 2, key="a").orders[0]
    client.force_login(buyer)
    response = client.get(f"/orders/{pending.pk}/?lang=en")
    page = html(response)
    assert response.status_code == 200
    assert 'data-testid="items-total">79.80<' in page
    assert 'data-testid="shipping-fee">10.00<' in page
    assert 'data-testid="order-total"><strong>89.80</strong><' in page
    assert "Gansu Longnan Cheng County 城关镇 1 号" in page
    assert "Chengxian walnuts" in page
    assert 'data-testid="cancel"' in page
    assert 'data-testid="confirm-receipt"' not in page
    assert "城关镇 1 号" in html(client.get(f"/orders/{pending.pk}/?lang=zh-hans"))

    response = client.post(f"/orders/{pending.pk}/cancel/?lang=en", {"reason": "买错了"}, follow=True)
    page = html(response)
    assert f"Order {pending.number} is cancelled." in page
    assert 'data-testid="order-status">cancelled<' in page
    assert "买错了" in page  # the buyer's reason in the history
    assert Sku.objects.get(pk=walnut.pk).stock == 10  # held stock back
    again = client.post(f"/orders/{pending.pk}/cancel/?lang=en", follow=True)
    assert "Only an order awaiting payment can be cancelled here." in html(again)

    shipped = place(buyer, jujube, 1, key="b")
    payment_mark_paid(payment_id=shipped.payment.pk, provider="alipay", trade_no="T2")
    order = shipped.orders[0]
    order_ship(order=order, actor=other_owner, carrier="sf", tracking_number="SF1234567890123")
    page = html(client.get(f"/orders/{order.pk}/?lang=en"))
    assert 'data-testid="carrier">SF Express<' in page
    assert 'data-testid="tracking-number">SF1234567890123<' in page
    assert 'data-testid="cancel"' not in page
    events = re.search(r'data-testid="order-events">(.*?)</ol>', page, re.S).group(1)
    assert [s for s in re.findall(r"<strong>([^<]+)</strong>", events)] == [
        "awaiting payment",
        "paid",
        "shipped",
    ]
    response = client.post(f"/orders/{order.pk}/confirm-receipt/?lang=en", follow=True)
    assert 'data-testid="order-status">completed<' in html(response)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.COMPLETED


def test_my_orders_queries_do_not_grow(client, buyer, shop, django_assert_max_num_queries):
    sku = add_product(shop, "核桃", "P", stock=100)
    place(buyer, sku, key="k0")
    client.force_login(buyer)
    with django_assert_max_num_queries(14) as one:
        assert client.get("/orders/").status_code == 200
    first_count = len(one.captured_queries)
    for i in range(1, 8):
        place(buyer, sku, key=f"k{i}")
    with django_assert_max_num_queries(first_count):
        page = html(client.get("/orders/"))
    assert page.count('data-testid="order-row"') == 8


def test_my_orders_are_paginated_by_20(client, buyer, shop):
    sku = add_product(shop, "核桃", "P", stock=100)
    for i in range(21):
        place(buyer, sku, key=f"k{i}")
    client.force_login(buyer)
    assert html(client.get("/orders/")).count('data-testid="order-row"') == 20
    second = html(client.get("/orders/?page=2"))
    assert second.count('data-testid="order-row"') == 1
    assert "2 / 2" in second


# --- Seller centre --------------------------------------------------------------------------------


def test_seller_orders_list_detail_and_ship(client, buyer, owner, other_owner, skus):
    walnut, _kernels, jujube = skus
    paid = place(buyer, walnut, 2, key="a")
    payment_mark_paid(payment_id=paid.payment.pk, provider="alipay", trade_no="T1")
    order = paid.orders[0]
    elsewhere = place(buyer, jujube, 1, key="b").orders[0]
    slug = order.vendor.slug

    client.force_login(owner)
    assert f'href="/seller/{slug}/orders/"' in html(client.get(f"/seller/{slug}/"))
    page = html(client.get(f"/seller/{slug}/orders/?lang=en"))
    assert page.count('data-testid="order-row"') == 1
    assert order.number in page
    assert elsewhere.number not in page
    assert html(client.get(f"/seller/{slug}/orders/?status=shipped")).count('data-testid="order-row"') == 0
    assert client.get(f"/seller/{slug}/orders/{elsewhere.pk}/").status_code == 404

    detail = html(client.get(f"/seller/{slug}/orders/{order.pk}/?lang=en"))
    assert 'data-testid="ship-form"' in detail
    assert '<option value="sf">SF Express</option>' in detail
    assert "王芳 · 13912345678" in detail

    bad = client.post(
        f"/seller/{slug}/orders/{order.pk}/?lang=en", {"carrier": "sf", "tracking_number": "123"}
    )
    assert bad.status_code == 400
    assert re.search(
        r'name="tracking_number"[^>]*>\s*<p class="field-error" role="alert">'
        r"This is not a tracking number of that carrier.</p>",
        html(bad),
    )
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID

    good = client.post(
        f"/seller/{slug}/orders/{order.pk}/?lang=en", {"carrier": "sf", "tracking_number": "sf 1234567890123"}
    )
    assert good["Location"] == f"/seller/{slug}/orders/{order.pk}/"
    shipped = Order.objects.get(pk=order.pk)
    assert (shipped.status, shipped.carrier, shipped.tracking_number) == ("shipped", "sf", "SF1234567890123")
    assert 'data-testid="ship-form"' not in html(client.get(f"/seller/{slug}/orders/{order.pk}/"))

    # Staff of another shop, and buyers, find nothing here.
    client.force_login(other_owner)
    assert client.get(f"/seller/{slug}/orders/").status_code == 404
    assert client.get(f"/seller/{slug}/orders/{order.pk}/").status_code == 404
    other_slug = elsewhere.vendor.slug
    assert client.get(f"/seller/{other_slug}/orders/{order.pk}/").status_code == 404
    assert (
        client.post(
            f"/seller/{other_slug}/orders/{order.pk}/",
            {"carrier": "sf", "tracking_number": "SF1234567890124"},
        ).status_code
        == 404
    )
    client.force_login(buyer)
    assert client.get(f"/seller/{slug}/orders/").status_code == 404


def test_pending_order_has_no_ship_form(client, buyer, owner, skus):
    order = place(buyer, skus[0]).orders[0]
    client.force_login(owner)
    url = f"/seller/{order.vendor.slug}/orders/{order.pk}/"
    assert 'data-testid="ship-form"' not in html(client.get(url))
    response = client.post(
        url + "?lang=en", {"carrier": "sf", "tracking_number": "SF1234567890123"}, follow=True
    )
    assert "This order cannot be shipped by the shop now." in html(response)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING_PAYMENT


def test_delegated_officer_sees_the_shop_orders(client, buyer, owner, skus):
    from vendors import services as vendor_services

    officer = UserFactory(username="officer", roles=["info_officer"], roles__scope=["621221"])
    order = place(buyer, skus[0]).orders[0]
    vendor_services.delegation_grant(
        vendor=order.vendor, actor_role="owner", actor=owner, officer_username="officer"
    )
    client.force_login(officer)
    assert order.number in html(client.get(f"/seller/{order.vendor.slug}/orders/"))
    assert client.get(f"/seller/{order.vendor.slug}/orders/{order.pk}/").status_code == 200


def test_notification_links_open_the_pages(client, buyer, owner, skus):
    from gansu_mall.notifications.models import Notification

    order = place(buyer, skus[0]).orders[0]
    buyer_link = Notification.objects.filter(user=buyer).values_list("link", flat=True).first()
    shop_link = (
        Notification.objects.filter(user=owner, link__contains="/orders/")
        .values_list("link", flat=True)
        .first()
    )
    assert buyer_link == f"/orders/{order.pk}/"
    assert shop_link == f"/seller/{order.vendor.slug}/orders/{order.pk}/"
    client.force_login(buyer)
    assert client.get(buyer_link).status_code == 200
    client.force_login(owner)
    assert client.get(shop_link).status_code == 200


def test_seller_orders_queries_do_not_grow(client, buyer, owner, shop, django_assert_max_num_queries):
    sku = add_product(shop, "核桃", "P", stock=100)
    place(buyer, sku, key="k0")
    client.force_login(owner)
    url = f"/seller/{shop.slug}/orders/"
    with django_assert_max_num_queries(16) as one:
        assert client.get(url).status_code == 200
    first_count = len(one.captured_queries)
    for i in range(1, 8):
        place(UserFactory(username=f"b{i}"), sku, key=f"k{i}")
    with django_assert_max_num_queries(first_count):
        page = html(client.get(url))
    assert page.count('data-testid="order-row"') == 8


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_every_page_renders_in_both_languages(client, buyer, owner, skus, lang):
    walnut = skus[0]
    result = place(buyer, walnut)
    order = result.orders[0]
    client.force_login(buyer)
    client.post("/cart/add/", {"sku": walnut.pk, "quantity": "1"})
    marker = '<html lang="en">' if lang == "en" else '<html lang="zh-Hans">'
    for url in (
        f"/products/{walnut.product_id}/",
        "/cart/",
        "/checkout/",
        f"/orders/paid/{result.payment.number}/",
        "/orders/",
        f"/orders/{order.pk}/",
    ):
        response = client.get(f"{url}?lang={lang}")
        assert response.status_code == 200, url
        assert marker in html(response), url
    client.force_login(owner)
    for url in (f"/seller/{order.vendor.slug}/orders/", f"/seller/{order.vendor.slug}/orders/{order.pk}/"):
        response = client.get(f"{url}?lang={lang}")
        assert response.status_code == 200, url
        assert marker in html(response), url
