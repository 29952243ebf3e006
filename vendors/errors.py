from enum import StrEnum


class VendorErrorCode(StrEnum):
    BLACKLISTED = "blacklisted"
    DUPLICATE_APPLICATION = "duplicate_application"
    IDENTITY_HAS_SHOP = "identity_has_shop"
    INVALID_TRANSITION = "invalid_transition"
    OUTSIDE_SCOPE = "outside_scope"
    ALREADY_STAFF = "already_staff"
    QUALIFICATION_REQUIRED = "qualification_required"
