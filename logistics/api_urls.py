from django.urls import path

from logistics import api

urlpatterns = [
    path("warehouses/", api.WarehouseListApi.as_view(), name="warehouse-list"),
    path("shipping/quote/", api.ShippingQuoteApi.as_view(), name="shipping-quote"),
    path("shipping/rates/", api.ShippingRateListApi.as_view(), name="shipping-rate-list"),
    path("shipping/rates/<int:pk>/", api.ShippingRateDetailApi.as_view(), name="shipping-rate-detail"),
    path("vendors/<slug:slug>/shipping-rule/", api.ShopShippingRuleApi.as_view(), name="shop-shipping-rule"),
    path("inbound-shipments/", api.InboundListApi.as_view(), name="inbound-list"),
    path("inbound-shipments/<int:pk>/", api.InboundDetailApi.as_view(), name="inbound-detail"),
    path("inbound-shipments/<int:pk>/receive/", api.InboundReceiveApi.as_view(), name="inbound-receive"),
    path(
        "inbound-shipments/<int:pk>/inspection-failed/",
        api.InboundInspectionFailedApi.as_view(),
        name="inbound-inspection-failed",
    ),
]
