"""Cashback claims and aid received.

- ``CashbackClaim``: the reimbursement of 80% of one issued statement's eligible amount (at most
  one per statement); computed -> submitted (organisation admin) -> paid or refused (factory
  operator, with the funding body's reason; a refused claim is final and no longer counts against
  the yearly cap or the de minimis ceiling). The statement itself stays at full price: the claim
  is a separate document.
- ``AidRecord``: State aid an organisation received (the cashback once paid; other instruments
  may be recorded by staff): the de minimis total (Regulation (EU) 2023/2831) sums these.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ClaimState(models.TextChoices):
    COMPUTED = "computed", _("Computed")
    SUBMITTED = "submitted", _("Submitted")
    PAID = "paid", _("Paid")
    REFUSED = "refused", _("Refused")


class CashbackClaim(models.Model):
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                                     related_name="cashback_claims")
    statement = models.OneToOneField("billing.Statement", on_delete=models.PROTECT,
                                     related_name="cashback_claim")
    month = models.DateField()  # the statement's month (the cap's window is its year)
    state = models.CharField(max_length=10, choices=ClaimState.choices,
                             default=ClaimState.COMPUTED)
    statement_total_cents = models.BigIntegerField()
    credited_cents = models.BigIntegerField()
    eligible_cents = models.BigIntegerField()
    rate_percent = models.PositiveSmallIntegerField()
    gross_cents = models.BigIntegerField()
    amount_cents = models.BigIntegerField()
    limited_by = models.CharField(max_length=12, blank=True)
    cap_left_cents = models.BigIntegerField()
    de_minimis_left_cents = models.BigIntegerField()
    rule_version = models.PositiveIntegerField()
    # the verified SME status the eligibility rested on, and its declaration ("" / null: none,
    # e.g. a start-up's claim, or a claim computed before declarations existed)
    sme_class = models.CharField(max_length=10, blank=True)
    sme_declaration = models.ForeignKey("accounts.SmeDeclaration", on_delete=models.PROTECT,
                                        null=True, blank=True, related_name="+")
    computed_at = models.DateTimeField()
    computed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                blank=True, related_name="+")
    payment_reference = models.CharField(max_length=100, blank=True)
    refused_at = models.DateTimeField(null=True, blank=True)
    refused_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    refusal_reason = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-month", "-id"]
        constraints: ClassVar[list[Any]] = [
            models.CheckConstraint(condition=models.Q(amount_cents__gt=0),
                                   name="claim_amount_positive"),
            models.CheckConstraint(condition=models.Q(amount_cents__lte=models.F("gross_cents")),
                                   name="claim_not_above_rate"),
        ]

    def __str__(self) -> str:
        return f"cashback claim {self.pk} ({self.state})"


class AidInstrument(models.TextChoices):
    COMPUTE_CASHBACK = "compute_cashback", _("Compute cashback (80%)")
    OTHER = "other", _("Other de minimis aid")


class AidRecord(models.Model):
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                                     related_name="aid_records")
    amount_cents = models.BigIntegerField()
    granted_on = models.DateField()
    instrument = models.CharField(max_length=20, choices=AidInstrument.choices)
    source = models.CharField(max_length=300)
    claim = models.OneToOneField(CashbackClaim, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="aid")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-granted_on", "-id"]
        constraints: ClassVar[list[Any]] = [
            models.CheckConstraint(condition=models.Q(amount_cents__gt=0),
                                   name="aid_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"aid {self.amount_cents} to {self.organisation_id} on {self.granted_on}"
