"""API of orders (API.md, "Cart, checkout, payments, orders")."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gansu_mall.core.api.pagination import PageNumberPagination
from gansu_mall.core.errors import invalid
from orders import selectors
from orders.carts import request_cart
from orders.models import Address, CartItem, OrderStatus, PaymentStatus, Review
from orders.serializers import (
    AddressCreateSerializer,
    AddressSerializer,
    ArbitrateSerializer,
    CancelInputSerializer,
    CartItemInputSerializer,
    CartItemPatchSerializer,
    CartSerializer,
    CheckoutInputSerializer,
    CheckoutResultSerializer,
    GroupBuyInputSerializer,
    GroupBuySerializer,
    GroupJoinSerializer,
    OrderSerializer,
    PayInputSerializer,
    PaymentSerializer,
    RefundInputSerializer,
    RefundReasonSerializer,
    RefundSerializer,
    ReplySerializer,
    ReviewInputSerializer,
    ReviewSerializer,
    ShipInputSerializer,
)
from orders.services import addresses, cart, checkout, group_buys, orders, payments, refunds, reviews
from vendors.selectors import vendor_get_for_staff


def _cart_response(request: Request, code: int = 200) -> Response:
    view = cart.cart_view(cart=request_cart(request, create=False))
    return Response(CartSerializer(view).data, status=code)


class CartApi(APIView):
    """The cart of the signed-in buyer, or of this browser's session."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: CartSerializer}, tags=["orders"])
    def get(self, request: Request) -> Response:
        return _cart_response(request)


class CartItemListApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(request=CartItemInputSerializer, responses={201: CartSerializer}, tags=["orders"])
    def post(self, request: Request) -> Response:
        data = CartItemInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        the_cart = request_cart(request, create=True)
        assert the_cart is not None  # noqa: S101 - create=True always gives one
        cart.cart_add(
            cart=the_cart, sku_id=data.validated_data["sku"], quantity=data.validated_data["quantity"]
        )
        return _cart_response(request, status.HTTP_201_CREATED)


def _cart_item(request: Request, pk: int) -> CartItem:
    the_cart = request_cart(request, create=False)
    if the_cart is None:
        raise Http404
    return get_object_or_404(CartItem, pk=pk, cart=the_cart)


class CartItemDetailApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(request=CartItemPatchSerializer, responses={200: CartSerializer}, tags=["orders"])
    def patch(self, request: Request, pk: int) -> Response:
        item = _cart_item(request, pk)
        data = CartItemPatchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cart.cart_item_set(item=item, quantity=data.validated_data["quantity"])
        return _cart_response(request)

    @extend_schema(responses={200: CartSerializer}, tags=["orders"])
    def delete(self, request: Request, pk: int) -> Response:
        cart.cart_item_remove(item=_cart_item(request, pk))
        return _cart_response(request)


class AddressListApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: AddressSerializer(many=True)}, tags=["orders"])
    def get(self, request: Request) -> Response:
        return Response(AddressSerializer(Address.objects.filter(user=request.user), many=True).data)

    @extend_schema(request=AddressCreateSerializer, responses={201: AddressSerializer}, tags=["orders"])
    def post(self, request: Request) -> Response:
        data = AddressCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        make_default = fields.pop("is_default")
        address = addresses.address_create(
            user=request.user, data=addresses.AddressInput(**fields), make_default=make_default
        )
        return Response(AddressSerializer(address).data, status=status.HTTP_201_CREATED)


class AddressDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={204: None}, tags=["orders"])
    def delete(self, request: Request, pk: int) -> Response:
        addresses.address_delete(address=get_object_or_404(Address, pk=pk, user=request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)


def checkout_response(result: checkout.CheckoutResult) -> dict[str, Any]:
    orders_ = (
        selectors.orders_for_buyer(user=result.payment.buyer).filter(payment=result.payment).order_by("id")
    )
    return CheckoutResultSerializer({"payment": result.payment, "orders": orders_}).data


class CheckoutApi(APIView):
    """One checkout → one payment → one order per shop. ``Idempotency-Key`` is required."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=CheckoutInputSerializer,
        responses={201: CheckoutResultSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=True)],
        tags=["orders"],
    )
    def post(self, request: Request) -> Response:
        data = CheckoutInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        items = fields.get("items")
        result = checkout.checkout(
            buyer=request.user,
            address=addresses.AddressInput(**fields["address"]),
            lines=None
            if items is None
            else [checkout.CheckoutLine(sku_id=i["sku"], quantity=i["quantity"]) for i in items],
            note=fields["note"],
            idempotency_key=request.headers.get("Idempotency-Key", ""),
            fingerprint=checkout.request_fingerprint(request.data),
            express=fields["express"],
        )
        return Response(checkout_response(result), status=status.HTTP_201_CREATED)


class PaymentDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: PaymentSerializer}, tags=["orders"])
    def get(self, request: Request, pk: int) -> Response:
        return Response(
            PaymentSerializer(selectors.payment_get_for_buyer(user=request.user, payment_id=pk)).data
        )


def pay_redirect_url(request: Any, payment_id: int, user: Any) -> str:
    """Where the buyer goes to pay: Alipay's cashier page (or the sandbox's), signed by the platform."""
    from gansu_mall.core.errors import ApplicationError
    from orders.errors import OrderErrorCode
    from orders.payments.providers import provider

    payment = selectors.payment_get_for_buyer(user=user, payment_id=payment_id)
    if payment.status != PaymentStatus.PENDING:
        raise ApplicationError(
            code=OrderErrorCode.PAYMENT_NOT_PENDING,
            message=_("This payment is not awaiting payment."),
            extra={"status": payment.status},
        )
    shops = ", ".join(sorted({o.vendor.name for o in payment.orders.select_related("vendor")}))
    return provider("alipay").page_pay_url(
        out_trade_no=payment.number,
        total_amount=payment.amount,
        subject=f"甘肃馆 {payment.number} {shops}"[:120],
        return_url=request.build_absolute_uri(reverse("orders:paid", args=[payment.number])),
        notify_url=request.build_absolute_uri(reverse("payment-notify-alipay")),
    )


class PaymentPayApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=PayInputSerializer, responses={200: None}, tags=["orders"])
    def post(self, request: Request, pk: int) -> Response:
        data = PayInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response({"redirect_url": pay_redirect_url(request, pk, request.user)})


@csrf_exempt
def alipay_notify(request: Any) -> HttpResponse:
    """Alipay's asynchronous notification (form-encoded, RSA2). Answers ``success`` only once the change
    it reports is committed (or was made before), ``failure`` otherwise."""
    if request.method != "POST":
        return HttpResponse("failure", status=405, content_type="text/plain")
    params = {key: request.POST.get(key, "") for key in request.POST}
    with transaction.atomic():
        body = payments.notification_handle(provider="alipay", params=params)
    return HttpResponse(body, content_type="text/plain")


class OrderListApi(ListAPIView):
    """The buyer's orders; shop staff add ``?vendor=<slug>`` for their shop's. ``?status=`` filters."""

    serializer_class = OrderSerializer
    pagination_class = PageNumberPagination
    permission_classes = [IsAuthenticated]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        status_ = self.request.query_params.get("status", "")
        if status_ and status_ not in OrderStatus.values:
            raise invalid({"status": [f"one of: {', '.join(OrderStatus.values)}"]})
        slug = self.request.query_params.get("vendor")
        if slug:
            _vendor, orders_ = selectors.orders_for_shop(user=self.request.user, slug=slug, status=status_)
            return orders_
        return selectors.orders_for_buyer(user=self.request.user, status=status_)

    def paginate_queryset(self, queryset):  # type: ignore[no-untyped-def]
        page = super().paginate_queryset(queryset)
        return None if page is None else selectors.shipments_attach(list(page))


def _order_response(order_id: int, user: Any) -> Response:
    order, _role = selectors.order_get_for_party(user=user, order_id=order_id)
    return Response(OrderSerializer(order).data)


class OrderDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: OrderSerializer}, tags=["orders"])
    def get(self, request: Request, pk: int) -> Response:
        return _order_response(pk, request.user)


class OrderCancelApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=CancelInputSerializer,
        responses={200: OrderSerializer},
        tags=["orders"],
        description="Before shipping. An unpaid order is cancelled; a paid one is refunded in full at once.",
    )
    def post(self, request: Request, pk: int) -> Response:
        order = selectors.order_get_for_buyer(user=request.user, order_id=pk)
        data = CancelInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reason = data.validated_data["reason"]
        if order.status in refunds.BEFORE_SHIPPING:  # paid, not shipped: the money goes back at once
            refunds.refund_request(
                order=order, buyer=request.user, reason=reason or gettext_noop("cancelled by the buyer")
            )
        else:
            orders.order_cancel_unpaid(order=order, actor=request.user, reason=reason)
        return _order_response(pk, request.user)


class OrderShipApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ShipInputSerializer, responses={200: OrderSerializer}, tags=["orders"])
    def post(self, request: Request, pk: int) -> Response:
        order = selectors.order_get_for_staff(user=request.user, order_id=pk)
        data = ShipInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        orders.order_ship(order=order, actor=request.user, **data.validated_data)
        return _order_response(pk, request.user)


class OrderConfirmReceiptApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: OrderSerializer}, tags=["orders"])
    def post(self, request: Request, pk: int) -> Response:
        order = selectors.order_get_for_buyer(user=request.user, order_id=pk)
        orders.order_confirm_receipt(order=order, actor=request.user)
        return _order_response(pk, request.user)


# --- Refunds --------------------------------------------------------------------------------------


class OrderRefundCreateApi(APIView):
    """The buyer asks for money back (before shipping: the whole order, at once)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=RefundInputSerializer, responses={201: RefundSerializer}, tags=["orders"])
    def post(self, request: Request, pk: int) -> Response:
        order = selectors.order_get_for_buyer(user=request.user, order_id=pk)
        data = RefundInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        refund = refunds.refund_request(order=order, buyer=request.user, **data.validated_data)
        return _refund_response(refund.pk, request.user, status.HTTP_201_CREATED)


def _refund_response(refund_id: int, user: Any, code: int = 200) -> Response:
    refund, _role = selectors.refund_get_for_party(user=user, refund_id=refund_id)
    return Response(RefundSerializer(refund).data, status=code)


class RefundListApi(ListAPIView):
    """The buyer's refunds; shop staff: ``?vendor=<slug>``; bureau staff: ``?arbitration=1`` (refunds taken
    to the bureau in their area)."""

    serializer_class = RefundSerializer
    pagination_class = PageNumberPagination
    permission_classes = [IsAuthenticated]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        params = self.request.query_params
        if params.get("vendor"):
            return selectors.refunds_for_shop(user=self.request.user, slug=params["vendor"])[1]
        if params.get("arbitration"):
            return selectors.refunds_for_bureau(user=self.request.user)
        return selectors.refunds_for_buyer(user=self.request.user)


def _refund_as(request: Request, pk: int, role: str) -> Any:
    refund, party = selectors.refund_get_for_party(user=request.user, refund_id=pk)
    if party != role:
        raise Http404
    return refund


class RefundApproveApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: RefundSerializer}, tags=["orders"])
    def post(self, request: Request, pk: int) -> Response:
        refunds.refund_approve(refund=_refund_as(request, pk, "shop"), actor=request.user)
        return _refund_response(pk, request.user)


class RefundRejectApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=RefundReasonSerializer, responses={200: RefundSerializer}, tags=["orders"])
    def post(self, request: Request, pk: int) -> Response:
        refund = _refund_as(request, pk, "shop")
        data = RefundReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        refunds.refund_reject(refund=refund, actor=request.user, reason=data.validated_data["reason"])
        return _refund_response(pk, request.user)


class RefundEscalateApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=RefundReasonSerializer, responses={200: RefundSerializer}, tags=["orders"])
    def post(self, request: Request, pk: int) -> Response:
        refund = _refund_as(request, pk, "buyer")
        data = RefundReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        refunds.refund_escalate(refund=refund, actor=request.user, note=data.validated_data["reason"])
        return _refund_response(pk, request.user)


class RefundArbitrateApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ArbitrateSerializer, responses={200: RefundSerializer}, tags=["orders"])
    def post(self, request: Request, pk: int) -> Response:
        refund = _refund_as(request, pk, "bureau")
        data = ArbitrateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        refunds.refund_arbitrate(refund=refund, actor=request.user, **data.validated_data)
        return _refund_response(pk, request.user)


class RefundDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: RefundSerializer}, tags=["orders"])
    def get(self, request: Request, pk: int) -> Response:
        return _refund_response(pk, request.user)


# --- Reviews --------------------------------------------------------------------------------------


class ProductReviewListApi(ListAPIView):
    """Reviews of a product, newest first (public); a buyer whose order item was delivered posts one."""

    serializer_class = ReviewSerializer
    pagination_class = PageNumberPagination
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_permissions(self):  # type: ignore[no-untyped-def]
        return [IsAuthenticated()] if self.request.method == "POST" else [AllowAny()]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):  # schema generation: no product in the URL
            return Review.objects.none()
        return (
            Review.objects.filter(product_id=self.kwargs["pk"])
            .select_related("buyer", "order_item")
            .prefetch_related("photos")
            .order_by("-created_at", "-id")
        )

    @extend_schema(request=ReviewInputSerializer, responses={201: ReviewSerializer}, tags=["orders"])
    def post(self, request: Request, pk: int) -> Response:
        data = ReviewInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        photos = request.FILES.getlist("photos") if hasattr(request, "FILES") else []
        review = reviews.review_create(
            buyer=request.user,
            order_item_id=fields["order_item"],
            rating=fields["rating"],
            comment=fields["comment"],
            photos=photos,
            product_id=pk,
        )
        return Response(ReviewSerializer(review).data, status=status.HTTP_201_CREATED)


class ReviewReplyApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ReplySerializer, responses={200: ReviewSerializer}, tags=["orders"])
    def post(self, request: Request, pk: int) -> Response:
        review = get_object_or_404(Review.objects.select_related("vendor"), pk=pk)
        vendor_get_for_staff(user=request.user, slug=review.vendor.slug, allow_delegate=True)
        data = ReplySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = reviews.review_reply(review=review, actor=request.user, reply=data.validated_data["reply"])
        return Response(ReviewSerializer(review).data)


# --- Group buys -----------------------------------------------------------------------------------


def _group_buys() -> Any:
    from django.db.models import Count, Prefetch, Q

    from orders.models import Group, GroupBuy, GroupStatus

    forming = Group.objects.filter(status=GroupStatus.FORMING, expires_at__gt=timezone.now()).annotate(
        members=Count("orders", filter=Q(orders__status__in=group_buys.MEMBER_STATUSES))
    )
    return (
        GroupBuy.objects.select_related("sku__product", "vendor")
        .prefetch_related(
            Prefetch("groups", queryset=forming.order_by("expires_at", "id"), to_attr="forming")
        )
        .order_by("-created_at", "-id")
    )


class GroupBuyListApi(ListAPIView):
    """Open group-buy offers with their forming groups (``?vendor=<slug>``, ``?product=<id>``); shop staff
    create one with POST."""

    serializer_class = GroupBuySerializer
    pagination_class = PageNumberPagination

    def get_permissions(self):  # type: ignore[no-untyped-def]
        return [IsAuthenticated()] if self.request.method == "POST" else [AllowAny()]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        offers = _group_buys().filter(active=True, vendor__status="active", sku__product__status="active")
        params = self.request.query_params
        if params.get("vendor"):
            offers = offers.filter(vendor__slug=params["vendor"])
        if params.get("product", "").isdigit():
            offers = offers.filter(sku__product_id=int(params["product"]))
        return offers

    @extend_schema(request=GroupBuyInputSerializer, responses={201: GroupBuySerializer}, tags=["orders"])
    def post(self, request: Request) -> Response:
        from catalog.models import Sku

        data = GroupBuyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        sku = get_object_or_404(Sku.objects.select_related("vendor"), pk=fields["sku"])
        vendor, _role = vendor_get_for_staff(user=request.user, slug=sku.vendor.slug, allow_delegate=True)
        offer = group_buys.group_buy_create(
            vendor=vendor,
            data=group_buys.GroupBuyInput(
                sku_id=sku.pk,
                group_price=fields["group_price"],
                group_size=fields["group_size"],
                duration_hours=fields["duration_hours"],
            ),
        )
        return Response(
            GroupBuySerializer(_group_buys().get(pk=offer.pk)).data, status=status.HTTP_201_CREATED
        )


class GroupBuyJoinApi(APIView):
    """Start a group or join one (``group``): like ``checkout/``, ``Idempotency-Key`` required."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=GroupJoinSerializer,
        responses={201: CheckoutResultSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=True)],
        tags=["orders"],
    )
    def post(self, request: Request, pk: int) -> Response:
        from orders.models import GroupBuy

        offer = get_object_or_404(GroupBuy.objects.filter(vendor__status="active"), pk=pk)
        data = GroupJoinSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        result = group_buys.group_buy_join(
            buyer=request.user,
            group_buy=offer,
            address=addresses.AddressInput(**fields["address"]),
            quantity=fields["quantity"],
            group_id=fields["group"],
            idempotency_key=request.headers.get("Idempotency-Key", ""),
            fingerprint=checkout.request_fingerprint({"offer": pk, **request.data}),
        )
        return Response(checkout_response(result), status=status.HTTP_201_CREATED)


class GroupBuyDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: GroupBuySerializer}, tags=["orders"])
    def delete(self, request: Request, pk: int) -> Response:
        """Ends the offer (staff of its shop): no new groups; forming ones run their course."""
        from orders.models import GroupBuy

        offer = get_object_or_404(GroupBuy.objects.select_related("vendor"), pk=pk)
        vendor_get_for_staff(user=request.user, slug=offer.vendor.slug, allow_delegate=True)
        group_buys.group_buy_end(group_buy=offer)
        return Response(GroupBuySerializer(_group_buys().get(pk=pk)).data)


class RefundWithdrawApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: RefundSerializer}, tags=["orders"])
    def post(self, request: Request, pk: int) -> Response:
        """The buyer withdraws a request the shop has not approved."""
        refunds.refund_withdraw(refund=_refund_as(request, pk, "buyer"), actor=request.user)
        return _refund_response(pk, request.user)


class RefundReturnShippedApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ShipInputSerializer, responses={200: RefundSerializer}, tags=["orders"])
    def post(self, request: Request, pk: int) -> Response:
        """The buyer has sent the goods of a return and refund back: ``{carrier, tracking_number}``."""
        refund = _refund_as(request, pk, "buyer")
        data = ShipInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        refunds.refund_return_shipped(refund=refund, actor=request.user, **data.validated_data)
        return _refund_response(pk, request.user)


class RefundReturnReceivedApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: RefundSerializer}, tags=["orders"])
    def post(self, request: Request, pk: int) -> Response:
        """The shop has the returned goods: the money goes back."""
        refunds.refund_return_received(refund=_refund_as(request, pk, "shop"), actor=request.user)
        return _refund_response(pk, request.user)
