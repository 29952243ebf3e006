"""Lots of perishable products: best-before dates, first-expiry-first-out allocation, expiry blocking, and
the seller centre's lot pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from catalog import services, trace
from catalog.models import Batch, BatchEvent, Sku
from catalog.tasks import expire_batches
from gansu_mall.core.errors import ApplicationError

pytestmark = pytest.mark.django_db


def make_sku(shop, *, storage="chilled", shelf_life_days=None, stock=0, fulfilled_by="vendor", code="L1"):
    product = services.product_create(
        vendor=shop,
        data=services.ProductInput(
            name="兰州百合鲜品",
            category="walnuts",
            origin_county_code="621221",
            status="active",
            storage=storage,
            shelf_life_days=shelf_life_days,
            skus=[
                services.SkuInput(
                    code=code,
                    spec="500 g",
                    price="30.00",
                    stock=stock,
                    weight_grams=520,
                    fulfilled_by=fulfilled_by,
                )
            ],
        ),
    )
    return product.skus.get()


def lot(sku, quantity, harvested_days_ago, expires_in_days=None, add_to_stock=True):
    today = timezone.localdate()
    return trace.batch_create(
        sku=sku,
        data=trace.BatchInput(
            quantity=quantity,
            origin_county_code="621221",
            base_name="西果园基地",
            harvested_on=today - timedelta(days=harvested_days_ago),
            expires_on=None if expires_in_days is None else today + timedelta(days=expires_in_days),
            add_to_stock=add_to_stock,
        ),
    )


def test_perishable_lots_get_a_best_before_date(shop):
    sku = make_sku(shop, storage="ambient", shelf_life_days=180)
    batch = lot(sku, 40, harvested_days_ago=10)
    assert batch.expires_on == timezone.localdate() + timedelta(days=170)
    assert batch.remaining == 40
    assert Sku.objects.get(pk=sku.pk).stock == 40  # the lot was added to the SKU's stock
    assert sku.product.perishable is True


def test_chilled_lot_without_a_date_is_refused(shop):
    sku = make_sku(shop, storage="chilled")
    with translation.override("en"), pytest.raises(ApplicationError) as refused:
        lot(sku, 40, harvested_days_ago=1)
    assert refused.value.fields == {"expires_on": ["Give the best-before date of a chilled or frozen lot."]}
    with translation.override("zh-hans"), pytest.raises(ApplicationError) as expired:
        lot(sku, 40, harvested_days_ago=10, expires_in_days=-1)
    assert expired.value.fields == {"expires_on": ["该批次已过保质期。"]}
    assert not Batch.objects.exists()
    assert Sku.objects.get(pk=sku.pk).stock == 0


def test_ambient_lot_needs_no_date(shop):
    sku = make_sku(shop, storage="ambient")
    assert sku.product.perishable is False
    assert lot(sku, 5, harvested_days_ago=3, add_to_stock=False).expires_on is None
    assert Sku.objects.get(pk=sku.pk).stock == 0  # not added when not asked


def test_hub_lot_cannot_add_to_stock(shop):
    sku = make_sku(shop, fulfilled_by="hub")
    with pytest.raises(ApplicationError) as refused:
        lot(sku, 10, harvested_days_ago=1, expires_in_days=20)
    assert refused.value.code == "hub_stock"
    assert not Batch.objects.exists()
    assert lot(sku, 10, harvested_days_ago=1, expires_in_days=20, add_to_stock=False).remaining == 10


def test_allocation_takes_the_first_expiring_lot_first(shop):
    sku = make_sku(shop)
    late = lot(sku, 100, harvested_days_ago=1, expires_in_days=30)
    early = lot(sku, 30, harvested_days_ago=5, expires_in_days=4)
    middle = lot(sku, 50, harvested_days_ago=9, expires_in_days=10)
    blocked = lot(sku, 500, harvested_days_ago=2, expires_in_days=2)
    Batch.objects.filter(pk=blocked.pk).update(blocked=True)
    assert [b.pk for b in trace.batches_sellable(sku_id=sku.pk)] == [early.pk, middle.pk, late.pk]
    taken = trace.batches_allocate(sku_id=sku.pk, quantity=60)
    assert [(a.batch.pk, a.quantity) for a in taken] == [(early.pk, 30), (middle.pk, 30)]
    remaining = dict(Batch.objects.values_list("pk", "remaining"))
    assert (remaining[early.pk], remaining[middle.pk], remaining[late.pk]) == (0, 20, 100)
    # Not enough left in sellable lots: refused, nothing taken.
    with pytest.raises(ApplicationError) as short:
        trace.batches_allocate(sku_id=sku.pk, quantity=121)
    assert short.value.code == "batch_short"
    assert short.value.extra == {"available": 120}
    assert dict(Batch.objects.values_list("pk", "remaining")) == remaining
    with pytest.raises(ApplicationError):
        trace.batches_allocate(sku_id=sku.pk, quantity=0)


def test_expiry_blocks_the_lot_and_takes_it_out_of_stock(shop):
    sku = make_sku(shop)
    soon = lot(sku, 30, harvested_days_ago=5, expires_in_days=2)
    later = lot(sku, 50, harvested_days_ago=1, expires_in_days=20)
    trace.batches_allocate(sku_id=sku.pk, quantity=10)  # from `soon`: 20 left
    Sku.objects.filter(pk=sku.pk).update(stock=70)  # the 10 shipped
    assert trace.batches_expire(on=timezone.localdate() + timedelta(days=1)) == 0
    assert trace.batches_expire(on=timezone.localdate() + timedelta(days=2)) == 1
    soon.refresh_from_db()
    assert soon.blocked is True
    assert (
        soon.blocked_reason == f"已过保质期（{soon.expires_on.isoformat()}）。"
    )  # in the platform's language
    assert Sku.objects.get(pk=sku.pk).stock == 50  # the 20 left of the expired lot are gone
    assert trace.batches_expire(on=timezone.localdate() + timedelta(days=2)) == 0  # idempotent
    assert Sku.objects.get(pk=sku.pk).stock == 50
    assert Batch.objects.get(pk=later.pk).blocked is False
    assert [b.pk for b in trace.batches_sellable(sku_id=sku.pk)] == [later.pk]


def test_expiry_task_runs_today(shop):
    sku = make_sku(shop)
    batch = lot(sku, 30, harvested_days_ago=5, expires_in_days=2)
    Batch.objects.filter(pk=batch.pk).update(expires_on=timezone.localdate())
    assert expire_batches.delay().get() == 1
    assert Sku.objects.get(pk=sku.pk).stock == 0
    from django.conf import settings

    assert settings.CELERY_BEAT_SCHEDULE["expire-batches"]["task"] == "catalog.tasks.expire_batches"


def test_failed_inspection_takes_what_is_left(shop, owner):
    sku = make_sku(shop)
    batch = lot(sku, 40, harvested_days_ago=3, expires_in_days=10)
    trace.batches_allocate(sku_id=sku.pk, quantity=15)
    trace.batch_event_add(
        batch=batch,
        actor=owner,
        event_type="inspect",
        occurred_at=timezone.now(),
        location="兰州市食品检验所",
        summary="二氧化硫超标",
        result="fail",
    )
    batch.refresh_from_db()
    assert (batch.blocked, batch.remaining, batch.blocked_reason) == (True, 25, "二氧化硫超标")
    assert Sku.objects.get(pk=sku.pk).stock == 15  # 40 added, 25 left of the lot blocked


def test_batch_api_adds_to_stock_and_answers_the_lot(client_for, shop, owner, other_shop):
    sku = make_sku(shop, shelf_life_days=20)
    payload = {
        "sku": sku.pk,
        "quantity": 12,
        "origin_county_code": "621221",
        "base_name": "西果园基地",
        "harvested_on": (timezone.localdate() - timedelta(days=2)).isoformat(),
        "add_to_stock": True,
    }
    created = client_for(owner).post("/api/v1/batches/", payload, format="json")
    assert created.status_code == 201
    body = created.json()
    batch = Batch.objects.get()
    assert body == {
        "id": batch.pk,
        "trace_code": batch.trace_code,
        "sku": sku.pk,
        "lot_code": "",
        "quantity": 12,
        "remaining": 12,
        "harvested_on": payload["harvested_on"],
        "expires_on": (timezone.localdate() + timedelta(days=18)).isoformat(),
        "blocked": False,
    }
    assert Sku.objects.get(pk=sku.pk).stock == 12
    other_owner = other_shop.memberships.first().user
    refused = client_for(other_owner).post("/api/v1/batches/", payload, format="json")
    assert refused.status_code == 404
    assert refused.json()["code"] == "not_found"
    assert Batch.objects.count() == 1
    assert Sku.objects.get(pk=sku.pk).stock == 12


# --- Seller centre pages --------------------------------------------------------------------------


def test_seller_registers_a_lot_and_records_events_on_pages(client, shop, owner):
    sku = make_sku(shop, shelf_life_days=30)
    url = f"/seller/{shop.slug}/products/{sku.product_id}/batches/"
    client.force_login(owner)
    page = client.get(url)
    assert page.status_code == 200
    assert "登记批次" in page.content.decode()
    assert "Register a lot" in client.get(url + "?lang=en").content.decode()
    bad = client.post(url, {"sku": sku.pk, "quantity": "-3", "origin_county_code": "621221"})
    assert bad.status_code == 400
    assert not Batch.objects.exists()
    harvested = timezone.localdate() - timedelta(days=1)
    done = client.post(
        url,
        {
            "sku": sku.pk,
            "quantity": "25",
            "origin_county_code": "621221",
            "base_name": "西果园基地",
            "harvested_on": harvested.isoformat(),
            "lot_code": "XG-01",
            "add_to_stock": "on",
        },
    )
    batch = Batch.objects.get()
    assert done.status_code == 302
    assert done["Location"] == f"{url}{batch.pk}/"
    assert (batch.quantity, batch.remaining, batch.lot_code) == (25, 25, "XG-01")
    assert batch.expires_on == harvested + timedelta(days=30)
    assert Sku.objects.get(pk=sku.pk).stock == 25
    recorded = client.post(
        f"{url}{batch.pk}/",
        {
            "event_type": "inspect",
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "location": "兰州市食品检验所",
            "summary": "农残超标",
            "result": "fail",
        },
    )
    assert recorded.status_code == 302
    batch.refresh_from_db()
    assert batch.blocked is True
    assert Sku.objects.get(pk=sku.pk).stock == 0
    detail = client.get(f"{url}{batch.pk}/").content.decode()
    assert "农残超标" in detail
    trace_page = client.get(f"/trace/{batch.trace_code}/?lang=zh-hans").content.decode()
    assert "该批次已停售" in trace_page
    assert BatchEvent.objects.count() == 1


def test_lot_pages_are_closed_to_other_shops(client, shop, other_shop):
    sku = make_sku(shop, shelf_life_days=30)
    batch = lot(sku, 5, harvested_days_ago=1)
    client.force_login(other_shop.memberships.first().user)
    url = f"/seller/{shop.slug}/products/{sku.product_id}/batches/"
    assert client.get(url).status_code == 404
    assert client.get(f"{url}{batch.pk}/").status_code == 404
    posted = client.post(
        f"{url}{batch.pk}/",
        {"event_type": "store", "occurred_at": "2026-01-01T10:00", "location": "x", "summary": "y"},
    )
    assert posted.status_code == 404
    assert not BatchEvent.objects.exists()
    other_url = f"/seller/{other_shop.slug}/products/{sku.product_id}/batches/"
    assert client.get(other_url).status_code == 404


def test_lot_list_query_count_is_constant(client, shop, owner, django_assert_num_queries):
    sku = make_sku(shop, shelf_life_days=30)
    lot(sku, 5, harvested_days_ago=1)
    client.force_login(owner)
    url = f"/seller/{shop.slug}/products/{sku.product_id}/batches/"
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for i in range(20):
        lot(sku, 5, harvested_days_ago=2 + i)
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get(url)
    assert page.content.decode().count('class="code"><a') == 21
