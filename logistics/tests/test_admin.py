"""Platform administrators add a warehouse with its bins in the admin; tasks and shipments are read-only
there."""

from __future__ import annotations

import pytest

from gansu_mall.accounts.tests.factories import UserFactory
from logistics.models import Bin, Warehouse

pytestmark = pytest.mark.django_db


def test_an_administrator_adds_a_cold_store_with_bins(client):
    root = UserFactory(username="root_admin", is_staff=True, is_superuser=True)
    client.force_login(root)
    response = client.post(
        "/admin/logistics/warehouse/add/",
        {
            "code": "LZLK",
            "name": "兰州冷库",
            "name_en": "Lanzhou cold store",
            "county": "620102",
            "cold_chain": "on",
            "active": "on",
            "bins-TOTAL_FORMS": "1",
            "bins-INITIAL_FORMS": "0",
            "bins-MIN_NUM_FORMS": "0",
            "bins-MAX_NUM_FORMS": "1000",
            "bins-0-code": "C-01-01",
            "bins-0-zone": "chilled",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    store = Warehouse.objects.get(code="LZLK")
    assert (store.name_en, store.cold_chain, store.county_id) == ("Lanzhou cold store", True, "620102")
    assert list(Bin.objects.filter(warehouse=store).values_list("code", "zone")) == [("C-01-01", "chilled")]
    assert client.get("/admin/logistics/fulfillmenttask/add/").status_code == 403
    assert client.get("/admin/logistics/shipment/add/").status_code == 403
