"""Paying through the gateway (the built-in sandbox, speaking Alipay's protocol), its notifications,
timeouts, refunds and reviews."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from catalog.models import Product, Sku
from orders.models import (
    Order,
    OrderEvent,
    Payment,
    PaymentNotification,
    Refund,
    Review,
    SandboxRefund,
    SandboxTrade,
)
from orders.payments import sandbox
from orders.payments.signing import rsa2_sign
from orders.services.payments import payments_expire
from orders.tests.conftest import ADDRESS
from vendors.tests.factories import jpeg

pytestmark = pytest.mark.django_db
NOTIFY = "/api/v1/payments/notify/alipay/"


def place(api, items, key="k1"):
    response = api.post(
        "/api/v1/checkout/", {"address": ADDRESS, "items": items}, format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    assert response.status_code == 201, response.content
    return response.json()


def pay_in_browser(browser, api, payment_id, django_capture_on_commit_callbacks, action="pay"):
    """The buyer follows the redirect to the sandbox cashier and pays (or declines)."""
    redirect = api.post(f"/api/v1/payments/{payment_id}/pay/", {"provider": "alipay"}, format="json")
    assert redirect.status_code == 200
    url = redirect.json()["redirect_url"]
    assert url.startswith("http://testserver/sandbox/alipay/gateway/?")
    cashier = browser.get(url)
    assert cashier.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        back = browser.post(cashier["Location"], {"action": action})
    assert back.status_code == 302
    return back


def gateway_notification(payment, **overrides):
    """What the gateway would send for this payment, signed with the gateway's key."""
    params = {
        "notify_time": "2026-11-26 10:00:00",
        "notify_type": "trade_status_sync",
        "notify_id": "n1",
        "app_id": sandbox.APP_ID,
        "charset": "utf-8",
        "version": "1.0",
        "sign_type": "RSA2",
        "trade_no": "2026112622001400000000000001",
        "out_trade_no": payment.number,
        "total_amount": f"{payment.amount:.2f}",
        "trade_status": "TRADE_SUCCESS",
    }
    params.update(overrides)
    params["sign"] = rsa2_sign(params, sandbox.keys().gateway.private_pem)
    return params


def test_checkout_pay_in_the_sandbox_and_both_orders_are_paid(
    client_for, client, buyer, walnuts, lilies, gateway, django_capture_on_commit_callbacks
):
    api = client_for(buyer)
    placed = place(api, [{"sku": walnuts.pk, "quantity": 2}, {"sku": lilies.pk, "quantity": 1}])
    client.force_login(buyer)
    back = pay_in_browser(client, api, placed["payment"]["id"], django_capture_on_commit_callbacks)
    assert back["Location"].startswith(f"http://testserver/orders/paid/{placed['payment']['number']}/")
    payment = Payment.objects.get()
    assert (payment.status, payment.provider) == ("paid", "alipay")
    assert payment.provider_trade_no == SandboxTrade.objects.get().trade_no
    assert sorted(Order.objects.values_list("status", flat=True)) == ["paid", "paid"]
    assert (Sku.objects.get(pk=walnuts.pk).stock, Sku.objects.get(pk=walnuts.pk).reserved) == (8, 0)
    assert list(PaymentNotification.objects.values_list("outcome", flat=True)) == ["paid"]
    assert (
        api.post(f"/api/v1/payments/{payment.pk}/pay/", {"provider": "alipay"}, format="json").status_code
        == 409
    )


def test_a_notification_replayed_8_times_changes_things_once(client_for, buyer, walnuts, gateway):
    placed = place(client_for(buyer), [{"sku": walnuts.pk, "quantity": 1}])
    payment = Payment.objects.get(pk=placed["payment"]["id"])
    params = gateway_notification(payment)
    answers = [Client().post(NOTIFY, params).content.decode() for _ in range(8)]
    assert answers == ["success"] * 8
    assert OrderEvent.objects.filter(to_status="paid").count() == 1
    assert Product.objects.get(pk=walnuts.product_id).sales == 1
    assert (
        list(PaymentNotification.objects.order_by("id").values_list("outcome", flat=True))
        == ["paid"] + ["duplicate"] * 7
    )


@pytest.mark.parametrize(
    ("change", "outcome"),
    [
        ("tampered", "bad_signature"),
        ("amount", "wrong_amount"),
        ("app_id", "wrong_app_id"),
        ("unknown", "unknown_payment"),
    ],
)
def test_bad_notifications_change_nothing(client_for, buyer, walnuts, gateway, change, outcome):
    placed = place(client_for(buyer), [{"sku": walnuts.pk, "quantity": 1}])
    payment = Payment.objects.get(pk=placed["payment"]["id"])
    if change == "tampered":
        params = gateway_notification(payment)
        params["total_amount"] = "0.01"  # changed after signing
    elif change == "amount":
        params = gateway_notification(payment, total_amount="0.01")
    elif change == "app_id":
        params = gateway_notification(payment, app_id="2021000000000000")
    else:
        params = gateway_notification(payment, out_trade_no="P20991231000000000")
    response = Client().post(NOTIFY, params)
    assert (response.status_code, response.content) == (200, b"failure")
    assert Payment.objects.get().status == "pending"
    assert Order.objects.get().status == "pending_payment"
    assert list(PaymentNotification.objects.values_list("outcome", flat=True)) == [outcome]
    assert Sku.objects.get(pk=walnuts.pk).reserved == 1


def test_unpaid_payments_time_out_once_and_paid_ones_are_found_by_query(
    client_for, client, buyer, walnuts, lilies, gateway, settings, django_capture_on_commit_callbacks
):
    api = client_for(buyer)
    left = place(api, [{"sku": walnuts.pk, "quantity": 3}], key="a")
    paid_quietly = place(api, [{"sku": lilies.pk, "quantity": 1}], key="b")
    # The second was paid at the gateway, but its notification never arrived.
    settings.SANDBOX_DELIVERY = "none"
    client.force_login(buyer)
    redirect = api.post(
        f"/api/v1/payments/{paid_quietly['payment']['id']}/pay/", {"provider": "alipay"}, format="json"
    )
    cashier = client.get(redirect.json()["redirect_url"])
    SandboxTrade.objects.all().update(status="TRADE_SUCCESS", trade_no="2026112622001400000000000009")
    assert cashier.status_code == 302
    later = timezone.now() + timedelta(minutes=settings.ORDER_PAYMENT_TIMEOUT_MINUTES + 1)
    report = payments_expire(now=later)
    assert (report.closed, report.paid_late) == (1, 1)
    assert Payment.objects.get(pk=left["payment"]["id"]).status == "closed"
    assert Payment.objects.get(pk=paid_quietly["payment"]["id"]).status == "paid"
    assert Order.objects.get(payment_id=left["payment"]["id"]).status == "cancelled"
    assert (Sku.objects.get(pk=walnuts.pk).stock, Sku.objects.get(pk=walnuts.pk).reserved) == (10, 0)
    again = payments_expire(now=later)  # the task runs again: nothing more happens
    assert (again.closed, again.paid_late) == (0, 0)
    assert Sku.objects.get(pk=walnuts.pk).stock == 10
    assert OrderEvent.objects.filter(to_status="cancelled").count() == 1


def test_payment_after_timeout_is_refunded(
    client_for, buyer, walnuts, gateway, django_capture_on_commit_callbacks
):
    placed = place(client_for(buyer), [{"sku": walnuts.pk, "quantity": 1}])
    payment = Payment.objects.get(pk=placed["payment"]["id"])
    payments_expire(now=timezone.now() + timedelta(hours=2))
    SandboxTrade.objects.create(
        out_trade_no=payment.number,
        trade_no="T-LATE",
        total_amount=payment.amount,
        status="TRADE_SUCCESS",
        paid_at=timezone.now(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert Client().post(NOTIFY, gateway_notification(payment, trade_no="T-LATE")).content == b"success"
    refund = Refund.objects.get()
    assert (refund.status, refund.amount) == ("refunded", Decimal("49.90"))
    assert SandboxRefund.objects.get().amount == Decimal("49.90")
    assert Order.objects.get().status == "cancelled"


# --- Refunds --------------------------------------------------------------------------------------


@pytest.fixture
def paid(client_for, buyer, walnuts, lilies, gateway):
    from orders.services.payments import payment_mark_paid

    placed = place(client_for(buyer), [{"sku": walnuts.pk, "quantity": 2}, {"sku": lilies.pk, "quantity": 1}])
    payment = Payment.objects.get(pk=placed["payment"]["id"])
    SandboxTrade.objects.create(
        out_trade_no=payment.number,
        trade_no="T-PAID",
        total_amount=payment.amount,
        status="TRADE_SUCCESS",
        paid_at=timezone.now(),
    )
    payment_mark_paid(payment_id=payment.pk, provider="alipay", trade_no="T-PAID")
    return placed


def test_cancelling_a_paid_order_before_shipping_refunds_it_at_once(
    client_for, buyer, paid, walnuts, django_capture_on_commit_callbacks
):
    walnut_order = paid["orders"][0]
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(buyer).post(
            f"/api/v1/orders/{walnut_order['id']}/cancel/", {"reason": "不要了"}
        )
    assert response.json()["status"] == "cancelled"
    refund = Refund.objects.get()
    assert (refund.status, refund.amount) == ("refunded", Decimal("89.80"))
    assert SandboxRefund.objects.get().amount == Decimal("89.80")
    assert Sku.objects.get(pk=walnuts.pk).stock == 10  # sellable again
    assert Product.objects.get(pk=walnuts.product_id).sales == 0
    assert list(refund.events.values_list("to_status", flat=True)) == ["requested", "approved", "refunded"]


def test_after_shipping_the_shop_decides_and_the_bureau_arbitrates(
    client_for, buyer, paid, walnut_owner, lily_owner, bureau, other_buyer, django_capture_on_commit_callbacks
):
    walnut_order = paid["orders"][0]
    shipped = client_for(walnut_owner).post(
        f"/api/v1/orders/{walnut_order['id']}/ship/", {"carrier": "zto", "tracking_number": "7312345678901"}
    )
    assert shipped.status_code == 200
    url = f"/api/v1/orders/{walnut_order['id']}/refunds/"
    too_much = client_for(buyer).post(url, {"reason": "坏果多", "amount": "89.81"})
    assert (too_much.status_code, list(too_much.json()["fields"])) == (400, ["amount"])
    three_decimals = client_for(buyer).post(url, {"reason": "坏果多", "amount": "10.005"})
    assert three_decimals.status_code == 400
    assert client_for(other_buyer).post(url, {"reason": "x"}).status_code == 404
    asked = client_for(buyer).post(url, {"reason": "坏果多", "amount": "20.00"})
    assert (asked.status_code, asked.json()["status"], asked.json()["amount"]) == (201, "requested", "20.00")
    refund_url = f"/api/v1/refunds/{asked.json()['id']}/"
    assert client_for(lily_owner).post(refund_url + "approve/").status_code == 404  # another shop
    assert client_for(buyer).post(refund_url + "approve/").status_code == 404  # not the shop
    no_reason = client_for(walnut_owner).post(refund_url + "reject/", {"reason": ""})
    assert no_reason.status_code == 400
    rejected = client_for(walnut_owner).post(refund_url + "reject/", {"reason": "照片显示完好"})
    assert (rejected.json()["status"], rejected.json()["shop_note"]) == ("rejected", "照片显示完好")
    assert (
        client_for(bureau).post(refund_url + "arbitrate/", {"decision": "refund", "note": "x"}).status_code
        == 404
    )
    escalated = client_for(buyer).post(refund_url + "escalate/", {"reason": "确有坏果"})
    assert escalated.json()["status"] == "escalated"
    listed = client_for(bureau).get("/api/v1/refunds/?arbitration=1").json()
    assert [r["number"] for r in listed["results"]] == [asked.json()["number"]]
    with django_capture_on_commit_callbacks(execute=True):
        decided = client_for(bureau).post(
            refund_url + "arbitrate/", {"decision": "refund", "note": "支持买家"}
        )
    assert decided.status_code == 200
    refund = Refund.objects.get()
    assert (refund.status, refund.arbitration_note) == ("refunded", "支持买家")
    assert SandboxRefund.objects.get().amount == Decimal("20.00")
    assert [e["status"] for e in client_for(buyer).get(refund_url).json()["events"]] == [
        "requested",
        "rejected",
        "escalated",
        "approved",
        "refunded",
    ]
    # A second partial refund can take at most what is left.
    rest = client_for(buyer).post(url, {"reason": "再退一点", "amount": "69.81"})
    assert rest.status_code == 400
    assert client_for(buyer).post(url, {"reason": "再退一点", "amount": "69.80"}).status_code == 201
    assert Order.objects.get(pk=walnut_order["id"]).status == "shipped"


# --- Reviews --------------------------------------------------------------------------------------


def test_only_a_buyer_of_a_delivered_item_reviews_it_once(
    client_for, api_client, buyer, other_buyer, paid, walnut_owner, walnuts, settings, tmp_path
):
    walnut_order = paid["orders"][0]
    item_id = walnut_order["items"][0]["id"]
    url = f"/api/v1/products/{walnuts.product_id}/reviews/"
    early = client_for(buyer).post(url, {"order_item": item_id, "rating": 5, "comment": "好"}, format="json")
    assert (early.status_code, early.json()["code"]) == (409, "not_delivered")
    client_for(walnut_owner).post(
        f"/api/v1/orders/{walnut_order['id']}/ship/", {"carrier": "sf", "tracking_number": "SF1234567890123"}
    )
    client_for(buyer).post(f"/api/v1/orders/{walnut_order['id']}/confirm-receipt/")
    stranger = client_for(other_buyer).post(url, {"order_item": item_id, "rating": 1}, format="json")
    assert stranger.status_code == 404
    bad = client_for(buyer).post(url, {"order_item": item_id, "rating": 6}, format="json")
    assert (bad.status_code, list(bad.json()["fields"])) == (400, ["rating"])
    fake = client_for(buyer).post(
        url,
        {"order_item": item_id, "rating": 4, "photos": [jpeg("a.jpg"), _fake_image()]},
        format="multipart",
    )
    assert fake.status_code == 400
    assert Review.objects.count() == 0
    made = client_for(buyer).post(
        url,
        {"order_item": item_id, "rating": 4, "comment": "壳薄仁香", "photos": [jpeg("a.jpg")]},
        format="multipart",
    )
    assert made.status_code == 201
    assert (made.json()["rating"], made.json()["buyer"], len(made.json()["photos"])) == (4, "b**", 1)
    twice = client_for(buyer).post(url, {"order_item": item_id, "rating": 5}, format="json")
    assert (twice.status_code, twice.json()["code"]) == (409, "already_reviewed")
    product = api_client.get(f"/api/v1/products/{walnuts.product_id}/").json()
    assert (product["rating"], product["rating_count"]) == ("4.00", 1)
    shop = api_client.get(f"/api/v1/vendors/{walnuts.vendor.slug}/").json()
    assert shop["rating"] == "4.00"
    review_id = made.json()["id"]
    assert (
        client_for(other_buyer).post(f"/api/v1/reviews/{review_id}/reply/", {"reply": "x"}).status_code == 404
    )
    replied = client_for(walnut_owner).post(f"/api/v1/reviews/{review_id}/reply/", {"reply": "谢谢惠顾"})
    assert replied.json()["reply"] == "谢谢惠顾"
    listed = api_client.get(url).json()
    assert [(r["rating"], r["comment"], r["reply"]) for r in listed["results"]] == [
        (4, "壳薄仁香", "谢谢惠顾")
    ]


def _fake_image():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("b.jpg", b"<?php echo 1; ?>", content_type="image/jpeg")


def test_a_refused_request_can_be_withdrawn_or_replaced(client_for, buyer, paid, walnut_owner, other_buyer):
    walnut_order = paid["orders"][0]
    client_for(walnut_owner).post(
        f"/api/v1/orders/{walnut_order['id']}/ship/", {"carrier": "sf", "tracking_number": "SF1234567890123"}
    )
    url = f"/api/v1/orders/{walnut_order['id']}/refunds/"
    first = client_for(buyer).post(url, {"reason": "少了一袋", "amount": "39.90"}).json()
    busy = client_for(buyer).post(url, {"reason": "再来"})
    assert (busy.status_code, busy.json()["code"]) == (409, "invalid_transition")
    client_for(walnut_owner).post(f"/api/v1/refunds/{first['id']}/reject/", {"reason": "已核实足量"})
    # Refused and not escalated: it holds nothing, and a new request replaces it.
    second = client_for(buyer).post(url, {"reason": "补充照片", "amount": "89.80"})
    assert (second.status_code, second.json()["amount"]) == (201, "89.80")
    assert Refund.objects.get(pk=first["id"]).status == "closed"
    assert client_for(other_buyer).post(f"/api/v1/refunds/{second.json()['id']}/withdraw/").status_code == 404
    withdrawn = client_for(buyer).post(f"/api/v1/refunds/{second.json()['id']}/withdraw/")
    assert withdrawn.json()["status"] == "closed"
    again = client_for(buyer).post(f"/api/v1/refunds/{second.json()['id']}/withdraw/")
    assert (again.status_code, again.json()["code"]) == (409, "invalid_transition")
    long_reason = client_for(buyer).post(url, {"reason": "很" * 501})
    assert list(long_reason.json()["fields"]) == ["reason"]


def test_a_cancelled_order_is_not_refunded(client_for, buyer, walnuts):
    placed = place(client_for(buyer), [{"sku": walnuts.pk, "quantity": 1}])
    order_id = placed["orders"][0]["id"]
    client_for(buyer).post(f"/api/v1/orders/{order_id}/cancel/")
    refused = client_for(buyer).post(
        f"/api/v1/orders/{order_id}/refunds/", {"reason": "x"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert (refused.status_code, refused.json()["message"]) == (409, "This order is cancelled.")
    assert Refund.objects.count() == 0


def test_a_return_and_refund_waits_for_the_goods(
    client_for, buyer, paid, walnut_owner, lily_owner, django_capture_on_commit_callbacks
):
    walnut_order = paid["orders"][0]
    client_for(walnut_owner).post(
        f"/api/v1/orders/{walnut_order['id']}/ship/", {"carrier": "sf", "tracking_number": "SF1234567890123"}
    )
    asked = (
        client_for(buyer)
        .post(f"/api/v1/orders/{walnut_order['id']}/refunds/", {"reason": "受潮发霉", "kind": "return"})
        .json()
    )
    url = f"/api/v1/refunds/{asked['id']}/"
    early = client_for(buyer).post(
        url + "return-shipped/", {"carrier": "sf", "tracking_number": "SF2234567890123"}
    )
    assert (early.status_code, early.json()["code"]) == (409, "invalid_transition")
    agreed = client_for(walnut_owner).post(url + "approve/")
    assert agreed.json()["status"] == "awaiting_return"
    assert SandboxRefund.objects.count() == 0  # no money before the goods are back
    assert client_for(lily_owner).post(url + "return-received/").status_code == 404
    bad = client_for(buyer).post(url + "return-shipped/", {"carrier": "sf", "tracking_number": "123"})
    assert (bad.status_code, list(bad.json()["fields"])) == (400, ["tracking_number"])
    sent = client_for(buyer).post(
        url + "return-shipped/", {"carrier": "sf", "tracking_number": "sf2234567890123"}
    )
    assert (sent.json()["return_carrier"], sent.json()["return_tracking_number"]) == ("sf", "SF2234567890123")
    with django_capture_on_commit_callbacks(execute=True):
        received = client_for(walnut_owner).post(url + "return-received/")
    assert received.status_code == 200
    refund = Refund.objects.get()
    assert (refund.status, refund.amount) == ("refunded", Decimal("89.80"))
    assert SandboxRefund.objects.get().amount == Decimal("89.80")
    assert [e["status"] for e in client_for(buyer).get(url).json()["events"]] == [
        "requested",
        "awaiting_return",
        "awaiting_return",
        "approved",
        "refunded",
    ]
