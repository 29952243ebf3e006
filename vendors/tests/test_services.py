"""Vendor services: application, review workflow, shops, staff, delegation, qualifications, payouts."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.db import connection
from django.http import Http404
from django.utils import timezone

from credit.selectors import ListStatus
from gansu_mall.accounts.tests.factories import UserFactory
from gansu_mall.core.errors import ApplicationError
from gansu_mall.notifications.models import Notification
from vendors import selectors, services
from vendors.models import (
    ApplicationStep,
    Delegation,
    PayoutAccount,
    Qualification,
    Vendor,
    VendorApplication,
    VendorMembership,
)
from vendors.tests.factories import (
    application_input,
    individual_input,
    jpeg,
    make_id_number,
    make_uscc,
    open_shop,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def farmer(db):
    return UserFactory(username="farmer_ma")


def submit(user, **overrides):
    return services.application_submit(submitted_by=user, applicant=user, data=application_input(**overrides))


# --- submitting -----------------------------------------------------------------------------------


def test_submit_cooperative_stores_licence_privately_and_notifies(
    farmer, private_files, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        application = submit(farmer)
    assert application.status == "submitted"
    assert application.county_id == "621221"
    assert len(private_files()) == 1
    assert private_files()[0].startswith("vendorapplication/")
    step = ApplicationStep.objects.get(application=application)
    assert (step.action, step.actor, step.to_status) == ("submit", farmer, "submitted")
    note = Notification.objects.get(user=farmer)
    assert note.kind == "application_submitted"
    assert len(mail.outbox) == 1
    assert "成县核桃合作社" in mail.outbox[0].body


def test_id_and_bank_numbers_are_encrypted_at_rest(farmer):
    data = individual_input()
    application = services.application_submit(submitted_by=farmer, applicant=farmer, data=data)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number, bank_account FROM vendors_vendorapplication WHERE id = %s", [application.pk]
        )
        raw_id, raw_bank = cursor.fetchone()
    assert data.id_number not in raw_id
    assert "6222021234567890123" not in raw_bank
    assert VendorApplication.objects.get(pk=application.pk).id_number == data.id_number


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"uscc": "93621221MA0000001X"}, "uscc"),
        ({"vendor_type": "individual", "id_number": "621221199002301234", "uscc": ""}, "id_number"),
        ({"county_code": "110101"}, "county_code"),  # Beijing
        ({"county_code": "621200"}, "county_code"),  # a prefecture, not a county
        ({"contact_phone": "12345"}, "contact_phone"),
        ({"license_image": None}, "license_image"),
        ({"bank_account": "12ab"}, "bank_account"),
        ({"shop_name": " "}, "shop_name"),
    ],
)
def test_submit_refuses_bad_input_and_stores_nothing(farmer, private_files, overrides, field):
    with pytest.raises(ApplicationError) as info:
        submit(farmer, **overrides)
    assert info.value.code == "validation_error"
    assert field in info.value.fields
    assert VendorApplication.objects.count() == 0
    assert private_files() == []


def test_fake_image_is_refused(farmer, private_files):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("licence.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")
    with pytest.raises(ApplicationError) as info:
        submit(farmer, license_image=fake)
    assert list(info.value.fields) == ["license_image"]
    assert private_files() == []


def test_applying_twice_is_refused(farmer):
    uscc = make_uscc()
    submit(farmer, uscc=uscc)
    with pytest.raises(ApplicationError) as info:
        submit(UserFactory(username="someone_else"), uscc=uscc)
    assert info.value.code == "duplicate_application"
    assert VendorApplication.objects.count() == 1


def test_an_identity_with_a_shop_cannot_apply_again(farmer, province_bureau):
    uscc = make_uscc()
    open_shop(farmer, province_bureau, uscc=uscc)
    with pytest.raises(ApplicationError) as info:
        submit(farmer, uscc=uscc, shop_name="第二家店")
    assert info.value.code == "identity_has_shop"


def test_officer_applies_for_a_farmer_of_their_county(officer, farmer, province_bureau):
    application = services.application_submit(
        submitted_by=officer, applicant=farmer, data=application_input()
    )
    assert (application.applicant, application.submitted_by) == (farmer, officer)
    application = services.application_approve(application=application, actor=province_bureau)
    vendor = application.vendor
    assert VendorMembership.objects.get(vendor=vendor).user == farmer
    delegation = Delegation.objects.get(vendor=vendor)
    assert (delegation.officer, delegation.granted_by, delegation.revoked_at) == (officer, farmer, None)


def test_officer_outside_their_counties_is_refused(officer, farmer):
    with pytest.raises(ApplicationError) as info:
        services.application_submit(
            submitted_by=officer,
            applicant=farmer,
            data=application_input(uscc=make_uscc("93621126"), county_code="621126"),
        )
    assert info.value.code == "outside_scope"
    assert info.value.status_code == 403
    assert VendorApplication.objects.count() == 0


def test_a_consumer_cannot_apply_for_someone_else(farmer):
    other = UserFactory(username="not_an_officer")
    with pytest.raises(ApplicationError) as info:
        services.application_submit(submitted_by=other, applicant=farmer, data=application_input())
    assert info.value.code == "outside_scope"


# --- review ---------------------------------------------------------------------------------------


def test_approval_opens_the_shop(farmer, province_bureau):
    application = submit(farmer)
    application = services.application_approve(application=application, actor=province_bureau)
    vendor = application.vendor
    assert application.status == "approved"
    assert vendor.slug == "cheng-xian-he-tao-he-zuo-she"
    assert (vendor.name, vendor.vendor_type, vendor.county_id, vendor.status) == (
        "成县核桃合作社",
        "cooperative",
        "621221",
        "active",
    )
    assert VendorMembership.objects.get(vendor=vendor).role == "owner"
    account = PayoutAccount.objects.get(vendor=vendor)
    assert (account.number, account.last4) == ("6222021234567890123", "0123")
    assert [s.action for s in application.steps.all()] == ["submit", "approve"]
    assert selectors.user_shop_slugs(user=farmer) == [vendor.slug]
    assert Notification.objects.filter(user=farmer, kind="application_approved").count() == 1


def test_slugs_stay_unique(province_bureau):
    first = open_shop(UserFactory(username="a"), province_bureau)
    second = open_shop(UserFactory(username="b"), province_bureau)
    assert (first.slug, second.slug) == ("cheng-xian-he-tao-he-zuo-she", "cheng-xian-he-tao-he-zuo-she-2")


def test_approving_twice_is_an_invalid_transition(farmer, province_bureau):
    application = services.application_approve(application=submit(farmer), actor=province_bureau)
    with pytest.raises(ApplicationError) as info:
        services.application_approve(application=application, actor=province_bureau)
    assert info.value.code == "invalid_transition"
    assert Vendor.objects.count() == 1


def test_blacklisted_identity_is_refused(farmer, province_bureau):
    application = submit(farmer)
    listed = ListStatus(listed=True, reasons=["court_enforcement"])
    with mock.patch("vendors.services.subject_blacklist_status", return_value=listed) as lookup:
        with pytest.raises(ApplicationError) as info:
            services.application_approve(application=application, actor=province_bureau)
    lookup.assert_called_once_with(subject_code=application.uscc)
    assert info.value.code == "blacklisted"
    assert info.value.status_code == 409
    application.refresh_from_db()
    assert application.status == "submitted"
    assert Vendor.objects.count() == 0


@pytest.mark.parametrize("action", ["request_info", "reject"])
def test_reason_required(farmer, province_bureau, action):
    application = submit(farmer)
    with pytest.raises(ApplicationError) as info:
        getattr(services, f"application_{action}")(application=application, actor=province_bureau, reason=" ")
    assert list(info.value.fields) == ["reason"]
    application.refresh_from_db()
    assert application.status == "submitted"


def test_needs_info_then_resubmit_then_approve(farmer, province_bureau):
    application = submit(farmer)
    services.application_request_info(application=application, actor=province_bureau, reason="营业执照不清晰")
    application = services.application_resubmit(
        application=application,
        actor=farmer,
        data=application_input(uscc=application.uscc, license_image=jpeg("clear.jpg")),
    )
    assert application.status == "resubmitted"
    application = services.application_approve(application=application, actor=province_bureau)
    assert [(s.action, s.to_status, s.reason) for s in application.steps.all()] == [
        ("submit", "submitted", ""),
        ("request_info", "needs_info", "营业执照不清晰"),
        ("resubmit", "resubmitted", ""),
        ("approve", "approved", ""),
    ]


def test_resubmit_only_when_asked(farmer):
    application = submit(farmer)
    with pytest.raises(ApplicationError) as info:
        services.application_resubmit(
            application=application, actor=farmer, data=application_input(uscc=application.uscc)
        )
    assert info.value.code == "invalid_transition"


def test_rejected_application_cannot_be_approved(farmer, province_bureau):
    application = services.application_reject(
        application=submit(farmer), actor=province_bureau, reason="资料不实"
    )
    with pytest.raises(ApplicationError):
        services.application_approve(application=application, actor=province_bureau)
    assert Vendor.objects.count() == 0


def test_county_staff_recommend_once_and_cannot_decide(farmer, county_bureau, province_bureau):
    application = submit(farmer)
    with pytest.raises(ApplicationError) as info:
        services.application_approve(application=application, actor=county_bureau)
    assert info.value.status_code == 403
    with pytest.raises(ApplicationError) as info:
        services.application_recommend(application=application, actor=province_bureau, recommend=True)
    assert info.value.status_code == 403
    with pytest.raises(ApplicationError) as info:
        services.application_recommend(application=application, actor=county_bureau, recommend=False)
    assert "reason" in info.value.fields
    application = services.application_recommend(application=application, actor=county_bureau, recommend=True)
    assert (application.recommendation, application.status) == ("recommended", "submitted")
    with pytest.raises(ApplicationError) as info:
        services.application_recommend(application=application, actor=county_bureau, recommend=True)
    assert info.value.code == "invalid_transition"


def test_county_staff_of_another_county_cannot_recommend(province_bureau):
    other_county = UserFactory(username="bureau_dingxi", roles=["bureau"], roles__scope=["621100"])
    application = submit(UserFactory(username="f2"))
    with pytest.raises(ApplicationError):
        services.application_recommend(application=application, actor=other_county, recommend=True)
    application.refresh_from_db()
    assert application.recommendation == ""


# --- shops, staff, delegation, payouts, qualifications ---------------------------------------------


@pytest.fixture
def shop(farmer, province_bureau):
    return open_shop(farmer, province_bureau)


def test_suspend_hides_and_reinstate_shows(shop, province_bureau):
    services.vendor_set_status(
        vendor=shop, action="suspend", actor=province_bureau, reason="食品安全抽检不合格"
    )
    assert not selectors.vendors_public().filter(pk=shop.pk).exists()
    with pytest.raises(ApplicationError) as info:
        services.vendor_set_status(vendor=shop, action="suspend", actor=province_bureau, reason="again")
    assert info.value.code == "invalid_transition"
    services.vendor_set_status(vendor=shop, action="reinstate", actor=province_bureau, reason="整改完成")
    assert selectors.vendors_public().filter(pk=shop.pk).exists()
    assert [c.to_status for c in shop.status_changes.all()] == ["suspended", "active"]


def test_staff_roles(shop, farmer):
    clerk = UserFactory(username="clerk")
    invitation = services.staff_invite(
        vendor=shop, actor_role="owner", actor=farmer, username="clerk", role="clerk"
    )
    assert not VendorMembership.objects.filter(vendor=shop, user=clerk).exists()  # not before accepting
    with pytest.raises(ApplicationError) as info:
        services.staff_invite(vendor=shop, actor_role="owner", actor=farmer, username="clerk", role="manager")
    assert info.value.code == "already_staff"
    with pytest.raises(ApplicationError) as info:
        services.invitation_respond(invitation=invitation, user=farmer, accept=True)  # not theirs
    assert info.value.code == "not_found"
    services.invitation_respond(invitation=invitation, user=clerk, accept=True)
    assert VendorMembership.objects.get(vendor=shop, user=clerk).role == "clerk"
    with pytest.raises(ApplicationError) as info:
        services.invitation_respond(invitation=invitation, user=clerk, accept=False)
    assert info.value.code == "invalid_transition"
    with pytest.raises(ApplicationError) as info:
        services.staff_invite(vendor=shop, actor_role="owner", actor=farmer, username="clerk", role="manager")
    assert info.value.code == "already_staff"
    with pytest.raises(ApplicationError) as info:
        services.staff_invite(
            vendor=shop, actor_role="manager", actor=clerk, username="farmer_ma", role="clerk"
        )
    assert info.value.status_code == 403
    with pytest.raises(ApplicationError) as info:
        services.payout_account_set(
            vendor=shop,
            actor_role="clerk",
            actor=clerk,
            bank_name="x",
            holder="x",
            number="6222020000000000000",
        )
    assert info.value.status_code == 403
    assert PayoutAccount.objects.get(vendor=shop).number == "6222021234567890123"


def test_declined_invitation_adds_nobody(shop, farmer):
    guest = UserFactory(username="guest")
    invitation = services.staff_invite(
        vendor=shop, actor_role="owner", actor=farmer, username="guest", role="manager"
    )
    services.invitation_respond(invitation=invitation, user=guest, accept=False)
    assert not VendorMembership.objects.filter(user=guest).exists()


def test_owner_closes_the_shop_and_the_identity_may_apply_again(shop, farmer):
    with pytest.raises(ApplicationError) as info:
        services.vendor_close(vendor=shop, actor_role="manager", actor=farmer, reason="x")
    assert info.value.status_code == 403
    services.vendor_close(vendor=shop, actor_role="owner", actor=farmer, reason="不再经营")
    shop.refresh_from_db()
    assert shop.status == "closed"
    with pytest.raises(ApplicationError) as info:
        services.vendor_set_status(
            vendor=shop, action="reinstate", actor=UserFactory(username="b2", roles=["bureau"]), reason="x"
        )
    assert info.value.code == "invalid_transition"
    again = submit(farmer, uscc=shop.uscc, shop_name="新店")
    assert again.status == "submitted"


def test_delegation_grant_and_revoke(shop, farmer, officer):
    delegation = services.delegation_grant(
        vendor=shop, actor_role="owner", actor=farmer, officer_username=officer.username
    )
    assert selectors.vendor_get_for_staff(user=officer, slug=shop.slug, allow_delegate=True) == (
        shop,
        "delegate",
    )
    services.delegation_revoke(vendor=shop, actor_role="owner", actor=farmer, delegation_id=delegation.pk)
    with pytest.raises(Http404):
        selectors.vendor_get_for_staff(user=officer, slug=shop.slug, allow_delegate=True)


def test_delegation_to_an_officer_of_another_county_is_refused(shop, farmer):
    UserFactory(username="officer_minxian", roles=["info_officer"], roles__scope=["621126"])
    with pytest.raises(ApplicationError) as info:
        services.delegation_grant(
            vendor=shop, actor_role="owner", actor=farmer, officer_username="officer_minxian"
        )
    assert info.value.code == "outside_scope"
    assert Delegation.objects.count() == 0


def test_qualifications(shop, farmer, province_bureau, private_files):
    today = timezone.localdate()
    with pytest.raises(ApplicationError) as info:
        services.qualification_add(
            vendor=shop,
            actor_role="owner",
            actor=farmer,
            kind="food",
            number="JY1",
            expires_on=today,
            document=jpeg(),
        )
    assert "expires_on" in info.value.fields
    before = private_files()
    soon = services.qualification_add(
        vendor=shop,
        actor_role="owner",
        actor=farmer,
        kind="food",
        number="JY16212210001",
        expires_on=today + timedelta(days=20),
        document=jpeg(),
    )
    later = services.qualification_add(
        vendor=shop,
        actor_role="manager",
        actor=farmer,
        kind="herb",
        number="GSP-1",
        expires_on=today + timedelta(days=200),
        document=jpeg(),
    )
    assert len(private_files()) == len(before) + 2
    assert soon.status == "in_force"
    assert list(selectors.qualifications_expiring(days=30)) == [soon]
    assert selectors.vendor_has_qualification(vendor=shop, kind="food")
    services.qualification_revoke(qualification=soon, actor=province_bureau, reason="证照吊销")
    assert not selectors.vendor_has_qualification(vendor=shop, kind="food")
    assert Qualification.objects.get(pk=soon.pk).status == "revoked"
    assert later.status == "in_force"


def test_clerk_cannot_upload_qualifications(shop):
    with pytest.raises(ApplicationError) as info:
        services.qualification_add(
            vendor=shop,
            actor_role="clerk",
            actor=shop.memberships.get().user,
            kind="food",
            number="1",
            expires_on=timezone.localdate() + timedelta(days=5),
            document=jpeg(),
        )
    assert info.value.status_code == 403


def test_individual_with_retired_county_code_in_id_number(farmer, province_bureau):
    """An ID issued in 武都县 (622621, re-coded 2004) is valid; stdnum would refuse it for a 2005 birth."""
    application = services.application_submit(
        submitted_by=farmer,
        applicant=farmer,
        data=individual_input(id_number=make_id_number("622621", "20050101"), county_code="621202"),
    )
    assert application.status == "submitted"
