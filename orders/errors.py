from enum import StrEnum


class OrderErrorCode(StrEnum):
    INVALID_TRANSITION = "invalid_transition"
    OUT_OF_STOCK = "out_of_stock"
    NOT_SELLABLE = "not_sellable"
    CART_EMPTY = "cart_empty"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    IDEMPOTENCY_KEY_REQUIRED = "idempotency_key_required"
    PAYMENT_NOT_PENDING = "payment_not_pending"
    HUB_FULFILLED = "hub_fulfilled"
    NOT_DELIVERED = "not_delivered"
    ALREADY_REVIEWED = "already_reviewed"
    GROUP_FULL = "group_full"
    GROUP_CLOSED = "group_closed"
    ALREADY_IN_GROUP = "already_in_group"
