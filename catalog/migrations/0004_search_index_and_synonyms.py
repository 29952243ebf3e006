"""A GIN index over the search vector (PostgreSQL only) and the first herb and produce synonyms.

Synonyms: common alternative names of Gansu's herbs and produce (the Chinese Pharmacopoeia's names and
market names); bureau staff extend the list in the admin.
"""

from django.db import migrations


def gin_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS catalog_product_search_gin ON catalog_product USING gin (search_vector)"
        )


def drop_gin_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS catalog_product_search_gin")


def seed_synonyms(apps, schema_editor):
    from catalog.reference_data import load_synonyms

    load_synonyms(apps.get_model("catalog", "Synonym"))


def unseed_synonyms(apps, schema_editor):
    from catalog.reference_data import SYNONYMS

    apps.get_model("catalog", "Synonym").objects.filter(canonical__in=list(SYNONYMS)).delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_search")]

    operations = [
        migrations.RunPython(gin_index, drop_gin_index),
        migrations.RunPython(seed_synonyms, unseed_synonyms),
    ]
