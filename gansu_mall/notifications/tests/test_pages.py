"""Pages: the notifications list (header count, mark one / all read) and the settings page, in Chinese and
English, with constant query counts."""

from __future__ import annotations

import pytest

from gansu_mall.accounts.tests.factories import UserFactory
from gansu_mall.notifications import services
from gansu_mall.notifications.models import ChannelPreference, Notification


@pytest.fixture
def signed_in(client, reader):
    client.force_login(reader)
    return client


def place(user, number):
    return services.notify(
        user=user,
        kind="order_placed",
        params={"number": number, "shop": "核桃店", "total": "9.00"},
        link="/orders/1/",
    )


@pytest.mark.parametrize(
    ("lang", "title", "body", "mark"),
    [
        ("zh-hans", "订单已提交", "消息通知", "全部标为已读"),
        ("en", "Order placed", "Notifications", "Mark all as read"),
    ],
)
def test_list_in_both_languages_with_unread_count(signed_in, reader, lang, title, body, mark):
    place(reader, "A1")
    place(reader, "A2")
    html = signed_in.get(f"/notifications/?lang={lang}").content.decode()
    assert html.count(title) >= 2
    assert body in html
    assert mark in html
    assert '<span class="badge">2</span>' in html
    assert 'href="/notifications/preferences/"' in html


def test_mark_one_read_then_all(signed_in, reader):
    first, second, third = place(reader, "A1"), place(reader, "A2"), place(reader, "A3")
    response = signed_in.post(f"/notifications/{first.pk}/read/")
    assert response.status_code == 302
    assert response["Location"] == "/notifications/"
    assert list(Notification.objects.filter(read_at__isnull=True).order_by("pk")) == [second, third]
    html = signed_in.get("/notifications/").content.decode()
    assert '<span class="badge">2</span>' in html
    assert f'action="/notifications/{first.pk}/read/"' not in html
    assert f'action="/notifications/{second.pk}/read/"' in html
    response = signed_in.post(f"/notifications/{second.pk}/read/", {"open": "1"})
    assert response["Location"] == "/orders/1/"
    signed_in.post("/notifications/read/")
    assert Notification.objects.filter(read_at__isnull=True).count() == 0
    assert 'class="badge"' not in signed_in.get("/notifications/").content.decode()


def test_someone_elses_notification_is_404_and_stays_unread(signed_in):
    other = UserFactory(username="other")
    theirs = place(other, "B1")
    assert signed_in.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert "B1" not in signed_in.get("/notifications/").content.decode()


def test_pages_need_sign_in(client, db):
    assert client.get("/notifications/").status_code == 302
    assert client.get("/notifications/preferences/").status_code == 302
    assert client.post("/notifications/1/read/").status_code == 302


@pytest.mark.parametrize("rows", [1, 40])
def test_list_query_count_is_constant(signed_in, reader, django_assert_max_num_queries, rows):
    for number in range(rows):
        place(reader, f"N{number}")
    # session, user, roles, unread count, cart, the list (+ whatever the base layout asks: at most 8)
    with django_assert_max_num_queries(8):
        response = signed_in.get("/notifications/")
    assert response.content.decode().count('data-testid="notification-') == rows + 2  # + list, settings link


@pytest.mark.parametrize(("lang", "html_lang"), [("zh-hans", "zh-Hans"), ("en", "en")])
def test_preferences_page_in_both_languages(signed_in, lang, html_lang):
    html = signed_in.get(f"/notifications/preferences/?lang={lang}").content.decode()
    assert f'<html lang="{html_lang}"' in html
    if lang == "en":  # the Chinese texts of the new strings come with the central translation run
        assert "<h1>Notification settings</h1>" in html
        assert "Orders and group buys" in html
    assert 'name="sms_orders"' in html
    assert 'name="email_orders"' in html
    assert html.count('<option value="important" selected>') == 6


def test_preferences_page_saves_and_shows_the_choice(signed_in, reader, django_assert_max_num_queries):
    data = {"language": "en"}
    for group in ["orders", "refunds", "shop", "warehouse", "settlement", "system"]:
        data[f"sms_{group}"] = "important"
        if group != "refunds":
            data[f"email_{group}"] = "on"
    data["sms_orders"] = "all"
    response = signed_in.post("/notifications/preferences/", data)
    assert response.status_code == 302
    assert sorted(ChannelPreference.objects.filter(user=reader).values_list("group", "email", "sms")) == [
        ("orders", True, "all"),
        ("refunds", False, "important"),
        ("settlement", True, "important"),
        ("shop", True, "important"),
        ("system", True, "important"),
        ("warehouse", True, "important"),
    ]
    reader.refresh_from_db()
    assert reader.language == "en"
    with django_assert_max_num_queries(8):
        html = signed_in.get("/notifications/preferences/").content.decode()
    assert '<select name="sms_orders" id="id_sms_orders">' in html
    assert '<option value="all" selected>' in html
    assert 'name="email_refunds" id="id_email_refunds">' in html  # unchecked
    assert 'name="email_orders" id="id_email_orders" checked>' in html


def test_preferences_page_refuses_invalid_choice(signed_in, reader):
    response = signed_in.post("/notifications/preferences/", {"language": "fr", "sms_orders": "sometimes"})
    assert response.status_code == 200
    assert ChannelPreference.objects.count() == 0
    reader.refresh_from_db()
    assert reader.language == "zh-hans"


def test_signup_takes_the_page_language(client, db):
    from gansu_mall.accounts.models import User

    client.post(
        "/accounts/signup/?lang=en",
        {"username": "newcomer", "password1": "a-long-pass-phrase-9", "password2": "a-long-pass-phrase-9"},
    )
    assert User.objects.get(username="newcomer").language == "en"


def test_profile_links_the_settings(signed_in):
    html = signed_in.get("/accounts/profile/?lang=en").content.decode()
    assert 'href="/notifications/preferences/"' in html
    assert "简体中文" in html
