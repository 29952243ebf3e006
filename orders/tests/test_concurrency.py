"""Races on PostgreSQL with real threads: no overselling, one payment per Idempotency-Key, one release per
timed-out payment."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import Sku
from gansu_mall.accounts.tests.factories import UserFactory
from gansu_mall.core.errors import ApplicationError
from gansu_mall.core.testing import run_together
from orders.models import Order, OrderEvent, Payment
from orders.services import checkout as checkout_service
from orders.services.addresses import AddressInput
from orders.services.payments import _close, reserved_reconcile
from orders.tests.conftest import ADDRESS

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _needs_postgres(settings, tmp_path, regions_data):
    if not settings.USING_POSTGRES:
        pytest.skip("row locks and concurrent transactions are tested on PostgreSQL")


def buy(user, sku_id, quantity=1, key=None):
    lines = [checkout_service.CheckoutLine(sku_id=sku_id, quantity=quantity)]
    return lambda: checkout_service.checkout(
        buyer=user,
        address=AddressInput(**ADDRESS),
        lines=lines,
        note="",
        idempotency_key=key or f"k-{user.pk}",
        fingerprint=checkout_service.request_fingerprint({"sku": sku_id, "quantity": quantity}),
    )


def test_32_buyers_race_for_10_units(walnuts):
    buyers = [UserFactory(username=f"b{n}") for n in range(32)]
    results = run_together(*(buy(b, walnuts.pk) for b in buyers))
    sold = [r for r in results if isinstance(r, checkout_service.CheckoutResult)]
    refused = [r for r in results if isinstance(r, ApplicationError)]
    others = [r for r in results if not isinstance(r, checkout_service.CheckoutResult | ApplicationError)]
    assert others == []  # no deadlock, no integrity error, nothing else
    assert len(sold) == 10
    assert {e.code for e in refused} == {"out_of_stock"}
    assert len(refused) == 22
    sku = Sku.objects.get(pk=walnuts.pk)
    assert (sku.stock, sku.reserved) == (0, 10)
    assert Order.objects.count() == 10
    assert Payment.objects.count() == 10
    assert reserved_reconcile() == []


def test_two_checkouts_with_one_key_make_one_payment(walnuts):
    buyer = UserFactory(username="twice")
    results = run_together(buy(buyer, walnuts.pk, 2, key="same"), buy(buyer, walnuts.pk, 2, key="same"))
    assert all(isinstance(r, checkout_service.CheckoutResult) for r in results), results
    assert results[0].payment.pk == results[1].payment.pk
    assert sorted(r.replayed for r in results) == [False, True]
    assert Payment.objects.count() == 1
    assert Sku.objects.get(pk=walnuts.pk).stock == 8


def test_a_timed_out_payment_is_released_once_however_many_run_it(walnuts):
    buyer = UserFactory(username="late")
    result = buy(buyer, walnuts.pk, 3)()
    Payment.objects.filter(pk=result.payment.pk).update(created_at=timezone.now() - timedelta(hours=1))
    outcomes = run_together(*(lambda: _close(result.payment.pk) for _ in range(4)))
    assert sorted(outcomes) == [False, False, False, True]
    sku = Sku.objects.get(pk=walnuts.pk)
    assert (sku.stock, sku.reserved) == (10, 0)
    assert Payment.objects.get().status == "closed"
    assert list(OrderEvent.objects.values_list("to_status", flat=True)) == ["pending_payment", "cancelled"]
