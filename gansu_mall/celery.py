"""The Celery application. Its configuration is the CELERY_* settings (see settings.py)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gansu_mall.settings")

app = Celery("gansu_mall")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
