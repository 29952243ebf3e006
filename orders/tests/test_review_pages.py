"""The review pages: the buyer reviews delivered items on the order page, the shop replies on its order page,
the product page lists the reviews (paginated, buyers masked), search cards and the shop page show ratings."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from catalog.models import Product
from gansu_mall.accounts.tests.factories import UserFactory
from orders.models import Order, OrderStatus, Review, ReviewPhoto
from orders.services.addresses import AddressInput
from orders.services.checkout import CheckoutLine, checkout
from orders.services.orders import order_confirm_receipt, order_ship, order_transition
from orders.services.payments import payment_mark_paid
from vendors.models import Vendor
from vendors.tests.factories import jpeg

pytestmark = pytest.mark.django_db

ADDRESS = AddressInput(
    recipient="王小明",
    phone="13800138000",
    province_code="620000",
    county_code="621221",
    detail="城关镇 1 号",
)


def html(response) -> str:
    return response.content.decode()


def placed(buyer, sku, quantity=1, key="k"):
    result = checkout(
        buyer=buyer,
        address=ADDRESS,
        lines=[CheckoutLine(sku_id=sku.pk, quantity=quantity)],
        note="",
        idempotency_key=key,
        fingerprint=key,
    )
    return result.orders[0]


def paid(buyer, sku, quantity=1, key="k"):
    order = placed(buyer, sku, quantity, key)
    payment_mark_paid(payment_id=order.payment_id, provider="alipay", trade_no=f"T-{key}")
    return Order.objects.get(pk=order.pk)


def completed(buyer, sku, owner, quantity=1, key="k"):
    order = paid(buyer, sku, quantity, key)
    order_ship(order=order, actor=owner, carrier="sf", tracking_number=f"SF{order.pk:013d}")
    order_confirm_receipt(order=order, actor=buyer)
    return Order.objects.get(pk=order.pk)


def delivered(buyer, sku, owner, key="k"):
    order = paid(buyer, sku, 1, key)
    order_ship(order=order, actor=owner, carrier="sf", tracking_number=f"SF{order.pk:013d}")
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        order_transition(order=locked, to=OrderStatus.DELIVERED, actor=None)
    return Order.objects.get(pk=order.pk)


def review_url(order) -> str:
    return f"/orders/{order.pk}/items/{order.items.get().pk}/review/"


def fake_image():
    return SimpleUploadedFile("fake.jpg", b"<?php echo 1; ?>", content_type="image/jpeg")


def stored_review_files(settings) -> list:
    root = settings.MEDIA_ROOT / "reviews"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- The buyer ------------------------------------------------------------------------------------


def test_buyer_reviews_a_delivered_item_with_photos(client, buyer, walnut_owner, walnuts, settings):
    pending = placed(buyer, walnuts, key="p")
    order = completed(buyer, walnuts, walnut_owner, quantity=2, key="c")
    client.force_login(buyer)
    assert 'data-testid="review-form"' not in html(client.get(f"/orders/{pending.pk}/?lang=en"))
    assert client.get(review_url(pending))["Location"] == f"/orders/{pending.pk}/#reviews"

    page = html(client.get(f"/orders/{order.pk}/?lang=en"))
    assert page.count('data-testid="review-form"') == 1
    assert f'action="{review_url(order)}"' in page
    assert 'enctype="multipart/form-data"' in page
    assert page.count('type="radio" name="rating"') == 5
    assert "1 star</label>" in page
    assert "5 stars</label>" in page
    assert 'name="photos"' in page
    assert "multiple" in re.search(r'<input[^>]*name="photos"[^>]*>', page).group(0)

    response = client.post(
        review_url(order) + "?lang=en",
        {"rating": "4", "comment": "壳薄仁香", "photos": [jpeg("a.jpg"), jpeg("b.jpg", (80, 80))]},
    )
    item = order.items.get()
    assert response.status_code == 302
    assert response["Location"] == f"/orders/{order.pk}/#review-{item.pk}"
    review = Review.objects.get()
    assert (review.order_item_id, review.rating, review.comment, review.buyer_id) == (
        item.pk,
        4,
        "壳薄仁香",
        buyer.pk,
    )
    assert review.photos.count() == 2
    product = Product.objects.get(pk=walnuts.product_id)
    assert (product.rating, product.rating_count) == (Decimal("4.00"), 1)
    assert (Vendor.objects.get(pk=walnuts.vendor_id).rating, product.vendor.rating_count) == (
        Decimal("4.00"),
        1,
    )

    page = html(client.get(f"/orders/{order.pk}/?lang=en"))
    assert "Thank you for your review." in page
    assert 'data-testid="review-form"' not in page
    assert 'data-testid="review-stars">★★★★☆<' in page
    assert "4 of 5 stars" in page
    assert 'data-testid="review-comment">壳薄仁香<' in page
    assert page.count('data-testid="review-photo"') == 2
    for photo in review.photos.all():
        assert f'src="{photo.image.url}"' in page

    # A second review of the same item is refused; the first stays as it was.
    again = client.post(review_url(order) + "?lang=en", {"rating": "1", "comment": "改评"})
    assert again.status_code == 409
    assert "This item has been reviewed already." in html(again)
    assert (Review.objects.count(), Review.objects.get().rating, ReviewPhoto.objects.count()) == (1, 4, 2)
    assert client.get(review_url(order))["Location"] == f"/orders/{order.pk}/#reviews"


def test_a_delivered_order_is_reviewable_too(client, buyer, walnut_owner, walnuts):
    order = delivered(buyer, walnuts, walnut_owner)
    assert order.status == OrderStatus.DELIVERED
    client.force_login(buyer)
    page = html(client.get(f"/orders/{order.pk}/?lang=en"))
    assert 'data-testid="review-form"' in page
    assert 'data-testid="confirm-receipt"' in page
    response = client.post(review_url(order), {"rating": "5"})
    assert response.status_code == 302
    assert (Review.objects.get().rating, Review.objects.get().comment) == (5, "")


def test_refused_reviews_show_errors_and_store_nothing(client, buyer, walnut_owner, walnuts, settings):
    order = completed(buyer, walnuts, walnut_owner)
    client.force_login(buyer)
    url = review_url(order) + "?lang=en"

    no_rating = client.post(url, {"comment": "还行"})
    page = html(no_rating)
    assert no_rating.status_code == 400
    assert re.search(
        r'<fieldset class="choice-list has-error">.*Give a rating from 1 to 5\.</p>\s*</fieldset>', page, re.S
    )
    assert "还行</textarea>" in page  # what was typed stays

    assert client.post(url, {"rating": "6"}).status_code == 400
    assert client.post(url, {"rating": "五"}).status_code == 400

    long = client.post(url, {"rating": "3", "comment": "好" * 2001})
    assert long.status_code == 400
    assert "At most 2000 characters." in html(long)

    fake = client.post(url, {"rating": "4", "photos": [jpeg("a.jpg"), fake_image()]})
    assert fake.status_code == 400
    assert re.search(
        r'name="photos"[^>]*>\s*<p class="help"[^>]*>[^<]*</p>\s*<p class="field-error"', html(fake)
    )
    assert "Upload a JPEG, PNG or WebP image." in html(fake)

    seven = client.post(url, {"rating": "4", "photos": [jpeg(f"{n}.jpg") for n in range(7)]})
    assert seven.status_code == 400
    assert "At most 6 photos." in html(seven)

    assert (Review.objects.count(), ReviewPhoto.objects.count()) == (0, 0)
    assert stored_review_files(settings) == []
    product = Product.objects.get(pk=walnuts.product_id)
    assert (product.rating, product.rating_count) == (None, 0)


def test_an_undelivered_item_cannot_be_reviewed(client, buyer, walnuts):
    order = paid(buyer, walnuts)
    client.force_login(buyer)
    response = client.post(review_url(order) + "?lang=en", {"rating": "5", "photos": [jpeg("a.jpg")]})
    assert response.status_code == 409
    assert "Items can be reviewed once they are delivered." in html(response)
    assert (Review.objects.count(), ReviewPhoto.objects.count()) == (0, 0)


def test_another_buyers_item_is_not_found(
    client, buyer, other_buyer, walnut_owner, walnuts, lilies, lily_owner
):
    order = completed(buyer, walnuts, walnut_owner, key="a")
    theirs = completed(other_buyer, lilies, lily_owner, key="b")
    client.force_login(other_buyer)
    assert client.get(review_url(order)).status_code == 404
    assert client.post(review_url(order), {"rating": "1"}).status_code == 404
    # An item of the buyer's own order under another order's number: not found either.
    mixed = f"/orders/{theirs.pk}/items/{order.items.get().pk}/review/"
    assert client.post(mixed, {"rating": "1"}).status_code == 404
    client.logout()
    assert client.post(review_url(order), {"rating": "1"})["Location"].startswith("/accounts/login/")
    assert Review.objects.count() == 0


# --- The shop -------------------------------------------------------------------------------------


@pytest.fixture
def review(buyer, walnut_owner, walnuts):
    from orders.services.reviews import review_create

    order = completed(buyer, walnuts, walnut_owner)
    return review_create(
        buyer=buyer, order_item_id=order.items.get().pk, rating=5, comment="很香", photos=[jpeg("a.jpg")]
    )


def test_the_shop_replies_on_its_order_page(client, walnut_owner, walnuts, review):
    slug = walnuts.vendor.slug
    order = review.order_item.order
    client.force_login(walnut_owner)
    page = html(client.get(f"/seller/{slug}/orders/{order.pk}/?lang=en"))
    assert 'data-testid="review-stars">★★★★★<' in page
    assert 'data-testid="review-comment">很香<' in page
    reply_url = f"/seller/{slug}/reviews/{review.pk}/reply/"
    assert f'action="{reply_url}"' in page
    assert 'data-testid="review-form"' not in page

    empty = client.post(reply_url + "?lang=en", {"reply": "  "})
    assert empty.status_code == 400
    assert "Write a reply of at most 2000 characters." in html(empty)
    assert Review.objects.get().reply == ""

    response = client.post(reply_url + "?lang=en", {"reply": "谢谢惠顾"})
    assert response.status_code == 302
    assert response["Location"] == f"/seller/{slug}/orders/{order.pk}/#review-{review.order_item_id}"
    replied = Review.objects.get()
    assert (replied.reply, replied.replied_at is not None) == ("谢谢惠顾", True)
    page = html(client.get(f"/seller/{slug}/orders/{order.pk}/?lang=en"))
    assert "Your reply is published." in page
    assert "Change the reply" in page
    assert "谢谢惠顾</textarea>" in page
    product_page = html(client.get(f"/products/{walnuts.product_id}/?lang=en"))
    assert re.search(r'data-testid="review-reply">.*The shop replies:</strong> 谢谢惠顾', product_page, re.S)


def test_another_shop_cannot_reply(client, buyer, lily_owner, lilies, walnuts, review):
    walnut_slug, lily_slug = walnuts.vendor.slug, lilies.vendor.slug
    for user in (lily_owner, buyer):
        client.force_login(user)
        for slug in (walnut_slug, lily_slug):
            url = f"/seller/{slug}/reviews/{review.pk}/reply/"
            assert client.post(url, {"reply": "差评删除"}).status_code == 404
            assert client.get(url).status_code == 404
    assert Review.objects.get().reply == ""


# --- Product page, search, shop -------------------------------------------------------------------

NAMES = [
    "alice",
    "bob",
    "carol",
    "dave",
    "erin",
    "frank",
    "grace",
    "heidi",
    "ivan",
    "judy",
    "mallory",
    "oscar",
]


def reviews_by(names, sku, owner, rating=lambda n: 5 - n % 2, photos=True):
    from orders.services.reviews import review_create

    made = []
    for n, name in enumerate(names):
        user = UserFactory(username=name)
        order = completed(user, sku, owner, key=name)
        made.append(
            review_create(
                buyer=user,
                order_item_id=order.items.get().pk,
                rating=rating(n),
                comment=f"第{n + 1}条",
                photos=[jpeg(f"{name}.jpg")] if photos else [],
            )
        )
    return made


def test_product_page_lists_reviews_newest_first_10_a_page(client, walnut_owner, walnuts):
    from catalog.models import Sku

    Sku.objects.filter(pk=walnuts.pk).update(stock=50)
    reviews_by(NAMES, walnuts, walnut_owner)  # ratings 5, 4, 5, 4, … → 4.50 from 12
    url = f"/products/{walnuts.product_id}/?lang=en"
    page = html(client.get(url))
    assert "★ 4.50 (12)" in page
    assert "Rated 4.50 of 5 from 12 reviews" in page
    assert page.count('data-testid="product-review"') == 10
    buyers = re.findall(r'data-testid="review-buyer">([^<]+)<', page)
    assert buyers == ["o**", "m**", "j**", "i**", "h**", "g**", "f**", "e**", "d**", "c**"]
    comments = re.findall(r'data-testid="review-comment">([^<]+)<', page)
    assert comments[:2] == ["第12条", "第11条"]
    assert page.count('data-testid="review-photo"') == 10
    assert "alice" not in page
    assert "oscar" not in page
    assert 'href="?reviews_page=2#reviews"' in page
    assert "1 / 2" in page
    second = html(client.get(url + "&reviews_page=2"))
    assert re.findall(r'data-testid="review-buyer">([^<]+)<', second) == ["b**", "a**"]
    assert 'href="?reviews_page=1#reviews"' in second
    assert "500 g" in second  # the spec bought
    # A page number out of range shows the last page; nonsense shows the first.
    assert html(client.get(url + "&reviews_page=99")).count('data-testid="product-review"') == 2
    assert html(client.get(url + "&reviews_page=x")).count('data-testid="product-review"') == 10


def test_product_page_without_reviews(client, walnuts):
    page = html(client.get(f"/products/{walnuts.product_id}/?lang=en"))
    assert 'data-testid="no-reviews"' in page
    assert "★" not in page


def test_product_page_queries_do_not_grow_with_reviews(
    client, walnut_owner, walnuts, django_assert_max_num_queries
):
    from catalog.models import Sku

    Sku.objects.filter(pk=walnuts.pk).update(stock=50)
    reviews_by(NAMES[:1], walnuts, walnut_owner)
    url = f"/products/{walnuts.product_id}/"
    with django_assert_max_num_queries(20) as one:
        assert client.get(url).status_code == 200
    first_count = len(one.captured_queries)
    reviews_by(NAMES[1:], walnuts, walnut_owner)
    with django_assert_max_num_queries(first_count):
        page = html(client.get(url))
    assert page.count('data-testid="review-photo"') == 10


def test_search_cards_and_shop_page_show_ratings(client, walnut_owner, walnuts, lilies):
    reviews_by(["alice", "bob"], walnuts, walnut_owner, rating=lambda n: 4 + n, photos=False)  # 4 and 5
    search = html(client.get("/search/?q=核桃&lang=en"))
    assert "★ 4.50 (2)" in search
    assert "Rated 4.50 of 5 from 2 reviews" in search
    lily_search = html(client.get("/search/?q=百合&lang=en"))
    assert "兰州百合" in lily_search
    assert "★" not in lily_search  # not rated: nothing shown
    shop = html(client.get(f"/shops/{walnuts.vendor.slug}/?lang=en"))
    assert shop.count("★ 4.50 (2)") == 2  # the shop's rating and its product's card
    assert "★" not in html(client.get(f"/shops/{lilies.vendor.slug}/?lang=en"))


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_review_pages_render_in_both_languages(client, buyer, walnut_owner, walnuts, review, lang):
    marker = '<html lang="en">' if lang == "en" else '<html lang="zh-Hans">'
    order = review.order_item.order
    second = completed(buyer, walnuts, walnut_owner, key="second")
    client.force_login(buyer)
    for url in (f"/orders/{order.pk}/", review_url(second), f"/products/{walnuts.product_id}/"):
        response = client.get(f"{url}?lang={lang}")
        assert response.status_code == 200, url
        assert marker in html(response), url
    refused = client.post(f"{review_url(second)}?lang={lang}", {"rating": ""})
    assert (refused.status_code, marker in html(refused)) == (400, True)
    client.force_login(walnut_owner)
    slug = walnuts.vendor.slug
    for url in (f"/seller/{slug}/orders/{order.pk}/", f"/seller/{slug}/reviews/{review.pk}/reply/"):
        response = client.get(f"{url}?lang={lang}")
        assert response.status_code == 200, url
        assert marker in html(response), url
