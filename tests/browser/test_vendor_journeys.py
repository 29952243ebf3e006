"""Browser journeys of onboarding: a farmer applies, the bureau approves, the owner runs the shop;
an information officer applies for a farmer of their county."""

from __future__ import annotations

import pytest
from PIL import Image

from gansu_mall.accounts.tests.factories import PASSWORD, UserFactory
from vendors.identity import mask_id_number
from vendors.models import Delegation, VendorApplication
from vendors.tests.factories import make_id_number, make_uscc

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def licence(tmp_path):
    path = tmp_path / "licence.jpg"
    Image.new("RGB", (300, 200), (220, 200, 160)).save(path, format="JPEG")
    return str(path)


def sign_in(page, username: str, lang: str) -> None:
    page.goto(f"/accounts/login/?lang={lang}")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button.button-primary").click()
    page.wait_for_url("**/")


def test_farmer_applies_bureau_approves_owner_sees_seller_centre(browser, live_server, page, licence):
    UserFactory(username="farmer_li")
    UserFactory(username="bureau_zhao", roles=["bureau"])
    uscc = make_uscc("93621221")

    sign_in(page, "farmer_li", "zh-hans")
    page.get_by_role("link", name="卖家中心").click()
    page.get_by_role("link", name="申请开店").click()
    page.get_by_label("店铺名称").fill("红川核桃")
    page.get_by_role("radio", name="农民专业合作社").check()
    page.get_by_label("主体名称").fill("成县红川核桃专业合作社")
    page.locator("#id_uscc").fill("93621221MA0000000A")  # wrong check character first
    page.locator("#id_county_code").select_option("621221")
    page.get_by_label("联系电话").fill("13900001111")
    page.locator("#id_license_image").set_input_files(licence)
    page.locator("form button.button-primary").click()
    assert "统一社会信用代码" in page.locator(".field-error").first.inner_text()
    assert VendorApplication.objects.count() == 0

    page.locator("#id_uscc").fill(uscc)
    page.locator("#id_license_image").set_input_files(licence)
    page.locator("form button.button-primary").click()
    page.wait_for_url("**/seller/applications/*/")
    assert page.get_by_test_id("application-status").inner_text() == "已提交"

    bureau_context = browser.new_context(base_url=live_server.url)
    bureau = bureau_context.new_page()
    sign_in(bureau, "bureau_zhao", "zh-hans")
    bureau.get_by_role("link", name="入驻申请").first.click()
    bureau.get_by_role("link", name="红川核桃").click()
    bureau.get_by_role("button", name="通过").click()
    assert bureau.get_by_test_id("application-status").inner_text() == "已通过"
    bureau_context.close()

    page.goto("/seller/")
    page.get_by_test_id("my-shops").get_by_role("link", name="红川核桃").click()
    assert page.get_by_test_id("shop-name").inner_text() == "红川核桃"
    assert page.get_by_test_id("shop-role").inner_text() == "店主"
    assert page.get_by_test_id("bank-account").count() == 0  # no account given yet
    page.get_by_test_id("notifications").click()
    assert "红川核桃" in page.get_by_test_id("notification-list").inner_text()


def test_officer_applies_for_a_farmer_in_english(page):
    UserFactory(username="farmer_ma")
    UserFactory(username="officer_wang", roles=["info_officer"], roles__scope=["621126"])
    sign_in(page, "officer_wang", "en")
    page.goto("/seller/apply/")
    page.get_by_label("Shop name").fill("Ma's Angelica")
    page.get_by_role("radio", name="individual seller").check()
    page.get_by_label("Legal name").fill("马秀英")
    page.locator("#id_id_number").fill(make_id_number("621126", "19750315"))
    page.locator("#id_county_code").select_option("621126")
    page.get_by_label("Contact phone").fill("13800002222")
    page.get_by_label("Apply for a farmer (their user name)").fill("farmer_ma")
    page.locator("form button.button-primary").click()
    page.wait_for_url("**/seller/applications/*/")
    assert page.get_by_test_id("application-status").inner_text() == "submitted"
    application = VendorApplication.objects.get()
    assert (application.applicant.username, application.submitted_by.username) == (
        "farmer_ma",
        "officer_wang",
    )
    assert mask_id_number(application.id_number) in page.content()  # masked for the officer
    assert application.id_number not in page.content()
    page.goto("/seller/")
    assert "Ma's Angelica" in page.content()
    assert Delegation.objects.count() == 0  # a delegation starts only when the shop is approved
