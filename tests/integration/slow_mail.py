"""An email backend for the worker-kill test: Django's file backend, a fifth of a second per message, so
that a SIGKILL lands in the middle of a relay run."""

from __future__ import annotations

import time

from django.core.mail.backends.filebased import EmailBackend


class SlowFileBackend(EmailBackend):
    def send_messages(self, email_messages):  # type: ignore[no-untyped-def]
        time.sleep(0.2)
        return super().send_messages(email_messages)
