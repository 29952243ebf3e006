"""The category tree (catalog/data/categories.csv), with the licence each top-level category needs.

Bureau staff change it afterwards in the admin. Re-running updates by slug.
"""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "categories.csv"


def load(apps, schema_editor):
    Category = apps.get_model("catalog", "Category")
    with DATA.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for position, row in enumerate(rows):
        parent = Category.objects.get(slug=row["parent"]) if row["parent"] else None
        Category.objects.update_or_create(
            slug=row["slug"],
            defaults={
                "name": row["name"],
                "name_en": row["name_en"],
                "parent": parent,
                "qualification": row["qualification"],
                "position": position,
            },
        )


def unload(apps, schema_editor):
    Category = apps.get_model("catalog", "Category")
    Category.objects.filter(parent__isnull=False).delete()
    Category.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
