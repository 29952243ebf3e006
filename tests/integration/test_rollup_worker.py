"""The dashboards' rollups kept current by a real Celery worker on a real (private) Redis: an order paid in a
committed transaction asks for a refresh after the commit, and the worker recomputes the shop's cell. With
the broker down when the change commits, the mark waits in the database and the beat sweep's run of the
same task recomputes the cell once the broker is back."""

from __future__ import annotations

import pytest
from django.db import connection

from gansu_mall.accounts.tests.factories import UserFactory
from tests.integration.celery_harness import celery_sends_to, celery_worker, free_port, private_redis

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shop_and_sku(regions_data, settings, tmp_path):
    from orders.tests.conftest import make_product, make_shop

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    bureau = UserFactory(username="bureau", roles=["bureau"])
    owner = UserFactory(username="owner")
    shop = make_shop(owner, bureau, uscc_prefix="93621221", county="621221", name="成县核桃社")
    return shop, make_product(shop, name="成县核桃", code="HT-1", price="39.90", stock=10)


def test_a_paid_order_reaches_the_rollups_through_a_worker(shop_and_sku):
    from gansu_mall.core.models import StaleRollup
    from gansu_mall.dashboard.models import CountyDay, ShopDay
    from orders.tests.helpers import paid_order

    shop, sku = shop_and_sku
    buyer = UserFactory(username="buyer")
    with (
        private_redis() as redis,
        celery_sends_to(redis.url),
        celery_worker(broker_url=redis.url, database_name=str(connection.settings_dict["NAME"])) as worker,
    ):
        order = paid_order(buyer, sku, quantity=2, key="a")  # committed: the refresh goes to the worker
        worker.wait_for(lambda: ShopDay.objects.filter(vendor=shop, orders=1).exists(), timeout=60)
        worker.wait_for(lambda: not StaleRollup.objects.exists(), timeout=60)
    row = ShopDay.objects.get(vendor=shop, orders=1)
    assert row.gmv == order.total
    assert CountyDay.objects.get(county_code="621221", day=row.day).gmv == order.total


def test_with_the_broker_down_the_mark_waits_for_the_sweep(shop_and_sku):
    from gansu_mall.core.models import StaleRollup
    from gansu_mall.dashboard.models import ShopDay
    from gansu_mall.dashboard.tasks import refresh_rollups
    from orders.tests.helpers import paid_order

    shop, sku = shop_and_sku
    buyer = UserFactory(username="buyer")
    with celery_sends_to(f"redis://127.0.0.1:{free_port()}/0"):  # nothing listens there
        order = paid_order(buyer, sku, key="a")  # the order commits; asking for the refresh fails quietly
    assert StaleRollup.objects.filter(topic="shop", key=shop.pk).exists()
    assert not ShopDay.objects.filter(vendor=shop).exists()
    refresh_rollups()  # beat's sweep, once the broker is back
    assert ShopDay.objects.get(vendor=shop).gmv == order.total
    assert not StaleRollup.objects.exists()
