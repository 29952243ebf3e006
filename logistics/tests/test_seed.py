"""The data migration's hub, bins and fee table."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gansu_mall.regions.models import Region
from logistics.models import Bin, ShippingRate, Warehouse
from logistics.reference_data import load_hub

pytestmark = pytest.mark.django_db

REMOTE = {"540000", "650000", "630000", "150000", "460000", "810000", "820000", "710000"}


def test_the_hub_is_seeded():
    hub = Warehouse.objects.get(code="LZXQ")
    assert (hub.name, hub.name_en, hub.county_id, hub.cold_chain, hub.active) == (
        "兰州新区综合保税区仓",
        "Lanzhou New Area hub",
        "620171",
        True,
        True,
    )
    zones = dict(Bin.objects.filter(warehouse=hub).values_list("code", "zone"))
    assert zones["A-01-01"] == "ambient"
    assert zones["C-01-01"] == "chilled"
    assert zones["F-01-01"] == "frozen"
    assert set(zones.values()) == {"ambient", "chilled", "frozen"}


def test_one_rate_per_province_of_china():
    provinces = set(Region.objects.filter(level="province").values_list("code", flat=True))
    assert len(provinces) == 34
    rates = ShippingRate.objects.filter(warehouse__code="LZXQ")
    assert rates.count() == 34
    assert set(rates.values_list("province_id", flat=True)) == provinces
    gansu = rates.get(province_id="620000")
    assert gansu.first_fee == min(rate.first_fee for rate in rates)
    assert (gansu.first_weight_grams, gansu.additional_unit_grams) == (1000, 1000)
    assert set(rates.filter(remote=True).values_list("province_id", flat=True)) == REMOTE
    assert set(rates.filter(cold_chain_available=False).values_list("province_id", flat=True)) == REMOTE
    assert all(rate.cold_chain_surcharge == Decimal("0.00") for rate in rates.filter(remote=True))
    neighbours = rates.filter(province_id__in=["640000", "610000", "510000"])
    assert all(gansu.first_fee < rate.first_fee < Decimal("12.00") for rate in neighbours)


def test_reloading_keeps_edited_rates():
    ShippingRate.objects.filter(province_id="620000").update(first_fee=Decimal("7.00"))
    load_hub(Warehouse, Bin, ShippingRate)
    assert ShippingRate.objects.get(province_id="620000").first_fee == Decimal("7.00")
    assert ShippingRate.objects.count() == 34
