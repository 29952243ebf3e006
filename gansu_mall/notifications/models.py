"""Notifications: the in-app row (kind + parameters, rendered in the reader's language), the outbox of its
deliveries by email and SMS, and each person's channel preferences."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One event told to one person (the recipient). It is the in-app channel itself; its deliveries by
    the other channels hang off it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=60)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    link = models.CharField(_("link"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]

    def __str__(self) -> str:
        return f"{self.kind} → {self.user_id}"


class Channel(models.TextChoices):
    """External channels (in-app is the Notification row itself and always on)."""

    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message (SMS)")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")


class Delivery(models.Model):
    """The outbox: one row per notification and external channel, written in the transaction of the
    business change (with the notification), relayed by a task.

    State machine: pending → sending → sent | failed; a transient error puts it back to pending with a later
    ``next_attempt_at`` until ``attempts`` reaches the limit (then failed). The claim (pending → sending) is
    committed before the message is handed to the channel, so a second relay run — concurrent, or the same
    task redelivered by the broker — never finds it pending again: each (notification, channel) is sent
    at most once, and the unique constraint keeps a second row from ever existing. A row left in sending
    (the worker died during the send) is not sent again: the sweep marks it failed ("outcome unknown").
    """

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    # Snapshots taken when the notification was written: the address and the language to write in.
    address = models.CharField(_("address"), max_length=254)
    language = models.CharField(_("language"), max_length=10)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="delivery_once_per_channel"),
        ]
        indexes = [
            # The relay's queue: due pending rows, oldest first; and the sweep of stuck sending rows.
            models.Index(
                fields=["next_attempt_at", "id"],
                name="delivery_pending_due",
                condition=Q(status="pending"),
            ),
            models.Index(fields=["claimed_at"], name="delivery_sending", condition=Q(status="sending")),
        ]

    def __str__(self) -> str:
        return f"{self.channel} of {self.notification_id}: {self.status}"


class SmsSetting(models.TextChoices):
    OFF = "off", _("Never")
    IMPORTANT = "important", _("Important messages only")
    ALL = "all", _("All messages")


class ChannelPreference(models.Model):
    """A person's choice for one group of events (see notifications/preferences.py). No row: the
    defaults (email on, SMS for the important events only)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    group = models.CharField(_("group"), max_length=20)
    email = models.BooleanField(_("email"), default=True)
    sms = models.CharField(_("SMS"), max_length=10, choices=SmsSetting.choices, default=SmsSetting.IMPORTANT)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("channel preference")
        verbose_name_plural = _("channel preferences")
        constraints = [models.UniqueConstraint(fields=["user", "group"], name="channel_preference_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.group}: email={self.email} sms={self.sms}"
