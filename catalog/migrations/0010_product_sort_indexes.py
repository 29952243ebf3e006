"""An index for each sort option of the product list (catalog.filters.ProductFilter.ordering).

Unpriced and unrated products sort last either way, which needs NULLS LAST in the index; SQLite cannot
create such an index (the demo's database sorts its few rows without one), so those are PostgreSQL's only
and live here rather than in Product.Meta."""

from django.db import migrations, models

NULLS_LAST_INDEXES = [
    ("product_status_price", "status, price ASC NULLS LAST, id ASC"),
    ("product_status_price_desc", "status, price DESC NULLS LAST, id DESC"),
    ("product_status_rating", "status, rating ASC NULLS LAST, id ASC"),
    ("product_status_rating_desc", "status, rating DESC NULLS LAST, id DESC"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, columns in NULLS_LAST_INDEXES:
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON catalog_product ({columns})")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, _columns in NULLS_LAST_INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0009_ratings"),
        ("regions", "0002_load_divisions"),
        ("vendors", "0003_ratings"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="product",
            index=models.Index(fields=["status", "-created_at", "-id"], name="product_status_created"),
        ),
        migrations.RunPython(create, drop, elidable=False),
    ]
