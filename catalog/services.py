"""Writes of the catalog: products and SKUs, checked against the shop's licences."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Subquery, Value, When
from django.db.models.functions import Greatest
from django.utils.translation import gettext as _

from catalog.errors import CatalogErrorCode
from catalog.models import Category, FulfilledBy, Product, ProductStatus, Sku, Storage, Synonym
from catalog.search import product_reindex
from catalog.selectors import category_qualification
from gansu_mall.core.errors import ApplicationError
from gansu_mall.core.errors import invalid as _invalid
from gansu_mall.regions.selectors import gansu_county_get
from vendors.models import QualificationKind, Vendor, VendorStatus
from vendors.selectors import vendor_has_qualification


@dataclass
class SkuInput:
    code: str
    spec: str
    price: object
    stock: object = 0
    weight_grams: object = None
    fulfilled_by: str = FulfilledBy.VENDOR


@dataclass
class ProductInput:
    name: str
    category: str
    origin_county_code: str
    name_en: str = ""
    description: str = ""
    description_en: str = ""
    storage: str = Storage.AMBIENT
    shelf_life_days: int | None = None
    gi_certificate: str = ""
    status: str = ProductStatus.DRAFT
    skus: list[SkuInput] = field(default_factory=list)


def _price(value: object) -> Decimal | None:
    try:
        price = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    if (
        not price.is_finite()
        or price <= 0
        or price != price.quantize(Decimal("0.01"))
        or price >= Decimal("1e12")
    ):
        return None
    return price


def _int(value: object, *, minimum: int) -> int | None:
    """A whole number (an int, or digits in a string) at least ``minimum``; anything else is None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and re.fullmatch(r"\s*\+?\d{1,12}\s*", value):
        number = int(value)
    else:
        return None
    return number if number >= minimum else None


def _clean_skus(vendor: Vendor, skus: list[SkuInput], *, exclude_product: int | None = None) -> list[Sku]:
    errors: dict[str, list[str]] = {}
    if not skus:
        raise _invalid({"skus": [_("Add at least one SKU (a spec with its price).")]})
    cleaned: list[Sku] = []
    codes_seen: set[str] = set()
    for index, item in enumerate(skus):
        prefix = f"skus.{index}"
        code = (item.code or "").strip()
        if not code:
            errors[f"{prefix}.code"] = [_("Give the SKU a code.")]
        elif code in codes_seen:
            errors[f"{prefix}.code"] = [_("This SKU code is used twice.")]
        codes_seen.add(code)
        if not (item.spec or "").strip():
            errors[f"{prefix}.spec"] = [_("Describe the spec (e.g. 500 g, gift box).")]
        price = _price(item.price)
        if price is None:
            errors[f"{prefix}.price"] = [_("Enter a price above zero with at most two decimals.")]
        stock = _int(item.stock, minimum=0)
        if stock is None:
            errors[f"{prefix}.stock"] = [_("Stock is a whole number, zero or more.")]
        weight = _int(item.weight_grams, minimum=1)
        if weight is None:
            errors[f"{prefix}.weight_grams"] = [_("Give the weight in grams (a whole number above zero).")]
        if item.fulfilled_by not in FulfilledBy.values:
            errors[f"{prefix}.fulfilled_by"] = [_("Choose the shop or the hub.")]
        elif item.fulfilled_by == FulfilledBy.HUB and stock:
            errors[f"{prefix}.stock"] = [
                _("Stock of a hub SKU comes from the hub's receipts; start it at zero.")
            ]
        cleaned.append(
            Sku(
                vendor=vendor,
                code=code,
                spec=(item.spec or "").strip(),
                price=price or Decimal("0"),
                stock=stock or 0,
                weight_grams=weight or 0,
                fulfilled_by=item.fulfilled_by,
            )
        )
    taken = Sku.objects.filter(vendor=vendor, code__in=sorted(codes_seen))
    if exclude_product is not None:
        taken = taken.exclude(product_id=exclude_product)
    for index, sku in enumerate(cleaned):
        if sku.code and taken.filter(code=sku.code).exists():
            errors[f"skus.{index}.code"] = [_("The shop already uses this SKU code.")]
    if errors:
        raise _invalid(errors)
    return cleaned


def _check_may_sell(vendor: Vendor, category: Category) -> None:
    kind = category_qualification(category=category)
    if kind and not vendor_has_qualification(vendor=vendor, kind=kind):
        raise ApplicationError(
            code=CatalogErrorCode.QUALIFICATION_REQUIRED,
            message=_("Listing in “%(category)s” needs a %(kind)s in force; upload it in the seller centre.")
            % {"category": category.display_name, "kind": QualificationKind(kind).label},
            extra={"qualification": kind},
        )


def product_create(*, vendor: Vendor, data: ProductInput) -> Product:
    """Create a product with its SKUs. Shop staff and delegated officers may; the shop must be active."""
    errors: dict[str, list[str]] = {}
    if not data.name.strip():
        errors["name"] = [_("Name the product.")]
    category = Category.objects.select_related("parent__parent").filter(slug=data.category).first()
    if category is None:
        errors["category"] = [_("Unknown category.")]
    county = gansu_county_get(code=(data.origin_county_code or "").strip())
    if county is None:
        errors["origin_county_code"] = [_("Choose a county of Gansu (a six-digit code such as 621221).")]
    if data.storage not in Storage.values:
        errors["storage"] = [_("Choose ambient, chilled or frozen.")]
    if data.status not in (ProductStatus.DRAFT, ProductStatus.ACTIVE):
        errors["status"] = [_("A new product is a draft or active.")]
    if data.shelf_life_days is not None and _int(data.shelf_life_days, minimum=1) is None:
        errors["shelf_life_days"] = [_("Give the shelf life in whole days.")]
    try:
        skus = _clean_skus(vendor, data.skus)
    except ApplicationError as exc:
        errors.update(exc.fields or {})
        skus = []
    if errors or category is None or county is None:
        raise _invalid(errors)
    if vendor.status != VendorStatus.ACTIVE:
        raise ApplicationError(code=CatalogErrorCode.SHOP_NOT_ACTIVE, message=_("The shop is not open."))
    _check_may_sell(vendor, category)
    try:
        with transaction.atomic():
            product = Product.objects.create(
                vendor=vendor,
                name=data.name.strip(),
                name_en=data.name_en.strip(),
                description=data.description.strip(),
                description_en=data.description_en.strip(),
                category=category,
                origin_county=county,
                storage=data.storage,
                shelf_life_days=data.shelf_life_days,
                gi_certificate=data.gi_certificate.strip(),
                status=data.status,
            )
            for sku in skus:
                sku.product = product
            Sku.objects.bulk_create(skus)
            product_refresh_summary(product_ids=[product.pk])
            product_reindex(product_ids=[product.pk])
    except IntegrityError as exc:  # a concurrent product took a code
        raise _invalid({"skus": [_("The shop already uses one of these SKU codes.")]}) from exc
    return product


PRODUCT_FIELDS = (
    "name",
    "name_en",
    "description",
    "description_en",
    "storage",
    "shelf_life_days",
    "gi_certificate",
)


def product_update(*, product: Product, changes: dict[str, object]) -> Product:
    """Change a product's fields, category or status; activating or moving it re-checks the licence."""
    errors: dict[str, list[str]] = {}
    with transaction.atomic():
        locked = Product.objects.select_for_update().select_related("vendor").get(pk=product.pk)
        for name in PRODUCT_FIELDS:
            if name in changes:
                value = changes[name]
                setattr(locked, name, value.strip() if isinstance(value, str) else value)
        if not locked.name:
            errors["name"] = [_("Name the product.")]
        if locked.storage not in Storage.values:
            errors["storage"] = [_("Choose ambient, chilled or frozen.")]
        if "category" in changes:
            category = Category.objects.filter(slug=changes["category"]).first()
            if category is None:
                errors["category"] = [_("Unknown category.")]
            else:
                locked.category = category
        if "origin_county_code" in changes:
            county = gansu_county_get(code=str(changes["origin_county_code"]))
            if county is None:
                errors["origin_county_code"] = [
                    _("Choose a county of Gansu (a six-digit code such as 621221).")
                ]
            else:
                locked.origin_county = county
        if "status" in changes:
            if changes["status"] not in ProductStatus.values:
                errors["status"] = [_("Choose draft, active or inactive.")]
            else:
                locked.status = str(changes["status"])
        if errors:
            raise _invalid(errors)
        if locked.status == ProductStatus.ACTIVE:
            if locked.vendor.status != VendorStatus.ACTIVE:
                raise ApplicationError(
                    code=CatalogErrorCode.SHOP_NOT_ACTIVE, message=_("The shop is not open.")
                )
            _check_may_sell(locked.vendor, locked.category)
        locked.save()
        product_reindex(product_ids=[locked.pk])
    return locked


def product_deactivate(*, product: Product) -> Product:
    """Withdraw a product from sale; its orders keep their history."""
    with transaction.atomic():
        locked = Product.objects.select_for_update().get(pk=product.pk)
        locked.status = ProductStatus.INACTIVE
        locked.save(update_fields=["status", "updated_at"])
    return locked


def sku_update(*, sku: Sku, price: object = None, stock: object = None) -> Sku:
    """Change a SKU's price or stock. Hub SKUs take their stock from warehouse receipts only (409)."""
    errors: dict[str, list[str]] = {}
    new_price = _price(price) if price is not None else None
    if price is not None and new_price is None:
        errors["price"] = [_("Enter a price above zero with at most two decimals.")]
    new_stock = _int(stock, minimum=0) if stock is not None else None
    if stock is not None and new_stock is None:
        errors["stock"] = [_("Stock is a whole number, zero or more.")]
    if errors:
        raise _invalid(errors)
    with transaction.atomic():
        locked = Sku.objects.select_for_update().get(pk=sku.pk)
        if new_stock is not None and locked.fulfilled_by == FulfilledBy.HUB:
            raise ApplicationError(
                code=CatalogErrorCode.HUB_STOCK,
                message=_("Stock of a hub SKU comes from the hub's receipts."),
            )
        if new_price is not None:
            locked.price = new_price
        if new_stock is not None:
            locked.stock = new_stock
        locked.save()
        product_refresh_summary(product_ids=[locked.product_id])
    return locked


# --- Search synonyms (kept by bureau staff) ------------------------------------------------------


def synonym_add(*, term: str, canonical: str) -> Synonym:
    """Add ``term`` as another name of ``canonical``; the search index is rebuilt after commit."""
    term, canonical = (term or "").strip(), (canonical or "").strip()
    errors: dict[str, list[str]] = {}
    if not term:
        errors["term"] = [_("Give the word.")]
    if not canonical:
        errors["canonical"] = [_("Give the word it means.")]
    if term and term == canonical:
        errors["term"] = [_("A word is not a synonym of itself.")]
    if term and Synonym.objects.filter(term=term).exists():
        errors["term"] = [_("This word already has a meaning.")]
    if errors:
        raise _invalid(errors)
    with transaction.atomic():
        synonym = Synonym.objects.create(term=term, canonical=canonical)
        transaction.on_commit(_reindex_later)
    return synonym


def synonym_delete(*, synonym: Synonym) -> None:
    with transaction.atomic():
        synonym.delete()
        transaction.on_commit(_reindex_later)


def _reindex_later() -> None:
    from catalog.tasks import reindex_all_products

    reindex_all_products.delay()


# Percent of its sales that a product counts for in "popularity", by its shop's credit grade: trustworthy
# shops come first among equally relevant results (守信激励), poorly graded ones later. Unrated = B.
GRADE_WEIGHT = {"A": 120, "B": 100, "": 100, "C": 80, "D": 50}


def product_refresh_summary(*, product_ids: list[int]) -> None:
    """Recompute the lowest SKU price, the in-stock flag and the popularity (sales weighted by the shop's
    credit grade) of these products, after any change of their SKUs, sales or shop grade."""
    lowest = Sku.objects.filter(product=OuterRef("pk")).order_by("price").values("price")[:1]
    weight = (
        Vendor.objects.filter(pk=OuterRef("vendor_id"))
        .annotate(
            weight=Case(
                *[When(credit_grade=grade, then=Value(w)) for grade, w in GRADE_WEIGHT.items() if grade],
                default=Value(GRADE_WEIGHT[""]),
                output_field=IntegerField(),
            )
        )
        .values("weight")[:1]
    )
    Product.objects.filter(pk__in=list(product_ids)).update(
        price=Subquery(lowest),
        in_stock=Exists(Sku.objects.filter(product=OuterRef("pk"), stock__gt=0)),
        popularity=F("sales") * Subquery(weight) / 100,
    )


def vendor_products_refresh(*, vendor_id: int) -> int:
    """After a shop's credit grade changed: its products' popularity follows (the credit issue calls it)."""
    ids = list(Product.objects.filter(vendor_id=vendor_id).values_list("pk", flat=True))
    for start in range(0, len(ids), 1000):
        product_refresh_summary(product_ids=ids[start : start + 1000])
    return len(ids)


# --- Stock held and sold by orders ----------------------------------------------------------------


@dataclass(frozen=True)
class StockLine:
    sku_id: int
    quantity: int


def _merged(lines: list[StockLine]) -> list[tuple[int, int]]:
    """Quantities per SKU in SKU-id order: every writer locks SKU rows in the same order (no deadlocks)."""
    totals: dict[int, int] = {}
    for line in lines:
        if line.quantity <= 0:
            raise _invalid({"quantity": [_("Give a quantity above zero.")]})
        totals[line.sku_id] = totals.get(line.sku_id, 0) + line.quantity
    return sorted(totals.items())


def _require_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("stock changes belong inside the caller's transaction")


def stock_reserve(*, lines: list[StockLine]) -> None:
    """Hold units for an unpaid order: each SKU's row is updated only if it has enough (``stock >= n``), in
    SKU-id order, with ``stock >= 0`` enforced by the database behind it; overselling is impossible under
    any concurrency. A short SKU → 409 ``out_of_stock`` naming every short SKU, and the caller's transaction
    rolls back what was taken."""
    _require_transaction()
    short: list[int] = []
    for sku_id, quantity in _merged(lines):
        taken = Sku.objects.filter(pk=sku_id, stock__gte=quantity).update(
            stock=F("stock") - quantity, reserved=F("reserved") + quantity
        )
        if not taken:
            short.append(sku_id)
    if short:
        raise ApplicationError(
            code=CatalogErrorCode.OUT_OF_STOCK,
            message=_("Not enough in stock: %(count)d item(s) cannot be bought in that quantity.")
            % {"count": len(short)},
            extra={"skus": short},
        )
    _refresh_for(sku_ids=[sku_id for sku_id, _q in _merged(lines)])


def stock_release(*, lines: list[StockLine]) -> None:
    """Give held units back to the sellable stock (an unpaid order cancelled or timed out). The caller
    guarantees it happens once (it runs with the order's state change, under the order's lock)."""
    _require_transaction()
    for sku_id, quantity in _merged(lines):
        Sku.objects.filter(pk=sku_id).update(stock=F("stock") + quantity, reserved=F("reserved") - quantity)
    _refresh_for(sku_ids=[sku_id for sku_id, _q in _merged(lines)])


def stock_sell(*, lines: list[StockLine]) -> None:
    """Held units were paid for: they leave ``reserved`` and count as sales of their products."""
    _require_transaction()
    sold: dict[int, int] = {}
    for sku_id, quantity in _merged(lines):
        Sku.objects.filter(pk=sku_id).update(reserved=F("reserved") - quantity)
        product_id = Sku.objects.filter(pk=sku_id).values_list("product_id", flat=True).get()
        sold[product_id] = sold.get(product_id, 0) + quantity
    for product_id, quantity in sorted(sold.items()):
        Product.objects.filter(pk=product_id).update(sales=F("sales") + quantity)
    product_refresh_summary(product_ids=list(sold))


def stock_return(*, lines: list[StockLine]) -> None:
    """Paid units come back before shipping (a refund or cancellation of a paid order): they are sellable
    again and no longer count as sales."""
    _require_transaction()
    returned: dict[int, int] = {}
    for sku_id, quantity in _merged(lines):
        Sku.objects.filter(pk=sku_id).update(stock=F("stock") + quantity)
        product_id = Sku.objects.filter(pk=sku_id).values_list("product_id", flat=True).get()
        returned[product_id] = returned.get(product_id, 0) + quantity
    for product_id, quantity in sorted(returned.items()):
        Product.objects.filter(pk=product_id).update(sales=Greatest(F("sales") - quantity, 0))
    product_refresh_summary(product_ids=list(returned))


def _refresh_for(*, sku_ids: list[int]) -> None:
    product_ids = list(Sku.objects.filter(pk__in=sku_ids).values_list("product_id", flat=True).distinct())
    product_refresh_summary(product_ids=product_ids)


def product_rating_set(*, product_id: int, rating: Decimal | None, count: int) -> None:
    """The orders app reports a product's rating after each review (catalog only shows it)."""
    Product.objects.filter(pk=product_id).update(rating=rating, rating_count=count)


def hub_stock_receive(*, sku_id: int, quantity: int) -> None:
    """The hub received ``quantity`` units of a hub-fulfilled SKU: they become sellable. Inside the caller's
    transaction (logistics records the receipt with it), then the product's summary follows."""
    _require_transaction()
    if quantity <= 0:
        raise _invalid({"quantity": [_("Give a quantity above zero.")]})
    updated = Sku.objects.filter(pk=sku_id, fulfilled_by=FulfilledBy.HUB).update(stock=F("stock") + quantity)
    if not updated:
        raise ApplicationError(
            code=CatalogErrorCode.HUB_STOCK, message=_("Only SKUs shipped from the hub take hub receipts.")
        )
    _refresh_for(sku_ids=[sku_id])


def hub_stock_remove(*, sku_id: int, quantity: int) -> None:
    """Units the hub held leave the sellable stock (a lot blocked at the hub), never below zero."""
    _require_transaction()
    if quantity <= 0:
        return
    Sku.objects.filter(pk=sku_id, fulfilled_by=FulfilledBy.HUB).update(
        stock=Greatest(F("stock") - quantity, 0)
    )
    _refresh_for(sku_ids=[sku_id])
