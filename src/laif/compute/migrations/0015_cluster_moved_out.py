"""This installation and the Slurm accounts now belong to ``cluster`` (ADR 0020): compute forgets
them, state only; the tables and rows stay, owned by ``cluster.0001_initial``."""


from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('cluster', '0001_initial'),
        ('compute', '0014_billing_moved_out'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # the tables stay as they are (names, rows, constraints): only Django's
            # idea of which app owns the models changes
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(
                    name='Installation',
                ),
                migrations.DeleteModel(
                    name='SlurmAccount',
                ),
            ],
        ),
    ]
