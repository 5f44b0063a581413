"""The running totals also sum the GPU- and CPU-seconds of the entries that reported no energy
(``green`` estimates their energy). Existing rows are filled from their entries: one ``UPDATE``
per key that has such entries."""

from django.db import migrations, models
from django.db.models import Q, Sum

KEY = ("organisation_id", "project_id", "user_id", "allocation_id", "partition", "month")


def fill(apps, schema_editor):  # type: ignore[no-untyped-def]
    entry = apps.get_model("usage", "UsageEntry")
    total = apps.get_model("usage", "UsageTotal")
    rows = (entry.objects.filter(energy_j__isnull=True).order_by().values(*KEY)
            .annotate(gpu=Sum("gpu_seconds"), cpu=Sum("cpu_seconds")))
    for row in rows:
        match = Q()
        for column in KEY:
            match &= (Q(**{f"{column}__isnull": True}) if row[column] is None
                      else Q(**{column: row[column]}))
        total.objects.filter(match).update(unreported_gpu_seconds=int(row["gpu"] or 0),
                                           unreported_cpu_seconds=int(row["cpu"] or 0))


class Migration(migrations.Migration):

    dependencies = [
        ("usage", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="usagetotal",
            name="unreported_cpu_seconds",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="usagetotal",
            name="unreported_gpu_seconds",
            field=models.BigIntegerField(default=0),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
