"""CSV and XLSX exports hold the selectors' numbers: read back with the csv module and openpyxl."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from gansu_mall.dashboard import exports, selectors
from gansu_mall.dashboard.tables import Column, Table

from .conftest import PERIOD, PROVINCE

pytestmark = pytest.mark.django_db


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # the BOM, for Excel
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_csv_of_the_prefectures(rollups):
    table = selectors.place_table(period=PERIOD, scope=PROVINCE)
    lines = read_csv(exports.table_csv(table))
    assert lines[0] == [str(c.label) for c in table.columns]
    assert len(lines) == 1 + len(table.rows) + 1  # header, rows, totals
    by_code = {line[0]: line for line in lines[1:-1]}
    longnan = dict(zip([c.key for c in table.columns], by_code["621200"], strict=True))
    assert longnan == {
        "code": "621200",
        "name": "陇南市",
        "gmv": "155.45",
        "orders": "4",
        "buyers": "3",
        "refunds": "1",
        "refund_amount": "20.25",
        "share": "34.13%",
    }
    totals = dict(zip([c.key for c in table.columns], lines[-1], strict=True))
    assert (totals["gmv"], totals["orders"], totals["buyers"], totals["share"]) == (
        "455.45",
        "7",
        "5",
        "100.00%",
    )
    # Every money cell is the selector's figure to the fen.
    for row in table.rows:
        assert by_code[row["code"]][2] == f"{row['gmv']:.2f}"


def test_csv_of_a_series_with_empty_rates_and_dates(rollups):
    table = selectors.logistics(period=PERIOD, scope=PROVINCE).shipped_per_day
    lines = read_csv(exports.table_csv(table))
    keys = [c.key for c in table.columns]
    first = dict(zip(keys, lines[1], strict=True))
    assert first == {
        "date": "2026-11-01",
        "shipped": "2",
        "shipped_on_time": "1",
        "hub_shipped": "1",
        "on_time_rate": "50.00%",
        "average_hours": "10.0",
    }
    fourth = dict(zip(keys, lines[4], strict=True))
    assert (fourth["shipped"], fourth["on_time_rate"], fourth["average_hours"]) == ("0", "", "")
    totals = dict(zip(keys, lines[-1], strict=True))
    assert (totals["shipped"], totals["on_time_rate"], totals["average_hours"]) == ("6", "83.33%", "5.0")


def test_xlsx_holds_numbers_as_numbers(rollups):
    places = selectors.place_table(period=PERIOD, scope=PROVINCE)
    shipping = selectors.logistics(period=PERIOD, scope=PROVINCE).shipped_per_day
    top = selectors.top_table(period=PERIOD, scope=PROVINCE, what="products")
    book = load_workbook(io.BytesIO(exports.tables_xlsx([places, shipping, top], "甘肃电商概览")))
    assert book.sheetnames == [places.title, shipping.title, top.title]
    assert book.properties.title == "甘肃电商概览"

    sheet = book[places.title]
    header = [cell.value for cell in sheet[1]]
    assert header == [str(c.label) for c in places.columns]
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width > 8
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=2, max_row=1 + len(places.rows))}
    for row in places.rows:
        cells = dict(zip([c.key for c in places.columns], rows[row["code"]], strict=True))
        assert isinstance(cells["gmv"].value, int | float)
        assert Decimal(str(cells["gmv"].value)).quantize(Decimal("0.01")) == row["gmv"]
        assert cells["gmv"].number_format == "0.00"
        assert cells["orders"].value == row["orders"]
        assert cells["buyers"].value == row["buyers"]
        assert Decimal(str(cells["share"].value)).quantize(Decimal("0.0001")) == row["share"]
        assert cells["share"].number_format == "0.00%"
    totals = [cell.value for cell in sheet[len(places.rows) + 2]]
    assert places.totals is not None
    assert totals[1] == places.totals["name"]
    assert Decimal(str(totals[2])).quantize(Decimal("0.01")) == Decimal("455.45")
    assert sheet.cell(row=len(places.rows) + 2, column=3).font.bold

    days = book[shipping.title]
    first = [cell for cell in days[2]]
    assert isinstance(first[0].value, datetime)
    assert first[0].value.date() == PERIOD.date_from
    assert first[0].number_format == "yyyy-mm-dd"
    assert first[4].value == pytest.approx(0.5)
    assert first[5].value == pytest.approx(10.0)
    assert first[5].number_format == "0.0"
    assert days.cell(row=5, column=5).value is None  # no shipment on 11-04: no rate

    products = book[top.title]
    assert [(r[1].value, r[3].value) for r in products.iter_rows(min_row=2)] == [
        ("兰州百合", 280),
        ("成县核桃", 125),
        ("大红袍花椒", 10),
    ]


def test_sheet_names_are_made_valid_and_unique():
    tables = [
        Table(slug="a", title="A/B: [test]?", columns=[Column("x", "X")], rows=[{"x": "1"}]),
        Table(slug="b", title="A/B: [test]?", columns=[Column("x", "X")], rows=[]),
        Table(slug="c", title="很长" * 20, columns=[Column("x", "X")], rows=[]),
    ]
    book = load_workbook(io.BytesIO(exports.tables_xlsx(tables, "t")))
    assert book.sheetnames[0] == "A B   test"
    assert book.sheetnames[1] == "A B   test (2)"
    assert len(book.sheetnames[2]) == 31


def test_an_empty_workbook_still_opens():
    book = load_workbook(io.BytesIO(exports.tables_xlsx([], "空")))
    assert book.sheetnames == ["空"]
