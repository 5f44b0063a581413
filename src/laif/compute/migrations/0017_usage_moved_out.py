"""The usage ledger's runs, checkpoints, records, entries and running totals now belong to
``usage`` (ADR 0020): compute forgets the models, state only; the tables, rows and foreign keys
stay as they are."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0002_usage_entry_moved'),
        ('compute', '0016_allocations_moved_out'),
        ('usage', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # the tables stay as they are (names, rows, constraints): only Django's
            # idea of which app owns the models changes
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name='usagerecord',
                    name='run',
                ),
                migrations.RemoveField(
                    model_name='usageentry',
                    name='allocation',
                ),
                migrations.RemoveField(
                    model_name='usageentry',
                    name='organisation',
                ),
                migrations.RemoveField(
                    model_name='usageentry',
                    name='project',
                ),
                migrations.RemoveField(
                    model_name='usageentry',
                    name='record',
                ),
                migrations.RemoveField(
                    model_name='usageentry',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='usagerecord',
                    name='project',
                ),
                migrations.RemoveField(
                    model_name='usagerecord',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='usagetotal',
                    name='allocation',
                ),
                migrations.RemoveField(
                    model_name='usagetotal',
                    name='organisation',
                ),
                migrations.RemoveField(
                    model_name='usagetotal',
                    name='project',
                ),
                migrations.RemoveField(
                    model_name='usagetotal',
                    name='user',
                ),
                migrations.DeleteModel(
                    name='IngestCheckpoint',
                ),
                migrations.DeleteModel(
                    name='IngestRun',
                ),
                migrations.DeleteModel(
                    name='UsageEntry',
                ),
                migrations.DeleteModel(
                    name='UsageRecord',
                ),
                migrations.DeleteModel(
                    name='UsageTotal',
                ),
            ],
        ),
    ]
