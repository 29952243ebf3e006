"""A GIN index over the search vector (PostgreSQL only) and the first herb and produce synonyms.

Synonyms: common alternative names of Gansu's herbs and produce (the Chinese Pharmacopoeia's names and
market names); bureau staff extend the list in the admin.
"""

from django.db import migrations

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


def gin_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS catalog_product_search_gin ON catalog_product USING gin (search_vector)"
        )


def drop_gin_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS catalog_product_search_gin")


def seed_synonyms(apps, schema_editor):
    Synonym = apps.get_model("catalog", "Synonym")
    for canonical, terms in SYNONYMS.items():
        for term in terms:
            Synonym.objects.update_or_create(term=term, defaults={"canonical": canonical})


def unseed_synonyms(apps, schema_editor):
    Synonym = apps.get_model("catalog", "Synonym")
    Synonym.objects.filter(canonical__in=list(SYNONYMS)).delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_search")]

    operations = [
        migrations.RunPython(gin_index, drop_gin_index),
        migrations.RunPython(seed_synonyms, unseed_synonyms),
    ]
