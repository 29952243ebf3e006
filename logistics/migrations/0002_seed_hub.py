"""Seed the Lanzhou New Area hub (code LZXQ, in the Lanzhou New Area, 620171, with cold chain), a handful of
its bins (A-… ambient, C-… chilled, F-… frozen) and its shipping-fee table: one rate per province of China.

The fees are the platform's starting values, not a carrier's tariff: Gansu cheapest, its neighbours next,
far provinces more; Tibet, Xinjiang, Qinghai, Inner Mongolia and Hainan, and Hong Kong, Macau and Taiwan,
are remote areas with higher fees and no cold chain. Platform staff edit them at /platform/shipping-rates/
(or PATCH /api/v1/shipping/rates/<id>/). The values live in logistics/reference_data.py; re-running creates
only what is missing and never overwrites an edited rate.
"""

from django.db import migrations


def seed(apps, schema_editor):
    from logistics.reference_data import load_hub

    load_hub(
        apps.get_model("logistics", "Warehouse"),
        apps.get_model("logistics", "Bin"),
        apps.get_model("logistics", "ShippingRate"),
    )


def unseed(apps, schema_editor):
    apps.get_model("logistics", "Warehouse").objects.filter(code="LZXQ").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("logistics", "0001_initial"),
        ("regions", "0002_load_divisions"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
