"""Vendor API: every endpoint, every role, vendor isolation (404 outside the caller's shops)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from gansu_mall.accounts.tests.factories import UserFactory
from vendors.models import PayoutAccount, Qualification, Vendor, VendorApplication, VendorMembership
from vendors.tests.factories import jpeg, make_id_number, make_uscc, open_shop

pytestmark = pytest.mark.django_db


def application_payload(**overrides):
    payload = {
        "shop_name": "陇西黄芪坊",
        "vendor_type": "enterprise",
        "legal_name": "陇西县黄芪药业有限公司",
        "uscc": make_uscc("91621122"),
        "county_code": "621122",
        "contact_phone": "0932-6621234",
        "license_image": jpeg(),
        "bank_name": "中国农业银行",
        "bank_account_holder": "陇西县黄芪药业有限公司",
        "bank_account": "6228480012345678901",
    }
    payload.update(overrides)
    return payload


@pytest.fixture
def applicant(db):
    return UserFactory(username="applicant")


@pytest.fixture
def bureau(db):
    return UserFactory(username="bureau", roles=["bureau"])


def test_submit_application(client_for, applicant):
    response = client_for(applicant).post(
        "/api/v1/vendor-applications/", application_payload(), format="multipart"
    )
    assert response.status_code == 201
    data = response.json()
    application = VendorApplication.objects.get()
    assert data["id"] == application.pk
    assert data["status"] == "submitted"
    assert data["county"] == {"code": "621122", "name": "陇西县", "name_en": "Longxi County"}
    assert data["bank_account"] == "6228480012345678901"  # the applicant sees it in full
    assert data["license_image_url"] == f"/documents/applications/{application.pk}/licence/"
    assert [s["action"] for s in data["steps"]] == ["submit"]


def test_submit_requires_sign_in(api_client):
    assert (
        api_client.post("/api/v1/vendor-applications/", application_payload(), format="multipart").status_code
        == 401
    )
    assert VendorApplication.objects.count() == 0


def test_invalid_uscc_is_reported_on_its_field(client_for, applicant):
    response = client_for(applicant).post(
        "/api/v1/vendor-applications/",
        application_payload(uscc="91621122MA0000000Z"),
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert list(body["fields"]) == ["uscc"]
    assert VendorApplication.objects.count() == 0


def test_invalid_id_number(client_for, applicant):
    response = client_for(applicant).post(
        "/api/v1/vendor-applications/",
        application_payload(
            vendor_type="individual", uscc="", id_number="621122199013011234", license_image=""
        ),
        format="multipart",
    )
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["id_number"]


def test_oversized_image_is_refused(client_for, applicant, settings):
    settings.IMAGE_UPLOAD_MAX_BYTES = 500
    response = client_for(applicant).post(
        "/api/v1/vendor-applications/",
        application_payload(license_image=jpeg(size=(400, 400))),
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["license_image"]
    assert VendorApplication.objects.count() == 0


def test_duplicate_application_is_409(client_for, applicant):
    payload = application_payload()
    client_for(applicant).post("/api/v1/vendor-applications/", payload, format="multipart")
    payload["license_image"] = jpeg()
    again = client_for(applicant).post("/api/v1/vendor-applications/", payload, format="multipart")
    assert again.status_code == 409
    assert again.json()["code"] == "duplicate_application"


def test_officer_applies_on_behalf(client_for, applicant):
    officer = UserFactory(username="officer", roles=["info_officer"], roles__scope=["621122"])
    response = client_for(officer).post(
        "/api/v1/vendor-applications/", application_payload(on_behalf_of="applicant"), format="multipart"
    )
    assert response.status_code == 201
    data = response.json()
    assert (data["applicant"], data["submitted_by"]) == ("applicant", "officer")
    assert data["bank_account"] == "**** **** **** 8901"  # masked for the officer
    assert data["license_image_url"] is None


def test_officer_outside_county_is_403(client_for, applicant):
    officer = UserFactory(username="officer", roles=["info_officer"], roles__scope=["621221"])
    response = client_for(officer).post(
        "/api/v1/vendor-applications/", application_payload(on_behalf_of="applicant"), format="multipart"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "outside_scope"
    assert VendorApplication.objects.count() == 0


def test_on_behalf_needs_the_officer_role(client_for, applicant):
    other = UserFactory(username="plain")
    response = client_for(other).post(
        "/api/v1/vendor-applications/", application_payload(on_behalf_of="applicant"), format="multipart"
    )
    assert response.status_code == 403
    assert VendorApplication.objects.count() == 0


@pytest.fixture
def application(client_for, applicant):
    client_for(applicant).post("/api/v1/vendor-applications/", application_payload(), format="multipart")
    return VendorApplication.objects.get(applicant=applicant)


def test_visibility_of_applications(
    client_for, applicant, bureau, application, django_assert_max_num_queries
):
    stranger = UserFactory(username="stranger")
    assert client_for(stranger).get(f"/api/v1/vendor-applications/{application.pk}/").status_code == 404
    assert client_for(stranger).get("/api/v1/vendor-applications/").json()["count"] == 0
    assert client_for(applicant).get("/api/v1/vendor-applications/").json()["count"] == 1
    longnan = UserFactory(username="longnan", roles=["bureau"], roles__scope=["621200"])
    assert client_for(longnan).get("/api/v1/vendor-applications/").json()["count"] == 0  # Longxi is in Dingxi
    client = client_for(bureau)
    with django_assert_max_num_queries(10):
        data = client.get("/api/v1/vendor-applications/?status=submitted").json()
    assert data["count"] == 1
    assert data["results"][0]["bank_account"] == "6228480012345678901"
    assert client.get("/api/v1/vendor-applications/?status=approved").json()["count"] == 0
    assert client.get("/api/v1/vendor-applications/?status=nope").status_code == 400


def test_application_list_query_count_is_constant(client_for, bureau, django_assert_max_num_queries):
    for i in range(6):
        user = UserFactory(username=f"app{i}")
        client_for(user).post(
            "/api/v1/vendor-applications/", application_payload(shop_name=f"店{i}"), format="multipart"
        )
    client = client_for(bureau)
    with django_assert_max_num_queries(10):
        data = client.get("/api/v1/vendor-applications/").json()
    assert data["count"] == 6


def test_review_actions_by_role(client_for, applicant, bureau, application):
    url = f"/api/v1/vendor-applications/{application.pk}"
    assert client_for(applicant).post(f"{url}/approve/").status_code == 403  # own application, not allowed
    assert client_for(UserFactory(username="x")).post(f"{url}/approve/").status_code == 404  # not visible
    missing_reason = client_for(bureau).post(f"{url}/reject/", {}, format="json")
    assert missing_reason.status_code == 400
    assert list(missing_reason.json()["fields"]) == ["reason"]
    info = client_for(bureau).post(f"{url}/request-info/", {"reason": "请补充产地证明"}, format="json")
    assert info.status_code == 200
    assert info.json()["status"] == "needs_info"
    resubmit = client_for(applicant).post(
        f"{url}/resubmit/", application_payload(uscc=application.uscc), format="multipart"
    )
    assert resubmit.status_code == 200
    assert resubmit.json()["status"] == "resubmitted"
    approved = client_for(bureau).post(f"{url}/approve/")
    assert approved.status_code == 200
    data = approved.json()
    assert data["status"] == "approved"
    assert data["vendor"] == {"slug": "long-xi-huang-qi-fang", "name": "陇西黄芪坊"}
    again = client_for(bureau).post(f"{url}/approve/")
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"
    assert Vendor.objects.count() == 1
    me = client_for(applicant).get("/api/v1/auth/me/").json()
    assert me["shops"] == ["long-xi-huang-qi-fang"]


def test_reject(client_for, bureau, application):
    response = client_for(bureau).post(
        f"/api/v1/vendor-applications/{application.pk}/reject/", {"reason": "执照与名称不符"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    assert response.json()["steps"][-1]["reason"] == "执照与名称不符"


def test_county_recommendation(client_for, application):
    dingxi = UserFactory(username="dingxi", roles=["bureau"], roles__scope=["621100"])
    response = client_for(dingxi).post(
        f"/api/v1/vendor-applications/{application.pk}/recommend/", {"recommend": True}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["recommendation"] == "recommended"


# --- shops ----------------------------------------------------------------------------------------


@pytest.fixture
def owner(db):
    return UserFactory(username="owner")


@pytest.fixture
def shop(owner, bureau):
    return open_shop(owner, bureau)


@pytest.fixture
def other_shop(bureau):
    return open_shop(
        UserFactory(username="other_owner"),
        bureau,
        uscc=make_uscc("93621126"),
        county_code="621126",
        shop_name="岷县当归社",
    )


def test_public_shop_list_and_detail(api_client, shop, other_shop, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        data = api_client.get("/api/v1/vendors/").json()
    assert data["count"] == 2
    detail = api_client.get(f"/api/v1/vendors/{shop.slug}/").json()
    assert {
        k: detail[k] for k in ("slug", "name", "vendor_type", "county", "credit_grade", "rating", "uscc")
    } == {
        "slug": shop.slug,
        "name": "成县核桃合作社",
        "vendor_type": "cooperative",
        "county": {"code": "621221", "name": "成县", "name_en": "Cheng County"},
        "credit_grade": None,
        "rating": None,
        "uscc": shop.uscc,
    }
    assert "id_number" not in detail
    assert "bank_account" not in str(detail)


def test_individual_shop_hides_the_person(api_client, bureau):
    person = UserFactory(username="person")
    vendor = open_shop(
        person,
        bureau,
        vendor_type="individual",
        uscc="",
        id_number=make_id_number(),
        license_image=None,
        shop_name="马家花椒",
    )
    detail = api_client.get(f"/api/v1/vendors/{vendor.slug}/").json()
    assert detail["legal_name"] is None
    assert detail["uscc"] is None


def test_suspend_and_reinstate(client_for, api_client, shop, bureau, owner):
    assert client_for(owner).post(f"/api/v1/vendors/{shop.slug}/suspend/", {"reason": "x"}).status_code == 403
    no_reason = client_for(bureau).post(f"/api/v1/vendors/{shop.slug}/suspend/", {}, format="json")
    assert no_reason.status_code == 400
    ok = client_for(bureau).post(
        f"/api/v1/vendors/{shop.slug}/suspend/", {"reason": "抽检不合格"}, format="json"
    )
    assert ok.status_code == 200
    assert ok.json()["status"] == "suspended"
    assert api_client.get(f"/api/v1/vendors/{shop.slug}/").status_code == 404
    assert api_client.get("/api/v1/vendors/").json()["count"] == 0
    back = client_for(bureau).post(
        f"/api/v1/vendors/{shop.slug}/reinstate/", {"reason": "整改完成"}, format="json"
    )
    assert back.json()["status"] == "active"


def test_staff_endpoint(client_for, shop, owner):
    invitee = UserFactory(username="clerk1")
    client = client_for(owner)
    url = f"/api/v1/vendors/{shop.slug}/staff/"
    added = client.post(url, {"username": "clerk1", "role": "clerk"}, format="json")
    assert added.status_code == 201
    assert (added.json()["role"], added.json()["status"]) == ("clerk", "invited")
    staff = client.get(url).json()
    assert [(m["username"], m["role"], m["status"]) for m in staff] == [
        ("owner", "owner", "active"),
        ("clerk1", "clerk", "invited"),
    ]
    assert client.post(url, {"username": "clerk1", "role": "owner"}, format="json").status_code == 400
    assert client.post(url, {"username": "ghost", "role": "clerk"}, format="json").status_code == 400
    mine = client_for(invitee).get("/api/v1/staff-invitations/").json()
    assert [(i["shop"], i["role"]) for i in mine] == [(shop.slug, "clerk")]
    assert (
        client.post(f"/api/v1/staff-invitations/{mine[0]['id']}/accept/").status_code == 404
    )  # not the owner's
    accepted = client_for(invitee).post(f"/api/v1/staff-invitations/{mine[0]['id']}/accept/")
    assert accepted.json()["status"] == "accepted"
    staff = client.get(url).json()
    assert [(m["username"], m["status"]) for m in staff] == [("owner", "active"), ("clerk1", "active")]
    assert client_for(invitee).get(url).status_code == 403  # a clerk does not manage staff


def test_bank_account_owner_only(client_for, shop, owner):
    clerk = UserFactory(username="clerk1")
    manager = UserFactory(username="manager1")
    VendorMembership.objects.create(vendor=shop, user=clerk, role="clerk")
    VendorMembership.objects.create(vendor=shop, user=manager, role="manager")
    url = f"/api/v1/vendors/{shop.slug}/payout-account/"
    new = {"bank_name": "兰州银行", "holder": "x", "number": "6222600000000000001"}
    for user in (clerk, manager):
        assert client_for(user).get(url).status_code == 403
        assert client_for(user).put(url, new, format="json").status_code == 403
    assert PayoutAccount.objects.get(vendor=shop).number == "6222021234567890123"
    assert client_for(owner).get(url).json()["number"] == "6222021234567890123"
    assert client_for(owner).put(url, new, format="json").status_code == 200
    assert PayoutAccount.objects.get(vendor=shop).last4 == "0001"


def test_qualifications_endpoint(client_for, shop, owner, bureau):
    url = f"/api/v1/vendors/{shop.slug}/qualifications/"
    expires = (timezone.localdate() + timedelta(days=90)).isoformat()
    created = client_for(owner).post(
        url,
        {"kind": "herb", "number": "药GSP-2026-01", "expires_on": expires, "document": jpeg()},
        format="multipart",
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["kind"], body["expires_on"], body["status"]) == ("herb", expires, "in_force")
    assert client_for(bureau).get(url).json()[0]["number"] == "药GSP-2026-01"
    revoke = client_for(bureau).post(
        f"/api/v1/qualifications/{body['id']}/revoke/", {"reason": "吊销"}, format="json"
    )
    assert revoke.json()["status"] == "revoked"
    assert (
        client_for(owner).post(f"/api/v1/qualifications/{body['id']}/revoke/", {"reason": "x"}).status_code
        == 403
    )
    fake = client_for(owner).post(
        url,
        {"kind": "food", "number": "1", "expires_on": expires, "document": jpeg().file.getvalue()[:10]},
        format="multipart",
    )
    assert fake.status_code == 400
    assert Qualification.objects.count() == 1


def test_close_and_expiring_endpoints(client_for, shop, owner, bureau):
    assert client_for(owner).post(f"/api/v1/vendors/{shop.slug}/close/", {}, format="json").status_code == 400
    closed = client_for(owner).post(f"/api/v1/vendors/{shop.slug}/close/", {"reason": "歇业"}, format="json")
    assert closed.json()["status"] == "closed"
    assert client_for(owner).get("/api/v1/qualifications/expiring/").status_code == 403
    assert client_for(bureau).get("/api/v1/qualifications/expiring/?days=30").json()["count"] == 0
    assert client_for(bureau).get("/api/v1/qualifications/expiring/?days=x").status_code == 400


def test_delegation_endpoints(client_for, shop, owner, bureau):
    officer = UserFactory(username="officer_cx", roles=["info_officer"], roles__scope=["621221"])
    url = f"/api/v1/vendors/{shop.slug}/delegations/"
    created = client_for(owner).post(url, {"officer": "officer_cx"}, format="json")
    assert created.status_code == 201
    assert client_for(bureau).get(url).json()[0]["officer"] == "officer_cx"
    revoked = client_for(owner).post(f"{url}{created.json()['id']}/revoke/")
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert client_for(officer).get(url).status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "staff/"),
        ("post", "staff/"),
        ("get", "qualifications/"),
        ("post", "qualifications/"),
        ("get", "payout-account/"),
        ("put", "payout-account/"),
        ("get", "delegations/"),
        ("post", "delegations/"),
        ("patch", ""),
        ("post", "close/"),
    ],
)
def test_staff_of_one_shop_cannot_reach_another(client_for, shop, other_shop, owner, method, path):
    response = getattr(client_for(owner), method)(
        f"/api/v1/vendors/{other_shop.slug}/{path}", {}, format="json"
    )
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_private_documents(client, shop, owner, bureau, applicant, application):
    url = f"/documents/applications/{application.pk}/licence/"
    assert client.get(url).status_code == 404
    client.force_login(UserFactory(username="nosy"))
    assert client.get(url).status_code == 404
    client.force_login(applicant)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"
    client.force_login(bureau)
    assert client.get(url).status_code == 200
    client.force_login(owner)
    assert client.get(f"/documents/shops/{shop.slug}/licence/").status_code == 200
    client.force_login(
        VendorMembership.objects.create(vendor=shop, user=UserFactory(username="c"), role="clerk").user
    )
    assert client.get(f"/documents/shops/{shop.slug}/licence/").status_code == 404


def test_profile_update(client_for, shop, owner):
    response = client_for(owner).patch(
        f"/api/v1/vendors/{shop.slug}/",
        {"name_en": "Chengxian Walnut Co-op", "story_en": "Mountain walnuts."},
        format="multipart",
    )
    assert response.status_code == 200
    assert response.json()["name_en"] == "Chengxian Walnut Co-op"
