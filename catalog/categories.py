"""The category tree: its reads for the bureau page and its writes, which provincial bureau staff make.

Reads and writes of categories live together here (a concern of its own, split out of services.py and
selectors.py). The tree is small (dozens of nodes, at most ``MAX_DEPTH`` levels), so every write locks all
of its rows, re-checks its guards under that lock and renumbers ``Category.position`` in pre-order: sorting
by ``position`` lists the whole tree with parents before their children and siblings in their chosen order,
which is what the category API, the search facets and the product forms rely on. Callers speak of a
position *among siblings* (0 first); the stored number is an implementation detail.

Only commerce bureau staff without a scope (the provincial bureau) and platform administrators change the
tree: staff scoped to a prefecture or county serve their area, and the tree is the whole province's.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from enum import Enum
from typing import Final

from django.db import IntegrityError, transaction
from django.db.models import Count, ProtectedError
from django.utils.translation import gettext as _

from catalog.errors import CatalogErrorCode
from catalog.models import Category, Product
from gansu_mall.accounts.models import User
from gansu_mall.core.errors import ApplicationError, ErrorCode
from gansu_mall.core.errors import invalid as _invalid
from vendors.models import QualificationKind
from vendors.selectors import is_provincial_bureau

MAX_DEPTH: Final = 3
SLUG_RE: Final = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX: Final = 50  # the lengths of the model's fields
NAME_MAX: Final = 40
NAME_EN_MAX: Final = 60


class _Unset(Enum):
    UNSET = "unset"


UNSET: Final = _Unset.UNSET


# --- Who ------------------------------------------------------------------------------------------


def category_may_manage(*, user: User) -> bool:
    """Provincial commerce bureau staff (no scope) and platform administrators."""
    return bool(user.is_authenticated) and is_provincial_bureau(user)


def _require_manager(actor: User) -> None:
    if not category_may_manage(user=actor):
        raise ApplicationError(
            code=ErrorCode.PERMISSION_DENIED,
            message=_("Only provincial commerce bureau staff change the category tree."),
        )


# --- Reads ----------------------------------------------------------------------------------------


@dataclass
class TreeRow:
    """One category in the tree as the bureau page shows it."""

    category: Category
    depth: int  # 0 at the top level
    products: int  # products in it and in every category below it, whatever their status
    own_products: int  # products in it directly
    children: int
    qualification: str  # the licence kind a shop needs here: its own, else its nearest ancestor's
    inherited: bool  # the qualification comes from an ancestor
    first: bool  # first among its siblings
    last: bool  # last among its siblings

    @property
    def qualification_label(self) -> str:
        return str(QualificationKind(self.qualification).label) if self.qualification else ""


def _children_of(nodes: list[Category]) -> dict[int | None, list[Category]]:
    children: dict[int | None, list[Category]] = defaultdict(list)
    for node in nodes:
        children[node.parent_id].append(node)
    for siblings in children.values():
        siblings.sort(key=lambda c: (c.position, c.slug))
    return children


def _preorder(children: dict[int | None, list[Category]]) -> list[tuple[Category, int]]:
    """(category, depth) in pre-order; nodes unreachable from the roots (a cycle made outside these
    services, e.g. in the Django admin) come last instead of looping forever."""
    ordered: list[tuple[Category, int]] = []
    seen: set[int] = set()
    stack: list[tuple[Category, int]] = [(c, 0) for c in reversed(children.get(None, []))]
    while stack:
        node, depth = stack.pop()
        if node.pk in seen:
            continue
        seen.add(node.pk)
        ordered.append((node, depth))
        stack.extend((c, depth + 1) for c in reversed(children.get(node.pk, [])))
    for siblings in children.values():
        ordered.extend((c, 0) for c in siblings if c.pk not in seen)
    return ordered


def category_tree() -> list[TreeRow]:
    """The whole tree in display order with product counts: two queries, however large the tree."""
    nodes = list(Category.objects.order_by("position", "slug"))
    direct = dict(
        Product.objects.order_by()
        .values_list("category_id")
        .annotate(n=Count("id"))
        .values_list("category_id", "n")
    )
    children = _children_of(nodes)
    ordered = _preorder(children)
    by_id = {node.pk: node for node in nodes}
    totals: dict[int, int] = {}
    for node, _depth in reversed(ordered):  # children before their parents
        totals[node.pk] = direct.get(node.pk, 0) + sum(totals.get(c.pk, 0) for c in children.get(node.pk, []))
    effective: dict[int, str] = {}
    rows: list[TreeRow] = []
    for node, depth in ordered:
        parent = by_id.get(node.parent_id) if node.parent_id else None
        inherited_kind = effective.get(parent.pk, "") if parent is not None else ""
        effective[node.pk] = node.qualification or inherited_kind
        siblings = children.get(node.parent_id, [])
        rows.append(
            TreeRow(
                category=node,
                depth=depth,
                products=totals.get(node.pk, 0),
                own_products=direct.get(node.pk, 0),
                children=len(children.get(node.pk, [])),
                qualification=effective[node.pk],
                inherited=not node.qualification and bool(inherited_kind),
                first=bool(siblings) and siblings[0] is node,
                last=bool(siblings) and siblings[-1] is node,
            )
        )
    return rows


def category_get(*, slug: str) -> Category | None:
    return Category.objects.select_related("parent").filter(slug=slug).first()


def category_sibling_index(*, category: Category) -> int:
    """The category's place among its siblings, 0 first."""
    siblings = Category.objects.filter(parent_id=category.parent_id).order_by("position", "slug")
    return list(siblings.values_list("pk", flat=True)).index(category.pk)


def category_parent_choices(*, exclude: Category | None = None) -> list[tuple[str, str, int]]:
    """Categories that may take a sub-category (or ``exclude`` with its subtree, when moving it):
    ``(slug, display name, depth)`` in tree order. ``exclude``'s own height is checked by the services."""
    nodes = list(Category.objects.order_by("position", "slug"))
    ordered = _preorder(_children_of(nodes))
    banned = _subtree_ids(nodes, exclude.pk) if exclude is not None else set()
    return [
        (node.slug, node.display_name, depth)
        for node, depth in ordered
        if depth < MAX_DEPTH - 1 and node.pk not in banned
    ]


# --- Writes ---------------------------------------------------------------------------------------


def _locked_tree() -> list[Category]:
    """Every category, locked in primary-key order: tree writes take turns."""
    return list(Category.objects.select_for_update().order_by("pk"))


def _subtree_ids(nodes: list[Category], root_id: int) -> set[int]:
    children = _children_of(nodes)
    ids: set[int] = set()
    frontier = [root_id]
    while frontier:
        current = frontier.pop()
        if current in ids:
            continue
        ids.add(current)
        frontier.extend(c.pk for c in children.get(current, []))
    return ids


def _depth_of(nodes: list[Category], node_id: int | None) -> int:
    """Levels from the top down to ``node_id`` (1 for a top-level category, 0 for none)."""
    parents = {n.pk: n.parent_id for n in nodes}
    depth, current, seen = 0, node_id, set()
    while current is not None and current not in seen:
        seen.add(current)
        depth += 1
        current = parents.get(current)
    return depth


def _height_of(nodes: list[Category], node_id: int) -> int:
    """Levels from ``node_id`` down to its deepest descendant (1 for a leaf)."""
    children = _children_of(nodes)

    def height(current: int, seen: frozenset[int]) -> int:
        below = [c.pk for c in children.get(current, []) if c.pk not in seen]
        return 1 + max((height(c, seen | {c}) for c in below), default=0)

    return height(node_id, frozenset({node_id}))


def _renumber(nodes: list[Category], *, place: Category | None = None, index: int | None = None) -> None:
    """Store pre-order positions; ``place`` goes to ``index`` among its (new) siblings (None: last)."""
    others = [n for n in nodes if place is None or n.pk != place.pk]
    children = _children_of(others)
    if place is not None:
        siblings = children[place.parent_id]
        at = len(siblings) if index is None else max(0, min(index, len(siblings)))
        siblings.insert(at, place)
    changed = []
    for position, (node, _depth) in enumerate(_preorder(children)):
        if node.position != position:
            node.position = position
            changed.append(node)
    if changed:
        Category.objects.bulk_update(changed, ["position"])


def _clean_names(name: str, name_en: str, errors: dict[str, list[str]]) -> tuple[str, str]:
    name, name_en = (name or "").strip(), (name_en or "").strip()
    if not name:
        errors["name"] = [_("Give the Chinese name.")]
    elif len(name) > NAME_MAX:
        errors["name"] = [_("At most %(max)d characters.") % {"max": NAME_MAX}]
    if not name_en:
        errors["name_en"] = [_("Give the English name.")]
    elif len(name_en) > NAME_EN_MAX:
        errors["name_en"] = [_("At most %(max)d characters.") % {"max": NAME_EN_MAX}]
    return name, name_en


def _clean_qualification(value: str | None, errors: dict[str, list[str]]) -> str:
    kind = (value or "").strip()
    if kind and kind not in QualificationKind.values:
        errors["qualification"] = [_("Choose a kind of licence, or none.")]
    return kind


def _clean_position(value: int | None, errors: dict[str, list[str]]) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        errors["position"] = [_("The position is a whole number, zero or more.")]
        return None
    return value


def _resolve_parent(
    nodes: list[Category], slug: str | None, *, moving: Category | None, errors: dict[str, list[str]]
) -> Category | None:
    """The parent named by ``slug`` (None: top level), checked for cycles and depth."""
    slug = (slug or "").strip()
    if not slug:
        return None
    parent = next((n for n in nodes if n.slug == slug), None)
    if parent is None:
        errors["parent"] = [_("Unknown category.")]
        return None
    height = 1
    if moving is not None:
        if parent.pk in _subtree_ids(nodes, moving.pk):
            errors["parent"] = [_("A category cannot move under itself or one of its sub-categories.")]
            return None
        height = _height_of(nodes, moving.pk)
    if _depth_of(nodes, parent.pk) + height > MAX_DEPTH:
        errors["parent"] = [_("The tree is at most %(max)d levels deep.") % {"max": MAX_DEPTH}]
        return None
    return parent


def category_create(
    *,
    actor: User,
    slug: str,
    name: str,
    name_en: str,
    parent: str | None = None,
    qualification: str | None = "",
    position: int | None = None,
) -> Category:
    """Add a category under ``parent`` (a slug; None or "" for the top level) at ``position`` among its
    siblings (None: last). The slug names it in URLs and filters for good: lower-case letters, digits and
    hyphens, unique."""
    _require_manager(actor)
    errors: dict[str, list[str]] = {}
    slug = (slug or "").strip()
    if not slug:
        errors["slug"] = [_("Give the slug (its name in web addresses, e.g. dried-fruit).")]
    elif len(slug) > SLUG_MAX or not SLUG_RE.match(slug):
        errors["slug"] = [
            _("Use at most %(max)d lower-case letters, digits and single hyphens (e.g. dried-fruit).")
            % {"max": SLUG_MAX}
        ]
    name, name_en = _clean_names(name, name_en, errors)
    kind = _clean_qualification(qualification, errors)
    index = _clean_position(position, errors)
    with transaction.atomic():
        nodes = _locked_tree()
        if "slug" not in errors and any(n.slug == slug for n in nodes):
            errors["slug"] = [_("Another category has this slug.")]
        parent_node = _resolve_parent(nodes, parent, moving=None, errors=errors)
        if errors:
            raise _invalid(errors)
        try:
            with transaction.atomic():
                category = Category.objects.create(
                    slug=slug,
                    name=name,
                    name_en=name_en,
                    parent=parent_node,
                    qualification=kind,
                    position=len(nodes),
                )
        except IntegrityError as exc:  # the slug was taken outside these services meanwhile
            raise _invalid({"slug": [_("Another category has this slug.")]}) from exc
        _renumber([*nodes, category], place=category, index=index)
    return category


def category_update(
    *,
    category: Category,
    actor: User,
    name: str | _Unset = UNSET,
    name_en: str | _Unset = UNSET,
    parent: str | None | _Unset = UNSET,
    qualification: str | None | _Unset = UNSET,
    position: int | None | _Unset = UNSET,
) -> Category:
    """Change what is given: names, parent (a slug; None or "" for the top level), the licence kind
    needed (blank: none of its own, the parent's applies) and the position among its siblings.

    The search index holds category names, so renaming or moving one rebuilds it after commit."""
    _require_manager(actor)
    errors: dict[str, list[str]] = {}
    with transaction.atomic():
        nodes = _locked_tree()
        locked = next((n for n in nodes if n.pk == category.pk), None)
        if locked is None:
            raise ApplicationError(code=ErrorCode.NOT_FOUND, message=_("Unknown category."))
        before = (locked.name, locked.name_en, locked.parent_id)
        if not isinstance(name, _Unset) or not isinstance(name_en, _Unset):
            locked.name, locked.name_en = _clean_names(
                locked.name if isinstance(name, _Unset) else name,
                locked.name_en if isinstance(name_en, _Unset) else name_en,
                errors,
            )
        if not isinstance(qualification, _Unset):
            locked.qualification = _clean_qualification(qualification, errors)
        index = None if isinstance(position, _Unset) else _clean_position(position, errors)
        moved = False
        if not isinstance(parent, _Unset):
            moved = True
            parent_node = _resolve_parent(nodes, parent, moving=locked, errors=errors)
            if "parent" not in errors:
                locked.parent = parent_node
        if errors:
            raise _invalid(errors)
        locked.save(update_fields=["name", "name_en", "parent", "qualification"])
        if moved or index is not None:
            if index is None and locked.parent_id == before[2]:
                index = _index_among_siblings(nodes, locked)  # same parent, no position: stay put
            _renumber(nodes, place=locked, index=index)
        if (locked.name, locked.name_en, locked.parent_id) != before:
            transaction.on_commit(_reindex_later)
    return locked


def _index_among_siblings(nodes: list[Category], node: Category) -> int:
    siblings = _children_of(nodes)[node.parent_id]
    return next(i for i, sibling in enumerate(siblings) if sibling.pk == node.pk)


def category_move(*, category: Category, actor: User, step: int) -> Category:
    """Move a category ``step`` places among its siblings (-1: one earlier, 1: one later); at either end
    it stays where it is."""
    _require_manager(actor)
    with transaction.atomic():
        nodes = _locked_tree()
        locked = next((n for n in nodes if n.pk == category.pk), None)
        if locked is None:
            raise ApplicationError(code=ErrorCode.NOT_FOUND, message=_("Unknown category."))
        index = _index_among_siblings(nodes, locked) + step
        _renumber(nodes, place=locked, index=max(0, index))
    return locked


def category_delete(*, category: Category, actor: User) -> None:
    """Delete an empty category. One with products (of any status: orders keep pointing at them) or with
    sub-categories is refused with ``category_in_use`` (409); nothing changes."""
    _require_manager(actor)
    with transaction.atomic():
        nodes = _locked_tree()
        locked = next((n for n in nodes if n.pk == category.pk), None)
        if locked is None:
            raise ApplicationError(code=ErrorCode.NOT_FOUND, message=_("Unknown category."))
        children = sum(1 for n in nodes if n.parent_id == locked.pk)
        products = Product.objects.filter(category=locked).count()
        if children or products:
            raise _in_use(locked, children=children, products=products)
        try:
            with transaction.atomic():
                locked.delete()
        except (ProtectedError, IntegrityError) as exc:  # a product arrived meanwhile
            raise _in_use(locked, children=0, products=1) from exc
        _renumber([n for n in nodes if n.pk != locked.pk])


def _in_use(category: Category, *, children: int, products: int) -> ApplicationError:
    return ApplicationError(
        code=CatalogErrorCode.CATEGORY_IN_USE,
        message=_(
            "“%(category)s” is in use (products: %(products)d, sub-categories: %(children)d); "
            "move them elsewhere before deleting it."
        )
        % {"category": category.display_name, "products": products, "children": children},
        extra={"products": products, "children": children},
    )


def _reindex_later() -> None:
    """Products are indexed with their category's and its parent's names: rebuild after a rename or move."""
    from catalog.tasks import reindex_all_products

    reindex_all_products.delay()
