from enum import StrEnum


class AccountErrorCode(StrEnum):
    INVALID_CREDENTIALS = "invalid_credentials"
    USERNAME_TAKEN = "username_taken"
    UNKNOWN_REGION = "unknown_region"
