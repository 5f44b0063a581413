"""Forms of funding pages (validation of what people type; the rules live in the services)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

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


class ApplicationForm(BaseForm):
    instrument = forms.ChoiceField(label=_("Instrument"))
    title = NoNulCharField(label=_("Project"), max_length=200,
                           help_text=_("e.g. Computer vision for quality control on line 3"))
    amount_eur = forms.DecimalField(label=_("Amount applied for (EUR)"),
                                    min_value=Decimal("0.01"), max_value=MAX_EUR,
                                    max_digits=15, decimal_places=2)
    field_aliases = {"amount_cents": "amount_eur"}

    def __init__(self, *args: Any, instruments: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["instrument"].choices = instruments  # type: ignore[attr-defined]


class GrantForm(BaseForm):
    granted_eur = forms.DecimalField(label=_("Amount granted (EUR)"), min_value=Decimal("0.01"),
                                     max_value=MAX_EUR, max_digits=15, decimal_places=2)
    granted_on = forms.DateField(
        label=_("Granted on"), widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The date the legal right is conferred (the decision), not the payment."))
    legal_basis = forms.ChoiceField(label=_("Legal basis"), choices=LegalBasis.choices,
                                    initial=LegalBasis.DE_MINIMIS)
    reference = NoNulCharField(label=_("Decision reference"), max_length=200)
    reduction_reason = NoNulCharField(
        label=_("Why less than applied for"), max_length=1000, required=False,
        widget=forms.Textarea(attrs={"rows": 2}))
    field_aliases = {"granted_cents": "granted_eur"}


class RefuseApplicationForm(BaseForm):
    reason = NoNulCharField(label=_("Reason"), max_length=1000,
                            widget=forms.Textarea(attrs={"rows": 2}))


SME_CLASS_CHOICES = [("micro", _("Micro")), ("small", _("Small")), ("medium", _("Medium")),
                     ("large", _("Large"))]
KIND_CHOICES = [("company", _("Company")), ("startup", _("Start-up")),
                ("research", _("Research organisation")), ("public", _("Public body"))]


class InstrumentVersionForm(BaseForm):
    """A new version of an instrument, in the catalogue's terms; the fields start from the
    version in force."""

    effective_from = forms.DateField(label=_("In force from"),
                                     widget=forms.DateInput(attrs={"type": "date"}))
    status = forms.ChoiceField(label=_("Status"), choices=[
        ("as_announced", _("As announced (to confirm)")),
        ("verified", _("Verified against the official text"))])
    name_en = NoNulCharField(label=_("Name (English)"), max_length=200)
    name_fr = NoNulCharField(label=_("Name (French)"), max_length=200)
    provider = NoNulCharField(label=_("Provider"), max_length=200)
    rate_percent = forms.IntegerField(label=_("Share of costs (%)"), min_value=1, max_value=100,
                                      required=False)
    cap_micro = forms.IntegerField(label=_("Cap for a micro enterprise (EUR)"), min_value=1,
                                   max_value=100_000_000, required=False)
    cap_small = forms.IntegerField(label=_("Cap for a small enterprise (EUR)"), min_value=1,
                                   max_value=100_000_000, required=False)
    cap_medium = forms.IntegerField(label=_("Cap for a medium-sized enterprise (EUR)"),
                                    min_value=1, max_value=100_000_000, required=False)
    cap_large = forms.IntegerField(label=_("Cap for a large enterprise (EUR)"), min_value=1,
                                   max_value=100_000_000, required=False)
    eligible_sme_classes = forms.MultipleChoiceField(
        label=_("Open to these classes (verified SME status)"), choices=SME_CLASS_CHOICES,
        widget=forms.CheckboxSelectMultiple, required=False)
    eligible_kinds = forms.MultipleChoiceField(
        label=_("Open to these kinds of organisation"), choices=KIND_CHOICES,
        widget=forms.CheckboxSelectMultiple, required=False)
    source = NoNulCharField(label=_("Source (document or address)"), max_length=1000,
                            widget=forms.Textarea(attrs={"rows": 2}))
    source_fr = NoNulCharField(label=_("Source, in French"), max_length=1000, required=False,
                               widget=forms.Textarea(attrs={"rows": 2}),
                               help_text=_("Shown on French pages; the English one otherwise."))
    note = NoNulCharField(label=_("What changed"), max_length=300)

    CAPS = ("micro", "small", "medium", "large")

    @classmethod
    def initial_of(cls, data: dict[str, Any]) -> dict[str, Any]:
        caps = data.get("caps_eur") or {}
        return {"status": data["status"], "name_en": data["name"]["en"],
                "name_fr": data["name"]["fr"], "provider": data["provider"],
                "rate_percent": data.get("rate_percent"),
                **{f"cap_{c}": caps.get(c) for c in cls.CAPS},
                "eligible_sme_classes": data["eligible_sme_classes"],
                "eligible_kinds": data["eligible_kinds"], "source": data["source"],
                "source_fr": data.get("source_fr", "")}

    def version_data(self, base: dict[str, Any]) -> dict[str, Any]:
        """The instrument in the file's format: the one in force with the fields changed."""
        d = self.cleaned_data
        data = {**base, "status": d["status"], "name": {"en": d["name_en"], "fr": d["name_fr"]},
                "provider": d["provider"], "eligible_sme_classes": d["eligible_sme_classes"],
                "eligible_kinds": d["eligible_kinds"], "source": d["source"]}
        data.pop("source_fr", None)
        if d["source_fr"].strip():
            data["source_fr"] = d["source_fr"]
        if base["kind"] == "share_of_costs":
            data["rate_percent"] = d["rate_percent"]
            data["caps_eur"] = {c: d[f"cap_{c}"] for c in self.CAPS if d[f"cap_{c}"]}
        return data
