"""Writes to accounts: registration, roles, scopes, departments."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from gansu_mall.accounts.models import (
    SCOPED_ROLES,
    STORED_ROLES,
    Department,
    Language,
    Role,
    RoleGrant,
    User,
)
from gansu_mall.accounts.validators import normalize_china_mobile, validate_china_mobile
from gansu_mall.core.errors import invalid as _invalid
from gansu_mall.regions.models import Region

USERNAME_MAX = 150


def _clean_identity(*, username: str, email: str, phone: str) -> tuple[str, str, str, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    username = (username or "").strip()
    email = (email or "").strip().lower()
    phone = normalize_china_mobile(phone or "")
    try:
        User.username_validator(username)
        if not username or len(username) > USERNAME_MAX:
            raise ValidationError(_("Enter a user name of 1 to 150 characters."))
    except ValidationError as exc:
        errors["username"] = [str(m) for m in exc.messages]
    else:
        if User.objects.filter(username__iexact=username).exists():
            errors["username"] = [_("This user name is taken.")]
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            errors["email"] = [str(m) for m in exc.messages]
    if phone:
        try:
            validate_china_mobile(phone)
        except ValidationError as exc:
            errors["phone"] = [str(m) for m in exc.messages]
        else:
            if User.objects.filter(phone=phone).exists():
                errors["phone"] = [_("This mobile number belongs to another account.")]
    return username, email, phone, errors


def language_supported(code: str | None) -> str:
    """The reading language (:class:`Language`) closest to a language code: ``en``/``en-us`` → ``en``,
    ``zh``/``zh-cn``/``zh-hans`` → ``zh-hans``; anything else (or none) → the default, ``zh-hans``."""
    code = (code or "").strip().lower().replace("_", "-")
    if code == Language.EN or code.startswith("en-"):
        return Language.EN
    return Language.ZH_HANS


def user_register(
    *, username: str, password: str, email: str = "", phone: str = "", language: str | None = None
) -> User:
    """Create a consumer account after checking name, password strength, email and phone. ``language``
    (the language their emails and text messages are written in) defaults to the active language — the
    one the person signed up in."""
    username, email, phone, errors = _clean_identity(username=username, email=email, phone=phone)
    language = language_supported(language or translation.get_language())
    candidate = User(username=username, email=email, phone=phone, language=language)
    try:
        password_validation.validate_password(password or "", user=candidate)
    except ValidationError as exc:
        errors["password"] = [str(m) for m in exc.messages]
    if errors:
        raise _invalid(errors)
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                username=username, email=email, password=password, phone=phone, language=language
            )
    except IntegrityError as exc:  # a concurrent registration took the name or phone
        raise _invalid({"username": [_("This user name is taken.")]}) from exc
    return user


def user_set_language(*, user: User, language: str) -> User:
    """Set the language a person's emails and text messages are written in (one of :class:`Language`)."""
    if language not in Language.values:
        raise _invalid({"language": [_("Choose one of the offered languages.")]})
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language
    return user


def department_get_or_create(*, name: str) -> Department:
    name = name.strip()
    if not name:
        raise _invalid({"department": [_("Name the department.")]})
    department, _created = Department.objects.get_or_create(name=name)
    return department


def _resolve_scope(codes: Iterable[str]) -> list[Region]:
    codes = [c.strip() for c in codes if c.strip()]
    regions = list(
        Region.objects.filter(code__in=codes, code__startswith="62", level__in=["prefecture", "county"])
    )
    unknown = sorted(set(codes) - {r.code for r in regions})
    if unknown:
        raise _invalid(
            {"county": [_("Not a prefecture or county of Gansu: %(codes)s") % {"codes": ", ".join(unknown)}]}
        )
    return regions


def user_set_roles(
    *,
    user: User,
    roles: Iterable[str],
    scope_codes: Iterable[str] = (),
    department: Department | None = None,
    granted_by: User | None = None,
) -> User:
    """Give ``user`` exactly these roles (``consumer`` is implicit), with a scope and a department.

    Scopes are for information officers (required) and bureau staff (optional: none is province-wide);
    a department account needs its department. ``admin`` makes the user Django-admin staff.
    """
    wanted = {str(r) for r in roles} - {Role.CONSUMER.value}
    unknown = wanted - {r.value for r in STORED_ROLES}
    if unknown:
        raise _invalid({"role": [_("Unknown role: %(roles)s") % {"roles": ", ".join(sorted(unknown))}]})
    scope = _resolve_scope(scope_codes)
    if scope and not (wanted & SCOPED_ROLES):
        raise _invalid({"county": [_("Only information officers and bureau staff have a scope.")]})
    if Role.INFO_OFFICER in wanted and not scope:
        raise _invalid({"county": [_("An information officer serves at least one county.")]})
    if Role.DEPARTMENT in wanted and department is None:
        raise _invalid({"department": [_("A department account needs its department.")]})
    if department is not None and Role.DEPARTMENT not in wanted:
        raise _invalid({"department": [_("Only department accounts belong to a department.")]})
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        RoleGrant.objects.filter(user=user).exclude(role__in=wanted).delete()
        existing = set(RoleGrant.objects.filter(user=user).values_list("role", flat=True))
        RoleGrant.objects.bulk_create(
            [RoleGrant(user=user, role=role, granted_by=granted_by) for role in sorted(wanted - existing)]
        )
        user.scope_regions.set(scope)
        user.department = department
        is_admin = Role.ADMIN in wanted
        user.is_staff = is_admin
        user.is_superuser = is_admin
        user.save(update_fields=["department", "is_staff", "is_superuser"])
    return user


def user_create(
    *,
    username: str,
    password: str,
    email: str = "",
    phone: str = "",
    roles: Iterable[str] = (),
    scope_codes: Iterable[str] = (),
    department_name: str = "",
    validate_password: bool = True,
) -> User:
    """Create a user with roles in one transaction (the create_user command and the demo use this)."""
    with transaction.atomic():
        if validate_password:
            user = user_register(username=username, password=password, email=email, phone=phone)
        else:
            username, email, phone, errors = _clean_identity(username=username, email=email, phone=phone)
            if errors:
                raise _invalid(errors)
            user = User.objects.create_user(username=username, email=email, password=password, phone=phone)
        department = department_get_or_create(name=department_name) if department_name else None
        user_set_roles(user=user, roles=roles, scope_codes=scope_codes, department=department)
    return user
