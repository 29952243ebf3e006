"""Tags of the review and group-buy blocks that the order pages include (orders/_order_group_reviews.html):
they fetch what the block shows (a constant number of queries), so the order views stay as they are.

``{% order_reviews order items "buyer" as entries %}``, ``{% order_group order as group %}``, and the
``masked`` filter: ``王芳`` → ``王**`` (reviews are public, their buyers are not).
"""

from __future__ import annotations

from django import template

from orders.models import Group, Order, OrderItem
from orders.views_group_buys import order_group as _order_group
from orders.views_reviews import ReviewEntry
from orders.views_reviews import order_reviews as _order_reviews

register = template.Library()


@register.simple_tag
def order_reviews(order: Order, items: list[OrderItem], party: str = "buyer") -> list[ReviewEntry]:
    return _order_reviews(order=order, items=list(items), party=party)


@register.simple_tag
def order_group(order: Order) -> Group | None:
    return _order_group(order=order)


@register.filter
def masked(name: str) -> str:
    """The first character and two stars, as the reviews API shows a buyer."""
    return f"{str(name)[:1]}**"


@register.filter
def stars(rating: int) -> str:
    """4 → ★★★★☆ (shown to the eye; the page says "4 of 5 stars" to screen readers)."""
    filled = max(0, min(5, int(rating)))
    return "★" * filled + "☆" * (5 - filled)
