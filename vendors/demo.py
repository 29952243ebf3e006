"""Demo shops (seed_demo): several prefectures, all three seller types, some still under review, and an
information officer managing a farmer's shop by delegation. Identities are made up (valid check digits)."""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from gansu_mall.accounts.models import User
from gansu_mall.accounts.services import user_create
from vendors import services
from vendors.identity import id_number_check_character, uscc_check_character
from vendors.models import VendorApplication


@dataclass(frozen=True)
class DemoShop:
    owner: str
    shop_name: str
    vendor_type: str
    legal_name: str
    county: str
    identity_body: str  # first 17 characters of the USCC or ID number
    outcome: str  # approved | submitted | needs_info
    description: str
    via_officer: bool = False
    qualifications: tuple[tuple[str, str, int], ...] = field(
        default_factory=tuple
    )  # kind, number, days to expiry


DEMO_SHOPS: tuple[DemoShop, ...] = (
    DemoShop(
        "demo_coop",
        "成县红川核桃合作社",
        "cooperative",
        "成县红川核桃种植专业合作社",
        "621221",
        "93621221MA7HX0001",
        "approved",
        "陇南山地核桃，薄壳香脆，合作社统一收购、分级、烘干。",
        qualifications=(("food", "JY16212210012345", 400),),
    ),
    DemoShop(
        "demo_herbs",
        "陇西黄芪药业",
        "enterprise",
        "陇西县岐黄中药材有限公司",
        "621122",
        "91621122MA7HX0002",
        "approved",
        "渭河源头的黄芪与党参，GAP 基地种植，批批可追溯。",
        qualifications=(("herb", "甘药GSP-2026-0107", 20), ("sc", "SC11762112200123", 300)),
    ),
    DemoShop(
        "demo_farmer",
        "马大姐当归",
        "individual",
        "马秀英",
        "621126",
        "62112619750315204",
        "approved",
        "岷县梅川镇自家地里的当归，信息员帮我开的店。",
        via_officer=True,
        qualifications=(("herb", "岷药备-2026-088", 180),),
    ),
    DemoShop(
        "demo_trade",
        "陇上甘味优选",
        "enterprise",
        "兰州陇上甘味商贸有限公司",
        "620102",
        "91620102MA7HX0007",
        "approved",
        "汇集甘肃十四个市州的地标好物，产地直采。",
        qualifications=(("food", "JY16201020077889", 500), ("fresh_produce", "甘农质-2026-031", 365)),
    ),
    DemoShop(
        "demo_apple",
        "静宁红富士果业",
        "enterprise",
        "静宁县陇原红果业有限公司",
        "620826",
        "91620826MA7HX0004",
        "submitted",
        "海拔 1600 米的静宁苹果，冷库直发。",
    ),
    DemoShop(
        "demo_pepper",
        "武都大红袍花椒",
        "individual",
        "杨建国",
        "621202",
        "62120219800808103",
        "needs_info",
        "武都区花椒，自种自晒。",
    ),
    DemoShop(
        "demo_lily",
        "七里河百合合作社",
        "cooperative",
        "兰州市七里河区西果园百合专业合作社",
        "620103",
        "93620103MA7HX0006",
        "submitted",
        "兰州百合，鲜百合与百合干。",
    ),
)


def _identity(shop: DemoShop) -> str:
    check = uscc_check_character if shop.vendor_type != "individual" else id_number_check_character
    return shop.identity_body + check(shop.identity_body)


def _document(title: str) -> SimpleUploadedFile:
    image = Image.new("RGB", (480, 320), (250, 246, 236))
    draw = ImageDraw.Draw(image)
    draw.rectangle((12, 12, 468, 308), outline=(156, 59, 36), width=6)
    draw.text((40, 140), f"DEMO · {title}", fill=(80, 40, 20))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile("demo.png", buffer.getvalue(), content_type="image/png")


def seed_demo_vendors() -> int:
    """Create the demo shops that are missing. Returns how many were created."""
    officer = User.objects.get(username="demo_officer")
    bureau = User.objects.get(username="demo_bureau")
    created = 0
    for shop in DEMO_SHOPS:
        identity = _identity(shop)
        if VendorApplication.objects.filter(identity_hash=services.identity_hash_of(identity)).exists():
            continue
        with transaction.atomic():
            owner = User.objects.filter(username=shop.owner).first() or user_create(
                username=shop.owner, password=settings.DEMO_PASSWORD, validate_password=False
            )
            data = services.ApplicationInput(
                shop_name=shop.shop_name,
                vendor_type=shop.vendor_type,
                legal_name=shop.legal_name,
                id_number=identity if shop.vendor_type == "individual" else "",
                uscc=identity if shop.vendor_type != "individual" else "",
                county_code=shop.county,
                contact_phone="13893900000",
                license_image=_document("营业执照") if shop.vendor_type != "individual" else None,
                description=shop.description,
                bank_name="甘肃省农村信用社",
                bank_account_holder=shop.legal_name,
                bank_account=f"6227{zlib.crc32(identity.encode()):015d}",
            )
            application = services.application_submit(
                submitted_by=officer if shop.via_officer else owner, applicant=owner, data=data
            )
            if shop.outcome == "needs_info":
                services.application_request_info(
                    application=application, actor=bureau, reason="请补充花椒种植地的村委会证明。"
                )
            elif shop.outcome == "approved":
                application = services.application_approve(application=application, actor=bureau)
                assert application.vendor is not None  # noqa: S101 - just approved
                for kind, number, days in shop.qualifications:
                    services.qualification_add(
                        vendor=application.vendor,
                        actor_role="owner",
                        actor=owner,
                        kind=kind,
                        number=number,
                        expires_on=timezone.localdate() + timedelta(days=days),
                        document=_document(number),
                    )
            created += 1
    return created


DEMO_SELLER_ACCOUNTS = [(shop.owner, f"{shop.shop_name} ({shop.outcome})") for shop in DEMO_SHOPS]
