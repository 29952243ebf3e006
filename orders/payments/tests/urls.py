"""The project's URLs plus the sandbox gateway's, for the tests of orders.payments. Whatever the root
URLconf already includes is not added twice (the base layout links to the orders pages, so those are
added too while the root URLconf lacks them)."""

from django.urls import include, path

from gansu_mall.urls import urlpatterns as project_urlpatterns

_namespaces = {getattr(pattern, "namespace", None) for pattern in project_urlpatterns}

urlpatterns = [
    *([] if "sandbox" in _namespaces else [path("sandbox/", include("orders.payments.sandbox_urls"))]),
    *([] if "orders" in _namespaces else [path("", include("orders.urls"))]),
    *project_urlpatterns,
]

handler404 = "gansu_mall.core.views.page_not_found"
handler500 = "gansu_mall.core.views.server_error"
