"""Product cards and facet rows written in Python: a search page shows twenty cards and some thirty facet rows,
and their template tags and filters (some 250 nodes a page) cost more than the page's queries."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext

register = template.Library()

_DETAIL_ID = 999_999_999  # reversed once, then replaced by each card's id


def _text(card: Mapping[str, Any], english: bool, key: str) -> str:
    return str(card.get(f"{key}_en") or card[key]) if english else str(card[key])


@register.simple_tag
def product_cards(cards: Iterable[Mapping[str, Any]], empty: str = "") -> SafeString:
    """The ``<li>`` of each list item of ``catalog.selectors.product_list_items`` (``card["url"]`` where the
    view has set it, else the product page); ``empty`` as a muted item when there are none."""
    english = get_language() == "en"
    detail: str | None = None
    gi_badge = f'<span class="badge">{escape(gettext("GI"))}</span>'
    out_badge = f'<span class="badge">{escape(gettext("out of stock"))}</span>'
    parts: list[str] = []
    for card in cards:
        url = card.get("url")
        if not url:
            detail = detail or reverse("catalog:product", args=[_DETAIL_ID])
            url = detail.replace(str(_DETAIL_ID), str(card["id"]))
        parts.append('<li class="product-card">')
        if card.get("thumbnail_url"):
            parts.append(
                f'<img class="card-photo" src="{escape(str(card["thumbnail_url"]))}" alt="" width="240" height="180"'
                ' loading="lazy">'
            )
        parts.append(
            f'<a href="{escape(str(url))}"><strong>{escape(_text(card, english, "name"))}</strong></a>'
        )
        if card.get("price") is not None:
            parts.append(f'<span class="price">¥{escape(str(card["price"]))}</span>')
        count = card.get("rating_count") or 0
        if count:
            rating = escape(str(card["rating"]))
            words = ngettext(
                "Rated %(rating)s of 5 from %(count)s review",
                "Rated %(rating)s of 5 from %(count)s reviews",
                count,
            ) % {"rating": rating, "count": count}
            parts.append(
                f'<span class="rating" data-testid="rating"><span aria-hidden="true">★ {rating} ({count})</span>'
                f'<span class="visually-hidden">{escape(words)}</span></span>'
            )
        county = _text(card["origin_county"], english, "name")
        parts.append(f'<span class="muted">{escape(county)} · {escape(str(card["vendor"]["name"]))}</span>')
        if card.get("gi_certified"):
            parts.append(gi_badge)
        if not card.get("in_stock"):
            parts.append(out_badge)
        parts.append("</li>\n")
    if not parts and empty:
        parts.append(f'<li class="muted">{escape(str(empty))}</li>')
    return mark_safe("".join(parts))  # noqa: S308 (every value above is escaped)


@register.simple_tag
def facet_radios(name: str, rows: Iterable[tuple[str, str, str, bool]]) -> SafeString:
    """A radio button per facet row ``(value, label, count, checked)``, labelled with its count."""
    return mark_safe(  # noqa: S308 (escaped)
        "".join(
            f'<label><input type="radio" name="{escape(name)}" value="{escape(str(value))}"'
            f'{" checked" if checked else ""}> {escape(str(label))} <span class="muted">({escape(str(count))})</span></label>\n'
            for value, label, count, checked in rows
        )
    )


@register.simple_tag
def facet_options(rows: Iterable[tuple[str, str, str, bool]]) -> SafeString:
    """An ``<option>`` per facet row ``(value, label, count, selected)``."""
    return mark_safe(  # noqa: S308 (escaped)
        "".join(
            f'<option value="{escape(str(value))}"{" selected" if selected else ""}>{escape(str(label))} ({escape(str(count))})</option>\n'
            for value, label, count, selected in rows
        )
    )
