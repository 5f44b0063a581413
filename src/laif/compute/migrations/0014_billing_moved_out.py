"""Statements, credit notes and billed entries now belong to ``billing`` (ADR 0020): compute forgets
them, state only; the tables and rows stay, owned by ``billing.0001_initial``."""


from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('compute', '0013_load_usage_totals'),
        ('fund', '0003_claim_statement_in_billing'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # the tables stay as they are (names, rows, constraints): only Django's
            # idea of which app owns the models changes
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name='creditnote',
                    name='issued_by',
                ),
                migrations.RemoveField(
                    model_name='creditnote',
                    name='statement',
                ),
                migrations.RemoveField(
                    model_name='creditnoteline',
                    name='credit_note',
                ),
                migrations.RemoveField(
                    model_name='creditnoteline',
                    name='line',
                ),
                migrations.RemoveField(
                    model_name='statement',
                    name='issued_by',
                ),
                migrations.RemoveField(
                    model_name='statement',
                    name='organisation',
                ),
                migrations.RemoveField(
                    model_name='statementline',
                    name='statement',
                ),
                migrations.RemoveField(
                    model_name='statementline',
                    name='project',
                ),
                migrations.RemoveField(
                    model_name='statementline',
                    name='user',
                ),
                migrations.DeleteModel(
                    name='BilledEntry',
                ),
                migrations.DeleteModel(
                    name='CreditNote',
                ),
                migrations.DeleteModel(
                    name='CreditNoteLine',
                ),
                migrations.DeleteModel(
                    name='Statement',
                ),
                migrations.DeleteModel(
                    name='StatementLine',
                ),
            ],
        ),
    ]
