"""The usage ledger's runs, checkpoints, records, entries and running totals move from
``compute`` to ``usage`` (ADR 0020). State only: the tables keep their ``compute_*`` names and
every row; the content types follow the models."""


import django.db.models.deletion
import django.db.models.functions.comparison
from django.conf import settings
from django.db import migrations, models

MOVED = ["ingestrun", "ingestcheckpoint", "usagerecord", "usageentry", "usagetotal"]


def _relabel(apps, old, new):  # type: ignore[no-untyped-def]
    content_type = apps.get_model("contenttypes", "ContentType")
    if not content_type.objects.filter(app_label=new, model__in=MOVED).exists():
        content_type.objects.filter(app_label=old, model__in=MOVED).update(app_label=new)


def content_types_to_usage(apps, schema_editor):  # type: ignore[no-untyped-def]
    _relabel(apps, "compute", "usage")


def content_types_to_compute(apps, schema_editor):  # type: ignore[no-untyped-def]
    _relabel(apps, "usage", "compute")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('compute', '0016_allocations_moved_out'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('accounts', '0006_audit_key_the_chain'),
        ('allocations', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # the tables stay as they are (names, rows, constraints): only Django's
            # idea of which app owns the models changes
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='IngestRun',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('source', models.CharField(choices=[('slurm', 'Slurm accounting'), ('file', 'Replayed sacct file'), ('local', 'Local runner')], max_length=8)),
                        ('cluster', models.CharField(max_length=64)),
                        ('window_start', models.DateTimeField(blank=True, null=True)),
                        ('window_end', models.DateTimeField(blank=True, null=True)),
                        ('file_sha256', models.CharField(blank=True, max_length=64)),
                        ('state', models.CharField(choices=[('running', 'Running'), ('done', 'Done'), ('failed', 'Failed')], default='running', max_length=8)),
                        ('records_read', models.PositiveBigIntegerField(default=0)),
                        ('records_new', models.PositiveBigIntegerField(default=0)),
                        ('error', models.TextField(blank=True)),
                        ('started_at', models.DateTimeField()),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('host', models.CharField(blank=True, max_length=255)),
                        ('pid', models.PositiveIntegerField(blank=True, null=True)),
                        ('heartbeat_at', models.DateTimeField(blank=True, null=True)),
                    ],
                    options={
                        'db_table': 'compute_ingestrun',
                        'ordering': ['-started_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='UsageRecord',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('source', models.CharField(choices=[('slurm', 'Slurm accounting'), ('file', 'Replayed sacct file'), ('local', 'Local runner')], max_length=8)),
                        ('cluster', models.CharField(max_length=64)),
                        ('job_id', models.BigIntegerField()),
                        ('submit_time', models.DateTimeField()),
                        ('array_job_id', models.BigIntegerField(blank=True, null=True)),
                        ('array_task_id', models.BigIntegerField(blank=True, null=True)),
                        ('username', models.CharField(max_length=64)),
                        ('account', models.CharField(max_length=64)),
                        ('partition', models.CharField(max_length=64)),
                        ('state', models.CharField(max_length=24)),
                        ('start_time', models.DateTimeField(blank=True, null=True)),
                        ('end_time', models.DateTimeField()),
                        ('elapsed_s', models.BigIntegerField()),
                        ('cpus', models.IntegerField()),
                        ('gpus', models.IntegerField()),
                        ('cpu_seconds', models.BigIntegerField()),
                        ('gpu_seconds', models.BigIntegerField()),
                        ('energy_j', models.BigIntegerField(blank=True, null=True)),
                        ('project', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.project')),
                        ('run', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='records', to='usage.ingestrun')),
                        ('user', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'compute_usagerecord',
                    },
                ),
                migrations.CreateModel(
                    name='UsageEntry',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('month', models.DateField()),
                        ('partition', models.CharField(max_length=64)),
                        ('elapsed_s', models.BigIntegerField()),
                        ('cpu_seconds', models.BigIntegerField()),
                        ('gpu_seconds', models.BigIntegerField()),
                        ('energy_j', models.BigIntegerField(blank=True, null=True)),
                        ('allocation', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='usage_entries', to='allocations.allocation')),
                        ('organisation', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.organisation')),
                        ('project', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.project')),
                        ('user', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('record', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='entries', to='usage.usagerecord')),
                    ],
                    options={
                        'db_table': 'compute_usageentry',
                    },
                ),
                migrations.CreateModel(
                    name='UsageTotal',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('partition', models.CharField(max_length=64)),
                        ('month', models.DateField()),
                        ('entries', models.BigIntegerField()),
                        ('gpu_seconds', models.BigIntegerField()),
                        ('cpu_seconds', models.BigIntegerField()),
                        ('energy_j', models.BigIntegerField()),
                        ('energy_reported', models.BigIntegerField()),
                        ('billed_entries', models.BigIntegerField()),
                        ('billed_gpu_seconds', models.BigIntegerField()),
                        ('billed_cpu_seconds', models.BigIntegerField()),
                        ('billed_energy_j', models.BigIntegerField()),
                        ('billed_energy_reported', models.BigIntegerField()),
                        ('allocation', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='allocations.allocation')),
                        ('organisation', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.organisation')),
                        ('project', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.project')),
                        ('user', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'compute_usagetotal',
                    },
                ),
                migrations.CreateModel(
                    name='IngestCheckpoint',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('source', models.CharField(choices=[('slurm', 'Slurm accounting'), ('file', 'Replayed sacct file'), ('local', 'Local runner')], max_length=8)),
                        ('cluster', models.CharField(max_length=64)),
                        ('ingested_until', models.DateTimeField()),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('run', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='usage.ingestrun')),
                    ],
                    options={
                        'db_table': 'compute_ingestcheckpoint',
                        'constraints': [models.UniqueConstraint(fields=('source', 'cluster'), name='ingestcheckpoint_once')],
                    },
                ),
                migrations.AddConstraint(
                    model_name='usagerecord',
                    constraint=models.UniqueConstraint(fields=('cluster', 'job_id', 'submit_time'), name='usagerecord_key'),
                ),
                migrations.AddIndex(
                    model_name='usageentry',
                    index=models.Index(fields=['organisation', 'month'], name='usageentry_org_month'),
                ),
                migrations.AddIndex(
                    model_name='usageentry',
                    index=models.Index(fields=['project', 'month'], name='usageentry_project_month'),
                ),
                migrations.AddConstraint(
                    model_name='usageentry',
                    constraint=models.UniqueConstraint(fields=('record', 'month'), name='usageentry_once'),
                ),
                migrations.AddIndex(
                    model_name='usagetotal',
                    index=models.Index(fields=['organisation', 'month'], name='usagetotal_org_month'),
                ),
                migrations.AddIndex(
                    model_name='usagetotal',
                    index=models.Index(fields=['project', 'month'], name='usagetotal_project_month'),
                ),
                migrations.AddConstraint(
                    model_name='usagetotal',
                    constraint=models.UniqueConstraint(django.db.models.functions.comparison.Coalesce('organisation', 0), django.db.models.functions.comparison.Coalesce('project', 0), django.db.models.functions.comparison.Coalesce('user', 0), django.db.models.functions.comparison.Coalesce('allocation', 0), models.F('partition'), models.F('month'), name='usagetotal_key'),
                ),
            ],
        ),
        migrations.RunPython(content_types_to_usage, content_types_to_compute),
    ]
