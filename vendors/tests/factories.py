"""Valid identities, images and shops for the vendor tests."""

from __future__ import annotations

import io
import itertools

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from gansu_mall.accounts.models import User
from vendors import services
from vendors.identity import id_number_check_character, uscc_check_character
from vendors.models import Vendor

_serial = itertools.count(1)


def make_uscc(prefix: str = "93621221", n: int | None = None) -> str:
    """A valid USCC (default: a farmer cooperative registered in 成县)."""
    n = next(_serial) if n is None else n
    body = f"{prefix}MA{n:07d}"[:17]
    return body + uscc_check_character(body)


def make_id_number(county: str = "621221", birth: str = "19900101", n: int | None = None) -> str:
    n = next(_serial) if n is None else n
    body = f"{county}{birth}{n % 1000:03d}"
    return body + id_number_check_character(body)


def jpeg(name: str = "licence.jpg", size: tuple[int, int] = (60, 40)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def application_input(**overrides: object) -> services.ApplicationInput:
    fields: dict[str, object] = {
        "shop_name": "成县核桃合作社",
        "vendor_type": "cooperative",
        "legal_name": "成县红川核桃专业合作社",
        "uscc": make_uscc(),
        "county_code": "621221",
        "contact_phone": "13900001111",
        "license_image": jpeg(),
        "description": "山地核桃，自种自销。",
        "bank_name": "甘肃银行",
        "bank_account_holder": "成县红川核桃专业合作社",
        "bank_account": "6222021234567890123",
    }
    fields.update(overrides)
    return services.ApplicationInput(**fields)  # type: ignore[arg-type]


def individual_input(**overrides: object) -> services.ApplicationInput:
    base: dict[str, object] = {
        "shop_name": "马大姐当归",
        "vendor_type": "individual",
        "legal_name": "马秀英",
        "uscc": "",
        "id_number": make_id_number("621126", "19750315"),
        "county_code": "621126",
        "license_image": None,
    }
    base.update(overrides)
    return application_input(**base)


def open_shop(owner: User, bureau: User, **overrides: object) -> Vendor:
    """Apply and approve: a shop owned by ``owner``."""
    application = services.application_submit(
        submitted_by=owner, applicant=owner, data=application_input(**overrides)
    )
    application = services.application_approve(application=application, actor=bureau)
    assert application.vendor is not None
    return application.vendor
