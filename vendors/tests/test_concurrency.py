"""Races on PostgreSQL with real threads: one identity, one open application; one approval, one shop."""

from __future__ import annotations

import pytest

from gansu_mall.accounts.tests.factories import UserFactory
from gansu_mall.core.errors import ApplicationError
from gansu_mall.core.testing import run_together
from vendors import services
from vendors.models import Vendor, VendorApplication
from vendors.tests.factories import application_input, make_uscc

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _needs_postgres(settings, tmp_path, regions_data):
    if not settings.USING_POSTGRES:
        pytest.skip("row locks and concurrent transactions are tested on PostgreSQL")
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def test_two_applications_for_one_identity_at_once():
    uscc = make_uscc()
    first, second = UserFactory(username="first"), UserFactory(username="second")
    results = run_together(
        lambda: services.application_submit(
            submitted_by=first, applicant=first, data=application_input(uscc=uscc)
        ),
        lambda: services.application_submit(
            submitted_by=second, applicant=second, data=application_input(uscc=uscc)
        ),
    )
    errors = [r for r in results if isinstance(r, ApplicationError)]
    assert len(errors) == 1
    assert errors[0].code == "duplicate_application"
    assert VendorApplication.objects.count() == 1


def test_two_bureau_users_approve_at_once():
    owner = UserFactory(username="owner")
    application = services.application_submit(submitted_by=owner, applicant=owner, data=application_input())
    bureau_a = UserFactory(username="a", roles=["bureau"])
    bureau_b = UserFactory(username="b", roles=["bureau"])
    results = run_together(
        lambda: services.application_approve(application=application, actor=bureau_a),
        lambda: services.application_approve(application=application, actor=bureau_b),
    )
    errors = [r for r in results if isinstance(r, ApplicationError)]
    assert [e.code for e in errors] == ["invalid_transition"]
    assert Vendor.objects.count() == 1
    assert application.steps.filter(action="approve").count() == 1
