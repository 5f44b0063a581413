"""A cashback claim's statement is now ``billing.Statement`` (ADR 0020): the same table, state only."""


import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0001_initial'),
        ('fund', '0002_claim_refused'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # the tables stay as they are (names, rows, constraints): only Django's
            # idea of which app owns the models changes
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name='cashbackclaim',
                    name='statement',
                    field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='cashback_claim', to='billing.statement'),
                ),
            ],
        ),
    ]
