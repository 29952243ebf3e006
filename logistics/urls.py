from django.urls import path

from logistics import views, views_fulfillment

app_name = "logistics"

urlpatterns = [
    path("platform/shipping-rates/", views.platform_shipping_rates, name="platform_shipping_rates"),
    path(
        "platform/shipping-rates/<int:pk>/",
        views.platform_shipping_rate_edit,
        name="platform_shipping_rate_edit",
    ),
    path("seller/<slug:slug>/shipping/", views.seller_shipping, name="seller_shipping"),
    path("seller/<slug:slug>/inbound/", views.seller_inbound, name="seller_inbound"),
    path("warehouse/", views_fulfillment.console, name="warehouse_console"),
    path("warehouse/claim/", views_fulfillment.claim, name="warehouse_claim"),
    path("warehouse/tasks/", views_fulfillment.task_list, name="warehouse_tasks"),
    path("warehouse/tasks/<int:pk>/", views_fulfillment.task_detail, name="warehouse_task"),
    path("warehouse/tasks/<int:pk>/print/", views_fulfillment.task_print, name="warehouse_task_print"),
    path("warehouse/inbound/", views.warehouse_inbound, name="warehouse_inbound"),
    path("warehouse/inbound/<int:pk>/", views.warehouse_inbound_detail, name="warehouse_inbound_detail"),
]
