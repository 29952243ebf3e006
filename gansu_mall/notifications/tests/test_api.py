"""API of notifications: the list, read marks and the channel preferences (status codes, envelope,
validation, anonymous callers, one person never reaching another's)."""

from __future__ import annotations

import pytest

from gansu_mall.accounts.tests.factories import UserFactory
from gansu_mall.notifications import services
from gansu_mall.notifications.models import ChannelPreference, Notification

URL = "/api/v1/notifications/preferences/"
GROUPS = ["orders", "refunds", "shop", "warehouse", "settlement", "system"]


def stored(user):
    return sorted(ChannelPreference.objects.filter(user=user).values_list("group", "email", "sms"))


def test_get_gives_every_group_with_the_defaults(client_for, reader):
    body = client_for(reader).get(URL + "?lang=en").json()
    assert body["language"] == "zh-hans"
    assert (body["has_email"], body["has_phone"]) == (True, True)
    assert list(body["groups"]) == GROUPS
    assert body["groups"]["orders"] == {"label": "Orders and group buys", "email": True, "sms": "important"}
    assert all(g["email"] is True and g["sms"] == "important" for g in body["groups"].values())


def test_patch_changes_only_what_it_names(client_for, reader):
    client = client_for(reader)
    response = client.patch(URL, {"groups": {"orders": {"sms": "all"}}, "language": "en"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["language"] == "en"
    # The labels are in the request's language (Chinese here), not in the language just chosen for messages.
    assert body["groups"]["orders"] == {"label": "订单与拼团", "email": True, "sms": "all"}
    assert body["groups"]["refunds"]["sms"] == "important"
    assert stored(reader) == [("orders", True, "all")]
    reader.refresh_from_db()
    assert reader.language == "en"
    client.patch(URL, {"groups": {"orders": {"email": False}}}, format="json")
    assert stored(reader) == [("orders", False, "all")]
    assert client.get(URL).json()["groups"]["orders"]["sms"] == "all"


def test_put_replaces_everything(client_for, reader):
    groups = {group: {"email": group != "shop", "sms": "off"} for group in GROUPS}
    response = client_for(reader).put(URL, {"language": "en", "groups": groups}, format="json")
    assert response.status_code == 200
    assert stored(reader) == sorted((g, g != "shop", "off") for g in GROUPS)


def test_put_needs_every_group_and_the_language(client_for, reader):
    response = client_for(reader).put(
        URL, {"language": "en", "groups": {"orders": {"email": True, "sms": "off"}}}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert sorted(body["fields"]) == [f"groups.{g}" for g in sorted(GROUPS) if g != "orders"]
    response = client_for(reader).put(
        URL, {"groups": {g: {"email": True, "sms": "off"} for g in GROUPS}}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["language"]
    assert stored(reader) == []
    reader.refresh_from_db()
    assert reader.language == "zh-hans"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"groups": {"orders": {"sms": "sometimes"}}}, "groups.orders.sms"),
        ({"groups": {"orders": {"email": "perhaps"}}}, "groups.orders.email"),
        ({"groups": {"lottery": {"email": True}}}, "groups.lottery"),
        ({"groups": {"orders": {"sms": "all"}, "refunds": {"pigeon": True}}}, "groups.refunds.pigeon"),
        ({"language": "fr"}, "language"),
        ({"groups": ["orders"]}, "groups"),
    ],
)
def test_invalid_input_is_400_and_changes_nothing(client_for, reader, payload, field):
    response = client_for(reader).patch(URL, payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert field in body["fields"]
    assert stored(reader) == []
    reader.refresh_from_db()
    assert reader.language == "zh-hans"


@pytest.mark.parametrize("method", ["get", "put", "patch"])
def test_anonymous_is_401(api_client, db, method):
    response = getattr(api_client, method)(URL, {}, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_each_person_sees_and_changes_only_their_own(client_for, reader):
    other = UserFactory(username="other")
    client_for(other).patch(URL, {"groups": {"orders": {"sms": "off"}}}, format="json")
    assert client_for(reader).get(URL).json()["groups"]["orders"]["sms"] == "important"
    assert stored(reader) == []
    assert stored(other) == [("orders", True, "off")]


def test_preferences_query_count(client_for, reader, django_assert_max_num_queries):
    client = client_for(reader)
    client.get(URL)
    with django_assert_max_num_queries(3):  # token + user, preferences
        client.get(URL)
    client.patch(URL, {"groups": {g: {"sms": "all"} for g in GROUPS}}, format="json")
    with django_assert_max_num_queries(3):
        client.get(URL)


def test_list_and_mark_read_only_touch_the_callers_own(client_for, reader):
    other = UserFactory(username="other")
    mine = services.notify(
        user=reader, kind="order_placed", params={"number": "A1", "shop": "S", "total": "9.00"}
    )
    theirs = services.notify(user=other, kind="order_placed", params={"number": "B1"})
    body = client_for(reader).get("/api/v1/notifications/?lang=en").json()
    assert body["count"] == 1
    assert body["results"][0]["id"] == mine.pk
    assert body["results"][0]["title"] == "Order placed"
    assert body["results"][0]["body"] == "Order A1 from “S” (9.00 CNY) is waiting for your payment."
    response = client_for(reader).post("/api/v1/notifications/read/", {"ids": [theirs.pk]}, format="json")
    assert response.json() == {"marked": 0}
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    response = client_for(reader).post("/api/v1/notifications/read/", {"ids": [mine.pk]}, format="json")
    assert response.json() == {"marked": 1}


@pytest.mark.parametrize("rows", [1, 30])
def test_list_query_count_is_constant(client_for, reader, django_assert_max_num_queries, rows):
    for number in range(rows):
        services.notify(user=reader, kind="order_placed", params={"number": number})
    client = client_for(reader)
    with django_assert_max_num_queries(4):  # token + user, count, page
        body = client.get("/api/v1/notifications/").json()
    assert body["count"] == rows


def test_me_tells_the_language_and_register_takes_it(api_client, client_for, reader, db):
    assert client_for(reader).get("/api/v1/auth/me/").json()["language"] == "zh-hans"
    response = api_client.post(
        "/api/v1/auth/register/?lang=en",
        {"username": "newbie", "password": "a-long-pass-phrase-9"},
        format="json",
    )
    assert response.status_code == 201
    from gansu_mall.accounts.models import User

    assert User.objects.get(username="newbie").language == "en"  # the request's language
    response = api_client.post(
        "/api/v1/auth/register/?lang=en",
        {"username": "newbie2", "password": "a-long-pass-phrase-9", "language": "zh-hans"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert User.objects.get(username="newbie2").language == "zh-hans"  # said explicitly
    from django.utils import translation

    from gansu_mall.accounts.services import user_register

    with translation.override(None):  # no active language: the default
        user_register(username="newbie3", password="a-long-pass-phrase-9")
    assert User.objects.get(username="newbie3").language == "zh-hans"
