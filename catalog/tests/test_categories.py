"""The category tree: services, API and bureau pages. Provincial bureau staff manage it; no one else does."""

from __future__ import annotations

import time

import pytest
from django.utils import translation

from catalog import categories, services
from catalog.models import Category, Product
from gansu_mall.accounts.tests.factories import UserFactory
from gansu_mall.core.errors import ApplicationError
from gansu_mall.core.testing import run_together

pytestmark = pytest.mark.django_db

NOT_MANAGER = "Only provincial commerce bureau staff change the category tree."


@pytest.fixture(autouse=True)
def _english_messages():
    """Services speak the active language; pages and the API pick theirs per request (?lang=)."""
    with translation.override("en"):
        yield


@pytest.fixture
def county_bureau(db):
    """Bureau staff for Longnan (陇南市) only."""
    return UserFactory(username="bureau_longnan", roles=["bureau"], roles__scope=["621200"])


@pytest.fixture
def admin(db):
    return UserFactory(username="root", roles=["admin"])


def tree_state() -> list[tuple[str, str, str, str | None, str, int]]:
    """Everything a refused action must leave alone."""
    return list(
        Category.objects.order_by("pk").values_list(
            "slug", "name", "name_en", "parent__slug", "qualification", "position"
        )
    )


def assert_preorder() -> None:
    """Sorting by position lists parents before their children and keeps each subtree together."""
    rows = list(Category.objects.order_by("position").values_list("pk", "parent_id", "position"))
    assert [position for _pk, _parent, position in rows] == list(range(len(rows)))
    seen: list[int] = []
    for pk, parent, _position in rows:
        if parent is not None:
            assert parent in seen
            # Since the parent, only the parent's descendants have come.
            since = seen[seen.index(parent) + 1 :]
            ancestors_ok = {parent}
            for other in since:
                other_parent = Category.objects.get(pk=other).parent_id
                assert other_parent in ancestors_ok
                ancestors_ok.add(other)
        seen.append(pk)


def children(slug: str) -> list[str]:
    return list(
        Category.objects.filter(parent__slug=slug).order_by("position").values_list("slug", flat=True)
    )


def roots() -> list[str]:
    return list(Category.objects.filter(parent=None).order_by("position").values_list("slug", flat=True))


def add_product(shop, code="A", category="walnuts"):
    return services.product_create(
        vendor=shop,
        data=services.ProductInput(
            name=f"核桃{code}",
            category=category,
            origin_county_code="621221",
            status="active",
            skus=[services.SkuInput(code=code, spec="500 g", price="39.90", stock=3, weight_grams=520)],
        ),
    )


# --- Services -------------------------------------------------------------------------------------


def test_seeded_tree_is_in_preorder():
    assert Category.objects.count() == 28
    assert_preorder()
    assert children("nuts") == ["walnuts", "melon-seeds"]


def test_create_a_sub_category_at_a_position(bureau):
    first = categories.category_create(
        actor=bureau, slug="dried-fruit", name="果干", name_en="Dried fruit", parent="fruit", position=0
    )
    assert (first.parent.slug, first.qualification) == ("fruit", "")
    assert children("fruit") == ["dried-fruit", "apples", "melons", "stone-fruit", "jujubes-goji"]
    last = categories.category_create(
        actor=bureau, slug="apricot-kernels", name=" 杏仁 ", name_en="Apricot kernels", parent="nuts"
    )
    assert Category.objects.get(pk=last.pk).name == "杏仁"
    assert children("nuts") == ["walnuts", "melon-seeds", "apricot-kernels"]
    top = categories.category_create(
        actor=bureau, slug="handicrafts", name="手工艺品", name_en="Handicrafts", qualification="", position=1
    )
    assert roots()[:3] == ["nuts", "handicrafts", "herbs"]
    assert top.parent is None
    assert Category.objects.count() == 31
    assert_preorder()


def test_create_refuses_bad_input_and_changes_nothing(bureau):
    before = tree_state()
    cases = [
        (
            {"slug": "Dried Fruit", "name": "", "name_en": " ", "parent": "nope", "qualification": "tobacco"},
            {
                "slug": ["Use at most 50 lower-case letters, digits and single hyphens (e.g. dried-fruit)."],
                "name": ["Give the Chinese name."],
                "name_en": ["Give the English name."],
                "qualification": ["Choose a kind of licence, or none."],
                "parent": ["Unknown category."],
            },
        ),
        (
            {"slug": "walnuts", "name": "核桃", "name_en": "Walnuts"},
            {"slug": ["Another category has this slug."]},
        ),
        (
            {"slug": "", "name": "核" * 41, "name_en": "x" * 61},
            {
                "slug": ["Give the slug (its name in web addresses, e.g. dried-fruit)."],
                "name": ["At most 40 characters."],
                "name_en": ["At most 60 characters."],
            },
        ),
        ({"slug": "a" * 51, "name": "甲", "name_en": "A"}, None),
        ({"slug": "dried--fruit", "name": "果干", "name_en": "Dried fruit"}, None),
        ({"slug": "-fruit", "name": "果干", "name_en": "Dried fruit"}, None),
        ({"slug": "果干", "name": "果干", "name_en": "Dried fruit"}, None),
        ({"slug": "dried-fruit", "name": "果干", "name_en": "Dried fruit", "position": -1}, None),
    ]
    for data, fields in cases:
        with pytest.raises(ApplicationError) as refused:
            categories.category_create(actor=bureau, **data)
        assert refused.value.code == "validation_error"
        if fields is not None:
            assert refused.value.fields == fields
        else:
            assert set(refused.value.fields or {}) <= {"slug", "position"}
    assert tree_state() == before


def test_the_tree_is_at_most_three_levels_deep(bureau):
    categories.category_create(
        actor=bureau, slug="thin-shell", name="薄壳核桃", name_en="Thin-shell", parent="walnuts"
    )
    assert Category.objects.get(slug="thin-shell").parent.parent.slug == "nuts"
    before = tree_state()
    with pytest.raises(ApplicationError) as refused:
        categories.category_create(
            actor=bureau, slug="deeper", name="更深", name_en="Deeper", parent="thin-shell"
        )
    assert refused.value.fields == {"parent": ["The tree is at most 3 levels deep."]}
    # Moving a two-level subtree under a second-level category would make four levels.
    with pytest.raises(ApplicationError) as refused:
        categories.category_update(
            category=Category.objects.get(slug="fruit"), actor=bureau, parent="walnuts"
        )
    assert refused.value.fields == {"parent": ["The tree is at most 3 levels deep."]}
    assert tree_state() == before


def test_a_category_cannot_move_under_itself_or_its_descendants(bureau):
    categories.category_create(
        actor=bureau, slug="thin-shell", name="薄壳核桃", name_en="Thin-shell", parent="walnuts"
    )
    before = tree_state()
    nuts = Category.objects.get(slug="nuts")
    for parent in ("nuts", "walnuts", "thin-shell"):
        with pytest.raises(ApplicationError) as refused:
            categories.category_update(category=nuts, actor=bureau, parent=parent)
        assert refused.value.fields == {
            "parent": ["A category cannot move under itself or one of its sub-categories."]
        }
    with pytest.raises(ApplicationError) as refused:
        categories.category_update(category=nuts, actor=bureau, parent="missing")
    assert refused.value.fields == {"parent": ["Unknown category."]}
    assert tree_state() == before


def test_move_a_subtree_and_reorder(bureau):
    nuts = Category.objects.get(slug="nuts")
    moved = categories.category_update(category=nuts, actor=bureau, parent="gift-boxes")
    assert moved.parent.slug == "gift-boxes"
    assert children("gift-boxes") == ["nuts"]
    assert children("nuts") == ["walnuts", "melon-seeds"]  # the subtree came along
    assert "nuts" not in roots()
    assert_preorder()
    # Back to the top, second place.
    categories.category_update(category=nuts, actor=bureau, parent=None, position=1)
    assert roots()[:3] == ["herbs", "nuts", "fruit"]
    assert_preorder()
    # Same parent, no position: it stays where it is; a position alone reorders.
    categories.category_update(category=nuts, actor=bureau, parent="", name="坚果")
    assert roots()[:3] == ["herbs", "nuts", "fruit"]
    categories.category_update(category=Category.objects.get(slug="melon-seeds"), actor=bureau, position=0)
    assert children("nuts") == ["melon-seeds", "walnuts"]
    assert_preorder()


def test_move_up_and_down_among_siblings(bureau):
    melons = Category.objects.get(slug="melons")
    categories.category_move(category=melons, actor=bureau, step=-1)
    assert children("fruit") == ["melons", "apples", "stone-fruit", "jujubes-goji"]
    categories.category_move(category=melons, actor=bureau, step=-1)  # already first: stays
    assert children("fruit") == ["melons", "apples", "stone-fruit", "jujubes-goji"]
    categories.category_move(category=Category.objects.get(slug="jujubes-goji"), actor=bureau, step=1)
    assert children("fruit") == ["melons", "apples", "stone-fruit", "jujubes-goji"]
    categories.category_move(category=Category.objects.get(slug="nuts"), actor=bureau, step=1)
    assert roots()[:2] == ["herbs", "nuts"]
    assert_preorder()


def reindexing(callbacks) -> list:
    """The after-commit callbacks that rebuild the search index (others drop cached reference data)."""
    return [c for c in callbacks if getattr(c, "__name__", "") == "_reindex_later"]


def test_update_names_and_licence_rebuilds_the_search_index_after_commit(
    bureau, shop, django_capture_on_commit_callbacks
):
    product = add_product(shop)
    walnuts = Category.objects.get(slug="walnuts")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        updated = categories.category_update(
            category=walnuts, actor=bureau, name="核桃仁果", name_en="Walnut kernels", qualification="food"
        )
    assert len(reindexing(callbacks)) == 1
    assert (updated.name, updated.name_en, updated.qualification) == ("核桃仁果", "Walnut kernels", "food")
    assert " kernels " in Product.objects.get(pk=product.pk).search_text
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        categories.category_update(category=walnuts, actor=bureau, qualification=None, position=1)
    assert reindexing(callbacks) == []  # neither names nor parent changed: the index stays
    assert Category.objects.get(slug="walnuts").qualification == ""


def test_update_refuses_blank_names(bureau):
    before = tree_state()
    with pytest.raises(ApplicationError) as refused:
        categories.category_update(
            category=Category.objects.get(slug="tea"), actor=bureau, name=" ", name_en=""
        )
    assert refused.value.fields == {"name": ["Give the Chinese name."], "name_en": ["Give the English name."]}
    assert tree_state() == before


def test_delete_an_empty_category_and_refuse_one_in_use(bureau, shop):
    add_product(shop)
    before = tree_state()
    for slug, products, sub in (("nuts", 0, 2), ("walnuts", 1, 0)):
        with pytest.raises(ApplicationError) as refused:
            categories.category_delete(category=Category.objects.get(slug=slug), actor=bureau)
        assert refused.value.code == "category_in_use"
        assert refused.value.status_code == 409
        assert refused.value.extra == {"products": products, "children": sub}
    assert tree_state() == before
    categories.category_delete(category=Category.objects.get(slug="melon-seeds"), actor=bureau)
    assert not Category.objects.filter(slug="melon-seeds").exists()
    assert Category.objects.count() == 27
    assert_preorder()


def test_a_withdrawn_product_still_keeps_its_category(bureau, shop):
    product = add_product(shop)
    services.product_deactivate(product=product)
    with pytest.raises(ApplicationError) as refused:
        categories.category_delete(category=Category.objects.get(slug="walnuts"), actor=bureau)
    assert refused.value.code == "category_in_use"


def test_only_provincial_bureau_staff_and_admins_manage_the_tree(owner, county_bureau, admin):
    before = tree_state()
    tea = Category.objects.get(slug="tea")
    for user in (owner, county_bureau):
        attempts = [
            lambda u=user: categories.category_create(actor=u, slug="x", name="x", name_en="x"),
            lambda u=user: categories.category_update(category=tea, actor=u, name="茶"),
            lambda u=user: categories.category_move(category=tea, actor=u, step=-1),
            lambda u=user: categories.category_delete(category=tea, actor=u),
        ]
        for attempt in attempts:
            with pytest.raises(ApplicationError) as refused:
                attempt()
            assert (refused.value.code, str(refused.value.message)) == ("permission_denied", NOT_MANAGER)
    assert tree_state() == before
    categories.category_update(category=tea, actor=admin, name="茗茶")
    assert Category.objects.get(slug="tea").name == "茗茶"


def test_tree_rows_count_products_in_subtrees_and_inherit_licences(shop, other_shop):
    add_product(shop, "A")
    add_product(shop, "B")
    rows = {row.category.slug: row for row in categories.category_tree()}
    assert [row.category.slug for row in categories.category_tree()][:3] == ["nuts", "walnuts", "melon-seeds"]
    assert (rows["nuts"].products, rows["nuts"].own_products, rows["nuts"].children) == (2, 0, 2)
    assert (rows["walnuts"].products, rows["walnuts"].depth) == (2, 1)
    assert (rows["walnuts"].qualification, rows["walnuts"].inherited) == ("food", True)
    assert (rows["nuts"].qualification, rows["nuts"].inherited) == ("food", False)
    assert (rows["jujubes-goji"].qualification, rows["jujubes-goji"].inherited) == ("food", False)
    assert (rows["walnuts"].first, rows["walnuts"].last, rows["melon-seeds"].last) == (True, False, True)


# --- API ------------------------------------------------------------------------------------------


def test_api_lists_the_tree_to_anyone_with_constant_queries(
    api_client, bureau, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3) as few:
        response = api_client.get("/api/v1/categories/")
    assert response.status_code == 200
    assert response.json()[:2] == [
        {
            "slug": "nuts",
            "name": "坚果炒货",
            "name_en": "Nuts and seeds",
            "parent": None,
            "qualification": "food",
        },
        {"slug": "walnuts", "name": "核桃", "name_en": "Walnuts", "parent": "nuts", "qualification": None},
    ]
    for i in range(30):
        categories.category_create(
            actor=bureau, slug=f"extra-{i}", name=f"类{i}", name_en=f"Extra {i}", parent="tea"
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = api_client.get("/api/v1/categories/")
    assert len(response.json()) == 58


def test_api_create_by_bureau(client_for, bureau):
    response = client_for(bureau).post(
        "/api/v1/categories/?lang=en",
        {"slug": "dried-fruit", "name": "果干", "name_en": "Dried fruit", "parent": "fruit", "position": 0},
        format="json",
    )
    assert response.status_code == 201
    assert response.json() == {
        "slug": "dried-fruit",
        "name": "果干",
        "name_en": "Dried fruit",
        "parent": "fruit",
        "qualification": None,
        "position": 0,
    }
    top = client_for(bureau).post(
        "/api/v1/categories/",
        {"slug": "crafts", "name": "手工艺品", "name_en": "Crafts", "parent": None, "qualification": "sc"},
        format="json",
    )
    assert top.status_code == 201
    assert top.json() == {
        "slug": "crafts",
        "name": "手工艺品",
        "name_en": "Crafts",
        "parent": None,
        "qualification": "sc",
        "position": 12,
    }
    assert_preorder()


def test_api_create_refuses_bad_input(client_for, bureau):
    before = tree_state()
    client = client_for(bureau)
    response = client.post(
        "/api/v1/categories/?lang=en",
        {"slug": "Bad Slug", "name": "", "name_en": "Dried", "parent": "walnuts-x"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "validation_error",
        "message": "The request is not valid; see the fields.",
        "fields": {
            "slug": ["Use at most 50 lower-case letters, digits and single hyphens (e.g. dried-fruit)."],
            "name": ["Give the Chinese name."],
            "parent": ["Unknown category."],
        },
    }
    missing = client.post("/api/v1/categories/?lang=en", {"slug": "x"}, format="json")
    assert missing.status_code == 400
    assert missing.json()["fields"] == {
        "name": ["This field is required."],
        "name_en": ["This field is required."],
    }
    bad_kind = client.post(
        "/api/v1/categories/?lang=en",
        {"slug": "x", "name": "x", "name_en": "x", "qualification": "tobacco"},
        format="json",
    )
    assert bad_kind.status_code == 400
    assert bad_kind.json()["fields"] == {"qualification": ['"tobacco" is not a valid choice.']}
    assert tree_state() == before


def test_api_permissions(api_client, client_for, owner, county_bureau):
    before = tree_state()
    body = {"slug": "dried-fruit", "name": "果干", "name_en": "Dried fruit"}
    anonymous = api_client.post("/api/v1/categories/?lang=en", body, format="json")
    assert anonymous.status_code == 401
    assert anonymous.json() == {
        "code": "not_authenticated",
        "message": "Authentication credentials were not provided.",
    }
    assert api_client.patch("/api/v1/categories/tea/", {"name": "茶"}, format="json").status_code == 401
    assert api_client.delete("/api/v1/categories/tea/").status_code == 401
    for user in (owner, county_bureau):
        client = client_for(user)
        for response in (
            client.post("/api/v1/categories/?lang=en", body, format="json"),
            client.patch("/api/v1/categories/tea/?lang=en", {"name": "茶"}, format="json"),
            client.delete("/api/v1/categories/tea/?lang=en"),
            # Refused before the input is even looked at.
            client.patch("/api/v1/categories/tea/?lang=en", {"parent": "tea"}, format="json"),
        ):
            assert response.status_code == 403
            assert response.json() == {"code": "permission_denied", "message": NOT_MANAGER}
    assert tree_state() == before


def test_api_patch_renames_moves_and_reorders(client_for, bureau, api_client):
    client = client_for(bureau)
    response = client.patch(
        "/api/v1/categories/melons/", {"name_en": "Melons and gourds", "position": 0}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == {
        "slug": "melons",
        "name": "瓜类",
        "name_en": "Melons and gourds",
        "parent": "fruit",
        "qualification": None,
        "position": 0,
    }
    moved = client.patch("/api/v1/categories/melons/", {"parent": "vegetables"}, format="json")
    assert moved.status_code == 200
    assert (moved.json()["parent"], moved.json()["position"]) == ("vegetables", 2)
    assert api_client.get("/api/v1/categories/melons/").json()["parent"] == "vegetables"
    topped = client.patch(
        "/api/v1/categories/melons/", {"parent": None, "qualification": "fresh_produce"}, format="json"
    )
    assert topped.json() == {
        "slug": "melons",
        "name": "瓜类",
        "name_en": "Melons and gourds",
        "parent": None,
        "qualification": "fresh_produce",
        "position": 12,
    }
    assert_preorder()


def test_api_patch_refusals_leave_the_tree_alone(client_for, bureau):
    client = client_for(bureau)
    before = tree_state()
    cycle = client.patch("/api/v1/categories/nuts/?lang=en", {"parent": "walnuts"}, format="json")
    assert cycle.status_code == 400
    assert cycle.json() == {
        "code": "validation_error",
        "message": "The request is not valid; see the fields.",
        "fields": {"parent": ["A category cannot move under itself or one of its sub-categories."]},
    }
    deep = client.patch("/api/v1/categories/fruit/?lang=en", {"parent": "walnuts"}, format="json")
    assert deep.json()["fields"] == {"parent": ["The tree is at most 3 levels deep."]}
    blank = client.patch("/api/v1/categories/tea/?lang=en", {"name": ""}, format="json")
    assert blank.json()["fields"] == {"name": ["Give the Chinese name."]}
    negative = client.patch("/api/v1/categories/tea/?lang=en", {"position": -1}, format="json")
    assert negative.json()["fields"] == {"position": ["Ensure this value is greater than or equal to 0."]}
    unknown = client.patch("/api/v1/categories/no-such/?lang=en", {"name": "x"}, format="json")
    assert unknown.status_code == 404
    assert unknown.json() == {"code": "not_found", "message": "Unknown category."}
    assert tree_state() == before


def test_api_delete(client_for, bureau, shop):
    add_product(shop)
    client = client_for(bureau)
    before = tree_state()
    in_use = client.delete("/api/v1/categories/nuts/?lang=en")
    assert in_use.status_code == 409
    assert in_use.json() == {
        "code": "category_in_use",
        "message": "“Nuts and seeds” is in use (products: 0, sub-categories: 2); move them elsewhere before deleting it.",
        "products": 0,
        "children": 2,
    }
    with_products = client.delete("/api/v1/categories/walnuts/?lang=en")
    assert with_products.status_code == 409
    assert (with_products.json()["products"], with_products.json()["children"]) == (1, 0)
    assert tree_state() == before
    assert client.delete("/api/v1/categories/melon-seeds/").status_code == 204
    assert client.delete("/api/v1/categories/melon-seeds/").status_code == 404
    assert Category.objects.count() == 27
    assert_preorder()


def test_schema_describes_the_category_endpoints(client):
    paths = client.get("/api/schema/?format=json").json()["paths"]
    assert set(paths["/api/v1/categories/"]) == {"get", "post"}
    assert set(paths["/api/v1/categories/{slug}/"]) == {"get", "patch", "delete"}
    assert "post" in paths["/api/v1/products/{id}/images/order/"]


# --- Bureau pages ---------------------------------------------------------------------------------


def test_page_needs_the_bureau_role(client, owner):
    response = client.get("/bureau/categories/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    client.force_login(owner)
    assert client.get("/bureau/categories/").status_code == 403
    assert client.post("/bureau/categories/", {"slug": "x", "name": "x", "name_en": "x"}).status_code == 403
    assert client.post("/bureau/categories/tea/delete/").status_code == 403
    assert Category.objects.filter(slug="tea").exists()


def test_page_shows_the_tree_in_both_languages(client, bureau, shop):
    add_product(shop)
    client.force_login(bureau)
    zh = client.get("/bureau/categories/").content.decode()
    assert '<html lang="zh-Hans">' in zh
    assert "坚果炒货" in zh
    assert 'data-testid="count-nuts">1<' in zh
    assert 'data-testid="count-walnuts">1<' in zh
    assert 'data-testid="count-tea">0<' in zh
    assert 'class="tree-depth-1" data-testid="category-walnuts"' in zh
    assert 'href="/bureau/categories/"' in zh  # the header links the page
    en = client.get("/bureau/categories/?lang=en").content.decode()
    assert '<html lang="en">' in en
    assert "<strong>Nuts and seeds</strong>" in en
    assert "Product categories" in en
    assert "Add a category" in en
    assert "food business licence (from the parent)" in en
    assert (
        zh.index('data-testid="category-nuts"')
        < zh.index('data-testid="category-walnuts"')
        < zh.index('data-testid="category-herbs"')
    )


def test_page_query_count_does_not_grow_with_the_tree(
    client, bureau, shop, django_assert_num_queries, django_assert_max_num_queries
):
    client.force_login(bureau)
    with django_assert_max_num_queries(15) as few:
        assert client.get("/bureau/categories/").status_code == 200
    for i in range(40):
        categories.category_create(
            actor=bureau, slug=f"extra-{i}", name=f"类{i}", name_en=f"Extra {i}", parent="tea"
        )
    for i in range(5):
        add_product(shop, f"P{i}", category="walnuts")
    with django_assert_num_queries(len(few.captured_queries)):
        html = client.get("/bureau/categories/").content.decode()
    assert html.count('class="tree-depth-1"') == 16 + 40


def test_county_bureau_sees_the_tree_read_only(client, county_bureau):
    client.force_login(county_bureau)
    html = client.get("/bureau/categories/?lang=en").content.decode()
    assert "you see it read-only" in html
    assert 'data-testid="add-category"' not in html
    assert "/bureau/categories/tea/delete/" not in html
    before = tree_state()
    assert client.post("/bureau/categories/", {"slug": "x", "name": "x", "name_en": "x"}).status_code == 403
    assert client.get("/bureau/categories/tea/").status_code == 403
    assert client.post("/bureau/categories/tea/", {"name": "x", "name_en": "x"}).status_code == 403
    assert client.post("/bureau/categories/tea/move/", {"direction": "up"}).status_code == 403
    assert client.post("/bureau/categories/melon-seeds/delete/").status_code == 403
    assert tree_state() == before


def test_page_adds_a_category(client, bureau):
    client.force_login(bureau)
    form = {
        "slug": "dried-fruit",
        "name": "果干",
        "name_en": "Dried fruit",
        "parent": "fruit",
        "qualification": "",
    }
    bad = client.post("/bureau/categories/?lang=en", {**form, "slug": "walnuts", "name": ""})
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "Another category has this slug." in html or "This field is required." in html
    assert Category.objects.filter(slug="dried-fruit").count() == 0
    bad_service = client.post("/bureau/categories/?lang=en", {**form, "slug": "walnuts"})
    assert bad_service.status_code == 400
    assert "Another category has this slug." in bad_service.content.decode()
    response = client.post("/bureau/categories/", form)
    assert response.status_code == 302
    assert response["Location"] == "/bureau/categories/"
    assert children("fruit")[-1] == "dried-fruit"
    page = client.get("/bureau/categories/?lang=en").content.decode()
    assert "Added: Dried fruit." in page
    assert 'data-testid="category-dried-fruit"' in page


def test_page_edits_a_category(client, bureau):
    client.force_login(bureau)
    page = client.get("/bureau/categories/walnuts/?lang=en").content.decode()
    assert "Edit “Walnuts”" in page
    assert 'value="核桃"' in page
    # Its own subtree is not offered as a parent.
    nuts_page = client.get("/bureau/categories/nuts/").content.decode()
    assert '<option value="walnuts"' not in nuts_page
    assert '<option value="fruit"' in nuts_page
    before = tree_state()
    refused = client.post(
        "/bureau/categories/walnuts/?lang=en", {"name": "", "name_en": "Walnuts", "parent": "nuts"}
    )
    assert refused.status_code == 400
    assert tree_state() == before
    response = client.post(
        "/bureau/categories/walnuts/",
        {"name": "核桃仁", "name_en": "Walnut kernels", "parent": "nuts", "qualification": "food"},
    )
    assert response.status_code == 302
    walnuts = Category.objects.get(slug="walnuts")
    assert (walnuts.name, walnuts.name_en, walnuts.qualification, walnuts.parent.slug) == (
        "核桃仁",
        "Walnut kernels",
        "food",
        "nuts",
    )
    assert children("nuts") == ["walnuts", "melon-seeds"]  # same parent: its place is kept
    assert client.get("/bureau/categories/no-such/").status_code == 404


def test_page_moves_with_and_without_htmx(client, bureau):
    client.force_login(bureau)
    response = client.post("/bureau/categories/melons/move/", {"direction": "up"})
    assert response.status_code == 302
    assert children("fruit")[:2] == ["melons", "apples"]
    swapped = client.post(
        "/bureau/categories/melons/move/?lang=en", {"direction": "down"}, HTTP_HX_REQUEST="true"
    )
    assert swapped.status_code == 200
    html = swapped.content.decode()
    assert html.lstrip().startswith('<div id="category-tree"')
    assert "<html" not in html
    assert "Moved: Melons." in html
    assert children("fruit")[:2] == ["apples", "melons"]
    assert client.post("/bureau/categories/melons/move/", {"direction": "sideways"}).status_code == 400
    assert client.get("/bureau/categories/melons/move/").status_code == 405


def test_page_delete_shows_refusals(client, bureau, shop):
    add_product(shop)
    client.force_login(bureau)
    before = tree_state()
    refused = client.post("/bureau/categories/walnuts/delete/?lang=en", HTTP_HX_REQUEST="true")
    assert refused.status_code == 200
    assert (
        "“Walnuts” is in use (products: 1, sub-categories: 0); move them elsewhere before deleting it."
        in refused.content.decode()
    )
    plain = client.post("/bureau/categories/nuts/delete/?lang=en", follow=True)
    assert "is in use (products: 0, sub-categories: 2)" in plain.content.decode()
    from_edit = client.post("/bureau/categories/nuts/delete/", {"from": "edit"})
    assert from_edit["Location"] == "/bureau/categories/nuts/"
    assert tree_state() == before
    deleted = client.post("/bureau/categories/melon-seeds/delete/?lang=en", follow=True)
    assert "Deleted: Melon seeds." in deleted.content.decode()
    assert not Category.objects.filter(slug="melon-seeds").exists()


# --- Concurrency (PostgreSQL, real threads) --------------------------------------------------------


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_crossing_moves_at_once_cannot_make_a_cycle(settings, regions_data, monkeypatch):
    """Tea under wine and wine under tea, at the same moment: the tree lock makes the second see the first."""
    if not settings.USING_POSTGRES:
        pytest.skip("row locks and concurrent transactions are tested on PostgreSQL")
    staff = UserFactory(username="bureau_a", roles=["bureau"])
    locked_tree = categories._locked_tree

    def slow_locked_tree():
        nodes = locked_tree()
        time.sleep(0.3)  # hold the lock long enough for the other move to arrive and wait
        return nodes

    monkeypatch.setattr(categories, "_locked_tree", slow_locked_tree)
    tea, wine = Category.objects.get(slug="tea"), Category.objects.get(slug="wine")
    results = run_together(
        lambda: categories.category_update(category=tea, actor=staff, parent="wine"),
        lambda: categories.category_update(category=wine, actor=staff, parent="tea"),
        language="en",
    )
    errors = [r for r in results if isinstance(r, ApplicationError)]
    assert len(errors) == 1, results
    assert errors[0].fields == {
        "parent": ["A category cannot move under itself or one of its sub-categories."]
    }
    parents = dict(Category.objects.filter(slug__in=["tea", "wine"]).values_list("slug", "parent__slug"))
    assert sorted(parents.values(), key=str) in ([None, "tea"], [None, "wine"])
    assert_preorder()
