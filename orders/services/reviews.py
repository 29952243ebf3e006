"""Reviews of delivered order items: one each, rating 1–5, text and up to six photos; the shop may answer.
After each review the product's and the shop's average rating are reported to catalog and vendors."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import cast

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.services import product_rating_set
from gansu_mall.accounts.models import User
from gansu_mall.core.errors import ApplicationError
from gansu_mall.core.errors import invalid as _invalid
from gansu_mall.core.uploads import clean_image
from orders.errors import OrderErrorCode
from orders.models import OrderItem, OrderStatus, Review, ReviewPhoto
from vendors.selectors import vendor_get_for_staff
from vendors.services import vendor_rating_set

MAX_PHOTOS = 6
MAX_COMMENT = 2000
REVIEWABLE = (OrderStatus.DELIVERED, OrderStatus.COMPLETED)


def _average(value: object) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def ratings_refresh(*, product_id: int, vendor_id: int) -> None:
    product = Review.objects.filter(product_id=product_id).aggregate(avg=Avg("rating"), n=Count("id"))
    product_rating_set(product_id=product_id, rating=_average(product["avg"]), count=product["n"])
    shop = Review.objects.filter(vendor_id=vendor_id).aggregate(avg=Avg("rating"), n=Count("id"))
    vendor_rating_set(vendor_id=vendor_id, rating=_average(shop["avg"]), count=shop["n"])


def review_create(
    *,
    buyer: User,
    order_item_id: int,
    rating: object,
    comment: str = "",
    photos: list[UploadedFile] | None = None,
    product_id: int | None = None,
) -> Review:
    """Review an item of one of the buyer's delivered orders (404 for anyone else's item; 409 when it is
    not delivered yet or already reviewed). Bad photos are refused and nothing is stored."""
    item = (
        OrderItem.objects.select_related("order").filter(pk=order_item_id, order__buyer_id=buyer.pk).first()
    )
    if item is None or (product_id is not None and item.product_id != product_id):
        raise Http404
    errors: dict[str, list[str]] = {}
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        errors["rating"] = [_("Give a rating from 1 to 5.")]
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        errors["comment"] = [_("At most %(max)d characters.") % {"max": MAX_COMMENT}]
    photos = photos or []
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = [_("At most %(max)d photos.") % {"max": MAX_PHOTOS}]
    cleaned = []
    if not errors:
        for photo in photos:
            try:
                cleaned.append(clean_image(photo, field="photos"))
            except ApplicationError as exc:
                errors.update(exc.fields or {"photos": [str(exc.message)]})
                break
    if errors:
        raise _invalid(errors)
    if item.order.status not in REVIEWABLE:
        raise ApplicationError(
            code=OrderErrorCode.NOT_DELIVERED,
            message=_("Items can be reviewed once they are delivered."),
            extra={"status": item.order.status},
        )
    try:
        with transaction.atomic():
            review = Review.objects.create(
                order_item=item,
                product_id=item.product_id,
                vendor_id=item.order.vendor_id,
                buyer=buyer,
                rating=cast(int, rating),
                comment=comment,
            )
            for position, content in enumerate(cleaned):
                photo_row = ReviewPhoto(review=review, position=position)
                photo_row.image.save(content.name or "photo.jpg", content, save=True)
            ratings_refresh(product_id=item.product_id, vendor_id=item.order.vendor_id)
    except IntegrityError as exc:
        raise ApplicationError(
            code=OrderErrorCode.ALREADY_REVIEWED, message=_("This item has been reviewed already.")
        ) from exc
    return review


def review_reply(*, review: Review, actor: User, reply: str) -> Review:
    """The shop answers a review (a later answer replaces the earlier one); only its staff and the
    officers it delegated to may (404 for anyone else)."""
    vendor_get_for_staff(user=actor, slug=review.vendor.slug, allow_delegate=True)
    reply = (reply or "").strip()
    if not reply or len(reply) > MAX_COMMENT:
        raise _invalid({"reply": [_("Write a reply of at most %(max)d characters.") % {"max": MAX_COMMENT}]})
    review.reply = reply
    review.replied_at = timezone.now()
    review.save(update_fields=["reply", "replied_at"])
    return review
