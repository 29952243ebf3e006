"""``{% localized name name_en %}``: the English name on English pages when there is one, else the Chinese."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

register = template.Library()


@register.simple_tag
def localized(name: str, name_en: str = "") -> str:
    return name_en if name_en and get_language() == "en" else name
