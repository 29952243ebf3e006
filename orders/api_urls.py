from django.urls import path

from orders import api
from orders.settlement import api as settlement_api

urlpatterns = [
    path("cart/", api.CartApi.as_view(), name="cart"),
    path("cart/items/", api.CartItemListApi.as_view(), name="cart-items"),
    path("cart/items/<int:pk>/", api.CartItemDetailApi.as_view(), name="cart-item"),
    path("addresses/", api.AddressListApi.as_view(), name="address-list"),
    path("addresses/<int:pk>/", api.AddressDetailApi.as_view(), name="address-detail"),
    path("checkout/", api.CheckoutApi.as_view(), name="checkout"),
    path("payments/notify/alipay/", api.alipay_notify, name="payment-notify-alipay"),
    path("payments/<int:pk>/", api.PaymentDetailApi.as_view(), name="payment-detail"),
    path("payments/<int:pk>/pay/", api.PaymentPayApi.as_view(), name="payment-pay"),
    path("orders/", api.OrderListApi.as_view(), name="order-list"),
    path("orders/<int:pk>/", api.OrderDetailApi.as_view(), name="order-detail"),
    path("orders/<int:pk>/cancel/", api.OrderCancelApi.as_view(), name="order-cancel"),
    path("orders/<int:pk>/ship/", api.OrderShipApi.as_view(), name="order-ship"),
    path(
        "orders/<int:pk>/confirm-receipt/", api.OrderConfirmReceiptApi.as_view(), name="order-confirm-receipt"
    ),
    path("orders/<int:pk>/refunds/", api.OrderRefundCreateApi.as_view(), name="order-refunds"),
    path("refunds/", api.RefundListApi.as_view(), name="refund-list"),
    path("refunds/<int:pk>/", api.RefundDetailApi.as_view(), name="refund-detail"),
    path("refunds/<int:pk>/approve/", api.RefundApproveApi.as_view(), name="refund-approve"),
    path("refunds/<int:pk>/reject/", api.RefundRejectApi.as_view(), name="refund-reject"),
    path(
        "refunds/<int:pk>/return-shipped/", api.RefundReturnShippedApi.as_view(), name="refund-return-shipped"
    ),
    path(
        "refunds/<int:pk>/return-received/",
        api.RefundReturnReceivedApi.as_view(),
        name="refund-return-received",
    ),
    path("refunds/<int:pk>/withdraw/", api.RefundWithdrawApi.as_view(), name="refund-withdraw"),
    path("refunds/<int:pk>/escalate/", api.RefundEscalateApi.as_view(), name="refund-escalate"),
    path("refunds/<int:pk>/arbitrate/", api.RefundArbitrateApi.as_view(), name="refund-arbitrate"),
    path("products/<int:pk>/reviews/", api.ProductReviewListApi.as_view(), name="product-reviews"),
    path("reviews/<int:pk>/reply/", api.ReviewReplyApi.as_view(), name="review-reply"),
    path("group-buys/", api.GroupBuyListApi.as_view(), name="group-buy-list"),
    path("group-buys/<int:pk>/", api.GroupBuyDetailApi.as_view(), name="group-buy-detail"),
    path("group-buys/<int:pk>/join/", api.GroupBuyJoinApi.as_view(), name="group-buy-join"),
    # Settlement (orders/settlement/api.py)
    path("settlements/", settlement_api.SettlementListApi.as_view(), name="settlement-list"),
    path("settlements/<int:pk>/", settlement_api.SettlementDetailApi.as_view(), name="settlement-detail"),
    path("vendors/<slug:slug>/balance/", settlement_api.VendorBalanceApi.as_view(), name="vendor-balance"),
    path("payouts/", settlement_api.PayoutListApi.as_view(), name="payout-list"),
    path("payouts/export/", settlement_api.PayoutExportApi.as_view(), name="payout-export"),
    path("payouts/<int:pk>/paid/", settlement_api.PayoutPaidApi.as_view(), name="payout-paid"),
    path("payouts/<int:pk>/failed/", settlement_api.PayoutFailedApi.as_view(), name="payout-failed"),
    path("payout-batches/<int:pk>/csv/", settlement_api.PayoutBatchCsvApi.as_view(), name="payout-batch-csv"),
]
