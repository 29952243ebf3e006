"""What the dashboards show, as plain data: a period, a scope and tables of figures.

Selectors build these; pages render them (a chart beside each table), the API serializes them, and exports
write them as CSV and XLSX. Money is Decimal to the fen; rates are Decimal fractions (0.9312), never floats.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

# Column kinds: how a value is formatted on the page and typed in a spreadsheet.
TEXT = "text"
INT = "int"
MONEY = "money"  # Decimal, two places
RATE = "rate"  # Decimal fraction, shown as a percentage
HOURS = "hours"  # Decimal hours
DATE = "date"


@dataclass(frozen=True)
class Period:
    """Calendar days from ``date_from`` to ``date_to``, both included (local time zone)."""

    date_from: date
    date_to: date

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def previous(self) -> Period:
        """The period of the same length just before this one (the comparison)."""
        return Period(self.date_from - timedelta(days=self.days), self.date_from - timedelta(days=1))


@dataclass(frozen=True)
class Scope:
    """The area a member of bureau staff sees: ``county_codes`` None means the whole province."""

    county_codes: frozenset[str] | None = None

    @property
    def provincial(self) -> bool:
        return self.county_codes is None


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # translated (the active language when the table was built)
    kind: str = TEXT


@dataclass
class Table:
    """One table of a dashboard: ``slug`` names it in export URLs, ``link`` (a column key) holds the
    drill-down URL of each row when there is one (key ``"url"`` in the row)."""

    slug: str
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)
    totals: dict[str, Any] | None = None  # a totals row, when the rows add up
    link: str | None = None
