"""The warehouse console: /warehouse/ (the queue at a glance, claim), the task page (pick, pack, ship,
exception, lead's decision, tracking), the print page; warehouse staff only; constant queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from logistics.models import FulfillmentTask, HubStock, Pick, Shipment
from logistics.tests.conftest import paid_order, stock_hub
from orders.models import Order

pytestmark = pytest.mark.django_db


@pytest.fixture
def stocked(owner, warehouse_user, walnut, walnut_lot):
    stock_hub(walnut, owner, warehouse_user, 30, batch=walnut_lot)
    return walnut


def test_a_worker_claims_picks_packs_and_ships_through_the_pages(
    client, warehouse_user, buyer, stocked, walnut_lot
):
    (order,) = paid_order(buyer, {stocked: 2})
    client.force_login(warehouse_user)
    console = client.get("/warehouse/?lang=en")
    assert console.status_code == 200
    assert b'data-testid="depth-standard">1<' in console.content
    claimed = client.post("/warehouse/claim/?lang=en")
    task = FulfillmentTask.objects.get(order_ref=order.pk)
    assert claimed.status_code == 302
    assert claimed["Location"] == f"/warehouse/tasks/{task.pk}/"
    page = client.get(f"/warehouse/tasks/{task.pk}/?lang=en")
    assert page.status_code == 200
    pick = Pick.objects.get(line__task=task)
    assert f'data-testid="pick-{pick.pk}"'.encode() in page.content
    assert walnut_lot.trace_code.encode() in page.content
    assert (
        client.post(f"/warehouse/tasks/{task.pk}/", {"action": "pick", f"found-{pick.pk}": 2}).status_code
        == 302
    )
    bad = client.post(
        f"/warehouse/tasks/{task.pk}/?lang=en", {"action": "pack", "weight_grams": 0, "packages": 1}
    )
    assert bad.status_code == 400
    assert "Ensure this value is greater than or equal to 1." in bad.content.decode()
    assert FulfillmentTask.objects.get(pk=task.pk).status == "picked"
    done = client.post(
        f"/warehouse/tasks/{task.pk}/", {"action": "pack", "weight_grams": 1100, "packages": 1}
    )
    assert done.status_code == 302
    wrong = client.post(
        f"/warehouse/tasks/{task.pk}/?lang=en",
        {"action": "ship", "carrier": "sf", "tracking_number": "12345"},
    )
    assert wrong.status_code == 400
    assert "This is not a tracking number of that carrier." in wrong.content.decode()
    assert (FulfillmentTask.objects.get(pk=task.pk).status, Shipment.objects.count()) == ("packed", 0)
    shipped = client.post(
        f"/warehouse/tasks/{task.pk}/",
        {"action": "ship", "carrier": "sf", "tracking_number": "SF123456789012"},
    )
    assert shipped.status_code == 302
    assert Order.objects.get(pk=order.pk).status == "shipped"
    printed = client.get(f"/warehouse/tasks/{task.pk}/print/?lang=en")
    assert printed.status_code == 200
    assert b'data-testid="label-tracking">SF123456789012<' in printed.content
    assert b"data:image/png;base64," in printed.content
    event = client.post(
        f"/warehouse/tasks/{task.pk}/", {"action": "event", "status": "delivered", "location": "成县"}
    )
    assert event.status_code == 302
    assert Order.objects.get(pk=order.pk).status == "delivered"
    client.force_login(buyer)
    mine = client.get(f"/orders/{order.pk}/?lang=en")
    assert b'data-testid="tracking-events"' in mine.content
    assert walnut_lot.trace_code.encode() in mine.content


def test_a_short_pick_goes_to_the_lead_who_puts_it_back(client, warehouse_user, lead, buyer, stocked):
    paid_order(buyer, {stocked: 4})
    client.force_login(warehouse_user)
    client.post("/warehouse/claim/")
    task = FulfillmentTask.objects.get()
    pick = Pick.objects.get(line__task=task)
    response = client.post(f"/warehouse/tasks/{task.pk}/", {"action": "pick", f"found-{pick.pk}": 1})
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.exception_kind) == ("exception", "short_pick")
    assert HubStock.objects.get(sku=stocked).quantity == 27
    refused = client.post(f"/warehouse/tasks/{task.pk}/?lang=en", {"action": "requeue", "reason": ""})
    assert refused.status_code == 400
    assert "Only the warehouse lead decides on exceptions." in refused.content.decode()
    client.force_login(lead)
    assert (
        client.post(f"/warehouse/tasks/{task.pk}/", {"action": "requeue", "reason": "found more"}).status_code
        == 302
    )
    assert FulfillmentTask.objects.get(pk=task.pk).status == "queued"


def test_only_warehouse_staff_see_the_console(client, owner, buyer, stocked):
    (order,) = paid_order(buyer, {stocked: 1})
    task = FulfillmentTask.objects.get(order_ref=order.pk)
    for user in (owner, buyer):
        client.force_login(user)
        for url in (
            "/warehouse/",
            "/warehouse/tasks/",
            f"/warehouse/tasks/{task.pk}/",
            f"/warehouse/tasks/{task.pk}/print/",
        ):
            assert client.get(url).status_code == 403
        assert client.post("/warehouse/claim/").status_code == 403
    assert FulfillmentTask.objects.get(pk=task.pk).status == "queued"
    client.logout()
    assert client.get("/warehouse/").status_code == 302


def test_console_and_queue_pages_use_constant_queries(client, warehouse_user, buyer, stocked):
    client.force_login(warehouse_user)

    def counts() -> tuple[int, int]:
        client.get("/warehouse/")
        with CaptureQueriesContext(connection) as console:
            client.get("/warehouse/")
        n_console = len(console.captured_queries)
        with CaptureQueriesContext(connection) as listing:
            client.get("/warehouse/tasks/")
        return n_console, len(listing.captured_queries)

    paid_order(buyer, {stocked: 1})
    client.post("/warehouse/claim/")
    before = counts()
    for _ in range(4):
        paid_order(buyer, {stocked: 1})
    client.post("/warehouse/claim/")
    client.post("/warehouse/claim/")
    assert counts() == before


def test_the_console_speaks_chinese(client, warehouse_user):
    client.force_login(warehouse_user)
    page = client.get("/warehouse/")
    assert "领取下一个任务" in page.content.decode()


def test_the_task_and_print_pages_use_constant_queries(
    client, owner, warehouse_user, buyer, licensed_shop, stocked
):
    from logistics.tests.conftest import hub_sku

    others = [hub_sku(licensed_shop, code=f"HT-{n}", name=f"核桃{n}") for n in range(3)]
    for n, sku in enumerate(others):
        stock_hub(sku, owner, warehouse_user, 5, bin_code=f"A-02-0{n + 1}")
    (small,) = paid_order(buyer, {stocked: 1})
    (large,) = paid_order(buyer, {stocked: 1, **{sku: 2 for sku in others}})
    client.force_login(warehouse_user)
    client.post("/warehouse/claim/")
    client.post("/warehouse/claim/")

    def count(order) -> tuple[int, int]:
        task = FulfillmentTask.objects.get(order_ref=order.pk)
        client.get(f"/warehouse/tasks/{task.pk}/")
        with CaptureQueriesContext(connection) as page:
            assert client.get(f"/warehouse/tasks/{task.pk}/").status_code == 200
        n_page = len(page.captured_queries)
        with CaptureQueriesContext(connection) as printed:
            assert client.get(f"/warehouse/tasks/{task.pk}/print/").status_code == 200
        return n_page, len(printed.captured_queries)

    assert Pick.objects.filter(line__task__order_ref=large.pk).count() == 4
    assert count(small) == count(large)
