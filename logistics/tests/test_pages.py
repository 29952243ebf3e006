"""Pages: /platform/shipping-rates/ (platform staff) and /seller/<slug>/shipping/ (owner or manager)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from logistics.models import ShippingRate, ShopShippingRule
from logistics.tests.conftest import member

pytestmark = pytest.mark.django_db

RATES = "/platform/shipping-rates/"


def row_post(rate, **changes):
    prefix = f"rate-{rate.pk}-"
    data = {
        "first_weight_grams": rate.first_weight_grams,
        "first_fee": rate.first_fee,
        "additional_unit_grams": rate.additional_unit_grams,
        "additional_fee": rate.additional_fee,
        "cold_chain_surcharge": rate.cold_chain_surcharge,
        "days": rate.days,
        **({"cold_chain_available": "on"} if rate.cold_chain_available else {}),
        **({"remote": "on"} if rate.remote else {}),
    }
    data.update(changes)
    return {prefix + name: value for name, value in data.items() if value is not None}


def test_rates_page_is_for_platform_staff(client, bureau, owner):
    assert client.get(RATES).status_code == 302
    rate = ShippingRate.objects.get(province_id="620000")
    for user in (bureau, owner):
        client.force_login(user)
        assert client.get(RATES).status_code == 403
        assert client.post(f"{RATES}{rate.pk}/", row_post(rate, first_fee="1.00")).status_code == 403
    assert ShippingRate.objects.get(pk=rate.pk).first_fee == Decimal("6.00")


def test_rates_page_in_both_languages(client, admin):
    client.force_login(admin)
    zh = client.get(RATES).content.decode()
    assert '<html lang="zh-Hans">' in zh
    assert "兰州新区综合保税区仓" in zh
    assert zh.count('data-testid="rate-') == 34
    assert "甘肃省" in zh
    assert 'data-testid="platform-shipping-rates"' in zh  # the header link
    en = client.get(RATES + "?lang=en").content.decode()
    assert '<html lang="en">' in en
    assert "Shipping fees" in en
    assert "Lanzhou New Area hub" in en
    assert "First-weight fee" in en
    assert ">Gansu" in en.replace("\n", "").replace("    ", "")


def test_rates_page_saves_a_row_with_and_without_htmx(client, admin):
    client.force_login(admin)
    rate = ShippingRate.objects.get(province_id="620000")
    response = client.post(f"{RATES}{rate.pk}/?lang=en", row_post(rate, first_fee="7.00"))
    assert response.status_code == 302
    assert response["Location"] == f"{RATES}#rate-{rate.pk}"
    assert ShippingRate.objects.get(pk=rate.pk).first_fee == Decimal("7.00")
    rate.refresh_from_db()
    swapped = client.post(
        f"{RATES}{rate.pk}/?lang=en", row_post(rate, days="2", remote=None), headers={"HX-Request": "true"}
    )
    assert swapped.status_code == 200
    html = swapped.content.decode()
    assert html.lstrip().startswith("<tr")
    assert "Saved." in html
    rate.refresh_from_db()
    assert (rate.days, rate.first_fee, rate.updated_by) == (2, Decimal("7.00"), admin)


def test_rates_page_shows_errors_and_changes_nothing(client, admin):
    client.force_login(admin)
    rate = ShippingRate.objects.get(province_id="650000")
    before = list(ShippingRate.objects.order_by("pk").values())
    response = client.post(f"{RATES}{rate.pk}/?lang=en", row_post(rate, first_fee="-1", days="0"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Not saved: check the row of Xinjiang" in html
    assert html.count('class="field-error"') == 2
    htmx = client.post(
        f"{RATES}{rate.pk}/?lang=en", row_post(rate, first_fee="1.234"), headers={"HX-Request": "true"}
    )
    assert htmx.status_code == 200
    assert 'class="field-error"' in htmx.content.decode()
    assert list(ShippingRate.objects.order_by("pk").values()) == before
    assert client.post(f"{RATES}999999/", row_post(rate)).status_code == 404


def test_rates_page_query_count_is_constant(client, admin, django_assert_max_num_queries):
    client.force_login(admin)
    with django_assert_max_num_queries(15) as many:
        assert client.get(RATES).status_code == 200
    ShippingRate.objects.exclude(province_id="620000").delete()
    with django_assert_max_num_queries(len(many.captured_queries)):
        response = client.get(RATES)
    assert response.content.decode().count('data-testid="rate-') == 1


def test_seller_page_for_owner_and_manager(client, shop, owner):
    url = f"/seller/{shop.slug}/shipping/"
    client.force_login(owner)
    zh = client.get(url).content.decode()
    assert '<html lang="zh-Hans">' in zh
    assert 'data-testid="no-rule"' in zh
    en = client.get(url + "?lang=en").content.decode()
    assert "Your shop has no rule of its own: every order pays the platform's flat fee of ¥10.00." in en
    response = client.post(url, {"fee": "8.00", "free_over": "", "remote_surcharge": "5"})
    assert response.status_code == 302
    rule = ShopShippingRule.objects.get(vendor=shop)
    assert (rule.fee, rule.free_over, rule.remote_surcharge) == (Decimal("8.00"), None, Decimal("5.00"))
    manager = member(shop, "manager", "manager")
    client.force_login(manager)
    page = client.get(url + "?lang=en").content.decode()
    assert "¥8.00" in page
    client.post(url, {"fee": "8.00", "free_over": "99", "remote_surcharge": "5"})
    assert ShopShippingRule.objects.get(vendor=shop).free_over == Decimal("99.00")
    bad = client.post(url + "?lang=en", {"fee": "-1", "free_over": "", "remote_surcharge": "0"})
    assert bad.status_code == 400
    assert ShopShippingRule.objects.get(vendor=shop).fee == Decimal("8.00")
    shop_page = client.get(f"/seller/{shop.slug}/").content.decode()
    assert 'data-testid="shop-shipping"' in shop_page


def test_seller_page_is_404_for_other_people(client, shop, other_owner, other_shop, admin, bureau):
    url = f"/seller/{shop.slug}/shipping/"
    assert client.get(url).status_code == 302  # to the login page
    clerk = member(shop, "clerk", "clerk")
    for user in (other_owner, clerk, admin, bureau):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"fee": "1", "remote_surcharge": "0"}).status_code == 404
    assert not ShopShippingRule.objects.exists()
