"""The external channels behind one interface: email and SMS. (In-app is the Notification row itself.)

A channel renders a notification in the recipient's language and hands it over. ``send`` returns when the
message is out and raises when not; the relay (services.deliveries_relay) decides from the exception's
class whether to try again later (:data:`TRANSIENT_ERRORS`) or to give up.

Email subject and body come from templates in templates/notifications/email/<language>/ — one folder per
language, chosen by the recipient's language (``User.language``); the notification's own title and body
(notifications/messages.py) are rendered in that language. SMS text comes from
templates/notifications/sms/<language>.txt, cut to one message's length.
"""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.utils import translation

from gansu_mall.notifications.messages import render
from gansu_mall.notifications.models import Channel, Delivery, Notification
from gansu_mall.notifications.sms import SmsTransientError, get_provider

# Errors after which the message certainly did not go out, so trying again cannot send it twice.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    smtplib.SMTPConnectError,
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPHeloError,
    ConnectionError,
    TimeoutError,
    socket.gaierror,
    SmsTransientError,
)

LANGUAGES = ("zh-hans", "en")
# One SMS: 70 characters in UCS-2 (Chinese), 160 in GSM 7-bit (English).
SMS_LENGTH = {"zh-hans": 70, "en": 160}


def _language(code: str) -> str:
    return code if code in LANGUAGES else LANGUAGES[0]


def _context(notification: Notification, language: str) -> dict[str, object]:
    with translation.override(language):
        title, body = render(notification.kind, notification.params)
    site = settings.SITE_URL.rstrip("/")
    link = notification.link
    return {
        "title": title,
        "body": body,
        "link_url": f"{site}{link}" if link.startswith("/") else link,
        "preferences_url": f"{site}/notifications/preferences/",
        "site_url": site,
    }


def render_email(notification: Notification, language: str) -> tuple[str, str]:
    """(subject, body) of the email in ``language``."""
    language = _language(language)
    context = _context(notification, language)
    with translation.override(language):
        subject = render_to_string(f"notifications/email/{language}/subject.txt", context)
        body = render_to_string(f"notifications/email/{language}/body.txt", context)
    return " ".join(subject.split()), body.strip() + "\n"


def render_sms(notification: Notification, language: str) -> str:
    """The text message in ``language``: one line, at most one SMS long."""
    language = _language(language)
    context = _context(notification, language)
    with translation.override(language):
        text = " ".join(render_to_string(f"notifications/sms/{language}.txt", context).split())
    limit = SMS_LENGTH[language]
    return text if len(text) <= limit else text[: limit - 1] + "…"


class DeliveryChannel(Protocol):
    def send(self, delivery: Delivery) -> None:
        """Send ``delivery`` (its notification is loaded) or raise."""
        ...


class EmailChannel:
    """Django's email backend (EMAIL_BACKEND); one connection for a batch of deliveries."""

    def __init__(self) -> None:
        self._connection = get_connection(fail_silently=False)
        self._open = False

    def send(self, delivery: Delivery) -> None:
        subject, body = render_email(delivery.notification, delivery.language)
        message = EmailMessage(
            subject=subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[delivery.address],
            connection=self._connection,
        )
        try:
            if not self._open:  # opened at the first message, kept for the rest of the batch
                self._connection.open()
                self._open = True
            message.send()
        except BaseException:
            self.close()  # a broken connection is opened afresh for the next message
            raise

    def close(self) -> None:
        if self._open:
            self._open = False
            try:
                self._connection.close()
            except Exception:  # noqa: BLE001, S110 - closing a broken connection must not fail the batch
                pass


class SmsChannel:
    """The SMS provider of SMS_PROVIDER."""

    def __init__(self) -> None:
        self._provider = get_provider()

    def send(self, delivery: Delivery) -> None:
        self._provider.send(phone=delivery.address, text=render_sms(delivery.notification, delivery.language))

    def close(self) -> None:
        pass


@contextmanager
def open_channels() -> Iterator[dict[str, DeliveryChannel]]:
    """The channels for one batch of deliveries, closed afterwards."""
    email, sms = EmailChannel(), SmsChannel()
    try:
        yield {Channel.EMAIL: email, Channel.SMS: sms}
    finally:
        email.close()
        sms.close()
