"""Warehouses and their bins, the hub's shipping-fee table and the shops' own fee rules."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

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
