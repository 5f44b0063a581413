"""Cashback claims and aid received.

- ``CashbackClaim``: the reimbursement of 80% of one issued statement's eligible amount (at most
  one per statement); computed -> submitted (organisation admin) -> paid or refused (factory
  operator, with the funding body's reason; a refused claim is final and no longer counts against
  the yearly cap or the de minimis ceiling). The statement itself stays at full price: the claim
  is a separate document.
- ``AidRecord``: State aid an organisation (as a single undertaking, its linked enterprises'
  aid included) received: the cashback once granted, aid received elsewhere that its admins or
  staff declare. Each carries its legal basis and the date the legal right to it was conferred
  (``granted_on``, not the payment date): the de minimis total (Regulation (EU) 2023/2831) sums
  the de minimis ones over the three years before a day.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


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
    # a reduced grant (the full amount did not fit under the de minimis ceiling): the amount
    # claimed before the factory's decision, and the decision's reason
    reduced_from_cents = models.BigIntegerField(null=True, blank=True)
    reduction_reason = models.CharField(max_length=1000, blank=True)

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
    OTHER = "other", _("Other aid")


class LegalBasis(models.TextChoices):
    DE_MINIMIS = "de_minimis", _("De minimis (Regulation (EU) 2023/2831)")
    BLOCK_EXEMPTION = "block_exemption", _("Block exemption (GBER)")
    OTHER = "other", _("Other legal basis")


class AidRecord(models.Model):
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                                     related_name="aid_records")
    amount_cents = models.BigIntegerField()
    granted_on = models.DateField()
    instrument = models.CharField(max_length=20, choices=AidInstrument.choices)
    legal_basis = models.CharField(max_length=20, choices=LegalBasis.choices,
                                   default=LegalBasis.DE_MINIMIS)
    source = models.CharField(max_length=300)  # the granting authority and its reference
    recipient = models.CharField(max_length=200, blank=True)  # "": the organisation itself
    paid_on = models.DateField(null=True, blank=True)
    claim = models.OneToOneField(CashbackClaim, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="aid")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-granted_on", "-id"]
        constraints: ClassVar[list[Any]] = [
            models.CheckConstraint(condition=models.Q(amount_cents__gt=0),
                                   name="aid_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"aid {self.amount_cents} to {self.organisation_id} on {self.granted_on}"


class ApplicationState(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("funding application", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("funding application", "Submitted")
    GRANTED = "granted", pgettext_lazy("funding application", "Granted")
    REFUSED = "refused", pgettext_lazy("funding application", "Refused")


class FundingApplication(models.Model):
    """An organisation's application to a funding instrument (``catalogue/funding.json``):
    drafted and submitted by its admins, granted or refused by the factory's operators. A grant
    is recorded as aid (``aid``) with its legal basis and grant date, so a de minimis grant counts
    in the total; a grant below the amount applied for is a recorded decision with its reason."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                                     related_name="funding_applications")
    instrument = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    amount_cents = models.BigIntegerField()
    state = models.CharField(max_length=10, choices=ApplicationState.choices,
                             default=ApplicationState.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    decision_note = models.TextField(max_length=1000, blank=True)
    granted_cents = models.BigIntegerField(null=True, blank=True)
    aid = models.OneToOneField(AidRecord, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="application")

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]
        constraints: ClassVar[list[Any]] = [
            models.CheckConstraint(condition=models.Q(amount_cents__gt=0),
                                   name="application_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.instrument})"


class InstrumentVersion(models.Model):
    """A version of a funding instrument published by the factory's operators, without code: the
    instrument in ``catalogue/funding.json``'s format (``data``), in force from
    ``effective_from`` until a later version's date. The file's version applies before the
    first."""

    code = models.CharField(max_length=40)
    effective_from = models.DateField()
    data = models.JSONField()
    note = models.CharField(max_length=300)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, related_name="+")
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["code", "effective_from", "published_at", "id"]
        indexes: ClassVar[list[Any]] = [
            models.Index(fields=["code", "effective_from"], name="instrument_version"),
        ]

    def __str__(self) -> str:
        return f"{self.code} from {self.effective_from}"
