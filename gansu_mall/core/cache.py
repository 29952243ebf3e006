"""Short-lived caching of public pages and lists for visitors who are not signed in.

A catalog list or search result that is half a minute old is as good to a shopper as a fresh one, and the
same popular searches arrive many times a second; serving them from the cache keeps the workers free for
what cannot wait (checkout, the seller centre). Only requests that carry no identity are served or stored
(no session cookie, no Authorization header), only complete 200 responses that set no cookie are stored,
and the key holds the language and whether htmx asked for a fragment. ``PUBLIC_CACHE_SECONDS`` (0 turns it
off; off under tests unless a test turns it on) bounds how stale a list can be. Product detail and stock
are never served from here.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers


def _anonymous(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    if request.META.get("HTTP_AUTHORIZATION"):
        return False
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def _key(request: HttpRequest) -> str:
    query = "&".join(sorted(f"{k}={v}" for k, values in request.GET.lists() for v in values if k != "lang"))
    parts = [
        translation.get_language() or "",
        "htmx" if request.headers.get("HX-Request") else "page",
        request.headers.get("Accept", "")[:64] if request.path.startswith("/api/") else "",
        request.path,
        query,
    ]
    return "public:" + hashlib.sha256("|".join(parts).encode()).hexdigest()


def public_cache(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve anonymous GETs of ``view`` from the cache for PUBLIC_CACHE_SECONDS."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        seconds = settings.PUBLIC_CACHE_SECONDS
        if not seconds or not _anonymous(request):
            return view(request, *args, **kwargs)
        key = _key(request)
        hit = cache.get(key)
        if hit is not None:
            content, content_type = hit
            response = HttpResponse(content, content_type=content_type)
            response["X-Cache"] = "hit"
            patch_vary_headers(response, ("Cookie", "Authorization"))
            return response
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response = response.render()  # DRF and TemplateResponse render lazily
        if response.status_code == 200 and not response.cookies and not response.streaming:
            cache.set(key, (response.content, response["Content-Type"]), seconds)
            response["X-Cache"] = "miss"
        patch_vary_headers(response, ("Cookie", "Authorization"))
        return response

    return wrapper
