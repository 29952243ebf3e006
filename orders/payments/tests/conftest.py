"""Fixtures of the payment tests: the sandbox wired to the test client, and a fake notification handler."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.test import Client

from orders.payments import sandbox
from orders.payments.alipay import AlipayClient

RETURN_URL = "http://testserver/payments/7/return/?from=sandbox"
NOTIFY_URL = "http://testserver/api/v1/payments/notify/alipay/"


@dataclass
class FakePlatform:
    """Stands in for the orders app's notification endpoint: records what it receives, answers ``bodies``
    in turn (the last one repeatedly)."""

    bodies: list[str] = field(default_factory=lambda: ["success"])
    received: list[dict[str, str]] = field(default_factory=list)

    def __call__(self, params: dict[str, str]) -> str:
        self.received.append(params)
        return self.bodies[min(len(self.received), len(self.bodies)) - 1]


@pytest.fixture
def sandbox_settings(settings):
    settings.SANDBOX_DELIVERY = "inprocess"
    settings.SITE_URL = "http://testserver"
    settings.ALIPAY_APP_ID = ""
    settings.ALIPAY_APP_PRIVATE_KEY = ""
    settings.ALIPAY_PUBLIC_KEY = ""
    return settings


@pytest.fixture
def platform(sandbox_settings) -> Iterator[FakePlatform]:
    fake = FakePlatform()
    previous = sandbox.register_inprocess_handler(fake)
    yield fake
    sandbox.register_inprocess_handler(previous)


def client_transport(client: Client) -> Callable[[str, dict[str, str]], bytes]:
    """Route the AlipayClient's server-to-server requests to the Django test client (form-encoded POST)."""

    def send(url: str, data: dict[str, str]) -> bytes:
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        response = client.post(path, urlencode(data), content_type="application/x-www-form-urlencoded")
        assert response.status_code == 200, response.content
        return response.content

    return send


@pytest.fixture
def gateway(sandbox_settings) -> AlipayClient:
    """The platform's client of the sandbox, talking to it through a CSRF-enforcing test client."""
    return sandbox.client(transport=client_transport(Client(enforce_csrf_checks=True)))


def query_params(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def open_cashier(
    client: Client, gateway: AlipayClient, out_trade_no: str = "P20260301001", amount: str = "30.00"
):
    """The payer's browser following the platform's redirect to the gateway; the cashier page's URL."""
    url = gateway.page_pay_url(
        out_trade_no=out_trade_no,
        total_amount=Decimal(amount),
        subject="成县核桃 2 kg",
        return_url=RETURN_URL,
        notify_url=NOTIFY_URL,
    )
    response = client.get(url)
    assert response.status_code == 302, response.content
    return response["Location"]
