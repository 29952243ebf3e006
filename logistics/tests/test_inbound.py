"""Inbound consignments: announce, receive into bins, short counts, failed inspections; services and API."""

from __future__ import annotations

import pytest

from catalog.models import Batch, BatchEvent, Product, Sku
from gansu_mall.core.errors import ApplicationError
from gansu_mall.notifications.models import Notification
from logistics import inbound
from logistics.models import HubStock, InboundLine, InboundShipment
from logistics.tests.conftest import hub_sku, lot, member

pytestmark = pytest.mark.django_db

URL = "/api/v1/inbound-shipments/"


def announce(api_client, user, vendor, lines, **extra):
    api_client.force_authenticate(user)
    return api_client.post(
        f"{URL}?lang=en", {"vendor": vendor.slug, "warehouse": "LZXQ", "lines": lines, **extra}, format="json"
    )


def receive(api_client, user, shipment_id, lines):
    api_client.force_authenticate(user)
    return api_client.post(f"{URL}{shipment_id}/receive/?lang=en", {"lines": lines}, format="json")


def stock_of(sku) -> int:
    return Sku.objects.get(pk=sku.pk).stock


def hub_rows():
    return list(HubStock.objects.order_by("id").values_list("sku_id", "batch_id", "bin__code", "quantity"))


def test_announce_and_receive(api_client, owner, warehouse_user, licensed_shop, walnut, walnut_lot):
    other = hub_sku(licensed_shop, code="HT-1000", name="核桃仁")
    response = announce(
        api_client,
        owner,
        licensed_shop,
        [{"sku": walnut.pk, "quantity": 40, "batch": walnut_lot.pk}, {"sku": other.pk, "quantity": 10}],
        note="第一批",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["vendor"], body["warehouse"], body["note"]) == (
        "announced", licensed_shop.slug, "LZXQ", "第一批"
    )  # fmt: skip
    assert body["received_at"] is None
    assert [(line["sku"], line["quantity"], line["batch"], line["received_quantity"], line["bin"])
            for line in body["lines"]] == [
        (walnut.pk, 40, walnut_lot.pk, None, None), (other.pk, 10, None, None, None)
    ]  # fmt: skip
    assert body["lines"][0]["trace_code"] == walnut_lot.trace_code
    assert stock_of(walnut) == 0
    assert HubStock.objects.count() == 0

    received = receive(
        api_client,
        warehouse_user,
        body["id"],
        [
            {"sku": walnut.pk, "received_quantity": 40, "bin": "A-01-01"},
            {"sku": other.pk, "received_quantity": 10, "bin": "A-01-02"},
        ],
    )
    assert received.status_code == 200, received.json()
    assert received.json()["status"] == "received"
    assert received.json()["received_at"] is not None
    assert [(line["received_quantity"], line["bin"]) for line in received.json()["lines"]] == [
        (40, "A-01-01"), (10, "A-01-02")
    ]  # fmt: skip
    assert hub_rows() == [(walnut.pk, walnut_lot.pk, "A-01-01", 40), (other.pk, None, "A-01-02", 10)]
    assert (stock_of(walnut), stock_of(other)) == (40, 10)
    assert Product.objects.get(pk=walnut.product_id).in_stock is True
    shipment = InboundShipment.objects.get(pk=body["id"])
    assert shipment.received_by == warehouse_user
    assert not Notification.objects.filter(kind="inbound_discrepancy").exists()
    again = receive(
        api_client, warehouse_user, body["id"], [{"sku": walnut.pk, "received_quantity": 1, "bin": "A-01-01"}]
    )
    assert again.status_code == 409
    assert again.json() == {
        "code": "invalid_transition",
        "message": "This consignment has already been received.",
    }
    assert stock_of(walnut) == 40


def test_second_receipt_adds_to_the_same_bin_row(owner, warehouse_user, licensed_shop, walnut):
    for quantity in (5, 7):
        shipment = inbound.inbound_announce(
            vendor=licensed_shop,
            actor=owner,
            actor_role="owner",
            warehouse_code="LZXQ",
            lines=[inbound.AnnouncedLine(sku_id=walnut.pk, quantity=quantity)],
        )
        inbound.inbound_receive(
            shipment=shipment,
            actor=warehouse_user,
            lines=[inbound.CountedLine(sku_id=walnut.pk, received_quantity=quantity, bin_code="A-02-01")],
        )
    assert hub_rows() == [(walnut.pk, None, "A-02-01", 12)]
    assert stock_of(walnut) == 12


def test_receiving_more_than_announced_changes_nothing(
    api_client, owner, warehouse_user, licensed_shop, walnut
):
    other = hub_sku(licensed_shop, code="HT-1000", name="核桃仁")
    shipment_id = announce(
        api_client,
        owner,
        licensed_shop,
        [{"sku": walnut.pk, "quantity": 40}, {"sku": other.pk, "quantity": 3}],
    ).json()["id"]
    response = receive(
        api_client,
        warehouse_user,
        shipment_id,
        [
            {"sku": walnut.pk, "received_quantity": 41, "bin": "A-01-01"},
            {"sku": other.pk, "received_quantity": 3, "bin": "A-01-02"},
        ],
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "validation_error",
        "message": "The request is not valid; see the fields.",
        "fields": {"lines.0.received_quantity": ["HT-500: 41 is more than announced (40)."]},
    }
    assert HubStock.objects.count() == 0
    assert (stock_of(walnut), stock_of(other)) == (0, 0)
    shipment = InboundShipment.objects.get(pk=shipment_id)
    assert (shipment.status, shipment.received_at, shipment.received_by) == ("announced", None, None)
    assert list(InboundLine.objects.values_list("received_quantity", "bin")) == [(None, None), (None, None)]


def test_receiving_needs_every_line_and_known_skus(api_client, owner, warehouse_user, licensed_shop, walnut):
    other = hub_sku(licensed_shop, code="HT-1000", name="核桃仁")
    shipment_id = announce(
        api_client,
        owner,
        licensed_shop,
        [{"sku": walnut.pk, "quantity": 4}, {"sku": other.pk, "quantity": 3}],
    ).json()["id"]
    missing = receive(
        api_client,
        warehouse_user,
        shipment_id,
        [{"sku": walnut.pk, "received_quantity": 4, "bin": "A-01-01"}],
    )
    assert missing.status_code == 400
    assert missing.json()["fields"] == {"lines": ["Count every line; missing: HT-1000."]}
    unknown = receive(
        api_client,
        warehouse_user,
        shipment_id,
        [
            {"sku": walnut.pk, "received_quantity": 4},
            {"sku": other.pk + 999, "received_quantity": 3, "bin": "A-01-01"},
        ],
    )
    assert unknown.json()["fields"] == {
        "lines.0.bin": ["HT-500: choose a bin of this warehouse to put the units away in."],
        "lines.1.sku": ["This SKU is not in this consignment."],
    }
    assert HubStock.objects.count() == 0
    assert stock_of(walnut) == 0


def test_wrong_zone_bin_is_refused(api_client, owner, warehouse_user, licensed_shop):
    fish = hub_sku(licensed_shop, code="YU-1", storage="frozen", name="冷冻虹鳟")
    shipment_id = announce(api_client, owner, licensed_shop, [{"sku": fish.pk, "quantity": 6}]).json()["id"]
    for code in ("A-01-01", "C-01-01"):
        response = receive(
            api_client, warehouse_user, shipment_id, [{"sku": fish.pk, "received_quantity": 6, "bin": code}]
        )
        assert response.status_code == 400
    assert response.json()["fields"] == {
        "lines.0.bin": ["YU-1: bin C-01-01 is chilled; this product must be stored frozen."]
    }
    nowhere = receive(
        api_client, warehouse_user, shipment_id, [{"sku": fish.pk, "received_quantity": 6, "bin": "Z-9"}]
    )
    assert nowhere.json()["fields"] == {
        "lines.0.bin": ["YU-1: choose a bin of this warehouse to put the units away in."]
    }
    assert HubStock.objects.count() == 0
    assert stock_of(fish) == 0
    ok = receive(
        api_client, warehouse_user, shipment_id, [{"sku": fish.pk, "received_quantity": 6, "bin": "F-01-01"}]
    )
    assert ok.status_code == 200
    assert hub_rows() == [(fish.pk, None, "F-01-01", 6)]


def test_short_count_notifies_the_owner(api_client, owner, warehouse_user, licensed_shop, walnut, walnut_lot):
    clerk = member(licensed_shop, "clerk", "clerk")
    other = hub_sku(licensed_shop, code="HT-1000", name="核桃仁")
    shipment_id = announce(
        api_client,
        clerk,
        licensed_shop,
        [{"sku": walnut.pk, "quantity": 40, "batch": walnut_lot.pk}, {"sku": other.pk, "quantity": 3}],
    ).json()["id"]
    response = receive(
        api_client,
        warehouse_user,
        shipment_id,
        [
            {"sku": other.pk, "received_quantity": 0},
            {"sku": walnut.pk, "received_quantity": 38, "bin": "A-01-01"},
        ],
    )
    assert response.status_code == 200, response.json()
    assert [(line["received_quantity"], line["bin"]) for line in response.json()["lines"]] == [
        (38, "A-01-01"), (0, None)
    ]  # fmt: skip
    assert hub_rows() == [(walnut.pk, walnut_lot.pk, "A-01-01", 38)]
    assert (stock_of(walnut), stock_of(other)) == (38, 0)
    notes = list(Notification.objects.filter(kind="inbound_discrepancy"))
    assert [note.user for note in notes] == [owner]
    assert notes[0].params == {
        "shipment": str(shipment_id),
        "warehouse": "兰州新区综合保税区仓",
        "lines": "HT-500 500 g: 38/40; HT-1000 500 g: 0/3",
    }
    assert notes[0].link == f"/seller/{licensed_shop.slug}/inbound/"


def test_announce_refusals_create_nothing(api_client, owner, licensed_shop, walnut, walnut_lot, other_shop):
    vendor_sku = Sku.objects.create(
        product=walnut.product,
        vendor=licensed_shop,
        code="SELF",
        spec="1 kg",
        price="9.00",
        weight_grams=1000,
    )
    blocked = lot(walnut, 5)
    Batch.objects.filter(pk=blocked.pk).update(blocked=True)
    other_lot = lot(hub_sku(licensed_shop, code="HT-2", name="核桃二"), 3)
    response = announce(
        api_client,
        owner,
        licensed_shop,
        [
            {"sku": walnut.pk, "quantity": 40, "batch": walnut_lot.pk},
            {"sku": vendor_sku.pk, "quantity": 1},
            {"sku": walnut.pk, "quantity": 0, "batch": blocked.pk},
            {"sku": walnut.pk, "quantity": 2, "batch": other_lot.pk},
            {"sku": walnut.pk, "quantity": 2, "batch": walnut_lot.pk},
        ],
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "lines.1.sku": ["Choose a SKU of this shop that is shipped from the hub."],
        "lines.2.quantity": ["Give a whole number of units from 1 to 1000000."],
        "lines.2.batch": ["This lot is blocked and cannot be consigned."],
        "lines.3.batch": ["Choose a lot of this SKU."],
        "lines.4.sku": ["This SKU and lot are already on another line."],
    }
    empty = announce(api_client, owner, licensed_shop, [], warehouse="NOPE")
    assert empty.json()["fields"] == {
        "warehouse": ["Unknown warehouse."],
        "lines": ["Add at least one line (a SKU and its quantity)."],
    }
    assert InboundShipment.objects.count() == 0
    assert InboundLine.objects.count() == 0


def test_inspection_failure_blocks_the_lot(
    api_client, owner, warehouse_user, licensed_shop, walnut, walnut_lot
):
    shipment_id = announce(
        api_client, owner, licensed_shop, [{"sku": walnut.pk, "quantity": 40, "batch": walnut_lot.pk}]
    ).json()["id"]
    api_client.force_authenticate(warehouse_user)
    early = api_client.post(
        f"{URL}{shipment_id}/inspection-failed/?lang=en",
        {"batch": walnut_lot.pk, "summary": "霉变"},
        format="json",
    )
    assert early.status_code == 409
    receive(
        api_client,
        warehouse_user,
        shipment_id,
        [{"sku": walnut.pk, "received_quantity": 40, "bin": "A-01-03"}],
    )
    assert stock_of(walnut) == 40
    assert hub_rows() == [(walnut.pk, walnut_lot.pk, "A-01-03", 40)]
    wrong = api_client.post(
        f"{URL}{shipment_id}/inspection-failed/?lang=en",
        {"batch": walnut_lot.pk + 999, "summary": "x"},
        format="json",
    )
    assert wrong.json()["fields"] == {"batch": ["Choose a lot of this consignment."]}
    response = api_client.post(
        f"{URL}{shipment_id}/inspection-failed/?lang=en",
        {"batch": walnut_lot.pk, "summary": "黄曲霉毒素超标"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    walnut_lot.refresh_from_db()
    assert (walnut_lot.blocked, walnut_lot.blocked_reason) == (True, "黄曲霉毒素超标")
    event = BatchEvent.objects.get(batch=walnut_lot)
    assert (event.event_type, event.result, event.location, event.recorded_by) == (
        "inspect", "fail", "兰州新区综合保税区仓", warehouse_user
    )  # fmt: skip
    assert hub_rows() == [(walnut.pk, walnut_lot.pk, "A-01-03", 0)]
    assert stock_of(walnut) == 0
    assert Product.objects.get(pk=walnut.product_id).in_stock is False


def test_who_may_do_what(
    api_client, owner, warehouse_user, buyer, licensed_shop, walnut, other_shop, other_owner
):
    outsider = announce(api_client, other_owner, licensed_shop, [{"sku": walnut.pk, "quantity": 1}])
    assert outsider.status_code == 404
    assert (
        announce(api_client, warehouse_user, licensed_shop, [{"sku": walnut.pk, "quantity": 1}]).status_code
        == 404
    )
    shipment_id = announce(api_client, owner, licensed_shop, [{"sku": walnut.pk, "quantity": 2}]).json()["id"]
    line = [{"sku": walnut.pk, "received_quantity": 2, "bin": "A-01-01"}]
    assert receive(api_client, buyer, shipment_id, line).status_code == 404
    assert receive(api_client, other_owner, shipment_id, line).status_code == 404
    own = receive(api_client, owner, shipment_id, line)
    assert own.status_code == 403
    assert own.json() == {
        "code": "permission_denied",
        "message": "Only warehouse staff receive consignments.",
    }
    api_client.force_authenticate(owner)
    assert (
        api_client.post(
            f"{URL}{shipment_id}/inspection-failed/", {"batch": 1, "summary": "x"}, format="json"
        ).status_code
        == 403
    )
    for user, status in ((owner, 200), (warehouse_user, 200), (other_owner, 404), (buyer, 404)):
        api_client.force_authenticate(user)
        assert api_client.get(f"{URL}{shipment_id}/").status_code == status
    assert HubStock.objects.count() == 0
    assert stock_of(walnut) == 0
    assert InboundShipment.objects.get().status == "announced"
    with pytest.raises(ApplicationError) as refused:
        inbound.inbound_receive(
            shipment=InboundShipment.objects.get(),
            actor=owner,
            lines=[inbound.CountedLine(sku_id=walnut.pk, received_quantity=2, bin_code="A-01-01")],
        )
    assert refused.value.code == "permission_denied"
    assert receive(api_client, warehouse_user, shipment_id, line).status_code == 200


def test_lists(api_client, owner, warehouse_user, buyer, licensed_shop, walnut, other_owner):
    first = announce(api_client, owner, licensed_shop, [{"sku": walnut.pk, "quantity": 2}]).json()["id"]
    second = announce(api_client, owner, licensed_shop, [{"sku": walnut.pk, "quantity": 3}]).json()["id"]
    api_client.force_authenticate(owner)
    mine = api_client.get(f"{URL}?vendor={licensed_shop.slug}")
    assert mine.status_code == 200
    assert mine.json()["count"] == 2
    assert [s["id"] for s in mine.json()["results"]] == [second, first]
    assert api_client.get(URL).status_code == 403
    api_client.force_authenticate(other_owner)
    assert api_client.get(f"{URL}?vendor={licensed_shop.slug}").status_code == 404
    api_client.force_authenticate(buyer)
    assert api_client.get(URL).status_code == 403
    api_client.force_authenticate(warehouse_user)
    everything = api_client.get(f"{URL}?status=announced")
    assert [s["id"] for s in everything.json()["results"]] == [first, second]
    assert api_client.get(f"{URL}?status=lost").status_code == 400


@pytest.mark.parametrize("count", [1, 6])
def test_list_query_count_is_constant(
    api_client, owner, warehouse_user, licensed_shop, walnut, walnut_lot, count, django_assert_max_num_queries
):
    for _ in range(count):
        announce(
            api_client,
            owner,
            licensed_shop,
            [{"sku": walnut.pk, "quantity": 2, "batch": walnut_lot.pk}, {"sku": walnut.pk, "quantity": 1}],
        )
    api_client.force_authenticate(warehouse_user)
    with django_assert_max_num_queries(4):
        response = api_client.get(URL)
    assert response.json()["count"] == count
    api_client.force_authenticate(owner)
    with django_assert_max_num_queries(6):
        response = api_client.get(f"{URL}?vendor={licensed_shop.slug}")
    assert len(response.json()["results"]) == count


def test_hub_stock_selector(owner, warehouse_user, licensed_shop, walnut):
    from logistics.selectors import hub_stock_for_sku

    shipment = inbound.inbound_announce(
        vendor=licensed_shop,
        actor=owner,
        actor_role="clerk",
        warehouse_code="LZXQ",
        lines=[inbound.AnnouncedLine(sku_id=walnut.pk, quantity=9)],
    )
    inbound.inbound_receive(
        shipment=shipment,
        actor=warehouse_user,
        lines=[inbound.CountedLine(sku_id=walnut.pk, received_quantity=9, bin_code="A-02-04")],
    )
    assert [
        (row.warehouse.code, row.bin.code, row.batch, row.quantity)
        for row in hub_stock_for_sku(sku_id=walnut.pk)
    ] == [("LZXQ", "A-02-04", None, 9)]


def test_a_failed_inspection_takes_out_only_what_the_hub_holds_of_the_lot(
    api_client, owner, warehouse_user, licensed_shop, walnut, walnut_lot
):
    from logistics.tests.conftest import lot

    second_lot = lot(walnut, 30)
    shipment_id = announce(
        api_client,
        owner,
        licensed_shop,
        [
            {"sku": walnut.pk, "quantity": 40, "batch": walnut_lot.pk},
            {"sku": walnut.pk, "quantity": 30, "batch": second_lot.pk},
        ],
    ).json()["id"]
    receive(
        api_client,
        warehouse_user,
        shipment_id,
        [
            {
                "sku": walnut.pk,
                "batch": walnut_lot.pk,
                "received_quantity": 25,
                "bin": "A-01-03",
            },  # counted short
            {"sku": walnut.pk, "batch": second_lot.pk, "received_quantity": 30, "bin": "A-01-04"},
        ],
    )
    assert stock_of(walnut) == 55
    failed = api_client.post(
        f"{URL}{shipment_id}/inspection-failed/?lang=en",
        {"batch": walnut_lot.pk, "summary": "霉变"},
        format="json",
    )
    assert failed.status_code == 200
    # The 25 units of the failed lot that the hub holds leave the stock; the other lot's 30 stay.
    assert stock_of(walnut) == 30
    assert hub_rows() == [(walnut.pk, walnut_lot.pk, "A-01-03", 0), (walnut.pk, second_lot.pk, "A-01-04", 30)]


def test_lots_that_expire_at_the_hub_leave_its_stock(
    api_client, owner, warehouse_user, licensed_shop, walnut, walnut_lot
):
    from datetime import timedelta

    from django.utils import timezone

    from catalog.models import Batch
    from catalog.tasks import expire_batches

    shipment_id = announce(
        api_client, owner, licensed_shop, [{"sku": walnut.pk, "quantity": 40, "batch": walnut_lot.pk}]
    ).json()["id"]
    receive(
        api_client,
        warehouse_user,
        shipment_id,
        [{"sku": walnut.pk, "received_quantity": 40, "bin": "A-01-03"}],
    )
    assert stock_of(walnut) == 40
    Batch.objects.filter(pk=walnut_lot.pk).update(expires_on=timezone.localdate() - timedelta(days=1))
    assert expire_batches.delay().get() == 1
    assert stock_of(walnut) == 0
    assert hub_rows() == [(walnut.pk, walnut_lot.pk, "A-01-03", 0)]
    assert expire_batches.delay().get() == 0  # again: nothing more
    assert stock_of(walnut) == 0
