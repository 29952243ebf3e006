from django.urls import path

from logistics import api, api_fulfillment

f = api_fulfillment

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
    path("fulfillment/claim/", f.ClaimApi.as_view(), name="fulfillment-claim"),
    path("fulfillment/summary/", f.QueueSummaryApi.as_view(), name="fulfillment-summary"),
    path("fulfillment/tasks/", f.TaskListApi.as_view(), name="fulfillment-task-list"),
    path("fulfillment/tasks/<int:pk>/", f.TaskDetailApi.as_view(), name="fulfillment-task-detail"),
    path("fulfillment/tasks/<int:pk>/pick/", f.TaskPickApi.as_view(), name="fulfillment-task-pick"),
    path("fulfillment/tasks/<int:pk>/pack/", f.TaskPackApi.as_view(), name="fulfillment-task-pack"),
    path("fulfillment/tasks/<int:pk>/ship/", f.TaskShipApi.as_view(), name="fulfillment-task-ship"),
    path("fulfillment/tasks/<int:pk>/release/", f.TaskReleaseApi.as_view(), name="fulfillment-task-release"),
    path(
        "fulfillment/tasks/<int:pk>/exception/",
        f.TaskExceptionApi.as_view(),
        name="fulfillment-task-exception",
    ),
    path("fulfillment/tasks/<int:pk>/requeue/", f.TaskRequeueApi.as_view(), name="fulfillment-task-requeue"),
    path("fulfillment/tasks/<int:pk>/cancel/", f.TaskCancelApi.as_view(), name="fulfillment-task-cancel"),
    path("shipments/<int:pk>/", f.ShipmentDetailApi.as_view(), name="shipment-detail"),
    path("shipments/<int:pk>/events/", f.ShipmentEventApi.as_view(), name="shipment-events"),
    path("carriers/<str:code>/events/", f.CarrierEventApi.as_view(), name="carrier-events"),
]
