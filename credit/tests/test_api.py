"""The credit API of API.md: status codes, the error envelope, department scoping, query counts."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import auth_client
from credit import services
from credit.models import CreditAudit, CreditObjection, CreditRecord
from credit.tests.conftest import record_input
from vendors.tests.factories import jpeg, make_uscc

pytestmark = pytest.mark.django_db


def body(code, **overrides):
    data = {
        "subject_code": code,
        "polarity": "negative",
        "category": "inspection",
        "severity": 1,
        "title": "抽检不合格",
        "occurred_on": "2026-05-01",
        "legal_basis": "抽检通知书",
        "public": True,
    }
    data.update(overrides)
    return data


def test_a_department_posts_a_record_and_reads_it(market):
    code = make_uscc()
    response = auth_client(market).post("/api/v1/credit/records/", body(code), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert {
        k: data[k] for k in ("polarity", "category", "severity", "expires_on", "department", "status")
    } == {
        "polarity": "negative",
        "category": "inspection",
        "severity": 1,
        "expires_on": "2027-05-01",
        "department": "市场监督管理局",
        "status": "active",
    }
    assert data["subject"] == {"kind": "uscc", "display": code[:4] + "*" * 12 + code[-2:], "name": ""}
    detail = auth_client(market).get(f"/api/v1/credit/records/{data['id']}/")
    assert detail.status_code == 200
    assert detail.json()["title"] == "抽检不合格"


def test_a_department_posts_evidence_as_multipart(market):
    data = body(make_uscc(), evidence=jpeg("scan.jpg"))
    response = auth_client(market).post("/api/v1/credit/records/", data, format="multipart")
    assert response.status_code == 201, response.json()
    assert response.json()["has_evidence"] is True
    assert CreditRecord.objects.get().evidence.name.startswith("credit/creditrecord/")


def test_validation_errors_use_the_envelope(market):
    response = auth_client(market).post(
        "/api/v1/credit/records/", body("123", category="award", severity=2), format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert sorted(response.json()["fields"]) == ["category", "subject_code"]
    assert CreditRecord.objects.count() == 0


def test_who_may_write_and_read(owner, consumer):
    assert (
        auth_client(owner).post("/api/v1/credit/records/", body(make_uscc()), format="json").status_code
        == 403
    )
    assert auth_client(owner).get("/api/v1/credit/records/").status_code == 403
    from rest_framework.test import APIClient

    assert APIClient().get("/api/v1/credit/records/").json()["code"] == "not_authenticated"


def test_department_scoping_404_and_nothing_changed(market, tax, bureau):
    record = services.record_create(actor=market, data=record_input(make_uscc()))
    other = auth_client(tax)
    assert other.get(f"/api/v1/credit/records/{record.pk}/").status_code == 404
    assert other.get("/api/v1/credit/records/").json()["count"] == 0
    response = other.post(f"/api/v1/credit/records/{record.pk}/revoke/", {"reason": "x"}, format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    record.refresh_from_db()
    assert record.status == "active"
    assert auth_client(market).get("/api/v1/credit/records/").json()["count"] == 1
    assert auth_client(bureau).get(f"/api/v1/credit/records/{record.pk}/").status_code == 200
    revoked = auth_client(market).post(
        f"/api/v1/credit/records/{record.pk}/revoke/", {"reason": "录错"}, format="json"
    )
    assert (revoked.status_code, revoked.json()["status"]) == (200, "revoked")


def test_list_filters_by_subject_and_category(market, bureau):
    a, b = make_uscc(), make_uscc()
    services.record_create(actor=market, data=record_input(a))
    services.record_create(
        actor=market, data=record_input(b, polarity="positive", category="award", severity=1)
    )
    client = auth_client(bureau)
    assert client.get("/api/v1/credit/records/", {"subject_code": a}).json()["count"] == 1
    assert [
        r["category"] for r in client.get("/api/v1/credit/records/", {"category": "award"}).json()["results"]
    ] == ["award"]
    assert client.get("/api/v1/credit/records/", {"department": 0}).json()["count"] == 0
    wrong = client.get("/api/v1/credit/records/", {"category": "nope"})
    assert (wrong.status_code, wrong.json()["code"]) == (400, "validation_error")


@pytest.mark.parametrize("rows", [1, 12])
def test_list_query_count_is_constant(market, rows, django_assert_max_num_queries):
    for n in range(rows):
        services.record_create(actor=market, data=record_input(make_uscc(), title=f"记录{n}"))
    client = auth_client(market)
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/credit/records/")
    assert response.json()["count"] == rows


def test_owner_reads_and_objects_and_the_bureau_resolves(
    market, bureau, shop, owner, consumer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record = services.record_create(actor=market, data=record_input(shop.uscc, severity=3))
    assert auth_client(owner).get(f"/api/v1/credit/records/{record.pk}/").status_code == 200
    assert auth_client(consumer).get(f"/api/v1/credit/records/{record.pk}/").status_code == 404
    stranger = auth_client(consumer).post(
        f"/api/v1/credit/records/{record.pk}/objections/", {"reason": "x"}, format="json"
    )
    assert stranger.status_code == 404
    assert CreditObjection.objects.count() == 0

    response = auth_client(owner).post(
        f"/api/v1/credit/records/{record.pk}/objections/", {"reason": "已整改完毕"}, format="json"
    )
    assert response.status_code == 201
    objection_id = response.json()["id"]
    again = auth_client(owner).post(
        f"/api/v1/credit/records/{record.pk}/objections/", {"reason": "再议"}, format="json"
    )
    assert (again.status_code, again.json()["code"]) == (409, "objection_open")

    denied = auth_client(market).post(
        f"/api/v1/credit/objections/{objection_id}/resolve/",
        {"decision": "revoked", "note": "n"},
        format="json",
    )
    assert denied.status_code == 403
    listed = auth_client(bureau).get("/api/v1/credit/objections/").json()
    assert [o["id"] for o in listed["results"]] == [objection_id]
    with django_capture_on_commit_callbacks(execute=True):
        resolved = auth_client(bureau).post(
            f"/api/v1/credit/objections/{objection_id}/resolve/",
            {"decision": "revoked", "note": "处罚决定已撤销"},
            format="json",
        )
    assert resolved.status_code == 200
    assert (resolved.json()["status"], resolved.json()["decided_by"]) == ("revoked", "bureau")
    record.refresh_from_db()
    assert record.status == "revoked"


def test_public_vendor_view(market, shop, django_capture_on_commit_callbacks, api_client):
    unrated = api_client.get(f"/api/v1/credit/vendors/{shop.slug}/").json()
    assert unrated == {
        "grade": None,
        "score": 70,
        "components": [{"rule": "base", "weight": "1", "points": 70}],
        "red_list": False,
        "black_list": False,
        "reasons": [],
        "records": [],
    }
    with django_capture_on_commit_callbacks(execute=True):
        public = services.record_create(
            actor=market,
            data=record_input(shop.uscc, polarity="positive", category="certification", severity=3),
        )
        services.record_create(
            actor=market,
            data=record_input(shop.uscc, polarity="positive", category="award", severity=3, public=False),
        )
    data = api_client.get(f"/api/v1/credit/vendors/{shop.slug}/").json()
    # the record that is not public counts too, but only its category and points are shown
    assert (data["grade"], data["score"], data["red_list"], data["black_list"]) == ("A", 90, True, False)
    assert [(c["rule"], c.get("category"), c["points"]) for c in data["components"]] == [
        ("base", None, 70),
        ("positive", "certification", 10),
        ("positive", "award", 10),
    ]
    assert data["reasons"] == [{"list": "red", "rule": "grade_a_clean_2_years"}]
    assert [r["id"] for r in data["records"]] == [public.pk]
    assert api_client.get("/api/v1/credit/vendors/no-such-shop/").status_code == 404


def test_import_api_reports_rows_and_imports_nothing(market):
    header = ",".join(services.IMPORT_COLUMNS) + "\n"
    good = f"{make_uscc()},甲,negative,inspection,1,抽检,2026-01-01,,,1\n"
    bad = "x,乙,negative,inspection,9,抽检,2026-01-01,,,1\n"
    upload = SimpleUploadedFile("r.csv", (header + good + bad).encode(), content_type="text/csv")
    response = auth_client(market).post(
        "/api/v1/credit/records/import/?lang=en", {"file": upload}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["rows"] == [
        {
            "row": 2,
            "errors": {
                "subject_code": ["Enter a valid Unified Social Credit Code or resident ID number."],
                "severity": ["Severity is 1, 2 or 3."],
            },
        }
    ]
    assert CreditRecord.objects.count() == CreditAudit.objects.count() == 0
    upload = SimpleUploadedFile("r.csv", (header + good).encode(), content_type="text/csv")
    response = auth_client(market).post(
        "/api/v1/credit/records/import/?lang=en", {"file": upload}, format="multipart"
    )
    assert response.status_code == 201
    assert response.json()["imported"] == 1
    assert list(CreditRecord.objects.values_list("pk", flat=True)) == response.json()["records"]
