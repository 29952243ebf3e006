"""The search's GIN index over the search vector plus the product's category and origin county as tokens
(catalog.search.SCOPED_VECTOR), in place of the index over the search vector alone (0004).

An expression index: the tokens come from the row's own columns, so nothing is written to the products
(no backfill, no rewrite of the table) and they can never disagree with the columns. PostgreSQL only; the
SQLite demo matches words by substring and filters the columns.
"""

from django.db import migrations

SCOPED_INDEX = (
    "CREATE INDEX IF NOT EXISTS catalog_product_scoped_gin ON catalog_product USING gin ("
    "(search_vector || array_to_tsvector(ARRAY["
    "'~c' || category_id::text, '~r' || origin_county_id::text])))"
)


def scoped_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SCOPED_INDEX)
        schema_editor.execute("DROP INDEX IF EXISTS catalog_product_search_gin")
        # Statistics of the new expression (how common each token is): the planner's row estimates.
        schema_editor.execute("ANALYZE catalog_product")


def plain_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS catalog_product_search_gin ON catalog_product USING gin (search_vector)"
        )
        schema_editor.execute("DROP INDEX IF EXISTS catalog_product_scoped_gin")


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0011_sort_indexes_cover_the_shop"),
    ]

    operations = [
        migrations.RunPython(scoped_index, plain_index, elidable=False),
    ]
