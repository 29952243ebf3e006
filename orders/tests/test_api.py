"""Cart, addresses, checkout, order transitions and payments through the API (API.md)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from catalog.models import Product, Sku
from logistics.models import Shipment
from orders.models import Cart, IdempotencyRecord, Order, OrderEvent, Payment
from orders.services.payments import payment_mark_paid, reserved_reconcile
from orders.tests.conftest import ADDRESS

pytestmark = pytest.mark.django_db


def checkout(client, items=None, key="key-1", **extra):
    body = {"address": ADDRESS, **extra}
    if items is not None:
        body["items"] = items
    return client.post("/api/v1/checkout/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def stock(sku):
    row = Sku.objects.get(pk=sku.pk)
    return row.stock, row.reserved


# --- Cart -----------------------------------------------------------------------------------------


def test_guest_cart_merges_into_the_buyers_at_sign_in(api_client, client, walnuts, lilies, buyer, client_for):
    added = client.post(
        "/api/v1/cart/items/", {"sku": walnuts.pk, "quantity": 2}, content_type="application/json"
    )
    assert added.status_code == 201
    body = added.json()
    assert body["total"] == "79.80"
    assert [(i["sku"], i["quantity"], i["line_total"]) for i in body["items"]] == [(walnuts.pk, 2, "79.80")]
    assert [s["vendor"]["name"] for s in body["shops"]] == ["成县核桃合作社"]
    mine = client_for(buyer)
    mine.post("/api/v1/cart/items/", {"sku": walnuts.pk, "quantity": 1}, format="json")
    mine.post("/api/v1/cart/items/", {"sku": lilies.pk, "quantity": 1}, format="json")
    client.force_login(buyer)  # the browser's guest cart joins the buyer's
    merged = client.get("/api/v1/cart/").json()
    assert sorted((i["sku"], i["quantity"]) for i in merged["items"]) == [(walnuts.pk, 3), (lilies.pk, 1)]
    assert merged["total"] == "177.70"
    assert Cart.objects.filter(user__isnull=True).count() == 0


def test_cart_refuses_bad_quantities_and_unsellable_items(api_client, walnuts, lilies):
    refused = api_client.post("/api/v1/cart/items/", {"sku": walnuts.pk, "quantity": 11}, format="json")
    assert refused.status_code == 409
    assert refused.json()["code"] == "out_of_stock"
    assert refused.json()["skus"] == [walnuts.pk]
    negative = api_client.post("/api/v1/cart/items/", {"sku": walnuts.pk, "quantity": -1}, format="json")
    assert negative.status_code == 400
    assert "quantity" in negative.json()["fields"]
    assert (
        api_client.post("/api/v1/cart/items/", {"sku": 999999, "quantity": 1}, format="json").status_code
        == 404
    )
    Product.objects.filter(pk=lilies.product_id).update(status="inactive")
    off = api_client.post("/api/v1/cart/items/", {"sku": lilies.pk, "quantity": 1}, format="json")
    assert (off.status_code, off.json()["code"], off.json()["skus"]) == (409, "not_sellable", [lilies.pk])
    assert api_client.get("/api/v1/cart/").json()["items"] == []


def test_cart_shows_price_changes_and_items_can_be_changed(api_client, walnuts):
    api_client.post("/api/v1/cart/items/", {"sku": walnuts.pk, "quantity": 2}, format="json")
    Sku.objects.filter(pk=walnuts.pk).update(price=Decimal("35.00"))
    line = api_client.get("/api/v1/cart/").json()["items"][0]
    assert (line["price_when_added"], line["unit_price"], line["price_changed"]) == ("39.90", "35.00", True)
    changed = api_client.patch(f"/api/v1/cart/items/{line['id']}/", {"quantity": 4}, format="json")
    assert changed.json()["total"] == "140.00"
    assert (
        api_client.patch(f"/api/v1/cart/items/{line['id']}/", {"quantity": 0}, format="json").status_code
        == 400
    )
    removed = api_client.delete(f"/api/v1/cart/items/{line['id']}/")
    assert removed.json()["items"] == []
    assert api_client.delete(f"/api/v1/cart/items/{line['id']}/").status_code == 404


def test_another_browser_cannot_touch_my_cart_items(api_client, client, walnuts):
    client.post("/api/v1/cart/items/", {"sku": walnuts.pk, "quantity": 1}, content_type="application/json")
    item_id = client.get("/api/v1/cart/").json()["items"][0]["id"]
    assert (
        api_client.patch(f"/api/v1/cart/items/{item_id}/", {"quantity": 3}, format="json").status_code == 404
    )
    assert api_client.delete(f"/api/v1/cart/items/{item_id}/").status_code == 404
    assert client.get("/api/v1/cart/").json()["items"][0]["quantity"] == 1


# --- Addresses ------------------------------------------------------------------------------------


def test_address_book_validates_codes_and_phone(client_for, buyer):
    api = client_for(buyer)
    created = api.post("/api/v1/addresses/", ADDRESS, format="json")
    assert created.status_code == 201
    assert {k: created.json()[k] for k in ("city_code", "county_code", "is_default")} == {
        "city_code": "621200",  # filled in from the county
        "county_code": "621221",
        "is_default": True,
    }
    beijing = api.post(
        "/api/v1/addresses/",
        {"recipient": "李", "phone": "+86 139-0000-0000", "province_code": "110000", "detail": "朝阳区 1 号"},
        format="json",
    )
    assert beijing.status_code == 201
    assert (beijing.json()["phone"], beijing.json()["is_default"]) == ("13900000000", False)
    bad = api.post(
        "/api/v1/addresses/",
        {**ADDRESS, "phone": "12345", "county_code": "110101", "recipient": ""},
        format="json",
    )
    assert bad.status_code == 400
    assert set(bad.json()["fields"]) == {"phone", "county_code", "recipient"}
    wrong_city = api.post("/api/v1/addresses/", {**ADDRESS, "city_code": "620100"}, format="json")
    assert list(wrong_city.json()["fields"]) == ["city_code"]
    assert len(api.get("/api/v1/addresses/").json()) == 2


# --- Checkout -------------------------------------------------------------------------------------


def test_checkout_makes_one_order_per_shop_and_one_payment(client_for, buyer, walnuts, lilies):
    api = client_for(buyer)
    api.post("/api/v1/cart/items/", {"sku": walnuts.pk, "quantity": 2}, format="json")
    api.post("/api/v1/cart/items/", {"sku": lilies.pk, "quantity": 1}, format="json")
    placed = checkout(api)  # no items: the cart
    assert placed.status_code == 201
    body = placed.json()
    assert body["payment"]["amount"] == "157.80"  # 79.80 + 10.00 + 58.00 + 10.00
    assert body["payment"]["status"] == "pending"
    assert [
        (o["vendor"]["slug"], o["status"], o["items_total"], o["shipping_fee"], o["total"])
        for o in body["orders"]
    ] == [
        (walnuts.vendor.slug, "pending_payment", "79.80", "10.00", "89.80"),
        (lilies.vendor.slug, "pending_payment", "58.00", "10.00", "68.00"),
    ]
    assert body["orders"][0]["items"][0]["product_name"] == "成县核桃"
    assert stock(walnuts) == (8, 2)
    assert stock(lilies) == (4, 1)
    assert api.get("/api/v1/cart/").json()["items"] == []  # bought from the cart: emptied
    assert reserved_reconcile() == []
    events = OrderEvent.objects.filter(order__payment_id=body["payment"]["id"]).values_list(
        "to_status", flat=True
    )
    assert list(events) == ["pending_payment", "pending_payment"]


def test_checkout_idempotency(client_for, buyer, walnuts):
    api = client_for(buyer)
    items = [{"sku": walnuts.pk, "quantity": 1}]
    first = checkout(api, items, key="abc")
    again = checkout(api, items, key="abc")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["payment"]["id"] == first.json()["payment"]["id"]
    assert Payment.objects.count() == 1
    assert stock(walnuts) == (9, 1)
    other_body = checkout(api, [{"sku": walnuts.pk, "quantity": 2}], key="abc")
    assert other_body.status_code == 422
    assert other_body.json()["code"] == "idempotency_key_reused"
    missing = api.post("/api/v1/checkout/", {"address": ADDRESS, "items": items}, format="json")
    assert (missing.status_code, missing.json()["code"]) == (400, "idempotency_key_required")
    assert Payment.objects.count() == 1
    assert stock(walnuts) == (9, 1)


def test_out_of_stock_and_unsellable_checkouts_hold_nothing(client_for, buyer, walnuts, lilies, walnut_shop):
    api = client_for(buyer)
    short = checkout(api, [{"sku": walnuts.pk, "quantity": 3}, {"sku": lilies.pk, "quantity": 6}])
    assert short.status_code == 409
    assert short.json()["code"] == "out_of_stock"
    assert short.json()["skus"] == [lilies.pk]
    assert stock(walnuts) == (10, 0)  # the walnuts taken first were put back with the rollback
    assert (Order.objects.count(), Payment.objects.count(), IdempotencyRecord.objects.count()) == (0, 0, 0)
    type(walnut_shop).objects.filter(pk=walnut_shop.pk).update(status="suspended")
    suspended = checkout(api, [{"sku": walnuts.pk, "quantity": 1}], key="k2")
    assert (suspended.status_code, suspended.json()["code"], suspended.json()["skus"]) == (
        409,
        "not_sellable",
        [walnuts.pk],
    )
    empty = checkout(api, key="k3")
    assert (empty.status_code, empty.json()["code"]) == (400, "cart_empty")
    bad_address = checkout(api, [{"sku": lilies.pk, "quantity": 1}], key="k4", note="")
    assert bad_address.status_code == 201  # the same address is fine …
    wrong = api.post(
        "/api/v1/checkout/",
        {"address": {**ADDRESS, "phone": "1"}, "items": [{"sku": lilies.pk, "quantity": 1}]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k5",
    )
    assert (wrong.status_code, list(wrong.json()["fields"])) == (400, ["phone"])
    assert Order.objects.count() == 1
    assert stock(lilies) == (4, 1)


def test_anonymous_cannot_check_out(api_client, walnuts):
    response = checkout(api_client, [{"sku": walnuts.pk, "quantity": 1}])
    assert response.status_code == 401
    assert Order.objects.count() == 0


# --- Orders: who sees and changes what ------------------------------------------------------------


@pytest.fixture
def placed(client_for, buyer, walnuts, lilies):
    body = checkout(
        client_for(buyer), [{"sku": walnuts.pk, "quantity": 2}, {"sku": lilies.pk, "quantity": 1}]
    ).json()
    return body


def test_orders_are_visible_to_their_buyer_and_their_shop_only(
    client_for, placed, buyer, other_buyer, walnut_owner, lily_owner, walnut_shop
):
    walnut_order, lily_order = placed["orders"]
    assert client_for(buyer).get(f"/api/v1/orders/{walnut_order['id']}/").status_code == 200
    assert client_for(walnut_owner).get(f"/api/v1/orders/{walnut_order['id']}/").status_code == 200
    for stranger, order in (
        (other_buyer, walnut_order),
        (lily_owner, walnut_order),
        (walnut_owner, lily_order),
    ):
        response = client_for(stranger).get(f"/api/v1/orders/{order['id']}/")
        assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert client_for(other_buyer).get("/api/v1/orders/").json()["count"] == 0
    assert client_for(buyer).get("/api/v1/orders/").json()["count"] == 2
    shop_list = client_for(walnut_owner).get(f"/api/v1/orders/?vendor={walnut_shop.slug}").json()
    assert [o["number"] for o in shop_list["results"]] == [walnut_order["number"]]
    assert client_for(lily_owner).get(f"/api/v1/orders/?vendor={walnut_shop.slug}").status_code == 404
    assert client_for(other_buyer).get(f"/api/v1/payments/{placed['payment']['id']}/").status_code == 404
    assert client_for(buyer).get("/api/v1/orders/?status=bogus").status_code == 400


def test_paid_order_is_shipped_by_its_shop_and_completed_by_the_buyer(
    client_for, placed, buyer, walnut_owner, lily_owner, walnuts
):
    walnut_order = placed["orders"][0]
    url = f"/api/v1/orders/{walnut_order['id']}/"
    early = client_for(walnut_owner).post(
        url + "ship/", {"carrier": "sf", "tracking_number": "SF1234567890123"}
    )
    assert (early.status_code, early.json()["code"]) == (409, "invalid_transition")
    assert payment_mark_paid(payment_id=placed["payment"]["id"], provider="alipay", trade_no="T1") == "paid"
    assert (
        payment_mark_paid(payment_id=placed["payment"]["id"], provider="alipay", trade_no="T1") == "duplicate"
    )
    assert stock(walnuts) == (8, 0)
    assert Product.objects.get(pk=walnuts.product_id).sales == 2
    stranger = client_for(lily_owner).post(
        url + "ship/", {"carrier": "sf", "tracking_number": "SF1234567890123"}
    )
    assert stranger.status_code == 404
    bad = client_for(walnut_owner).post(url + "ship/", {"carrier": "sf", "tracking_number": "YT123"})
    assert (bad.status_code, list(bad.json()["fields"])) == (400, ["tracking_number"])
    assert Order.objects.get(pk=walnut_order["id"]).status == "paid"
    shipped = client_for(walnut_owner).post(
        url + "ship/", {"carrier": "sf", "tracking_number": "sf1234567890123"}
    )
    assert shipped.status_code == 200
    shipment = Shipment.objects.get(order_ref=walnut_order["id"])
    assert shipped.json()["shipment"] == {
        "id": shipment.pk,
        "carrier": "sf",
        "tracking_number": "SF1234567890123",
        "status": "shipped",
        "events": [
            {
                "status": "shipped",
                "occurred_at": shipment.events.get().occurred_at.isoformat().replace("+00:00", "Z"),
                "location": "",
            }
        ],
    }
    assert client_for(walnut_owner).post(url + "confirm-receipt/").status_code == 404  # buyers only
    done = client_for(buyer).post(url + "confirm-receipt/")
    assert done.json()["status"] == "completed"
    assert [e["status"] for e in done.json()["events"]] == [
        "pending_payment",
        "paid",
        "shipped",
        "delivered",
        "completed",
    ]
    again = client_for(buyer).post(url + "cancel/")
    assert (again.status_code, again.json()["code"]) == (409, "invalid_transition")
    assert Order.objects.get(pk=walnut_order["id"]).status == "completed"


def test_buyer_cancels_unpaid_orders_and_the_stock_comes_back(
    client_for, placed, buyer, other_buyer, walnuts, lilies
):
    walnut_order, lily_order = placed["orders"]
    assert client_for(other_buyer).post(f"/api/v1/orders/{walnut_order['id']}/cancel/").status_code == 404
    cancelled = client_for(buyer).post(f"/api/v1/orders/{walnut_order['id']}/cancel/", {"reason": "买错了"})
    assert cancelled.json()["status"] == "cancelled"
    assert stock(walnuts) == (10, 0)
    payment = Payment.objects.get(pk=placed["payment"]["id"])
    assert (payment.status, payment.amount) == (
        "pending",
        Decimal("68.00"),
    )  # only the lilies are left to pay
    twice = client_for(buyer).post(f"/api/v1/orders/{walnut_order['id']}/cancel/")
    assert twice.status_code == 409
    assert stock(walnuts) == (10, 0)  # released once
    client_for(buyer).post(f"/api/v1/orders/{lily_order['id']}/cancel/")
    payment.refresh_from_db()
    assert payment.status == "closed"
    assert stock(lilies) == (5, 0)
    assert reserved_reconcile() == []


def test_reconciliation_reports_drift(placed, walnuts):
    Sku.objects.filter(pk=walnuts.pk).update(reserved=5)
    drift = reserved_reconcile()
    assert [(d.sku_id, d.reserved, d.held_by_orders) for d in drift] == [(walnuts.pk, 5, 2)]


def test_order_list_query_count_is_constant(client_for, buyer, walnuts, django_assert_num_queries):
    api = client_for(buyer)
    checkout(api, [{"sku": walnuts.pk, "quantity": 1}], key="q0")
    # token with its user, count, page, items, their shipped lots, events, shipments (+ their events: none)
    with django_assert_num_queries(7) as one:
        assert api.get("/api/v1/orders/").json()["count"] == 1
    queries = len(one.captured_queries)  # read now: the next requests reset the connection's query log
    for n in range(1, 8):
        checkout(api, [{"sku": walnuts.pk, "quantity": 1}], key=f"q{n}")
    with django_assert_num_queries(queries):
        assert api.get("/api/v1/orders/").json()["count"] == 8


def test_a_delegated_information_officer_manages_the_shops_orders(
    client_for, placed, walnut_owner, walnut_shop, lily_shop
):
    from gansu_mall.accounts.tests.factories import UserFactory
    from vendors import services as vendor_services

    officer = UserFactory(username="officer", roles=["info_officer"], roles__scope=["621221"])
    delegation = vendor_services.delegation_grant(
        vendor=walnut_shop, actor_role="owner", actor=walnut_owner, officer_username="officer"
    )
    walnut_order, lily_order = placed["orders"]
    payment_mark_paid(payment_id=placed["payment"]["id"], provider="alipay", trade_no="T1")
    listed = client_for(officer).get(f"/api/v1/orders/?vendor={walnut_shop.slug}").json()
    assert [o["id"] for o in listed["results"]] == [walnut_order["id"]]
    assert client_for(officer).get(f"/api/v1/orders/?vendor={lily_shop.slug}").status_code == 404
    assert client_for(officer).get(f"/api/v1/orders/{lily_order['id']}/").status_code == 404
    shipped = client_for(officer).post(
        f"/api/v1/orders/{walnut_order['id']}/ship/", {"carrier": "ems", "tracking_number": "EA123456789CN"}
    )
    assert (shipped.status_code, shipped.json()["status"]) == (200, "shipped")
    vendor_services.delegation_revoke(
        vendor=walnut_shop, actor_role="owner", actor=walnut_owner, delegation_id=delegation.pk
    )
    assert client_for(officer).get(f"/api/v1/orders/{walnut_order['id']}/").status_code == 404


def test_the_address_book_keeps_exactly_one_default(client_for, buyer):
    from orders.models import Address

    api = client_for(buyer)
    first = api.post("/api/v1/addresses/", ADDRESS, format="json").json()
    second = api.post("/api/v1/addresses/", {**ADDRESS, "detail": "二号"}, format="json").json()
    third = api.post(
        "/api/v1/addresses/", {**ADDRESS, "detail": "三号", "is_default": True}, format="json"
    ).json()
    assert list(Address.objects.filter(is_default=True).values_list("pk", flat=True)) == [third["id"]]
    assert api.delete(f"/api/v1/addresses/{third['id']}/").status_code == 204
    # The newest remaining address takes the default.
    assert list(Address.objects.filter(is_default=True).values_list("pk", flat=True)) == [second["id"]]
    assert Address.objects.filter(pk=first["id"], is_default=False).exists()


def test_nobody_reaches_anothers_addresses_payments_or_refunds(
    client_for, placed, buyer, other_buyer, lily_owner
):
    from orders.models import Address

    address = client_for(buyer).post("/api/v1/addresses/", ADDRESS, format="json").json()
    assert client_for(other_buyer).get("/api/v1/addresses/").json() == []
    assert client_for(other_buyer).delete(f"/api/v1/addresses/{address['id']}/").status_code == 404
    assert Address.objects.filter(pk=address["id"]).exists()
    pay = client_for(other_buyer).post(
        f"/api/v1/payments/{placed['payment']['id']}/pay/", {"provider": "alipay"}
    )
    assert pay.status_code == 404
    payment_mark_paid(payment_id=placed["payment"]["id"], provider="alipay", trade_no="T1")
    walnut_order = placed["orders"][0]
    refund = (
        client_for(buyer).post(f"/api/v1/orders/{walnut_order['id']}/refunds/", {"reason": "不要了"}).json()
    )
    for stranger in (other_buyer, lily_owner):
        assert client_for(stranger).get(f"/api/v1/refunds/{refund['id']}/").status_code == 404
        assert client_for(stranger).get("/api/v1/refunds/").json()["count"] == 0
    assert (
        client_for(lily_owner).get(f"/api/v1/refunds/?vendor={walnut_order['vendor']['slug']}").status_code
        == 404
    )


@pytest.mark.parametrize("path", ["refunds", "group-buys", "reviews"])
def test_other_lists_keep_a_constant_query_count(
    client_for, buyer, walnut_owner, walnuts, django_assert_num_queries, path
):
    from orders.services.group_buys import GroupBuyInput, group_buy_create
    from orders.services.orders import order_confirm_receipt, order_ship
    from orders.services.refunds import refund_request
    from orders.services.reviews import review_create

    def one_more(n):
        order = Order.objects.get(
            pk=checkout(client_for(buyer), [{"sku": walnuts.pk, "quantity": 1}], key=f"c{n}").json()[
                "orders"
            ][0]["id"]
        )
        payment_mark_paid(payment_id=order.payment_id, provider="alipay", trade_no=f"T{n}")
        if path == "refunds":
            refund_request(order=order, buyer=buyer, reason="不要了")
        elif path == "group-buys":
            group_buy_create(
                vendor=walnuts.vendor,
                data=GroupBuyInput(
                    sku_id=walnuts.pk, group_price="29.90", group_size=2 + n, duration_hours=5
                ),
            )
        else:
            order_ship(order=order, actor=walnut_owner, carrier="sf", tracking_number=f"SF12345678901{n:02d}")
            order_confirm_receipt(order=order, actor=buyer)
            review_create(buyer=buyer, order_item_id=order.items.get().pk, rating=4, comment="好")

    url = {
        "refunds": "/api/v1/refunds/",
        "group-buys": "/api/v1/group-buys/",
        "reviews": f"/api/v1/products/{walnuts.product_id}/reviews/",
    }[path]
    api = client_for(buyer)
    one_more(0)
    with _Capture() as one:
        assert api.get(url).json()["count"] == 1
    queries = one.count
    for n in range(1, 5):
        one_more(n)
    with django_assert_num_queries(queries):
        assert api.get(url).json()["count"] == 5


class _Capture:
    """Count the queries of a block (read at once: later requests reset the connection's log)."""

    def __enter__(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        self._ctx = CaptureQueriesContext(connection)
        self._ctx.__enter__()
        return self

    def __exit__(self, *exc):
        self._ctx.__exit__(*exc)
        self.count = len(self._ctx.captured_queries)


def test_checkout_charges_the_shops_rule_and_the_hubs_fee_table(
    client_for, buyer, walnut_shop, walnuts, lilies
):
    from catalog.models import Product, Sku
    from logistics.models import ShopShippingRule

    ShopShippingRule.objects.create(vendor=walnut_shop, fee="6.00", free_over="100.00")
    # A hub-shipped chilled spec of the lily shop (hub stock arrives with receipts; set here directly).
    Product.objects.filter(pk=lilies.product_id).update(storage="chilled")
    Sku.objects.filter(pk=lilies.pk).update(fulfilled_by="hub", stock=5, weight_grams=2500)
    api = client_for(buyer)
    small = checkout(
        api, [{"sku": walnuts.pk, "quantity": 2}, {"sku": lilies.pk, "quantity": 1}], key="a"
    ).json()
    fees = {o["vendor"]["slug"]: o["shipping_fee"] for o in small["orders"]}
    assert fees[walnut_shop.slug] == "6.00"  # the shop's own rule: 79.80 is under its free-shipping 100
    # The hub's Gansu rate: 6.00 first kg + 2 × 2.00 further kg (2.5 kg) + 8.00 cold chain = 18.00.
    assert fees[lilies.vendor.slug] == "18.00"
    big = checkout(api, [{"sku": walnuts.pk, "quantity": 3}], key="b").json()
    assert big["orders"][0]["shipping_fee"] == "0.00"  # 119.70 reaches the shop's free shipping
    tibet = api.post(
        "/api/v1/checkout/",
        {
            "address": {**ADDRESS, "province_code": "540000", "county_code": ""},
            "items": [{"sku": lilies.pk, "quantity": 1}],
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="c",
    )
    assert (tibet.status_code, tibet.json()["code"]) == (409, "cold_chain_unavailable")
    assert Sku.objects.get(pk=lilies.pk).stock == 4  # nothing held by the refused checkout
