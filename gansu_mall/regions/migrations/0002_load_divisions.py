"""Load GB/T 2260 divisions from regions/data (all provinces; Gansu's prefectures and counties).

Sources: regions/data/SOURCES.md. Re-running is harmless (update_or_create by code).
"""

from django.db import migrations


def load(apps, schema_editor):
    from gansu_mall.regions.loader import load_divisions

    load_divisions(apps.get_model("regions", "Region"))


def unload(apps, schema_editor):
    Region = apps.get_model("regions", "Region")
    for level in ("county", "prefecture", "province"):
        Region.objects.filter(level=level).delete()


class Migration(migrations.Migration):
    dependencies = [("regions", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
