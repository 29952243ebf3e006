"""Reference data of the catalog: the category tree (data/categories.csv) and the first search synonyms.

Loaded by the data migrations (with their historical models) and by tests whose database is flushed.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

CATEGORIES = Path(__file__).resolve().parent / "data" / "categories.csv"

# Common alternative names of Gansu's herbs and produce (Chinese Pharmacopoeia names and market names).
SYNONYMS = {
    "黄芪": ["黄耆", "北芪", "绵芪"],
    "当归": ["岷归", "秦归", "西当归"],
    "党参": ["纹党", "白条党参", "潞党"],
    "花椒": ["大红袍", "川椒", "蜀椒"],
    "甘草": ["国老", "甜草"],
    "枸杞": ["枸杞子", "杞子"],
    "大黄": ["川军", "将军"],
    "马铃薯": ["土豆", "洋芋"],
    "核桃": ["胡桃"],
    "百合": ["兰州百合"],
    "黑木耳": ["木耳"],
}


def load_categories(category_model: Any) -> int:
    with CATEGORIES.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for position, row in enumerate(rows):
        parent = category_model.objects.get(slug=row["parent"]) if row["parent"] else None
        category_model.objects.update_or_create(
            slug=row["slug"],
            defaults={
                "name": row["name"],
                "name_en": row["name_en"],
                "parent": parent,
                "qualification": row["qualification"],
                "position": position,
            },
        )
    return len(rows)


def load_synonyms(synonym_model: Any) -> int:
    count = 0
    for canonical, terms in SYNONYMS.items():
        for term in terms:
            synonym_model.objects.update_or_create(term=term, defaults={"canonical": canonical})
            count += 1
    return count
