"""Traceability: batches with trace codes, events in time order, failed inspections block the lot."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from PIL import Image

from catalog import services
from catalog.models import Batch, BatchEvent, Sku
from gansu_mall.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def sku(shop):
    product = services.product_create(
        vendor=shop,
        data=services.ProductInput(
            name="成县核桃",
            category="walnuts",
            origin_county_code="621221",
            status="active",
            skus=[services.SkuInput(code="A", spec="500 g", price="39.90", stock=100, weight_grams=520)],
        ),
    )
    return product.skus.get()


def batch_payload(sku, **overrides):
    payload = {
        "sku": sku.pk,
        "quantity": 60,
        "origin_county_code": "621221",
        "base_name": "红川镇核桃基地",
        "harvested_on": "2026-09-20",
        "lot_code": "HC-2026-09",
    }
    payload.update(overrides)
    return payload


def test_batch_and_events_make_a_public_trace(client_for, api_client, client, sku, owner):
    created = client_for(owner).post("/api/v1/batches/", batch_payload(sku), format="json")
    assert created.status_code == 201
    code = created.json()["trace_code"]
    assert code.startswith("GS")
    assert len(code) == 12
    batch = Batch.objects.get(trace_code=code)
    events = [
        ("store", datetime(2026, 10, 2, 9, 0, tzinfo=SH), "成县冷库", "入库阴凉干燥保存", ""),
        ("harvest", datetime(2026, 9, 20, 8, 0, tzinfo=SH), "红川镇", "人工采收，青皮脱壳", ""),
        ("inspect", datetime(2026, 9, 28, 14, 0, tzinfo=SH), "陇南市食品检验所", "黄曲霉毒素未检出", "pass"),
    ]
    for event_type, at, location, summary, result in events:
        response = client_for(owner).post(
            f"/api/v1/batches/{batch.pk}/events/",
            {
                "event_type": event_type,
                "occurred_at": at.isoformat(),
                "location": location,
                "summary": summary,
                "result": result,
            },
            format="json",
        )
        assert response.status_code == 201, response.content
    trace = api_client.get(f"/api/v1/trace/{code}/").json()
    assert [e["event_type"] for e in trace["events"]] == ["harvest", "inspect", "store"]  # in time order
    assert trace["product"]["name"] == "成县核桃"
    assert trace["batch"]["origin_county"]["name"] == "成县"
    assert trace["batch"]["blocked"] is False
    page = client.get(f"/trace/{code}/?lang=en").content.decode()
    assert f'data-testid="trace-code">{code}<' in page
    assert page.index("harvest") < page.index("inspection") < page.index("warehousing")
    qr = client.get(f"/trace/{code}/qr.png")
    assert qr["Content-Type"] == "image/png"
    import io

    assert Image.open(io.BytesIO(qr.content)).format == "PNG"
    product_page = client.get(f"/products/{sku.product_id}/").content.decode()
    assert f"/trace/{code}/" in product_page


def test_failed_inspection_blocks_the_batch_and_its_stock(sku, owner):
    from catalog.trace import BatchInput, batch_create, batch_event_add

    batch = batch_create(
        sku=sku,
        data=BatchInput(
            quantity=60, origin_county_code="621221", base_name="基地", harvested_on=date(2026, 9, 1)
        ),
    )
    batch_event_add(
        batch=batch,
        actor=owner,
        event_type="inspect",
        occurred_at=timezone.now() - timedelta(hours=1),
        location="检验所",
        summary="霉变超标",
        result="fail",
    )
    batch.refresh_from_db()
    assert batch.blocked
    assert batch.blocked_reason == "霉变超标"
    assert Sku.objects.get(pk=sku.pk).stock == 40  # 100 - 60


def test_unknown_trace_code_is_a_404_page_not_a_500(client, api_client):
    assert client.get("/trace/GSNOPE/").status_code == 404
    assert api_client.get("/api/v1/trace/GSNOPE/").json()["code"] == "not_found"
    assert client.get("/trace/GSNOPE/qr.png").status_code == 404


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"origin_county_code": "110101"}, "origin_county_code"),
        ({"harvested_on": "2099-01-01"}, "harvested_on"),
        ({"base_name": " "}, "base_name"),
    ],
)
def test_bad_batches_are_refused(client_for, sku, owner, overrides, field):
    response = client_for(owner).post("/api/v1/batches/", batch_payload(sku, **overrides), format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert Batch.objects.count() == 0


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ({"event_type": "teleport"}, "event_type"),
        ({"event_type": "inspect", "result": ""}, "result"),
        ({"event_type": "store", "result": "pass"}, "result"),
        ({"occurred_at": "2099-01-01T00:00:00+08:00"}, "occurred_at"),
    ],
)
def test_bad_events_are_refused(client_for, sku, owner, event, field):
    batch = Batch.objects.create(
        sku=sku,
        vendor=sku.vendor,
        trace_code="GSTEST000001",
        quantity=1,
        origin_county_id="621221",
        base_name="b",
        harvested_on=date(2026, 1, 1),
    )
    payload = {
        "event_type": "store",
        "occurred_at": "2026-10-01T08:00:00+08:00",
        "location": "仓",
        "summary": "s",
        "result": "",
    }
    payload.update(event)
    response = client_for(owner).post(f"/api/v1/batches/{batch.pk}/events/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert BatchEvent.objects.count() == 0


def test_who_records(client_for, sku, other_shop):
    batch = Batch.objects.create(
        sku=sku,
        vendor=sku.vendor,
        trace_code="GSTEST000002",
        quantity=1,
        origin_county_id="621221",
        base_name="b",
        harvested_on=date(2026, 1, 1),
    )
    event = {
        "event_type": "store",
        "occurred_at": "2026-10-01T08:00:00+08:00",
        "location": "兰州新区仓",
        "summary": "入库",
    }
    other = other_shop.memberships.get().user
    assert (
        client_for(other).post(f"/api/v1/batches/{batch.pk}/events/", event, format="json").status_code == 404
    )
    assert client_for(other).post("/api/v1/batches/", batch_payload(sku), format="json").status_code == 404
    warehouse = UserFactory(username="wh", roles=["warehouse"])
    assert (
        client_for(warehouse).post(f"/api/v1/batches/{batch.pk}/events/", event, format="json").status_code
        == 201
    )
    assert BatchEvent.objects.count() == 1
