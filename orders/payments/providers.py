"""The payment-provider interface the orders services speak to, and the registry of providers.

A provider builds the URL that sends the payer to its cashier, verifies its asynchronous notifications,
answers queries about a trade and returns money. Alipay (``orders.payments.alipay``) is the one provider
today — the built-in sandbox is Alipay's protocol with the platform's own keys — and another (WeChat Pay,
UnionPay) joins by implementing this protocol and registering its name.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, Protocol


class PaymentProvider(Protocol):
    app_id: str

    def page_pay_url(
        self, *, out_trade_no: str, total_amount: Decimal, subject: str, return_url: str, notify_url: str
    ) -> str: ...

    def verify_notification(self, params: dict[str, str]) -> bool: ...

    def query(self, *, out_trade_no: str) -> dict[str, Any] | None: ...

    def refund(
        self, *, out_trade_no: str, refund_amount: Decimal, out_request_no: str, reason: str
    ) -> dict[str, Any]: ...


def _alipay() -> PaymentProvider:
    from orders.payments import alipay

    return alipay.client_from_settings()  # looked up at call time: configuration may change (tests)


PROVIDERS: dict[str, Callable[[], PaymentProvider]] = {"alipay": _alipay}


def provider(name: str = "alipay") -> PaymentProvider:
    """The configured provider called ``name`` (KeyError for an unknown one)."""
    return PROVIDERS[name]()
