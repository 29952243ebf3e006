"""Pages of reviews: the buyer reviews a delivered item, the shop answers, the product page lists them.

The buyer's order page and the shop's order page show the reviews of the order's items through the partial
``orders/_order_group_reviews.html`` (its data comes from :func:`order_reviews`, called by the template tag
``order_reviews`` so that the order views need no change). A review form is posted to its own URL; when the
service refuses it, that URL shows the item alone with the form and its errors (400, nothing stored), a
page that also works as the no-JavaScript fallback of the inline form. The same goes for the shop's reply.

The forms only shape the input: the services validate it (rating 1–5, comment length, at most six photos,
each one decoded and re-encoded by gansu_mall.core.uploads) and their refusals are shown on the forms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from catalog.models import Product
from gansu_mall.core.errors import ApplicationError
from gansu_mall.core.forms import add_service_errors
from orders import selectors
from orders.models import Order, OrderItem, Review
from orders.services.reviews import MAX_COMMENT, MAX_PHOTOS, REVIEWABLE, review_create, review_reply
from vendors.selectors import vendor_get_for_staff

REVIEWS_PER_PAGE = 10
PHOTO_TYPES = "image/jpeg,image/png,image/webp"


# --- Forms ----------------------------------------------------------------------------------------


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several files under one name (``<input type="file" multiple>``); an empty list when none."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": PHOTO_TYPES}))
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data]
        return [super(PhotosField, self).clean(file, initial) for file in files if file]


def _star_choices() -> list[tuple[str, str]]:
    return [(str(n), ngettext("%(count)d star", "%(count)d stars", n) % {"count": n}) for n in range(1, 6)]


class ReviewForm(forms.Form):
    """Rating (radio buttons), comment and photos. The rating is a plain text field with radio buttons:
    an empty or strange value goes to the service, which refuses it with its own message."""

    rating = forms.CharField(label=gettext_lazy("Your rating"), required=False, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=gettext_lazy("Comment (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MAX_COMMENT}),
    )
    photos = PhotosField(label=gettext_lazy("Photos (optional)"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rating"].widget.choices = _star_choices()
        self.fields["photos"].help_text = _("Up to %(max)d photos: JPEG, PNG or WebP.") % {"max": MAX_PHOTOS}


class ReplyForm(forms.Form):
    reply = forms.CharField(
        label=gettext_lazy("The shop's reply"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": MAX_COMMENT}),
    )


def _rating(raw: str) -> object:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return raw or None


# --- Order pages: the block of reviews ------------------------------------------------------------


@dataclass
class ReviewEntry:
    """One item of the order with its review, or the form to write one (buyer), or to reply (shop)."""

    item: OrderItem
    review: Review | None
    form: ReviewForm | None = None
    reply_form: ReplyForm | None = None


def order_reviews(*, order: Order, items: list[OrderItem], party: str) -> list[ReviewEntry]:
    """The order's reviewed items with their reviews (two queries, whatever the number of items). The
    buyer (``party="buyer"``) also gets the items not yet reviewed, each with a form, once the order is
    delivered; the shop (``party="shop"``) gets a reply form with each review."""
    reviews = {
        review.order_item_id: review
        for review in Review.objects.filter(order_item__order_id=order.pk).prefetch_related("photos")
    }
    entries = []
    reviewable = order.status in REVIEWABLE
    for item in items:
        review = reviews.get(item.pk)
        if review is not None:
            reply_form = None
            if party == "shop":
                reply_form = ReplyForm(auto_id=f"id_reply_{review.pk}_%s", initial={"reply": review.reply})
            entries.append(ReviewEntry(item=item, review=review, reply_form=reply_form))
        elif party == "buyer" and reviewable:
            entries.append(
                ReviewEntry(item=item, review=None, form=ReviewForm(auto_id=f"id_review_{item.pk}_%s"))
            )
    return entries


def _order_item(request: HttpRequest, pk: int, item_id: int) -> tuple[Order, OrderItem]:
    """The buyer's order and one of its items; 404 for anyone else's."""
    order = selectors.order_get_for_buyer(user=request.user, order_id=pk)
    item = next((i for i in order.items.all() if i.pk == item_id), None)
    if item is None:
        raise Http404
    return order, item


@login_required
@require_http_methods(["GET", "POST"])
def review_item(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    """GET: the review form of one item; POST: review it (multipart, photos optional). A refusal shows
    the form again with the service's messages, and nothing is stored."""
    order, item = _order_item(request, pk, item_id)
    detail = reverse("orders:detail", args=[order.pk])
    if request.method == "GET" and (
        order.status not in REVIEWABLE or Review.objects.filter(order_item=item).exists()
    ):
        return redirect(f"{detail}#reviews")
    form = ReviewForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                review_create(
                    buyer=request.user,
                    order_item_id=item.pk,
                    rating=_rating(data["rating"]),
                    comment=data["comment"],
                    photos=data["photos"],
                )
            except ApplicationError as exc:
                status = exc.status_code
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Thank you for your review."))
                return redirect(f"{detail}#review-{item.pk}")
    return render(
        request,
        "orders/review_item.html",
        {"order": order, "item": item, "form": form},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_reply_page(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The shop answers a review of one of its items (a later answer replaces the earlier one). Staff of
    another shop, and everybody else, get 404."""
    vendor, _role = vendor_get_for_staff(user=request.user, slug=slug, allow_delegate=True)
    review = get_object_or_404(
        Review.objects.select_related("order_item", "buyer").prefetch_related("photos"), pk=pk, vendor=vendor
    )
    form = ReplyForm(request.POST or None, initial={"reply": review.reply})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                review_reply(review=review, actor=request.user, reply=form.cleaned_data["reply"])
            except ApplicationError as exc:
                status = exc.status_code
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Your reply is published."))
                order_url = reverse("orders:seller_order", args=[vendor.slug, review.order_item.order_id])
                return redirect(f"{order_url}#review-{review.order_item_id}")
    return render(
        request,
        "orders/review_reply.html",
        {"vendor": vendor, "review": review, "form": form},
        status=status,
    )


# --- Product page ---------------------------------------------------------------------------------


def product_reviews(request: HttpRequest, product: Product) -> dict[str, Any]:
    """The product page's reviews, newest first, 10 a page (``?reviews_page=``): three queries (count,
    page with buyers and items, photos), whatever the number of reviews."""
    reviews = (
        Review.objects.filter(product_id=product.pk)
        .select_related("buyer", "order_item")
        .prefetch_related("photos")
        .order_by("-created_at", "-id")
    )
    return {"reviews_page": Paginator(reviews, REVIEWS_PER_PAGE).get_page(request.GET.get("reviews_page"))}
