"""Orders shops shipped before shipments were tracked get their shipment (status from the order)."""

from django.db import migrations


def forwards(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    Shipment = apps.get_model("logistics", "Shipment")
    seen = set(Shipment.objects.values_list("order_ref", flat=True))
    taken = set(Shipment.objects.values_list("carrier", "tracking_number"))
    shipped = Order.objects.exclude(tracking_number="").filter(shipped_at__isnull=False).order_by("pk")
    for order in shipped.iterator():
        if order.pk in seen or (order.carrier, order.tracking_number) in taken:
            continue
        taken.add((order.carrier, order.tracking_number))
        Shipment.objects.create(
            order_ref=order.pk,
            order_number=order.number,
            vendor_id=order.vendor_id,
            carrier=order.carrier,
            tracking_number=order.tracking_number,
            status="delivered" if order.delivered_at else "shipped",
            delivered_at=order.delivered_at,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0007_express_and_lots"),
        ("logistics", "0004_fulfillment"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
