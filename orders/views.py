"""Pages of orders: the cart, checkout, the page the payment gateway returns to, the buyer's orders, and the
seller centre's orders with the ship form.

Everything is done by orders' services and read through its selectors; these views only translate between
forms and services. Every page costs a constant number of queries whatever the number of lines or orders
(asserted in orders/tests/test_pages.py). The pages work without JavaScript; htmx only spares the cart a
full reload when a quantity changes.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog.models import FulfilledBy, Sku
from gansu_mall.core.errors import ApplicationError, ErrorCode
from gansu_mall.core.forms import add_service_errors
from gansu_mall.regions.selectors import region_names
from orders import selectors
from orders.api import pay_redirect_url
from orders.carts import request_cart
from orders.errors import OrderErrorCode
from orders.forms import NEW_ADDRESS, CancelForm, CheckoutForm, ShipForm, carrier_label
from orders.models import Address, CartItem, Order, OrderStatus, Payment, PaymentStatus
from orders.services.addresses import GANSU, AddressInput, address_create
from orders.services.cart import CartShop, CartView, cart_add, cart_item_remove, cart_item_set, cart_view
from orders.services.checkout import checkout, request_fingerprint
from orders.services.orders import order_cancel_unpaid, order_confirm_receipt, order_ship
from orders.shipping import ShippedLine, shipping_fee
from orders.views_refunds import buyer_refunds_context, shop_refunds_context

logger = logging.getLogger(__name__)

PAGE_SIZE = 20
# The paid page asks again every few seconds while the gateway's notification is awaited, this many times.
PAID_POLLS = 20


# --- Helpers --------------------------------------------------------------------------------------


def _quantity(raw: str | None) -> object:
    """The quantity as an int when it is one; anything else goes to the service as it came, to be refused
    with the service's own message."""
    try:
        return int((raw or "").strip())
    except ValueError:
        return raw


def _error_text(error: ApplicationError) -> str:
    if error.fields:
        return " ".join(str(message) for messages_ in error.fields.values() for message in messages_)
    return str(error.message)


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _region_names(codes: Iterable[str]) -> dict[str, str]:
    return region_names(codes=codes)


def _order_region(order: Order) -> str:
    codes = [order.province_code, order.city_code, order.county_code]
    names = _region_names(codes)
    return " ".join(names.get(code, code) for code in codes if code)


def _sku_label(sku: Sku) -> str:
    product = sku.product
    name = product.name_en if get_language() == "en" and product.name_en else product.name
    return f"{name} ({sku.spec})"


def _status_filter(request: HttpRequest) -> str:
    status = request.GET.get("status", "")
    return status if status in OrderStatus.values else ""


def _paginate(request: HttpRequest, orders: Any) -> Any:
    return Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))


def _to_gateway(request: HttpRequest, payment: Payment) -> HttpResponse:
    """Off to the gateway's cashier; a payment that is no longer awaiting payment shows its state instead."""
    try:
        url = pay_redirect_url(request, payment.pk, request.user)
    except ApplicationError as exc:
        messages.info(request, str(exc.message))
        return redirect("orders:paid", number=payment.number)
    return redirect(url)


# --- Cart -----------------------------------------------------------------------------------------


@require_GET
def cart_page(request: HttpRequest) -> HttpResponse:
    """The cart grouped by shop, with today's prices and what stands in the way of buying each line."""
    view = cart_view(cart=request_cart(request, create=False))
    return render(request, "orders/cart.html", {"view": view})


@require_POST
def cart_add_view(request: HttpRequest) -> HttpResponse:
    """POST ``sku`` and ``quantity`` (from a product page): to the cart with a message; a refusal goes back
    to the page it came from (``next``), as a message."""
    back = _safe_next(request) or reverse("orders:cart")
    try:
        sku_id = int(request.POST.get("sku", ""))
    except ValueError:
        messages.error(request, _("Choose a spec."))
        return redirect(back)
    cart = request_cart(request, create=True)
    assert cart is not None  # noqa: S101 - create=True always gives one
    try:
        item = cart_add(cart=cart, sku_id=sku_id, quantity=_quantity(request.POST.get("quantity", "1")))
    except ApplicationError as exc:
        messages.error(request, _error_text(exc))
        return redirect(back)
    sku = Sku.objects.select_related("product").get(pk=item.sku_id)
    messages.success(
        request,
        _("Added to your cart: %(item)s × %(quantity)d.")
        % {"item": _sku_label(sku), "quantity": _quantity(request.POST.get("quantity", "1"))},
    )
    return redirect("orders:cart")


@require_POST
def cart_item_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Set a line's quantity, or remove it (``action=remove``). htmx gets the cart block back."""
    cart = request_cart(request, create=False)
    if cart is None:
        raise Http404
    item = get_object_or_404(CartItem.objects.select_related("sku__product"), pk=pk, cart=cart)
    notice = error = ""
    if request.POST.get("action") == "remove":
        label = _sku_label(item.sku)
        cart_item_remove(item=item)
        notice = _("Removed from your cart: %(item)s.") % {"item": label}
    else:
        try:
            cart_item_set(item=item, quantity=_quantity(request.POST.get("quantity")))
        except ApplicationError as exc:
            error = _error_text(exc)
        else:
            notice = _("Quantity of %(item)s: %(quantity)d.") % {
                "item": _sku_label(item.sku),
                "quantity": item.quantity,
            }
    if request.htmx:
        context = {"view": cart_view(cart=cart), "notice": notice, "error": error, "swap_count": True}
        # 200 even for a refusal: htmx swaps only successful responses, and the block shows the error.
        return render(request, "orders/_cart.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, notice)
    return redirect("orders:cart")


# --- Checkout -------------------------------------------------------------------------------------


@dataclass
class ShopSummary:
    shop: CartShop
    shipping_fee: Decimal

    @property
    def total(self) -> Decimal:
        return self.shop.items_total + self.shipping_fee


def _summaries(view: CartView, province_code: str, express: bool = False) -> list[ShopSummary]:
    """Each shop's items and shipping fee to ``province_code`` (Gansu until an address is chosen). A
    destination the hub cannot serve (cold chain) is estimated as Gansu here; checkout refuses it, saying
    why."""
    summaries = []
    for shop in view.shops:
        lines = [
            ShippedLine(
                weight_grams=line.sku.weight_grams,
                quantity=line.item.quantity,
                line_total=line.line_total,
                fulfilled_by=line.sku.fulfilled_by,
                storage=line.sku.product.storage,
            )
            for line in shop.lines
        ]
        try:
            fee = shipping_fee(
                vendor_id=shop.vendor.pk,
                lines=lines,
                province_code=province_code or "620000",
                express=express,
            )
        except ApplicationError:
            fee = shipping_fee(vendor_id=shop.vendor.pk, lines=lines, province_code="620000", express=express)
        summaries.append(ShopSummary(shop=shop, shipping_fee=fee))
    return summaries


def _address_input(form: CheckoutForm) -> AddressInput:
    data = form.cleaned_data
    if data["address"] != NEW_ADDRESS:
        saved = form.addresses[data["address"]]
        return AddressInput(
            recipient=saved.recipient,
            phone=saved.phone,
            province_code=saved.province_code,
            city_code=saved.city_code,
            county_code=saved.county_code,
            detail=saved.detail,
        )
    province, county = data["province_code"], data["county_code"]
    if county and not province:  # a county of Gansu was chosen: that is the province
        province = GANSU
    if province != GANSU:  # the county select lists Gansu's counties only
        county = ""
    return AddressInput(
        recipient=data["recipient"],
        phone=data["phone"],
        province_code=province,
        county_code=county,
        detail=data["detail"],
    )


@dataclass
class Refusal:
    message: str
    items: list[str]
    sku_ids: set[int]


def _refusal(error: ApplicationError, view: CartView) -> Refusal:
    """The service's refusal with the items it names (``extra["skus"]``) by product name and spec."""
    sku_ids = [int(pk) for pk in error.extra.get("skus", [])]
    known = {line.sku.pk: line.sku for line in view.lines}
    missing = [pk for pk in sku_ids if pk not in known]
    if missing:
        known.update({sku.pk: sku for sku in Sku.objects.select_related("product").filter(pk__in=missing)})
    return Refusal(
        message=str(error.message),
        items=[_sku_label(known[pk]) for pk in sku_ids if pk in known],
        sku_ids=set(sku_ids),
    )


@login_required
@require_http_methods(["GET", "POST"])
def checkout_page(request: HttpRequest) -> HttpResponse:
    """Choose or enter the address, see each shop's order with its shipping fee, place the orders and go
    to the gateway to pay. The form carries an idempotency key made when the page was rendered: submitting
    it twice gives the first checkout's payment, never a second one."""
    user = request.user
    view = cart_view(cart=request_cart(request, create=False))
    if request.method == "GET" and not view.lines:
        messages.info(request, _("Your cart is empty."))
        return redirect("orders:cart")
    addresses = list(Address.objects.filter(user=user))
    names = _region_names(code for a in addresses for code in (a.province_code, a.city_code, a.county_code))
    default = next((a for a in addresses if a.is_default), addresses[0] if addresses else None)
    form = CheckoutForm(
        request.POST or None,
        initial={
            "address": str(default.pk) if default else NEW_ADDRESS,
            "save_address": True,
            "idempotency_key": uuid.uuid4().hex,
        },
        addresses=addresses,
        names=names,
    )
    refusal: Refusal | None = None
    status = 200
    province = default.province_code if default else GANSU
    express = False
    if request.method == "POST":
        if not form.is_valid():
            status = 400
        else:
            data = form.cleaned_data
            address = _address_input(form)
            province = address.province_code or province
            note = data["note"].strip()
            express = bool(data["express"])
            try:
                result = checkout(
                    buyer=user,
                    address=address,
                    lines=None,
                    note=note,
                    idempotency_key=data["idempotency_key"],
                    fingerprint=request_fingerprint(
                        {"address": asdict(address), "note": note, "express": express}
                    ),
                    express=express,
                )
            except ApplicationError as exc:
                status = exc.status_code
                if exc.code == ErrorCode.VALIDATION_ERROR and exc.fields:
                    if data["address"] == NEW_ADDRESS:
                        add_service_errors(form, exc)
                    else:
                        add_service_errors(form, exc, field_map={name: "address" for name in exc.fields})
                elif exc.code in (OrderErrorCode.OUT_OF_STOCK, OrderErrorCode.NOT_SELLABLE):
                    refusal = _refusal(exc, view)
                else:
                    form.add_error(None, str(exc.message))
                    if exc.code == OrderErrorCode.IDEMPOTENCY_KEY_REUSED:
                        form.data = form.data.copy()
                        form.data["idempotency_key"] = uuid.uuid4().hex
            else:
                if data["address"] == NEW_ADDRESS and data["save_address"] and not result.replayed:
                    # Checkout has accepted this address, so saving it cannot be refused; were it refused,
                    # the orders stand all the same.
                    try:
                        address_create(user=user, data=address, make_default=not addresses)
                    except ApplicationError:
                        logger.exception("saving the checkout address of user %s failed", user.pk)
                return _to_gateway(request, result.payment)
    summaries = _summaries(view, province, express)
    return render(
        request,
        "orders/checkout.html",
        {
            "form": form,
            "from_hub": any(line.sku.fulfilled_by == FulfilledBy.HUB for line in view.lines),
            "view": view,
            "summaries": summaries,
            "grand_total": sum((s.total for s in summaries), Decimal("0.00")),
            "refusal": refusal,
            "refused": refusal.sku_ids if refusal else set(),
            "timeout_minutes": settings.ORDER_PAYMENT_TIMEOUT_MINUTES,
        },
        status=status,
    )


# --- Paying ---------------------------------------------------------------------------------------


@login_required
@require_GET
def paid_page(request: HttpRequest, number: str) -> HttpResponse:
    """Where the gateway sends the payer back (``return_url``). The payment becomes paid when the gateway's
    notification arrives, which may be a moment later: until then the page says so and asks again."""
    payment = Payment.objects.filter(number=number, buyer_id=request.user.pk).first()
    if payment is None:
        raise Http404
    orders = list(payment.orders.select_related("vendor").order_by("id"))
    try:
        polls = max(int(request.GET.get("poll", "0")), 0)
    except ValueError:
        polls = 0
    pending = payment.status == PaymentStatus.PENDING
    return render(
        request,
        "orders/paid.html",
        {
            "payment": payment,
            "orders": orders,
            "pending": pending,
            "poll_next": polls + 1 if pending and polls < PAID_POLLS else None,
        },
    )


# --- The buyer's orders ---------------------------------------------------------------------------


@login_required
@require_GET
def order_list(request: HttpRequest) -> HttpResponse:
    status = _status_filter(request)
    page = _paginate(request, selectors.orders_for_buyer(user=request.user, status=status))
    return render(
        request,
        "orders/order_list.html",
        {"page": page, "status": status, "statuses": OrderStatus.choices},
    )


def _order_context(order: Order) -> dict[str, Any]:
    selectors.shipments_attach([order])
    shipment = order.shipment_record  # type: ignore[attr-defined]
    return {
        "order": order,
        "shipment": shipment,
        "shipment_events": list(shipment.events.all()) if shipment is not None else [],
        "region": _order_region(order),
        "carrier_name": carrier_label(order.carrier) if order.carrier else "",
        "events": list(order.events.all()),
        "items": list(order.items.all()),
    }


@login_required
@require_GET
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = selectors.order_get_for_buyer(user=request.user, order_id=pk)
    context = _order_context(order)
    context.update(
        {
            "may_pay": order.status == OrderStatus.PENDING_PAYMENT
            and order.payment.status == PaymentStatus.PENDING,
            "may_cancel": order.status == OrderStatus.PENDING_PAYMENT,
            "may_confirm": order.status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED),
            "cancel_form": CancelForm(),
        }
    )
    context.update(buyer_refunds_context(order))
    return render(request, "orders/order_detail.html", context)


@login_required
@require_POST
def order_pay(request: HttpRequest, pk: int) -> HttpResponse:
    order = selectors.order_get_for_buyer(user=request.user, order_id=pk)
    if order.status != OrderStatus.PENDING_PAYMENT:
        messages.error(request, _("This order is not awaiting payment."))
        return redirect("orders:detail", pk=order.pk)
    return _to_gateway(request, order.payment)


@login_required
@require_POST
def order_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    order = selectors.order_get_for_buyer(user=request.user, order_id=pk)
    if order.status != OrderStatus.PENDING_PAYMENT:
        # The service refuses too (under its lock); this only gives the clearer reason.
        messages.error(request, _("Only an order awaiting payment can be cancelled here."))
        return redirect("orders:detail", pk=order.pk)
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"].strip() if form.is_valid() else ""
    try:
        order_cancel_unpaid(order=order, actor=request.user, reason=reason)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Order %(number)s is cancelled.") % {"number": order.number})
    return redirect("orders:detail", pk=order.pk)


@login_required
@require_POST
def order_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    order = selectors.order_get_for_buyer(user=request.user, order_id=pk)
    try:
        order_confirm_receipt(order=order, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Thank you: order %(number)s is completed.") % {"number": order.number})
    return redirect("orders:detail", pk=order.pk)


# --- Seller centre --------------------------------------------------------------------------------


@login_required
@require_GET
def seller_orders(request: HttpRequest, slug: str) -> HttpResponse:
    """The shop's orders by status, for its staff and the information officers it delegated to."""
    status = _status_filter(request)
    vendor, orders = selectors.orders_for_shop(user=request.user, slug=slug, status=status)
    return render(
        request,
        "orders/seller_orders.html",
        {
            "vendor": vendor,
            "page": _paginate(request, orders),
            "status": status,
            "statuses": OrderStatus.choices,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def seller_order(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """One order of the shop; a paid order of the shop's own stock is shipped here (carrier, tracking)."""
    order = selectors.order_get_for_staff(user=request.user, order_id=pk)
    if order.vendor.slug != slug:
        raise Http404
    from_hub = any(item.fulfilled_by == FulfilledBy.HUB for item in order.items.all())
    may_ship = order.status == OrderStatus.PAID and not from_hub
    form = ShipForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not may_ship:
            messages.error(request, _("This order cannot be shipped by the shop now."))
            return redirect("orders:seller_order", slug=slug, pk=order.pk)
        if form.is_valid():
            try:
                order_ship(order=order, actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Order %(number)s is shipped.") % {"number": order.number})
                return redirect("orders:seller_order", slug=slug, pk=order.pk)
        status = 400
    context = _order_context(order)
    context.update({"vendor": order.vendor, "form": form, "may_ship": may_ship, "from_hub": from_hub})
    context.update(shop_refunds_context(request.user, order))
    return render(request, "orders/seller_order.html", context, status=status)
