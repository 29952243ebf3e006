"""The address book page: the user's addresses (default first), adding one with the checkout's fields,
deleting one, making one the default; only one's own addresses."""

from __future__ import annotations

import re

import pytest

from orders.models import Address
from orders.services.addresses import AddressInput, address_create

pytestmark = pytest.mark.django_db

URL = "/accounts/addresses/"
NEW = {
    "recipient": "王小明",
    "phone": "138 0013 8000",
    "province_code": "620000",
    "county_code": "621221",
    "detail": "城关镇东大街 12 号",
}


def html(response) -> str:
    return response.content.decode()


def labels(page: str) -> list[str]:
    return [
        re.sub(r"\s+", " ", label).strip()
        for label in re.findall(r'<li data-testid="address">\s*<span>([^<]+)</span>', page)
    ]


def saved(user, recipient="李雷", province="110000", detail="海淀区中关村 1 号", county="", default=False):
    return address_create(
        user=user,
        data=AddressInput(
            recipient=recipient,
            phone="13912345678",
            province_code=province,
            county_code=county,
            detail=detail,
        ),
        make_default=default,
    )


def test_the_address_book_needs_sign_in_and_is_in_the_menu(client, buyer):
    assert client.get(URL)["Location"] == f"/accounts/login/?next={URL}"
    assert client.post(URL, NEW)["Location"] == f"/accounts/login/?next={URL}"
    client.force_login(buyer)
    page = html(client.get("/?lang=en"))
    assert f'<a href="{URL}" data-testid="my-addresses">Addresses</a>' in page
    page = html(client.get(URL + "?lang=en"))
    assert "No saved addresses yet." in page
    assert 'name="recipient"' in page
    assert '<option value="110000">Beijing</option>' in page
    assert '<option value="621221">Cheng County</option>' in page
    assert 'name="make_default"' in page
    assert 'name="save_address"' not in page
    assert 'name="idempotency_key"' not in page


def test_add_addresses_the_first_is_the_default(client, buyer):
    client.force_login(buyer)
    response = client.post(URL + "?lang=en", NEW)
    assert response.status_code == 302
    assert response["Location"] == URL
    first = Address.objects.get()
    assert (first.recipient, first.phone, first.province_code, first.city_code, first.county_code) == (
        "王小明",
        "13800138000",
        "620000",
        "621200",
        "621221",
    )
    assert (first.detail, first.is_default, first.user) == ("城关镇东大街 12 号", True, buyer)

    # Outside Gansu the county select is ignored, as at checkout.
    response = client.post(
        URL + "?lang=en",
        {
            **NEW,
            "recipient": "李雷",
            "province_code": "110000",
            "detail": "海淀区 1 号",
            "make_default": "on",
        },
    )
    assert response.status_code == 302
    second = Address.objects.get(recipient="李雷")
    assert (second.province_code, second.city_code, second.county_code, second.is_default) == (
        "110000",
        "",
        "",
        True,
    )
    assert Address.objects.get(pk=first.pk).is_default is False
    page = html(client.get(URL + "?lang=en"))
    assert "Address saved." in page
    assert labels(page) == [
        "李雷 · 13800138000 · Beijing · 海淀区 1 号",
        "王小明 · 13800138000 · Gansu Longnan Cheng County · 城关镇东大街 12 号",
    ]
    assert page.count('data-testid="default-address"') == 1
    assert page.count('data-testid="make-default"') == 1


def test_errors_show_on_their_fields_and_nothing_is_saved(client, buyer):
    client.force_login(buyer)
    response = client.post(URL + "?lang=en", {**NEW, "phone": "12345", "county_code": "", "detail": " "})
    page = html(response)
    assert response.status_code == 400
    for field, message in (
        ("phone", "Enter a mainland China mobile number: 11 digits starting with 13–19."),
        ("county_code", "Choose a county of Gansu (a six-digit code such as 621221)."),
        ("detail", "Give the street address (at most 200 characters)."),
    ):
        field_block = re.search(
            rf'<div class="field has-error">\s*<label for="id_{field}">.*?</div>', page, re.S
        )
        assert field_block, field
        assert f'<p class="field-error" role="alert">{message}</p>' in field_block.group(0)
    assert 'value="王小明"' in page  # what was typed stays
    assert Address.objects.count() == 0
    no_province = client.post(URL + "?lang=en", {**NEW, "province_code": "", "county_code": ""})
    assert no_province.status_code == 400
    assert "Choose a province (a six-digit GB/T 2260 code such as 620000)." in html(no_province)
    assert Address.objects.count() == 0


def test_make_default_and_delete(client, buyer):
    home = saved(buyer, "王小明", detail="家")
    office = saved(buyer, "王小明", detail="单位")
    assert (Address.objects.get(pk=home.pk).is_default, office.is_default) == (True, False)
    client.force_login(buyer)
    response = client.post(f"{URL}{office.pk}/default/?lang=en")
    assert response["Location"] == URL
    assert dict(Address.objects.values_list("detail", "is_default")) == {"家": False, "单位": True}
    page = html(client.get(URL + "?lang=en"))
    assert "This is now your default address." in page
    assert [label.split(" · ")[-1] for label in labels(page)] == ["单位", "家"]  # default first
    assert client.get(f"{URL}{office.pk}/default/").status_code == 405  # POST only

    response = client.post(f"{URL}{home.pk}/delete/?lang=en")
    assert response["Location"] == URL
    assert list(Address.objects.values_list("detail", flat=True)) == ["单位"]
    assert "Address deleted." in html(client.get(URL + "?lang=en"))


def test_only_ones_own_addresses(client, buyer, other_buyer):
    mine = saved(buyer)
    theirs = saved(other_buyer, "韩梅梅", detail="朝阳区 2 号")
    other_default = saved(other_buyer, "韩梅梅", detail="朝阳区 3 号")
    client.force_login(buyer)
    page = html(client.get(URL))
    assert "海淀区中关村 1 号" in page
    assert "朝阳区" not in page
    assert client.post(f"{URL}{theirs.pk}/delete/").status_code == 404
    assert client.post(f"{URL}{other_default.pk}/default/").status_code == 404
    assert client.post(f"{URL}999999/delete/").status_code == 404
    assert Address.objects.filter(user=other_buyer).count() == 2
    assert dict(Address.objects.filter(user=other_buyer).values_list("detail", "is_default")) == {
        "朝阳区 2 号": True,
        "朝阳区 3 号": False,
    }
    assert Address.objects.get(pk=mine.pk).is_default is True


def test_address_book_queries_do_not_grow(client, buyer, django_assert_max_num_queries):
    saved(buyer)
    client.force_login(buyer)
    with django_assert_max_num_queries(14) as one:
        assert client.get(URL).status_code == 200
    first_count = len(one.captured_queries)
    for n in range(9):
        if n % 2:
            saved(buyer, detail=f"{n} 号", province="620000", county=("621221", "621126")[n % 4 // 2])
        else:
            saved(buyer, detail=f"{n} 号", province="310000")
    with django_assert_max_num_queries(first_count):
        page = html(client.get(URL))
    assert page.count('data-testid="address"') == 10


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_address_book_in_both_languages(client, buyer, lang):
    saved(buyer)
    client.force_login(buyer)
    marker = '<html lang="en">' if lang == "en" else '<html lang="zh-Hans">'
    response = client.get(f"{URL}?lang={lang}")
    assert response.status_code == 200
    assert marker in html(response)
    region = "Beijing" if lang == "en" else "北京市"
    assert f"李雷 · 13912345678 · {region} · 海淀区中关村 1 号" in labels(html(response))
    refused = client.post(f"{URL}?lang={lang}", {**NEW, "phone": "1"})
    assert refused.status_code == 400
    assert marker in html(refused)
