"""Pages of group buying (拼团): the shop's offers in the seller centre, the offers and open groups on the
product page, and the page where a buyer starts or joins a group and goes to pay.

Joining works like checkout (orders.views.checkout_page): the same address form with the buyer's saved
addresses, an idempotency key made when the page is rendered (a second submission of the page gives the
first payment), then off to the gateway. A refusal of the service (the group is full or closed, the stock
is gone) is shown on the page and nothing is created: the service's transaction holds the stock, the
group and the order together.

Ending an offer (``active=False``) has no service yet, so these pages do not offer it.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import asdict
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from catalog.models import Product, ProductStatus, Sku
from gansu_mall.core.errors import ApplicationError, ErrorCode
from gansu_mall.core.forms import add_service_errors
from orders.forms import NEW_ADDRESS, CheckoutForm
from orders.models import Address, Group, GroupBuy, GroupStatus, Order
from orders.services.addresses import address_create
from orders.services.checkout import request_fingerprint
from orders.services.group_buys import (
    MEMBER_STATUSES,
    GroupBuyInput,
    group_buy_create,
    group_buy_end,
    group_buy_join,
)
from orders.views import _address_input, _quantity, _region_names, _sku_label, _to_gateway
from vendors.models import VendorStatus
from vendors.selectors import vendor_get_for_staff

logger = logging.getLogger(__name__)

PAGE_SIZE = 20
# Refusals of a join shown above the form (anything else is a field error or a message on top).
REFUSALS = ("group_full", "already_in_group", "group_closed", "out_of_stock", "not_sellable")


# --- Forms ----------------------------------------------------------------------------------------


class GroupBuyForm(forms.Form):
    """A new offer: one of the shop's SKUs, its group price, the group size and the hours to fill it."""

    sku = forms.TypedChoiceField(label=gettext_lazy("Spec on offer"), coerce=int)
    group_price = forms.CharField(
        label=gettext_lazy("Group price (CNY)"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    group_size = forms.CharField(
        label=gettext_lazy("Group size (buyers)"),
        max_length=5,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    duration_hours = forms.CharField(
        label=gettext_lazy("Hours to fill a group"),
        max_length=5,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, skus: list[Sku], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sku"].choices = [("", _("Choose a spec"))] + [
            (sku.pk, f"{_sku_label(sku)} · ¥{sku.price}") for sku in skus
        ]


class GroupJoinForm(CheckoutForm):
    """The checkout's address form (saved addresses or a new one) and a quantity; no note."""

    note = None  # type: ignore[assignment]
    quantity = forms.CharField(
        label=gettext_lazy("Quantity"),
        widget=forms.NumberInput(attrs={"min": 1, "max": 999, "inputmode": "numeric", "class": "qty-input"}),
    )


# --- Reads ----------------------------------------------------------------------------------------


def _forming_groups() -> QuerySet[Group]:
    """Groups still open for members, each with ``members`` (orders holding a place: awaiting payment or
    paid and waiting for the group)."""
    return (
        Group.objects.filter(status=GroupStatus.FORMING, expires_at__gt=timezone.now())
        .annotate(members=Count("orders", filter=Q(orders__status__in=MEMBER_STATUSES)))
        .order_by("expires_at", "id")
    )


def _public_offers() -> QuerySet[GroupBuy]:
    return GroupBuy.objects.filter(
        active=True, vendor__status=VendorStatus.ACTIVE, sku__product__status=ProductStatus.ACTIVE
    ).select_related("sku__product", "vendor")


def product_group_buys(request: HttpRequest, product: Product) -> dict[str, Any]:
    """The product page's offers with their open groups (two queries however many): groups that still
    have a place; full ones wait for their members to pay and take nobody else."""
    offers = list(
        _public_offers()
        .filter(sku__product_id=product.pk)
        .prefetch_related(Prefetch("groups", queryset=_forming_groups(), to_attr="forming"))
        .order_by("group_price", "id")
    )
    for offer in offers:
        offer.open_groups = [g for g in offer.forming if g.members < offer.group_size]  # type: ignore[attr-defined]
        for group in offer.open_groups:  # type: ignore[attr-defined]
            group.places_left = offer.group_size - group.members
    return {"group_buys": offers}


# --- Seller centre --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def seller_group_buys(request: HttpRequest, slug: str) -> HttpResponse:
    """The shop's offers with how many of their groups are forming, filled and failed; a form to offer
    one of the shop's SKUs at a group price."""
    vendor, _role = vendor_get_for_staff(user=request.user, slug=slug, allow_delegate=True)
    skus = list(
        Sku.objects.filter(vendor=vendor).select_related("product").order_by("product__name", "price", "id")
    )
    if request.method == "POST" and request.POST.get("action") == "end":
        offer = get_object_or_404(GroupBuy, pk=request.POST.get("offer") or 0, vendor=vendor)
        group_buy_end(group_buy=offer)
        messages.success(request, _("The offer is ended: no new groups start; groups already forming go on."))
        return redirect("orders:seller_group_buys", slug=vendor.slug)
    form = GroupBuyForm(request.POST or None, skus=skus)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                offer = group_buy_create(
                    vendor=vendor,
                    data=GroupBuyInput(
                        sku_id=data["sku"],
                        group_price=data["group_price"].strip(),
                        group_size=_quantity(data["group_size"]),
                        duration_hours=_quantity(data["duration_hours"]),
                    ),
                )
            except ApplicationError as exc:
                status = exc.status_code
                add_service_errors(form, exc)
            else:
                sku = next(s for s in skus if s.pk == offer.sku_id)
                messages.success(
                    request,
                    _("Group buy offered: %(item)s at ¥%(price)s for groups of %(size)d.")
                    % {"item": _sku_label(sku), "price": offer.group_price, "size": offer.group_size},
                )
                return redirect("orders:seller_group_buys", slug=vendor.slug)
    offers = (
        GroupBuy.objects.filter(vendor=vendor)
        .select_related("sku__product")
        .annotate(
            forming=Count("groups", filter=Q(groups__status=GroupStatus.FORMING)),
            filled=Count("groups", filter=Q(groups__status=GroupStatus.FILLED)),
            failed=Count("groups", filter=Q(groups__status=GroupStatus.FAILED)),
        )
        .order_by("-created_at", "-id")
    )
    return render(
        request,
        "orders/seller_group_buys.html",
        {
            "vendor": vendor,
            "form": form,
            "page": Paginator(offers, PAGE_SIZE).get_page(request.GET.get("page")),
            "has_skus": bool(skus),
        },
        status=status,
    )


# --- Starting or joining a group ------------------------------------------------------------------


def _group_param(request: HttpRequest) -> int | None:
    raw = request.GET.get("group", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404
    return int(raw)


def _group_state(offer: GroupBuy, group_id: int | None) -> Group | None:
    """The group to join with its ``members`` (places held), or None to start one; 404 when the group is
    not one of this offer's."""
    if group_id is None:
        return None
    group = (
        Group.objects.filter(pk=group_id, group_buy=offer)
        .annotate(members=Count("orders", filter=Q(orders__status__in=MEMBER_STATUSES)))
        .first()
    )
    if group is None:
        raise Http404
    return group


def _closed_reason(offer: GroupBuy, group: Group | None, user_id: int) -> str:
    """Why this page cannot take the buyer (as the service would say), or "" when it can."""
    if not offer.active or offer.sku.product.status != ProductStatus.ACTIVE:
        return _("This group buy has ended.")
    if group is None:
        return ""
    if group.status != GroupStatus.FORMING or group.expires_at <= timezone.now():
        return _("This group has closed.")
    if Order.objects.filter(group=group, buyer_id=user_id, status__in=MEMBER_STATUSES).exists():
        return _("You are in this group already.")
    if group.members >= offer.group_size:  # type: ignore[attr-defined]
        return _("This group is full.")
    return ""


@login_required
@require_http_methods(["GET", "POST"])
def group_buy_join_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Start a group of the offer (no ``?group=``) or join one (``?group=<id>``): the address and the
    quantity, then off to the gateway to pay. The group counts a member once their order is placed."""
    user = request.user
    offer = get_object_or_404(
        GroupBuy.objects.select_related("sku__product", "vendor").filter(vendor__status=VendorStatus.ACTIVE),
        pk=pk,
    )
    group_id = _group_param(request)
    group = _group_state(offer, group_id)
    addresses = list(Address.objects.filter(user=user))
    names = _region_names(code for a in addresses for code in (a.province_code, a.city_code, a.county_code))
    default = next((a for a in addresses if a.is_default), addresses[0] if addresses else None)
    form = GroupJoinForm(
        request.POST or None,
        initial={
            "address": str(default.pk) if default else NEW_ADDRESS,
            "save_address": True,
            "idempotency_key": uuid.uuid4().hex,
            "quantity": 1,
        },
        addresses=addresses,
        names=names,
    )
    refusal = ""
    status = 200
    closed = _closed_reason(offer, group, user.pk) if request.method == "GET" else ""
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            address = _address_input(form)
            quantity = _quantity(data["quantity"])
            try:
                result = group_buy_join(
                    buyer=user,
                    group_buy=offer,
                    address=address,
                    quantity=quantity,  # type: ignore[arg-type]  # the service refuses a non-number
                    group_id=group_id,
                    idempotency_key=data["idempotency_key"],
                    fingerprint=request_fingerprint(
                        {
                            "offer": offer.pk,
                            "group": group_id,
                            "address": asdict(address),
                            "quantity": quantity,
                        }
                    ),
                )
            except ApplicationError as exc:
                status = exc.status_code
                if exc.code == ErrorCode.VALIDATION_ERROR and exc.fields:
                    field_map = {name: "quantity" for name in exc.fields if name.startswith("items.")}
                    if data["address"] != NEW_ADDRESS:
                        field_map.update({name: "address" for name in exc.fields if name not in field_map})
                    add_service_errors(form, exc, field_map=field_map)
                elif exc.code in REFUSALS:
                    refusal = str(exc.message)
                else:
                    form.add_error(None, str(exc.message))
                    if exc.code == ErrorCode.IDEMPOTENCY_KEY_REUSED:
                        form.data = form.data.copy()
                        form.data["idempotency_key"] = uuid.uuid4().hex
            else:
                if data["address"] == NEW_ADDRESS and data["save_address"] and not result.replayed:
                    # The service has accepted this address, so saving it cannot be refused; were it
                    # refused, the order stands all the same.
                    try:
                        address_create(user=user, data=address, make_default=not addresses)
                    except ApplicationError:
                        logger.exception("saving the group-buy address of user %s failed", user.pk)
                return _to_gateway(request, result.payment)
    return render(
        request,
        "orders/group_buy_join.html",
        {
            "offer": offer,
            "group": group,
            "form": form,
            "closed": closed,
            "refusal": refusal,
            "saving": offer.sku.price - offer.group_price,
        },
        status=status,
    )


# --- The buyer's order page -----------------------------------------------------------------------


def order_group(*, order: Order) -> Group | None:
    """The group of a group-buy order with ``paid`` (members who have paid) and its offer (one query)."""
    if order.group_id is None:
        return None
    return (
        Group.objects.select_related("group_buy")
        .annotate(paid=Count("orders", filter=Q(orders__paid_at__isnull=False)))
        .get(pk=order.group_id)
    )
