"""Bulk import and export of products: CSV and XLSX, all or nothing, with row-numbered errors."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from catalog import bulk
from catalog.models import Product, Sku

pytestmark = pytest.mark.django_db

ROWS = [
    [
        "成县核桃",
        "Walnuts",
        "walnuts",
        "621221",
        "ambient",
        "365",
        "GI",
        "active",
        "山地核桃",
        "HT-1",
        "500 g",
        "39.90",
        "10",
        "520",
        "vendor",
    ],
    [
        "成县核桃",
        "Walnuts",
        "walnuts",
        "621221",
        "ambient",
        "365",
        "GI",
        "active",
        "山地核桃",
        "HT-2",
        "1 kg",
        "72.00",
        "5",
        "1040",
        "vendor",
    ],
    [
        "核桃仁",
        "Kernels",
        "walnuts",
        "621221",
        "ambient",
        "180",
        "",
        "draft",
        "",
        "HTR-1",
        "250 g",
        "29.00",
        "8",
        "260",
        "",
    ],
]


def csv_file(rows, header=bulk.COLUMNS, name="products.csv"):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode("utf-8"), content_type="text/csv")


def xlsx_file(rows):
    workbook = Workbook()
    workbook.active.append(bulk.COLUMNS)
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("products.xlsx", buffer.getvalue())


@pytest.mark.parametrize("make", [csv_file, xlsx_file])
def test_import_creates_products_with_their_skus(shop, make):
    assert bulk.import_products(vendor=shop, upload=make(ROWS)) == 2
    walnut = Product.objects.get(name="成县核桃")
    assert list(walnut.skus.values_list("code", "stock")) == [("HT-1", 10), ("HT-2", 5)]
    assert Product.objects.get(name="核桃仁").status == "draft"


def test_a_broken_row_imports_nothing_and_names_every_problem(shop):
    rows = [list(r) for r in ROWS]
    rows[1][11] = "-1"  # price of row 3
    rows[2][3] = "110101"  # county of row 4
    with pytest.raises(bulk.ImportRefused) as info:
        bulk.import_products(vendor=shop, upload=csv_file(rows))
    assert [(e.row, e.column) for e in info.value.errors] == [(3, "price"), (4, "origin_county_code")]
    assert Product.objects.count() == 0
    assert Sku.objects.count() == 0


def test_wrong_header_and_wrong_files(shop):
    with pytest.raises(bulk.ImportRefused) as info:
        bulk.import_products(vendor=shop, upload=csv_file(ROWS, header=["name", "price"]))
    assert info.value.errors[0].row == 1
    with pytest.raises(bulk.ImportRefused):
        bulk.import_products(vendor=shop, upload=SimpleUploadedFile("x.xlsx", b"not a zip"))
    with pytest.raises(bulk.ImportRefused):
        bulk.import_products(vendor=shop, upload=SimpleUploadedFile("x.txt", b"a,b"))
    with pytest.raises(bulk.ImportRefused):
        bulk.import_products(vendor=shop, upload=SimpleUploadedFile("x.csv", "成县".encode("gb18030")))
    assert Product.objects.count() == 0


def test_export_round_trips(shop, client, owner):
    bulk.import_products(vendor=shop, upload=csv_file(ROWS))
    client.force_login(owner)
    exported = client.get(f"/seller/{shop.slug}/products/export.csv")
    assert exported["Content-Disposition"] == f'attachment; filename="{shop.slug}-products.csv"'
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0] == bulk.COLUMNS
    assert sorted(r[9] for r in rows[1:]) == ["HT-1", "HT-2", "HTR-1"]
    xlsx = client.get(f"/seller/{shop.slug}/products/export.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[1]] == bulk.COLUMNS
    assert sheet.max_row == 4


def test_import_page_shows_the_error_table(client, shop, owner, other_shop):
    client.force_login(owner)
    rows = [list(r) for r in ROWS]
    rows[0][13] = "0"
    response = client.post(f"/seller/{shop.slug}/products/?lang=en", {"file": csv_file(rows)})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="import-errors"' in html
    assert "Nothing was imported." in html
    assert Product.objects.count() == 0
    ok = client.post(f"/seller/{shop.slug}/products/", {"file": csv_file(ROWS)})
    assert ok.status_code == 302
    assert Product.objects.count() == 2
    client.force_login(other_shop.memberships.get().user)
    assert client.get(f"/seller/{shop.slug}/products/export.csv").status_code == 404
    assert client.post(f"/seller/{shop.slug}/products/", {"file": csv_file(ROWS)}).status_code == 404
