"""Users, their roles and the areas some roles are scoped to."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gansu_mall.accounts.validators import validate_china_mobile


class Role(models.TextChoices):
    """Platform roles of API.md. ``consumer`` belongs to everyone and is never stored."""

    CONSUMER = "consumer", _("Consumer")
    INFO_OFFICER = "info_officer", _("Information officer")
    WAREHOUSE = "warehouse", _("Warehouse staff")
    BUREAU = "bureau", _("Commerce bureau staff")
    DEPARTMENT = "department", _("Government department")
    ADMIN = "admin", _("Platform administrator")


STORED_ROLES = [role for role in Role if role != Role.CONSUMER]
SCOPED_ROLES = frozenset({Role.INFO_OFFICER, Role.BUREAU})


class Language(models.TextChoices):
    """The language a person reads: emails and text messages to them are written in it."""

    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"


class Department(models.Model):
    """A government department that shares credit records (market regulation, tax, agriculture …)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who signs in. Shop membership is per shop (vendors), not a role."""

    phone = models.CharField(_("mobile phone"), max_length=11, blank=True, validators=[validate_china_mobile])
    language = models.CharField(
        _("language"), max_length=10, choices=Language.choices, default=Language.ZH_HANS
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    # Information officers and bureau staff may be limited to prefectures and counties; none means
    # province-wide for bureau staff (an information officer always has at least one county).
    scope_regions = models.ManyToManyField(
        "regions.Region", verbose_name=_("scope"), blank=True, related_name="scoped_users"
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(fields=["phone"], condition=~Q(phone=""), name="user_phone_unique"),
        ]

    @property
    def role_names(self) -> list[str]:
        """``consumer`` plus the stored roles, in the order of :class:`Role`."""
        stored = {grant.role for grant in self.role_grants.all()}
        return [Role.CONSUMER.value] + [role.value for role in STORED_ROLES if role in stored]

    def has_role(self, role: str) -> bool:
        if role == Role.CONSUMER:
            return self.is_authenticated
        return role in self.role_names


class RoleGrant(models.Model):
    """A role held by a user, who granted it and when."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(_("role"), max_length=20, choices=[(r.value, r.label) for r in STORED_ROLES])
    granted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user_id", "role"]
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="role_grant_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.role}"
