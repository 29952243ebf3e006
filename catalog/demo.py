"""Demo products (seed_demo): the 50 Gansu specialties of catalog/data/gansu_specialties.csv, listed by
the demo shops that hold the licences for them. Prices and stock are made up, deterministically."""

from __future__ import annotations

import csv
import io
import zlib
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from catalog import services, trace
from catalog.images import product_image_add
from catalog.models import Product
from vendors.models import Vendor

DATA = Path(__file__).resolve().parent / "data" / "gansu_specialties.csv"

# Shop (by demo owner) that lists each kind of specialty.
SHOP_FOR = {"nuts": "demo_coop", "tcm_herb": "demo_herbs"}
DEFAULT_SHOP = "demo_trade"
# Specialties whose gift box the Lanzhou New Area hub ships: their stock comes from the hub's receipts
# (logistics.demo consigns it), so they start at zero.
HUB_GIFT_BOXES = ("成县核桃", "陇西黄芪", "花牛苹果")


def _category(row: dict[str, str]) -> str:
    name, kind = row["name_zh"], row["category"]
    if kind == "nuts":
        return "walnuts" if "核桃" in name else "melon-seeds"
    if kind == "fruit":
        if "苹果" in name:
            return "apples"
        if "瓜" in name:
            return "melons"
        if "枣" in name or "枸杞" in name:
            return "jujubes-goji"
        return "stone-fruit"
    if kind == "spice":
        return "sichuan-pepper" if "椒" in name and "辣" not in name else "chili"
    return {
        "tcm_herb": "herb-roots",
        "tea": "tea",
        "fungi": "fungi",
        "grain": "grains",
        "oil": "oils",
        "meat": "meat",
        "dairy": "dairy",
        "potato": "potatoes",
        "lily": "lily",
        "flower": "flowers",
        "wine": "wine",
    }[kind]


def _number(name: str, low: int, high: int) -> int:
    return low + zlib.crc32(name.encode()) % (high - low)


def seed_demo_catalog() -> int:
    """List the specialties that are not listed yet. Returns how many products were created."""
    shops = {v.memberships.get(role="owner").user.username: v for v in Vendor.objects.filter(status="active")}
    created = 0
    with DATA.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        county = row["county_code_if_known"].split(";")[0].strip()
        if not county:
            continue
        owner = "demo_farmer" if row["name_zh"] == "岷县当归" else SHOP_FOR.get(row["category"], DEFAULT_SHOP)
        shop = shops.get(owner)
        if shop is None or Product.objects.filter(vendor=shop, name=row["name_zh"]).exists():
            continue
        certain = not row["notes"].startswith("UNCERTAIN")
        gi = row["notes"].split(";")[0].strip()[:120] if certain and "GI" in row["notes"] else ""
        base = Decimal(_number(row["name_zh"], 1800, 16800)) / 100
        code = f"D{zlib.crc32(row['name_zh'].encode()) % 100000:05d}"
        perishable = row["category"] in {"fruit", "meat", "dairy", "lily"}
        from_hub = row["name_zh"] in HUB_GIFT_BOXES
        with transaction.atomic():
            product = services.product_create(
                vendor=shop,
                data=services.ProductInput(
                    name=row["name_zh"],
                    name_en=row["name_en"],
                    category=_category(row),
                    origin_county_code=county,
                    description=f"{row['origin_prefecture']}{row['origin_county']}特产。",
                    description_en=f"A specialty of {row['name_en'].rsplit(' ', 1)[0]}, Gansu.",
                    storage="chilled" if perishable else "ambient",
                    shelf_life_days=30 if perishable else 365,
                    gi_certificate=gi,
                    status="active",
                    skus=[
                        services.SkuInput(
                            code=f"{code}-S",
                            spec="500 g",
                            price=f"{base:.2f}",
                            stock=_number(row["name_en"], 0, 200),
                            weight_grams=560,
                        ),
                        services.SkuInput(
                            code=f"{code}-G",
                            spec="礼盒 1 kg",
                            price=f"{base * 2 + 20:.2f}",
                            stock=0 if from_hub else _number(row["name_zh"] + "g", 5, 80),
                            weight_grams=1250,
                            fulfilled_by="hub" if from_hub else "vendor",
                        ),
                    ],
                ),
            )
            _demo_trace(product, shop)
            product_image_add(product=product, upload=_card(row["name_en"], row["category"]))
        created += 1
    return created


COLOURS = {
    "nuts": (139, 94, 52),
    "tcm_herb": (120, 86, 60),
    "fruit": (196, 70, 52),
    "spice": (170, 40, 30),
    "tea": (70, 120, 70),
    "fungi": (90, 80, 70),
    "grain": (200, 160, 60),
    "oil": (170, 150, 40),
    "meat": (150, 60, 60),
    "dairy": (220, 210, 190),
    "potato": (170, 130, 80),
    "lily": (230, 220, 200),
    "flower": (200, 90, 130),
    "wine": (110, 30, 50),
}


def _card(name_en: str, kind: str) -> SimpleUploadedFile:
    """A clean product card drawn with Pillow (no photographs from elsewhere): colour of the category, the
    English name (Pillow's bundled font has no Chinese glyphs) and the platform's hills."""
    colour = COLOURS.get(kind, (156, 59, 36))
    image = Image.new("RGB", (800, 600), (247, 234, 208))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 800, 380), fill=colour)
    draw.polygon([(0, 380), (220, 250), (360, 330), (540, 200), (800, 380)], fill=(232, 176, 75))
    font = ImageFont.load_default(size=44)
    small = ImageFont.load_default(size=26)
    draw.text((40, 420), name_en[:32], fill=(40, 30, 20), font=font)
    draw.text((40, 500), "Gansu Pavilion · demo", fill=(110, 90, 70), font=small)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile("card.png", buffer.getvalue(), content_type="image/png")


def _demo_trace(product: Product, shop: Vendor) -> None:
    """A lot with its chain of events for the first SKU: harvest, processing, inspection, storage."""
    sku = product.skus.order_by("id").first()
    if sku is None:
        return
    owner = shop.memberships.get(role="owner").user
    # Fresh produce was picked days ago (its lot keeps for its shelf life); dried goods weeks ago.
    fresh = product.shelf_life_days is not None and product.shelf_life_days < 60
    days_ago = 5 if fresh else 40
    harvested = timezone.localdate() - timedelta(days=days_ago)
    batch = trace.batch_create(
        sku=sku,
        data=trace.BatchInput(
            quantity=max(sku.stock, 1),
            origin_county_code=product.origin_county_id,
            base_name=f"{product.origin_county.name}种植基地",
            harvested_on=harvested,
            lot_code=f"{harvested:%Y%m}-{sku.code}",
        ),
    )
    start = timezone.now() - timedelta(days=days_ago)
    steps = [
        ("harvest", (0, 0), f"{product.origin_county.name}基地", "人工采收，当日分拣。", ""),
        ("process", (1, 2), f"{product.origin_county.name}加工车间", "清洗、晾晒、分级包装。", ""),
        ("inspect", (2, 5), "甘肃省产品质量监督检验研究院", "农药残留、重金属抽检合格。", "pass"),
        ("store", (3, 7), "兰州新区综合保税区冷链仓", "入库，温湿度受控。", ""),
    ]
    for event_type, (fresh_day, dried_day), location, summary, result in steps:
        day = fresh_day if fresh else dried_day
        trace.batch_event_add(
            batch=batch,
            actor=owner,
            event_type=event_type,
            occurred_at=start + timedelta(days=day),
            location=location,
            summary=summary,
            result=result,
        )
