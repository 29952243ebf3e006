from __future__ import annotations

import pytest

from gansu_mall.accounts.tests.factories import UserFactory
from gansu_mall.notifications.sms import LocmemSmsProvider


@pytest.fixture
def sms_outbox(settings):
    """Text messages kept in a list (this process) instead of the log."""
    settings.SMS_PROVIDER = "gansu_mall.notifications.sms.LocmemSmsProvider"
    LocmemSmsProvider.outbox.clear()
    yield LocmemSmsProvider.outbox
    LocmemSmsProvider.outbox.clear()


@pytest.fixture
def reader(db):
    """A buyer with an email address and a mobile number, reading Chinese (the default)."""
    return UserFactory(username="reader", email="reader@example.com", phone="13800138000")


@pytest.fixture
def english_reader(db):
    user = UserFactory(username="english_reader", email="en@example.com", phone="13900139000")
    user.language = "en"
    user.save(update_fields=["language"])
    return user
