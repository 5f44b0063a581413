"""Monthly statements and credit notes, billed from the usage ledger.

- ``Statement``: one organisation's issued statement of one calendar month (a draft is computed on
  demand and never stored). Issued statements are immutable: no service updates them, and a
  correction is a ``CreditNote`` referencing one.
- ``StatementLine``: usage of one project x member x partition x resource (GPU or CPU hours) of
  one month, its unit price and amount in integer euro cents. Lines of an earlier month whose
  statement was already issued are ``is_adjustment`` lines carrying that ``usage_month``.
- ``BilledEntry``: which statement billed a ledger ``UsageEntry`` (unique: an entry is billed
  exactly once) and on which GPU and CPU lines its seconds are counted: every line is traceable to
  its ledger entries.
- ``CreditNote`` + ``CreditNoteLine``: a correction issued by staff, with a reason, crediting
  amounts of an issued statement's lines.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from laif.accounts.errors import Conflict


class StatementImmutable(Conflict):
    """An issued statement (or one of its lines) cannot be changed: correct it with a credit
    note. Raised by ``save()`` of a stored statement or line, and by the services' guard."""


def _refuse_update(obj: models.Model, number: str) -> None:
    if not obj._state.adding:
        raise StatementImmutable(
            f"Statement {number} is issued and cannot be changed; correct it with a credit note.")


class BilledResource(models.TextChoices):
    GPU = "gpu", _("GPU-hours")
    CPU = "cpu", _("CPU-hours")


class Statement(models.Model):
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                                     related_name="statements")
    month = models.DateField()  # the first day of the month billed
    number = models.CharField(max_length=32, unique=True)
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    # snapshots at issue: what the customer saw, whatever changes later
    organisation_name = models.CharField(max_length=200)
    # the customer's and the issuer's legal data, and the due date (blank on statements issued
    # before they were recorded)
    customer_address = models.TextField(blank=True, default="")
    customer_vat = models.CharField(max_length=20, blank=True, default="")
    customer_rcs = models.CharField(max_length=20, blank=True, default="")
    issuer_name = models.CharField(max_length=200, blank=True, default="")
    issuer_address = models.TextField(blank=True, default="")
    issuer_vat = models.CharField(max_length=20, blank=True, default="")
    due_on = models.DateField(null=True, blank=True)
    currency = models.CharField(max_length=3, default="EUR")
    usage_cents = models.BigIntegerField()  # lines of the month itself
    adjustment_cents = models.BigIntegerField()  # late usage of earlier, issued months
    total_cents = models.BigIntegerField()
    entries_count = models.BigIntegerField()
    energy_j = models.BigIntegerField(null=True, blank=True)  # null: none reported
    energy_unreported = models.BigIntegerField(default=0)  # entries without energy
    price_assumption = models.BooleanField(default=False)

    class Meta:
        db_table = "compute_statement"  # the name from before the split (ADR 0020)
        ordering: ClassVar[list[str]] = ["-month", "organisation_id"]
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["organisation", "month"], name="statement_once"),
            models.CheckConstraint(
                condition=models.Q(total_cents=models.F("usage_cents")
                                   + models.F("adjustment_cents")),
                name="statement_total_adds_up"),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args: Any, **kwargs: Any) -> None:
        _refuse_update(self, self.number)
        super().save(*args, **kwargs)


class StatementLine(models.Model):
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="lines")
    project = models.ForeignKey("accounts.Project", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+")
    project_label = models.CharField(max_length=250)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                             blank=True, related_name="+")
    user_label = models.CharField(max_length=254)
    partition = models.CharField(max_length=64)
    resource = models.CharField(max_length=3, choices=BilledResource.choices)
    usage_month = models.DateField()
    is_adjustment = models.BooleanField(default=False)
    seconds = models.BigIntegerField()
    quantity_hours = models.DecimalField(max_digits=18, decimal_places=4)
    unit_price_eur = models.DecimalField(max_digits=12, decimal_places=4)
    amount_cents = models.BigIntegerField()
    entries_count = models.BigIntegerField()
    energy_j = models.BigIntegerField(null=True, blank=True)  # GPU lines; null: not reported
    price_assumption = models.BooleanField(default=False)

    class Meta:
        db_table = "compute_statementline"  # the name from before the split (ADR 0020)
        ordering: ClassVar[list[str]] = ["is_adjustment", "usage_month", "project_label",
                                         "user_label", "partition", "resource", "id"]
        constraints: ClassVar[list[Any]] = [
            models.CheckConstraint(condition=models.Q(seconds__gt=0), name="line_seconds_positive"),
            models.CheckConstraint(condition=models.Q(amount_cents__gte=0),
                                   name="line_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"line {self.pk} of {self.statement_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        _refuse_update(self, str(self.statement_id))
        super().save(*args, **kwargs)


class BilledEntry(models.Model):
    """A ledger entry billed by a statement: at most once, ever."""

    entry = models.OneToOneField("usage.UsageEntry", on_delete=models.PROTECT,
                                 related_name="billed")
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="billed")
    gpu_line = models.ForeignKey(StatementLine, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="gpu_entries")
    cpu_line = models.ForeignKey(StatementLine, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="cpu_entries")

    class Meta:
        db_table = "compute_billedentry"  # the name from before the split (ADR 0020)

    def __str__(self) -> str:
        return f"entry {self.entry_id} billed on {self.statement_id}"


class CreditNote(models.Model):
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT,
                                  related_name="credit_notes")
    number = models.CharField(max_length=40, unique=True)
    reason = models.TextField()
    total_cents = models.BigIntegerField()
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")

    class Meta:
        db_table = "compute_creditnote"  # the name from before the split (ADR 0020)
        ordering: ClassVar[list[str]] = ["-issued_at", "-id"]
        constraints: ClassVar[list[Any]] = [
            models.CheckConstraint(condition=models.Q(total_cents__gt=0),
                                   name="creditnote_total_positive"),
        ]

    def __str__(self) -> str:
        return self.number


class CreditNoteLine(models.Model):
    credit_note = models.ForeignKey(CreditNote, on_delete=models.PROTECT, related_name="lines")
    line = models.ForeignKey(StatementLine, on_delete=models.PROTECT, related_name="credits")
    amount_cents = models.BigIntegerField()

    class Meta:
        db_table = "compute_creditnoteline"  # the name from before the split (ADR 0020)
        constraints: ClassVar[list[Any]] = [
            models.CheckConstraint(condition=models.Q(amount_cents__gt=0),
                                   name="creditline_amount_positive"),
            models.UniqueConstraint(fields=["credit_note", "line"], name="creditline_once"),
        ]

    def __str__(self) -> str:
        return f"credit of {self.amount_cents} on line {self.line_id}"
