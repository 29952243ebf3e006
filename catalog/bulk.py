"""Bulk import and export of a shop's products as CSV or XLSX: one row per SKU.

Rows with the same ``product`` name form one product. An import is all or nothing: every row is checked
(by the same services as the pages and the API), and when any row is wrong nothing is imported and each
problem is reported with its row number.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from catalog import services
from catalog.models import Product
from gansu_mall.core.errors import ApplicationError
from vendors.models import Vendor

COLUMNS = [
    "product",
    "name_en",
    "category",
    "origin_county_code",
    "storage",
    "shelf_life_days",
    "gi_certificate",
    "status",
    "description",
    "sku_code",
    "spec",
    "price",
    "stock",
    "weight_grams",
    "fulfilled_by",
]
MAX_ROWS = 5000
SKU_FIELDS = {
    "code": "sku_code",
    "spec": "spec",
    "price": "price",
    "stock": "stock",
    "weight_grams": "weight_grams",
    "fulfilled_by": "fulfilled_by",
}


@dataclass(frozen=True)
class RowError:
    row: int  # as the user counts: the header is row 1
    column: str
    message: str


class ImportRefused(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} problems")
        self.errors = errors


def export_rows(vendor: Vendor) -> list[list[object]]:
    rows: list[list[object]] = []
    products = Product.objects.filter(vendor=vendor).select_related("category").prefetch_related("skus")
    for product in products.order_by("id"):
        for sku in product.skus.all():
            rows.append(
                [
                    product.name,
                    product.name_en,
                    product.category.slug,
                    product.origin_county_id,
                    product.storage,
                    product.shelf_life_days or "",
                    product.gi_certificate,
                    product.status,
                    product.description,
                    sku.code,
                    sku.spec,
                    f"{sku.price:.2f}",
                    sku.stock,
                    sku.weight_grams,
                    sku.fulfilled_by,
                ]
            )
    return rows


def export_csv(vendor: Vendor) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows(export_rows(vendor))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 CSV correctly


def export_xlsx(vendor: Vendor) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "products"
    sheet.append(COLUMNS)
    for row in export_rows(vendor):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _read(upload: UploadedFile) -> list[dict[str, str]]:
    name = (upload.name or "").lower()
    data = upload.read()
    if name.endswith(".xlsx"):
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
            raise ImportRefused([RowError(0, "file", _("This is not an XLSX workbook."))]) from exc
        values = [
            ["" if v is None else str(v).strip() for v in row]
            for row in workbook.active.iter_rows(values_only=True)
        ]
    elif name.endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportRefused([RowError(0, "file", _("Save the CSV as UTF-8."))]) from exc
        values = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]
    else:
        raise ImportRefused([RowError(0, "file", _("Upload a .csv or .xlsx file."))])
    header = [cell for cell in values[0] if cell] if values else []
    if header != COLUMNS:
        message = _("The first row must be: %(columns)s") % {"columns": ", ".join(COLUMNS)}
        raise ImportRefused([RowError(1, "header", message)])
    body = [row for row in values[1:] if any(row)]
    if len(body) > MAX_ROWS:
        raise ImportRefused([RowError(0, "file", _("At most %(max)d rows at a time.") % {"max": MAX_ROWS})])
    return [dict(zip(COLUMNS, row + [""] * (len(COLUMNS) - len(row)), strict=False)) for row in body]


def import_products(*, vendor: Vendor, upload: UploadedFile) -> int:
    """Create the products of the file; all or nothing. Returns how many products were created."""
    rows = _read(upload)
    groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for index, row in enumerate(rows, start=2):
        groups.setdefault(row["product"], []).append((index, row))
    errors: list[RowError] = []
    created = 0
    with transaction.atomic():
        for name, members in groups.items():
            first_row, first = members[0]
            shelf_life = first["shelf_life_days"]
            data = services.ProductInput(
                name=name,
                name_en=first["name_en"],
                category=first["category"],
                origin_county_code=first["origin_county_code"],
                storage=first["storage"] or "ambient",
                shelf_life_days=int(shelf_life) if shelf_life.isdigit() else None,
                gi_certificate=first["gi_certificate"],
                status=first["status"] or "draft",
                description=first["description"],
                skus=[
                    services.SkuInput(
                        code=r["sku_code"],
                        spec=r["spec"],
                        price=r["price"],
                        stock=r["stock"] or "0",
                        weight_grams=r["weight_grams"],
                        fulfilled_by=r["fulfilled_by"] or "vendor",
                    )
                    for _, r in members
                ],
            )
            if shelf_life and not shelf_life.isdigit():
                errors.append(RowError(first_row, "shelf_life_days", _("Give the shelf life in whole days.")))
            try:
                with transaction.atomic():
                    services.product_create(vendor=vendor, data=data)
                    created += 1
            except ApplicationError as exc:
                for field, messages in (exc.fields or {"product": [str(exc.message)]}).items():
                    parts = field.split(".")
                    if parts[0] == "skus" and len(parts) == 3 and parts[1].isdigit():
                        row_number, column = members[int(parts[1])][0], SKU_FIELDS.get(parts[2], parts[2])
                    else:
                        row_number, column = first_row, "product" if field == "name" else field
                    errors.extend(RowError(row_number, column, message) for message in messages)
        if errors:
            transaction.set_rollback(True)
    if errors:
        raise ImportRefused(sorted(errors, key=lambda e: (e.row, e.column)))
    return created
