"""Jobs move from ``compute`` to ``jobs`` (ADR 0020). State only: the table keeps its
``compute_job`` name and every row; the content type follows the model."""


import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MOVED = ["job"]


def _relabel(apps, old, new):  # type: ignore[no-untyped-def]
    content_type = apps.get_model("contenttypes", "ContentType")
    if not content_type.objects.filter(app_label=new, model__in=MOVED).exists():
        content_type.objects.filter(app_label=old, model__in=MOVED).update(app_label=new)


def content_types_to_jobs(apps, schema_editor):  # type: ignore[no-untyped-def]
    _relabel(apps, "compute", "jobs")


def content_types_to_compute(apps, schema_editor):  # type: ignore[no-untyped-def]
    _relabel(apps, "jobs", "compute")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('compute', '0017_usage_moved_out'),
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
                    name='Job',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=100, verbose_name='name')),
                        ('template', models.CharField(blank=True, max_length=40, verbose_name='template')),
                        ('script', models.TextField(max_length=100000, verbose_name='script')),
                        ('gpus', models.PositiveIntegerField(verbose_name='GPUs')),
                        ('time_limit_minutes', models.PositiveIntegerField(verbose_name='time limit (minutes)')),
                        ('partition', models.CharField(blank=True, max_length=32, verbose_name='partition')),
                        ('array_size', models.PositiveIntegerField(default=1, verbose_name='array size')),
                        ('array_throttle', models.PositiveIntegerField(default=0, verbose_name='array tasks at a time')),
                        ('state', models.CharField(choices=[('queued', 'Queued in the platform'), ('submitting', 'Being submitted'), ('confirming', 'Being confirmed'), ('pending', 'Waiting in the scheduler'), ('running', 'Running'), ('completed', 'Completed'), ('failed', 'Failed'), ('cancelled', 'Cancelled'), ('timeout', 'Time limit reached'), ('refused', 'Refused by the scheduler'), ('unknown', 'Unknown'), ('lost', 'Lost by the scheduler')], db_index=True, default='queued', max_length=12, verbose_name='state')),
                        ('scheduler', models.CharField(max_length=10)),
                        ('scheduler_id', models.CharField(blank=True, max_length=64)),
                        ('reason', models.CharField(blank=True, max_length=200, verbose_name='reason')),
                        ('queued_reason', models.CharField(blank=True, max_length=500, verbose_name='why the platform holds it')),
                        ('submit_attempts', models.PositiveIntegerField(default=0)),
                        ('submitting_since', models.DateTimeField(blank=True, null=True)),
                        ('next_attempt_at', models.DateTimeField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('submitted_at', models.DateTimeField(blank=True, null=True)),
                        ('started_at', models.DateTimeField(blank=True, null=True)),
                        ('ended_at', models.DateTimeField(blank=True, null=True)),
                        ('exit_code', models.IntegerField(blank=True, null=True)),
                        ('state_checked_at', models.DateTimeField(blank=True, null=True)),
                        ('allocation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='jobs', to='allocations.allocation')),
                        ('project', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='jobs', to='accounts.project')),
                        ('submitted_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'compute_job',
                        'ordering': ['-created_at', '-id'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('time_limit_minutes__gt', 0)), name='job_time_limit_positive'), models.CheckConstraint(condition=models.Q(('array_size__gt', 0)), name='job_array_size_positive'), models.CheckConstraint(condition=models.Q(('array_throttle__lte', models.F('array_size'))), name='job_array_throttle_within_size')],
                    },
                ),
            ],
        ),
        migrations.RunPython(content_types_to_jobs, content_types_to_compute),
    ]
