"""The after-sales pages: the buyer's refunds on the order page, the seller centre's refunds, the bureau's
disputes. Money goes back through the sandbox gateway (the ``gateway`` fixture) once the work commits."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.models import Sku
from gansu_mall.accounts.tests.factories import UserFactory
from orders.models import Order, OrderStatus, Refund, RefundEvent, SandboxRefund, SandboxTrade
from orders.services.addresses import AddressInput
from orders.services.checkout import CheckoutLine, checkout
from orders.services.orders import order_ship
from orders.services.refunds import refund_approve, refund_escalate, refund_reject, refund_request
from orders.tests.conftest import ADDRESS
from orders.tests.helpers import paid_order

pytestmark = pytest.mark.django_db


def html(response) -> str:
    return response.content.decode()


def shipped_order(buyer, sku, owner, quantity=2, key="k"):
    order = paid_order(buyer, sku, quantity=quantity, key=key)
    # Every parcel has its own tracking number (a number is never used twice).
    order_ship(order=order, actor=owner, carrier="sf", tracking_number=f"SF{order.pk:013d}")
    return Order.objects.get(pk=order.pk)


def escalated_refund(buyer, sku, owner, key="k", amount="20.00"):
    order = shipped_order(buyer, sku, owner, key=key)
    refund = refund_request(order=order, buyer=buyer, reason="坏果多", amount=amount)
    refund_reject(refund=refund, actor=owner, reason="照片显示完好")
    return refund_escalate(refund=refund, actor=buyer, note="确有坏果")


def events(refund) -> list[tuple[str, str, int | None, str]]:
    return list(
        RefundEvent.objects.filter(refund=refund)
        .order_by("id")
        .values_list("from_status", "to_status", "actor_id", "note")
    )


def statuses(page: str) -> list[str]:
    return re.findall(r'data-testid="refund-status">([^<]+)<', page)


def field_error(page: str, name: str) -> str:
    match = re.search(
        rf'name="{name}"[^>]*>(?:[^<]*</textarea>)?\s*(?:<p class="help"[^>]*>[^<]*</p>\s*)?'
        r'<p class="field-error" role="alert">([^<]+)</p>',
        page,
    )
    return match.group(1) if match else ""


# --- Buyer ----------------------------------------------------------------------------------------


def test_before_shipping_the_buyer_cancels_and_gets_everything_back(
    client, buyer, walnuts, gateway, django_capture_on_commit_callbacks
):
    order = paid_order(buyer, walnuts, quantity=2)  # 2 × 39.90 + 10.00 shipping
    client.force_login(buyer)
    page = html(client.get(f"/orders/{order.pk}/?lang=en"))
    assert 'data-testid="refund-form"' in page
    assert f'action="/orders/{order.pk}/refunds/"' in page
    assert 'data-testid="refundable">¥89.80<' in page
    assert 'name="amount"' not in page  # before shipping: the whole order
    assert 'name="kind"' not in page
    assert "Cancel and refund" in page

    # Refused without a reason: shown on the form, nothing changes.
    refused = client.post(f"/orders/{order.pk}/refunds/?lang=en", {"reason": "  "})
    assert refused.status_code == 400
    assert field_error(html(refused), "reason") == "Say why you want a refund (at most 500 characters)."
    assert (Refund.objects.count(), Order.objects.get(pk=order.pk).status) == (0, OrderStatus.PAID)
    assert Sku.objects.get(pk=walnuts.pk).stock == 8

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/orders/{order.pk}/refunds/?lang=en", {"reason": "不想要了"})
    assert (response.status_code, response["Location"]) == (302, f"/orders/{order.pk}/")
    refund = Refund.objects.get()
    assert (refund.order_id, refund.kind, refund.amount, refund.status, refund.reason) == (
        order.pk,
        "refund",
        Decimal("89.80"),
        "refunded",
        "不想要了",
    )
    assert [(e[0], e[1], e[2]) for e in events(refund)] == [
        ("", "requested", buyer.pk),
        ("requested", "approved", None),
        ("approved", "refunded", None),
    ]
    assert list(SandboxRefund.objects.values_list("out_request_no", "amount")) == [
        (refund.number, Decimal("89.80"))
    ]
    assert SandboxTrade.objects.get().refunded_amount == Decimal("89.80")
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED
    assert Sku.objects.get(pk=walnuts.pk).stock == 10  # sellable again

    page = html(client.get(f"/orders/{order.pk}/?lang=en"))
    assert f"Order {order.number} is cancelled; ¥89.80 is on its way back to you." in page
    assert statuses(page) == ["refunded"]
    assert 'data-testid="refund-amount">¥89.80<' in page
    assert 'data-testid="refund-form"' not in page  # nothing left to ask for
    again = client.post(f"/orders/{order.pk}/refunds/?lang=en", {"reason": "再退"})
    assert again.status_code == 409
    assert "This order is cancelled." in html(again)
    assert Refund.objects.count() == 1


def test_after_shipping_a_partial_refund_is_rejected_escalated_and_arbitrated(
    client, buyer, walnuts, walnut_owner, bureau, gateway, django_capture_on_commit_callbacks
):
    order = shipped_order(buyer, walnuts, walnut_owner)
    slug = order.vendor.slug
    url = f"/orders/{order.pk}/refunds/?lang=en"
    client.force_login(buyer)
    page = html(client.get(f"/orders/{order.pk}/?lang=en"))
    assert 'data-testid="refundable">¥89.80<' in page
    assert "Leave it empty to ask for everything still refundable: ¥89.80." in page
    assert re.search(r'name="kind" value="refund"[^>]*checked', page)
    assert 'name="kind" value="return"' in page

    # Refusals show on the form, with what was typed, and change nothing.
    too_much = client.post(url, {"reason": "坏果多", "kind": "refund", "amount": "89.81"})
    assert too_much.status_code == 400
    assert field_error(html(too_much), "amount") == "Give an amount above zero, in fen, at most 89.80 CNY."
    assert 'value="89.81"' in html(too_much)
    no_kind = client.post(url, {"reason": "坏果多", "amount": "20"})
    assert no_kind.status_code == 400
    assert "Choose a refund, or a return and refund." in html(no_kind)
    assert Refund.objects.count() == 0

    response = client.post(url, {"reason": "坏果多", "kind": "refund", "amount": "20.00"})
    assert response["Location"] == f"/orders/{order.pk}/"
    refund = Refund.objects.get()
    assert (refund.kind, refund.amount, refund.status, refund.reason) == (
        "refund",
        Decimal("20.00"),
        "requested",
        "坏果多",
    )
    page = html(client.get(f"/orders/{order.pk}/?lang=en"))
    assert f"Refund request {refund.number} for ¥20.00 is sent: the shop will answer it." in page
    assert statuses(page) == ["requested"]
    assert 'data-testid="refund-form"' not in page
    assert 'data-testid="refund-under-way"' in page
    twice = client.post(url, {"reason": "再退", "kind": "refund", "amount": "5"})
    assert twice.status_code == 409
    assert "This order already has a refund request under way." in html(twice)
    assert Refund.objects.count() == 1

    # The shop: the refund on the order page and in its list; rejecting needs a reason.
    client.force_login(walnut_owner)
    listed = html(client.get(f"/seller/{slug}/refunds/?lang=en"))
    assert listed.count('data-testid="refund-row"') == 1
    assert refund.number in listed
    seller_page = f"/seller/{slug}/orders/{order.pk}/"
    page = html(client.get(seller_page + "?lang=en"))
    assert 'data-testid="decision-form"' in page
    assert f'action="/seller/{slug}/refunds/{refund.pk}/"' in page
    decide = f"/seller/{slug}/refunds/{refund.pk}/?lang=en"
    no_reason = client.post(decide, {"action": "reject", "reason": "", "next": seller_page})
    assert no_reason.status_code == 400
    assert field_error(html(no_reason), "reason") == "Say why the refund is refused."
    assert Refund.objects.get().status == "requested"
    rejected = client.post(decide, {"action": "reject", "reason": "照片显示完好", "next": seller_page})
    assert rejected["Location"] == seller_page
    refund.refresh_from_db()
    assert (refund.status, refund.shop_note) == ("rejected", "照片显示完好")
    page = html(client.get(seller_page + "?lang=en"))
    assert f"Refund {refund.number} is rejected; the buyer may take it to the commerce bureau." in page
    assert 'data-testid="decision-form"' not in page
    late = client.post(decide, {"action": "approve", "reason": ""})
    assert late.status_code == 409  # decided already: the message says why, nothing changes
    assert "cannot become" in html(late)
    assert Refund.objects.get().status == "rejected"

    # The buyer takes it to the bureau.
    client.force_login(buyer)
    page = html(client.get(f"/orders/{order.pk}/?lang=en"))
    assert 'data-testid="refund-shop-note">照片显示完好<' in page
    assert f'action="/refunds/{refund.pk}/escalate/"' in page
    response = client.post(f"/refunds/{refund.pk}/escalate/?lang=en", {"note": "确有坏果"})
    assert response["Location"] == f"/orders/{order.pk}/"
    assert Refund.objects.get().status == "escalated"
    again = client.post(f"/refunds/{refund.pk}/escalate/?lang=en", {"note": ""})
    assert again.status_code == 409
    assert "cannot become" in html(again)
    assert RefundEvent.objects.filter(to_status="escalated").count() == 1

    # The bureau decides: both fields are required.
    client.force_login(bureau)
    page = html(client.get("/bureau/disputes/?lang=en"))
    assert page.count('data-testid="dispute"') == 1
    assert 'data-testid="refund-reason">坏果多<' in page
    assert 'data-testid="refund-shop-note">照片显示完好<' in page
    assert 'data-testid="refund-order-total">¥89.80<' in page
    assert "确有坏果" in page  # the buyer's word on escalating, in the history
    assert 'data-testid="arbitration-form"' in page
    dispute = f"/bureau/disputes/{refund.pk}/?lang=en"
    empty = client.post(dispute, {"decision": "", "note": " "})
    assert empty.status_code == 400
    assert "Decide refund or reject." in html(empty)
    assert "Explain the decision." in html(empty)
    assert (Refund.objects.get().status, SandboxRefund.objects.count()) == ("escalated", 0)
    with django_capture_on_commit_callbacks(execute=True):
        decided = client.post(
            dispute, {"decision": "refund", "note": "支持买家", "next": "/bureau/disputes/"}
        )
    assert decided["Location"] == "/bureau/disputes/"
    refund.refresh_from_db()
    assert (refund.status, refund.arbitration_note, refund.amount) == (
        "refunded",
        "支持买家",
        Decimal("20.00"),
    )
    assert list(SandboxRefund.objects.values_list("amount", flat=True)) == [Decimal("20.00")]
    assert events(refund)[:4] == [
        ("", "requested", buyer.pk, "坏果多"),
        ("requested", "rejected", walnut_owner.pk, "照片显示完好"),
        ("rejected", "escalated", buyer.pk, "确有坏果"),
        ("escalated", "approved", bureau.pk, "支持买家"),
    ]
    assert events(refund)[4][:3] == ("approved", "refunded", None)  # the gateway's answer, after commit
    page = html(client.get("/bureau/disputes/?lang=en"))
    assert f"Refund {refund.number}: ¥20.00 goes back to the buyer." in page
    assert 'data-testid="arbitration-form"' not in page
    assert statuses(page) == ["refunded"]

    # The buyer sees it refunded, with who did what, and may ask for some of the rest.
    client.force_login(buyer)
    page = html(client.get(f"/orders/{order.pk}/?lang=en"))
    assert statuses(page) == ["refunded"]
    timeline = re.search(r'data-testid="refund-events">(.*?)</ol>', page, re.S).group(1)
    assert re.findall(r"<strong>([^<]+)</strong>", timeline) == [
        "requested",
        "rejected by the shop",
        "with the commerce bureau",
        "approved: money on its way back",
        "refunded",
    ]
    assert [by.strip() for by in re.findall(r"· (by the [a-z ]+)", timeline)] == [
        "by the buyer",
        "by the shop",
        "by the buyer",
        "by the commerce bureau",
    ]
    assert 'data-testid="refundable">¥69.80<' in page
    assert Order.objects.get(pk=order.pk).status == OrderStatus.SHIPPED


def test_the_shop_approves_a_return_of_everything(
    client, buyer, walnuts, walnut_owner, gateway, django_capture_on_commit_callbacks
):
    order = shipped_order(buyer, walnuts, walnut_owner)
    client.force_login(buyer)
    client.post(f"/orders/{order.pk}/refunds/", {"reason": "寄错了", "kind": "return", "amount": ""})
    refund = Refund.objects.get()
    assert (refund.kind, refund.amount, refund.status) == ("return", Decimal("89.80"), "requested")

    client.force_login(walnut_owner)
    url = f"/seller/{order.vendor.slug}/refunds/{refund.pk}/"
    page = html(client.get(url + "?lang=en"))
    assert 'data-testid="refund-kind">return and refund<' in page
    assert 'data-testid="approve"' in page
    agreed = client.post(url + "?lang=en", {"action": "approve", "reason": "同意退货"})
    assert agreed["Location"] == url
    refund.refresh_from_db()
    assert refund.status == "awaiting_return"  # no money before the goods are back
    assert SandboxRefund.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url + "?lang=en", {"action": "received", "reason": "收到退货"})
    assert response["Location"] == url
    refund.refresh_from_db()
    assert refund.status == "refunded"
    assert [(e[1], e[2], e[3]) for e in events(refund)][:3] == [
        ("requested", buyer.pk, "寄错了"),
        ("awaiting_return", walnut_owner.pk, "同意退货"),
        ("approved", walnut_owner.pk, "收到退货"),
    ]
    assert list(SandboxRefund.objects.values_list("out_request_no", "amount")) == [
        (refund.number, Decimal("89.80"))
    ]
    page = html(client.get(url + "?lang=en"))
    assert f"Refund {refund.number} is approved: ¥89.80 goes back to the buyer." in page
    assert 'data-testid="approve"' not in page

    client.force_login(buyer)
    page = html(client.get(f"/orders/{order.pk}/?lang=en"))
    assert statuses(page) == ["refunded"]
    assert 'data-testid="refund-form"' not in page  # refunded in full: nothing left to ask
    refused = client.post(f"/orders/{order.pk}/refunds/?lang=en", {"reason": "x", "kind": "refund"})
    assert refused.status_code == 409
    assert "This order has been refunded in full." in html(refused)
    assert Refund.objects.count() == 1


def test_the_bureau_upholds_the_shop_and_the_buyer_may_ask_again(
    client, buyer, walnuts, walnut_owner, bureau, gateway, django_capture_on_commit_callbacks
):
    refund = escalated_refund(buyer, walnuts, walnut_owner)
    client.force_login(bureau)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/bureau/disputes/{refund.pk}/?lang=en", {"decision": "reject", "note": "证据不足"}, follow=True
        )
    assert f"Refund {refund.number} is closed: the shop&#x27;s refusal stands." in html(response)
    refund.refresh_from_db()
    assert (refund.status, refund.arbitration_note) == ("closed", "证据不足")
    assert SandboxRefund.objects.count() == 0
    again = client.post(f"/bureau/disputes/{refund.pk}/?lang=en", {"decision": "refund", "note": "改判"})
    assert again.status_code == 409
    assert "Only refunds taken to the bureau are arbitrated." in html(again)
    assert Refund.objects.get().status == "closed"

    client.force_login(buyer)
    page = html(client.get(f"/orders/{refund.order_id}/?lang=en"))
    assert 'data-testid="refund-arbitration-note">证据不足<' in page
    assert 'data-testid="refundable">¥89.80<' in page  # a closed refund holds no money


def test_the_refund_request_page_shows_what_can_be_done(client, buyer, walnuts, walnut_owner):
    order = shipped_order(buyer, walnuts, walnut_owner)
    client.force_login(buyer)
    page = html(client.get(f"/orders/{order.pk}/refunds/?lang=en"))
    assert 'data-testid="order-total">¥89.80<' in page
    assert 'data-testid="refund-form"' in page
    pending = checkout(
        buyer=buyer,
        address=AddressInput(**ADDRESS),
        lines=[CheckoutLine(sku_id=walnuts.pk, quantity=1)],
        note="",
        idempotency_key="unpaid",
        fingerprint="unpaid",
    ).orders[0]
    page = html(client.get(f"/orders/{pending.pk}/refunds/?lang=en"))
    assert 'data-testid="no-refund"' in page
    assert 'data-testid="after-sales"' not in html(client.get(f"/orders/{pending.pk}/?lang=en"))
    refused = client.post(f"/orders/{pending.pk}/refunds/?lang=en", {"reason": "x", "kind": "refund"})
    assert refused.status_code == 409
    assert "This order is not paid: cancel it instead." in html(refused)
    assert Refund.objects.count() == 0


# --- Permissions ----------------------------------------------------------------------------------


def test_other_buyers_and_other_shops_find_nothing(
    client, buyer, other_buyer, walnuts, walnut_owner, lily_owner, lilies
):
    order = shipped_order(buyer, walnuts, walnut_owner)
    refund = refund_request(order=order, buyer=buyer, reason="坏果多", amount="20.00")
    lily_slug, walnut_slug = lilies.product.vendor.slug, order.vendor.slug

    client.force_login(other_buyer)
    assert client.get(f"/orders/{order.pk}/refunds/").status_code == 404
    assert client.post(f"/orders/{order.pk}/refunds/", {"reason": "x", "kind": "refund"}).status_code == 404
    assert client.post(f"/refunds/{refund.pk}/escalate/").status_code == 404

    client.force_login(lily_owner)
    assert client.get(f"/seller/{walnut_slug}/refunds/").status_code == 404
    assert client.get(f"/seller/{walnut_slug}/refunds/{refund.pk}/").status_code == 404
    assert client.get(f"/seller/{lily_slug}/refunds/{refund.pk}/").status_code == 404
    for slug in (walnut_slug, lily_slug):
        assert client.post(f"/seller/{slug}/refunds/{refund.pk}/", {"action": "approve"}).status_code == 404
    assert html(client.get(f"/seller/{lily_slug}/refunds/")).count('data-testid="refund-row"') == 0

    client.force_login(buyer)  # the buyer is not the shop
    assert (
        client.post(f"/seller/{walnut_slug}/refunds/{refund.pk}/", {"action": "approve"}).status_code == 404
    )
    assert client.get("/bureau/disputes/").status_code == 403
    assert client.get(f"/bureau/disputes/{refund.pk}/").status_code == 403
    client.logout()
    assert client.get("/bureau/disputes/")["Location"] == "/accounts/login/?next=/bureau/disputes/"
    assert client.post(f"/orders/{order.pk}/refunds/")["Location"].startswith("/accounts/login/")

    client.force_login(walnut_owner)
    assert client.post(f"/seller/{walnut_slug}/refunds/{refund.pk}/", {"action": "bogus"}).status_code == 404
    refund.refresh_from_db()
    assert (refund.status, RefundEvent.objects.count()) == ("requested", 1)


def test_a_delegated_officer_may_decide_for_the_shop(client, buyer, walnuts, walnut_owner):
    from vendors import services as vendor_services

    officer = UserFactory(username="officer", roles=["info_officer"], roles__scope=["621221"])
    order = shipped_order(buyer, walnuts, walnut_owner)
    refund = refund_request(order=order, buyer=buyer, reason="坏果多", amount="20.00")
    vendor_services.delegation_grant(
        vendor=order.vendor, actor_role="owner", actor=walnut_owner, officer_username="officer"
    )
    client.force_login(officer)
    slug = order.vendor.slug
    assert refund.number in html(client.get(f"/seller/{slug}/refunds/"))
    response = client.post(
        f"/seller/{slug}/refunds/{refund.pk}/", {"action": "reject", "reason": "已过保质期"}
    )
    assert response.status_code == 302
    refund.refresh_from_db()
    assert (refund.status, refund.shop_note) == ("rejected", "已过保质期")
    assert RefundEvent.objects.get(to_status="rejected").actor == officer


def test_bureau_staff_see_only_disputes_of_their_area(client, buyer, walnuts, walnut_owner, bureau):
    refund = escalated_refund(buyer, walnuts, walnut_owner)  # a shop of Cheng County (621221)
    waiting = refund_request(
        order=shipped_order(buyer, walnuts, walnut_owner, key="k2"), buyer=buyer, reason="x", amount="1"
    )
    lanzhou = UserFactory(username="lanzhou_bureau", roles=["bureau"], roles__scope=["620102"])
    client.force_login(lanzhou)
    page = html(client.get("/bureau/disputes/?lang=en"))
    assert 'data-testid="no-disputes"' in page
    assert client.get(f"/bureau/disputes/{refund.pk}/").status_code == 404
    assert (
        client.post(f"/bureau/disputes/{refund.pk}/", {"decision": "refund", "note": "x"}).status_code == 404
    )
    assert Refund.objects.get(pk=refund.pk).status == "escalated"

    chengxian = UserFactory(username="chengxian_bureau", roles=["bureau"], roles__scope=["621221"])
    client.force_login(chengxian)
    page = html(client.get("/bureau/disputes/?lang=en"))
    assert page.count('data-testid="dispute"') == 1
    assert refund.number in page
    assert waiting.number not in page  # never taken to the bureau
    client.force_login(bureau)  # province-wide
    assert client.get(f"/bureau/disputes/{waiting.pk}/").status_code == 404
    page = html(client.get("/?lang=en"))
    assert 'href="/bureau/disputes/"' in page


def test_open_disputes_come_first(client, buyer, walnuts, walnut_owner, bureau):
    from orders.services.refunds import refund_arbitrate

    decided = escalated_refund(buyer, walnuts, walnut_owner, key="a")
    refund_arbitrate(refund=decided, actor=bureau, decision="reject", note="证据不足")
    waiting = escalated_refund(buyer, walnuts, walnut_owner, key="b")
    Refund.objects.filter(pk=waiting.pk).update(updated_at=timezone.now() - timedelta(days=3))
    client.force_login(bureau)
    page = html(client.get("/bureau/disputes/?lang=en"))
    assert re.findall(r'data-testid="refund-number">([^<]+)<', page) == [waiting.number, decided.number]
    assert page.count('data-testid="arbitration-form"') == 1


# --- Seller centre list ---------------------------------------------------------------------------


def test_seller_refunds_filter_by_status_and_link_from_the_shop_page(client, buyer, walnuts, walnut_owner):
    first = refund_request(
        order=shipped_order(buyer, walnuts, walnut_owner, key="a"), buyer=buyer, reason="x", amount="5"
    )
    second = refund_request(
        order=shipped_order(buyer, walnuts, walnut_owner, key="b"), buyer=buyer, reason="y", amount="6"
    )
    refund_reject(refund=second, actor=walnut_owner, reason="不符合")
    slug = walnuts.product.vendor.slug
    client.force_login(walnut_owner)
    assert f'href="/seller/{slug}/refunds/"' in html(client.get(f"/seller/{slug}/"))
    page = html(client.get(f"/seller/{slug}/refunds/?lang=en"))
    assert re.findall(r'data-testid="refund-amount">([^<]+)<', page) == ["6.00", "5.00"]  # newest first
    assert statuses(page) == ["rejected by the shop", "requested"]
    requested = html(client.get(f"/seller/{slug}/refunds/?status=requested&lang=en"))
    assert requested.count('data-testid="refund-row"') == 1
    assert first.number in requested
    assert 'aria-current="page">requested<' in requested


def test_seller_refunds_are_paginated_by_20(client, buyer, walnut_shop, walnut_owner):
    from orders.tests.conftest import make_product

    sku = make_product(walnut_shop, name="核桃", code="P", price="10.00", stock=100)
    order = shipped_order(buyer, sku, walnut_owner, quantity=30)  # 300.00 + 10.00 shipping
    for _ in range(21):  # each approved at once (its money is never sent here), so the next may be asked
        refund_approve(
            refund=refund_request(order=order, buyer=buyer, reason="x", amount="1"), actor=walnut_owner
        )
    client.force_login(walnut_owner)
    url = f"/seller/{walnut_shop.slug}/refunds/"
    assert html(client.get(url)).count('data-testid="refund-row"') == 20
    second = html(client.get(url + "?page=2"))
    assert second.count('data-testid="refund-row"') == 1
    assert "2 / 2" in second


# --- Languages and queries ------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_every_after_sales_page_renders_in_both_languages(client, buyer, walnuts, walnut_owner, bureau, lang):
    refund = escalated_refund(buyer, walnuts, walnut_owner)
    requested = refund_request(
        order=shipped_order(buyer, walnuts, walnut_owner, key="k2"), buyer=buyer, reason="x", amount="1"
    )
    slug = walnuts.product.vendor.slug
    marker = '<html lang="en">' if lang == "en" else '<html lang="zh-Hans">'
    heading = "After-sales" if lang == "en" else 'id="after-sales-h">'
    pages = {
        buyer: [f"/orders/{refund.order_id}/", f"/orders/{refund.order_id}/refunds/"],
        walnut_owner: [
            f"/seller/{slug}/refunds/",
            f"/seller/{slug}/refunds/{requested.pk}/",
            f"/seller/{slug}/orders/{requested.order_id}/",
        ],
        bureau: ["/bureau/disputes/", f"/bureau/disputes/{refund.pk}/"],
    }
    for user, urls in pages.items():
        client.force_login(user)
        for url in urls:
            response = client.get(f"{url}?lang={lang}")
            assert response.status_code == 200, url
            assert marker in html(response), url
    client.force_login(buyer)
    assert heading in html(client.get(f"/orders/{refund.order_id}/?lang={lang}"))


def test_seller_refunds_queries_do_not_grow(
    client, buyer, walnuts, walnut_owner, django_assert_max_num_queries
):
    refund_request(order=shipped_order(buyer, walnuts, walnut_owner, key="k0"), buyer=buyer, reason="x")
    client.force_login(walnut_owner)
    url = f"/seller/{walnuts.product.vendor.slug}/refunds/"
    with django_assert_max_num_queries(20) as one:
        assert client.get(url).status_code == 200
    first_count = len(one.captured_queries)
    for i in range(1, 6):
        order = shipped_order(UserFactory(username=f"b{i}"), walnuts, walnut_owner, quantity=1, key=f"k{i}")
        refund_request(order=order, buyer=order.buyer, reason="x")
    with django_assert_max_num_queries(first_count):
        page = html(client.get(url))
    assert page.count('data-testid="refund-row"') == 6


def test_bureau_disputes_queries_do_not_grow(
    client, buyer, walnuts, lilies, walnut_owner, lily_owner, bureau, django_assert_max_num_queries
):
    escalated_refund(buyer, walnuts, walnut_owner, key="k0")
    client.force_login(bureau)
    with django_assert_max_num_queries(20) as one:
        assert client.get("/bureau/disputes/").status_code == 200
    first_count = len(one.captured_queries)
    for i in range(1, 3):
        escalated_refund(buyer, walnuts, walnut_owner, key=f"w{i}")
        escalated_refund(buyer, lilies, lily_owner, key=f"l{i}", amount="3.00")
    with django_assert_max_num_queries(first_count):
        page = html(client.get("/bureau/disputes/"))
    assert page.count('data-testid="dispute"') == 5
    assert page.count('data-testid="arbitration-form"') == 5


def test_order_pages_with_refunds_cost_the_same_queries(
    client, buyer, walnut_shop, walnut_owner, django_assert_max_num_queries
):
    from orders.tests.conftest import make_product

    sku = make_product(walnut_shop, name="核桃", code="P", price="10.00", stock=100)
    order = shipped_order(buyer, sku, walnut_owner, quantity=10)
    refund_approve(
        refund=refund_request(order=order, buyer=buyer, reason="x", amount="1"), actor=walnut_owner
    )
    urls = {buyer: f"/orders/{order.pk}/", walnut_owner: f"/seller/{walnut_shop.slug}/orders/{order.pk}/"}
    counts = {}
    for user, url in urls.items():
        client.force_login(user)
        with django_assert_max_num_queries(30) as one:
            assert client.get(url).status_code == 200
        counts[user] = len(one.captured_queries)
    for _ in range(4):
        refund_approve(
            refund=refund_request(order=order, buyer=buyer, reason="x", amount="1"), actor=walnut_owner
        )
    for user, url in urls.items():
        client.force_login(user)
        with django_assert_max_num_queries(counts[user]):
            page = html(client.get(url))
        assert page.count('data-testid="refund"') == 5


def test_return_and_refund_on_the_pages(
    client, buyer, walnut_owner, walnuts, gateway, django_capture_on_commit_callbacks
):
    order = shipped_order(buyer, walnuts, walnut_owner)
    refund = refund_request(order=order, buyer=buyer, reason="受潮", kind="return")
    shop_url = f"/seller/{order.vendor.slug}/refunds/{refund.pk}/?lang=en"
    client.force_login(walnut_owner)
    page = html(client.get(shop_url))
    assert "Agreeing asks the buyer to send the goods back" in page
    assert client.post(shop_url, {"action": "approve"}).status_code == 302
    assert Refund.objects.get(pk=refund.pk).status == "awaiting_return"
    assert SandboxRefund.objects.count() == 0
    client.force_login(buyer)
    order_page = html(client.get(f"/orders/{order.pk}/?lang=en"))
    assert 'data-testid="return-form"' in order_page
    bad = client.post(f"/refunds/{refund.pk}/returned/?lang=en", {"carrier": "sf", "tracking_number": "1"})
    assert bad.status_code == 400
    assert Refund.objects.get(pk=refund.pk).return_tracking_number == ""
    sent = client.post(
        f"/refunds/{refund.pk}/returned/", {"carrier": "sf", "tracking_number": "SF2234567890123"}
    )
    assert sent.status_code == 302
    client.force_login(walnut_owner)
    assert 'data-testid="return-tracking">SF SF2234567890123<' in html(client.get(shop_url))
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(shop_url, {"action": "received"})
    assert done.status_code == 302
    refund.refresh_from_db()
    assert (refund.status, refund.amount) == ("refunded", Decimal("89.80"))  # everything: 2 × 39.90 + 10.00
    assert SandboxRefund.objects.get().amount == Decimal("89.80")


def test_system_notes_follow_the_page_language(
    client, buyer, walnuts, gateway, django_capture_on_commit_callbacks
):
    order = paid_order(buyer, walnuts, quantity=2)
    with django_capture_on_commit_callbacks(execute=True):
        refund_request(order=order, buyer=buyer, reason="不要了")
    client.force_login(buyer)
    english = html(client.get(f"/orders/{order.pk}/?lang=en"))
    assert "money returned through the payment gateway" in english
    chinese = html(client.get(f"/orders/{order.pk}/?lang=zh-hans"))
    assert "已通过支付渠道退款" in chinese
    assert "money returned through the payment gateway" not in chinese
