"""The text of every notification kind. Apps register their kinds here, not in the database."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NotificationText:
    title: str | Promise
    body: str | Promise


# Parameters are filled with str.format-style names: {shop}, {reason}, {officer} …
MESSAGES: dict[str, NotificationText] = {
    "application_submitted": NotificationText(
        _("Shop application received"),
        _("Your application for “{shop}” has been received and awaits review."),
    ),
    "application_recommended": NotificationText(
        _("County recommendation"), _("The county bureau recommended your application for “{shop}”.")
    ),
    "application_not_recommended": NotificationText(
        _("County recommendation"),
        _("The county bureau did not recommend your application for “{shop}”: {reason}"),
    ),
    "application_needs_info": NotificationText(
        _("More information needed"), _("The bureau asks for more about “{shop}”: {reason}")
    ),
    "application_resubmitted": NotificationText(
        _("Application resubmitted"), _("Your application for “{shop}” was resubmitted for review.")
    ),
    "application_approved": NotificationText(
        _("Your shop is open"), _("“{shop}” was approved. Open the seller centre to set it up.")
    ),
    "application_rejected": NotificationText(
        _("Shop application rejected"), _("Your application for “{shop}” was rejected: {reason}")
    ),
    "vendor_suspended": NotificationText(
        _("Shop suspended"), _("“{shop}” was suspended by the bureau: {reason}")
    ),
    "vendor_reinstated": NotificationText(_("Shop reinstated"), _("“{shop}” is open again: {reason}")),
    "vendor_closed": NotificationText(_("Shop closed"), _("“{shop}” is closed: {reason}")),
    "staff_invited": NotificationText(
        _("Invitation to a shop"),
        _("“{shop}” invites you to join as {role}. Accept or decline in the seller centre."),
    ),
    "staff_added": NotificationText(_("You joined a shop"), _("You are now {role} of “{shop}”.")),
    "delegation_granted": NotificationText(
        _("Shop delegated to you"), _("“{shop}” asked you to help manage its products and orders.")
    ),
    "delegation_revoked": NotificationText(_("Delegation ended"), _("“{shop}” ended your delegation.")),
    "qualification_revoked": NotificationText(
        _("Qualification revoked"), _("The bureau revoked the {kind} qualification of “{shop}”: {reason}")
    ),
    # Orders: {number}, {shop}, {total}
    "order_placed": NotificationText(
        _("Order placed"), _("Order {number} from “{shop}” ({total} CNY) is waiting for your payment.")
    ),
    "order_received": NotificationText(
        _("New order"), _("Order {number} ({total} CNY) was placed; it is not paid yet.")
    ),
    "order_paid": NotificationText(_("Payment received"), _("Order {number} from “{shop}” is paid.")),
    "order_paid_shop": NotificationText(
        _("Order paid: ship it"), _("Order {number} ({total} CNY) is paid and waits to be shipped.")
    ),
    "order_shipped": NotificationText(_("Order shipped"), _("“{shop}” shipped order {number}.")),
    "order_cancelled": NotificationText(_("Order cancelled"), _("Order {number} was cancelled.")),
    "order_timed_out": NotificationText(
        _("Order cancelled"), _("Order {number} was not paid in time and was cancelled.")
    ),
    "order_completed": NotificationText(
        _("Order completed"), _("The buyer confirmed receipt of order {number}.")
    ),
    # Refunds: {number} (the order), {amount}, {shop}
    "refund_requested": NotificationText(
        _("Refund requested"), _("The buyer of order {number} asks for {amount} CNY back.")
    ),
    "refund_approved": NotificationText(
        _("Refund approved"), _("{amount} CNY of order {number} is on its way back to the buyer.")
    ),
    "refund_rejected": NotificationText(
        _("Refund refused"),
        _("“{shop}” refused the refund on order {number}; you may take it to the bureau."),
    ),
    "refund_escalated": NotificationText(
        _("Refund taken to the bureau"), _("The refund on order {number} is now with the commerce bureau.")
    ),
    "refund_arbitrated": NotificationText(
        _("Bureau decision on a refund"), _("The commerce bureau decided the refund on order {number}.")
    ),
    "refund_return_agreed": NotificationText(
        _("Send the goods back"),
        _("“{shop}” agreed to take back order {number}: send the goods and enter the tracking number."),
    ),
    "refund_return_shipped": NotificationText(
        _("Goods on their way back"), _("The buyer of order {number} sent the goods back.")
    ),
    "refund_withdrawn": NotificationText(
        _("Refund request withdrawn"), _("The buyer withdrew the refund request on order {number}.")
    ),
    "refund_done": NotificationText(_("Money refunded"), _("{amount} CNY of order {number} was refunded.")),
    "group_filled": NotificationText(
        _("Your group is complete"), _("The group of order {number} filled: the shop will ship it.")
    ),
    "group_failed": NotificationText(
        _("Your group did not fill"),
        _(
            "The group of order {number} did not fill in time; the order is cancelled and any payment refunded."
        ),
    ),
    # Logistics: {shipment} (the consignment's number), {warehouse}, {lines} ("code spec: received/announced; …")
    "inbound_discrepancy": NotificationText(
        _("Consignment counted short"),
        _("The hub counted fewer units than announced in consignment {shipment} at {warehouse}: {lines}"),
    ),
    # The fulfillment queue: {order} (the order number), {reason}; {count} tasks of orders {orders}
    "task_exception": NotificationText(
        _("Fulfillment exception"), _("The task of order {order} needs a decision: {reason}.")
    ),
    "tasks_at_risk": NotificationText(
        _("Tasks at risk"), _("{count} tasks will miss their deadline soon unless shipped: {orders}.")
    ),
    "tasks_overdue": NotificationText(
        _("Tasks overdue"), _("{count} tasks have passed their deadline unshipped: {orders}.")
    ),
    "order_delivered": NotificationText(_("Order delivered"), _("Order {number} has been delivered.")),
    # Settlement: {shop}, {period}, {net}; payouts: {number}, {amount}, {reason}
    "settlement_issued": NotificationText(
        _("New statement"), _("The statement of “{shop}” for {period} is ready: net ¥{net}.")
    ),
    "payout_held": NotificationText(
        _("Payout held"),
        _("Payout {number} (¥{amount}) of “{shop}” is held while the shop is on the credit black list."),
    ),
    "payout_paid": NotificationText(
        _("Payout paid"), _("Payout {number} of ¥{amount} to “{shop}” was paid.")
    ),
    "payout_failed": NotificationText(
        _("Payout failed"),
        _("Payout {number} of ¥{amount} to “{shop}” failed: {reason}. The money is available again."),
    ),
}


def render(kind: str, params: dict[str, object]) -> tuple[str, str]:
    """Title and body in the active language. Unknown kinds and missing parameters degrade, never fail."""
    text = MESSAGES.get(kind)
    if text is None:
        return kind, ""
    values = {key: str(value) for key, value in params.items()}

    class _Default(dict[str, str]):
        def __missing__(self, key: str) -> str:
            return ""

    return str(text.title), str(text.body).format_map(_Default(values))
