"""Group-buy pages: the shop's offers in the seller centre, the offers and open groups on the product page,
starting and joining a group (address, quantity, idempotency key, off to the gateway), refusals that leave
nothing behind, and the group's state on the buyer's order page."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.models import Product, Sku
from gansu_mall.accounts.tests.factories import UserFactory
from orders.models import (
    Address,
    Group,
    GroupBuy,
    IdempotencyRecord,
    Order,
    OrderStatus,
    Payment,
)
from orders.services.addresses import AddressInput, address_create
from orders.services.group_buys import GroupBuyInput, group_buy_create, groups_expire
from orders.services.payments import payment_mark_paid

pytestmark = pytest.mark.django_db

GATEWAY = "/sandbox/alipay/gateway/"
NEW_ADDRESS = {
    "address": "new",
    "recipient": "王小明",
    "phone": "13800138000",
    "province_code": "620000",
    "county_code": "621221",
    "detail": "城关镇东大街 12 号",
    "save_address": "on",
}


def html(response) -> str:
    return response.content.decode()


def idempotency_key(page: str) -> str:
    match = re.search(r'name="idempotency_key" value="([^"]+)"', page)
    assert match, "the join form carries an idempotency key"
    return match.group(1)


@pytest.fixture
def offer(walnut_shop, walnuts):
    return group_buy_create(
        vendor=walnut_shop,
        data=GroupBuyInput(sku_id=walnuts.pk, group_price="29.90", group_size=2, duration_hours=24),
    )


def join(client, offer, group=None, quantity="1", **fields):
    """Open the join page as the signed-in buyer and submit it with a new address."""
    url = f"/group-buys/{offer.pk}/join/" + (f"?group={group.pk}" if group else "")
    page = html(client.get(url))
    data = {**NEW_ADDRESS, "quantity": quantity, "idempotency_key": idempotency_key(page), **fields}
    return client.post(url + ("&" if group else "?") + "lang=en", data), data, url


def pay(order_or_payment_id):
    payment_id = getattr(order_or_payment_id, "payment_id", order_or_payment_id)
    return payment_mark_paid(payment_id=payment_id, provider="alipay", trade_no=f"T{payment_id}")


def counts():
    return (
        Order.objects.count(),
        Payment.objects.count(),
        Group.objects.count(),
        IdempotencyRecord.objects.count(),
        Address.objects.count(),
    )


# --- Seller centre --------------------------------------------------------------------------------


def test_the_shop_offers_a_group_buy(client, walnut_owner, walnut_shop, walnuts):
    url = f"/seller/{walnut_shop.slug}/group-buys/"
    client.force_login(walnut_owner)
    assert f'href="{url}"' in html(client.get(f"/seller/{walnut_shop.slug}/"))
    page = html(client.get(url + "?lang=en"))
    assert "No group buys yet." in page
    assert f'<option value="{walnuts.pk}">成县核桃 (500 g) · ¥39.90</option>' in page

    bad = client.post(
        url + "?lang=en",
        {"sku": walnuts.pk, "group_price": "39.90", "group_size": "1", "duration_hours": "0"},
    )
    page = html(bad)
    assert bad.status_code == 400
    assert "Give a group price in fen, above zero and below the normal price 39.90." in page
    assert "A group has 2 to 50 members." in page
    assert "A group has 1 to 72 hours to fill." in page
    assert 'value="39.90"' in page  # what was typed stays
    three_decimals = client.post(
        url + "?lang=en",
        {"sku": walnuts.pk, "group_price": "29.901", "group_size": "2", "duration_hours": "x"},
    )
    assert three_decimals.status_code == 400
    assert GroupBuy.objects.count() == 0

    response = client.post(
        url + "?lang=en",
        {"sku": walnuts.pk, "group_price": "29.90", "group_size": "3", "duration_hours": "24"},
    )
    assert response.status_code == 302
    assert response["Location"] == url
    offer = GroupBuy.objects.get()
    assert (offer.vendor, offer.sku_id, offer.group_price, offer.group_size, offer.duration_hours) == (
        walnut_shop,
        walnuts.pk,
        Decimal("29.90"),
        3,
        24,
    )
    assert offer.active
    page = html(client.get(url + "?lang=en"))
    assert "Group buy offered: 成县核桃 (500 g) at ¥29.90 for groups of 3." in page
    assert page.count('data-testid="group-buy-row"') == 1
    assert 'data-testid="offer-group-price">29.90<' in page


def test_the_shop_sees_its_groups_by_state(client, walnut_owner, walnut_shop, offer, buyer, other_buyer):
    later = timezone.now() + timedelta(hours=24)
    Group.objects.create(group_buy=offer, leader=buyer, expires_at=later)
    Group.objects.create(group_buy=offer, leader=buyer, expires_at=later)
    Group.objects.create(group_buy=offer, leader=other_buyer, expires_at=later, status="filled")
    Group.objects.create(group_buy=offer, leader=other_buyer, expires_at=later, status="failed")
    client.force_login(walnut_owner)
    page = html(client.get(f"/seller/{walnut_shop.slug}/group-buys/?lang=en"))
    assert 'data-testid="groups-forming">2<' in page
    assert 'data-testid="groups-filled">1<' in page
    assert 'data-testid="groups-failed">1<' in page


def test_another_shop_and_buyers_find_no_group_buy_page(
    client, lily_owner, buyer, walnut_shop, walnuts, lilies
):
    url = f"/seller/{walnut_shop.slug}/group-buys/"
    body = {"sku": walnuts.pk, "group_price": "29.90", "group_size": "2", "duration_hours": "24"}
    for user in (lily_owner, buyer):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url, body).status_code == 404
    # Another shop's SKU is not among the choices.
    client.force_login(lily_owner)
    lily_url = f"/seller/{lilies.vendor.slug}/group-buys/"
    response = client.post(lily_url + "?lang=en", body)
    assert response.status_code == 400
    assert "Select a valid choice." in html(response)
    assert GroupBuy.objects.count() == 0


def test_seller_group_buys_queries_do_not_grow(
    client, walnut_owner, walnut_shop, walnuts, buyer, django_assert_max_num_queries
):
    from orders.tests.conftest import make_product

    def offer_for(sku):
        offer = group_buy_create(
            vendor=walnut_shop,
            data=GroupBuyInput(sku_id=sku.pk, group_price="9.90", group_size=2, duration_hours=24),
        )
        Group.objects.create(group_buy=offer, leader=buyer, expires_at=timezone.now() + timedelta(hours=1))

    offer_for(walnuts)
    url = f"/seller/{walnut_shop.slug}/group-buys/"
    client.force_login(walnut_owner)
    with django_assert_max_num_queries(20) as one:
        assert client.get(url).status_code == 200
    first_count = len(one.captured_queries)
    for n in range(8):
        offer_for(make_product(walnut_shop, name=f"核桃{n}", code=f"HT-{n}", price="19.90", stock=5))
    with django_assert_max_num_queries(first_count):
        page = html(client.get(url))
    assert page.count('data-testid="group-buy-row"') == 9


# --- Product page ---------------------------------------------------------------------------------


def test_product_page_shows_offers_and_open_groups(client, offer, walnuts, buyer, other_buyer):
    url = f"/products/{walnuts.product_id}/?lang=en"
    page = html(client.get(url))
    assert 'data-testid="group-price">¥29.90 in a group<' in page
    assert "instead of ¥39.90" in page
    assert "Groups of 2 buyers." in page
    assert "A group has 24 hours to fill." in page
    assert f'href="/group-buys/{offer.pk}/join/" class="button-primary" data-testid="start-group"' in page
    assert 'data-testid="open-group"' not in page

    forming = Group.objects.create(
        group_buy=offer, leader=buyer, expires_at=timezone.now() + timedelta(hours=5, minutes=30)
    )
    expired = Group.objects.create(
        group_buy=offer, leader=buyer, expires_at=timezone.now() - timedelta(minutes=1)
    )
    filled = Group.objects.create(
        group_buy=offer, leader=buyer, expires_at=timezone.now() + timedelta(hours=3), status="filled"
    )
    page = html(client.get(url))
    assert page.count('data-testid="open-group"') == 1
    assert f"/group-buys/{offer.pk}/join/?group={forming.pk}" in page
    assert f"?group={expired.pk}" not in page
    assert f"?group={filled.pk}" not in page
    assert 'data-testid="group-members">0 / 2<' in page
    assert "5\xa0hours, 29\xa0minutes" in page or "5\xa0hours, 30\xa0minutes" in page
    assert "(2 places left)" in page
    # The leader sees their own group marked, without a join button.
    client.force_login(buyer)
    page = html(client.get(url))
    assert "your group" in page
    assert f"?group={forming.pk}" not in page
    client.force_login(other_buyer)
    assert f"?group={forming.pk}" in html(client.get(url))
    # An ended offer, or one of a product taken off sale, is not shown.
    GroupBuy.objects.filter(pk=offer.pk).update(active=False)
    assert 'data-testid="group-buys"' not in html(client.get(url))


# --- Starting and joining -------------------------------------------------------------------------


def test_start_join_fill_with_exact_amounts(client, offer, walnuts, buyer, other_buyer):
    start_url = f"/group-buys/{offer.pk}/join/"
    assert client.get(start_url)["Location"] == f"/accounts/login/?next={start_url}"
    client.force_login(buyer)
    page = html(client.get(start_url + "?lang=en"))
    assert 'data-testid="group-price">¥29.90<' in page
    assert "instead of ¥39.90: you save ¥10.00 on each" in page
    assert 'name="recipient"' in page
    assert 'name="county_code"' in page
    assert '<input type="hidden" name="address" value="new">' in page  # no saved address yet

    response, data, _url = join(client, offer)
    assert response.status_code == 302
    assert GATEWAY in response["Location"]
    order = Order.objects.get()
    group = Group.objects.get()
    assert (group.leader, group.group_buy, group.status) == (buyer, offer, "forming")
    assert (order.group, order.status, order.items_total, order.shipping_fee, order.total) == (
        group,
        OrderStatus.PENDING_PAYMENT,
        Decimal("29.90"),
        Decimal("10.00"),
        Decimal("39.90"),
    )
    item = order.items.get()
    assert (item.unit_price, item.quantity, item.sku_id) == (Decimal("29.90"), 1, walnuts.pk)
    assert (order.recipient, order.county_code, order.city_code) == ("王小明", "621221", "621200")
    saved = Address.objects.get(user=buyer)
    assert (saved.detail, saved.is_default) == ("城关镇东大街 12 号", True)
    assert Sku.objects.get(pk=walnuts.pk).reserved == 1

    # The same page submitted again: the same payment, nothing more.
    again = client.post(start_url, data)
    assert GATEWAY in again["Location"]
    assert order.payment.number in again["Location"]
    assert counts() == (1, 1, 1, 1, 1)

    pay(order)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.AWAITING_GROUP
    page = html(client.get(f"/orders/{order.pk}/?lang=en"))
    assert 'data-testid="group-status">forming<' in page
    assert 'data-testid="group-paid">1 / 2<' in page
    assert 'data-testid="group-time-left">23\xa0hours, 59\xa0minutes<' in page

    # The second buyer joins from the product page with a saved address and two of them.
    saved_b = address_create(
        user=other_buyer,
        data=AddressInput(
            recipient="李雷", phone="13912345678", province_code="110000", detail="海淀区 1 号"
        ),
    )
    client.force_login(other_buyer)
    product_page = html(client.get(f"/products/{walnuts.product_id}/?lang=en"))
    join_url = f"/group-buys/{offer.pk}/join/?group={group.pk}"
    assert join_url in product_page
    page = html(client.get(join_url + "&lang=en"))
    assert 'data-testid="group-members">1 / 2<' in page
    assert re.search(rf'value="{saved_b.pk}"[^>]*checked', page)
    response = client.post(
        join_url,
        {"address": str(saved_b.pk), "quantity": "2", "idempotency_key": idempotency_key(page)},
    )
    assert GATEWAY in response["Location"]
    member = Order.objects.get(buyer=other_buyer)
    assert (member.group_id, member.items_total, member.total, member.province_code) == (
        group.pk,
        Decimal("59.80"),
        Decimal("69.80"),
        "110000",
    )
    assert Address.objects.filter(user=other_buyer).count() == 1
    pay(member)
    group.refresh_from_db()
    assert group.status == "filled"
    assert sorted(Order.objects.values_list("status", flat=True)) == ["paid", "paid"]
    page = html(client.get(f"/orders/{member.pk}/?lang=en"))
    assert 'data-testid="group-status">filled<' in page
    assert 'data-testid="group-paid">2 / 2<' in page
    assert "group-time-left" not in page
    assert "The group is complete: the order goes to the shop." in page
    assert f"?group={group.pk}" not in html(client.get(f"/products/{walnuts.product_id}/"))
    sku = Sku.objects.get(pk=walnuts.pk)
    assert (sku.stock, sku.reserved) == (7, 0)


def test_refusals_are_shown_and_create_nothing(client, offer, walnuts, buyer, other_buyer):
    client.force_login(buyer)
    join(client, offer)
    group = Group.objects.get()

    # The leader cannot join their own group: the page says so, and a submission is refused.
    page = html(client.get(f"/group-buys/{offer.pk}/join/?group={group.pk}&lang=en"))
    assert "You are in this group already." in page
    assert 'data-testid="join-form"' not in page
    before = counts()
    response = client.post(
        f"/group-buys/{offer.pk}/join/?group={group.pk}&lang=en",
        {**NEW_ADDRESS, "quantity": "1", "idempotency_key": "leader-again"},
    )
    assert response.status_code == 409
    assert "You are in this group already. Nothing was ordered." in html(response)
    assert counts() == before

    # A full group (both places held, not yet paid) takes nobody else; the page says so.
    client.force_login(other_buyer)
    page = html(client.get(f"/group-buys/{offer.pk}/join/?group={group.pk}&lang=en"))
    key = idempotency_key(page)
    third = UserFactory(username="third")
    client.force_login(third)
    first_key = idempotency_key(html(client.get(f"/group-buys/{offer.pk}/join/?group={group.pk}")))
    client.force_login(other_buyer)
    response = client.post(
        f"/group-buys/{offer.pk}/join/?group={group.pk}",
        {**NEW_ADDRESS, "quantity": "1", "idempotency_key": key},
    )
    assert GATEWAY in response["Location"]
    before = counts()
    client.force_login(third)
    response = client.post(
        f"/group-buys/{offer.pk}/join/?group={group.pk}&lang=en",
        {**NEW_ADDRESS, "quantity": "1", "idempotency_key": first_key},
    )
    page = html(response)
    assert response.status_code == 409
    assert re.search(r'data-testid="group-refusal">\s*<p>\s*This group is full. Nothing was ordered.', page)
    assert f'href="/group-buys/{offer.pk}/join/">Start a new group instead<' in page
    assert counts() == before
    assert "This group is full." in html(client.get(f"/group-buys/{offer.pk}/join/?group={group.pk}&lang=en"))

    # A group whose time ran out is closed (the page opened before that is refused on submission).
    Group.objects.filter(pk=group.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert "This group has closed." in html(
        client.get(f"/group-buys/{offer.pk}/join/?group={group.pk}&lang=en")
    )
    groups_expire()
    before = counts()
    response = client.post(
        f"/group-buys/{offer.pk}/join/?group={group.pk}&lang=en",
        {**NEW_ADDRESS, "quantity": "1", "idempotency_key": first_key},
    )
    assert response.status_code == 409
    assert "This group has closed. Nothing was ordered." in html(response)
    assert counts() == before

    # Out of stock: no group is started, no order placed, nothing held.
    Sku.objects.filter(pk=walnuts.pk).update(stock=0)
    before = counts()
    response, _data, _url = join(client, offer)
    assert response.status_code == 409
    assert "Not enough in stock" in html(response)
    assert counts() == before
    assert Sku.objects.get(pk=walnuts.pk).reserved == 0

    # An offer taken off sale: the page says so, and a page opened before is refused on submission.
    Sku.objects.filter(pk=walnuts.pk).update(stock=10)
    open_page = html(client.get(f"/group-buys/{offer.pk}/join/"))
    GroupBuy.objects.filter(pk=offer.pk).update(active=False)
    page = html(client.get(f"/group-buys/{offer.pk}/join/?lang=en"))
    assert "This group buy has ended." in page
    assert 'data-testid="join-form"' not in page
    response = client.post(
        f"/group-buys/{offer.pk}/join/?lang=en",
        {**NEW_ADDRESS, "quantity": "1", "idempotency_key": idempotency_key(open_page)},
    )
    assert response.status_code == 409
    assert "This group buy has ended. Nothing was ordered." in html(response)
    assert counts() == before


def test_join_errors_show_on_the_fields(client, offer, buyer):
    client.force_login(buyer)
    response, data, url = join(client, offer, phone="12345", county_code="")
    page = html(response)
    assert response.status_code == 400
    assert "Enter a mainland China mobile number: 11 digits starting with 13–19." in page
    assert "Choose a county of Gansu (a six-digit code such as 621221)." in page
    assert f'value="{data["idempotency_key"]}"' in page  # the same page, the same key
    assert counts() == (0, 0, 0, 0, 0)
    for quantity, message in (
        ("0", "Give a whole number above zero."),
        ("two", "Give a whole number above zero."),
    ):
        response = client.post(
            url + "?lang=en", {**data, "phone": "13800138000", "county_code": "621221", "quantity": quantity}
        )
        assert response.status_code == 400
        assert re.search(
            rf'name="quantity"[^>]*>\s*<p class="field-error" role="alert">{message}</p>', html(response)
        )
    assert counts() == (0, 0, 0, 0, 0)


def test_unknown_groups_and_offers_are_not_found(client, offer, buyer, walnut_shop, lilies, lily_shop):
    other = group_buy_create(
        vendor=lily_shop,
        data=GroupBuyInput(sku_id=lilies.pk, group_price="50.00", group_size=2, duration_hours=2),
    )
    elsewhere = Group.objects.create(
        group_buy=other, leader=buyer, expires_at=timezone.now() + timedelta(hours=1)
    )
    client.force_login(buyer)
    assert client.get(f"/group-buys/{offer.pk}/join/?group={elsewhere.pk}").status_code == 404
    assert client.post(f"/group-buys/{offer.pk}/join/?group={elsewhere.pk}", NEW_ADDRESS).status_code == 404
    assert client.get(f"/group-buys/{offer.pk}/join/?group=x").status_code == 404
    assert client.get("/group-buys/999999/join/").status_code == 404
    Product.objects.filter(pk=lilies.product_id).update(status="inactive")
    assert "This group buy has ended." in html(client.get(f"/group-buys/{other.pk}/join/?lang=en"))


def test_a_failed_group_shows_on_the_order_page(client, offer, buyer):
    client.force_login(buyer)
    join(client, offer)
    order = Order.objects.get()
    groups_expire(now=timezone.now() + timedelta(hours=25))
    page = html(client.get(f"/orders/{order.pk}/?lang=en"))
    assert 'data-testid="group-status">not filled in time<' in page
    assert 'data-testid="group-paid">0 / 2<' in page
    assert "The group did not fill in time: the order is cancelled and any payment refunded." in page


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_group_buy_pages_render_in_both_languages(
    client, offer, walnuts, walnut_owner, walnut_shop, buyer, lang
):
    marker = '<html lang="en">' if lang == "en" else '<html lang="zh-Hans">'
    client.force_login(buyer)
    join(client, offer)
    group = Group.objects.get()
    order = Order.objects.get()
    for url in (
        f"/products/{walnuts.product_id}/",
        f"/group-buys/{offer.pk}/join/",
        f"/group-buys/{offer.pk}/join/?group={group.pk}",
        f"/orders/{order.pk}/",
    ):
        response = client.get(url + ("&" if "?" in url else "?") + f"lang={lang}")
        assert response.status_code == 200, url
        assert marker in html(response), url
    client.force_login(walnut_owner)
    for url in (f"/seller/{walnut_shop.slug}/group-buys/", f"/seller/{walnut_shop.slug}/orders/{order.pk}/"):
        response = client.get(f"{url}?lang={lang}")
        assert response.status_code == 200, url
        assert marker in html(response), url


def test_the_seller_ends_an_offer_on_the_page(client, walnut_owner, lily_owner, walnuts):
    from orders.models import GroupBuy
    from orders.services.group_buys import GroupBuyInput, group_buy_create

    offer = group_buy_create(
        vendor=walnuts.vendor,
        data=GroupBuyInput(sku_id=walnuts.pk, group_price="29.90", group_size=2, duration_hours=24),
    )
    url = f"/seller/{walnuts.vendor.slug}/group-buys/"
    client.force_login(lily_owner)
    assert client.post(url, {"action": "end", "offer": offer.pk}).status_code == 404
    assert GroupBuy.objects.get(pk=offer.pk).active is True
    client.force_login(walnut_owner)
    assert 'data-testid="end-offer"' in client.get(url).content.decode()
    ended = client.post(url, {"action": "end", "offer": offer.pk})
    assert ended.status_code == 302
    assert GroupBuy.objects.get(pk=offer.pk).active is False
    assert 'data-testid="end-offer"' not in client.get(url).content.decode()
