from __future__ import annotations

from enum import StrEnum


class CreditErrorCode(StrEnum):
    """Refusals of the credit registry (409 unless core maps the code otherwise)."""

    RECORD_REVOKED = "record_revoked"
    OBJECTION_OPEN = "objection_open"
    OBJECTION_DECIDED = "objection_decided"
    REPAIR_NOT_ALLOWED = "repair_not_allowed"
    REPAIR_TOO_EARLY = "repair_too_early"
