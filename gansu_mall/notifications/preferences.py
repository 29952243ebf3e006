"""Groups of events and who gets what by which channel.

In-app is always on. Each person chooses, per group of events, whether email comes (default: on) and
when a text message comes: never, for the important events only (the default), or for every event of
the group. Email needs an address on the account and SMS a mobile number; without one that channel is
simply not used.

The important events — a text message by default — are the few a person acts on or waits for: the
parcel is on its way, a refund was decided, a group buy failed (money returned), the shop was approved,
rejected or suspended, a payout was paid or failed.
"""

from __future__ import annotations

from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class EventGroup(StrEnum):
    ORDERS = "orders"
    REFUNDS = "refunds"
    SHOP = "shop"
    WAREHOUSE = "warehouse"
    SETTLEMENT = "settlement"
    SYSTEM = "system"


GROUP_LABELS: dict[EventGroup, Promise] = {
    EventGroup.ORDERS: _("Orders and group buys"),
    EventGroup.REFUNDS: _("Refunds and after-sales"),
    EventGroup.SHOP: _("Shop applications, staff and shop status"),
    EventGroup.WAREHOUSE: _("Warehouse: consignments and fulfillment tasks"),
    EventGroup.SETTLEMENT: _("Settlement: statements and payouts"),
    EventGroup.SYSTEM: _("Other messages from the platform"),
}

# Kinds by prefix; anything else is a system message. A new kind lands in a group by its prefix (the
# settlement kinds by "settlement_", "statement_" or "payout_").
_PREFIXES: tuple[tuple[str, EventGroup], ...] = (
    ("order_", EventGroup.ORDERS),
    ("group_", EventGroup.ORDERS),
    ("refund_", EventGroup.REFUNDS),
    ("application_", EventGroup.SHOP),
    ("vendor_", EventGroup.SHOP),
    ("staff_", EventGroup.SHOP),
    ("delegation_", EventGroup.SHOP),
    ("qualification_", EventGroup.SHOP),
    ("inbound_", EventGroup.WAREHOUSE),
    ("task_", EventGroup.WAREHOUSE),
    ("tasks_", EventGroup.WAREHOUSE),
    ("settlement_", EventGroup.SETTLEMENT),
    ("statement_", EventGroup.SETTLEMENT),
    ("payout_", EventGroup.SETTLEMENT),
)

IMPORTANT_KINDS = frozenset(
    {
        "order_shipped",
        "group_failed",
        "refund_approved",
        "refund_rejected",
        "refund_arbitrated",
        "application_approved",
        "application_rejected",
        "vendor_suspended",
        "payout_paid",
        "payout_failed",
    }
)


def group_of(kind: str) -> EventGroup:
    for prefix, group in _PREFIXES:
        if kind.startswith(prefix):
            return group
    return EventGroup.SYSTEM
