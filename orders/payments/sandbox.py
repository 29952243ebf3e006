"""The built-in sandbox payment gateway: a stand-in for Alipay used by the demo and the tests.

It speaks Alipay's protocol (see alipay.py): the platform signs its requests with the "app" key pair and the
sandbox signs its responses, synchronous returns and asynchronous notifications with its own "gateway" key
pair. The trades it knows are SandboxTrade rows; refunds it accepted are SandboxRefund rows.

The sandbox is refused (404) as soon as any ALIPAY_* setting is given: a site configured for the real
gateway can never take a sandbox payment.

Notifications are delivered by the task orders.payments.tasks.sandbox_notify, over HTTP by default or, with
``SANDBOX_DELIVERY = "inprocess"`` (the tests), to a function registered with
:func:`register_inprocess_handler`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from gansu_mall.core.money import format_money
from orders.models import SandboxRefund, SandboxTrade
from orders.payments.alipay import (
    SHANGHAI,
    SUCCESS_CODE,
    TRADE_NOT_EXIST,
    AlipayClient,
    Transport,
    alipay_configured,
    alipay_timestamp,
    compact_json,
    format_amount,
    urllib_transport,
)
from orders.payments.signing import (
    generate_key_pair,
    load_private_key,
    public_key_pem,
    rsa2_sign,
    rsa2_sign_content,
)

logger = logging.getLogger(__name__)

APP_ID = "sandbox-app"
SELLER_ID = "2088000000000000"  # the sandbox merchant's (fake) Alipay partner id
BUYER_LOGON_ID = "sandbox***@example.com"
GATEWAY_PATH = "/sandbox/alipay/gateway/"

WAIT_BUYER_PAY = "WAIT_BUYER_PAY"
TRADE_SUCCESS = "TRADE_SUCCESS"
TRADE_CLOSED = "TRADE_CLOSED"

NotificationHandler = Callable[[dict[str, str]], str]


# --- keys -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class KeyPair:
    private_pem: str
    public_pem: str


@dataclass(frozen=True)
class SandboxKeys:
    app: KeyPair  # the platform's pair: it signs requests, the sandbox verifies them
    gateway: KeyPair  # the sandbox's own pair: it signs responses and notifications, the platform verifies


_keys_lock = threading.Lock()
_memory_keys: SandboxKeys | None = None
_file_keys: dict[Path, SandboxKeys] = {}


def _new_pair() -> KeyPair:
    private_pem, public_pem = generate_key_pair()
    return KeyPair(private_pem, public_pem)


def _pair_from_file(path: Path) -> KeyPair:
    """The key pair whose private key is kept in ``path``, created atomically (0600) if absent: when two
    processes race, the first file linked into place wins and both use it."""
    if not path.exists():
        private_pem, _public = generate_key_pair()
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pem")  # mode 0600
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(private_pem)
            try:
                os.link(temporary, path)
            except FileExistsError:
                pass
        finally:
            os.unlink(temporary)
    private_pem = path.read_text()
    return KeyPair(private_pem, public_key_pem(load_private_key(private_pem).public_key()))


def keys() -> SandboxKeys:
    """The sandbox's two key pairs. Generated once and kept in ``BASE_DIR/var/sandbox/`` (files 0600), so
    that the web processes and the workers agree; under the tests generated once per process, in memory."""
    global _memory_keys
    with _keys_lock:
        if settings.TESTING:
            if _memory_keys is None:
                _memory_keys = SandboxKeys(app=_new_pair(), gateway=_new_pair())
            return _memory_keys
        directory = Path(settings.BASE_DIR) / "var" / "sandbox"
        if directory not in _file_keys:
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            _file_keys[directory] = SandboxKeys(
                app=_pair_from_file(directory / "app.pem"), gateway=_pair_from_file(directory / "gateway.pem")
            )
        return _file_keys[directory]


# --- the platform's side ------------------------------------------------------------------------------
def sandbox_enabled() -> bool:
    """The sandbox serves only sites without Alipay settings (the demo, the tests)."""
    return not alipay_configured()


def gateway_url() -> str:
    return settings.SITE_URL.rstrip("/") + GATEWAY_PATH


def client(*, transport: Transport | None = None) -> AlipayClient:
    """A client of the sandbox gateway with the app key pair, as client_from_settings() gives the demo."""
    pairs = keys()
    return AlipayClient(
        app_id=APP_ID,
        app_private_key=pairs.app.private_pem,
        alipay_public_key=pairs.gateway.public_pem,
        gateway_url=gateway_url(),
        transport=transport,
    )


# --- trades -------------------------------------------------------------------------------------------
def new_trade_no() -> str:
    """A 28-digit trade number like Alipay's: the Beijing date and 20 random digits."""
    today = timezone.localtime(timezone.now(), SHANGHAI).strftime("%Y%m%d")
    return f"{today}{secrets.randbelow(10**20):020d}"


def parse_amount(text: object) -> Decimal | None:
    """A positive amount with at most two decimals, or None."""
    if not isinstance(text, str):
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    exponent = amount.as_tuple().exponent
    if not amount.is_finite() or amount <= 0 or not isinstance(exponent, int) or exponent < -2:
        return None
    if amount >= Decimal("100000000"):
        return None
    return amount


def is_web_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"http", "https"} and bool(parts.netloc) and len(url) <= 500


def trade_open(
    *, out_trade_no: str, total_amount: Decimal, subject: str, notify_url: str, return_url: str
) -> SandboxTrade:
    """The payer arrived at the cashier: create the trade, or reopen an unpaid one with the new request's
    values. A trade that was ever paid is returned unchanged."""
    values = {
        "total_amount": total_amount,
        "subject": subject[:256],
        "notify_url": notify_url,
        "return_url": return_url,
        "status": WAIT_BUYER_PAY,
    }
    with transaction.atomic():
        trade = SandboxTrade.objects.select_for_update().filter(out_trade_no=out_trade_no).first()
        if trade is None:
            try:
                with transaction.atomic():
                    return SandboxTrade.objects.create(
                        out_trade_no=out_trade_no, trade_no=new_trade_no(), **values
                    )
            except IntegrityError:  # opened at the same moment by another request
                trade = SandboxTrade.objects.select_for_update().get(out_trade_no=out_trade_no)
        if trade.paid_at is None:
            for name, value in values.items():
                setattr(trade, name, value)
            trade.save(update_fields=[*values])
    return trade


def trade_pay(*, trade_id: int) -> bool:
    """The payer confirmed: a waiting trade becomes TRADE_SUCCESS. Whether it changed (then the caller
    schedules the notification, after commit)."""
    with transaction.atomic():
        trade = SandboxTrade.objects.select_for_update().get(pk=trade_id)
        if trade.status != WAIT_BUYER_PAY:
            return False
        trade.status = TRADE_SUCCESS
        trade.paid_at = timezone.now()
        trade.save(update_fields=["status", "paid_at"])
    return True


def trade_decline(*, trade_id: int) -> bool:
    """The payer declined: a waiting trade is closed. Whether it changed."""
    with transaction.atomic():
        trade = SandboxTrade.objects.select_for_update().get(pk=trade_id)
        if trade.status != WAIT_BUYER_PAY:
            return False
        trade.status = TRADE_CLOSED
        trade.save(update_fields=["status"])
    return True


def signed_by_gateway(params: dict[str, str]) -> dict[str, str]:
    params = {**params, "sign_type": "RSA2"}
    params["sign"] = rsa2_sign(params, keys().gateway.private_pem)
    return params


def return_params(trade: SandboxTrade) -> dict[str, str]:
    """The synchronous return parameters Alipay appends to return_url after a payment, signed."""
    return signed_by_gateway(
        {
            "charset": "utf-8",
            "out_trade_no": trade.out_trade_no,
            "method": "alipay.trade.page.pay.return",
            "total_amount": format_amount(trade.total_amount),
            "trade_no": trade.trade_no,
            "auth_app_id": APP_ID,
            "version": "1.0",
            "app_id": APP_ID,
            "seller_id": SELLER_ID,
            "timestamp": alipay_timestamp(),
        }
    )


def url_with_params(url: str, params: Mapping[str, str]) -> str:
    if not params:
        return url
    separator = "&" if urlsplit(url).query else ("" if url.endswith("?") else "?")
    return f"{url}{separator}{urlencode(params)}"


def notification_params(trade: SandboxTrade) -> dict[str, str]:
    """Alipay's asynchronous notification (trade_status_sync) of a paid trade, signed with the gateway key.
    Retries repeat the same notify_id; notify_time is the time of sending."""
    assert trade.paid_at is not None, "only paid trades are notified"  # noqa: S101 - caller's guard
    amount = format_amount(trade.total_amount)
    notify_id = hashlib.sha256(f"{trade.trade_no}:{trade.paid_at.isoformat()}".encode()).hexdigest()[:34]
    return signed_by_gateway(
        {
            "notify_time": alipay_timestamp(),
            "notify_type": "trade_status_sync",
            "notify_id": notify_id,
            "app_id": APP_ID,
            "charset": "utf-8",
            "version": "1.0",
            "trade_no": trade.trade_no,
            "out_trade_no": trade.out_trade_no,
            "total_amount": amount,
            "receipt_amount": amount,
            "buyer_pay_amount": amount,
            "trade_status": trade.status,
            "gmt_create": alipay_timestamp(trade.created_at),
            "gmt_payment": alipay_timestamp(trade.paid_at),
            "subject": trade.subject,
        }
    )


# --- notification delivery ----------------------------------------------------------------------------
_inprocess_handler: NotificationHandler | None = None


def register_inprocess_handler(fn: NotificationHandler | None) -> NotificationHandler | None:
    """Set the function that receives notifications when ``SANDBOX_DELIVERY = "inprocess"``: it takes the
    notification parameters and returns the response body (``success`` or ``failure``). None unregisters.
    Returns the handler it replaces."""
    global _inprocess_handler
    previous, _inprocess_handler = _inprocess_handler, fn
    return previous


class DeliveryError(Exception):
    """The notification could not be handed over (network error, no handler)."""


def deliver_notification(url: str, params: dict[str, str]) -> str:
    """Hand a notification to the platform and return the response body."""
    mode = getattr(settings, "SANDBOX_DELIVERY", "http")
    if mode == "inprocess":
        if _inprocess_handler is None:
            raise DeliveryError("no in-process notification handler is registered")
        return _inprocess_handler(dict(params))
    if mode != "http":
        raise DeliveryError(f"unknown SANDBOX_DELIVERY {mode!r}")
    try:
        body = urllib_transport(url, params)
    except Exception as exc:  # any network or HTTP failure is a failed delivery, to be retried
        raise DeliveryError(str(exc)) from exc
    return body.decode("utf-8", errors="replace")


def count_notification(trade_id: int) -> None:
    SandboxTrade.objects.filter(pk=trade_id).update(notifications_sent=F("notifications_sent") + 1)


# --- gateway API: alipay.trade.query and alipay.trade.refund -----------------------------------------
def _failure(code: str, msg: str, sub_code: str, sub_msg: str, **extra: str) -> dict[str, str]:
    return {"code": code, "msg": msg, "sub_code": sub_code, "sub_msg": sub_msg, **extra}


def invalid_arguments(sub_code: str, sub_msg: str) -> dict[str, str]:
    return _failure("40002", "Invalid Arguments", sub_code, sub_msg)


def business_failure(sub_code: str, sub_msg: str, **extra: str) -> dict[str, str]:
    return _failure("40004", "Business Failed", sub_code, sub_msg, **extra)


def _find_trade(biz: Mapping[str, Any], *, lock: bool) -> SandboxTrade | None:
    trades = SandboxTrade.objects.select_for_update() if lock else SandboxTrade.objects.all()
    out_trade_no, trade_no = biz.get("out_trade_no"), biz.get("trade_no")
    if isinstance(out_trade_no, str) and out_trade_no:
        return trades.filter(out_trade_no=out_trade_no).first()
    if isinstance(trade_no, str) and trade_no:
        return trades.filter(trade_no=trade_no).first()
    return None


def trade_query(biz: Mapping[str, Any]) -> dict[str, str]:
    """The ``alipay_trade_query_response`` value for a query."""
    if not biz.get("out_trade_no") and not biz.get("trade_no"):
        return invalid_arguments("isv.missing-parameter", "out_trade_no or trade_no is required")
    trade = _find_trade(biz, lock=False)
    if trade is None:
        return business_failure(
            TRADE_NOT_EXIST,
            "交易不存在",
            out_trade_no=str(biz.get("out_trade_no") or ""),
            buyer_pay_amount="0.00",
        )
    paid = trade.paid_at is not None
    response = {
        "code": SUCCESS_CODE,
        "msg": "Success",
        "out_trade_no": trade.out_trade_no,
        "trade_no": trade.trade_no,
        "trade_status": trade.status,
        "total_amount": format_money(trade.total_amount),
        "buyer_pay_amount": format_money(trade.total_amount if paid else Decimal(0)),
        "receipt_amount": format_money(trade.total_amount if paid else Decimal(0)),
        "buyer_logon_id": BUYER_LOGON_ID,
    }
    if trade.paid_at is not None:
        response["send_pay_date"] = alipay_timestamp(trade.paid_at)
    return response


def trade_refund(biz: Mapping[str, Any]) -> dict[str, str]:
    """The ``alipay_trade_refund_response`` value for a refund. Idempotent per out_request_no; refused
    beyond what is left of the trade."""
    out_request_no = biz.get("out_request_no") or biz.get("out_trade_no") or ""
    amount = parse_amount(biz.get("refund_amount"))
    if not (biz.get("out_trade_no") or biz.get("trade_no")):
        return invalid_arguments("isv.missing-parameter", "out_trade_no or trade_no is required")
    if amount is None:
        return invalid_arguments("isv.invalid-parameter", "refund_amount is not a valid amount")
    if not isinstance(out_request_no, str) or len(out_request_no) > 64:
        return invalid_arguments("isv.invalid-parameter", "out_request_no is not valid")
    with transaction.atomic():
        trade = _find_trade(biz, lock=True)
        if trade is None:
            return business_failure(TRADE_NOT_EXIST, "交易不存在")
        refund = SandboxRefund.objects.filter(trade=trade, out_request_no=out_request_no).first()
        fund_change = "N"
        if refund is not None:
            if refund.amount != amount:
                return business_failure("ACQ.DISCORDANT_REPEAT_REQUEST", "不一致的请求")
        elif trade.paid_at is None:
            return business_failure("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
        elif amount > trade.total_amount - trade.refunded_amount:
            return business_failure("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限")
        else:
            refund = SandboxRefund.objects.create(trade=trade, out_request_no=out_request_no, amount=amount)
            trade.refunded_amount += amount
            if trade.refunded_amount == trade.total_amount:
                trade.status = TRADE_CLOSED  # Alipay closes a fully refunded trade
            trade.save(update_fields=["refunded_amount", "status"])
            fund_change = "Y"
    return {
        "code": SUCCESS_CODE,
        "msg": "Success",
        "trade_no": trade.trade_no,
        "out_trade_no": trade.out_trade_no,
        "buyer_logon_id": BUYER_LOGON_ID,
        "fund_change": fund_change,
        "refund_fee": format_money(trade.refunded_amount),
        "gmt_refund_pay": alipay_timestamp(refund.created_at),
        "send_back_fee": format_money(amount if fund_change == "Y" else Decimal(0)),
    }


def signed_response_body(response_key: str, value: Mapping[str, str]) -> str:
    """``{"<response_key>": {...}, "sign": "..."}`` signed, as Alipay does, over the exact JSON text of
    the value."""
    value_text = compact_json(value)
    signature = rsa2_sign_content(value_text, keys().gateway.private_pem)
    return f'{{"{response_key}":{value_text},"sign":{json.dumps(signature)}}}'


API_METHODS: dict[str, Callable[[Mapping[str, Any]], dict[str, str]]] = {
    "alipay.trade.query": trade_query,
    "alipay.trade.refund": trade_refund,
}
