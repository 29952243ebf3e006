"""The order of a product's photos: the seller reorders them (the first is the cover); no one else can."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from catalog import services
from catalog.images import product_image_add, product_image_move, product_images_reorder
from catalog.models import ProductImage
from gansu_mall.core.errors import ApplicationError

pytestmark = pytest.mark.django_db

NOT_ALL = "List every photo of this product exactly once."


@pytest.fixture(autouse=True)
def _english_messages():
    with translation.override("en"):
        yield


def photo(colour=(150, 110, 60)):
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(buffer, format="JPEG")
    return SimpleUploadedFile("photo.jpg", buffer.getvalue(), content_type="image/jpeg")


def make_product(shop, code="A"):
    return services.product_create(
        vendor=shop,
        data=services.ProductInput(
            name="成县核桃",
            category="walnuts",
            origin_county_code="621221",
            status="active",
            skus=[services.SkuInput(code=code, spec="500 g", price="39.90", stock=3, weight_grams=520)],
        ),
    )


@pytest.fixture
def product(shop):
    return make_product(shop)


@pytest.fixture
def photos(product):
    """Three photos, uploaded in order: positions 0, 1, 2."""
    return [product_image_add(product=product, upload=photo((i * 60, 100, 100))).pk for i in range(3)]


def order_of(product) -> list[tuple[int, int]]:
    return list(
        ProductImage.objects.filter(product=product).order_by("position", "id").values_list("pk", "position")
    )


# --- Services -------------------------------------------------------------------------------------


def test_reorder_rewrites_positions(product, photos):
    a, b, c = photos
    assert order_of(product) == [(a, 0), (b, 1), (c, 2)]
    result = product_images_reorder(product=product, image_ids=[c, a, b])
    assert [(image.pk, image.position) for image in result] == [(c, 0), (a, 1), (b, 2)]
    assert order_of(product) == [(c, 0), (a, 1), (b, 2)]


def test_reorder_closes_gaps_left_by_deletions(product, photos):
    from catalog.images import product_image_delete

    a, b, c = photos
    product_image_delete(image=ProductImage.objects.get(pk=b))
    product_images_reorder(product=product, image_ids=[a, c])
    assert order_of(product) == [(a, 0), (c, 1)]


def test_reorder_needs_exactly_the_products_photos(product, photos, shop):
    a, b, c = photos
    other = product_image_add(product=make_product(shop, "B"), upload=photo()).pk
    before = order_of(product)
    for wrong in (
        [a, b],
        [a, b, c, c],
        [a, b, c, other],
        [c, b, other],
        [],
        [a, b, str(c)],
        [a, b, True],
        None,
    ):
        with pytest.raises(ApplicationError) as refused:
            product_images_reorder(product=product, image_ids=wrong)
        assert (refused.value.code, refused.value.fields) == ("validation_error", {"images": [NOT_ALL]})
        assert str(refused.value.message) == NOT_ALL
    assert order_of(product) == before


def test_a_product_without_photos_takes_the_empty_order(product):
    assert product_images_reorder(product=product, image_ids=[]) == []


def test_move_earlier_later_and_to_the_cover(product, photos):
    a, b, c = photos
    product_image_move(product=product, image_id=c, step=-1)
    assert order_of(product) == [(a, 0), (c, 1), (b, 2)]
    product_image_move(product=product, image_id=a, step=-1)  # already first
    assert order_of(product) == [(a, 0), (c, 1), (b, 2)]
    product_image_move(product=product, image_id=b, step=1)  # already last
    assert order_of(product) == [(a, 0), (c, 1), (b, 2)]
    product_image_move(product=product, image_id=b, step=-12)
    assert order_of(product) == [(b, 0), (a, 1), (c, 2)]
    product_image_move(product=product, image_id=b, step=1)
    assert order_of(product) == [(a, 0), (b, 1), (c, 2)]
    with pytest.raises(ApplicationError) as refused:
        product_image_move(product=product, image_id=999999, step=1)
    assert refused.value.fields == {"image": ["This photo is not one of the product's."]}
    assert order_of(product) == [(a, 0), (b, 1), (c, 2)]


# --- API ------------------------------------------------------------------------------------------


def test_owner_reorders_through_the_api(client_for, owner, product, photos, api_client):
    a, b, c = photos
    response = client_for(owner).post(
        f"/api/v1/products/{product.pk}/images/order/", {"images": [b, c, a]}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert [(item["id"], item["position"]) for item in body] == [(b, 0), (c, 1), (a, 2)]
    assert set(body[0]) == {"id", "url", "thumbnail_url", "large_url", "position"}
    detail = api_client.get(f"/api/v1/products/{product.pk}/").json()
    assert [item["id"] for item in detail["images"]] == [b, c, a]
    cover = ProductImage.objects.get(pk=b)
    assert detail["thumbnail_url"] == (cover.thumb_small or cover.image).url


def test_api_refuses_a_wrong_list_and_changes_nothing(client_for, owner, product, photos):
    a, b, c = photos
    before = order_of(product)
    client = client_for(owner)
    url = f"/api/v1/products/{product.pk}/images/order/?lang=en"
    response = client.post(url, {"images": [a, b]}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "code": "validation_error",
        "message": NOT_ALL,
        "fields": {"images": [NOT_ALL]},
    }
    not_a_list = client.post(url, {"images": "1,2,3"}, format="json")
    assert not_a_list.status_code == 400
    assert not_a_list.json() == {
        "code": "validation_error",
        "message": "The request is not valid; see the fields.",
        "fields": {"images": ['Expected a list of items but got type "str".']},
    }
    missing = client.post(url, {}, format="json")
    assert missing.json()["fields"] == {"images": ["This field is required."]}
    assert order_of(product) == before


def test_only_the_shops_staff_reorder(api_client, client_for, product, photos, other_shop, user_factory):
    a, b, c = photos
    before = order_of(product)
    url = f"/api/v1/products/{product.pk}/images/order/?lang=en"
    anonymous = api_client.post(url, {"images": [c, b, a]}, format="json")
    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "not_authenticated"
    other_owner = other_shop.memberships.get().user
    bureau_staff = user_factory(username="bureau_2", roles=["bureau"])
    for outsider in (other_owner, bureau_staff, user_factory(username="stranger")):
        response = client_for(outsider).post(url, {"images": [c, b, a]}, format="json")
        assert response.status_code == 404
        assert response.json() == {"code": "not_found", "message": "Not found."}
        # The same answer for a product that does not exist: nothing leaks.
        missing = client_for(outsider).post(
            "/api/v1/products/999999/images/order/?lang=en", {"images": []}, format="json"
        )
        assert (missing.status_code, missing.json()) == (404, response.json())
    assert order_of(product) == before


# --- Seller page ----------------------------------------------------------------------------------


def test_seller_moves_photos_on_the_product_page(client, owner, product, photos, shop):
    a, b, c = photos
    client.force_login(owner)
    url = f"/seller/{shop.slug}/products/{product.pk}/"
    html = client.get(url + "?lang=en").content.decode()
    assert html.count('name="direction" value="earlier"') == 2
    assert html.count('name="direction" value="later"') == 2
    assert html.count('name="direction" value="cover"') == 2
    assert "Make it the cover" in html
    assert html.index(f'data-testid="photo-{a}"') < html.index(f'data-testid="photo-{b}"')
    response = client.post(url, {"action": "image_move", "image": c, "direction": "earlier"})
    assert response.status_code == 302
    assert response["Location"] == url
    assert order_of(product) == [(a, 0), (c, 1), (b, 2)]
    client.post(url, {"action": "image_move", "image": b, "direction": "cover"})
    assert order_of(product) == [(b, 0), (a, 1), (c, 2)]
    client.post(url, {"action": "image_move", "image": b, "direction": "later"})
    assert order_of(product) == [(a, 0), (b, 1), (c, 2)]
    page = client.get(url + "?lang=en").content.decode()
    assert (
        page.index(f'data-testid="photo-{a}"')
        < page.index(f'data-testid="photo-{b}"')
        < page.index(f'data-testid="photo-{c}"')
    )
    for bad in (
        {"image": c, "direction": "sideways"},
        {"image": "x", "direction": "later"},
        {"image": 999999, "direction": "later"},
    ):
        client.post(url, {"action": "image_move", **bad})
    assert order_of(product) == [(a, 0), (b, 1), (c, 2)]
    shown = client.post(
        url + "?lang=en", {"action": "image_move", "image": 999999, "direction": "later"}, follow=True
    )
    assert "This photo is not one of the product&#x27;s." in shown.content.decode()


def test_seller_page_of_another_shop_is_404(client, product, photos, other_shop, shop):
    a, b, c = photos
    before = order_of(product)
    client.force_login(other_shop.memberships.get().user)
    url = f"/seller/{shop.slug}/products/{product.pk}/"
    assert client.post(url, {"action": "image_move", "image": c, "direction": "cover"}).status_code == 404
    assert (
        client.post(
            f"/seller/{other_shop.slug}/products/{product.pk}/",
            {"action": "image_move", "image": c, "direction": "cover"},
        ).status_code
        == 404
    )
    assert order_of(product) == before
