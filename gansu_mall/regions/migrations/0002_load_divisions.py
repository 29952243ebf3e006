"""Load GB/T 2260 divisions from regions/data (all provinces; Gansu's prefectures and counties).

Sources: regions/data/SOURCES.md. Re-running is harmless (update_or_create by code).
"""

from django.db import migrations


def load(apps, schema_editor):
    from gansu_mall.regions.loader import division_rows

    Region = apps.get_model("regions", "Region")
    for row in division_rows():  # parents come before their children
        Region.objects.update_or_create(
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


def unload(apps, schema_editor):
    Region = apps.get_model("regions", "Region")
    for level in ("county", "prefecture", "province"):
        Region.objects.filter(level=level).delete()


class Migration(migrations.Migration):
    dependencies = [("regions", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
