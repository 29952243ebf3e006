"""The buyer's address book. Any province of China by its GB/T 2260 code; Gansu addresses down to the
county, checked against the divisions the platform holds."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from gansu_mall.accounts.models import User
from gansu_mall.accounts.validators import MOBILE_RE, normalize_china_mobile
from gansu_mall.core.errors import invalid as _invalid
from gansu_mall.regions.models import Region, RegionLevel
from orders.models import Address

GANSU = "620000"
CODE = re.compile(r"^\d{6}$")


@dataclass
class AddressInput:
    recipient: str
    phone: str
    province_code: str
    detail: str
    city_code: str = ""
    county_code: str = ""


def address_clean(data: AddressInput) -> AddressInput:
    """Validated, normalised address fields; 400 naming every field at fault."""
    errors: dict[str, list[str]] = {}
    recipient = (data.recipient or "").strip()
    if not recipient or len(recipient) > 40:
        errors["recipient"] = [_("Give the recipient's name (at most 40 characters).")]
    phone = normalize_china_mobile(data.phone or "")
    if not MOBILE_RE.match(phone):
        errors["phone"] = [_("Enter a mainland China mobile number: 11 digits starting with 13–19.")]
    detail = (data.detail or "").strip()
    if not detail or len(detail) > 200:
        errors["detail"] = [_("Give the street address (at most 200 characters).")]
    province_code = (data.province_code or "").strip()
    city_code = (data.city_code or "").strip()
    county_code = (data.county_code or "").strip()
    province = Region.objects.filter(code=province_code, level=RegionLevel.PROVINCE).first()
    if province is None:
        errors["province_code"] = [_("Choose a province (a six-digit GB/T 2260 code such as 620000).")]
    elif province_code == GANSU:
        county = (
            Region.objects.filter(code=county_code, parent__parent_id=GANSU).select_related("parent").first()
        )
        if county is None:
            errors["county_code"] = [_("Choose a county of Gansu (a six-digit code such as 621221).")]
        elif city_code and city_code != county.parent_id:
            errors["city_code"] = [_("This county is not in that prefecture.")]
        else:
            city_code = county.parent_id or ""
    else:
        # Other provinces: the platform holds their province codes only; finer codes must at least lie
        # inside the province.
        for name, code in (("city_code", city_code), ("county_code", county_code)):
            if code and (not CODE.match(code) or code[:2] != province_code[:2]):
                errors[name] = [_("This code does not lie in the chosen province.")]
    if errors:
        raise _invalid(errors)
    return AddressInput(
        recipient=recipient,
        phone=phone,
        province_code=province_code,
        city_code=city_code,
        county_code=county_code,
        detail=detail,
    )


def _lock_book(user_id: int) -> list[Address]:
    """Lock the user's address rows (and, through the user's row, an empty book), in one order."""
    User.objects.select_for_update().filter(pk=user_id).first()
    return list(Address.objects.select_for_update().filter(user_id=user_id).order_by("pk"))


def address_create(*, user: User, data: AddressInput, make_default: bool = False) -> Address:
    """Add an address; the first one, or one marked so, becomes the default (exactly one default: a
    conditional unique index stands behind it)."""
    clean = address_clean(data)
    with transaction.atomic():
        book = _lock_book(user.pk)
        default = make_default or not book
        if default:
            Address.objects.filter(user=user, is_default=True).update(is_default=False)
        return Address.objects.create(user=user, is_default=default, **clean.__dict__)


def address_set_default(*, address: Address) -> Address:
    with transaction.atomic():
        _lock_book(address.user_id)
        Address.objects.filter(user_id=address.user_id, is_default=True).exclude(pk=address.pk).update(
            is_default=False
        )
        Address.objects.filter(pk=address.pk).update(is_default=True)
    address.is_default = True
    return address


def address_delete(*, address: Address) -> None:
    """Delete an address; when it was the default, the newest remaining one takes its place."""
    with transaction.atomic():
        _lock_book(address.user_id)
        was_default = Address.objects.filter(pk=address.pk, is_default=True).exists()
        address.delete()
        if was_default:
            newest = Address.objects.filter(user_id=address.user_id).order_by("-created_at", "-id").first()
            if newest is not None:
                Address.objects.filter(pk=newest.pk).update(is_default=True)
