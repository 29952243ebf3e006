"""The Alipay client: the page-pay URL, notification checks, response parsing and verification, settings."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from decimal import Decimal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured

from orders.payments import sandbox
from orders.payments.alipay import (
    PRODUCTION_GATEWAY_URL,
    AlipayClient,
    GatewayError,
    client_from_settings,
    response_value_text,
    urllib_transport,
)
from orders.payments.signing import generate_key_pair, rsa2_sign, rsa2_sign_content, rsa2_verify
from orders.payments.tests.conftest import NOTIFY_URL, RETURN_URL, query_params


@pytest.fixture(scope="module")
def real_keys() -> tuple[tuple[str, str], tuple[str, str]]:
    return generate_key_pair(), generate_key_pair()  # (app pair, gateway pair)


def make_client(real_keys, transport=None, gateway_url="https://gw.example/gateway.do") -> AlipayClient:
    (app_private, _app_public), (_gw_private, gw_public) = real_keys
    return AlipayClient(
        app_id="2021000000000001",
        app_private_key=app_private,
        alipay_public_key=gw_public,
        gateway_url=gateway_url,
        transport=transport,
    )


def gateway_body(real_keys, key: str, value: dict, *, spaced: bool = False) -> bytes:
    """A response as Alipay writes it, signed over the value's exact text."""
    text = json.dumps(value, ensure_ascii=False, indent=1 if spaced else None)
    signature = rsa2_sign_content(text, real_keys[1][0])
    return f'{{ "{key}" : {text},\n "sign":"{signature}"}}'.encode()


def test_page_pay_url_carries_signed_common_parameters_and_exact_biz_content(real_keys):
    client = make_client(real_keys)
    before = datetime.now(ZoneInfo("Asia/Shanghai")).replace(microsecond=0, tzinfo=None)
    url = client.page_pay_url(
        out_trade_no="P20260301001",
        total_amount=Decimal("39.9"),
        subject="岷县当归 & 黄芪",
        return_url=RETURN_URL,
        notify_url=NOTIFY_URL,
    )
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://gw.example/gateway.do"
    assert " " not in url
    assert "岷" not in url
    params = query_params(url)
    assert set(params) == {
        "app_id",
        "method",
        "format",
        "charset",
        "sign_type",
        "timestamp",
        "version",
        "notify_url",
        "return_url",
        "biz_content",
        "sign",
    }
    assert params["app_id"] == "2021000000000001"
    assert params["method"] == "alipay.trade.page.pay"
    assert (params["format"], params["charset"], params["sign_type"], params["version"]) == (
        "JSON",
        "utf-8",
        "RSA2",
        "1.0",
    )
    assert params["notify_url"] == NOTIFY_URL
    assert params["return_url"] == RETURN_URL
    assert params["biz_content"] == (
        '{"out_trade_no":"P20260301001","total_amount":"39.90","subject":"岷县当归 & 黄芪",'
        '"product_code":"FAST_INSTANT_TRADE_PAY"}'
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", params["timestamp"])
    stamp = datetime.strptime(params["timestamp"], "%Y-%m-%d %H:%M:%S")  # noqa: DTZ007 - Beijing wall time
    assert before <= stamp <= before + timedelta(seconds=5)
    assert rsa2_verify(params, real_keys[0][1]) is True


def test_page_pay_url_keeps_a_query_in_the_gateway_url(real_keys):
    client = make_client(real_keys, gateway_url="https://gw.example/gateway.do?charset=utf-8")
    url = client.page_pay_url(
        out_trade_no="P1",
        total_amount=Decimal("1"),
        subject="s",
        return_url=RETURN_URL,
        notify_url=NOTIFY_URL,
    )
    assert url.startswith("https://gw.example/gateway.do?charset=utf-8&app_id=")


@pytest.mark.parametrize("amount", ["0", "0.004", "-1"])
def test_page_pay_url_refuses_amounts_below_one_fen(real_keys, amount):
    with pytest.raises(ValueError, match="positive"):
        make_client(real_keys).page_pay_url(
            out_trade_no="P1",
            total_amount=Decimal(amount),
            subject="s",
            return_url=RETURN_URL,
            notify_url=NOTIFY_URL,
        )


def test_verify_notification_needs_rsa2_and_the_gateway_key(real_keys):
    client = make_client(real_keys)
    params = {"notify_type": "trade_status_sync", "out_trade_no": "P1", "total_amount": "30.00"}
    signed = {**params, "sign_type": "RSA2", "sign": rsa2_sign(params, real_keys[1][0])}
    assert client.verify_notification(signed) is True
    assert client.verify_notification({**signed, "sign_type": "RSA"}) is False
    assert client.verify_notification({k: v for k, v in signed.items() if k != "sign_type"}) is False
    assert client.verify_notification({**signed, "total_amount": "0.01"}) is False
    by_app_key = {**params, "sign_type": "RSA2", "sign": rsa2_sign(params, real_keys[0][0])}
    assert client.verify_notification(by_app_key) is False


def test_response_value_text_is_the_exact_substring():
    body = '{ "x_response" : {"a": "b}\\"", "n": [1, {"c": 2}]} , "other": "\\"x_response\\"", "sign": "s"}'
    assert response_value_text(body, "x_response") == '{"a": "b}\\"", "n": [1, {"c": 2}]}'
    assert response_value_text(body, "sign") == '"s"'
    assert response_value_text(body, "missing") is None
    assert response_value_text("{}", "x") is None
    with pytest.raises(ValueError):  # noqa: PT011
        response_value_text("[1]", "x")


def test_query_verifies_the_raw_response_text(real_keys):
    value = {
        "code": "10000",
        "msg": "Success",
        "out_trade_no": "P1",
        "trade_no": "2026030122001",
        "trade_status": "TRADE_SUCCESS",
        "total_amount": "30.00",
        "subject": "核桃",
    }
    sent = []

    def transport(url, data):
        sent.append((url, data))
        return gateway_body(real_keys, "alipay_trade_query_response", value, spaced=True)

    client = make_client(real_keys, transport)
    assert client.query(out_trade_no="P1") == value
    url, data = sent[0]
    assert url == "https://gw.example/gateway.do"
    assert data["method"] == "alipay.trade.query"
    assert json.loads(data["biz_content"]) == {"out_trade_no": "P1"}
    assert rsa2_verify(data, real_keys[0][1])


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(lambda good: good.replace(b"30.00", b"31.00"), id="tampered-value"),
        pytest.param(lambda good: good.replace(b'"sign":"', b'"sign":"AAAA'), id="garbled-sign"),
        pytest.param(lambda good: good.split(b',\n "sign"')[0] + b"}", id="no-sign"),
        pytest.param(lambda good: b"<html>502</html>", id="not-json"),
        pytest.param(lambda good: b'{"something_else": {}}', id="no-response"),
        pytest.param(lambda good: b"\xff\xfe", id="not-utf8"),
    ],
)
def test_unverifiable_or_malformed_responses_raise(real_keys, body):
    value = {"code": "10000", "msg": "Success", "out_trade_no": "P1", "total_amount": "30.00"}
    good = gateway_body(real_keys, "alipay_trade_query_response", value)
    client = make_client(real_keys, lambda url, data: body(good))
    with pytest.raises(GatewayError):
        client.query(out_trade_no="P1")


def test_a_response_signed_by_another_key_raises(real_keys):
    value = {"code": "10000", "msg": "Success"}
    text = json.dumps(value)
    forged = f'{{"alipay_trade_query_response":{text},"sign":"{rsa2_sign_content(text, real_keys[0][0])}"}}'
    client = make_client(real_keys, lambda url, data: forged.encode())
    with pytest.raises(GatewayError, match="signature"):
        client.query(out_trade_no="P1")


def test_business_errors_raise_with_sub_code_and_trade_not_exist_is_none(real_keys):
    def answering(value):
        return make_client(
            real_keys, lambda url, data: gateway_body(real_keys, "alipay_trade_query_response", value)
        )

    missing = {
        "code": "40004",
        "msg": "Business Failed",
        "sub_code": "ACQ.TRADE_NOT_EXIST",
        "sub_msg": "交易不存在",
    }
    assert answering(missing).query(out_trade_no="P1") is None
    busy = {"code": "20000", "msg": "Service Currently Unavailable", "sub_code": "aop.ACQ.SYSTEM_ERROR"}
    with pytest.raises(GatewayError) as caught:
        answering(busy).query(out_trade_no="P1")
    assert (caught.value.code, caught.value.sub_code) == ("20000", "aop.ACQ.SYSTEM_ERROR")
    assert "aop.ACQ.SYSTEM_ERROR" in str(caught.value)


def test_error_response_raises(real_keys):
    body = b'{"error_response":{"code":"40002","msg":"Invalid Arguments","sub_code":"isv.invalid-app-id"}}'
    with pytest.raises(GatewayError) as caught:
        make_client(real_keys, lambda url, data: body).refund(
            out_trade_no="P1", refund_amount=Decimal("1"), out_request_no="R1", reason="r"
        )
    assert caught.value.sub_code == "isv.invalid-app-id"


def test_transport_failure_raises_gateway_error(real_keys):
    # Nothing listens on port 1 of the loopback interface: the connection is refused.
    client = make_client(real_keys, gateway_url="http://127.0.0.1:1/gateway.do")
    with pytest.raises(GatewayError, match="unreachable"):
        client.query(out_trade_no="P1")

    def timeout(url, data):
        raise TimeoutError("timed out")

    with pytest.raises(GatewayError, match="unreachable"):
        make_client(real_keys, timeout).query(out_trade_no="P1")


def test_urllib_transport_refuses_other_schemes():
    with pytest.raises(OSError, match="http"):
        urllib_transport("file:///etc/passwd", {})


def test_client_from_settings_without_alipay_settings_is_the_sandbox(sandbox_settings):
    client = client_from_settings()
    pairs = sandbox.keys()
    assert client.app_id == "sandbox-app"
    assert client.gateway_url == "http://testserver/sandbox/alipay/gateway/"
    assert client.app_private_key == pairs.app.private_pem
    assert client.alipay_public_key == pairs.gateway.public_pem


def test_client_from_settings_with_alipay_settings_as_text_body_or_file(settings, real_keys, tmp_path):
    (app_private, _app_public), (_gw_private, gw_public) = real_keys
    key_file = tmp_path / "alipay_public.pem"
    key_file.write_text(gw_public)
    body = "".join(line for line in app_private.splitlines() if not line.startswith("-----"))
    settings.ALIPAY_APP_ID = "2021000000000001"
    settings.ALIPAY_APP_PRIVATE_KEY = body
    settings.ALIPAY_PUBLIC_KEY = str(key_file)
    settings.ALIPAY_GATEWAY_URL = ""
    client = client_from_settings()
    assert client.app_id == "2021000000000001"
    assert client.gateway_url == PRODUCTION_GATEWAY_URL
    assert client.app_private_key.strip() == app_private.strip()
    assert client.alipay_public_key.strip() == gw_public.strip()
    settings.ALIPAY_PUBLIC_KEY = gw_public
    settings.ALIPAY_GATEWAY_URL = "https://openapi-sandbox.dl.alipaydev.com/gateway.do"
    assert client_from_settings().gateway_url == "https://openapi-sandbox.dl.alipaydev.com/gateway.do"


def test_client_from_settings_refuses_partial_or_unreadable_configuration(settings, real_keys):
    settings.ALIPAY_APP_ID = "2021000000000001"
    settings.ALIPAY_APP_PRIVATE_KEY = ""
    settings.ALIPAY_PUBLIC_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="ALIPAY_APP_PRIVATE_KEY, ALIPAY_PUBLIC_KEY"):
        client_from_settings()
    settings.ALIPAY_APP_PRIVATE_KEY = "/nonexistent/key.pem"
    settings.ALIPAY_PUBLIC_KEY = real_keys[1][1]
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        client_from_settings()
