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
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("warehouse lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Told of exceptions and of tasks at risk of missing their deadline."),
    )

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
    express_surcharge = MoneyField(_("express surcharge"), default=8)
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
                condition=Q(first_fee__gte=0)
                & Q(additional_fee__gte=0)
                & Q(cold_chain_surcharge__gte=0)
                & Q(express_surcharge__gte=0),
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
    # Units held for claimed tasks (picks), still in the bin until their parcel ships.
    allocated = models.IntegerField(_("held for picking"), default=0)

    class Meta:
        ordering = ["warehouse_id", "sku_id", "bin_id", "batch_id"]
        verbose_name = _("hub stock")
        verbose_name_plural = _("hub stock")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=0), name="hub_stock_not_negative"),
            models.CheckConstraint(
                condition=Q(allocated__gte=0) & Q(allocated__lte=F("quantity")),
                name="hub_stock_allocated_range",
            ),
            models.UniqueConstraint(
                fields=["warehouse", "sku", "batch", "bin"], name="hub_stock_once", nulls_distinct=False
            ),
        ]
        indexes = [models.Index(fields=["sku", "warehouse"], name="hub_stock_sku")]

    def __str__(self) -> str:
        return f"{self.sku_id}@{self.bin_id}: {self.quantity}"


# --- The fulfillment queue -----------------------------------------------------------------------------


class TaskPriority(models.IntegerChoices):
    """Lower goes first: express parcels, then cold chain, then the rest."""

    EXPRESS = 1, pgettext_lazy("task priority", "express")
    COLD_CHAIN = 2, pgettext_lazy("task priority", "cold chain")
    STANDARD = 3, pgettext_lazy("task priority", "standard")


PRIORITY_CODES = {
    TaskPriority.EXPRESS: "express",
    TaskPriority.COLD_CHAIN: "cold_chain",
    TaskPriority.STANDARD: "standard",
}


class TaskStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("task status", "queued")
    CLAIMED = "claimed", pgettext_lazy("task status", "claimed")
    PICKED = "picked", pgettext_lazy("task status", "picked")
    PACKED = "packed", pgettext_lazy("task status", "packed")
    SHIPPED = "shipped", pgettext_lazy("task status", "shipped")
    EXCEPTION = "exception", pgettext_lazy("task status", "exception")
    CANCELLED = "cancelled", pgettext_lazy("task status", "cancelled")


class ExceptionKind(models.TextChoices):
    SHORT_PICK = "short_pick", _("short pick (fewer units in the bin)")
    DAMAGE = "damage", _("damaged goods")
    STOCK_SHORT = "stock_short", _("not enough hub stock to pick")
    OTHER = "other", _("other")


class FulfillmentTask(models.Model):
    """Picking, packing and shipping one paid order at a warehouse. Logistics knows no orders: the task
    carries the order's id and number and a copy of its lines and destination."""

    # Foreign keys without their own index where another index leads with them or they are rarely looked
    # up: every claim rewrites the task's row, and each index costs the claim an entry.
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="tasks", db_index=False)
    order_ref = models.BigIntegerField(_("order id"), unique=True)
    order_number = models.CharField(_("order number"), max_length=32)
    vendor = models.ForeignKey("vendors.Vendor", on_delete=models.PROTECT, related_name="+", db_index=False)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=TaskPriority.choices)
    status = models.CharField(
        _("status"), max_length=9, choices=TaskStatus.choices, default=TaskStatus.QUEUED
    )
    storage = models.CharField(_("storage"), max_length=8, choices=Storage.choices, default=Storage.AMBIENT)
    paid_at = models.DateTimeField(_("paid at"))
    deadline = models.DateTimeField(_("ship by"))
    recipient = models.CharField(_("recipient"), max_length=40)
    phone = models.CharField(_("phone"), max_length=11)
    province_code = models.CharField(max_length=6)
    city_code = models.CharField(max_length=6, blank=True)
    county_code = models.CharField(max_length=6, blank=True)
    address_detail = models.CharField(_("street address"), max_length=200)
    note = models.CharField(_("note"), max_length=200, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_expires_at = models.DateTimeField(null=True, blank=True)
    claims = models.PositiveIntegerField(_("times claimed"), default=0)
    weight_grams = models.PositiveIntegerField(_("weight (g)"), null=True, blank=True)
    packages = models.PositiveSmallIntegerField(_("parcels"), null=True, blank=True)
    carrier = models.CharField(_("carrier"), max_length=8, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=40, blank=True)
    exception_kind = models.CharField(max_length=12, choices=ExceptionKind.choices, blank=True)
    exception_reason = models.CharField(_("exception"), max_length=500, blank=True)
    at_risk_at = models.DateTimeField(_("flagged at risk"), null=True, blank=True)
    overdue_at = models.DateTimeField(_("flagged overdue"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    picked_at = models.DateTimeField(null=True, blank=True)
    packed_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["priority", "deadline", "id"]
        verbose_name = _("fulfillment task")
        verbose_name_plural = _("fulfillment tasks")
        indexes = [
            # The claim: the next queued task of a warehouse by priority, then deadline.
            models.Index(
                fields=["warehouse", "priority", "deadline", "id"],
                name="task_queue",
                condition=Q(status="queued"),
            ),
            models.Index(fields=["status", "deadline"], name="task_status_deadline"),
            models.Index(
                fields=["claim_expires_at"],
                name="task_claim_expiry",
                condition=Q(status__in=["claimed", "picked"]),
            ),
            models.Index(fields=["claimed_by", "status"], name="task_worker"),
            models.Index(
                fields=["warehouse", "shipped_at"], name="task_shipped", condition=Q(status="shipped")
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["claimed", "picked", "packed"], claimed_by__isnull=False)
                | ~Q(status__in=["claimed", "picked", "packed"]),
                name="task_claimed_has_worker",
            ),
            models.CheckConstraint(
                condition=~Q(status="shipped") | ~Q(tracking_number=""), name="task_shipped_has_tracking"
            ),
        ]

    def __str__(self) -> str:
        return f"task {self.pk} {self.order_number} {self.status}"

    @property
    def priority_code(self) -> str:
        return PRIORITY_CODES[TaskPriority(self.priority)]


class TaskLine(models.Model):
    """What the task ships of one SKU (a copy of the order line)."""

    task = models.ForeignKey(FulfillmentTask, on_delete=models.CASCADE, related_name="lines")
    order_item_ref = models.BigIntegerField()
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    product_name = models.CharField(max_length=80)
    spec = models.CharField(max_length=60)
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        ordering = ["task_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="task_line_quantity_positive")
        ]

    def __str__(self) -> str:
        return f"{self.task_id}: {self.sku_id} × {self.quantity}"


class Pick(models.Model):
    """Units of a task line to take from one bin (and lot), chosen when the task is claimed: first expiry
    first out, then the oldest harvest. The units are held on the hub stock row (``allocated``) until the
    parcel ships or the claim ends."""

    line = models.ForeignKey(TaskLine, on_delete=models.CASCADE, related_name="picks")
    stock = models.ForeignKey(HubStock, on_delete=models.PROTECT, related_name="picks")
    bin = models.ForeignKey(Bin, on_delete=models.PROTECT, related_name="+", db_index=False)
    batch = models.ForeignKey(
        "catalog.Batch", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    picked_quantity = models.PositiveIntegerField(_("picked"), null=True, blank=True)

    class Meta:
        ordering = ["line_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="pick_quantity_positive"),
            models.CheckConstraint(
                condition=Q(picked_quantity__isnull=True) | Q(picked_quantity__lte=F("quantity")),
                name="pick_picked_le_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line_id}@{self.bin_id}: {self.quantity}"


class TaskEvent(models.Model):
    """Every step of a task: who, when, from, to, note."""

    task = models.ForeignKey(FulfillmentTask, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=9, blank=True)
    to_status = models.CharField(max_length=9, choices=TaskStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["task_id", "id"]

    def __str__(self) -> str:
        return f"{self.task_id}: {self.from_status} → {self.to_status}"


# --- Shipments and their tracking ------------------------------------------------------------------------


class ShipmentStatus(models.TextChoices):
    SHIPPED = "shipped", pgettext_lazy("shipment status", "handed to the carrier")
    IN_TRANSIT = "in_transit", pgettext_lazy("shipment status", "in transit")
    OUT_FOR_DELIVERY = "out_for_delivery", pgettext_lazy("shipment status", "out for delivery")
    DELIVERED = "delivered", pgettext_lazy("shipment status", "delivered")


class Shipment(models.Model):
    """A parcel on its way to a buyer, from the hub or from a shop, with the carrier's tracking events."""

    order_ref = models.BigIntegerField(_("order id"), unique=True)
    order_number = models.CharField(_("order number"), max_length=32)
    vendor = models.ForeignKey("vendors.Vendor", on_delete=models.PROTECT, related_name="+")
    task = models.OneToOneField(
        FulfillmentTask, null=True, blank=True, on_delete=models.PROTECT, related_name="shipment"
    )
    carrier = models.CharField(_("carrier"), max_length=8)
    tracking_number = models.CharField(_("tracking number"), max_length=40)
    status = models.CharField(
        _("status"), max_length=16, choices=ShipmentStatus.choices, default=ShipmentStatus.SHIPPED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        constraints = [
            models.UniqueConstraint(fields=["carrier", "tracking_number"], name="shipment_tracking_once"),
        ]

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_number}"


class ShipmentEvent(models.Model):
    """A tracking event, reported by warehouse staff, the shop or the carrier (webhook)."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(_("status"), max_length=16, choices=ShipmentStatus.choices)
    occurred_at = models.DateTimeField(_("when"))
    location = models.CharField(_("where"), max_length=100, blank=True)
    # Where it happened: a warehouse of ours (its name shown in the reader's language) or the carrier's words.
    warehouse = models.ForeignKey(
        Warehouse, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(max_length=16)  # "warehouse", "shop", "carrier"
    external_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001 - NULLs stay distinct
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["shipment_id", "occurred_at", "id"]
        constraints = [
            # A carrier's event id arrives once, however often the webhook is retried.
            models.UniqueConstraint(fields=["shipment", "external_id"], name="shipment_event_once"),
        ]

    def __str__(self) -> str:
        return f"{self.shipment_id}: {self.status}"

    @property
    def place(self) -> str:
        return self.warehouse.display_name if self.warehouse is not None else self.location
