"""Reads the division files under regions/data (used by the data migration and its tests)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"
GANSU_CODE = "620000"


@dataclass(frozen=True)
class DivisionRow:
    code: str
    name: str
    name_en: str
    level: str
    parent_code: str | None
    division_type: str
    special_zone: bool
    outside_mainland: bool
    note: str


def _read(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def division_rows() -> list[DivisionRow]:
    """Every province, then Gansu's prefectures and counties, parents before children."""
    names_en = {row["code"]: row["name_en"] for row in _read("region_names_en.csv")}
    rows: dict[str, DivisionRow] = {}
    for row in _read("provinces.csv"):
        rows[row["code"]] = DivisionRow(
            code=row["code"],
            name=row["name"],
            name_en=names_en[row["code"]],
            level="province",
            parent_code=None,
            division_type=row["division_type"],
            special_zone=False,
            outside_mainland=row["flag"].startswith("hk_mo_tw"),
            note=row["flag"],
        )
    for row in _read("gansu_divisions.csv"):
        if row["level"] == "province":
            continue  # Gansu itself is in provinces.csv
        special = row["level"] == "special_zone"
        rows[row["code"]] = DivisionRow(
            code=row["code"],
            name=row["name"],
            name_en=names_en[row["code"]],
            level="county" if special else row["level"],
            parent_code=row["parent_code"] or None,
            division_type=row["division_type"],
            special_zone=special,
            outside_mainland=False,
            note=row["note"],
        )
    order = {"province": 0, "prefecture": 1, "county": 2}
    return sorted(rows.values(), key=lambda r: (order[r.level], r.code))


def load_divisions(region_model: Any) -> int:
    """Create or update every division with ``region_model`` (the data migration passes its historical model).

    Returns how many rows were written. Parents are written before their children.
    """
    rows = division_rows()
    for row in rows:
        region_model.objects.update_or_create(
            code=row.code,
            defaults={
                "name": row.name,
                "name_en": row.name_en,
                "level": row.level,
                "parent_id": row.parent_code,
                "division_type": row.division_type,
                "special_zone": row.special_zone,
                "outside_mainland": row.outside_mainland,
                "note": row.note[:255],
            },
        )
    return len(rows)
