"""The credit pages: the public page of a shop with the owner's objection, department entry and import,
the bureau's records (filters, CSV export, repair), objections and lists; both languages; query counts."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from credit import services
from credit.models import CreditObjection, CreditRecord
from credit.tests.conftest import record_input
from vendors.tests.factories import make_uscc

pytestmark = pytest.mark.django_db


def client_of(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def graded_shop(market, shop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.record_create(
            actor=market,
            data=record_input(shop.uscc, category="court_enforcement", severity=1, title="拒不履行判决"),
        )
        services.record_create(
            actor=market, data=record_input(shop.uscc, title="内部检查记录", severity=1, public=False)
        )
    shop.refresh_from_db()
    return shop


def test_public_page_in_english_shows_grade_components_badge_and_only_public_records(graded_shop):
    html = client_of().get(f"/credit/{graded_shop.slug}/?lang=en").content.decode()
    assert '<html lang="en">' in html
    assert 'data-testid="credit-grade">C<' in html
    assert 'data-testid="credit-score">62<' in html  # 70 - 4 - 4
    assert "On the credit black list" in html
    assert "an unexpired court-enforcement record" in html
    assert "court enforcement" in html
    assert "拒不履行判决" in html
    assert "内部检查记录" not in html
    assert "Object" not in html  # not the owner


def test_public_page_in_chinese(graded_shop):
    response = client_of().get(f"/credit/{graded_shop.slug}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-Hans">' in html
    assert 'data-testid="credit-grade">C<' in html
    assert "拒不履行判决" in html
    assert "分数如何计算" in html  # "How the score is made"
    assert "在失信黑名单上" in html  # "On the credit black list"
    assert "How the score is made" not in html


def test_shop_page_links_to_its_credit_page_with_grade_and_red_list_badge(shop, market, on_commit):
    html = client_of().get(f"/shops/{shop.slug}/?lang=en").content.decode()
    assert f'href="/credit/{shop.slug}/"' in html
    assert "Credit grade: unrated" in html
    assert "credit-red-badge" not in html
    for n in range(3):
        on_commit(
            services.record_create,
            actor=market,
            data=record_input(shop.uscc, polarity="positive", category="award", severity=3, title=f"奖{n}"),
        )
    html = client_of().get(f"/shops/{shop.slug}/?lang=en").content.decode()
    assert "Credit grade: A" in html
    assert 'data-testid="credit-red-badge">Credit red list<' in html


def test_product_page_shows_the_shop_grade_and_badge(shop, market, on_commit):
    from catalog.models import Category, Product

    product = Product.objects.create(
        vendor=shop,
        name="成县核桃",
        category=Category.objects.get(slug="walnuts"),
        origin_county_id="621221",
        status="active",
    )
    html = client_of().get(f"/products/{product.pk}/?lang=en").content.decode()
    assert "Credit grade: unrated" in html
    assert "credit-red-badge" not in html
    for n in range(3):
        on_commit(
            services.record_create,
            actor=market,
            data=record_input(shop.uscc, polarity="positive", category="award", severity=3, title=f"奖{n}"),
        )
    html = client_of().get(f"/products/{product.pk}/?lang=en").content.decode()
    assert f'href="/credit/{shop.slug}/"' in html
    assert "Credit grade: A" in html
    assert 'data-testid="credit-red-badge">Credit red list<' in html


def test_owner_objects_on_the_page_others_get_404(graded_shop, owner, consumer):
    record = CreditRecord.objects.get(title="内部检查记录")
    html = client_of(owner).get(f"/credit/{graded_shop.slug}/?lang=en").content.decode()
    assert "内部检查记录" in html  # the owner sees every record about the identity
    stranger = client_of(consumer).post(f"/credit/{graded_shop.slug}/", {"record": record.pk, "reason": "x"})
    assert stranger.status_code == 404
    assert CreditObjection.objects.count() == 0
    empty = client_of(owner).post(f"/credit/{graded_shop.slug}/?lang=en", {"record": record.pk, "reason": ""})
    assert empty.status_code == 200
    assert CreditObjection.objects.count() == 0
    response = client_of(owner).post(
        f"/credit/{graded_shop.slug}/", {"record": record.pk, "reason": "已整改"}
    )
    assert response.status_code == 302
    objection = CreditObjection.objects.get()
    assert (objection.record, objection.raised_by, objection.reason) == (record, owner, "已整改")


def test_department_adds_a_record_on_the_page(market):
    code = make_uscc()
    form = {
        "subject_code": code,
        "subject_name": "甲社",
        "polarity": "positive",
        "category": "gi_authorisation",
        "severity": "2",
        "title": "地理标志授权",
        "occurred_on": "2026-04-01",
        "public": "on",
    }
    response = client_of(market).post("/department/credit/new/", form)
    assert response.status_code == 302
    record = CreditRecord.objects.get()
    assert (record.department, record.severity, record.expires_on) == (market.department, 2, None)
    wrong = client_of(market).post("/department/credit/new/?lang=en", form | {"polarity": "negative"})
    assert "This category is always a positive record." in wrong.content.decode()
    assert CreditRecord.objects.count() == 1


def test_import_page_shows_the_row_report_and_imports_nothing(market):
    header = ",".join(services.IMPORT_COLUMNS) + "\n"
    content = (
        header
        + f"{make_uscc()},甲,negative,inspection,1,抽检,2026-01-01,,,1\n"
        + "bad,乙,x,inspection,1,t,2026-01-01,,,1\n"
    )
    upload = SimpleUploadedFile("r.csv", content.encode(), content_type="text/csv")
    html = client_of(market).post("/department/credit/import/?lang=en", {"file": upload}).content.decode()
    assert 'data-testid="import-report"' in html
    assert "Choose positive or negative." in html
    assert "1 rows are wrong; nothing was imported." in html
    assert CreditRecord.objects.count() == 0


def test_department_pages_are_scoped_and_refused_to_others(market, tax, owner):
    services.record_create(actor=market, data=record_input(make_uscc(), title="市场局记录"))
    assert "市场局记录" in client_of(market).get("/department/credit/").content.decode()
    assert "市场局记录" not in client_of(tax).get("/department/credit/").content.decode()
    assert client_of(owner).get("/department/credit/").status_code == 403
    assert client_of(market).get("/bureau/credit/objections/").status_code == 403
    assert client_of().get("/department/credit/").status_code == 302


def test_bureau_filters_exports_and_repairs(market, tax, bureau, settings):
    settings.CREDIT_REPAIR_MIN_MONTHS = [3, 12, 36]
    a = services.record_create(
        actor=market, data=record_input(make_uscc(), title="旧处罚", occurred_on=date(2025, 1, 1))
    )
    services.record_create(
        actor=tax,
        data=record_input(make_uscc(), polarity="positive", category="tax_credit", title="A级纳税人"),
    )
    client = client_of(bureau)
    html = client.get("/bureau/credit/", {"department": tax.department.pk, "lang": "en"}).content.decode()
    assert "A级纳税人" in html
    assert "旧处罚" not in html
    export = client.get("/bureau/credit/", {"export": "csv", "category": "administrative_penalty"})
    lines = export.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("id,subject,subject_name,polarity,category")
    assert len(lines) == 2
    assert lines[1].split(",")[6] == "旧处罚"
    response = client.post(f"/bureau/credit/records/{a.pk}/repair/")
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.repaired_at is not None


def test_bureau_decides_an_objection_on_the_page(
    market, bureau, graded_shop, owner, django_capture_on_commit_callbacks
):
    record = CreditRecord.objects.get(title="拒不履行判决")
    objection = services.objection_create(
        record=record, user=owner, owned_identity_hashes={graded_shop.identity_hash}, reason="判决已履行"
    )
    client = client_of(bureau)
    assert "判决已履行" in client.get("/bureau/credit/objections/?lang=en").content.decode()
    missing_note = client.post(
        "/bureau/credit/objections/?lang=en", {"objection": objection.pk, "decision": "revoked", "note": ""}
    )
    assert missing_note.status_code == 200
    objection.refresh_from_db()
    assert objection.status == "open"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/bureau/credit/objections/", {"objection": objection.pk, "decision": "revoked", "note": "已履行"}
        )
    assert response.status_code == 302
    record.refresh_from_db()
    graded_shop.refresh_from_db()
    assert record.status == "revoked"
    assert graded_shop.credit_grade == "C"  # the remaining non-public negative record: 66


def test_lists_page(bureau, graded_shop):
    html = client_of(bureau).get("/bureau/credit/lists/?lang=en").content.decode()
    assert 'data-testid="black-list"' in html
    assert f'href="/credit/{graded_shop.slug}/"' in html
    assert "an unexpired court-enforcement record" in html


@pytest.mark.parametrize("rows", [1, 15])
def test_records_page_query_count_is_constant(bureau, market, rows, django_assert_max_num_queries):
    for n in range(rows):
        services.record_create(actor=market, data=record_input(make_uscc(), title=f"记录{n}"))
    client = client_of(bureau)
    with django_assert_max_num_queries(13):  # session, user, roles, layout; then one count, one page
        response = client.get("/bureau/credit/")
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [1, 10])
def test_public_page_query_count_is_constant(market, shop, rows, django_assert_max_num_queries):
    for n in range(rows):
        services.record_create(actor=market, data=record_input(shop.uscc, title=f"记录{n}", severity=1))
    with django_assert_max_num_queries(10):
        response = client_of().get(f"/credit/{shop.slug}/")
    assert response.status_code == 200


def test_evidence_is_served_only_to_those_who_may_read_the_record(market, tax, bureau, shop, owner, consumer):
    from vendors.tests.factories import jpeg

    record = services.record_create(actor=market, data=record_input(shop.uscc, evidence=jpeg("scan.jpg")))
    url = f"/documents/credit/records/{record.pk}/"
    for user in (market, bureau, owner):
        response = client_of(user).get(url)
        assert (response.status_code, response["Content-Type"]) == (200, "image/jpeg")
    for user in (tax, consumer, None):
        assert client_of(user).get(url).status_code == 404
    objection = services.objection_create(
        record=record,
        user=owner,
        owned_identity_hashes={shop.identity_hash},
        reason="r",
        evidence=jpeg("r.jpg"),
    )
    url = f"/documents/credit/objections/{objection.pk}/"
    assert client_of(owner).get(url).status_code == 200
    assert client_of(bureau).get(url).status_code == 200
    assert client_of(market).get(url).status_code == 404


def _objections(market, owner, shop, n):
    for i in range(n):
        record = services.record_create(
            actor=market, data=record_input(shop.uscc, title=f"记录{i}", severity=1)
        )
        services.objection_create(
            record=record, user=owner, owned_identity_hashes={shop.identity_hash}, reason="r"
        )


@pytest.mark.parametrize("rows", [1, 8])
def test_objection_list_page_and_api_query_counts_are_constant(
    market, bureau, owner, shop, rows, django_assert_max_num_queries
):
    from conftest import auth_client

    _objections(market, owner, shop, rows)
    client = client_of(bureau)
    with django_assert_max_num_queries(10):
        html = client.get("/bureau/credit/objections/").content.decode()
    assert html.count('data-testid="objection-') == rows
    api = auth_client(bureau)
    with django_assert_max_num_queries(6):
        assert api.get("/api/v1/credit/objections/").json()["count"] == rows


@pytest.mark.parametrize("rows", [1, 6])
def test_lists_page_query_count_is_constant(market, bureau, rows, django_assert_max_num_queries, on_commit):
    for n in range(rows):
        on_commit(
            services.record_create,
            actor=market,
            data=record_input(make_uscc(), category="serious_violation", severity=1, title=f"严重违法{n}"),
        )
    client = client_of(bureau)
    with django_assert_max_num_queries(10):
        html = client.get("/bureau/credit/lists/?lang=en").content.decode()
    assert html.count("an unexpired serious-violation record") == rows
