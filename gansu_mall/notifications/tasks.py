"""Email delivery of notifications, after commit, retried on transient mail errors."""

from __future__ import annotations

import smtplib

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation

from gansu_mall.notifications.messages import render
from gansu_mall.notifications.models import Notification


@shared_task(
    name="gansu_mall.notifications.tasks.send_notification_email",
    acks_late=True,
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=30,
    time_limit=60,
)
def send_notification_email(notification_id: int) -> bool:
    """Send one notification by email, in Chinese with English below. Idempotent: sent at most once."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update().select_related("user").filter(pk=notification_id).first()
        )
        if notification is None or notification.emailed_at is not None or not notification.user.email:
            return False
        with translation.override("zh-hans"):
            title_zh, body_zh = render(notification.kind, notification.params)
        with translation.override("en"):
            title_en, body_en = render(notification.kind, notification.params)
        send_mail(
            subject=f"{title_zh} / {title_en}",
            message=f"{body_zh}\n\n{body_en}\n",
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[notification.user.email],
        )
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
    return True
