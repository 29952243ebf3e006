"""Browser journey of the credit registry: a department imports records from a CSV file, the shop's grade
changes on its public credit page, the owner objects to a record, and the commerce bureau revokes it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from credit.models import CreditObjection, CreditRecord
from credit.services import IMPORT_COLUMNS
from gansu_mall.accounts.tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(settings, tmp_path, regions_data):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    from vendors.tests.factories import open_shop

    bureau = UserFactory(username="bureau", roles=["bureau"])
    UserFactory(username="market", roles=["department"], roles__department="市场监督管理局")
    owner = UserFactory(username="walnut_owner")
    return {"shop": open_shop(owner, bureau), "bureau": bureau}


def sign_in(page, username):
    page.context.clear_cookies()
    page.goto("/accounts/login/?lang=en")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button.button-primary").click()
    page.wait_for_load_state()
    expect(page.get_by_test_id("signed-in-as")).to_have_text(username)


def test_import_changes_the_grade_the_owner_objects_and_the_bureau_revokes(page, world):
    shop = world["shop"]
    page.goto(f"/credit/{shop.slug}/?lang=en")
    expect(page.get_by_test_id("credit-grade")).to_have_text("unrated")

    sign_in(page, "market")
    page.goto("/department/credit/import/?lang=en")
    csv = (
        ",".join(IMPORT_COLUMNS)
        + "\n"
        + f"{shop.uscc},成县核桃合作社,positive,certification,1,有机产品认证,2026-02-01,,,1\n"
        + f"{shop.uscc},成县核桃合作社,negative,inspection,2,核桃仁抽检霉变超标,2026-03-01,,抽检通知书,1\n"
    )
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "records.csv", "mimeType": "text/csv", "buffer": csv.encode()}]
    )
    page.get_by_role("button", name="Import").click()
    expect(page.locator(".messages")).to_contain_text("2 records imported.")
    expect(page.get_by_test_id("credit-records")).to_contain_text("核桃仁抽检霉变超标")

    page.context.clear_cookies()
    page.goto(f"/credit/{shop.slug}/?lang=en")
    expect(page.get_by_test_id("credit-grade")).to_have_text("C")  # 70 + 3 - 12 = 61
    expect(page.get_by_test_id("credit-score")).to_have_text("61")
    expect(page.get_by_test_id("public-records")).to_contain_text("核桃仁抽检霉变超标")

    record = CreditRecord.objects.get(category="inspection")
    sign_in(page, "walnut_owner")
    page.goto(f"/credit/{shop.slug}/?lang=en")
    row = page.get_by_test_id(f"own-record-{record.pk}")
    row.get_by_label("Reason").fill("复检合格，附复检报告。")
    row.get_by_role("button", name="Object").click()
    expect(page.locator(".messages")).to_contain_text("Your objection has been sent")
    assert CreditObjection.objects.get().status == "open"

    sign_in(page, "bureau")
    page.goto("/bureau/credit/objections/?lang=en")
    objection = CreditObjection.objects.get()
    row = page.get_by_test_id(f"objection-{objection.pk}")
    expect(row).to_contain_text("复检合格")
    row.get_by_label("Note").fill("复检报告有效，撤销该记录。")
    row.get_by_role("button", name="Revoke the record").click()
    expect(page.locator(".messages")).to_contain_text("The objection has been decided.")

    page.goto(f"/credit/{shop.slug}/?lang=en")
    expect(page.get_by_test_id("credit-grade")).to_have_text("B")  # 70 + 3 = 73
    expect(page.get_by_test_id("credit-score")).to_have_text("73")
    expect(page.get_by_test_id("public-records")).not_to_contain_text("核桃仁抽检霉变超标")
    record.refresh_from_db()
    assert record.status == "revoked"


def test_a_poor_month_on_the_platform_shows_on_the_credit_page(
    page, world, django_capture_on_commit_callbacks
):
    """The monthly platform-behaviour record (written as the monthly task writes it) appears on the shop's
    public credit page with its figures, and the grade follows it, in both languages."""
    from datetime import date

    from credit.behaviour import MonthFigures
    from credit.services import platform_behaviour_record

    shop = world["shop"]
    figures = MonthFigures(
        orders_paid=10, orders_due=10, shipped_on_time=7, refunds=1, review_count=2, review_total=9
    )
    with django_capture_on_commit_callbacks(execute=True):
        outcome = platform_behaviour_record(
            identity_hash=shop.identity_hash, month=date(2026, 10, 1), figures=figures, subject_code=shop.uscc
        )
    assert outcome.created
    page.goto(f"/credit/{shop.slug}/?lang=en")
    row = page.get_by_test_id("behaviour-2026-10")
    expect(row).to_contain_text("70.0 % (7/10)")
    expect(row).to_contain_text("10.0 % (1)")
    expect(row).to_contain_text("4.50 from 2 reviews")
    expect(row).to_contain_text("0.0 % (0)")  # no dispute: a rate of zero, not a dash
    expect(row).to_contain_text("negative · severity 1")
    expect(page.get_by_test_id("credit-grade")).to_have_text("C")  # 70 − 4 = 66
    page.goto(f"/credit/{shop.slug}/?lang=zh-hans")
    expect(page.get_by_role("heading", name="平台经营行为")).to_be_visible()
    expect(page.get_by_test_id("behaviour-2026-10")).to_contain_text("70.0 % (7/10)")
