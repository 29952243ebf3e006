"""Which cart a request uses: the signed-in buyer's, else the guest cart whose token the session holds
(the token survives the session-key change at sign-in, when the guest cart is merged into the buyer's)."""

from __future__ import annotations

from typing import Any

from orders.models import Cart
from orders.services.cart import cart_for_token, cart_for_user, cart_merge

SESSION_KEY = "cart_token"


def request_cart(request: Any, *, create: bool) -> Cart | None:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return cart_for_user(user=user)
    session = getattr(request, "session", None)
    if session is None:
        return None
    cart = cart_for_token(token=session.get(SESSION_KEY), create=create)
    if cart is not None and session.get(SESSION_KEY) != cart.session_key:
        session[SESSION_KEY] = cart.session_key
    return cart


def merge_on_login(sender: object, request: Any, user: Any, **kwargs: object) -> None:
    """``user_logged_in`` receiver: the guest cart of this browser joins the buyer's cart."""
    session = getattr(request, "session", None)
    if session is None or not session.get(SESSION_KEY):
        return
    guest = cart_for_token(token=session.pop(SESSION_KEY), create=False)
    cart_merge(guest=guest, into=cart_for_user(user=user))
