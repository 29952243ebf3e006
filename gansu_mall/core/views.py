"""Pages and probes of the foundations: the storefront shell, /healthz and /readyz."""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils._os import safe_join
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from catalog.selectors import categories, product_list_items, products_public_ids
from gansu_mall.core.middleware import api_error_response
from gansu_mall.regions.selectors import prefectures_with_counties

logger = logging.getLogger(__name__)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "core/home.html",
        {
            "prefectures": prefectures_with_counties(),
            "featured": product_list_items(
                product_ids=list(
                    products_public_ids().exclude(gi_certificate="").order_by("-sales", "-id")[:8]
                )
            ),
            "top_categories": list(categories().filter(parent__isnull=True)),
        },
    )


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and answering. Touches nothing else."""
    return JsonResponse({"status": "ok"})


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_redis() -> str:
    if not settings.REDIS_URL:
        return "not_configured"
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready to serve: the database answers, and Redis too when it is configured."""
    checks: dict[str, str] = {}
    ready = True
    for name, check in (("database", _check_database), ("redis", _check_redis)):
        try:
            checks[name] = check()
        except Exception as exc:  # any failure means "not ready"; the reason is logged, not shown
            logger.warning("readiness check %s failed: %s", name, exc)
            checks[name] = "unavailable"
            ready = False
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503
    )


# --- Error pages: the envelope under /api/, the site's own pages elsewhere ------------------------


_ERROR_PAGES = {
    400: (_lazy("Bad request"), _lazy("The request could not be understood.")),
    403: (_lazy("Not allowed"), _lazy("Your account cannot open this page.")),
    404: (_lazy("Page not found"), _lazy("There is no page at this address.")),
}


def _error(request: HttpRequest, status: int) -> HttpResponse:
    if request.path.startswith("/api/"):
        return api_error_response(status)
    title, message = _ERROR_PAGES[status]
    return render(
        request, "errors/page.html", {"error_title": title, "error_message": message}, status=status
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return api_error_response(500)
    # Rendered without the request context: the failure may lie in what that context needs.
    from django.template import loader

    return HttpResponse(loader.get_template("errors/500.html").render(), status=500)


@require_GET
def media(request: HttpRequest, path: str) -> HttpResponse:
    """Public media images (product photos, shop logos). Their names are unique, so they are cached for a
    year. A deployment with a web server in front may serve MEDIA_ROOT itself with the same header."""
    try:
        file = Path(safe_join(str(settings.MEDIA_ROOT), path))
    except SuspiciousFileOperation as exc:  # a path that leaves MEDIA_ROOT
        raise Http404 from exc
    content_type = mimetypes.guess_type(file.name)[0] or ""
    if not file.is_file() or not content_type.startswith("image/"):
        raise Http404
    response = FileResponse(file.open("rb"), content_type=content_type)
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
