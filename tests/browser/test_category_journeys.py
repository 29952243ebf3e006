"""Browser journey of the category tree: provincial bureau staff add a sub-category, see it, move it up
(htmx swaps the tree in place) and rename it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from catalog.models import Category
from gansu_mall.accounts.tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_bureau_adds_moves_and_renames_a_sub_category(page):
    UserFactory(username="bureau_wang", roles=["bureau"])
    page.goto("/accounts/login/?lang=en")
    page.locator("#id_username").fill("bureau_wang")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button.button-primary").click()
    page.wait_for_url("**/")

    page.get_by_role("link", name="Categories", exact=True).click()
    page.wait_for_url("**/bureau/categories/")
    form = page.get_by_test_id("add-category")
    form.get_by_label("Slug").fill("dried-apples")
    form.get_by_label("Chinese name").fill("苹果干")
    form.get_by_label("English name").fill("Dried apples")
    form.get_by_label("Parent category").select_option("fruit")
    form.get_by_role("button", name="Add").click()
    page.wait_for_url("**/bureau/categories/")

    row = page.get_by_test_id("category-dried-apples")
    expect(row).to_contain_text("Dried apples")
    expect(row).to_contain_text("苹果干")
    expect(row).to_have_class("tree-depth-1")
    assert Category.objects.get(slug="dried-apples").parent.slug == "fruit"

    # Last among the fruit; one place up, in place (htmx), lands before jujubes and goji.
    rows = page.get_by_test_id("category-tree").locator("tbody tr")
    slugs = rows.evaluate_all("rows => rows.map(r => r.dataset.testid)")
    assert slugs.index("category-dried-apples") == slugs.index("category-jujubes-goji") + 1
    row.get_by_role("button", name="Move Dried apples up").click()
    expect(page.get_by_test_id("category-tree")).to_contain_text("Moved: Dried apples.")
    slugs = rows.evaluate_all("rows => rows.map(r => r.dataset.testid)")
    assert slugs.index("category-dried-apples") == slugs.index("category-jujubes-goji") - 1

    page.get_by_test_id("edit-dried-apples").click()
    page.wait_for_url("**/bureau/categories/dried-apples/")
    edit = page.get_by_test_id("edit-category")
    edit.get_by_label("Chinese name").fill("苹果脆片")
    edit.get_by_label("English name").fill("Apple crisps")
    edit.get_by_role("button", name="Save").click()
    page.wait_for_url("**/bureau/categories/")
    row = page.get_by_test_id("category-dried-apples")
    expect(row).to_contain_text("Apple crisps")
    expect(row).to_contain_text("苹果脆片")
    assert Category.objects.get(slug="dried-apples").name == "苹果脆片"
