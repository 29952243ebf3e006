"""Services of the credit registry: records, scoping, import, objections, repair, the audit, the effects."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from credit import services
from credit.models import CreditAudit, CreditObjection, CreditRecord, CreditScore, CreditSubject
from credit.selectors import ListStatus, subject_blacklist_status
from credit.tests.conftest import record_input
from gansu_mall.core.errors import ApplicationError
from vendors.models import Vendor
from vendors.tests.factories import make_id_number, make_uscc

pytestmark = pytest.mark.django_db


def test_a_department_records_a_negative_record_with_the_policy_expiry_and_an_audit(market, on_commit):
    code = make_uscc()
    record = on_commit(services.record_create, actor=market, data=record_input(code, subject_name="某合作社"))
    record.refresh_from_db()
    assert record.department == market.department
    assert record.expires_on == date(2029, 3, 1)  # severity 2: 3 years
    subject = CreditSubject.objects.get()
    assert (subject.kind, subject.display, subject.name) == (
        "uscc",
        code[:4] + "*" * 12 + code[-2:],
        "某合作社",
    )
    audit = CreditAudit.objects.get(action="record_created")
    assert (audit.actor, audit.object_id, audit.before, audit.after["title"]) == (
        market,
        record.pk,
        None,
        "未按规定标注产地",
    )
    score = CreditScore.objects.get(subject=subject)
    assert (score.score, score.grade) == (58, "C")


def test_policy_periods_per_severity(market, settings):
    settings.CREDIT_NEGATIVE_EXPIRY_YEARS = [1, 3, 5]
    code = make_id_number()
    for severity, expected in ((1, date(2027, 3, 1)), (3, date(2031, 3, 1))):
        record = services.record_create(actor=market, data=record_input(code, severity=severity))
        assert record.expires_on == expected
    positive = services.record_create(
        actor=market, data=record_input(code, polarity="positive", category="certification", severity=1)
    )
    assert positive.expires_on is None


def test_invalid_records_are_refused_field_by_field_and_nothing_is_written(market):
    data = record_input(
        "91620100MA0123456X",
        polarity="positive",
        category="serious_violation",
        severity=4,
        title=" ",
        occurred_on=timezone.localdate() + timedelta(days=1),
    )
    with pytest.raises(ApplicationError) as caught:
        services.record_create(actor=market, data=data)
    assert caught.value.code == "validation_error"
    assert sorted(caught.value.fields) == ["category", "occurred_on", "severity", "subject_code", "title"]
    assert CreditRecord.objects.count() == CreditSubject.objects.count() == CreditAudit.objects.count() == 0


def test_only_departments_and_the_bureau_write(owner):
    with pytest.raises(ApplicationError) as caught:
        services.record_create(actor=owner, data=record_input(make_uscc()))
    assert caught.value.code == "permission_denied"
    assert CreditRecord.objects.count() == 0


def test_a_department_cannot_revoke_another_departments_record(market, tax, bureau):
    record = services.record_create(actor=market, data=record_input(make_uscc()))
    with pytest.raises(Http404):
        services.record_revoke(record=record, actor=tax, reason="不是我们的")
    record.refresh_from_db()
    assert record.status == "active"
    assert CreditAudit.objects.filter(action="record_revoked").count() == 0
    services.record_revoke(record=record, actor=market, reason="录入错误")
    record.refresh_from_db()
    assert record.status == "revoked"
    audit = CreditAudit.objects.get(action="record_revoked")
    assert (audit.before["status"], audit.after["status"], audit.after["reason"]) == (
        "active",
        "revoked",
        "录入错误",
    )


CSV_HEADER = (
    "subject_code,subject_name,polarity,category,severity,title,occurred_on,expires_on,legal_basis,public\n"
)


def test_import_with_a_broken_row_imports_nothing_and_reports_each_row(market):
    good = make_uscc()
    content = (
        CSV_HEADER
        + f"{good},甲社,negative,administrative_penalty,1,超范围经营,2026-01-05,,条例,1\n"
        + "12345,乙社,negative,administrative_penalty,1,无证,2026-01-05,,,1\n"
        + f"{good},甲社,positive,award,5,,2026-13-01,,,0\n"
    ).encode()
    with pytest.raises(ApplicationError) as caught:
        services.records_import(actor=market, content=content)
    assert caught.value.code == "validation_error"
    assert caught.value.extra["rows"] == [
        {
            "row": 2,
            "errors": {"subject_code": ["Enter a valid Unified Social Credit Code or resident ID number."]},
        },
        {
            "row": 3,
            "errors": {
                "severity": ["Severity is 1, 2 or 3."],
                "title": ["Give the record a title."],
                "occurred_on": ["Enter the date as YYYY-MM-DD."],
            },
        },
    ]
    assert CreditRecord.objects.count() == CreditSubject.objects.count() == CreditAudit.objects.count() == 0


def test_import_of_good_rows_creates_all_of_them(market, on_commit):
    a, b = make_uscc(), make_id_number()
    content = (
        "\ufeff"
        + CSV_HEADER
        + f"{a},甲社,positive,gi_authorisation,3,地理标志使用授权,2026-01-05,,,1\n"
        + f"{b},王某,negative,court_enforcement,2,失信被执行,2026-02-01,,民事判决,0\n"
    ).encode()
    records = on_commit(services.records_import, actor=market, content=content)
    assert [(r.category, r.public, r.department_id) for r in records] == [
        ("gi_authorisation", True, market.department.pk),
        ("court_enforcement", False, market.department.pk),
    ]
    assert CreditAudit.objects.filter(action="record_created").count() == 2
    assert subject_blacklist_status(subject_code=b) == ListStatus(
        listed=True, reasons=["court_enforcement: 失信被执行"]
    )
    assert subject_blacklist_status(subject_code=a) == ListStatus(listed=False, reasons=[])


def test_objection_flow_upheld_then_revoked(market, bureau, shop, owner, on_commit):
    record = on_commit(services.record_create, actor=market, data=record_input(shop.uscc, severity=3))
    shop.refresh_from_db()
    assert shop.credit_grade == "D"
    hashes = {shop.identity_hash}
    with pytest.raises(Http404):  # not the owner of a shop of that identity
        services.objection_create(record=record, user=market, owned_identity_hashes=set(), reason="x")
    objection = services.objection_create(
        record=record, user=owner, owned_identity_hashes=hashes, reason="已整改"
    )
    with pytest.raises(ApplicationError) as caught:
        services.objection_create(record=record, user=owner, owned_identity_hashes=hashes, reason="再次")
    assert caught.value.code == "objection_open"
    assert CreditObjection.objects.count() == 1

    with pytest.raises(ApplicationError) as caught:
        services.objection_resolve(objection=objection, actor=market, decision="revoked", note="n")
    assert caught.value.code == "permission_denied"
    upheld = services.objection_resolve(objection=objection, actor=bureau, decision="upheld", note="证据充分")
    assert (upheld.status, upheld.decided_by, upheld.note) == ("upheld", bureau, "证据充分")
    record.refresh_from_db()
    assert record.status == "active"
    with pytest.raises(ApplicationError) as caught:
        services.objection_resolve(objection=objection, actor=bureau, decision="revoked", note="改判")
    assert caught.value.code == "objection_decided"

    second = services.objection_create(
        record=record, user=owner, owned_identity_hashes=hashes, reason="新证据"
    )
    on_commit(
        services.objection_resolve, objection=second, actor=bureau, decision="revoked", note="处罚已撤销"
    )
    record.refresh_from_db()
    shop.refresh_from_db()
    assert record.status == "revoked"
    assert shop.credit_grade == ""  # nothing counts any more: unrated
    assert list(CreditAudit.objects.order_by("id").values_list("action", flat=True)) == [
        "record_created",
        "score_computed",
        "objection_raised",
        "objection_upheld",
        "objection_raised",
        "objection_revoked",
        "record_revoked",
        "score_computed",
    ]


def test_repair_only_after_the_minimum_period_and_halves_the_weight(market, bureau, settings, on_commit):
    settings.CREDIT_REPAIR_MIN_MONTHS = [3, 12, 36]
    code = make_uscc()
    record = on_commit(
        services.record_create,
        actor=market,
        data=record_input(code, severity=2, occurred_on=date(2026, 3, 1)),
    )
    with pytest.raises(ApplicationError) as caught:
        services.record_repair(record=record, actor=bureau, today=date(2027, 2, 28))
    assert caught.value.code == "repair_too_early"
    record.refresh_from_db()
    assert record.repaired_at is None
    with pytest.raises(ApplicationError) as caught:
        services.record_repair(record=record, actor=market, today=date(2027, 3, 1))
    assert caught.value.code == "permission_denied"
    on_commit(services.record_repair, record=record, actor=bureau, today=date(2027, 3, 1))
    record.refresh_from_db()
    assert record.repaired_at is not None
    assert CreditScore.objects.get().score == 64  # 70 - 12/2
    assert CreditAudit.objects.filter(action="record_repaired", actor=bureau).count() == 1


def test_black_listed_identity_cannot_be_approved_as_a_vendor(market, bureau, owner, on_commit):
    from vendors import services as vendor_services
    from vendors.tests.factories import application_input

    code = make_uscc()
    on_commit(
        services.record_create,
        actor=market,
        data=record_input(code, category="serious_violation", severity=3, title="销售假冒地理标志产品"),
    )
    application = vendor_services.application_submit(
        submitted_by=owner, applicant=owner, data=application_input(uscc=code)
    )
    with pytest.raises(ApplicationError) as caught:
        vendor_services.application_approve(application=application, actor=bureau)
    assert caught.value.code == "blacklisted"
    assert caught.value.extra == {"reasons": ["serious_violation: 销售假冒地理标志产品", "grade_d"]}
    application.refresh_from_db()
    assert application.status == "submitted"
    assert Vendor.objects.count() == 0


def test_listing_an_open_shop_suspends_it_and_grades_follow(market, shop, on_commit):
    from catalog.selectors import products_public

    assert shop.status == "active"
    on_commit(
        services.record_create,
        actor=market,
        data=record_input(shop.uscc, category="court_enforcement", severity=1, title="拒不履行判决"),
    )
    shop.refresh_from_db()
    assert (shop.status, shop.credit_grade) == ("suspended", "C")
    change = shop.status_changes.get()
    assert (change.actor, change.reason) == (market, "On the credit black list (court_enforcement).")
    assert list(products_public().filter(vendor=shop)) == []


def test_good_records_raise_the_grade_and_popularity_follows(market, shop, on_commit):
    from catalog.models import Product
    from catalog.services import GRADE_WEIGHT

    for n in range(3):
        on_commit(
            services.record_create,
            actor=market,
            data=record_input(
                shop.uscc, polarity="positive", category="certification", severity=3, title=f"有机{n}"
            ),
        )
    shop.refresh_from_db()
    assert shop.credit_grade == "A"
    assert CreditScore.objects.get().red_list is True
    assert GRADE_WEIGHT["A"] > GRADE_WEIGHT[""]
    assert Product.objects.filter(vendor=shop).count() == 0  # the shop has no products; refresh is a no-op


def test_nightly_recompute_lets_records_expire(market, on_commit):
    from credit.tasks import credit_scores_nightly

    code = make_uscc()
    record = on_commit(services.record_create, actor=market, data=record_input(code, severity=1))
    assert CreditScore.objects.get().score == 66
    CreditRecord.objects.filter(pk=record.pk).update(
        occurred_on=date(2020, 1, 1), expires_on=date(2021, 1, 1)
    )  # as if years had passed
    assert credit_scores_nightly() == 1
    score = CreditScore.objects.get()
    assert (score.score, score.grade) == (70, "")


def test_the_bureau_enters_a_record_on_behalf_of_a_department_a_department_may_not(market, tax, bureau):
    record = services.record_create(actor=bureau, data=record_input(make_uscc()), on_behalf_of=tax.department)
    assert record.department == tax.department
    with pytest.raises(ApplicationError) as caught:
        services.record_create(actor=market, data=record_input(make_uscc()), on_behalf_of=tax.department)
    assert caught.value.code == "permission_denied"
    assert CreditRecord.objects.count() == 1


def test_import_refuses_a_file_that_is_not_utf8_csv_or_lacks_columns(market):
    for content, message in (
        ("名".encode("gb18030"), "The file is not UTF-8 text."),
        (
            b"subject_code,title\n",
            "Missing columns: subject_name, polarity, category, severity, occurred_on, expires_on, legal_basis, public.",
        ),
        (CSV_HEADER.encode(), "The file has no rows."),
        ((CSV_HEADER + "a" * 140_000 + "\n").encode(), "The file is not a CSV file."),  # over the field limit
    ):
        with pytest.raises(ApplicationError) as caught:
            services.records_import(actor=market, content=content)
        assert caught.value.fields == {"file": [message]}
    assert CreditRecord.objects.count() == 0


def test_an_objection_that_fails_leaves_no_evidence_file(
    market, shop, owner, settings, on_commit, monkeypatch
):
    """The evidence is written before the row; when the transaction fails after that (here the audit), the
    file goes again: nothing half-written."""
    from pathlib import Path

    from vendors.tests.factories import jpeg

    record = on_commit(services.record_create, actor=market, data=record_input(shop.uscc))
    private = Path(settings.PRIVATE_MEDIA_ROOT)
    before = sorted(p.name for p in private.rglob("*") if p.is_file())

    def broken_audit(**_kwargs):
        raise RuntimeError("audit failed")

    monkeypatch.setattr(services, "_audit", broken_audit)
    with pytest.raises(RuntimeError):
        services.objection_create(
            record=record,
            user=owner,
            owned_identity_hashes={shop.identity_hash},
            reason="抽检样品不是本店产品",
            evidence=jpeg("evidence.jpg"),
        )
    assert CreditObjection.objects.count() == 0
    assert sorted(p.name for p in private.rglob("*") if p.is_file()) == before
