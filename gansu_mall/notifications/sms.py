"""Text messages: one provider interface, chosen by the SMS_PROVIDER setting (a dotted path to a class).

A provider sends one short text to one mainland mobile number. It raises :class:`SmsTransientError` when
the message certainly did not go out and trying again later may work (no connection, throttled), and
:class:`SmsError` (or anything else) when it must not be retried. The default, :class:`LogSmsProvider`,
writes the message to the log; :class:`LocmemSmsProvider` keeps them in a list, like Django's locmem email
backend, for tests and benchmarks. A real gateway (Aliyun, Tencent Cloud …) is another class with the
same ``send``.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import ClassVar, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("gansu_mall.notifications.sms")


class SmsError(Exception):
    """The message was refused; do not try again."""


class SmsTransientError(SmsError):
    """The message did not go out; trying again later may work."""


class SmsProvider(Protocol):
    def send(self, *, phone: str, text: str) -> None: ...


def masked(phone: str) -> str:
    """138****8000: enough to tell numbers apart in a log, not enough to read one."""
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 8 else "****"


class LogSmsProvider:
    """Writes each message to the ``gansu_mall.notifications.sms`` log (the number masked)."""

    def send(self, *, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", masked(phone), text)


class LocmemSmsProvider:
    """Keeps each message in ``LocmemSmsProvider.outbox`` as (phone, text) — per process."""

    outbox: ClassVar[list[tuple[str, str]]] = []

    def send(self, *, phone: str, text: str) -> None:
        self.outbox.append((phone, text))


@cache
def _provider(path: str) -> SmsProvider:
    provider: SmsProvider = import_string(path)()
    return provider


def get_provider() -> SmsProvider:
    return _provider(settings.SMS_PROVIDER)
