"""The Celery application. Its configuration is the CELERY_* settings (see settings.py).

Rules every task of the project follows (tests/integration/test_celery_config.py checks them for every
registered task):

- Tasks are idempotent (a state check under a row lock, or a unique key), so they are acknowledged late
  and handed back to the queue when their worker dies (``acks_late``, ``reject_on_worker_lost``: the
  defaults of settings.py). A task that cannot be made idempotent says so with ``idempotent=False`` in
  its decorator and must then set ``acks_late=False`` (at most once instead of at least once).
- Each has a soft and a hard time limit (its own or CELERY_TASK_SOFT_TIME_LIMIT / CELERY_TASK_TIME_LIMIT).
- ``autoretry_for`` names transient errors only — subclasses of :data:`TRANSIENT_ERRORS` — with
  ``retry_backoff`` and a finite ``max_retries``; anything else fails the task at once.
- No countdown or ETA is longer than settings.TASK_MAX_COUNTDOWN_SECONDS, which stays below the broker's
  visibility timeout: a task waiting for its ETA is not delivered twice.
"""

import os
import smtplib

from celery import Celery
from django.db import InterfaceError, OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gansu_mall.settings")

app = Celery("gansu_mall")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Errors that may go away by themselves: the network, a server that hung up, a timeout. Everything else
# (a bug, a refusal, bad data) would fail the same way again.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    ConnectionError,
    TimeoutError,
    smtplib.SMTPConnectError,
    smtplib.SMTPServerDisconnected,
    OperationalError,  # the database went away, a deadlock or serialization failure
    InterfaceError,  # the database connection was closed under the task
)
