"""Jobs now belong to ``jobs`` (ADR 0020): compute forgets the model, state only; the table, its
rows and foreign keys stay as they are. Compute owns no model any more."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('compute', '0017_usage_moved_out'),
        ('jobs', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # the tables stay as they are (names, rows, constraints): only Django's
            # idea of which app owns the models changes
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(
                    name='Job',
                ),
            ],
        ),
    ]
