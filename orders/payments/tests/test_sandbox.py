"""The sandbox gateway: cashier page in both languages, pay and decline, signed notifications retried like
Alipay's, queries and refunds through AlipayClient, and its refusal where real Alipay settings are given."""

from __future__ import annotations

import json
import re
import stat
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock
from urllib.parse import parse_qsl, urlencode

import pytest
from celery.exceptions import Retry
from django.test import Client

from orders.models import SandboxRefund, SandboxTrade
from orders.payments import sandbox
from orders.payments.alipay import GatewayError, client_from_settings
from orders.payments.signing import generate_key_pair, rsa2_sign
from orders.payments.tasks import NOTIFY_COUNTDOWNS, sandbox_notify
from orders.payments.tests.conftest import (
    NOTIFY_URL,
    RETURN_URL,
    client_transport,
    open_cashier,
    query_params,
)

pytestmark = [pytest.mark.django_db, pytest.mark.urls("orders.payments.tests.urls")]

NOTIFICATION_KEYS = {
    "notify_time",
    "notify_type",
    "notify_id",
    "app_id",
    "charset",
    "version",
    "sign_type",
    "sign",
    "trade_no",
    "out_trade_no",
    "total_amount",
    "receipt_amount",
    "buyer_pay_amount",
    "trade_status",
    "gmt_create",
    "gmt_payment",
    "subject",
}


def pay(client, checkout_url, django_capture_on_commit_callbacks, action="pay"):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(checkout_url, {"action": action})
    assert response.status_code == 302
    return response, callbacks


# --- cashier page -------------------------------------------------------------------------------------
def test_page_pay_opens_the_trade_and_shows_the_cashier_in_chinese_and_english(client, gateway, platform):
    checkout_url = open_cashier(client, gateway)
    assert checkout_url.startswith("/sandbox/alipay/checkout/")
    trade = SandboxTrade.objects.get()
    assert (trade.out_trade_no, trade.total_amount, trade.status) == (
        "P20260301001",
        Decimal("30.00"),
        "WAIT_BUYER_PAY",
    )
    assert (trade.subject, trade.notify_url, trade.return_url) == ("成县核桃 2 kg", NOTIFY_URL, RETURN_URL)
    assert len(trade.trade_no) == 28
    assert trade.trade_no.isdigit()
    assert trade.paid_at is None
    assert trade.notifications_sent == 0

    zh = client.get(checkout_url)
    html = zh.content.decode()
    assert zh.status_code == 200
    assert '<html lang="zh-Hans">' in html
    assert "成县核桃 2 kg" in html
    assert "¥30.00" in html
    assert "P20260301001" in html
    assert 'value="pay"' in html
    assert 'value="decline"' in html
    assert "<script" not in html.split("</head>")[1]  # no JavaScript on the page itself

    en = client.get(checkout_url + "?lang=en")
    html = en.content.decode()
    assert en.status_code == 200
    assert '<html lang="en">' in html
    assert "Sandbox payment" in html
    assert re.search(r'value="pay"[^>]*>\s*Pay\s*<', html)
    assert re.search(r'value="decline"[^>]*>\s*Decline\s*<', html)
    assert "no real money moves" in html
    assert "¥30.00" in html


def test_an_unsigned_or_tampered_page_pay_request_is_refused(client, gateway, platform):
    url = gateway.page_pay_url(
        out_trade_no="P1",
        total_amount=Decimal("30"),
        subject="s",
        return_url=RETURN_URL,
        notify_url=NOTIFY_URL,
    )
    params = query_params(url)
    tampered = {**params, "biz_content": params["biz_content"].replace("30.00", "0.01")}
    wrong_key = {**params, "sign": rsa2_sign(params, generate_key_pair()[0])}
    for bad in (
        tampered,
        wrong_key,
        {k: v for k, v in params.items() if k != "sign"},
        {**params, "sign_type": "RSA"},
    ):
        response = client.get("/sandbox/alipay/gateway/?" + urlencode(bad) + "&lang=en")
        assert response.status_code == 400
        assert "Invalid signature" in response.content.decode()
    assert not SandboxTrade.objects.exists()


def test_a_signed_but_malformed_page_pay_request_is_refused(client, gateway, platform):
    url = gateway.page_pay_url(
        out_trade_no="P1",
        total_amount=Decimal("30"),
        subject="s",
        return_url=RETURN_URL,
        notify_url="ftp://x/",
    )
    response = client.get(url)
    assert response.status_code == 400
    assert not SandboxTrade.objects.exists()


def test_a_forged_checkout_token_is_not_found(client, platform):
    assert client.get("/sandbox/alipay/checkout/1:forged/").status_code == 404


# --- pay, decline, notifications ------------------------------------------------------------------------
def test_pay_marks_the_trade_paid_returns_signed_and_sends_one_verified_notification(
    client, gateway, platform, django_capture_on_commit_callbacks
):
    checkout_url = open_cashier(client, gateway)
    response, callbacks = pay(client, checkout_url, django_capture_on_commit_callbacks)

    trade = SandboxTrade.objects.get()
    assert trade.status == "TRADE_SUCCESS"
    assert trade.paid_at is not None
    assert trade.notifications_sent == 1
    assert len(callbacks) == 1

    # The browser goes back to return_url (its own query kept) with Alipay's signed return parameters.
    location = response["Location"]
    assert location.startswith(RETURN_URL + "&")
    returned = query_params(location)
    assert returned["from"] == "sandbox"
    del returned["from"]
    assert returned["method"] == "alipay.trade.page.pay.return"
    assert (returned["out_trade_no"], returned["trade_no"], returned["total_amount"]) == (
        "P20260301001",
        trade.trade_no,
        "30.00",
    )
    assert gateway.verify_notification(returned) is True

    # Exactly one notification, signed with the gateway's key.
    assert len(platform.received) == 1
    notification = platform.received[0]
    assert set(notification) == NOTIFICATION_KEYS
    assert gateway.verify_notification(notification) is True
    assert {k: notification[k] for k in ("notify_type", "app_id", "charset", "version", "sign_type")} == {
        "notify_type": "trade_status_sync",
        "app_id": "sandbox-app",
        "charset": "utf-8",
        "version": "1.0",
        "sign_type": "RSA2",
    }
    assert notification["trade_status"] == "TRADE_SUCCESS"
    assert notification["out_trade_no"] == "P20260301001"
    assert notification["trade_no"] == trade.trade_no
    assert (
        notification["total_amount"]
        == notification["receipt_amount"]
        == notification["buyer_pay_amount"]
        == "30.00"
    )
    assert notification["subject"] == "成县核桃 2 kg"
    assert gateway.verify_notification({**notification, "total_amount": "0.01"}) is False

    # Paying again (a double click) changes nothing and sends nothing.
    response, callbacks = pay(client, checkout_url, django_capture_on_commit_callbacks)
    assert callbacks == []
    assert len(platform.received) == 1
    assert query_params(response["Location"])["trade_no"] == trade.trade_no
    assert "already been paid" in client.get(checkout_url + "?lang=en").content.decode()


def test_a_paid_trade_is_not_reopened_by_a_new_page_pay_request(
    client, gateway, platform, django_capture_on_commit_callbacks
):
    pay(client, open_cashier(client, gateway), django_capture_on_commit_callbacks)
    paid = SandboxTrade.objects.get()
    again = open_cashier(client, gateway, amount="99.00")
    trade = SandboxTrade.objects.get()
    assert (trade.status, trade.total_amount, trade.trade_no, trade.paid_at) == (
        "TRADE_SUCCESS",
        Decimal("30.00"),
        paid.trade_no,
        paid.paid_at,
    )
    html = client.get(again + "?lang=en").content.decode()
    assert "already been paid" in html
    assert 'value="pay"' not in html


def test_decline_closes_the_trade_returns_without_parameters_and_notifies_nothing(
    client, gateway, platform, django_capture_on_commit_callbacks
):
    checkout_url = open_cashier(client, gateway)
    response, callbacks = pay(client, checkout_url, django_capture_on_commit_callbacks, action="decline")
    assert response["Location"] == RETURN_URL
    assert callbacks == []
    assert platform.received == []
    trade = SandboxTrade.objects.get()
    assert (trade.status, trade.paid_at, trade.notifications_sent) == ("TRADE_CLOSED", None, 0)
    # Pay after Decline (another tab) pays nothing.
    response, callbacks = pay(client, checkout_url, django_capture_on_commit_callbacks)
    assert response["Location"] == RETURN_URL
    assert SandboxTrade.objects.get().status == "TRADE_CLOSED"
    assert "is closed" in client.get(checkout_url + "?lang=en").content.decode()
    # The payer may start again from the merchant: the unpaid trade is reopened.
    open_cashier(client, gateway)
    assert SandboxTrade.objects.get().status == "WAIT_BUYER_PAY"


def test_a_failure_answer_schedules_a_retry_with_alipays_first_interval(
    client, gateway, platform, django_capture_on_commit_callbacks
):
    platform.bodies = ["failure"]
    checkout_url = open_cashier(client, gateway)
    with mock.patch.object(sandbox_notify, "retry", wraps=sandbox_notify.retry) as retry:
        response, _callbacks = pay(client, checkout_url, django_capture_on_commit_callbacks)
    assert response["Location"].startswith(RETURN_URL)  # the payer is not troubled by it
    retry.assert_called_once_with(countdown=4 * 60, throw=False)  # eager here: recorded, not re-run at once
    assert len(platform.received) == 1
    assert SandboxTrade.objects.get().notifications_sent == 1


def run_as_worker(trade_id: int, retries: int) -> bool:
    """Run the task as a worker runs its ``retries``-th retry (not eagerly)."""
    sandbox_notify.push_request(id=f"test-{retries}", retries=retries, is_eager=False, called_directly=False)
    try:
        return sandbox_notify.run(trade_id)
    finally:
        sandbox_notify.pop_request()


def test_retries_follow_alipays_back_off_and_stop_after_max_retries(
    client, gateway, platform, django_capture_on_commit_callbacks
):
    platform.bodies = ["failure"]
    checkout_url = open_cashier(client, gateway)
    with mock.patch.object(sandbox_notify, "retry"):
        pay(client, checkout_url, django_capture_on_commit_callbacks)
    trade = SandboxTrade.objects.get()
    countdowns = []
    with mock.patch.object(sandbox_notify, "retry", side_effect=Retry("retry")) as retry:
        for retries in range(8):
            with pytest.raises(Retry):  # in a worker: the task ends, the retry is queued with its countdown
                run_as_worker(trade.pk, retries)
            countdowns.append(retry.call_args.kwargs["countdown"])
            assert retry.call_args.kwargs["throw"] is True
    assert countdowns == [240, 600, 600, 3600, 7200, 21600, 54000, 54000]
    assert countdowns[:7] == list(NOTIFY_COUNTDOWNS)
    # The ninth attempt (retries == max_retries) is the last: Celery refuses another retry, the task gives up.
    assert run_as_worker(trade.pk, 8) is False
    assert len(platform.received) == 10
    assert SandboxTrade.objects.get().notifications_sent == 10
    assert len({n["notify_id"] for n in platform.received}) == 1  # the same notification, sent again
    assert all(gateway.verify_notification(n) for n in platform.received)
    # A later attempt answered "success" is delivered and retries no more.
    platform.bodies = ["success"]
    with mock.patch.object(sandbox_notify, "retry") as retry:
        assert run_as_worker(trade.pk, 3) is True
    retry.assert_not_called()


def test_notification_without_a_handler_is_a_failed_delivery(
    client, gateway, sandbox_settings, django_capture_on_commit_callbacks
):
    previous = sandbox.register_inprocess_handler(None)
    try:
        checkout_url = open_cashier(client, gateway)
        with mock.patch.object(sandbox_notify, "retry") as retry:
            pay(client, checkout_url, django_capture_on_commit_callbacks)
    finally:
        sandbox.register_inprocess_handler(previous)
    retry.assert_called_once_with(countdown=240, throw=False)
    assert SandboxTrade.objects.get().notifications_sent == 1


def test_notification_is_not_sent_for_an_unpaid_trade(client, gateway, platform):
    open_cashier(client, gateway)
    assert sandbox_notify.delay(SandboxTrade.objects.get().pk).get() is False
    assert sandbox_notify.delay(10**9).get() is False
    assert platform.received == []


def test_http_delivery_posts_the_form_to_notify_url(
    sandbox_settings, client, gateway, django_capture_on_commit_callbacks
):
    """The default delivery: a form POST to notify_url, here a server on the loopback interface."""
    received: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            length = int(self.headers["Content-Length"])
            assert self.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
            received.append(dict(parse_qsl(self.rfile.read(length).decode())))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"success")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        sandbox_settings.SANDBOX_DELIVERY = "http"
        url = gateway.page_pay_url(
            out_trade_no="P9",
            total_amount=Decimal("12.5"),
            subject="百合",
            return_url=RETURN_URL,
            notify_url=f"http://127.0.0.1:{server.server_port}/notify/",
        )
        checkout_url = client.get(url)["Location"]
        with mock.patch.object(sandbox_notify, "retry") as retry:
            pay(client, checkout_url, django_capture_on_commit_callbacks)
    finally:
        server.shutdown()
        server.server_close()
    retry.assert_not_called()
    assert len(received) == 1
    assert received[0]["total_amount"] == "12.50"
    assert received[0]["subject"] == "百合"
    assert gateway.verify_notification(received[0]) is True


# --- query and refund through AlipayClient ----------------------------------------------------------------
def paid_trade(
    client, gateway, django_capture_on_commit_callbacks, out_trade_no="P20260301001", amount="30.00"
):
    pay(client, open_cashier(client, gateway, out_trade_no, amount), django_capture_on_commit_callbacks)
    return SandboxTrade.objects.get(out_trade_no=out_trade_no)


def test_query_answers_like_alipay(client, gateway, platform, django_capture_on_commit_callbacks):
    assert gateway.query(out_trade_no="NOPE") is None
    open_cashier(client, gateway)
    waiting = gateway.query(out_trade_no="P20260301001")
    assert waiting is not None
    assert (waiting["code"], waiting["msg"], waiting["trade_status"], waiting["total_amount"]) == (
        "10000",
        "Success",
        "WAIT_BUYER_PAY",
        "30.00",
    )
    trade = paid_trade(client, gateway, django_capture_on_commit_callbacks)
    paid = gateway.query(out_trade_no="P20260301001")
    assert paid is not None
    assert {
        k: paid[k] for k in ("out_trade_no", "trade_no", "trade_status", "total_amount", "buyer_pay_amount")
    } == {
        "out_trade_no": "P20260301001",
        "trade_no": trade.trade_no,
        "trade_status": "TRADE_SUCCESS",
        "total_amount": "30.00",
        "buyer_pay_amount": "30.00",
    }


def test_raw_gateway_response_is_signed_over_the_exact_value_text(client, gateway, platform):
    params = gateway._signed("alipay.trade.query", {"out_trade_no": "NOPE"})
    body = client.post("/sandbox/alipay/gateway/", params).content.decode()
    document = json.loads(body)
    assert set(document) == {"alipay_trade_query_response", "sign"}
    assert document["alipay_trade_query_response"]["sub_code"] == "ACQ.TRADE_NOT_EXIST"
    assert document["alipay_trade_query_response"]["code"] == "40004"


def test_refunds_are_idempotent_per_request_number_and_limited_to_what_is_left(
    client, gateway, platform, django_capture_on_commit_callbacks
):
    trade = paid_trade(client, gateway, django_capture_on_commit_callbacks)

    first = gateway.refund(
        out_trade_no="P20260301001", refund_amount=Decimal("10"), out_request_no="R1", reason="坏果"
    )
    assert (first["code"], first["fund_change"], first["refund_fee"], first["trade_no"]) == (
        "10000",
        "Y",
        "10.00",
        trade.trade_no,
    )
    repeat = gateway.refund(
        out_trade_no="P20260301001", refund_amount=Decimal("10"), out_request_no="R1", reason="坏果"
    )
    assert (repeat["fund_change"], repeat["refund_fee"]) == ("N", "10.00")
    assert SandboxRefund.objects.count() == 1

    with pytest.raises(GatewayError) as caught:
        gateway.refund(
            out_trade_no="P20260301001", refund_amount=Decimal("20.01"), out_request_no="R2", reason="x"
        )
    assert (caught.value.code, caught.value.sub_code) == ("40004", "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL")
    with pytest.raises(GatewayError) as caught:
        gateway.refund(
            out_trade_no="P20260301001", refund_amount=Decimal("5"), out_request_no="R1", reason="x"
        )
    assert caught.value.sub_code == "ACQ.DISCORDANT_REPEAT_REQUEST"
    trade.refresh_from_db()
    assert (trade.refunded_amount, trade.status, SandboxRefund.objects.count()) == (
        Decimal("10.00"),
        "TRADE_SUCCESS",
        1,
    )

    rest = gateway.refund(
        out_trade_no="P20260301001", refund_amount=Decimal("20"), out_request_no="R2", reason="x"
    )
    assert (rest["fund_change"], rest["refund_fee"]) == ("Y", "30.00")
    trade.refresh_from_db()
    assert (trade.refunded_amount, trade.status) == (Decimal("30.00"), "TRADE_CLOSED")  # fully refunded
    with pytest.raises(GatewayError) as caught:
        gateway.refund(
            out_trade_no="P20260301001", refund_amount=Decimal("0.01"), out_request_no="R3", reason="x"
        )
    assert caught.value.sub_code == "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL"
    assert gateway.query(out_trade_no="P20260301001")["trade_status"] == "TRADE_CLOSED"
    assert sorted(SandboxRefund.objects.values_list("out_request_no", "amount")) == [
        ("R1", Decimal("10.00")),
        ("R2", Decimal("20.00")),
    ]


def test_refund_of_an_unknown_or_unpaid_trade_is_refused(client, gateway, platform):
    with pytest.raises(GatewayError) as caught:
        gateway.refund(out_trade_no="NOPE", refund_amount=Decimal("1"), out_request_no="R1", reason="x")
    assert (caught.value.code, caught.value.sub_code) == ("40004", "ACQ.TRADE_NOT_EXIST")
    open_cashier(client, gateway)
    with pytest.raises(GatewayError) as caught:
        gateway.refund(
            out_trade_no="P20260301001", refund_amount=Decimal("1"), out_request_no="R1", reason="x"
        )
    assert caught.value.sub_code == "ACQ.TRADE_STATUS_ERROR"
    assert not SandboxRefund.objects.exists()


def test_requests_not_signed_by_the_app_key_are_refused(
    client, gateway, platform, django_capture_on_commit_callbacks
):
    paid_trade(client, gateway, django_capture_on_commit_callbacks)
    intruder = type(gateway)(
        app_id="sandbox-app",
        app_private_key=generate_key_pair()[0],
        alipay_public_key=gateway.alipay_public_key,
        gateway_url=gateway.gateway_url,
        transport=client_transport(Client()),
    )
    with pytest.raises(GatewayError) as caught:
        intruder.refund(
            out_trade_no="P20260301001", refund_amount=Decimal("30"), out_request_no="R1", reason="x"
        )
    assert (caught.value.code, caught.value.sub_code) == ("40002", "isv.invalid-signature")
    assert not SandboxRefund.objects.exists()


def test_tampered_sandbox_response_raises(client, gateway, platform, django_capture_on_commit_callbacks):
    paid_trade(client, gateway, django_capture_on_commit_callbacks)
    honest = client_transport(Client())

    def tampering(url, data):
        return honest(url, data).replace(b"TRADE_SUCCESS", b"TRADE_FINISHED")

    forged = type(gateway)(
        app_id=gateway.app_id,
        app_private_key=gateway.app_private_key,
        alipay_public_key=gateway.alipay_public_key,
        gateway_url=gateway.gateway_url,
        transport=tampering,
    )
    with pytest.raises(GatewayError, match="signature"):
        forged.query(out_trade_no="P20260301001")


def test_unknown_method_gets_an_error_response(client, gateway, platform):
    params = gateway._signed("alipay.trade.close", {"out_trade_no": "P1"})
    document = json.loads(client.post("/sandbox/alipay/gateway/", params).content)
    assert document["error_response"]["sub_code"] == "isv.invalid-method"


# --- keys and refusal in production ----------------------------------------------------------------------
def test_sandbox_is_not_found_when_alipay_is_configured(client, gateway, platform, settings):
    checkout_url = open_cashier(client, gateway)
    url = gateway.page_pay_url(
        out_trade_no="P2",
        total_amount=Decimal("1"),
        subject="s",
        return_url=RETURN_URL,
        notify_url=NOTIFY_URL,
    )
    app_private, _ = generate_key_pair()
    _, gateway_public = generate_key_pair()
    settings.ALIPAY_APP_ID = "2021000000000001"
    settings.ALIPAY_APP_PRIVATE_KEY = app_private
    settings.ALIPAY_PUBLIC_KEY = gateway_public
    assert client.get(url).status_code == 404
    assert client.get(checkout_url).status_code == 404
    assert client.post(checkout_url, {"action": "pay"}).status_code == 404
    assert (
        client.post(
            "/sandbox/alipay/gateway/", gateway._signed("alipay.trade.query", {"out_trade_no": "P2"})
        ).status_code
        == 404
    )
    trade = SandboxTrade.objects.get()
    assert trade.status == "WAIT_BUYER_PAY"
    SandboxTrade.objects.filter(pk=trade.pk).update(status="TRADE_SUCCESS", paid_at=trade.created_at)
    assert sandbox_notify.delay(trade.pk).get() is False  # nor does it send notifications
    assert platform.received == []
    assert client_from_settings().gateway_url == "https://openapi.alipay.com/gateway.do"
    # One setting is enough to refuse it: a half-configured production site must not fall back to it.
    settings.ALIPAY_APP_PRIVATE_KEY = ""
    settings.ALIPAY_PUBLIC_KEY = ""
    assert client.get(checkout_url).status_code == 404


def test_keys_are_kept_in_memory_under_the_tests():
    first = sandbox.keys()
    assert sandbox.keys() is first
    assert first.app.private_pem != first.gateway.private_pem
    params = {"a": "1"}
    signed = {**params, "sign": rsa2_sign(params, first.gateway.private_pem)}
    assert sandbox.client().verify_notification({**signed, "sign_type": "RSA2"})


def test_keys_are_kept_in_private_files_outside_the_tests(settings, tmp_path, monkeypatch):
    settings.TESTING = False
    settings.BASE_DIR = tmp_path
    monkeypatch.setattr(sandbox, "_file_keys", {})
    pairs = sandbox.keys()
    directory = tmp_path / "var" / "sandbox"
    files = sorted(path.name for path in directory.iterdir())
    assert files == ["app.pem", "gateway.pem"]
    for name in files:
        assert stat.S_IMODE((directory / name).stat().st_mode) == 0o600
    assert (directory / "app.pem").read_text() == pairs.app.private_pem
    # Another process (an empty in-memory cache) reads the same keys.
    monkeypatch.setattr(sandbox, "_file_keys", {})
    assert sandbox.keys() == pairs


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_worker_delivers_through_redis_and_queues_the_retry(client, gateway, platform):
    """With a real broker and worker: the notification is sent after commit, and a "failure" answer puts a
    retry on the queue with Alipay's first interval."""
    from django.conf import settings as django_settings

    if not django_settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set")
    import time

    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_retry

    from gansu_mall.celery import app

    platform.bodies = ["failure"]
    retried: list[float] = []

    def on_retry(sender=None, reason=None, **kwargs):
        if sender is not None and sender.name == sandbox_notify.name:
            retried.append(reason.when)

    task_retry.connect(on_retry, weak=False)
    checkout_url = open_cashier(client, gateway)
    app.conf.task_always_eager = False
    try:
        with start_worker(
            app, perform_ping_check=False, pool="solo", loglevel="WARNING", shutdown_timeout=10
        ):
            response = client.post(checkout_url, {"action": "pay"})
            assert response.status_code == 302
            deadline = time.monotonic() + 20
            while not retried and time.monotonic() < deadline:
                time.sleep(0.05)
    finally:
        app.conf.task_always_eager = True
        task_retry.disconnect(on_retry)
        app.control.purge()  # the retry waiting for its countdown must not run in a later test
    assert retried == [240]
    assert len(platform.received) == 1
    assert gateway.verify_notification(platform.received[0]) is True
    assert SandboxTrade.objects.get().notifications_sent == 1
