"""The quote, the shops' fees, and who changes the fee table and the shops' rules."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gansu_mall.core.errors import ApplicationError
from logistics import selectors, services
from logistics.carriers import CARRIERS, validate_tracking
from logistics.models import ShippingRate, ShopShippingRule
from logistics.tests.conftest import member

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

ALL = ["ems", "sf", "zto", "yto", "sto", "yunda", "jd", "jt"]


def quote(province="620000", weight=1000, storage="ambient"):
    return selectors.shipping_quote(province_code=province, weight_grams=weight, storage=storage)


def rate_state():
    return list(ShippingRate.objects.order_by("pk").values())


# --- Quote ----------------------------------------------------------------------------------------


def test_quote_gansu_first_weight_and_additional_units():
    one = quote(weight=1000)
    assert (one.fee, one.remote, one.cold_chain, one.days) == (Decimal("6.00"), False, False, 1)
    assert [option["code"] for option in one.carrier_options] == ALL
    assert one.carrier_options[1] == {"code": "sf", "name": "SF Express", "days": 1}
    assert quote(weight=300).fee == Decimal("6.00")
    assert quote(weight=1001).fee == Decimal("8.00")  # a begun unit counts in full
    assert quote(weight=2500).fee == Decimal("10.00")  # 6.00 + 2 × 2.00
    assert quote(weight=3000).fee == Decimal("10.00")


def test_quote_far_province_and_cold_chain_surcharge():
    far = quote(province="440000", weight=2500)  # 广东: 12.00 + 2 × 5.00
    assert (far.fee, far.days, far.remote) == (Decimal("22.00"), 3, False)
    chilled = quote(province="440000", weight=2500, storage="chilled")
    assert chilled.fee == Decimal("37.00")  # + 15.00
    assert chilled.cold_chain is True
    assert [option["code"] for option in chilled.carrier_options] == ["sf", "jd"]
    frozen = quote(weight=2500, storage="frozen")
    assert frozen.fee == Decimal("18.00")  # 10.00 + 8.00
    assert [option["code"] for option in frozen.carrier_options] == ["sf", "jd"]


def test_quote_remote_provinces():
    xinjiang = quote(province="650000", weight=1500)
    assert (xinjiang.fee, xinjiang.remote, xinjiang.days) == (Decimal("30.00"), True, 5)
    assert quote(province="810000", weight=3000).fee == Decimal("60.00")  # 香港: 30.00 + 2 × 15.00
    for province in ("650000", "540000", "710000"):
        with pytest.raises(ApplicationError) as refused:
            quote(province=province, storage="chilled")
        assert refused.value.code == "cold_chain_unavailable"
        assert refused.value.status_code == 409
        assert refused.value.message == (
            "Chilled and frozen goods cannot be shipped to this province: it has no cold chain."
        )


def test_quote_refuses_bad_input():
    with pytest.raises(ApplicationError) as refused:
        quote(province="999999", weight=0, storage="hot")
    assert refused.value.status_code == 400
    assert refused.value.fields == {
        "storage": ["Choose ambient, chilled or frozen."],
        "weight_grams": ["Give the weight in grams, a whole number above 0."],
        "province_code": ["Unknown province: give its six-digit code (e.g. 620000)."],
    }
    for province in ("620100", "", "62"):  # a prefecture is not a province
        with pytest.raises(ApplicationError) as refused:
            quote(province=province)
        assert list(refused.value.fields) == ["province_code"]
    with pytest.raises(ApplicationError) as refused:
        quote(weight=-5)
    assert list(refused.value.fields) == ["weight_grams"]
    with pytest.raises(ApplicationError) as refused:
        quote(weight=1_000_001)
    assert refused.value.fields == {"weight_grams": ["At most 1000000 grams per parcel."]}
    with pytest.raises(ApplicationError) as refused:
        selectors.shipping_quote(
            province_code="620000", weight_grams=1, storage="ambient", warehouse_code="X"
        )
    assert (refused.value.code, refused.value.status_code) == ("not_found", 404)


# --- Shops' fees ----------------------------------------------------------------------------------


def test_shop_fee_without_a_rule_is_the_flat_fee(shop):
    assert selectors.shop_shipping_fee(
        vendor_id=shop.pk, items_total=Decimal("500"), province_code="650000"
    ) == Decimal("10.00")


def test_shop_fee_free_over_and_remote_surcharge(shop, owner):
    services.shop_rule_set(
        vendor=shop,
        actor_role="owner",
        actor=owner,
        changes={"fee": "8.00", "free_over": "99.00", "remote_surcharge": "10.00"},
    )

    def fee(total, province):
        return selectors.shop_shipping_fee(
            vendor_id=shop.pk, items_total=Decimal(total), province_code=province
        )

    assert fee("50.00", "620000") == Decimal("8.00")
    assert fee("98.99", "620000") == Decimal("8.00")
    assert fee("99.00", "620000") == Decimal("0.00")
    assert fee("50.00", "650000") == Decimal("18.00")  # Xinjiang is remote
    assert fee("120.00", "650000") == Decimal("10.00")  # free shipping, remote areas excepted
    with pytest.raises(ApplicationError) as refused:
        fee("50.00", "999999")
    assert list(refused.value.fields) == ["province_code"]


def test_shop_rule_by_manager_partial_changes_and_refusals(shop):
    manager = member(shop, "manager", "manager")
    clerk = member(shop, "clerk", "clerk")
    rule = services.shop_rule_set(vendor=shop, actor_role="manager", actor=manager, changes={"fee": "6"})
    assert (rule.fee, rule.free_over, rule.remote_surcharge, rule.updated_by) == (
        Decimal("6.00"),
        None,
        Decimal("0.00"),
        manager,
    )
    rule = services.shop_rule_set(vendor=shop, actor_role="manager", changes={"free_over": "59.90"})
    assert (rule.fee, rule.free_over) == (Decimal("6.00"), Decimal("59.90"))
    before = list(ShopShippingRule.objects.values())
    with pytest.raises(ApplicationError) as refused:
        services.shop_rule_set(vendor=shop, actor_role="clerk", actor=clerk, changes={"fee": "1"})
    assert (refused.value.code, refused.value.status_code) == ("permission_denied", 403)
    with pytest.raises(ApplicationError) as refused:
        services.shop_rule_set(
            vendor=shop,
            actor_role="owner",
            changes={"fee": "-1", "free_over": "abc", "remote_surcharge": "1.005", "colour": "red"},
        )
    assert refused.value.fields == {
        "colour": ["This field cannot be changed."],
        "fee": ["The amount cannot be negative."],
        "free_over": ["Give an amount in yuan, e.g. 12.50."],
        "remote_surcharge": ["At most two decimals: amounts are in whole fen."],
    }
    assert list(ShopShippingRule.objects.values()) == before


def test_a_new_shop_rule_needs_a_fee(shop):
    with pytest.raises(ApplicationError) as refused:
        services.shop_rule_set(vendor=shop, actor_role="owner", changes={"free_over": "50"})
    assert refused.value.fields == {"fee": ["Give an amount in yuan, e.g. 12.50."]}
    assert not ShopShippingRule.objects.exists()


# --- The fee table --------------------------------------------------------------------------------


def test_rate_update_by_platform_staff(admin):
    rate = ShippingRate.objects.get(province_id="620000")
    updated = services.rate_update(
        rate=rate,
        actor=admin,
        changes={"first_fee": "7.5", "days": 2, "first_weight_grams": 500, "cold_chain_available": False},
    )
    assert (updated.first_fee, updated.days, updated.first_weight_grams, updated.updated_by) == (
        Decimal("7.50"),
        2,
        500,
        admin,
    )
    assert quote(weight=1000).fee == Decimal("9.50")  # 7.50 + 1 × 2.00
    with pytest.raises(ApplicationError) as refused:
        quote(storage="chilled")
    assert refused.value.code == "cold_chain_unavailable"


def test_rate_update_refused_to_others_and_for_bad_values(admin, bureau, owner, shop):
    rate = ShippingRate.objects.get(province_id="620000")
    before = rate_state()
    for user in (bureau, owner):
        with pytest.raises(ApplicationError) as refused:
            services.rate_update(rate=rate, actor=user, changes={"first_fee": "1.00"})
        assert (refused.value.code, refused.value.status_code) == ("permission_denied", 403)
        assert refused.value.message == "Only platform staff change the shipping fees."
    with pytest.raises(ApplicationError) as refused:
        services.rate_update(
            rate=rate,
            actor=admin,
            changes={
                "first_fee": "-0.01",
                "additional_fee": "1.234",
                "cold_chain_surcharge": "10000",
                "first_weight_grams": 0,
                "additional_unit_grams": "abc",
                "days": 61,
                "remote": "yes",
                "warehouse": "X",
            },
        )
    assert refused.value.fields == {
        "first_fee": ["The amount cannot be negative."],
        "additional_fee": ["At most two decimals: amounts are in whole fen."],
        "cold_chain_surcharge": ["At most 9999.99 yuan."],
        "first_weight_grams": ["Give whole grams from 1 to 100000."],
        "additional_unit_grams": ["Give whole grams from 1 to 100000."],
        "days": ["Give whole days from 1 to 60."],
        "remote": ["Give true or false."],
        "warehouse": ["This field cannot be changed."],
    }
    assert rate_state() == before


# --- Carriers -------------------------------------------------------------------------------------


def test_carriers_and_tracking_numbers():
    assert list(CARRIERS) == ALL
    assert validate_tracking("SF", " sf 1234567890123 ") == "SF1234567890123"
    assert validate_tracking("ems", "ea123456789cn") == "EA123456789CN"
    assert validate_tracking("jt", "JT1234567890123") == "JT1234567890123"
    with pytest.raises(ApplicationError) as refused:
        validate_tracking("sf", "JT1234567890123")
    assert refused.value.fields == {"tracking_number": ["This is not a tracking number of that carrier."]}
    with pytest.raises(ApplicationError) as refused:
        validate_tracking("dhl", "123")
    assert refused.value.fields == {"carrier": ["Choose a carrier: ems, sf, zto, yto, sto, yunda, jd, jt."]}
