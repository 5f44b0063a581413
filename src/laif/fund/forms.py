"""Forms of funding pages (validation of what people type; the rules live in the services)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from laif.accounts.forms import BaseForm, NoNulCharField
from laif.fund.models import LegalBasis

MAX_EUR = Decimal("9999999999999.99")


def cents(euros: Decimal) -> int:
    return int((euros * 100).to_integral_value())


class AidForm(BaseForm):
    """Aid received elsewhere: counted against the de minimis ceiling when de minimis."""

    amount_eur = forms.DecimalField(label=_("Amount (EUR)"), min_value=Decimal("0.01"),
                                    max_value=MAX_EUR, max_digits=15, decimal_places=2)
    granted_on = forms.DateField(
        label=_("Granted on"), widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The date the legal right to the aid was conferred (the grant decision), "
                    "not the payment date."))
    legal_basis = forms.ChoiceField(label=_("Legal basis"), choices=LegalBasis.choices,
                                    initial=LegalBasis.DE_MINIMIS)
    source = NoNulCharField(label=_("Granting authority and reference"), max_length=300)
    recipient = NoNulCharField(
        label=_("Received by a linked enterprise"), max_length=200, required=False,
        help_text=_("Leave empty when the organisation itself received it."))

    field_aliases = {"amount_cents": "amount_eur"}


class ReducedGrantForm(BaseForm):
    reduced_to_eur = forms.DecimalField(min_value=Decimal("0.01"), max_value=MAX_EUR,
                                        max_digits=15, decimal_places=2, required=False)
    reduction_reason = NoNulCharField(max_length=1000, required=False)


class FundingCheckForm(BaseForm):
    costs_eur = forms.DecimalField(
        label=_("Eligible project costs (EUR)"), min_value=Decimal(0),
        max_value=Decimal(10**12), max_digits=15, decimal_places=0,
        help_text=_("Consultancy, implementation, staff: what the project would cost."))
    compute_eur = forms.DecimalField(
        label=_("Of which compute on MeluXina-AI (EUR)"), min_value=Decimal(0),
        max_value=Decimal(10**12), max_digits=15, decimal_places=0, required=False)
    start_on = forms.DateField(label=_("Work would start on"),
                               widget=forms.DateInput(attrs={"type": "date"}))
