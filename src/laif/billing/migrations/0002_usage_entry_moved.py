"""A billed entry points at ``usage.UsageEntry`` since the ledger moved to ``usage`` (ADR 0020):
state only, the foreign key and its table stay as they are."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0001_initial'),
        ('usage', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # the tables stay as they are (names, rows, constraints): only Django's
            # idea of which app owns the models changes
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name='billedentry',
                    name='entry',
                    field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='billed', to='usage.usageentry'),
                ),
            ],
        ),
    ]
