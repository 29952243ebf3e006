"""Pages of orders (the API is in api_urls.py). The notifications link to ``/orders/<id>/`` and
``/seller/<slug>/orders/<id>/``; the payment gateway returns the payer to ``/orders/paid/<number>/``."""

from django.urls import path

from orders import views

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
]
