"""Pages of orders (the API is in api_urls.py). The notifications link to ``/orders/<id>/`` and
``/seller/<slug>/orders/<id>/``; the payment gateway returns the payer to ``/orders/paid/<number>/``."""

from django.urls import path

from orders import views, views_addresses, views_group_buys, views_refunds, views_reviews
from orders.settlement import views as settlement_views

app_name = "orders"

urlpatterns = [
    path("cart/", views.cart_page, name="cart"),
    path("cart/add/", views.cart_add_view, name="cart_add"),
    path("cart/items/<int:pk>/", views.cart_item_view, name="cart_item"),
    path("checkout/", views.checkout_page, name="checkout"),
    path("orders/", views.order_list, name="list"),
    path("orders/paid/<str:number>/", views.paid_page, name="paid"),
    path("orders/<int:pk>/", views.order_detail, name="detail"),
    path("orders/<int:pk>/pay/", views.order_pay, name="pay"),
    path("orders/<int:pk>/cancel/", views.order_cancel, name="cancel"),
    path("orders/<int:pk>/confirm-receipt/", views.order_confirm, name="confirm_receipt"),
    path("seller/<slug:slug>/orders/", views.seller_orders, name="seller_orders"),
    path("seller/<slug:slug>/orders/<int:pk>/", views.seller_order, name="seller_order"),
    # After-sales (orders/views_refunds.py)
    path("orders/<int:pk>/refunds/", views_refunds.refund_request_page, name="refund_request"),
    path("refunds/<int:pk>/escalate/", views_refunds.refund_escalate_view, name="refund_escalate"),
    path(
        "refunds/<int:pk>/returned/", views_refunds.refund_return_shipped_view, name="refund_return_shipped"
    ),
    path("seller/<slug:slug>/refunds/", views_refunds.seller_refunds, name="seller_refunds"),
    path("seller/<slug:slug>/refunds/<int:pk>/", views_refunds.seller_refund, name="seller_refund"),
    path("bureau/disputes/", views_refunds.bureau_disputes, name="bureau_disputes"),
    path("bureau/disputes/<int:pk>/", views_refunds.bureau_dispute, name="bureau_dispute"),
    # Reviews, group buys, the address book (orders/views_reviews.py, views_group_buys.py, views_addresses.py)
    path("orders/<int:pk>/items/<int:item_id>/review/", views_reviews.review_item, name="review"),
    path("seller/<slug:slug>/reviews/<int:pk>/reply/", views_reviews.review_reply_page, name="review_reply"),
    path("seller/<slug:slug>/group-buys/", views_group_buys.seller_group_buys, name="seller_group_buys"),
    path("group-buys/<int:pk>/join/", views_group_buys.group_buy_join_page, name="group_buy_join"),
    path("accounts/addresses/", views_addresses.address_book, name="addresses"),
    path(
        "accounts/addresses/<int:pk>/default/", views_addresses.address_default_view, name="address_default"
    ),
    path("accounts/addresses/<int:pk>/delete/", views_addresses.address_delete_view, name="address_delete"),
    # Settlement (orders/settlement/views.py)
    path("seller/<slug:slug>/settlement/", settlement_views.seller_settlement, name="seller_settlement"),
    path(
        "seller/<slug:slug>/settlement/statements/<int:pk>/",
        settlement_views.seller_statement,
        name="seller_statement",
    ),
    path(
        "seller/<slug:slug>/settlement/statements/<int:pk>/csv/",
        settlement_views.seller_statement_csv,
        name="seller_statement_csv",
    ),
    path("bureau/payouts/", settlement_views.payouts_desk, name="payouts_desk"),
    path("bureau/payouts/export/", settlement_views.payouts_export_view, name="payouts_export"),
    path(
        "bureau/payouts/batches/<int:pk>/csv/",
        settlement_views.payout_batch_csv_view,
        name="payout_batch_csv",
    ),
    path("bureau/payouts/<int:pk>/paid/", settlement_views.payout_paid_view, name="payout_paid"),
    path("bureau/payouts/<int:pk>/failed/", settlement_views.payout_failed_view, name="payout_failed"),
    path("bureau/commission/", settlement_views.commission_page, name="commission"),
]
