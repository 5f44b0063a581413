"""The maturity questionnaire as a form: one radio group per question, in the page's language
(``catalogue/assess.json``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language

from laif.accounts.forms import BaseForm
from laif.catalogue.assess import Questionnaire, load_questionnaire


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
