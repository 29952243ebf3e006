"""URLs of the sandbox payment gateway, included under ``sandbox/`` by the root URLconf."""

from django.urls import path

from orders.payments import sandbox_views

app_name = "sandbox"

urlpatterns = [
    path("alipay/gateway/", sandbox_views.gateway, name="alipay_gateway"),
    path("alipay/checkout/<str:token>/", sandbox_views.checkout, name="alipay_checkout"),
]
