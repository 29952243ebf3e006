"""Validation of Chinese mobile numbers."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Mainland mobile numbers: 11 digits, 1 then 3-9 (MIIT numbering plan).
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def normalize_china_mobile(value: str) -> str:
    """Strip spaces, dashes and a +86 / 0086 prefix: ``+86 138-0000-0000`` → ``13800000000``."""
    digits = re.sub(r"[\s-]", "", value or "")
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    return digits


def validate_china_mobile(value: str) -> None:
    if value and not MOBILE_RE.match(value):
        raise ValidationError(
            _("Enter a mainland China mobile number: 11 digits starting with 13–19."), code="invalid_phone"
        )
