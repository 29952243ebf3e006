"""The category tree (catalog/data/categories.csv), with the licence each top-level category needs.

Bureau staff change it afterwards in the admin. Re-running updates by slug.
"""

from django.db import migrations


def load(apps, schema_editor):
    from catalog.reference_data import load_categories

    load_categories(apps.get_model("catalog", "Category"))


def unload(apps, schema_editor):
    Category = apps.get_model("catalog", "Category")
    Category.objects.filter(parent__isnull=False).delete()
    Category.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
