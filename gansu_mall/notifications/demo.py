"""Demo notification settings (seed_demo): demo_buyer gets text messages for every order event and no
email for platform messages; demo_warehouse reads English. Idempotent: existing choices are kept."""

from __future__ import annotations

from django.db import transaction

from gansu_mall.accounts.models import User
from gansu_mall.notifications.models import ChannelPreference, SmsSetting

DEMO_PREFERENCES = {
    "demo_buyer": {"orders": {"email": True, "sms": SmsSetting.ALL}, "system": {"email": False}},
}
DEMO_LANGUAGES = {"demo_warehouse": "en"}


def seed_demo_notifications() -> int:
    """Write the demo's channel choices that are missing. Returns how many were new."""
    created = 0
    with transaction.atomic():
        for username, groups in DEMO_PREFERENCES.items():
            user = User.objects.filter(username=username).first()
            if user is None:
                continue
            for group, values in groups.items():
                _, new = ChannelPreference.objects.get_or_create(user=user, group=group, defaults=values)
                created += int(new)
        for username, language in DEMO_LANGUAGES.items():
            User.objects.filter(username=username).exclude(language=language).update(language=language)
    return created
