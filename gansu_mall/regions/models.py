"""GB/T 2260 administrative divisions: all provinces of China, Gansu down to its counties."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    PREFECTURE = "prefecture", _("Prefecture")
    COUNTY = "county", _("County")


class Region(models.Model):
    """One division, identified by its six-digit code (``621221`` = 成县).

    Counties are county-level units (districts, counties, county-level cities, autonomous counties).
    ``special_zone`` marks units that carry a statistical code but are not GB/T 2260 counties: the
    Lanzhou New Area (``620171``) and Jiayuguan's placeholder (``620201``). They are county-level for
    addresses and origins, and flagged so that reports can tell them apart.
    """

    code = models.CharField(_("code"), max_length=6, primary_key=True)
    name = models.CharField(_("name"), max_length=64)
    name_en = models.CharField(_("English name"), max_length=128)
    level = models.CharField(_("level"), max_length=12, choices=RegionLevel.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    division_type = models.CharField(_("division type"), max_length=40)
    special_zone = models.BooleanField(_("special zone"), default=False)
    outside_mainland = models.BooleanField(_("outside mainland"), default=False)
    note = models.CharField(_("note"), max_length=255, blank=True)
    # Set by commerce-bureau staff only, with a source; the platform seeds no such claims.
    poverty_relief = models.BooleanField(_("poverty-relief county"), default=False, db_index=True)
    poverty_relief_source = models.CharField(
        _("source of the poverty-relief flag"), max_length=255, blank=True
    )
    poverty_relief_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    poverty_relief_set_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9]{6}$"), name="region_code_six_digits"
            ),
            models.CheckConstraint(
                condition=models.Q(poverty_relief=False) | models.Q(level=RegionLevel.COUNTY),
                name="region_poverty_relief_only_counties",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.code})"

    @property
    def display_name(self) -> str:
        """The name in the active language."""
        return self.name_en if translation.get_language() == "en" else self.name

    @property
    def province_code(self) -> str:
        return self.code[:2] + "0000"

    @property
    def prefecture_code(self) -> str | None:
        return None if self.level == RegionLevel.PROVINCE else self.code[:4] + "00"


class RegionFlagChange(models.Model):
    """Who changed a county's poverty-relief flag, when, and on what source (append-only)."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="flag_changes")
    poverty_relief = models.BooleanField()
    source = models.CharField(max_length=255, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.region_id} poverty_relief={self.poverty_relief} at {self.changed_at:%Y-%m-%d %H:%M}"
