"""Vendor pages: apply, seller centre, bureau review, public shop page; permissions and query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from gansu_mall.accounts.tests.factories import UserFactory
from gansu_mall.notifications.models import Notification
from vendors.models import PayoutAccount, VendorApplication, VendorMembership
from vendors.tests.factories import jpeg, make_uscc, open_shop

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    data = {
        "shop_name": "庄浪苹果园",
        "vendor_type": "cooperative",
        "legal_name": "庄浪县果农专业合作社",
        "uscc": make_uscc("93620825"),
        "id_number": "",
        "county_code": "620825",
        "contact_phone": "13800001234",
        "license_image": jpeg(),
        "description": "高山苹果",
        "bank_name": "",
        "bank_account_holder": "",
        "bank_account": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def bureau(db):
    return UserFactory(username="bureau", roles=["bureau"])


def test_apply_page_and_submit(client):
    user = UserFactory(username="farmer")
    client.force_login(user)
    page = client.get("/seller/apply/?lang=en")
    assert page.status_code == 200
    assert "Open a shop on Gansu Pavilion" in page.content.decode()
    response = client.post("/seller/apply/", form_data())
    application = VendorApplication.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/seller/applications/{application.pk}/"
    detail = client.get(response["Location"] + "?lang=en").content.decode()
    assert 'data-testid="application-status">submitted<' in detail


def test_apply_shows_errors_in_the_form(client):
    client.force_login(UserFactory(username="farmer"))
    response = client.post("/seller/apply/?lang=en", form_data(uscc="93620825MA0000000A", license_image=""))
    html = response.content.decode()
    assert response.status_code == 200
    assert "The check character of this Unified Social Credit Code is wrong." in html
    assert VendorApplication.objects.count() == 0


def test_apply_needs_sign_in(client):
    assert client.get("/seller/apply/")["Location"] == "/accounts/login/?next=/seller/apply/"


def test_officer_applies_for_farmer_on_the_page(client):
    UserFactory(username="farmer")
    client.force_login(UserFactory(username="officer", roles=["info_officer"], roles__scope=["620825"]))
    response = client.post("/seller/apply/", form_data(on_behalf_of="farmer"))
    assert response.status_code == 302
    application = VendorApplication.objects.get()
    assert (application.applicant.username, application.submitted_by.username) == ("farmer", "officer")


def test_bureau_review_page_flow(client, bureau):
    farmer = UserFactory(username="farmer")
    client.force_login(farmer)
    client.post("/seller/apply/", form_data())
    application = VendorApplication.objects.get()
    assert client.get(f"/bureau/applications/{application.pk}/").status_code == 403
    client.force_login(bureau)
    listing = client.get("/bureau/applications/?status=submitted")
    assert "庄浪苹果园" in listing.content.decode()
    missing_reason = client.post(
        f"/bureau/applications/{application.pk}/?lang=en", {"action": "reject", "reason": ""}
    )
    assert missing_reason.status_code == 400
    assert "Give a reason." in missing_reason.content.decode()
    ok = client.post(f"/bureau/applications/{application.pk}/", {"action": "approve", "reason": ""})
    assert ok.status_code == 302
    application.refresh_from_db()
    assert application.status == "approved"
    client.force_login(farmer)
    home = client.get("/seller/").content.decode()
    assert "庄浪苹果园" in home
    shop = client.get(f"/seller/{application.vendor.slug}/?lang=en").content.decode()
    assert 'data-testid="shop-role">owner<' in shop  # English label of the owner role
    assert Notification.objects.filter(user=farmer, kind="application_approved").count() == 1


def test_bureau_pages_query_counts(client, bureau, django_assert_max_num_queries):
    for i in range(5):
        open_shop(UserFactory(username=f"o{i}"), bureau, shop_name=f"店铺{i}")
    client.force_login(bureau)
    with django_assert_max_num_queries(10):
        assert client.get("/bureau/applications/").status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get("/bureau/shops/").status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get("/bureau/qualifications/expiring/").status_code == 200


def test_seller_shop_page_per_role(client, bureau):
    owner = UserFactory(username="owner")
    shop = open_shop(owner, bureau)
    clerk = UserFactory(username="clerk")
    VendorMembership.objects.create(vendor=shop, user=clerk, role="clerk")
    client.force_login(clerk)
    html = client.get(f"/seller/{shop.slug}/").content.decode()
    assert "6222021234567890123" not in html
    assert "**** **** **** 0123" in html
    assert 'data-testid="bank-account"' not in html
    denied = client.post(
        f"/seller/{shop.slug}/bank-account/",
        {"bank_name": "x", "holder": "x", "number": "6222600000000000001"},
    )
    assert denied.status_code == 302
    assert PayoutAccount.objects.get(vendor=shop).last4 == "0123"
    client.force_login(owner)
    html = client.get(f"/seller/{shop.slug}/").content.decode()
    assert "6222021234567890123" in html
    stranger = UserFactory(username="stranger")
    client.force_login(stranger)
    assert client.get(f"/seller/{shop.slug}/").status_code == 404
    assert (
        client.post(f"/seller/{shop.slug}/staff/", {"username": "stranger", "role": "manager"}).status_code
        == 404
    )


def test_seller_forms(client, bureau):
    owner = UserFactory(username="owner")
    shop = open_shop(owner, bureau)
    helper = UserFactory(username="helper")
    client.force_login(owner)
    assert (
        client.post(f"/seller/{shop.slug}/staff/", {"username": "helper", "role": "manager"}).status_code
        == 302
    )
    assert not VendorMembership.objects.filter(vendor=shop, user=helper).exists()  # invited, not yet in
    client.force_login(helper)
    invitation = shop.invitations.get()
    assert "成县核桃合作社" in client.get("/seller/").content.decode()
    assert client.post(f"/seller/invitations/{invitation.pk}/", {"answer": "accept"}).status_code == 302
    assert VendorMembership.objects.filter(vendor=shop, user=helper, role="manager").exists()
    client.force_login(owner)
    expires = (timezone.localdate() + timedelta(days=60)).isoformat()
    upload = client.post(
        f"/seller/{shop.slug}/qualifications/",
        {"kind": "food", "number": "JY1", "expires_on": expires, "document": jpeg()},
    )
    assert upload.status_code == 302
    bad = client.post(
        f"/seller/{shop.slug}/qualifications/?lang=en",
        {"kind": "food", "number": "JY2", "expires_on": expires, "document": jpeg().file.getvalue()[:20]},
    )
    assert bad.status_code == 400
    assert shop.qualifications.count() == 1
    profile = client.post(
        f"/seller/{shop.slug}/profile/",
        {
            "name_en": "Cheng Walnuts",
            "story": "故事",
            "story_en": "Story",
            "contact_phone": "13900001111",
            "logo": jpeg("logo.jpg"),
        },
    )
    assert profile.status_code == 302
    shop.refresh_from_db()
    assert shop.name_en == "Cheng Walnuts"
    assert shop.logo.name.startswith("shops/logos/")


def test_public_shop_page(client, bureau):
    shop = open_shop(UserFactory(username="owner"), bureau)
    html = client.get(f"/shops/{shop.slug}/").content.decode()
    assert 'data-testid="shop-title">成县核桃合作社<' in html
    assert shop.uscc in html
    client.force_login(bureau)
    client.post("/bureau/shops/", {"slug": shop.slug, "action": "suspend", "reason": "抽检"})
    client.logout()
    assert client.get(f"/shops/{shop.slug}/").status_code == 404


def test_notifications_page_and_api(client, client_for, bureau):
    owner = UserFactory(username="owner")
    open_shop(owner, bureau)
    client.force_login(owner)
    html = client.get("/notifications/?lang=en").content.decode()
    assert "Your shop is open" in html
    api = client_for(owner).get("/api/v1/notifications/?lang=en").json()
    assert [n["kind"] for n in api["results"]] == ["application_approved", "application_submitted"]
    assert client_for(owner).post("/api/v1/notifications/read/", {}, format="json").json() == {"marked": 2}
    assert client.post("/notifications/read/").status_code == 302


def test_bureau_sees_delegations(client, bureau):
    officer = UserFactory(username="officer_cx", roles=["info_officer"], roles__scope=["621221"])
    owner = UserFactory(username="owner")
    shop = open_shop(owner, bureau)
    from vendors import services

    services.delegation_grant(vendor=shop, actor_role="owner", actor=owner, officer_username=officer.username)
    client.force_login(bureau)
    html = client.get("/bureau/shops/").content.decode()
    assert f'data-testid="delegates-{shop.slug}">' in html
    assert "officer_cx" in html.split(f'data-testid="delegates-{shop.slug}">')[1].split("</td>")[0]


def test_scoped_bureau_pages_show_only_their_area(client, bureau):
    from vendors import services

    owner = UserFactory(username="owner")
    shop = open_shop(owner, bureau)  # in 成县, Longnan
    services.qualification_add(
        vendor=shop,
        actor_role="owner",
        actor=owner,
        kind="food",
        number="JY-CX",
        expires_on=timezone.localdate() + timedelta(days=5),
        document=jpeg(),
    )
    client.force_login(UserFactory(username="dingxi", roles=["bureau"], roles__scope=["621100"]))
    assert "成县核桃合作社" not in client.get("/bureau/shops/").content.decode()
    assert "JY-CX" not in client.get("/bureau/qualifications/expiring/").content.decode()
    assert (
        client.post("/bureau/shops/", {"slug": shop.slug, "action": "suspend", "reason": "x"}).status_code
        == 404
    )
    client.force_login(UserFactory(username="longnan", roles=["bureau"], roles__scope=["621200"]))
    assert "成县核桃合作社" in client.get("/bureau/shops/").content.decode()
    assert "JY-CX" in client.get("/bureau/qualifications/expiring/").content.decode()


def test_remove_staff_and_end_delegation_on_the_page(client, bureau):
    from vendors import services
    from vendors.models import Delegation

    owner = UserFactory(username="owner")
    shop = open_shop(owner, bureau)
    clerk = VendorMembership.objects.create(vendor=shop, user=UserFactory(username="clerk"), role="clerk")
    officer = UserFactory(username="officer_cx", roles=["info_officer"], roles__scope=["621221"])
    delegation = services.delegation_grant(
        vendor=shop, actor_role="owner", actor=owner, officer_username=officer.username
    )
    client.force_login(clerk.user)
    assert (
        client.post(f"/seller/{shop.slug}/staff/{clerk.pk}/remove/").status_code == 302
    )  # refused with a message
    assert VendorMembership.objects.filter(pk=clerk.pk).exists()
    client.force_login(owner)
    assert client.post(f"/seller/{shop.slug}/staff/{clerk.pk}/remove/").status_code == 302
    assert not VendorMembership.objects.filter(pk=clerk.pk).exists()
    owner_membership = shop.memberships.get(role="owner")
    client.post(f"/seller/{shop.slug}/staff/{owner_membership.pk}/remove/")
    assert VendorMembership.objects.filter(pk=owner_membership.pk).exists()  # the owner stays
    assert client.post(f"/seller/{shop.slug}/delegations/{delegation.pk}/revoke/").status_code == 302
    assert Delegation.objects.get(pk=delegation.pk).revoked_at is not None
    assert client.get(f"/seller/{shop.slug}/staff/{clerk.pk}/remove/").status_code == 405


def test_admin_pages_do_not_show_personal_numbers(client, bureau):
    shop = open_shop(UserFactory(username="owner"), bureau)
    client.force_login(UserFactory(username="root", roles=["admin"]))
    application = shop.application
    for url in (
        "/admin/vendors/vendorapplication/",
        f"/admin/vendors/vendorapplication/{application.pk}/change/",
        f"/admin/vendors/vendor/{shop.pk}/change/",
        f"/admin/vendors/payoutaccount/{shop.payout_account.pk}/change/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "6222021234567890123" not in response.content.decode()
    qualification_url = "/admin/vendors/qualification/"
    assert client.get(qualification_url).status_code == 200
