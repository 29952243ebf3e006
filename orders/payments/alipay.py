"""A client of Alipay's open platform gateway: the page-pay redirect, verification of asynchronous
notifications, and the server-to-server calls ``alipay.trade.query`` and ``alipay.trade.refund``.

Requests carry the common parameters (app_id, method, format, charset, sign_type, timestamp, version) and a
``biz_content`` JSON object, signed with the platform's private key (RSA2, see signing.py). Responses look like
``{"alipay_trade_query_response": {...}, "sign": "..."}``; the signature covers the raw JSON text of the
``*_response`` value exactly as it appears in the body, so that text is cut out of the body rather than
re-serialised, and verified with the gateway's public key.

``client_from_settings()`` gives a client of the real gateway when the ALIPAY_* settings are set, and of the
built-in sandbox gateway (orders.payments.sandbox) otherwise.
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from gansu_mall.core.money import format_money
from orders.payments.signing import (
    load_private_key,
    load_public_key,
    private_key_pem,
    public_key_pem,
    rsa2_sign,
    rsa2_verify,
    rsa2_verify_content,
)

PRODUCTION_GATEWAY_URL = "https://openapi.alipay.com/gateway.do"
SHANGHAI = ZoneInfo("Asia/Shanghai")
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"
REQUEST_TIMEOUT_SECONDS = 10
SUCCESS_CODE = "10000"
TRADE_NOT_EXIST = "ACQ.TRADE_NOT_EXIST"
PAGE_PAY_PRODUCT_CODE = "FAST_INSTANT_TRADE_PAY"

# (url, form fields) -> response body. The default posts with urllib; tests route requests elsewhere.
Transport = Callable[[str, dict[str, str]], bytes]


class GatewayError(Exception):
    """A gateway call failed: transport error, unverifiable response, or a business error (``code`` other
    than 10000, with Alipay's ``sub_code``)."""

    def __init__(self, message: str, *, code: str = "", sub_code: str = "", sub_msg: str = "") -> None:
        self.code = code
        self.sub_code = sub_code
        self.sub_msg = sub_msg
        detail = " ".join(part for part in (code, sub_code, sub_msg) if part)
        super().__init__(f"{message} ({detail})" if detail else message)


def alipay_timestamp(moment: datetime | None = None) -> str:
    """``YYYY-MM-DD HH:MM:SS`` in Beijing time, as Alipay's parameters carry times."""
    return timezone.localtime(moment or timezone.now(), SHANGHAI).strftime(TIMESTAMP_FORMAT)


def format_amount(amount: Decimal) -> str:
    """``Decimal("39.9")`` → ``"39.90"``. Alipay takes amounts from 0.01 yuan."""
    text = format_money(amount)
    if Decimal(text) <= 0:
        raise ValueError(f"an amount must be positive, not {amount!r}")
    return text


def compact_json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def urllib_transport(url: str, data: dict[str, str]) -> bytes:
    """POST ``data`` form-encoded (UTF-8) to ``url`` and return the response body; OSError on failure."""
    if urllib.parse.urlsplit(url).scheme not in {"http", "https"}:
        raise urllib.error.URLError(f"not an http(s) URL: {url}")
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        url,
        data=urllib.parse.urlencode(data).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_SECONDS) as response:  # noqa: S310
        body: bytes = response.read()
    return body


def response_value_text(body: str, key: str) -> str | None:
    """The raw JSON text of the value of top-level ``key`` in the JSON object ``body``, exactly as written
    (the content Alipay signs), or None when the key is absent. ValueError if ``body`` is not an object."""
    decoder = json.JSONDecoder()
    text = body.strip()
    if not text.startswith("{"):
        raise ValueError("not a JSON object")
    position = 1
    length = len(text)

    def skip(pos: int) -> int:
        while pos < length and text[pos] in " \t\r\n":
            pos += 1
        return pos

    position = skip(position)
    if position < length and text[position] == "}":
        return None
    while position < length:
        name, position = decoder.raw_decode(text, position)
        if not isinstance(name, str):
            raise ValueError("object key is not a string")
        position = skip(position)
        if position >= length or text[position] != ":":
            raise ValueError("expected ':'")
        position = skip(position + 1)
        _value, end = decoder.raw_decode(text, position)
        if name == key:
            return text[position:end]
        position = skip(end)
        if position < length and text[position] == ",":
            position = skip(position + 1)
            continue
        if position < length and text[position] == "}":
            return None
        raise ValueError("expected ',' or '}'")
    raise ValueError("unterminated JSON object")


@dataclass(frozen=True)
class AlipayClient:
    """A merchant application's view of an Alipay gateway (the real one or the sandbox)."""

    app_id: str
    app_private_key: str  # the platform's private key (PEM), signs requests
    alipay_public_key: str  # the gateway's public key (PEM), verifies notifications and responses
    gateway_url: str
    transport: Transport | None = field(default=None, repr=False, compare=False)

    # --- requests -----------------------------------------------------------------------------------
    def _signed(self, method: str, biz_content: dict[str, str], **extra: str) -> dict[str, str]:
        params = {
            "app_id": self.app_id,
            "method": method,
            "format": "JSON",
            "charset": "utf-8",
            "sign_type": "RSA2",
            "timestamp": alipay_timestamp(),
            "version": "1.0",
            **extra,
            "biz_content": compact_json(biz_content),
        }
        params["sign"] = rsa2_sign(params, self.app_private_key)
        return params

    def page_pay_url(
        self, *, out_trade_no: str, total_amount: Decimal, subject: str, return_url: str, notify_url: str
    ) -> str:
        """The URL to send the payer's browser to: the gateway's cashier for ``alipay.trade.page.pay``."""
        params = self._signed(
            "alipay.trade.page.pay",
            {
                "out_trade_no": out_trade_no,
                "total_amount": format_amount(total_amount),
                "subject": subject,
                "product_code": PAGE_PAY_PRODUCT_CODE,
            },
            notify_url=notify_url,
            return_url=return_url,
        )
        separator = "&" if "?" in self.gateway_url else "?"
        return f"{self.gateway_url}{separator}{urllib.parse.urlencode(params)}"

    def verify_notification(self, params: dict[str, str]) -> bool:
        """Whether an asynchronous notification (or a synchronous return) was signed by the gateway."""
        return params.get("sign_type") == "RSA2" and rsa2_verify(params, self.alipay_public_key)

    def _call(self, method: str, biz_content: dict[str, str]) -> dict[str, Any]:
        """POST a signed request and return the verified ``*_response`` object (whatever its ``code``)."""
        params = self._signed(method, biz_content)
        send = self.transport or urllib_transport
        try:
            raw = send(self.gateway_url, params)
        except (OSError, http.client.HTTPException) as exc:  # URLError, HTTPError, timeouts, broken replies
            raise GatewayError(f"{method}: gateway unreachable: {exc}") from exc
        try:
            body = raw.decode("utf-8")
            document = json.loads(body)
            response_key = method.replace(".", "_") + "_response"
            value_text = response_value_text(body, response_key)
        except (UnicodeDecodeError, ValueError) as exc:
            raise GatewayError(f"{method}: malformed gateway response") from exc
        if not isinstance(document, dict):
            raise GatewayError(f"{method}: malformed gateway response")
        if value_text is None:
            error = document.get("error_response")
            if isinstance(error, dict):
                raise GatewayError(
                    f"{method}: refused by the gateway",
                    code=str(error.get("code", "")),
                    sub_code=str(error.get("sub_code", "")),
                    sub_msg=str(error.get("sub_msg", "")),
                )
            raise GatewayError(f"{method}: malformed gateway response")
        signature = document.get("sign")
        if not isinstance(signature, str) or not rsa2_verify_content(
            value_text, signature, self.alipay_public_key
        ):
            raise GatewayError(f"{method}: the response signature does not verify")
        response = json.loads(value_text)
        if not isinstance(response, dict):
            raise GatewayError(f"{method}: malformed gateway response")
        return response

    @staticmethod
    def _raise_unless_success(method: str, response: dict[str, Any]) -> None:
        if response.get("code") != SUCCESS_CODE:
            raise GatewayError(
                f"{method}: {response.get('msg', 'failed')}",
                code=str(response.get("code", "")),
                sub_code=str(response.get("sub_code", "")),
                sub_msg=str(response.get("sub_msg", "")),
            )

    def query(self, *, out_trade_no: str) -> dict[str, Any] | None:
        """The gateway's record of a trade (``trade_status``, ``total_amount``, ``trade_no``, …), or None
        when the gateway knows no such trade (the payer never opened the cashier)."""
        method = "alipay.trade.query"
        response = self._call(method, {"out_trade_no": out_trade_no})
        if response.get("code") != SUCCESS_CODE and response.get("sub_code") == TRADE_NOT_EXIST:
            return None
        self._raise_unless_success(method, response)
        return response

    def refund(
        self, *, out_trade_no: str, refund_amount: Decimal, out_request_no: str, reason: str
    ) -> dict[str, Any]:
        """Refund part or all of a paid trade. ``out_request_no`` identifies the refund: repeating a request
        with it refunds nothing more (answer ``fund_change: "N"``)."""
        method = "alipay.trade.refund"
        response = self._call(
            method,
            {
                "out_trade_no": out_trade_no,
                "refund_amount": format_amount(refund_amount),
                "out_request_no": out_request_no,
                "refund_reason": reason,
            },
        )
        self._raise_unless_success(method, response)
        return response


# --- configuration ----------------------------------------------------------------------------------
def _setting_text(name: str) -> str:
    return str(getattr(settings, name, "") or "").strip()


def alipay_configured() -> bool:
    """Whether any of the real gateway's settings is given (then the sandbox is refused)."""
    return any(
        _setting_text(name) for name in ("ALIPAY_APP_ID", "ALIPAY_APP_PRIVATE_KEY", "ALIPAY_PUBLIC_KEY")
    )


def _key_setting(name: str) -> str:
    """A key setting's text: the value itself (PEM or bare base64), or the content of the file it names."""
    value = _setting_text(name)
    if "-----BEGIN" not in value:
        try:
            path = Path(value)
            if path.is_file():
                return path.read_text()
        except (OSError, ValueError):  # a base64 body is no file name (and may be too long for one)
            pass
    return value


def client_from_settings() -> AlipayClient:
    """The client of the configured gateway: Alipay's with ALIPAY_APP_ID, ALIPAY_APP_PRIVATE_KEY and
    ALIPAY_PUBLIC_KEY set, the built-in sandbox with none of them. Some but not all set is a configuration
    error (a production site must never fall back to the sandbox, where anyone can "pay")."""
    names = ("ALIPAY_APP_ID", "ALIPAY_APP_PRIVATE_KEY", "ALIPAY_PUBLIC_KEY")
    given = [name for name in names if _setting_text(name)]
    if not given:
        from orders.payments import sandbox

        return sandbox.client()
    if len(given) != len(names):
        missing = ", ".join(name for name in names if name not in given)
        raise ImproperlyConfigured(f"Alipay is partly configured: set {missing} too (or none of them).")
    try:
        private_pem = private_key_pem(load_private_key(_key_setting("ALIPAY_APP_PRIVATE_KEY")))
        public_pem = public_key_pem(load_public_key(_key_setting("ALIPAY_PUBLIC_KEY")))
    except ValueError as exc:
        raise ImproperlyConfigured(f"Alipay keys cannot be read: {exc}") from exc
    return AlipayClient(
        app_id=_setting_text("ALIPAY_APP_ID"),
        app_private_key=private_pem,
        alipay_public_key=public_pem,
        gateway_url=_setting_text("ALIPAY_GATEWAY_URL") or PRODUCTION_GATEWAY_URL,
    )
