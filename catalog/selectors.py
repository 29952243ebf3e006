"""Reads of the catalog. Shop-scoped reads take the caller and raise Http404 outside their shops."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection
from django.db.models import Prefetch, QuerySet
from django.http import Http404

from catalog.models import Category, Product, ProductImage, ProductStatus, Sku
from catalog.reference import reference
from gansu_mall.accounts.models import User
from vendors.models import VendorStatus
from vendors.selectors import vendor_get_for_staff


def categories() -> QuerySet[Category]:
    return Category.objects.order_by("position", "slug")


def category_with_descendants(*, slug: str) -> list[int]:
    """Ids of the category and every category below it (from the cached tree: catalog.reference)."""
    return reference().descendants(slug)


def category_qualification(*, category: Category) -> str:
    """The licence kind a shop needs for ``category``: its own, else the nearest ancestor's."""
    node: Category | None = category
    while node is not None:
        if node.qualification:
            return node.qualification
        node = node.parent
    return ""


def _annotated(products: QuerySet[Product]) -> QuerySet[Product]:
    return products.select_related(
        "vendor", "vendor__county", "category", "origin_county", "origin_county__parent"
    ).prefetch_related(
        Prefetch("skus", queryset=Sku.objects.order_by("price", "id")),
        Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")),
    )


# Columns a list item never shows: long texts and the search index, left in the database.
LIST_DEFERRED = (
    "description",
    "description_en",
    "search_text",
    "search_vector",
    "search_name",
    "name_vector",
)


def _public() -> QuerySet[Product]:
    return Product.objects.filter(status=ProductStatus.ACTIVE, vendor__status=VendorStatus.ACTIVE)


def products_public() -> QuerySet[Product]:
    """What consumers see: active products of active shops."""
    return _annotated(_public())


def products_public_ids() -> QuerySet[Product, int]:
    """The ids of ``products_public`` (for a page of cards: see ``product_list_items``)."""
    return _public().values_list("pk", flat=True)


def products_public_bare() -> QuerySet[Product]:
    """``products_public`` without the related rows and prefetches: for reading ids, values and counts off
    a filtered list (the search page reads its cards by ``product_list_items``)."""
    return _public()


def products_public_list() -> QuerySet[Product]:
    """``products_public`` for lists and search results: without the columns only a product page shows."""
    return products_public().defer(*LIST_DEFERRED)


def product_get_public(*, product_id: int) -> Product:
    product = products_public().filter(pk=product_id).first()
    if product is None:
        raise Http404
    return product


def products_of_shop_for_staff(*, user: User, slug: str) -> QuerySet[Product]:
    """Every product of the shop (drafts included) for its staff and delegated officers."""
    vendor, _role = vendor_get_for_staff(user=user, slug=slug, allow_delegate=True)
    return _annotated(Product.objects.filter(vendor=vendor))


def product_get_for_staff(*, user: User, product_id: int) -> tuple[Product, str]:
    """A product and the caller's role in its shop; Http404 for anyone outside the shop."""
    product = _annotated(Product.objects.filter(pk=product_id)).first()
    if product is None:
        raise Http404
    _vendor, role = vendor_get_for_staff(user=user, slug=product.vendor.slug, allow_delegate=True)
    return product, role


def sku_get_for_staff(*, user: User, sku_id: int) -> tuple[Sku, str]:
    sku = Sku.objects.select_related("product", "vendor").filter(pk=sku_id).first()
    if sku is None:
        raise Http404
    _vendor, role = vendor_get_for_staff(user=user, slug=sku.vendor.slug, allow_delegate=True)
    return sku, role


# One list item of the API (API.md, "Catalog": the fields of ProductListSerializer), read by one fixed
# statement: a list page is the hot path of the storefront, and building it from model instances through
# the serializer cost three ORM queries to compile and most of a request's time. The statement is fixed,
# so nothing is compiled per request; the test suite checks every field against the serializer.
_LIST_ITEMS_SQL = """
SELECT p.id, p.name, p.name_en, p.price, v.slug, v.name, v.credit_grade, c.slug,
       r.code, r.name, r.name_en, r.poverty_relief, p.gi_certificate, p.rating, p.rating_count,
       p.sales, p.in_stock, p.storage, p.status,
       (SELECT CASE WHEN i.thumb_small <> '' THEN i.thumb_small ELSE i.image END
          FROM catalog_productimage i WHERE i.product_id = p.id ORDER BY i.position, i.id LIMIT 1)
  FROM catalog_product p{joins}
 WHERE p.id IN ({{ids}})
"""
# PostgreSQL: the shop and the county as parameterised subqueries ("OFFSET 0" keeps the planner from
# flattening them into hash joins over every shop), which plans and runs in ~0.6 ms against ~1.1 ms.
_LIST_ITEMS_SQL_PG = _LIST_ITEMS_SQL.format(
    joins="""
 CROSS JOIN LATERAL (SELECT slug, name, credit_grade FROM vendors_vendor v WHERE v.id = p.vendor_id OFFSET 0) v
 CROSS JOIN LATERAL (SELECT slug FROM catalog_category c WHERE c.id = p.category_id OFFSET 0) c
 CROSS JOIN LATERAL (SELECT code, name, name_en, poverty_relief FROM regions_region r
                      WHERE r.code = p.origin_county_id OFFSET 0) r"""
)
_LIST_ITEMS_SQL = _LIST_ITEMS_SQL.format(
    joins="""
  JOIN vendors_vendor v ON v.id = p.vendor_id
  JOIN catalog_category c ON c.id = p.category_id
  JOIN regions_region r ON r.code = p.origin_county_id"""
)
_CENT = Decimal("0.01")


def _money(value: Any) -> str | None:
    if value is None:
        return None
    return str(Decimal(str(value)).quantize(_CENT, ROUND_HALF_UP))


def product_list_items(*, product_ids: list[int]) -> list[dict[str, Any]]:
    """The list items of API.md for ``product_ids``, in that order (ids not found are left out)."""
    if not product_ids:
        return []
    ids = [int(pk) for pk in product_ids]
    storage = ProductImage._meta.get_field("image").storage
    with connection.cursor() as cursor:
        sql = _LIST_ITEMS_SQL_PG if connection.vendor == "postgresql" else _LIST_ITEMS_SQL
        cursor.execute(sql.format(ids=", ".join(["%s"] * len(ids))), ids)
        rows = cursor.fetchall()
    items: dict[int, dict[str, Any]] = {}
    for row in rows:
        (pk, name, name_en, price, v_slug, v_name, v_grade, c_slug, r_code, r_name, r_name_en, poverty) = row[
            :12
        ]
        (gi, rating, rating_count, sales, in_stock, storage_kind, status, image) = row[12:]
        items[pk] = {
            "id": pk,
            "name": name,
            "name_en": name_en,
            "price": _money(price),
            "vendor": {"slug": v_slug, "name": v_name, "credit_grade": v_grade or None},
            "category": c_slug,
            "origin_county": {"code": r_code, "name": r_name, "name_en": r_name_en},
            "thumbnail_url": storage.url(image) if image else None,
            "gi_certified": bool(gi),
            "rating": _money(rating),
            "rating_count": rating_count,
            "sales": sales,
            "in_stock": bool(in_stock),
            "storage": storage_kind,
            "status": status,
            "poverty_relief": bool(poverty),
        }
    return [items[pk] for pk in ids if pk in items]
