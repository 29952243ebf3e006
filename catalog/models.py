"""Categories, products and their SKUs."""

from __future__ import annotations

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gansu_mall.core.models import TimeStampedModel
from gansu_mall.core.money import MoneyField
from vendors.models import QualificationKind


class Category(models.Model):
    """A node of the category tree. ``qualification`` names the licence a shop needs to list here
    (inherited by sub-categories that name none)."""

    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=40)
    name_en = models.CharField(_("English name"), max_length=60)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent"),
    )
    qualification = models.CharField(
        _("qualification needed"), max_length=16, choices=QualificationKind.choices, blank=True
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "slug"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name_en if translation.get_language() == "en" else self.name


class Storage(models.TextChoices):
    AMBIENT = "ambient", _("ambient")
    CHILLED = "chilled", _("chilled")
    FROZEN = "frozen", _("frozen")


class ProductStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("product status", "draft")
    ACTIVE = "active", pgettext_lazy("product status", "on sale")
    INACTIVE = "inactive", pgettext_lazy("product status", "withdrawn")


class Product(TimeStampedModel):
    vendor = models.ForeignKey("vendors.Vendor", on_delete=models.PROTECT, related_name="products")
    name = models.CharField(_("name"), max_length=80)
    name_en = models.CharField(_("English name"), max_length=120, blank=True)
    description = models.TextField(_("description"), blank=True, max_length=10000)
    description_en = models.TextField(_("English description"), blank=True, max_length=10000)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    origin_county = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="products")
    storage = models.CharField(_("storage"), max_length=8, choices=Storage.choices, default=Storage.AMBIENT)
    shelf_life_days = models.PositiveIntegerField(_("shelf life (days)"), null=True, blank=True)
    gi_certificate = models.CharField(_("geographical indication"), max_length=120, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=ProductStatus.choices, default=ProductStatus.DRAFT
    )
    sales = models.PositiveIntegerField(_("units sold"), default=0)
    # Sales weighted by the shop's credit grade (catalog.services.product_refresh_summary): the order of
    # search results after relevance, and of the storefront's "popular" lists.
    popularity = models.PositiveIntegerField(default=0)
    # Average of the buyers' ratings (1–5) and how many there are, kept by the orders app's reviews.
    rating = models.DecimalField(_("rating"), max_digits=3, decimal_places=2, null=True, blank=True)
    rating_count = models.PositiveIntegerField(_("reviews"), default=0)
    # Derived from the SKUs and kept current by catalog.services.product_refresh_summary, so that lists
    # sort and filter on indexed columns instead of aggregating every SKU on every request.
    price = MoneyField(_("lowest price"), null=True, blank=True, db_index=True)
    in_stock = models.BooleanField(_("in stock"), default=False, db_index=True)
    # Pre-segmented words, pinyin and English of the product, its category, county and shop, with synonyms
    # expanded (catalog/search.py). On PostgreSQL the tsvector below is built from it and GIN-indexed.
    search_text = models.TextField(blank=True, default="")
    search_vector = SearchVectorField(null=True, blank=True)
    # The same for the product's own names only: a match here ranks above a match of category or county.
    search_name = models.TextField(blank=True, default="")
    name_vector = SearchVectorField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The list's sort indexes carry the shop (INCLUDE, PostgreSQL): a page of ids is read off the
            # index alone, without visiting every product row before it (the shop's status is checked).
            models.Index(fields=["status", "-sales", "-id"], name="product_status_sales", include=["vendor"]),
            models.Index(fields=["status", "-popularity", "-id"], name="product_status_popularity"),
            # The sort options of the list (catalog.filters.ProductFilter.ordering) each have an index; those
            # of price and rating need NULLS LAST, which SQLite cannot index: see migration 0010.
            models.Index(
                fields=["status", "-created_at", "-id"], name="product_status_created", include=["vendor"]
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def poverty_relief(self) -> bool:
        """Derived from the origin county's flag, which bureau staff set."""
        return self.origin_county.poverty_relief

    @property
    def perishable(self) -> bool:
        """Chilled or frozen goods, and anything with a shelf life: their lots carry a best-before date and
        ship first-expiry-first-out."""
        return self.storage != Storage.AMBIENT or self.shelf_life_days is not None


class Synonym(models.Model):
    """A word that means the same as a canonical one in search (黄耆 → 黄芪, 岷归 → 当归); bureau staff keep it."""

    term = models.CharField(_("term"), max_length=40, unique=True)
    canonical = models.CharField(_("canonical term"), max_length=40, db_index=True)

    class Meta:
        ordering = ["canonical", "term"]
        verbose_name = _("search synonym")
        verbose_name_plural = _("search synonyms")

    def __str__(self) -> str:
        return f"{self.term} → {self.canonical}"


def _image_path(instance: object, filename: str) -> str:
    return f"products/{timezone.now():%Y/%m}/{filename}"


class ProductImage(models.Model):
    """A photo of a product, re-encoded on upload; WebP thumbnails are made by a Celery task after commit.
    File names are unique (uuid), so the files can be cached for a year."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(_("image"), upload_to=_image_path)
    thumb_small = models.ImageField(upload_to=_image_path, blank=True)  # 240 px
    thumb_large = models.ImageField(upload_to=_image_path, blank=True)  # 800 px
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.product_id} #{self.position}"


class FulfilledBy(models.TextChoices):
    VENDOR = "vendor", _("shipped by the shop")
    HUB = "hub", _("shipped from the Lanzhou New Area hub")


class Sku(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="skus")
    vendor = models.ForeignKey("vendors.Vendor", on_delete=models.PROTECT, related_name="skus")
    code = models.CharField(_("SKU code"), max_length=40)
    spec = models.CharField(_("spec"), max_length=60)
    price = MoneyField(_("price"))
    stock = models.IntegerField(_("stock"), default=0)
    # Units held for orders not yet paid (already taken out of ``stock``, which is what can be bought now).
    reserved = models.IntegerField(_("reserved"), default=0)
    weight_grams = models.PositiveIntegerField(_("weight (g)"))
    fulfilled_by = models.CharField(
        _("fulfilled by"), max_length=6, choices=FulfilledBy.choices, default=FulfilledBy.VENDOR
    )

    class Meta:
        ordering = ["product_id", "price", "id"]
        constraints = [
            models.UniqueConstraint(fields=["vendor", "code"], name="sku_code_unique_per_shop"),
            models.CheckConstraint(condition=Q(stock__gte=0), name="sku_stock_not_negative"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="sku_reserved_not_negative"),
            models.CheckConstraint(condition=Q(price__gt=0), name="sku_price_positive"),
            models.CheckConstraint(condition=Q(weight_grams__gt=0), name="sku_weight_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.spec}"


class Batch(models.Model):
    """One harvest or processing lot of a SKU, with a public trace code (追溯码)."""

    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="batches")
    vendor = models.ForeignKey("vendors.Vendor", on_delete=models.PROTECT, related_name="batches")
    trace_code = models.CharField(_("trace code"), max_length=20, unique=True)
    lot_code = models.CharField(_("lot code"), max_length=40, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    # What is left of the lot: allocations (catalog.trace.batches_allocate, first expiry first out) take
    # from it; blocking (failed inspection, expiry) takes what is left out of the SKU's sellable stock.
    remaining = models.PositiveIntegerField(_("remaining"), default=0)
    origin_county = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    base_name = models.CharField(_("production base"), max_length=100)
    harvested_on = models.DateField(_("harvested or processed on"))
    expires_on = models.DateField(_("best before"), null=True, blank=True)
    blocked = models.BooleanField(_("blocked"), default=False)
    blocked_reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-harvested_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="batch_quantity_positive"),
            models.CheckConstraint(
                condition=Q(remaining__lte=F("quantity")), name="batch_remaining_le_quantity"
            ),
        ]
        indexes = [models.Index(fields=["sku", "expires_on"], name="batch_sku_expiry")]

    def __str__(self) -> str:
        return self.trace_code

    @property
    def expired(self) -> bool:
        return self.expires_on is not None and self.expires_on <= timezone.localdate()


class EventType(models.TextChoices):
    """After GS1 EPCIS business steps: commissioning (harvest), transforming (process), inspecting, storing, shipping."""

    HARVEST = "harvest", _("harvest")
    PROCESS = "process", _("processing")
    INSPECT = "inspect", _("inspection")
    STORE = "store", _("warehousing")
    SHIP = "ship", _("shipping")


class InspectionResult(models.TextChoices):
    PASS = "pass", _("passed")
    FAIL = "fail", _("failed")


class BatchEvent(models.Model):
    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="events")
    event_type = models.CharField(_("event"), max_length=8, choices=EventType.choices)
    occurred_at = models.DateTimeField(_("when"))
    location = models.CharField(_("where"), max_length=120)
    summary = models.CharField(_("what"), max_length=500)
    result = models.CharField(_("result"), max_length=4, choices=InspectionResult.choices, blank=True)
    document = models.ImageField(_("evidence"), upload_to=_image_path, blank=True)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.batch_id} {self.event_type}"
