"""API of the fulfillment queue, shipments and carrier webhooks: the journey from a paid order to delivery,
who may do what, refusals that change nothing, exceptions and the lead's decisions, tracking events, signed
carrier webhooks, constant query counts, Chinese and English messages."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime

from catalog.models import Sku
from gansu_mall.accounts.tests.factories import UserFactory
from gansu_mall.notifications.models import Notification
from logistics import fulfillment
from logistics.api_fulfillment import carrier_signature
from logistics.models import FulfillmentTask, HubStock, Pick, Shipment, ShipmentEvent
from logistics.tests.conftest import paid_order, stock_hub
from orders.models import Order, OrderItemLot, Refund
from orders.services.fulfillment import hub_ship, shipment_event_record

pytestmark = pytest.mark.django_db

API = "/api/v1/"
TASKS = f"{API}fulfillment/tasks/"
CLAIM = f"{API}fulfillment/claim/"
HUB_NAME = "兰州新区综合保税区仓"
HUB_NAME_EN = "Lanzhou New Area hub"
TRACKING = "SF123456789012"
SECRET = "sf-webhook-secret"
NOT_FOUND = {"code": "not_found", "message": "Not found."}
NOT_STAFF = {"code": "permission_denied", "message": "Only warehouse staff work the fulfillment queue."}
NOT_YOURS = {
    "code": "not_your_task",
    "message": "Another worker holds this task (or your claim has expired): claim the next one.",
}
NOT_LEAD = {"code": "permission_denied", "message": "Only the warehouse lead decides on exceptions."}
INVALID = "The request is not valid; see the fields."
BAD_SIGNATURE = {"code": "authentication_failed", "message": "The carrier's signature is missing or wrong."}
STEPS = ("pick", "pack", "ship", "release", "exception", "requeue", "cancel")


@pytest.fixture(autouse=True)
def _carrier_secrets(settings):
    settings.CARRIER_WEBHOOK_SECRETS = {"sf": SECRET}


@pytest.fixture
def worker(client_for, warehouse_user):
    return client_for(warehouse_user)


@pytest.fixture
def other_worker(db):
    return UserFactory(username="packer", roles=["warehouse"])


def hub_order(owner, warehouse_user, buyer, sku, batch, *, stock: int = 10, quantity: int = 3):
    stock_hub(sku, owner, warehouse_user, stock, batch=batch)
    (order,) = paid_order(buyer, {sku: quantity})
    return order


def step(client, task_id: int, name: str, body: dict | None = None, *, lang: str = "en"):
    return client.post(f"{TASKS}{task_id}/{name}/?lang={lang}", body or {}, format="json")


def rows():
    return list(HubStock.objects.order_by("id").values_list("id", "quantity", "allocated"))


def state(task_id: int, order_id: int):
    """Everything a refused request must leave as it was."""
    return (
        FulfillmentTask.objects.values_list("status", "claimed_by_id", "weight_grams", "packages").get(
            pk=task_id
        ),
        Order.objects.values_list("status", "tracking_number").get(pk=order_id),
        rows(),
        list(Pick.objects.order_by("id").values_list("id", "quantity", "picked_quantity")),
        Shipment.objects.count(),
        ShipmentEvent.objects.count(),
        list(Sku.objects.order_by("id").values_list("id", "stock")),
        Refund.objects.count(),
    )


def claimed_task(owner, warehouse_user, buyer, walnut, walnut_lot, **kwargs):
    order = hub_order(owner, warehouse_user, buyer, walnut, walnut_lot, **kwargs)
    task = fulfillment.task_claim(worker=warehouse_user)
    assert task is not None
    assert task.order_ref == order.pk
    return order, task


def packed_task(owner, warehouse_user, buyer, walnut, walnut_lot, **kwargs):
    order, task = claimed_task(owner, warehouse_user, buyer, walnut, walnut_lot, **kwargs)
    fulfillment.task_pack(task=task, worker=warehouse_user, weight_grams=1600, packages=1)
    return order, task


def ship_next(worker_user, tracking: str) -> Shipment:
    """Claim, pack and ship the next task through the services (a worker using the hub in Chinese)."""
    with translation.override("zh-hans"):
        task = fulfillment.task_claim(worker=worker_user)
        fulfillment.task_pack(task=task, worker=worker_user, weight_grams=800, packages=1)
        hub_ship(task=task, worker=worker_user, carrier="sf", tracking_number=tracking)
    return Shipment.objects.get(task=task)


def at(moment) -> str:
    return moment.isoformat()


# --- 1. The journey ---------------------------------------------------------------------------------------


def test_journey_claim_pick_pack_ship_through_the_api(
    client_for, worker, owner, warehouse_user, buyer, walnut, walnut_lot
):
    order = hub_order(owner, warehouse_user, buyer, walnut, walnut_lot)
    queued = FulfillmentTask.objects.get(order_ref=order.pk)
    summary = worker.get(f"{API}fulfillment/summary/")
    assert summary.status_code == 200
    assert summary.json() | {"oldest_deadline": None} == {
        "warehouse": "LZXQ",
        "queued": {"express": 0, "cold_chain": 0, "standard": 1},
        "claimed": 0,
        "exceptions": 0,
        "at_risk": 0,
        "overdue": 0,
        "shipped_today": 0,
        "oldest_deadline": None,
    }
    assert parse_datetime(summary.json()["oldest_deadline"]) == queued.deadline

    claimed = worker.post(f"{CLAIM}?lang=en")
    assert claimed.status_code == 200, claimed.json()
    body = claimed.json()
    pick = Pick.objects.get(line__task=queued)
    assert (body["id"], body["order_number"], body["priority"], body["status"]) == (
        queued.pk, order.number, "standard", "claimed"
    )  # fmt: skip
    assert parse_datetime(body["deadline"]) == order.paid_at + timedelta(hours=24)
    assert body["claimed_by"] == "picker"
    assert body["items"] == [{"sku": walnut.pk, "product_name": "核桃", "spec": "500 g", "quantity": 3}]
    assert body["lines"] == [
        {
            "pick": pick.pk,
            "sku": walnut.pk,
            "sku_code": "HT-500",
            "product_name": "核桃",
            "spec": "500 g",
            "quantity": 3,
            "picked_quantity": None,
            "bin": "A-01-01",
            "batch": walnut_lot.pk,
            "trace_code": walnut_lot.trace_code,
            "best_before": None,
        }
    ]
    assert body["destination"] == {
        "recipient": "王小明",
        "phone": "13800138000",
        "province_code": "620000",
        "city_code": order.city_code,
        "county_code": "621221",
        "detail": "城关镇东大街 12 号",
    }
    assert rows() == [(pick.stock_id, 10, 3)]
    mine = worker.get(f"{TASKS}?status=claimed&mine=1")
    assert [task["id"] for task in mine.json()["results"]] == [queued.pk]
    assert worker.get(f"{TASKS}?status=queued").json()["count"] == 0

    picked = step(worker, queued.pk, "pick")
    assert picked.status_code == 200, picked.json()
    assert (picked.json()["status"], picked.json()["lines"][0]["picked_quantity"]) == ("picked", 3)
    packed = step(worker, queued.pk, "pack", {"weight_grams": 1600, "packages": 1})
    assert packed.status_code == 200, packed.json()
    assert (packed.json()["status"], packed.json()["weight_grams"], packed.json()["packages"]) == (
        "packed", 1600, 1
    )  # fmt: skip
    shipped = step(
        worker, queued.pk, "ship", {"carrier": "SF", "tracking_number": "sf 1234 5678 9012"}, lang="zh-hans"
    )
    assert shipped.status_code == 200, shipped.json()
    assert (shipped.json()["status"], shipped.json()["carrier"], shipped.json()["tracking_number"]) == (
        "shipped", "sf", TRACKING
    )  # fmt: skip
    assert rows() == [(pick.stock_id, 7, 0)]
    assert Sku.objects.get(pk=walnut.pk).stock == 7

    seen = client_for(buyer).get(f"{API}orders/{order.pk}/?lang=en")
    assert seen.status_code == 200
    detail = seen.json()
    shipment = Shipment.objects.get(order_ref=order.pk)
    assert (detail["status"], detail["number"]) == ("shipped", order.number)
    assert detail["shipment"] | {"events": None} == {
        "id": shipment.pk,
        "carrier": "sf",
        "tracking_number": TRACKING,
        "status": "shipped",
        "events": None,
    }
    assert [(e["status"], e["location"]) for e in detail["shipment"]["events"]] == [("shipped", HUB_NAME_EN)]
    assert [item["lots"] for item in detail["items"]] == [
        [{"batch": walnut_lot.pk, "trace_code": walnut_lot.trace_code, "quantity": 3}]
    ]
    assert list(OrderItemLot.objects.values_list("batch_id", "quantity")) == [(walnut_lot.pk, 3)]
    assert worker.get(f"{API}fulfillment/summary/").json()["shipped_today"] == 1

    empty = worker.post(CLAIM)
    assert (empty.status_code, empty.content) == (204, b"")


# --- 2. Who may do what --------------------------------------------------------------------------------


def test_shop_staff_buyers_and_anonymous_clients_cannot_touch_the_queue(
    api_client, client_for, owner, warehouse_user, buyer, walnut, walnut_lot
):
    order, task = claimed_task(owner, warehouse_user, buyer, walnut, walnut_lot)
    before = state(task.pk, order.pk)
    anonymous = api_client.post(f"{CLAIM}?lang=en")
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "not_authenticated")
    assert api_client.get(TASKS).status_code == 401
    assert api_client.get(f"{TASKS}{task.pk}/").status_code == 401
    for name in STEPS:
        assert step(api_client, task.pk, name).status_code == 401
    for user in (owner, buyer):
        client = client_for(user)
        for refused in (client.post(f"{CLAIM}?lang=en"), client.get(f"{TASKS}?lang=en")):
            assert (refused.status_code, refused.json()) == (403, NOT_STAFF)
        assert client.get(f"{API}fulfillment/summary/?lang=en").status_code == 403
        detail = client.get(f"{TASKS}{task.pk}/?lang=en")
        assert (detail.status_code, detail.json()) == (404, NOT_FOUND)
        bodies = {
            "pack": {"weight_grams": 1000, "packages": 1},
            "ship": {"carrier": "sf", "tracking_number": TRACKING},
            "exception": {"reason": "坏了"},
            "cancel": {"reason": "不要了"},
        }
        for name in STEPS:
            refused = step(client, task.pk, name, bodies.get(name))
            assert (name, refused.status_code, refused.json()) == (name, 404, NOT_FOUND)
    assert state(task.pk, order.pk) == before


def test_a_task_belongs_to_the_worker_holding_it(
    client_for, other_worker, owner, warehouse_user, buyer, walnut, walnut_lot
):
    order, task = claimed_task(owner, warehouse_user, buyer, walnut, walnut_lot)
    pick = Pick.objects.get(line__task=task)
    other = client_for(other_worker)
    assert other.get(f"{TASKS}{task.pk}/").json()["claimed_by"] == "picker"  # staff may look
    before = state(task.pk, order.pk)
    for name, body in (
        ("pick", {}),
        ("pick", {"found": [{"pick": pick.pk, "quantity": 1}]}),
        ("pack", {"weight_grams": 1000, "packages": 1}),
        ("exception", {"reason": "damaged", "kind": "damage", "missing": [{"pick": pick.pk, "quantity": 1}]}),
    ):
        refused = step(other, task.pk, name, body)
        assert (name, refused.status_code, refused.json()) == (name, 409, NOT_YOURS)
    assert state(task.pk, order.pk) == before

    fulfillment.task_pack(task=task, worker=warehouse_user, weight_grams=1000, packages=1)
    before = state(task.pk, order.pk)
    refused = step(other, task.pk, "ship", {"carrier": "sf", "tracking_number": TRACKING})
    assert (refused.status_code, refused.json()) == (409, NOT_YOURS)
    assert state(task.pk, order.pk) == before


def test_only_the_lead_releases_others_tasks_and_decides_on_exceptions(
    client_for, worker, lead, other_worker, owner, warehouse_user, buyer, walnut, walnut_lot
):
    order, task = claimed_task(owner, warehouse_user, buyer, walnut, walnut_lot)
    other = client_for(other_worker)
    before = state(task.pk, order.pk)
    refused = step(other, task.pk, "release")
    assert (refused.status_code, refused.json()["code"]) == (409, "not_your_task")
    assert state(task.pk, order.pk) == before

    assert step(worker, task.pk, "exception", {"reason": "label torn"}).status_code == 200
    before = state(task.pk, order.pk)
    assert before[0][0] == "exception"
    for client in (worker, other):
        for name, body in (("requeue", {}), ("cancel", {"reason": "cannot ship"})):
            refused = step(client, task.pk, name, body)
            assert (name, refused.status_code, refused.json()) == (name, 403, NOT_LEAD)
    assert state(task.pk, order.pk) == before
    requeued = step(client_for(lead), task.pk, "requeue", {"note": "label reprinted"})
    assert (requeued.status_code, requeued.json()["status"]) == (200, "queued")


# --- 3. Bad input ----------------------------------------------------------------------------------------


def test_shipping_refusals_change_nothing(
    worker, client_for, owner, warehouse_user, buyer, walnut, walnut_lot
):
    order, task = claimed_task(owner, warehouse_user, buyer, walnut, walnut_lot)
    before = state(task.pk, order.pk)
    early = step(worker, task.pk, "ship", {"carrier": "sf", "tracking_number": TRACKING})
    assert early.status_code == 409
    assert early.json() == {
        "code": "task_not_packed",
        "message": "Pack the parcel (weight and parcels) before it ships.",
        "status": "claimed",
    }
    assert state(task.pk, order.pk) == before

    for body, fields in (
        ({"weight_grams": 0, "packages": 1}, {"weight_grams": ["Give the weight in grams: 1 to 1000000."]}),
        ({"weight_grams": -5, "packages": 1}, {"weight_grams": ["Give the weight in grams: 1 to 1000000."]}),
        ({"weight_grams": 900, "packages": 0}, {"packages": ["Give the number of parcels: 1 to 50."]}),
        (
            {"weight_grams": "heavy"},
            {"weight_grams": ["A valid integer is required."], "packages": ["This field is required."]},
        ),
    ):
        refused = step(worker, task.pk, "pack", body)
        assert refused.status_code == 400
        assert refused.json() == {"code": "validation_error", "message": INVALID, "fields": fields}
        assert state(task.pk, order.pk) == before

    assert step(worker, task.pk, "pack", {"weight_grams": 1600, "packages": 1}).status_code == 200
    before = state(task.pk, order.pk)
    for body, fields in (
        (
            {"carrier": "sf", "tracking_number": "YT1234567890123"},
            {"tracking_number": ["This is not a tracking number of that carrier."]},
        ),
        (
            {"carrier": "sf", "tracking_number": "SF12345"},
            {"tracking_number": ["This is not a tracking number of that carrier."]},
        ),
        (
            {"carrier": "dhl", "tracking_number": TRACKING},
            {"carrier": ["Choose a carrier: ems, sf, zto, yto, sto, yunda, jd, jt."]},
        ),
        ({"carrier": "sf"}, {"tracking_number": ["This field is required."]}),
    ):
        refused = step(worker, task.pk, "ship", body)
        assert refused.status_code == 400, body
        assert refused.json() == {"code": "validation_error", "message": INVALID, "fields": fields}
        assert state(task.pk, order.pk) == before
    assert Order.objects.get(pk=order.pk).status == "paid"


def test_a_tracking_number_ships_one_parcel(worker, owner, warehouse_user, buyer, walnut, walnut_lot):
    stock_hub(walnut, owner, warehouse_user, 10, batch=walnut_lot)
    first, second = (paid_order(buyer, {walnut: 1})[0] for _ in range(2))
    ship_next(warehouse_user, TRACKING)
    task = fulfillment.task_claim(worker=warehouse_user)
    assert task.order_ref == second.pk
    fulfillment.task_pack(task=task, worker=warehouse_user, weight_grams=500, packages=1)
    before = state(task.pk, second.pk)
    refused = step(worker, task.pk, "ship", {"carrier": "sf", "tracking_number": TRACKING.lower()})
    assert refused.status_code == 409
    assert refused.json() == {
        "code": "tracking_in_use",
        "message": "This tracking number already belongs to another parcel.",
    }
    assert state(task.pk, second.pk) == before
    assert Order.objects.get(pk=first.pk).status == "shipped"
    ok = step(worker, task.pk, "ship", {"carrier": "sf", "tracking_number": "SF123456789013"})
    assert (ok.status_code, ok.json()["status"]) == (200, "shipped")


def test_exception_and_list_refusals(worker, owner, warehouse_user, buyer, walnut, walnut_lot):
    order, task = claimed_task(owner, warehouse_user, buyer, walnut, walnut_lot)
    pick = Pick.objects.get(line__task=task)
    before = state(task.pk, order.pk)
    for body, fields in (
        (
            {"reason": "broken", "kind": "damage", "missing": [{"pick": 999999, "quantity": 1}]},
            {"missing.999999": ["This pick is not on the task's list."]},
        ),
        (
            {"reason": "broken", "kind": "damage", "missing": [{"pick": pick.pk, "quantity": 4}]},
            {f"missing.{pick.pk}": ["Give the units missing: 0 to 3."]},
        ),
        (
            {
                "reason": "broken",
                "missing": [{"pick": pick.pk, "quantity": 1}, {"pick": pick.pk, "quantity": 1}],
            },
            {"missing": ["Each pick once."]},
        ),
        ({"reason": "broken", "kind": "fire"}, {"kind": ["Choose short pick, damage or other."]}),
        ({"kind": "other"}, {"reason": ["This field is required."]}),
    ):
        refused = step(worker, task.pk, "exception", body)
        assert refused.status_code == 400, body
        assert refused.json() == {"code": "validation_error", "message": INVALID, "fields": fields}
        assert state(task.pk, order.pk) == before

    bogus = worker.get(f"{TASKS}?status=bogus&lang=en")
    assert bogus.status_code == 400
    assert bogus.json() == {
        "code": "validation_error",
        "message": INVALID,
        "fields": {"status": ["One of: queued, claimed, picked, packed, shipped, exception, cancelled."]},
    }
    missing = worker.get(f"{TASKS}999999/?lang=en")
    assert (missing.status_code, missing.json()) == (404, NOT_FOUND)


def test_pick_refusals_name_the_found_field(worker, owner, warehouse_user, buyer, walnut, walnut_lot):
    order, task = claimed_task(owner, warehouse_user, buyer, walnut, walnut_lot)
    pick = Pick.objects.get(line__task=task)
    before = state(task.pk, order.pk)
    refused = step(worker, task.pk, "pick", {"found": [{"pick": pick.pk, "quantity": 4}]})
    assert refused.status_code == 400
    assert state(task.pk, order.pk) == before
    assert refused.json()["fields"] == {f"found.{pick.pk}": ["Give the units found: 0 to 3."]}


# --- 4. Exceptions and the lead -----------------------------------------------------------------------


def test_short_pick_then_requeue_then_cancel_with_a_full_refund(
    client_for, worker, lead, owner, warehouse_user, buyer, walnut, walnut_lot
):
    order, task = claimed_task(owner, warehouse_user, buyer, walnut, walnut_lot)
    pick = Pick.objects.get(line__task=task)
    assert Sku.objects.get(pk=walnut.pk).stock == 7
    short = step(worker, task.pk, "pick", {"found": [{"pick": pick.pk, "quantity": 2}]})
    assert short.status_code == 200, short.json()
    body = short.json()
    assert (body["status"], body["claimed_by"], body["lines"]) == ("exception", None, [])
    assert body["exception"] == {
        "kind": "short_pick",
        "reason": "Fewer units in the bin than the pick list says.",
    }
    assert rows() == [(pick.stock_id, 9, 0)]
    assert Sku.objects.get(pk=walnut.pk).stock == 6
    assert list(
        Notification.objects.filter(kind="task_exception").values_list("user_id", "params", "link")
    ) == [
        (
            lead.pk,
            {"order": order.number, "reason": "short pick (fewer units in the bin)"},
            f"/warehouse/tasks/{task.pk}/",
        )
    ]
    assert Order.objects.get(pk=order.pk).status == "paid"

    lead_client = client_for(lead)
    requeued = step(lead_client, task.pk, "requeue", {"note": "counted again"})
    assert (requeued.status_code, requeued.json()["status"], requeued.json()["exception"]) == (
        200,
        "queued",
        None,
    )
    again = worker.post(f"{CLAIM}?lang=en")
    assert (again.json()["id"], again.json()["status"]) == (task.pk, "claimed")
    assert [(line["quantity"], line["bin"]) for line in again.json()["lines"]] == [(3, "A-01-01")]
    assert rows() == [(pick.stock_id, 9, 3)]
    fresh = again.json()["lines"][0]["pick"]
    assert (
        step(
            worker,
            task.pk,
            "exception",
            {"reason": "wet box", "kind": "damage", "missing": [{"pick": fresh, "quantity": 1}]},
        ).json()["status"]
        == "exception"
    )
    assert rows() == [(pick.stock_id, 8, 0)]
    assert Sku.objects.get(pk=walnut.pk).stock == 5

    no_reason = step(lead_client, task.pk, "cancel", {"reason": ""})
    assert no_reason.status_code == 400
    cancelled = step(lead_client, task.pk, "cancel", {"reason": "not enough walnuts"})
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert list(Refund.objects.values_list("order_id", "amount", "status")) == [
        (order.pk, order.total, "approved")
    ]
    assert Sku.objects.get(pk=walnut.pk).stock == 8  # the three ordered units are sellable again
    assert rows() == [(pick.stock_id, 8, 0)]
    assert Shipment.objects.count() == 0
    assert worker.post(CLAIM).status_code == 204


def test_a_pick_found_empty_becomes_a_short_pick(
    worker, lead, owner, warehouse_user, buyer, walnut, walnut_lot
):
    order, task = claimed_task(owner, warehouse_user, buyer, walnut, walnut_lot)
    pick = Pick.objects.get(line__task=task)
    response = step(worker, task.pk, "pick", {"found": [{"pick": pick.pk, "quantity": 0}]})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "exception"
    assert rows() == [(pick.stock_id, 7, 0)]
    assert Sku.objects.get(pk=walnut.pk).stock == 4


def test_damage_found_after_picking(worker, lead, owner, warehouse_user, buyer, walnut, walnut_lot):
    order, task = claimed_task(owner, warehouse_user, buyer, walnut, walnut_lot)
    pick = Pick.objects.get(line__task=task)
    assert step(worker, task.pk, "pick").json()["status"] == "picked"
    response = step(
        worker,
        task.pk,
        "exception",
        {"reason": "crushed", "kind": "damage", "missing": [{"pick": pick.pk, "quantity": 1}]},
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "exception"
    assert rows() == [(pick.stock_id, 9, 0)]


# --- 5. Release -----------------------------------------------------------------------------------------


def test_release_by_the_holder(worker, owner, warehouse_user, buyer, walnut, walnut_lot):
    order, task = claimed_task(owner, warehouse_user, buyer, walnut, walnut_lot)
    assert rows()[0][1:] == (10, 3)
    assert step(worker, task.pk, "pack", {"weight_grams": 1000, "packages": 2}).status_code == 200
    released = step(worker, task.pk, "release", {"note": "end of shift"})
    assert released.status_code == 200
    body = released.json()
    assert (body["status"], body["claimed_by"], body["lines"], body["weight_grams"], body["packages"]) == (
        "queued", None, [], None, None
    )  # fmt: skip
    assert rows()[0][1:] == (10, 0)
    assert Pick.objects.count() == 0
    assert Order.objects.get(pk=order.pk).status == "paid"
    again = step(worker, task.pk, "release")
    assert (again.status_code, again.json()["code"], again.json()["status"]) == (
        409,
        "invalid_transition",
        "queued",
    )


# --- 6. Shipment events ---------------------------------------------------------------------------------


def test_tracking_events_from_the_warehouse(
    api_client, client_for, worker, owner, warehouse_user, buyer, walnut, walnut_lot
):
    order = hub_order(owner, warehouse_user, buyer, walnut, walnut_lot)
    shipment = ship_next(warehouse_user, TRACKING)
    url = f"{API}shipments/{shipment.pk}/events/?lang=en"
    now = timezone.now()
    for user in (buyer, owner):
        client = client_for(user)
        refused = client.post(url, {"status": "in_transit", "occurred_at": at(now)}, format="json")
        assert (refused.status_code, refused.json()) == (404, NOT_FOUND)
        assert client.get(f"{API}shipments/{shipment.pk}/").status_code == 404
    assert (
        api_client.post(url, {"status": "in_transit", "occurred_at": at(now)}, format="json").status_code
        == 401
    )
    future = worker.post(
        url, {"status": "in_transit", "occurred_at": at(now + timedelta(hours=1))}, format="json"
    )
    assert future.status_code == 400
    assert future.json() == {
        "code": "validation_error",
        "message": INVALID,
        "fields": {"occurred_at": ["This time is in the future."]},
    }
    bad = worker.post(url, {"status": "lost", "occurred_at": "yesterday"}, format="json")
    assert (bad.status_code, sorted(bad.json()["fields"])) == (400, ["occurred_at", "status"])
    early = worker.post(
        url, {"status": "in_transit", "occurred_at": at(now - timedelta(days=1))}, format="json"
    )
    assert (early.status_code, early.json()["fields"]) == (
        400, {"occurred_at": ["This time is before the parcel was shipped."]}
    )  # fmt: skip
    assert ShipmentEvent.objects.filter(shipment=shipment).count() == 1

    moving = worker.post(
        url, {"status": "in_transit", "occurred_at": at(now), "location": "兰州"}, format="json"
    )
    assert moving.status_code == 201, moving.json()
    assert [(e["status"], e["location"], e["source"]) for e in moving.json()["events"]] == [
        ("shipped", HUB_NAME_EN, "warehouse"), ("in_transit", "兰州", "warehouse")
    ]  # fmt: skip
    assert Order.objects.get(pk=order.pk).status == "shipped"
    done = worker.post(
        url, {"status": "delivered", "occurred_at": at(timezone.now()), "location": "成县"}, format="json"
    )
    assert done.status_code == 201
    assert Shipment.objects.get(pk=shipment.pk).status == "delivered"
    assert Order.objects.get(pk=order.pk).status == "delivered"
    assert Notification.objects.filter(user=buyer, kind="order_delivered").count() == 1

    late = worker.post(url, {"status": "in_transit", "occurred_at": at(timezone.now())}, format="json")
    assert late.status_code == 409
    assert late.json() == {
        "code": "shipment_delivered",
        "message": "This parcel has been delivered: no further tracking events.",
    }
    assert ShipmentEvent.objects.filter(shipment=shipment).count() == 3
    detail = worker.get(f"{API}shipments/{shipment.pk}/")
    assert (detail.json()["status"], [e["status"] for e in detail.json()["events"]]) == (
        "delivered", ["shipped", "in_transit", "delivered"]
    )  # fmt: skip
    seen = client_for(buyer).get(f"{API}orders/{order.pk}/").json()
    assert (seen["status"], seen["shipment"]["status"]) == ("delivered", "delivered")
    assert [e["status"] for e in seen["shipment"]["events"]] == ["shipped", "in_transit", "delivered"]


def test_the_event_response_shows_the_new_shipment_status(
    worker, owner, warehouse_user, buyer, walnut, walnut_lot
):
    hub_order(owner, warehouse_user, buyer, walnut, walnut_lot)
    shipment = ship_next(warehouse_user, TRACKING)
    url = f"{API}shipments/{shipment.pk}/events/"
    done = worker.post(url, {"status": "delivered", "occurred_at": at(timezone.now())}, format="json")
    assert done.status_code == 201
    assert done.json()["status"] == "delivered"
    assert done.json()["delivered_at"] is not None


def test_the_shipped_event_reads_in_the_buyers_language(
    client_for, worker, owner, warehouse_user, buyer, walnut, walnut_lot
):
    order, task = packed_task(owner, warehouse_user, buyer, walnut, walnut_lot)
    assert (
        step(worker, task.pk, "ship", {"carrier": "sf", "tracking_number": TRACKING}, lang="en").status_code
        == 200
    )
    seen = client_for(buyer).get(f"{API}orders/{order.pk}/?lang=zh-hans").json()
    assert [(e["status"], e["location"]) for e in seen["shipment"]["events"]] == [("shipped", HUB_NAME)]


# --- 7. Carrier webhooks -----------------------------------------------------------------------------


def webhook(
    client, payload: dict, *, code: str = "sf", secret: str = SECRET, stamp: int | None = None, **headers
):
    body = json.dumps(payload).encode()
    stamp = int(time.time()) if stamp is None else stamp
    sent = {
        "HTTP_X_CARRIER_TIMESTAMP": str(stamp),
        "HTTP_X_CARRIER_SIGNATURE": carrier_signature(secret, stamp, body),
    }
    sent.update(headers)
    return client.post(
        f"{API}carriers/{code}/events/?lang=en",
        data=body,
        content_type="application/json",
        **{key: value for key, value in sent.items() if value is not None},
    )


def test_carrier_webhook(api_client, owner, warehouse_user, buyer, walnut, walnut_lot):
    order = hub_order(owner, warehouse_user, buyer, walnut, walnut_lot)
    shipment = ship_next(warehouse_user, TRACKING)
    event = {
        "tracking_number": TRACKING,
        "status": "in_transit",
        "occurred_at": at(timezone.now()),
        "location": "兰州转运中心",
        "event_id": "sf-0001",
    }
    first = webhook(api_client, event)
    assert first.status_code == 200, first.json()
    assert [(e["status"], e["location"], e["source"]) for e in first.json()["events"]] == [
        ("shipped", HUB_NAME_EN, "warehouse"), ("in_transit", "兰州转运中心", "carrier")
    ]  # fmt: skip
    retried = webhook(api_client, event)
    assert retried.status_code == 200
    assert list(ShipmentEvent.objects.filter(source="carrier").values_list("status", "external_id")) == [
        ("in_transit", "sf-0001")
    ]
    assert Shipment.objects.get(pk=shipment.pk).status == "in_transit"
    out = event | {"status": "out_for_delivery", "event_id": "sf-0002"}
    late = event | {"occurred_at": at(timezone.now() - timedelta(minutes=1)), "event_id": "sf-0004"}
    assert (webhook(api_client, out).status_code, webhook(api_client, late).status_code) == (200, 200)
    assert Shipment.objects.get(pk=shipment.pk).status == "out_for_delivery"  # a late event does not go back
    assert Order.objects.get(pk=order.pk).status == "shipped"

    unknown = webhook(api_client, event | {"tracking_number": "SF999999999999", "event_id": "sf-0002"})
    assert (unknown.status_code, unknown.json()) == (
        404, {"code": "not_found", "message": "No parcel has this tracking number."}
    )  # fmt: skip
    nobody = webhook(api_client, event | {"event_id": "x"}, code="dhl")
    assert (nobody.status_code, nobody.json()["code"]) == (404, "not_found")

    delivered = event | {"status": "delivered", "occurred_at": at(timezone.now()), "event_id": "sf-0003"}
    assert webhook(api_client, delivered).status_code == 200
    assert (Shipment.objects.get(pk=shipment.pk).status, Order.objects.get(pk=order.pk).status) == (
        "delivered", "delivered"
    )  # fmt: skip
    assert webhook(api_client, delivered).status_code == 200  # a retry after delivery: the same event
    assert ShipmentEvent.objects.filter(shipment=shipment).count() == 5


def test_carrier_webhook_refusals_record_nothing(
    settings, api_client, owner, warehouse_user, buyer, walnut, walnut_lot
):
    settings.CARRIER_WEBHOOK_SECRETS = {"sf": SECRET, "jd": ""}
    hub_order(owner, warehouse_user, buyer, walnut, walnut_lot)
    shipment = ship_next(warehouse_user, TRACKING)
    event = {
        "tracking_number": TRACKING,
        "status": "delivered",
        "occurred_at": at(timezone.now()),
        "location": "成县",
        "event_id": "sf-0009",
    }
    stale = int(time.time()) - 301
    body = json.dumps(event).encode()
    for refused in (
        webhook(api_client, event, secret="guessed"),
        webhook(api_client, event, HTTP_X_CARRIER_SIGNATURE=None),
        webhook(api_client, event, HTTP_X_CARRIER_TIMESTAMP=None),
        webhook(api_client, event, HTTP_X_CARRIER_TIMESTAMP=None, HTTP_X_CARRIER_SIGNATURE=None),
        webhook(api_client, event, stamp=stale),
        webhook(api_client, event, stamp=int(time.time()) + 301),
        # signed for another body
        webhook(
            api_client,
            event | {"event_id": "sf-0010"},
            HTTP_X_CARRIER_SIGNATURE=carrier_signature(SECRET, int(time.time()), body),
        ),
        webhook(api_client, event, code="zto"),  # no secret for this carrier
        webhook(api_client, event, code="jd", secret=""),  # an empty secret
    ):
        assert (refused.status_code, refused.json()) == (401, BAD_SIGNATURE)
    assert list(ShipmentEvent.objects.filter(shipment=shipment).values_list("status", flat=True)) == [
        "shipped"
    ]
    assert Shipment.objects.get(pk=shipment.pk).status == "shipped"
    assert Order.objects.get(pk=shipment.order_ref).status == "shipped"


# --- 8. Query counts -------------------------------------------------------------------------------------


def count_queries(client, url: str) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        queries = len(captured.captured_queries)
    assert response.status_code == 200
    return queries, response.json()


def test_the_task_list_takes_the_same_queries_for_2_or_6_tasks(
    worker, other_worker, owner, warehouse_user, buyer, walnut, walnut_lot
):
    stock_hub(walnut, owner, warehouse_user, 20, batch=walnut_lot)
    for _ in range(2):
        paid_order(buyer, {walnut: 1})
    fulfillment.task_claim(worker=warehouse_user)
    few, body = count_queries(worker, TASKS)
    assert (body["count"], [len(task["lines"]) for task in body["results"]]) == (2, [1, 0])
    for _ in range(4):
        paid_order(buyer, {walnut: 2})
    fulfillment.task_claim(worker=other_worker)
    fulfillment.task_claim(worker=warehouse_user)
    many, body = count_queries(worker, TASKS)
    assert body["count"] == 6
    assert sorted(task["claimed_by"] or "" for task in body["results"]) == [
        "",
        "",
        "",
        "packer",
        "picker",
        "picker",
    ]
    assert many == few


def test_the_buyers_order_list_takes_the_same_queries_for_1_or_4_shipped_orders(
    client_for, owner, warehouse_user, buyer, walnut, walnut_lot
):
    stock_hub(walnut, owner, warehouse_user, 20, batch=walnut_lot)
    client = client_for(buyer)
    paid_order(buyer, {walnut: 1})
    shipment_event_record(
        shipment=ship_next(warehouse_user, "SF100000000001"),
        status="in_transit",
        occurred_at=timezone.now(),
        source="warehouse",
    )
    few, body = count_queries(client, f"{API}orders/")
    assert [
        (o["status"], o["shipment"]["tracking_number"], len(o["shipment"]["events"])) for o in body["results"]
    ] == [("shipped", "SF100000000001", 2)]
    assert body["results"][0]["items"][0]["lots"][0]["trace_code"] == walnut_lot.trace_code
    for n in range(2, 5):
        paid_order(buyer, {walnut: 1})
        shipment_event_record(
            shipment=ship_next(warehouse_user, f"SF10000000000{n}"),
            status="in_transit",
            occurred_at=timezone.now(),
            source="warehouse",
        )
    many, body = count_queries(client, f"{API}orders/")
    assert [o["shipment"]["tracking_number"] for o in body["results"]] == [
        f"SF10000000000{n}" for n in (4, 3, 2, 1)
    ]
    assert many == few


# --- 9. Chinese and English -----------------------------------------------------------------------------


def test_refusals_in_chinese_by_default_and_in_english(
    client_for, worker, other_worker, owner, warehouse_user, buyer, walnut, walnut_lot
):
    order, task = claimed_task(owner, warehouse_user, buyer, walnut, walnut_lot)
    url = f"{TASKS}{task.pk}/pack/"
    other = client_for(other_worker)
    chinese = other.post(url, {"weight_grams": 900, "packages": 1}, format="json")
    english = other.post(f"{url}?lang=en", {"weight_grams": 900, "packages": 1}, format="json")
    assert chinese.status_code == english.status_code == 409
    assert chinese.json() == {
        "code": "not_your_task",
        "message": "该任务由其他拣货员处理（或你的领取已过期），请领取下一个任务。",
    }
    assert english.json() == NOT_YOURS

    fulfillment.task_pack(task=task, worker=warehouse_user, weight_grams=900, packages=1)
    before = state(task.pk, order.pk)
    body = {"carrier": "sf", "tracking_number": "YT1234567890123"}
    chinese = worker.post(f"{TASKS}{task.pk}/ship/", body, format="json")
    english = worker.post(f"{TASKS}{task.pk}/ship/?lang=en", body, format="json")
    assert chinese.json() == {
        "code": "validation_error",
        "message": "请求无效，请检查各字段。",
        "fields": {"tracking_number": ["这不是该快递公司的运单号。"]},
    }
    assert english.json() == {
        "code": "validation_error",
        "message": "The request is not valid; see the fields.",
        "fields": {"tracking_number": ["This is not a tracking number of that carrier."]},
    }
    assert state(task.pk, order.pk) == before
