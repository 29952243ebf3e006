"""``{% credit_badge identity_hash %}``: the red-list (守信) or black-list (失信) badge of a legal identity."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from credit.models import CreditScore

register = template.Library()


@register.simple_tag
def credit_badge(identity_hash: str) -> SafeString | str:
    """One query; nothing for an identity on neither list."""
    lists = (
        CreditScore.objects.filter(subject__identity_hash=identity_hash)
        .values("red_list", "black_list")
        .first()
    )
    if lists and lists["black_list"]:
        return format_html(
            '<span class="badge badge-danger" data-testid="credit-black-badge">{}</span>',
            _("Credit black list"),
        )
    if lists and lists["red_list"]:
        return format_html(
            '<span class="badge badge-success" data-testid="credit-red-badge">{}</span>', _("Credit red list")
        )
    return ""
