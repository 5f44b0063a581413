"""This installation and the platform's Slurm accounts move from ``compute`` to ``cluster`` (ADR
0020). State only: the tables keep their ``compute_*`` names and every row; the content types
follow the models."""


import django.db.models.deletion
from django.db import migrations, models

MOVED = ["installation", "slurmaccount"]


def _relabel(apps, old, new):  # type: ignore[no-untyped-def]
    content_type = apps.get_model("contenttypes", "ContentType")
    if not content_type.objects.filter(app_label=new, model__in=MOVED).exists():
        content_type.objects.filter(app_label=old, model__in=MOVED).update(app_label=new)


def content_types_to_cluster(apps, schema_editor):  # type: ignore[no-untyped-def]
    _relabel(apps, "compute", "cluster")


def content_types_to_compute(apps, schema_editor):  # type: ignore[no-untyped-def]
    _relabel(apps, "cluster", "compute")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('compute', '0014_billing_moved_out'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('accounts', '0006_audit_key_the_chain'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # the tables stay as they are (names, rows, constraints): only Django's
            # idea of which app owns the models changes
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Installation',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.CharField(max_length=16, unique=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        'db_table': 'compute_installation',
                    },
                ),
                migrations.CreateModel(
                    name='SlurmAccount',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=42, unique=True)),
                        ('legacy', models.BooleanField(default=False)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('project', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='slurm_account', to='accounts.project')),
                    ],
                    options={
                        'db_table': 'compute_slurmaccount',
                    },
                ),
            ],
        ),
        migrations.RunPython(content_types_to_cluster, content_types_to_compute),
    ]
