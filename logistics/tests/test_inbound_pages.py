"""Pages: /seller/<slug>/inbound/ (the shop's staff) and /warehouse/inbound/ (warehouse staff)."""

from __future__ import annotations

import pytest

from catalog.models import Batch, Sku
from logistics import inbound
from logistics.models import HubStock, InboundShipment
from logistics.tests.conftest import hub_sku

pytestmark = pytest.mark.django_db

WAREHOUSE = "/warehouse/inbound/"


def seller_url(shop) -> str:
    return f"/seller/{shop.slug}/inbound/"


def management(total: int = 5) -> dict[str, object]:
    return {
        "lines-TOTAL_FORMS": total,
        "lines-INITIAL_FORMS": 0,
        "lines-MIN_NUM_FORMS": 0,
        "lines-MAX_NUM_FORMS": 50,
    }


def announced(shop, owner, sku, quantity=10, batch=None):
    return inbound.inbound_announce(
        vendor=shop,
        actor=owner,
        actor_role="owner",
        warehouse_code="LZXQ",
        lines=[inbound.AnnouncedLine(sku_id=sku.pk, quantity=quantity, batch_id=batch.pk if batch else None)],
    )


def test_seller_page_announces(client, owner, licensed_shop, walnut, walnut_lot, other_owner):
    client.force_login(other_owner)
    assert client.get(seller_url(licensed_shop)).status_code == 404
    client.force_login(owner)
    zh = client.get(seller_url(licensed_shop)).content.decode()
    assert '<html lang="zh-Hans">' in zh
    assert walnut_lot.trace_code in zh
    assert "HT-500" in zh
    shop_page = client.get(f"/seller/{licensed_shop.slug}/").content.decode()
    assert 'data-testid="shop-inbound"' in shop_page
    post = {
        **management(),
        "warehouse": "LZXQ",
        "note": "",
        "lines-0-sku": walnut.pk,
        "lines-0-quantity": 12,
        "lines-0-batch": walnut_lot.pk,
    }
    response = client.post(seller_url(licensed_shop) + "?lang=en", post)
    assert response.status_code == 302
    shipment = InboundShipment.objects.get()
    assert [(line.sku_id, line.quantity, line.batch_id) for line in shipment.lines.all()] == [
        (walnut.pk, 12, walnut_lot.pk)
    ]
    en = client.get(seller_url(licensed_shop) + "?lang=en").content.decode()
    assert '<html lang="en">' in en
    assert "Consign to the hub" in en
    assert "12 announced" in en


def test_seller_page_shows_line_errors(client, owner, licensed_shop, walnut):
    client.force_login(owner)
    other = hub_sku(licensed_shop, code="HT-2", name="核桃二")
    response = client.post(
        seller_url(licensed_shop) + "?lang=en",
        {**management(), "warehouse": "LZXQ", "lines-1-sku": other.pk, "lines-1-quantity": ""},
    )
    assert response.status_code == 400
    assert "Give the number of units." in response.content.decode()
    assert InboundShipment.objects.count() == 0


def test_warehouse_pages_for_warehouse_staff_only(client, owner, buyer, bureau, licensed_shop, walnut):
    shipment = announced(licensed_shop, owner, walnut)
    assert client.get(WAREHOUSE).status_code == 302
    for user in (owner, buyer, bureau):
        client.force_login(user)
        assert client.get(WAREHOUSE).status_code == 403
        assert client.get(f"{WAREHOUSE}{shipment.pk}/").status_code == 403
        assert client.post(f"{WAREHOUSE}{shipment.pk}/", {"action": "receive"}).status_code == 403
    assert InboundShipment.objects.get().status == "announced"


def test_warehouse_receives_and_reports_an_inspection(
    client, owner, warehouse_user, licensed_shop, walnut, walnut_lot
):
    shipment = announced(licensed_shop, owner, walnut, quantity=40, batch=walnut_lot)
    line = shipment.lines.get()
    client.force_login(warehouse_user)
    zh = client.get(WAREHOUSE).content.decode()
    assert '<html lang="zh-Hans">' in zh
    assert 'data-testid="warehouse-link"' in zh
    assert f'data-testid="inbound-{shipment.pk}"' in zh
    en = client.get(f"{WAREHOUSE}{shipment.pk}/?lang=en").content.decode()
    assert '<html lang="en">' in en
    assert "Count and put away" in en
    assert "A-01-01 (ambient)" in en
    wrong = client.post(
        f"{WAREHOUSE}{shipment.pk}/?lang=en",
        {"action": "receive", f"count-{line.pk}": 40, f"bin-{line.pk}": "C-01-01"},
    )
    assert wrong.status_code == 400
    assert "HT-500: bin C-01-01 is chilled; this product must be stored ambient." in wrong.content.decode()
    too_many = client.post(
        f"{WAREHOUSE}{shipment.pk}/?lang=en",
        {"action": "receive", f"count-{line.pk}": 41, f"bin-{line.pk}": "A-01-01"},
    )
    assert too_many.status_code == 400
    assert "HT-500: 41 is more than announced (40)." in too_many.content.decode()
    assert HubStock.objects.count() == 0
    ok = client.post(
        f"{WAREHOUSE}{shipment.pk}/",
        {"action": "receive", f"count-{line.pk}": 40, f"bin-{line.pk}": "A-01-01"},
    )
    assert ok.status_code == 302
    assert Sku.objects.get(pk=walnut.pk).stock == 40
    page = client.get(f"{WAREHOUSE}{shipment.pk}/?lang=en").content.decode()
    assert 'data-testid="inspection-form"' in page
    failed = client.post(
        f"{WAREHOUSE}{shipment.pk}/", {"action": "inspection", "batch": walnut_lot.pk, "summary": "霉变"}
    )
    assert failed.status_code == 302
    assert Batch.objects.get(pk=walnut_lot.pk).blocked is True
    assert Sku.objects.get(pk=walnut.pk).stock == 0
    assert list(HubStock.objects.values_list("quantity", flat=True)) == [0]


@pytest.mark.parametrize("count", [1, 5])
def test_list_pages_query_counts_are_constant(
    client, owner, warehouse_user, licensed_shop, walnut, walnut_lot, count, django_assert_max_num_queries
):
    for _ in range(count):
        announced(licensed_shop, owner, walnut, batch=walnut_lot)
    client.force_login(warehouse_user)
    with django_assert_max_num_queries(9):
        response = client.get(WAREHOUSE)
    assert response.content.decode().count('data-testid="inbound-') == count + 1  # rows + the table
    client.force_login(owner)
    with django_assert_max_num_queries(14):
        response = client.get(seller_url(licensed_shop))
    assert response.content.decode().count('<tr data-testid="inbound-') == count
