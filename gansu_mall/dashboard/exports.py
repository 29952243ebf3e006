"""Dashboard tables as files: CSV (one table) and XLSX (one sheet per table).

CSV is text for any program: UTF-8 with a byte-order mark (so that Excel reads the Chinese names), the
column labels as header, money with two places (``"455.45"``), rates as percentages with two places
(``"83.33%"``, which spreadsheet programs read back as numbers), hours with one place, dates ISO; a totals
row last when the table has one.

XLSX keeps numbers as numbers: money with the format ``0.00``, rates as fractions with ``0.00%``, hours with
``0.0``, integers with ``0`` and dates as dates; the header is bold and frozen, column widths fit the text.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from gansu_mall.core.money import format_money
from gansu_mall.dashboard.tables import DATE, HOURS, INT, MONEY, RATE, Column, Table

NUMBER_FORMATS = {MONEY: "0.00", RATE: "0.00%", HOURS: "0.0", INT: "0", DATE: "yyyy-mm-dd"}
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
MAX_WIDTH = 60


def text_value(value: Any, kind: str) -> str:
    """A cell's value as CSV text (empty for None)."""
    if value is None:
        return ""
    if kind == MONEY and not isinstance(value, str):
        return format_money(Decimal(value))
    if kind == RATE and not isinstance(value, str):
        percent = (Decimal(value) * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        return f"{percent}%"
    if kind == HOURS and not isinstance(value, str):
        return f"{Decimal(value).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _lines(table: Table) -> list[dict[str, Any]]:
    return table.rows + ([table.totals] if table.totals else [])


def table_csv(table: Table) -> bytes:
    """One table as CSV bytes (UTF-8 with BOM)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([str(column.label) for column in table.columns])
    for row in _lines(table):
        writer.writerow([text_value(row.get(column.key), column.kind) for column in table.columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _cell_value(value: Any, column: Column) -> Any:
    """A value as the spreadsheet should hold it: numbers as numbers, the rest as text."""
    if value is None:
        return None
    if column.kind in (MONEY, RATE, HOURS) and not isinstance(value, str):
        return Decimal(value)
    if column.kind == INT and isinstance(value, int) and not isinstance(value, bool):
        return value
    if column.kind == DATE and isinstance(value, date):
        return value
    return str(value)


def _display_width(text: str) -> int:
    """Characters counted as they take room: wide (CJK) characters as two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _sheet_title(title: str, taken: set[str]) -> str:
    base = _SHEET_FORBIDDEN.sub(" ", title).strip()[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    taken.add(name.lower())
    return name


def tables_xlsx(tables: list[Table], title: str) -> bytes:
    """The tables as an XLSX workbook, one sheet each (named after the table's title)."""
    workbook = Workbook()
    workbook.remove(workbook.worksheets[0])
    workbook.properties.title = str(title)
    bold = Font(bold=True)
    taken: set[str] = set()
    for table in tables:
        sheet = workbook.create_sheet(_sheet_title(str(table.title), taken))
        widths = [_display_width(str(column.label)) for column in table.columns]
        sheet.append([str(column.label) for column in table.columns])
        for cell in sheet[1]:
            cell.font = bold
        for line_number, row in enumerate(_lines(table), start=2):
            is_totals = table.totals is not None and row is table.totals
            for index, column in enumerate(table.columns):
                value = _cell_value(row.get(column.key), column)
                cell = sheet.cell(row=line_number, column=index + 1, value=value)
                if column.kind in NUMBER_FORMATS and not isinstance(value, str) and value is not None:
                    cell.number_format = NUMBER_FORMATS[column.kind]
                if is_totals:
                    cell.font = bold
                widths[index] = max(
                    widths[index], _display_width(text_value(row.get(column.key), column.kind))
                )
        for index, width in enumerate(widths):
            sheet.column_dimensions[get_column_letter(index + 1)].width = min(width + 2, MAX_WIDTH)
        sheet.freeze_panes = "A2"
    if not tables:
        workbook.create_sheet(_sheet_title(str(title), taken))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
