"""Product images: validated and re-encoded on upload (core.uploads), thumbnails in WebP by a task."""

from __future__ import annotations

import io
import uuid
from functools import partial

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from PIL import Image

from catalog.models import Product, ProductImage
from gansu_mall.core.errors import ApplicationError, ErrorCode
from gansu_mall.core.uploads import clean_image

THUMBNAIL_SIZES = {"thumb_small": 240, "thumb_large": 800}
MAX_IMAGES = 12


def product_image_add(*, product: Product, upload: UploadedFile) -> ProductImage:
    content = clean_image(upload, field="image")
    with transaction.atomic():
        locked = Product.objects.select_for_update().get(pk=product.pk)
        count = locked.images.count()
        if count >= MAX_IMAGES:
            message = _("At most %(max)d images per product.") % {"max": MAX_IMAGES}
            raise ApplicationError(
                code=ErrorCode.VALIDATION_ERROR, message=message, fields={"image": [message]}
            )
        position = (locked.images.aggregate(m=Max("position"))["m"] or 0) + 1 if count else 0
        image = ProductImage(product=locked, position=position)
        image.image.save(content.name or "image", content, save=False)
        try:
            image.save()
        except BaseException:
            image.image.storage.delete(image.image.name)
            raise
    from catalog.tasks import make_thumbnails

    transaction.on_commit(partial(make_thumbnails.delay, image.pk))
    return image


def product_image_delete(*, image: ProductImage) -> None:
    files = [f.name for f in (image.image, image.thumb_small, image.thumb_large) if f]
    storage = image.image.storage
    with transaction.atomic():
        image.delete()
        transaction.on_commit(lambda: [storage.delete(name) for name in files])


def _invalid_field(field: str, message: str) -> ApplicationError:
    return ApplicationError(code=ErrorCode.VALIDATION_ERROR, message=message, fields={field: [message]})


def product_images_reorder(*, product: Product, image_ids: list[int]) -> list[ProductImage]:
    """Put the product's photos in this order (the first is the cover): ``image_ids`` must name every
    photo of the product exactly once, else nothing changes. Positions become 0..n-1."""
    with transaction.atomic():
        # The product's lock also orders this against uploads (product_image_add takes it too).
        locked = Product.objects.select_for_update().get(pk=product.pk)
        images = {image.pk: image for image in ProductImage.objects.filter(product=locked)}
        wanted = list(image_ids) if isinstance(image_ids, list | tuple) else []
        if (
            not all(isinstance(pk, int) and not isinstance(pk, bool) for pk in wanted)
            or len(set(wanted)) != len(wanted)
            or set(wanted) != set(images)
        ):
            raise _invalid_field("images", _("List every photo of this product exactly once."))
        changed = []
        for position, pk in enumerate(wanted):
            image = images[pk]
            if image.position != position:
                image.position = position
                changed.append(image)
        ProductImage.objects.bulk_update(changed, ["position"])
    return [images[pk] for pk in wanted]


def product_image_move(*, product: Product, image_id: int, step: int) -> list[ProductImage]:
    """Move one photo ``step`` places (-1: one earlier, 1: one later; a large negative step makes it the
    cover); at either end it stays. Unknown photos are a field error."""
    with transaction.atomic():
        locked = Product.objects.select_for_update().get(pk=product.pk)
        order = list(
            ProductImage.objects.filter(product=locked)
            .order_by("position", "id")
            .values_list("pk", flat=True)
        )
        if image_id not in order:
            raise _invalid_field("image", _("This photo is not one of the product's."))
        index = order.index(image_id) + step
        order.remove(image_id)
        order.insert(max(0, min(len(order), index)), image_id)
        return product_images_reorder(product=locked, image_ids=order)


def thumbnails_make(*, image_id: int) -> bool:
    """Write the missing thumbnails of one image. Idempotent: existing thumbnails are kept."""
    image = ProductImage.objects.filter(pk=image_id).first()
    if image is None or (image.thumb_small and image.thumb_large):
        return False
    with image.image.open("rb") as handle:
        source = Image.open(handle)
        source.load()
    updated = []
    for field, size in THUMBNAIL_SIZES.items():
        if getattr(image, field):
            continue
        thumb = source.copy()
        thumb.thumbnail((size, size))
        if thumb.mode not in ("RGB", "RGBA"):
            thumb = thumb.convert("RGBA" if "A" in thumb.getbands() else "RGB")
        buffer = io.BytesIO()
        thumb.save(buffer, format="WEBP", quality=82, method=4)
        getattr(image, field).save(
            f"{uuid.uuid4().hex}-{size}.webp", ContentFile(buffer.getvalue()), save=False
        )
        updated.append(field)
    ProductImage.objects.filter(pk=image.pk).update(**{f: getattr(image, f).name for f in updated})
    return True
