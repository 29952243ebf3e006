"""GB/T 2260 data, the regions API and the bureau's poverty-relief page."""

from __future__ import annotations

import pytest

from gansu_mall.accounts.tests.factories import UserFactory
from gansu_mall.regions.models import Region, RegionFlagChange

pytestmark = pytest.mark.django_db


def test_data_migration_loaded_every_division():
    assert Region.objects.filter(level="province").count() == 34
    assert Region.objects.filter(level="prefecture").count() == 14
    assert Region.objects.filter(level="county", special_zone=False).count() == 86
    assert Region.objects.filter(level="county").count() == 88
    assert Region.objects.filter(outside_mainland=True).count() == 3
    chengxian = Region.objects.get(code="621221")
    assert (chengxian.name, chengxian.name_en, chengxian.parent_id) == ("成县", "Cheng County", "621200")
    new_area = Region.objects.get(code="620171")
    assert new_area.special_zone
    assert new_area.parent_id == "620100"
    assert new_area.name_en == "Lanzhou New Area"
    assert Region.objects.filter(poverty_relief=True).count() == 0  # no unsourced claims are seeded
    assert not Region.objects.filter(name_en="").exists()


def test_list_provinces_by_default(api_client):
    response = api_client.get("/api/v1/regions/")
    data = response.json()
    assert response.status_code == 200
    assert data["count"] == 34
    assert data["next"] is None
    assert len(data["results"]) == 34
    assert data["results"][0] == {
        "code": "110000",
        "name": "北京市",
        "name_en": "Beijing",
        "level": "province",
        "parent": None,
        "special_zone": False,
        "outside_mainland": False,
        "poverty_relief": False,
    }


def test_list_children_of_gansu(api_client, django_assert_num_queries):
    with django_assert_num_queries(3):  # parent lookup, count, page
        response = api_client.get("/api/v1/regions/?parent=620000")
    data = response.json()
    assert data["count"] == 14
    assert [r["code"] for r in data["results"]][:3] == ["620100", "620200", "620300"]
    assert {r["level"] for r in data["results"]} == {"prefecture"}


@pytest.mark.parametrize(("parent", "count"), [("620200", 1), ("620000", 14), ("621200", 9)])
def test_list_query_count_does_not_grow_with_rows(api_client, django_assert_num_queries, parent, count):
    with django_assert_num_queries(3):
        data = api_client.get(f"/api/v1/regions/?parent={parent}").json()
    assert data["count"] == count


def test_list_pagination(api_client):
    data = api_client.get("/api/v1/regions/?parent=620100&page_size=5&page=2").json()
    assert data["count"] == 9
    assert [r["code"] for r in data["results"]] == ["620121", "620122", "620123", "620171"]
    assert data["previous"].endswith("/api/v1/regions/?page_size=5&parent=620100")


@pytest.mark.parametrize("parent", ["999999", "abc", "62"])
def test_unknown_parent_is_a_validation_error(api_client, parent):
    response = api_client.get(f"/api/v1/regions/?parent={parent}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {
        "code": "validation_error",
        "message": "Unknown region code.",
        "fields": {"parent": ["Unknown region code."]},
    }


def test_detail_and_unknown_detail(api_client):
    assert api_client.get("/api/v1/regions/621126/").json()["name"] == "岷县"
    missing = api_client.get("/api/v1/regions/000000/")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"


def test_bureau_sets_poverty_relief_with_a_source(client_for):
    bureau = UserFactory(username="bureau", roles=["bureau"])
    response = client_for(bureau).patch(
        "/api/v1/regions/621126/", {"poverty_relief": True, "source": "甘政发〔2020〕 list"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["poverty_relief"] is True
    region = Region.objects.get(code="621126")
    assert region.poverty_relief
    assert region.poverty_relief_set_by == bureau
    change = RegionFlagChange.objects.get()
    assert (change.region_id, change.poverty_relief, change.changed_by) == ("621126", True, bureau)


def test_setting_the_flag_needs_a_source(client_for):
    bureau = UserFactory(username="bureau", roles=["bureau"])
    response = client_for(bureau).patch(
        "/api/v1/regions/621126/", {"poverty_relief": True}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {"source": ["A source is required when setting the flag."]}
    assert not Region.objects.get(code="621126").poverty_relief
    assert RegionFlagChange.objects.count() == 0


def test_only_counties_carry_the_flag(client_for):
    bureau = UserFactory(username="bureau", roles=["bureau"])
    response = client_for(bureau).patch(
        "/api/v1/regions/621200/", {"poverty_relief": True, "source": "x"}, format="json"
    )
    assert response.status_code == 400
    assert not Region.objects.get(code="621200").poverty_relief


def test_non_bureau_cannot_set_the_flag(api_client, client_for):
    consumer = UserFactory(username="buyer")
    assert (
        api_client.patch(
            "/api/v1/regions/621126/", {"poverty_relief": True, "source": "x"}, format="json"
        ).status_code
        == 401
    )
    forbidden = client_for(consumer).patch(
        "/api/v1/regions/621126/", {"poverty_relief": True, "source": "x"}, format="json"
    )
    assert forbidden.status_code == 403
    assert forbidden.json()["code"] == "permission_denied"
    assert not Region.objects.get(code="621126").poverty_relief


def test_scoped_bureau_staff_act_only_within_their_area(client_for):
    longnan = UserFactory(username="longnan", roles=["bureau"], roles__scope=["621200"])
    client = client_for(longnan)
    inside = client.patch(
        "/api/v1/regions/621221/", {"poverty_relief": True, "source": "陇南 list"}, format="json"
    )
    assert inside.status_code == 200
    outside = client.patch("/api/v1/regions/621126/", {"poverty_relief": True, "source": "x"}, format="json")
    assert outside.status_code == 404  # outside the caller's scope: reported as absent
    assert not Region.objects.get(code="621126").poverty_relief


# --- the bureau page ------------------------------------------------------------------------------


def test_county_page_needs_bureau(client):
    assert client.get("/bureau/regions/")["Location"] == "/accounts/login/?next=/bureau/regions/"
    client.force_login(UserFactory(username="buyer"))
    assert client.get("/bureau/regions/").status_code == 403


def test_county_page_lists_every_county_with_constant_queries(client, django_assert_max_num_queries):
    client.force_login(UserFactory(username="bureau", roles=["bureau"]))
    with django_assert_max_num_queries(9):
        response = client.get("/bureau/regions/")
    html = response.content.decode()
    assert html.count('<tr id="county-') == 88
    assert "岷县" in html


def test_scoped_county_page_shows_only_the_area(client):
    client.force_login(UserFactory(username="longnan", roles=["bureau"], roles__scope=["621200"]))
    html = client.get("/bureau/regions/").content.decode()
    assert html.count('<tr id="county-') == 9
    assert "岷县" not in html


def test_county_form_sets_flag_and_htmx_returns_the_row(client):
    client.force_login(UserFactory(username="bureau", roles=["bureau"]))
    response = client.post(
        "/bureau/regions/621126/poverty-relief/",
        {"poverty_relief": "on", "source": "notice 12"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.strip().startswith('<tr id="county-621126">')
    assert "checked" in html
    assert Region.objects.get(code="621126").poverty_relief_source == "notice 12"
    missing_source = client.post(
        "/bureau/regions/621221/poverty-relief/?lang=en",
        {"poverty_relief": "on", "source": ""},
        HTTP_HX_REQUEST="true",
    )
    assert "Say where the poverty-relief status comes from." in missing_source.content.decode()
    assert not Region.objects.get(code="621221").poverty_relief


def test_county_form_without_htmx_redirects(client):
    client.force_login(UserFactory(username="bureau", roles=["bureau"]))
    response = client.post("/bureau/regions/621126/poverty-relief/", {"poverty_relief": "on", "source": "n"})
    assert response.status_code == 302
    assert Region.objects.get(code="621126").poverty_relief


def test_county_form_outside_scope_is_404(client):
    client.force_login(UserFactory(username="longnan", roles=["bureau"], roles__scope=["621200"]))
    response = client.post("/bureau/regions/621126/poverty-relief/", {"poverty_relief": "on", "source": "n"})
    assert response.status_code == 404
    assert not Region.objects.get(code="621126").poverty_relief
