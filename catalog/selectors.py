"""Reads of the catalog. Shop-scoped reads take the caller and raise Http404 outside their shops."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from catalog.models import Category, Product, ProductImage, ProductStatus, Sku
from gansu_mall.accounts.models import User
from vendors.models import VendorStatus
from vendors.selectors import vendor_get_for_staff


def categories() -> QuerySet[Category]:
    return Category.objects.order_by("position", "slug")


def category_with_descendants(*, slug: str) -> list[int]:
    """Ids of the category and every category below it (the tree is shallow: one query per level)."""
    ids = list(Category.objects.filter(slug=slug).values_list("id", flat=True))
    frontier = list(ids)
    while frontier:
        frontier = list(Category.objects.filter(parent_id__in=frontier).values_list("id", flat=True))
        ids.extend(frontier)
    return ids


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


def products_public() -> QuerySet[Product]:
    """What consumers see: active products of active shops."""
    return _annotated(Product.objects.filter(status=ProductStatus.ACTIVE, vendor__status=VendorStatus.ACTIVE))


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
