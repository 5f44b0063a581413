"""Periods, pools, requests, review events, allocations, their changes and notices move from
``compute`` to ``allocations`` (ADR 0020). State only: the tables keep their ``compute_*`` names
and every row; the content types follow the models."""


import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MOVED = ["allocationperiod", "pool", "allocationrequest", "reviewevent", "allocation",
         "allocationchange", "allocationnotice"]


def _relabel(apps, old, new):  # type: ignore[no-untyped-def]
    content_type = apps.get_model("contenttypes", "ContentType")
    if not content_type.objects.filter(app_label=new, model__in=MOVED).exists():
        content_type.objects.filter(app_label=old, model__in=MOVED).update(app_label=new)


def content_types_to_allocations(apps, schema_editor):  # type: ignore[no-untyped-def]
    _relabel(apps, "compute", "allocations")


def content_types_to_compute(apps, schema_editor):  # type: ignore[no-untyped-def]
    _relabel(apps, "allocations", "compute")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('compute', '0015_cluster_moved_out'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('accounts', '0006_audit_key_the_chain'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # the tables stay as they are (names, rows, constraints): only Django's
            # idea of which app owns the models changes
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Allocation',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('eurohpc_reference', models.CharField(blank=True, max_length=64, null=True, unique=True, verbose_name='EuroHPC award')),
                        ('access_type', models.CharField(max_length=32, verbose_name='access type')),
                        ('title', models.CharField(blank=True, max_length=200, verbose_name='title')),
                        ('granted_gpu_hours', models.PositiveBigIntegerField(verbose_name='granted GPU-hours')),
                        ('start', models.DateField(verbose_name='start')),
                        ('end', models.DateField(verbose_name='end')),
                        ('state', models.CharField(choices=[('active', 'Active'), ('expiring', 'Expiring'), ('grace', 'Grace period'), ('expired', 'Expired'), ('closed', 'Closed')], default='active', max_length=10, verbose_name='state')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('project', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='allocations', to='accounts.project')),
                        ('renews', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='renewal', to='allocations.allocation')),
                    ],
                    options={
                        'db_table': 'compute_allocation',
                        'ordering': ['-start', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='AllocationPeriod',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('start', models.DateField(unique=True, verbose_name='start')),
                        ('end', models.DateField(unique=True, verbose_name='end')),
                        ('total_gpus', models.PositiveIntegerField(verbose_name='GPUs of the cluster')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        'db_table': 'compute_allocationperiod',
                        'ordering': ['start'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('end__gt', models.F('start'))), name='allocationperiod_end_after_start')],
                    },
                ),
                migrations.CreateModel(
                    name='AllocationRequest',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('title', models.CharField(max_length=200, verbose_name='title')),
                        ('access_type', models.CharField(max_length=32, verbose_name='access type')),
                        ('requested_gpu_hours', models.PositiveBigIntegerField(verbose_name='requested GPU-hours')),
                        ('justification', models.TextField(max_length=5000, verbose_name='scientific and technical case')),
                        ('expected_outputs', models.TextField(max_length=5000, verbose_name='expected outputs')),
                        ('data_sensitivity', models.CharField(choices=[('public', 'Public'), ('internal', 'Internal'), ('confidential', 'Confidential'), ('personal', 'Personal data')], max_length=16, verbose_name='data sensitivity')),
                        ('status', models.CharField(choices=[('submitted', 'Submitted'), ('changes_requested', 'Changes requested'), ('approved', 'Approved'), ('rejected', 'Rejected'), ('withdrawn', 'Withdrawn')], db_index=True, default='submitted', max_length=20, verbose_name='status')),
                        ('kind', models.CharField(choices=[('new', 'New allocation'), ('renewal', 'Renewal'), ('extension', 'Extension'), ('top_up', 'Top-up')], default='new', max_length=10, verbose_name='kind')),
                        ('requested_end', models.DateField(blank=True, null=True, verbose_name='new end date')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('amends', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='change_requests', to='allocations.allocation')),
                        ('period', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='allocations.allocationperiod')),
                        ('project', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='allocation_requests', to='accounts.project')),
                        ('submitted_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'compute_allocationrequest',
                        'ordering': ['-created_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='AllocationChange',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('new', 'New allocation'), ('renewal', 'Renewal'), ('extension', 'Extension'), ('top_up', 'Top-up')], max_length=10, verbose_name='kind')),
                        ('at', models.DateTimeField()),
                        ('actor_label', models.CharField(max_length=254)),
                        ('gpu_hours_before', models.PositiveBigIntegerField()),
                        ('gpu_hours_after', models.PositiveBigIntegerField()),
                        ('end_before', models.DateField()),
                        ('end_after', models.DateField()),
                        ('allocation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='changes', to='allocations.allocation')),
                        ('request', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='change', to='allocations.allocationrequest')),
                    ],
                    options={
                        'db_table': 'compute_allocationchange',
                        'ordering': ['at', 'id'],
                    },
                ),
                migrations.AddField(
                    model_name='allocation',
                    name='request',
                    field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='allocation', to='allocations.allocationrequest'),
                ),
                migrations.CreateModel(
                    name='Pool',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('national', 'National pool'), ('eurohpc', 'EuroHPC pool')], max_length=10, verbose_name='pool')),
                        ('share_percent', models.PositiveSmallIntegerField(verbose_name='share (%)')),
                        ('capacity_gpu_hours', models.PositiveBigIntegerField(verbose_name='capacity (GPU-hours)')),
                        ('overbooking_factor', models.DecimalField(decimal_places=2, max_digits=4, verbose_name='overbooking factor')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('period', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='pools', to='allocations.allocationperiod')),
                    ],
                    options={
                        'db_table': 'compute_pool',
                        'ordering': ['period__start', 'kind'],
                    },
                ),
                migrations.AddField(
                    model_name='allocationrequest',
                    name='pool',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='requests', to='allocations.pool'),
                ),
                migrations.AddField(
                    model_name='allocation',
                    name='pool',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='allocations', to='allocations.pool'),
                ),
                migrations.CreateModel(
                    name='ReviewEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('actor_label', models.CharField(max_length=254)),
                        ('at', models.DateTimeField()),
                        ('decision', models.CharField(choices=[('submitted', 'Submitted'), ('resubmitted', 'Resubmitted'), ('changes_requested', 'Changes requested'), ('approved', 'Approved'), ('rejected', 'Rejected'), ('withdrawn', 'Withdrawn')], max_length=20, verbose_name='decision')),
                        ('gpu_hours', models.PositiveBigIntegerField(blank=True, null=True, verbose_name='GPU-hours')),
                        ('comment', models.TextField(blank=True, max_length=5000, verbose_name='comment')),
                        ('actor', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('request', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='events', to='allocations.allocationrequest')),
                    ],
                    options={
                        'db_table': 'compute_reviewevent',
                        'ordering': ['at', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='AllocationNotice',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('for_end', models.DateField()),
                        ('days_before', models.PositiveSmallIntegerField()),
                        ('sent_at', models.DateTimeField()),
                        ('allocation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='notices', to='allocations.allocation')),
                    ],
                    options={
                        'db_table': 'compute_allocationnotice',
                        'ordering': ['allocation', '-days_before'],
                        'constraints': [models.UniqueConstraint(fields=('allocation', 'for_end', 'days_before'), name='allocationnotice_once')],
                    },
                ),
                migrations.AddConstraint(
                    model_name='pool',
                    constraint=models.UniqueConstraint(fields=('period', 'kind'), name='pool_one_per_kind'),
                ),
                migrations.AddConstraint(
                    model_name='allocationrequest',
                    constraint=models.CheckConstraint(condition=models.Q(('requested_gpu_hours__gt', 0), ('kind', 'extension'), _connector='OR'), name='allocationrequest_hours_positive'),
                ),
                migrations.AddConstraint(
                    model_name='allocationrequest',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('amends__isnull', True), ('kind', 'new')), models.Q(models.Q(('kind', 'new'), _negated=True), ('amends__isnull', False)), _connector='OR'), name='allocationrequest_change_amends'),
                ),
                migrations.AddConstraint(
                    model_name='allocationrequest',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'extension'), ('requested_end__isnull', False)), models.Q(models.Q(('kind', 'extension'), _negated=True), ('requested_end__isnull', True)), _connector='OR'), name='allocationrequest_extension_end'),
                ),
                migrations.AddConstraint(
                    model_name='allocation',
                    constraint=models.CheckConstraint(condition=models.Q(('granted_gpu_hours__gt', 0)), name='allocation_hours_positive'),
                ),
                migrations.AddConstraint(
                    model_name='allocation',
                    constraint=models.CheckConstraint(condition=models.Q(('end__gte', models.F('start'))), name='allocation_end_not_before_start'),
                ),
                migrations.AddConstraint(
                    model_name='allocation',
                    constraint=models.CheckConstraint(condition=models.Q(('request__isnull', False), ('eurohpc_reference__isnull', False), _connector='OR'), name='allocation_from_request_or_award'),
                ),
            ],
        ),
        migrations.RunPython(content_types_to_allocations, content_types_to_compute),
    ]
