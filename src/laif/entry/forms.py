"""Forms of the single point of entry; the answers offered come from ``catalogue/entry.json`` in
the page's language."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from laif.accounts.forms import BaseForm, NoNulCharField
from laif.catalogue.entry import load_triage
from laif.entry.models import IntakeStatus, Outcome
from laif.entry.triage import Need

LANGUAGE_CHOICES = [("en", "English"), ("fr", "Français"), ("de", "Deutsch")]


def _choices(question: str) -> list[tuple[str, str]]:
    language = get_language() or "en"
    return [(c.key, c.in_language(language)) for c in load_triage().choices[question]]


class IntakeForm(BaseForm):
    field_aliases = {"data": "data_kinds"}
    goal = forms.ChoiceField(label=_("What do you want to achieve?"), widget=forms.RadioSelect)
    description = NoNulCharField(
        label=_("Describe your need"), max_length=3000, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("A few sentences: the problem, what you have tried, what success looks "
                    "like. No confidential details: the factory's team follows up."))
    sector = forms.ChoiceField(label=_("Sector"))
    data_kinds = forms.MultipleChoiceField(label=_("Data you hold"), widget=forms.CheckboxSelectMultiple,
                                     help_text=_("Tick every kind that applies."))
    budget = forms.ChoiceField(label=_("Budget for the project"))
    timeline = forms.ChoiceField(label=_("When do you want to start?"))
    language = forms.ChoiceField(label=_("Language for our answer"), choices=LANGUAGE_CHOICES)
    contact_name = NoNulCharField(label=_("Your name"), max_length=200)
    email = forms.EmailField(label=_("E-mail address"), max_length=254,
                             help_text=_("We send you a link to confirm it and to follow your "
                                         "request."))
    organisation = NoNulCharField(label=_("Organisation"), max_length=200, required=False,
                                  help_text=_("Leave empty if you write as a private person."))
    consent = forms.BooleanField(
        label=_("The factory may use these answers to answer my request and contact me about "
                "it."))

    def __init__(self, *args: Any, logged_in: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for question in ("goal", "sector", "data", "budget", "timeline"):
            name = self.field_aliases.get(question, question)
            self.fields[name].choices = _choices(question)  # type: ignore[attr-defined]
        if logged_in:  # the account's address and name
            del self.fields["email"]
            del self.fields["contact_name"]

    def need(self) -> Need:
        data = self.cleaned_data
        return Need(goal=data["goal"], sector=data["sector"], data=frozenset(data["data_kinds"]),
                    budget=data["budget"], timeline=data["timeline"])


class AssignForm(BaseForm):
    field_aliases = {"owner_id": "owner"}
    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, owners: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", _("Nobody")), *owners]  # type: ignore[attr-defined]


class StatusForm(BaseForm):
    status = forms.ChoiceField(label=_("Status"), choices=[
        (c.value, c.label) for c in IntakeStatus if c != IntakeStatus.UNVERIFIED])


class CommentForm(BaseForm):
    text = NoNulCharField(label=_("Comment"), max_length=5000,
                          widget=forms.Textarea(attrs={"rows": 3}))
    public = forms.BooleanField(label=_("Send it to the requester (otherwise an internal note)"),
                                required=False)


class ReplyForm(BaseForm):
    text = NoNulCharField(label=_("Your message"), max_length=5000,
                          widget=forms.Textarea(attrs={"rows": 3}))


class ConcludeForm(BaseForm):
    outcome = forms.ChoiceField(label=_("Turn it into"), widget=forms.RadioSelect, choices=[
        (Outcome.GPU_REQUEST.value, Outcome.GPU_REQUEST.label),
        (Outcome.REFERRAL.value, Outcome.REFERRAL.label)])
    service = forms.ChoiceField(label=_("Referred to"), required=False)
    note = NoNulCharField(label=_("Note to the requester"), max_length=2000, required=False,
                          widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = get_language() or "en"
        self.fields["service"].choices = [  # type: ignore[attr-defined]
            ("", _("Choose…")),
            *((s.key, s.in_language(language)) for s in load_triage().services.values())]
