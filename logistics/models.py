"""Warehouses and their bins, the hub's shipping-fee table, the shops' own fee rules, inbound consignments
and the hub's stock by SKU, lot and bin."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from catalog.models import Storage
from gansu_mall.core.money import MoneyField

HUB_CODE = "LZXQ"  # the Lanzhou New Area hub (GLOSSARY)


class Warehouse(models.Model):
    """A warehouse of the platform: the Lanzhou New Area hub, later perhaps a cold store."""

    code = models.CharField(_("code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=100)
    county = models.ForeignKey(
        "regions.Region",
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        limit_choices_to={"level": "county"},
        related_name="+",
    )
    cold_chain = models.BooleanField(_("cold chain"), default=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")

    def __str__(self) -> str:
        return f"{self.code} {self.display_name}"

    @property
    def display_name(self) -> str:
        return self.name_en if translation.get_language() == "en" else self.name


class Bin(models.Model):
    """A storage location in a warehouse (aisle-rack-level, e.g. ``A-01-01``) in one temperature zone."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="bins")
    code = models.CharField(_("code"), max_length=20)
    zone = models.CharField(_("zone"), max_length=8, choices=Storage.choices, default=Storage.AMBIENT)

    class Meta:
        ordering = ["warehouse_id", "code"]
        verbose_name = _("bin")
        verbose_name_plural = _("bins")
        constraints = [models.UniqueConstraint(fields=["warehouse", "code"], name="bin_code_per_warehouse")]

    def __str__(self) -> str:
        return self.code


class ShippingRate(models.Model):
    """What a parcel from a warehouse to a province costs: the first weight, then each further unit of
    weight (begun units count in full), plus a surcharge for cold chain where it is available."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="rates")
    province = models.ForeignKey(
        "regions.Region",
        verbose_name=_("province"),
        on_delete=models.PROTECT,
        limit_choices_to={"level": "province"},
        related_name="+",
    )
    first_weight_grams = models.PositiveIntegerField(_("first weight (g)"), default=1000)
    first_fee = MoneyField(_("first-weight fee"))
    additional_unit_grams = models.PositiveIntegerField(_("additional weight unit (g)"), default=1000)
    additional_fee = MoneyField(_("fee per additional unit"))
    cold_chain_surcharge = MoneyField(_("cold chain surcharge"), default=0)
    remote = models.BooleanField(_("remote area"), default=False)
    cold_chain_available = models.BooleanField(_("cold chain available"), default=True)
    days = models.PositiveSmallIntegerField(_("estimated delivery days"))
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["warehouse_id", "province_id"]
        verbose_name = _("shipping rate")
        verbose_name_plural = _("shipping rates")
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "province"], name="shipping_rate_per_province"),
            models.CheckConstraint(
                condition=Q(first_fee__gte=0) & Q(additional_fee__gte=0) & Q(cold_chain_surcharge__gte=0),
                name="shipping_rate_fees_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(first_weight_grams__gt=0) & Q(additional_unit_grams__gt=0),
                name="shipping_rate_weights_positive",
            ),
            models.CheckConstraint(condition=Q(days__gt=0), name="shipping_rate_days_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.warehouse_id} → {self.province_id}"


class ShopShippingRule(models.Model):
    """What a shop charges per order for the SKUs it ships itself. Without a rule the platform's flat fee
    (``ORDER_FLAT_SHIPPING_FEE``) applies."""

    vendor = models.OneToOneField("vendors.Vendor", on_delete=models.CASCADE, related_name="shipping_rule")
    fee = MoneyField(_("shipping fee per order"))
    # Orders whose items total reaches this amount ship free (the remote-area surcharge still applies).
    free_over = MoneyField(_("free shipping from"), null=True, blank=True)
    remote_surcharge = MoneyField(_("remote-area surcharge"), default=0)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("shop shipping rule")
        verbose_name_plural = _("shop shipping rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(fee__gte=0)
                & Q(remote_surcharge__gte=0)
                & (Q(free_over__isnull=True) | Q(free_over__gte=0)),
                name="shop_shipping_rule_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"shipping rule of {self.vendor_id}"


# --- Inbound consignments and hub stock ----------------------------------------------------------------


class InboundStatus(models.TextChoices):
    ANNOUNCED = "announced", pgettext_lazy("inbound status", "announced")
    RECEIVED = "received", pgettext_lazy("inbound status", "received")


class InboundShipment(models.Model):
    """A consignment a shop sends to a warehouse: announced by the shop, counted and put away by the
    warehouse (logistics.inbound)."""

    vendor = models.ForeignKey("vendors.Vendor", on_delete=models.PROTECT, related_name="inbound_shipments")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="inbound_shipments")
    status = models.CharField(
        _("status"), max_length=9, choices=InboundStatus.choices, default=InboundStatus.ANNOUNCED
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    received_at = models.DateTimeField(null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("inbound consignment")
        verbose_name_plural = _("inbound consignments")
        indexes = [
            models.Index(fields=["vendor", "-created_at"], name="inbound_vendor_created"),
            models.Index(fields=["status", "created_at"], name="inbound_status_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=InboundStatus.ANNOUNCED, received_at__isnull=True)
                | Q(status=InboundStatus.RECEIVED, received_at__isnull=False),
                name="inbound_received_at_iff_received",
            ),
        ]

    def __str__(self) -> str:
        return f"inbound {self.pk} {self.status}"


class InboundLine(models.Model):
    """What the shop announced of one SKU (and lot), and what the warehouse counted and where it put it."""

    shipment = models.ForeignKey(InboundShipment, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(
        "catalog.Batch", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(_("announced quantity"))
    received_quantity = models.PositiveIntegerField(_("received quantity"), null=True, blank=True)
    bin = models.ForeignKey(Bin, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["shipment_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="inbound_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(received_quantity__isnull=True) | Q(received_quantity__lte=F("quantity")),
                name="inbound_line_received_le_announced",
            ),
            models.UniqueConstraint(
                fields=["shipment", "sku", "batch"], name="inbound_line_once", nulls_distinct=False
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shipment_id}: {self.sku_id} × {self.quantity}"

    @property
    def short(self) -> int:
        """Units announced but not received (0 until counted)."""
        return 0 if self.received_quantity is None else self.quantity - self.received_quantity


class HubStock(models.Model):
    """Units of a SKU (and lot) lying in one bin of a warehouse."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="stock")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(
        "catalog.Batch", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    bin = models.ForeignKey(Bin, on_delete=models.PROTECT, related_name="stock")
    quantity = models.IntegerField(_("quantity"), default=0)

    class Meta:
        ordering = ["warehouse_id", "sku_id", "bin_id", "batch_id"]
        verbose_name = _("hub stock")
        verbose_name_plural = _("hub stock")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=0), name="hub_stock_not_negative"),
            models.UniqueConstraint(
                fields=["warehouse", "sku", "batch", "bin"], name="hub_stock_once", nulls_distinct=False
            ),
        ]
        indexes = [models.Index(fields=["sku", "warehouse"], name="hub_stock_sku")]

    def __str__(self) -> str:
        return f"{self.sku_id}@{self.bin_id}: {self.quantity}"
