"""API of logistics: status codes, envelopes, constant query counts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from logistics.models import ShippingRate, ShopShippingRule
from logistics.tests.conftest import member

pytestmark = pytest.mark.django_db

NOT_PLATFORM = {"code": "permission_denied", "message": "Only platform staff change the shipping fees."}
NOT_FOUND = {"code": "not_found", "message": "Not found."}


def test_warehouses(api_client):
    response = api_client.get("/api/v1/warehouses/")
    assert response.status_code == 200
    assert response.json() == [
        {
            "code": "LZXQ",
            "name": "兰州新区综合保税区仓",
            "name_en": "Lanzhou New Area hub",
            "county_code": "620171",
        }
    ]


def test_quote(api_client):
    response = api_client.get("/api/v1/shipping/quote/?province_code=620000&weight_grams=2500&lang=en")
    assert response.status_code == 200
    body = response.json()
    assert body["fee"] == "10.00"
    assert (body["remote"], body["cold_chain"], body["days"]) == (False, False, 1)
    assert [option["code"] for option in body["carrier_options"]] == [
        "ems", "sf", "zto", "yto", "sto", "yunda", "jd", "jt"
    ]  # fmt: skip
    assert body["carrier_options"][0] == {"code": "ems", "name": "China Post EMS", "days": 1}
    chilled = api_client.get(
        "/api/v1/shipping/quote/?province_code=620000&weight_grams=2500&storage=chilled&lang=zh-hans"
    )
    assert chilled.json() == {
        "fee": "18.00",
        "carrier_options": [
            {"code": "sf", "name": "顺丰速运", "days": 1},
            {"code": "jd", "name": "京东物流", "days": 1},
        ],
        "remote": False,
        "cold_chain": True,
        "days": 1,
    }


def test_quote_refusals(api_client):
    remote = api_client.get(
        "/api/v1/shipping/quote/?province_code=540000&weight_grams=500&storage=frozen&lang=en"
    )
    assert remote.status_code == 409
    assert remote.json() == {
        "code": "cold_chain_unavailable",
        "message": "Chilled and frozen goods cannot be shipped to this province: it has no cold chain.",
    }
    bad = api_client.get("/api/v1/shipping/quote/?province_code=999999&weight_grams=0&storage=hot&lang=en")
    assert bad.status_code == 400
    assert bad.json() == {
        "code": "validation_error",
        "message": "The request is not valid; see the fields.",
        "fields": {
            "storage": ["Choose ambient, chilled or frozen."],
            "weight_grams": ["Give the weight in grams, a whole number above 0."],
            "province_code": ["Unknown province: give its six-digit code (e.g. 620000)."],
        },
    }
    missing = api_client.get("/api/v1/shipping/quote/?weight_grams=abc&lang=en")
    assert missing.status_code == 400
    assert missing.json()["fields"] == {
        "province_code": ["This field is required."],
        "weight_grams": ["A valid integer is required."],
    }


def test_rates_list_with_constant_queries(api_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(2) as many:
        response = api_client.get("/api/v1/shipping/rates/?warehouse=LZXQ")
    body = response.json()
    assert response.status_code == 200
    assert len(body) == 34
    gansu = next(row for row in body if row["province_code"] == "620000")
    assert gansu == {
        "id": ShippingRate.objects.get(province_id="620000").pk,
        "warehouse": "LZXQ",
        "province_code": "620000",
        "province_name": "甘肃省",
        "province_name_en": "Gansu",
        "first_weight_grams": 1000,
        "first_fee": "6.00",
        "additional_unit_grams": 1000,
        "additional_fee": "2.00",
        "cold_chain_surcharge": "8.00",
        "remote": False,
        "cold_chain_available": True,
        "days": 1,
    }
    ShippingRate.objects.exclude(province_id="620000").delete()
    with django_assert_max_num_queries(len(many.captured_queries)):
        assert len(api_client.get("/api/v1/shipping/rates/").json()) == 1
    assert api_client.get("/api/v1/shipping/rates/?warehouse=NONE").json() == []


def test_rate_patch_by_admin_only(api_client, client_for, admin, bureau, owner):
    rate = ShippingRate.objects.get(province_id="620000")
    url = f"/api/v1/shipping/rates/{rate.pk}/?lang=en"
    assert api_client.get(url).json()["first_fee"] == "6.00"
    assert api_client.patch(url, {"first_fee": "1.00"}, format="json").status_code == 401
    for user in (bureau, owner):
        refused = client_for(user).patch(url, {"first_fee": "1.00"}, format="json")
        assert refused.status_code == 403
        assert refused.json() == NOT_PLATFORM
    assert ShippingRate.objects.get(pk=rate.pk).first_fee == Decimal("6.00")
    client = client_for(admin)
    bad = client.patch(url, {"first_fee": "-1", "days": 0}, format="json")
    assert bad.status_code == 400
    assert bad.json()["fields"] == {
        "first_fee": ["The amount cannot be negative."],
        "days": ["Give whole days from 1 to 60."],
    }
    ok = client.patch(url, {"first_fee": "7.00", "remote": True}, format="json")
    assert ok.status_code == 200
    assert (ok.json()["first_fee"], ok.json()["remote"], ok.json()["days"]) == ("7.00", True, 1)
    assert client.patch("/api/v1/shipping/rates/999999/", {"days": 2}, format="json").status_code == 404
    quoted = api_client.get("/api/v1/shipping/quote/?province_code=620000&weight_grams=1000")
    assert (quoted.json()["fee"], quoted.json()["remote"]) == ("7.00", True)


def test_shop_rule_api(api_client, client_for, shop, owner, other_owner, other_shop, bureau, admin):
    url = f"/api/v1/vendors/{shop.slug}/shipping-rule/?lang=en"
    client = client_for(owner)
    assert client.get(url).json() == {
        "vendor": shop.slug,
        "custom": False,
        "fee": "10.00",
        "free_over": None,
        "remote_surcharge": "0.00",
    }
    put = client.put(url, {"fee": "8.00", "free_over": "99.00", "remote_surcharge": "10"}, format="json")
    assert put.status_code == 200
    assert put.json() == {
        "vendor": shop.slug,
        "custom": True,
        "fee": "8.00",
        "free_over": "99.00",
        "remote_surcharge": "10.00",
    }
    manager = member(shop, "manager", "manager")
    cleared = client_for(manager).put(url, {"fee": "5"}, format="json")
    assert cleared.json()["free_over"] is None
    assert cleared.json()["remote_surcharge"] == "0.00"
    bad = client.put(url, {"fee": "-2", "free_over": ""}, format="json")
    assert bad.status_code == 400
    assert bad.json()["fields"] == {"fee": ["The amount cannot be negative."]}
    before = list(ShopShippingRule.objects.values())
    clerk = member(shop, "clerk", "clerk")
    assert api_client.get(url).status_code == 401
    assert api_client.put(url, {"fee": "1"}, format="json").status_code == 401
    for user in (other_owner, clerk, bureau, admin):
        for response in (client_for(user).get(url), client_for(user).put(url, {"fee": "1"}, format="json")):
            assert response.status_code == 404
            assert response.json()["code"] == "not_found"
    assert client.get("/api/v1/vendors/no-such-shop/shipping-rule/").status_code == 404
    assert list(ShopShippingRule.objects.values()) == before


def test_schema_describes_the_logistics_endpoints(client):
    paths = client.get("/api/schema/?format=json").json()["paths"]
    assert set(paths["/api/v1/warehouses/"]) == {"get"}
    assert set(paths["/api/v1/shipping/quote/"]) == {"get"}
    assert set(paths["/api/v1/shipping/rates/{id}/"]) == {"get", "patch"}
    assert set(paths["/api/v1/vendors/{slug}/shipping-rule/"]) == {"get", "put"}
