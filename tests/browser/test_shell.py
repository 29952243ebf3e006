"""The web shell in a real browser: the home page in Chinese and English, sign-in and sign-out."""

from __future__ import annotations

import pytest

from gansu_mall.accounts.tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_in_chinese_then_english_by_the_switch(page):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert page.locator(".brand-name").inner_text() == "甘肃馆"
    assert page.locator(".prefecture-card").count() == 14
    assert page.locator('.prefecture-card[data-code="621200"] h3').inner_text() == "陇南市"

    page.get_by_test_id("lang-en").click()
    page.wait_for_url("**/?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator(".brand-name").inner_text() == "Gansu Pavilion"
    assert page.locator('.prefecture-card[data-code="621200"] h3').inner_text() == "Longnan"

    # The choice is remembered on the next page without ?lang=.
    page.goto("/accounts/login/")
    assert page.locator("h1").inner_text() == "Sign in"
    page.get_by_test_id("lang-zh").click()
    assert page.locator("h1").inner_text() == "登录"


def test_sign_in_and_sign_out(page):
    UserFactory(username="farmer_ma", roles=["info_officer"], roles__scope=["621221"])
    page.goto("/")
    page.get_by_role("link", name="登录").click()
    page.get_by_label("用户名").fill("farmer_ma")
    page.get_by_label("密码").fill("wrong-password")
    page.locator("form button[type=submit]").filter(has_text="登录").click()
    assert "用户名或密码错误" in page.locator(".form-errors").inner_text()

    page.get_by_label("密码").fill(PASSWORD)
    page.locator("form button[type=submit]").filter(has_text="登录").click()
    page.wait_for_url("**/")
    assert page.get_by_test_id("signed-in-as").inner_text() == "farmer_ma"

    page.get_by_test_id("signed-in-as").click()
    assert page.get_by_test_id("profile-roles").inner_text() == "消费者, 农村信息员"

    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url("**/")
    assert page.get_by_test_id("signed-in-as").count() == 0
    assert page.get_by_role("link", name="登录").is_visible()


def test_keyboard_users_can_skip_to_content(page):
    page.goto("/?lang=en")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Skip to content"
