"""Statements, credit notes and billed entries move from ``compute`` to ``billing`` (ADR 0020).

State only: the tables keep their ``compute_*`` names and every row; the content types (admin log,
permissions) follow the models."""


import django.db.models.deletion
import django.db.models.expressions
from django.conf import settings
from django.db import migrations, models

MOVED = ["statement", "statementline", "billedentry", "creditnote", "creditnoteline"]


def _relabel(apps, old, new):  # type: ignore[no-untyped-def]
    content_type = apps.get_model("contenttypes", "ContentType")
    if not content_type.objects.filter(app_label=new, model__in=MOVED).exists():
        content_type.objects.filter(app_label=old, model__in=MOVED).update(app_label=new)


def content_types_to_billing(apps, schema_editor):  # type: ignore[no-untyped-def]
    _relabel(apps, "compute", "billing")


def content_types_to_compute(apps, schema_editor):  # type: ignore[no-untyped-def]
    _relabel(apps, "billing", "compute")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('accounts', '0006_audit_key_the_chain'),
        ('compute', '0013_load_usage_totals'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # the tables stay as they are (names, rows, constraints): only Django's
            # idea of which app owns the models changes
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Statement',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('month', models.DateField()),
                        ('number', models.CharField(max_length=32, unique=True)),
                        ('issued_at', models.DateTimeField()),
                        ('organisation_name', models.CharField(max_length=200)),
                        ('currency', models.CharField(default='EUR', max_length=3)),
                        ('usage_cents', models.BigIntegerField()),
                        ('adjustment_cents', models.BigIntegerField()),
                        ('total_cents', models.BigIntegerField()),
                        ('entries_count', models.BigIntegerField()),
                        ('energy_j', models.BigIntegerField(blank=True, null=True)),
                        ('energy_unreported', models.BigIntegerField(default=0)),
                        ('price_assumption', models.BooleanField(default=False)),
                        ('issued_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='statements', to='accounts.organisation')),
                    ],
                    options={
                        'db_table': 'compute_statement',
                        'ordering': ['-month', 'organisation_id'],
                    },
                ),
                migrations.CreateModel(
                    name='CreditNote',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('number', models.CharField(max_length=40, unique=True)),
                        ('reason', models.TextField()),
                        ('total_cents', models.BigIntegerField()),
                        ('issued_at', models.DateTimeField()),
                        ('issued_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('statement', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='credit_notes', to='billing.statement')),
                    ],
                    options={
                        'db_table': 'compute_creditnote',
                        'ordering': ['-issued_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='StatementLine',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('project_label', models.CharField(max_length=250)),
                        ('user_label', models.CharField(max_length=254)),
                        ('partition', models.CharField(max_length=64)),
                        ('resource', models.CharField(choices=[('gpu', 'GPU-hours'), ('cpu', 'CPU-hours')], max_length=3)),
                        ('usage_month', models.DateField()),
                        ('is_adjustment', models.BooleanField(default=False)),
                        ('seconds', models.BigIntegerField()),
                        ('quantity_hours', models.DecimalField(decimal_places=4, max_digits=18)),
                        ('unit_price_eur', models.DecimalField(decimal_places=4, max_digits=12)),
                        ('amount_cents', models.BigIntegerField()),
                        ('entries_count', models.BigIntegerField()),
                        ('energy_j', models.BigIntegerField(blank=True, null=True)),
                        ('price_assumption', models.BooleanField(default=False)),
                        ('project', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.project')),
                        ('statement', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='lines', to='billing.statement')),
                        ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'compute_statementline',
                        'ordering': ['is_adjustment', 'usage_month', 'project_label', 'user_label', 'partition', 'resource', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='CreditNoteLine',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('amount_cents', models.BigIntegerField()),
                        ('credit_note', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='lines', to='billing.creditnote')),
                        ('line', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='credits', to='billing.statementline')),
                    ],
                    options={
                        'db_table': 'compute_creditnoteline',
                    },
                ),
                migrations.CreateModel(
                    name='BilledEntry',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('entry', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='billed', to='compute.usageentry')),
                        ('statement', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='billed', to='billing.statement')),
                        ('cpu_line', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='cpu_entries', to='billing.statementline')),
                        ('gpu_line', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='gpu_entries', to='billing.statementline')),
                    ],
                    options={
                        'db_table': 'compute_billedentry',
                    },
                ),
                migrations.AddConstraint(
                    model_name='statement',
                    constraint=models.UniqueConstraint(fields=('organisation', 'month'), name='statement_once'),
                ),
                migrations.AddConstraint(
                    model_name='statement',
                    constraint=models.CheckConstraint(condition=models.Q(('total_cents', django.db.models.expressions.CombinedExpression(models.F('usage_cents'), '+', models.F('adjustment_cents')))), name='statement_total_adds_up'),
                ),
                migrations.AddConstraint(
                    model_name='creditnote',
                    constraint=models.CheckConstraint(condition=models.Q(('total_cents__gt', 0)), name='creditnote_total_positive'),
                ),
                migrations.AddConstraint(
                    model_name='statementline',
                    constraint=models.CheckConstraint(condition=models.Q(('seconds__gt', 0)), name='line_seconds_positive'),
                ),
                migrations.AddConstraint(
                    model_name='statementline',
                    constraint=models.CheckConstraint(condition=models.Q(('amount_cents__gte', 0)), name='line_amount_not_negative'),
                ),
                migrations.AddConstraint(
                    model_name='creditnoteline',
                    constraint=models.CheckConstraint(condition=models.Q(('amount_cents__gt', 0)), name='creditline_amount_positive'),
                ),
                migrations.AddConstraint(
                    model_name='creditnoteline',
                    constraint=models.UniqueConstraint(fields=('credit_note', 'line'), name='creditline_once'),
                ),
            ],
        ),
        migrations.RunPython(content_types_to_billing, content_types_to_compute),
    ]
