"""The maturity questionnaire as a form: one radio group per question, in the page's language
(``catalogue/assess.json``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from laif.accounts.forms import BaseForm, NoNulCharField
from laif.assess import roadmap
from laif.assess.services import UseCaseData
from laif.catalogue.assess import Questionnaire, load_questionnaire
from laif.catalogue.entry import load_triage
from laif.catalogue.funding import load_funding


class AssessmentForm(BaseForm):
    def __init__(self, *args: Any, questionnaire: Questionnaire | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questionnaire = questionnaire or load_questionnaire()
        language = get_language() or "en"
        for dimension in self.questionnaire.dimensions:
            for question in dimension.questions:
                self.fields[question.key] = forms.ChoiceField(
                    label=question.in_language(language), widget=forms.RadioSelect,
                    choices=[(o.key, o.in_language(language)) for o in question.options])

    def sections(self) -> list[tuple[str, list[Any]]]:
        """The fields grouped by dimension, for the page."""
        language = get_language() or "en"
        return [(d.in_language(language), [self[q.key] for q in d.questions])
                for d in self.questionnaire.dimensions]

    def answers(self) -> dict[str, str]:
        return {key: str(value) for key, value in self.cleaned_data.items()}


class UseCaseForm(BaseForm):
    """A use case of the roadmap; the services and the funding come from the catalogues."""

    title = NoNulCharField(label=_("Use case"), max_length=200,
                           help_text=_("e.g. Computer vision for quality control on line 3"))
    objective = NoNulCharField(label=_("Objective"), max_length=2000,
                               widget=forms.Textarea(attrs={"rows": 2}))
    kpi = NoNulCharField(label=_("Indicator (KPI)"), max_length=300,
                         help_text=_("What is measured, e.g. parts rejected at the customer"))
    roi_percent = forms.IntegerField(label=_("Expected return (%)"), min_value=0,
                                     max_value=roadmap.MAX_ROI_PERCENT, required=False)
    horizon_months = forms.IntegerField(label=_("Horizon (months)"), min_value=1,
                                        max_value=roadmap.MAX_HORIZON_MONTHS, initial=12)
    prerequisites = NoNulCharField(
        label=_("Prerequisites"), max_length=4000, required=False,
        widget=forms.Textarea(attrs={"rows": 4}), help_text=_("One per line."))
    services = forms.MultipleChoiceField(label=_("Factory services"), required=False,
                                         widget=forms.CheckboxSelectMultiple)
    funding = forms.MultipleChoiceField(label=_("Funding"), required=False,
                                        widget=forms.CheckboxSelectMultiple)
    gpu_hours = forms.IntegerField(label=_("GPU-hours needed"), min_value=1,
                                   max_value=10_000_000, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = get_language() or "en"
        self.fields["services"].choices = [  # type: ignore[attr-defined]
            (s.key, s.in_language(language)) for s in load_triage().services.values()]
        self.fields["funding"].choices = [  # type: ignore[attr-defined]
            (i.code, i.name.in_language(language)) for i in load_funding().instruments]

    def data_for_service(self) -> UseCaseData:
        d = self.cleaned_data
        return UseCaseData(title=d["title"], objective=d["objective"], kpi=d["kpi"],
                           horizon_months=d["horizon_months"], roi_percent=d["roi_percent"],
                           prerequisites=d["prerequisites"], services=tuple(d["services"]),
                           funding=tuple(d["funding"]), gpu_hours=d["gpu_hours"])
