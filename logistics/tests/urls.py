"""The project's URLs plus those of logistics, for the tests of logistics, while the root URLconf does not
include them yet (``path("", include("logistics.urls"))`` and, in ``api_v1``,
``path("", include("logistics.api_urls"))``). Whatever the root URLconf already includes is not added twice."""

from django.urls import include, path

from gansu_mall.urls import urlpatterns as project_urlpatterns

_namespaces = {getattr(pattern, "namespace", None) for pattern in project_urlpatterns}


def _includes(patterns: list, module: str) -> bool:  # type: ignore[type-arg]
    for pattern in patterns:
        name = getattr(pattern, "urlconf_name", None)
        if name == module:
            return True
        if isinstance(name, list) and _includes(name, module):
            return True
    return False


urlpatterns = [
    *([] if "logistics" in _namespaces else [path("", include("logistics.urls"))]),
    *(
        []
        if _includes(project_urlpatterns, "logistics.api_urls")
        else [path("api/v1/", include("logistics.api_urls"))]
    ),
    *project_urlpatterns,
]

handler404 = "gansu_mall.core.views.page_not_found"
handler500 = "gansu_mall.core.views.server_error"
