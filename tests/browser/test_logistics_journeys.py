"""Browser journey of the hub's fee table: platform staff change Gansu's first-weight fee in its row (htmx
swaps the row in place), and the quote API answers the new fee."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from gansu_mall.accounts.tests.factories import PASSWORD, UserFactory
from logistics.models import Bin, ShippingRate, Warehouse
from logistics.reference_data import load_hub

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def hub(regions_data, settings):
    """The seeded hub (transactional tests flush what the data migration loaded); the logistics URLs
    while the root URLconf does not include them yet."""
    settings.ROOT_URLCONF = "logistics.tests.urls"
    return load_hub(Warehouse, Bin, ShippingRate)


def test_admin_changes_gansu_first_weight_fee_and_the_quote_follows(hub, page):
    UserFactory(username="platform_li", roles=["admin"])
    page.goto("/accounts/login/?lang=en")
    page.locator("#id_username").fill("platform_li")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button.button-primary").click()
    page.wait_for_url("**/")

    page.get_by_test_id("platform-shipping-rates").click()
    page.wait_for_url("**/platform/shipping-rates/")
    row = page.get_by_test_id("rate-620000")
    expect(row).to_contain_text("Gansu")
    fee = row.get_by_label("First-weight fee")
    expect(fee).to_have_value("6.00")
    fee.fill("7.20")
    row.get_by_role("button", name="Save Gansu").click()
    expect(row.get_by_test_id("rate-saved")).to_have_text("Saved.")
    expect(row.get_by_label("First-weight fee")).to_have_value("7.20")
    assert ShippingRate.objects.get(warehouse=hub, province_id="620000").first_fee == Decimal("7.20")

    response = page.request.get(
        "/api/v1/shipping/quote/?province_code=620000&weight_grams=2500&storage=ambient"
    )
    assert response.status == 200
    assert response.json()["fee"] == "11.20"  # 7.20 + 2 × 2.00
