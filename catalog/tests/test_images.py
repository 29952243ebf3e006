"""Product images: upload, re-encoding, WebP thumbnails after commit, serving with long cache headers."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from catalog import services
from catalog.models import ProductImage

pytestmark = pytest.mark.django_db


@pytest.fixture
def product(shop):
    return services.product_create(
        vendor=shop,
        data=services.ProductInput(
            name="成县核桃",
            category="walnuts",
            origin_county_code="621221",
            status="active",
            skus=[services.SkuInput(code="A", spec="500 g", price="39.90", stock=3, weight_grams=520)],
        ),
    )


def photo(size=(1600, 1200), fmt="JPEG", name="walnut.jpg"):
    buffer = io.BytesIO()
    Image.new("RGB", size, (150, 110, 60)).save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def test_upload_makes_thumbnails_after_commit(client_for, product, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client_for(owner).post(
            f"/api/v1/products/{product.pk}/images/", {"image": photo()}, format="multipart"
        )
    assert response.status_code == 201
    assert len(callbacks) == 1
    image = ProductImage.objects.get()
    with image.thumb_small.open("rb") as handle:
        small = Image.open(handle)
        assert (small.format, max(small.size)) == ("WEBP", 240)
    with image.thumb_large.open("rb") as handle:
        assert max(Image.open(handle).size) == 800
    body = response.json()
    assert body["url"].startswith("/media/products/")
    detail = client_for(owner).get(f"/api/v1/products/{product.pk}/").json()
    assert detail["images"][0]["thumbnail_url"] == image.thumb_small.url
    assert detail["thumbnail_url"] == image.thumb_small.url


def test_thumbnail_task_is_idempotent(product):
    from catalog.images import product_image_add, thumbnails_make

    image = product_image_add(product=product, upload=photo())
    assert thumbnails_make(image_id=image.pk) is True
    first = ProductImage.objects.get(pk=image.pk).thumb_small.name
    assert thumbnails_make(image_id=image.pk) is False
    assert ProductImage.objects.get(pk=image.pk).thumb_small.name == first


def test_bad_images_are_refused(client_for, product, owner, settings):
    client = client_for(owner)
    fake = SimpleUploadedFile("x.jpg", b"<?php echo 1; ?>", content_type="image/jpeg")
    assert (
        client.post(f"/api/v1/products/{product.pk}/images/", {"image": fake}, format="multipart").status_code
        == 400
    )
    settings.IMAGE_UPLOAD_MAX_BYTES = 1000
    big = client.post(f"/api/v1/products/{product.pk}/images/", {"image": photo()}, format="multipart")
    assert big.status_code == 400
    assert ProductImage.objects.count() == 0


def test_other_shops_cannot_touch_images(client_for, product, other_shop):
    other = other_shop.memberships.get().user
    response = client_for(other).post(
        f"/api/v1/products/{product.pk}/images/", {"image": photo()}, format="multipart"
    )
    assert response.status_code == 404
    from catalog.images import product_image_add

    image = product_image_add(product=product, upload=photo())
    assert client_for(other).delete(f"/api/v1/products/{product.pk}/images/{image.pk}/").status_code == 404
    assert ProductImage.objects.count() == 1


def test_owner_deletes_an_image(client_for, product, owner, django_capture_on_commit_callbacks):
    from catalog.images import product_image_add

    image = product_image_add(product=product, upload=photo())
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            client_for(owner).delete(f"/api/v1/products/{product.pk}/images/{image.pk}/").status_code == 204
        )
    assert not image.image.storage.exists(image.image.name)


def test_media_are_served_with_long_cache_headers(client, product):
    from catalog.images import product_image_add

    image = product_image_add(product=product, upload=photo())
    response = client.get(image.image.url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.get("/media/../../etc/passwd").status_code == 404
    assert client.get("/media/nothing.jpg").status_code == 404
