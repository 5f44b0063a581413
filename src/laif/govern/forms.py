"""Forms of the AI system register: a system, the AI Act questionnaire (choices from the rulebook
in the page's language) and an obligation's status and evidence."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from laif.accounts.forms import BaseForm, NoNulCharField
from laif.accounts.language import active_language
from laif.catalogue.ai_act import Rule, Rulebook, article_in, load_ai_act
from laif.govern import ai_act
from laif.govern.models import ObligationStatus


class SystemForm(BaseForm):
    name = NoNulCharField(label=_("Name of the AI system"), max_length=200,
                          help_text=_("e.g. Loan pre-screening"))
    purpose = NoNulCharField(
        label=_("Intended purpose"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What it does, for whom, and what decisions it supports."))
    project_id = forms.TypedChoiceField(label=_("Project that trains its models"), coerce=int,
                                        required=False, empty_value=None)

    def __init__(self, *args: Any, projects: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["project_id"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("None")), *projects]


def _choices(rules: tuple[Rule, ...], language: str) -> list[tuple[str, str]]:
    return [(r.key, f"{r.in_language(language)} ({article_in(r.article, language)})")
            for r in rules]


class ClassifyForm(BaseForm):
    """The questionnaire, in the Regulation's order (``govern.ai_act``)."""

    def __init__(self, *args: Any, book: Rulebook | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.book = book or load_ai_act()
        language = active_language()
        multi = forms.CheckboxSelectMultiple
        self.fields["roles"] = forms.MultipleChoiceField(
            label=_("Your organisation's role"), widget=multi, choices=[
                ("provider", _("Provider: we develop it, or have it developed, and place it on "
                               "the market or put it into service under our name")),
                ("deployer", _("Deployer: we use it under our authority"))])
        self.fields["practices"] = forms.MultipleChoiceField(
            label=_("Does it do any of these?"), widget=multi, required=False,
            choices=_choices(self.book.prohibited, language))
        self.fields["annex_i_safety_component"] = forms.BooleanField(
            required=False, label=_("It is a safety component of a product (or the product) "
                                    "whose EU legislation requires a third-party conformity "
                                    "assessment (Annex I: machinery, toys, medical devices...)"))
        self.fields["areas"] = forms.MultipleChoiceField(
            label=_("Is its intended purpose in one of these areas?"), widget=multi,
            required=False,
            choices=[(a.key, f"{a.in_language(language)} ({article_in(a.article, language)})")
                     for a in self.book.areas])
        self.fields["exceptions"] = forms.MultipleChoiceField(
            label=_("Exceptions written into those areas"), widget=multi, required=False,
            choices=[(a.exception.key, f"{a.exception.in_language(language)} "
                                       f"({article_in(a.article, language)})")
                     for a in self.book.areas if a.exception])
        self.fields["exemptions"] = forms.MultipleChoiceField(
            label=_("Art. 6(3): it poses no significant risk of harm because"), widget=multi,
            required=False, choices=_choices(self.book.exemptions, language))
        self.fields["profiling"] = forms.BooleanField(
            required=False, label=_("It profiles natural persons (evaluates or predicts aspects "
                                    "of their lives: work, economic situation, health, "
                                    "behaviour...)"))
        self.fields["transparency"] = forms.MultipleChoiceField(
            label=_("Art. 50: in use, it"), widget=multi, required=False,
            choices=_choices(self.book.transparency, language))
        self.fields["public_service_deployer"] = forms.BooleanField(
            required=False, label=_("As deployer, we are a body governed by public law or a "
                                    "private entity providing public services"))
        self.fields["gpai_model"] = forms.BooleanField(
            required=False, label=_("We provide a general-purpose AI model"))
        self.fields["systemic_risk"] = forms.BooleanField(
            required=False, label=_("The model has systemic risk (Art. 51: e.g. trained with "
                                    "more than 10^25 floating-point operations)"))

    def sections(self) -> list[tuple[str, str, list[Any]]]:
        """(title, article, fields) in the Regulation's order, for the page."""
        language = active_language()
        return [(title, article_in(article, language), fields) for title, article, fields in [
            (str(_("Your role")), "Art. 3(3), 3(4)", [self["roles"]]),
            (str(_("Prohibited practices")), "Art. 5", [self["practices"]]),
            (str(_("High-risk uses")), "Art. 6, Annex I, Annex III",
             [self["annex_i_safety_component"], self["areas"], self["exceptions"]]),
            (str(_("Exemptions from high risk")), "Art. 6(3)",
             [self["exemptions"], self["profiling"]]),
            (str(_("Transparency")), "Art. 50", [self["transparency"]]),
            (str(_("Deployer and general-purpose AI")), "Art. 27, 51, 53, 55",
             [self["public_service_deployer"], self["gpai_model"], self["systemic_risk"]]),
        ]]

    def answers(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {**{name: list(data.get(name) or []) for name in ai_act.SETS},
                **{name: bool(data.get(name)) for name in ai_act.FLAGS}}


class ObligationForm(BaseForm):
    status = forms.ChoiceField(label=_("Status"), choices=ObligationStatus.choices)
    evidence = NoNulCharField(
        label=_("Evidence"), max_length=5000, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What shows it is met: a document, its version and where it is kept."))


class MonitorForm(BaseForm):
    name = NoNulCharField(label=_("Monitor name"), max_length=200,
                          help_text=_("e.g. Loan applications, monthly"))
    file = forms.FileField(label=_("Reference data (CSV or Parquet)"),
                           help_text=_("The data the model was validated on. Its profile is "
                                       "computed once and kept; the file itself is not."))
    columns = NoNulCharField(label=_("Columns to monitor"), max_length=5000, required=False,
                             help_text=_("Separated by commas; all of them when empty."))

    def column_names(self) -> list[str]:
        text = self.cleaned_data.get("columns") or ""
        return [c.strip() for c in text.split(",") if c.strip()]


class BatchForm(BaseForm):
    file = forms.FileField(label=_("Current batch (CSV or Parquet)"),
                           help_text=_("The same columns as the reference."))


class IncidentForm(BaseForm):
    kind = forms.ChoiceField(label=_("What happened"))
    description = NoNulCharField(label=_("Description"), max_length=5000,
                                 widget=forms.Textarea(attrs={"rows": 3}))
    aware_on = forms.DateField(label=_("Became aware on"),
                               widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, book: Rulebook | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = active_language()
        field = self.fields["kind"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(k.key, f"{k.in_language(language)} ({article_in(k.article, language)})")
                         for k in (book or load_ai_act()).incident_kinds]


class ReportedForm(BaseForm):
    reported_on = forms.DateField(label=_("Reported on"),
                                  widget=forms.DateInput(attrs={"type": "date"}))
    reference = NoNulCharField(label=_("The authority's reference"), max_length=200,
                               required=False)


class LabelsForm(BaseForm):
    file = forms.FileField(label=_("Predictions and labels (CSV or Parquet)"),
                           help_text=_("The batch's predictions with the labels known since."))
    prediction = NoNulCharField(label=_("Prediction column"), max_length=80,
                                initial="prediction")
    label = NoNulCharField(label=_("Label column"), max_length=80, initial="label")
