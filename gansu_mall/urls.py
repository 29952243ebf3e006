"""Root URLs: pages, the API under /api/v1/, its schema and docs, probes, admin."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from gansu_mall.core import views as core_views
from gansu_mall.core.api.docs import SwaggerView
from gansu_mall.notifications.api import (
    NotificationListApi,
    NotificationPreferencesApi,
    NotificationReadApi,
)

api_v1 = [
    path("", include("gansu_mall.accounts.api_urls")),
    path("", include("gansu_mall.regions.api_urls")),
    path("", include("vendors.api_urls")),
    path("", include("catalog.api_urls")),
    path("", include("orders.api_urls")),
    path("", include("logistics.api_urls")),
    path("", include("credit.api_urls")),
    path("", include("gansu_mall.dashboard.api_urls")),
    path("notifications/", NotificationListApi.as_view(), name="notification-list"),
    path("notifications/read/", NotificationReadApi.as_view(), name="notification-read"),
    path("notifications/preferences/", NotificationPreferencesApi.as_view(), name="notification-preferences"),
]

urlpatterns = [
    # The API first: its requests are the most numerous, and resolving tries the patterns in order (no page
    # pattern begins with "api/").
    path("api/v1/", include(api_v1)),
    path("", include("gansu_mall.core.urls")),
    path("accounts/", include("gansu_mall.accounts.urls")),
    path("bureau/regions/", include("gansu_mall.regions.urls")),
    path("", include("catalog.urls")),
    path("", include("vendors.urls")),
    path("", include("orders.urls")),
    path("", include("logistics.urls")),
    path("", include("credit.urls")),
    path("", include("gansu_mall.dashboard.urls")),
    # The built-in payment sandbox (refuses to serve when real Alipay settings are configured).
    path("sandbox/", include("orders.payments.sandbox_urls")),
    path("notifications/", include("gansu_mall.notifications.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("admin/", admin.site.urls),
]

urlpatterns += [path("media/<path:path>", core_views.media, name="media")]

handler400 = "gansu_mall.core.views.bad_request"
handler403 = "gansu_mall.core.views.permission_denied"
handler404 = "gansu_mall.core.views.page_not_found"
handler500 = "gansu_mall.core.views.server_error"
