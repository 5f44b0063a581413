"""Forms of Connect: a need to match, an introduction asked, an expert's answer, a contact."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from laif.accounts.forms import BaseForm, NoNulCharField

MAX_TEXT = 2000


class NeedForm(BaseForm):
    need = NoNulCharField(label=_("Your need"), max_length=MAX_TEXT, widget=forms.Textarea(
        attrs={"rows": 4}), help_text=_("In English, French or German: what you want to do, "
                                        "with what data, and what is hard."))
    sector = forms.ChoiceField(label=_("Sector"), required=False)

    def __init__(self, *args: Any, sectors: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["sector"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Any")), *sectors]


class IntroductionForm(BaseForm):
    expert_key = forms.CharField(widget=forms.HiddenInput, max_length=80)
    need = NoNulCharField(widget=forms.HiddenInput, max_length=MAX_TEXT)
    sector = forms.CharField(widget=forms.HiddenInput, max_length=30, required=False)
    organisation_id = forms.TypedChoiceField(label=_("For"), coerce=int)
    message = NoNulCharField(label=_("A word to the expert"), max_length=MAX_TEXT,
                             required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, organisations: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation_id"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = organisations


class DecisionForm(BaseForm):
    answer = NoNulCharField(label=_("Your answer"), max_length=MAX_TEXT, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))


class ContactForm(BaseForm):
    expert_key = forms.ChoiceField(label=_("Expert"))
    email = forms.EmailField(label=_("E-mail address of the person who answers"))
    phone = NoNulCharField(label=_("Phone"), max_length=40, required=False)

    def __init__(self, *args: Any, experts: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["expert_key"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = experts
