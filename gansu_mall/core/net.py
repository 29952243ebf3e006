"""The client's address, trusting exactly PROXY_COUNT proxies in front of us (X-Forwarded-For)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """With N trusted proxies, the client is the N-th address from the right of X-Forwarded-For.

    Addresses further left were written by the client itself and cannot be trusted; without proxies the
    socket's address (REMOTE_ADDR) is the client.
    """
    proxies = settings.PROXY_COUNT
    remote = request.META.get("REMOTE_ADDR") or None
    if proxies <= 0:
        return remote
    forwarded = [
        part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
    ]
    if len(forwarded) < proxies:
        return remote
    return forwarded[-proxies]
