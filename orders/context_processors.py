"""The number of items in the cart, for the header (``cart_count``).

Lazy: the query runs only when a template shows the count, and then once (one aggregate over the cart's
items, joined to the cart); none for a guest without a cart."""

from __future__ import annotations

from django.db.models import Sum
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from orders.carts import SESSION_KEY
from orders.models import CartItem


def _count(request: HttpRequest) -> int:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        items = CartItem.objects.filter(cart__user_id=user.pk)
    else:
        session = getattr(request, "session", None)
        token = session.get(SESSION_KEY) if session is not None else None
        if not token:
            return 0
        items = CartItem.objects.filter(cart__session_key=token, cart__user__isnull=True)
    return items.aggregate(n=Sum("quantity"))["n"] or 0


def cart(request: HttpRequest) -> dict[str, object]:
    return {"cart_count": SimpleLazyObject(lambda: _count(request))}
