"""Fixtures of the credit tests: departments and their accounts, the bureau, a shop and its owner."""

from __future__ import annotations

from datetime import date

import pytest

from gansu_mall.accounts.tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def department_user(username: str, department: str):
    user = UserFactory(username=username, roles=["department"], roles__department=department)
    user.refresh_from_db()  # the factory sets the department on a fresh copy of the row
    return user


@pytest.fixture
def market(db):
    return department_user("market", "市场监督管理局")


@pytest.fixture
def tax(db):
    return department_user("tax", "税务局")


@pytest.fixture
def bureau(db):
    return UserFactory(username="bureau", roles=["bureau"])


@pytest.fixture
def owner(db):
    return UserFactory(username="owner")


@pytest.fixture
def shop(owner, bureau):
    from vendors.tests.factories import open_shop

    return open_shop(owner, bureau)


@pytest.fixture
def shop_code(shop):
    return shop.uscc


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run what the services leave for after the commit (score recomputation), as a real commit would."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


def record_input(code: str, **overrides):
    from credit.services import RecordInput

    fields = {
        "subject_code": code,
        "polarity": "negative",
        "category": "administrative_penalty",
        "severity": 2,
        "title": "未按规定标注产地",
        "occurred_on": date(2026, 3, 1),
        "legal_basis": "《食品安全法》第六十七条",
        "public": True,
    }
    fields.update(overrides)
    return RecordInput(**fields)
