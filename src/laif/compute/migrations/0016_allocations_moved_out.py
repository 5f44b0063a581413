"""Periods, pools, requests, review events, allocations, changes and notices now belong to
``allocations`` (ADR 0020): jobs and the ledger point at ``allocations.Allocation`` and compute
forgets the models, state only; the tables, rows and foreign keys stay as they are."""


import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('allocations', '0001_initial'),
        ('compute', '0015_cluster_moved_out'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # the tables stay as they are (names, rows, constraints): only Django's
            # idea of which app owns the models changes
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name='allocation',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='allocation',
                    name='pool',
                ),
                migrations.RemoveField(
                    model_name='allocation',
                    name='project',
                ),
                migrations.RemoveField(
                    model_name='allocation',
                    name='renews',
                ),
                migrations.RemoveField(
                    model_name='allocation',
                    name='request',
                ),
                migrations.RemoveField(
                    model_name='allocationrequest',
                    name='amends',
                ),
                migrations.AlterField(
                    model_name='usagetotal',
                    name='allocation',
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='allocations.allocation'),
                ),
                migrations.AlterField(
                    model_name='job',
                    name='allocation',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='jobs', to='allocations.allocation'),
                ),
                migrations.AlterField(
                    model_name='usageentry',
                    name='allocation',
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='usage_entries', to='allocations.allocation'),
                ),
                migrations.RemoveField(
                    model_name='allocationchange',
                    name='allocation',
                ),
                migrations.RemoveField(
                    model_name='allocationchange',
                    name='request',
                ),
                migrations.RemoveField(
                    model_name='pool',
                    name='period',
                ),
                migrations.RemoveField(
                    model_name='allocationrequest',
                    name='period',
                ),
                migrations.RemoveField(
                    model_name='allocationrequest',
                    name='pool',
                ),
                migrations.RemoveField(
                    model_name='allocationrequest',
                    name='project',
                ),
                migrations.RemoveField(
                    model_name='allocationrequest',
                    name='submitted_by',
                ),
                migrations.RemoveField(
                    model_name='reviewevent',
                    name='request',
                ),
                migrations.RemoveField(
                    model_name='reviewevent',
                    name='actor',
                ),
                migrations.DeleteModel(
                    name='AllocationNotice',
                ),
                migrations.DeleteModel(
                    name='Allocation',
                ),
                migrations.DeleteModel(
                    name='AllocationChange',
                ),
                migrations.DeleteModel(
                    name='AllocationPeriod',
                ),
                migrations.DeleteModel(
                    name='Pool',
                ),
                migrations.DeleteModel(
                    name='AllocationRequest',
                ),
                migrations.DeleteModel(
                    name='ReviewEvent',
                ),
            ],
        ),
    ]
