"""Forms of Upskill & Train: enrolment (yourself or a colleague), a course, a session, its seats,
attendance and a revocation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from laif.accounts.forms import BaseForm, NoNulCharField
from laif.catalogue.train import DIMENSIONS, TrainCatalogue

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class EnrolForm(BaseForm):
    organisation_id = forms.TypedChoiceField(label=_("As a member of"), coerce=int)
    person_id = forms.TypedChoiceField(label=_("Who takes part"), coerce=int)

    def __init__(self, *args: Any, organisations: list[tuple[int, str]],
                 people: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org = self.fields["organisation_id"]
        assert isinstance(org, forms.TypedChoiceField)
        org.choices = organisations
        who = self.fields["person_id"]
        assert isinstance(who, forms.TypedChoiceField)
        who.choices = people


class CourseFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    audience = forms.ChoiceField(label=_("Audience"), required=False)
    level = forms.ChoiceField(label=_("Level"), required=False)
    language = forms.ChoiceField(label=_("Language"), required=False)
    format = forms.ChoiceField(label=_("Format"), required=False)

    def __init__(self, *args: Any, catalogue: TrainCatalogue, language: str,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, kind in (("audience", "audiences"), ("level", "levels"),
                           ("language", "languages"), ("format", "formats")):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [("", _("All")), *catalogue.pairs(kind, language)]


class CourseForm(BaseForm):
    key = forms.SlugField(label=_("Key"), max_length=60, help_text=_(
        "Lower-case letters, digits and hyphens; it never changes."))
    title_en = NoNulCharField(label=_("Title (English)"), max_length=200)
    title_fr = NoNulCharField(label=_("Title (French)"), max_length=200)
    summary_en = NoNulCharField(label=_("Summary (English)"), max_length=2000,
                                widget=forms.Textarea(attrs={"rows": 3}))
    summary_fr = NoNulCharField(label=_("Summary (French)"), max_length=2000,
                                widget=forms.Textarea(attrs={"rows": 3}))
    prerequisites_en = NoNulCharField(label=_("Prerequisites (English)"), max_length=500,
                                      required=False)
    prerequisites_fr = NoNulCharField(label=_("Prerequisites (French)"), max_length=500,
                                      required=False)
    audience = forms.ChoiceField(label=_("Audience"))
    level = forms.ChoiceField(label=_("Level"))
    language = forms.ChoiceField(label=_("Language"))
    format = forms.ChoiceField(label=_("Format"))
    provider = forms.ChoiceField(label=_("Provider"))
    duration_hours = forms.IntegerField(label=_("Duration (hours)"), min_value=1, max_value=200)
    dimensions = forms.MultipleChoiceField(
        label=_("Strengthens (maturity check)"), required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_(
            "Recommended to organisations whose check is weakest there."))
    active = forms.BooleanField(label=_("In the catalogue"), required=False, initial=True)

    def __init__(self, *args: Any, catalogue: TrainCatalogue, language: str,
                 dimension_names: dict[str, str], editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, kind in (("audience", "audiences"), ("level", "levels"),
                           ("language", "languages"), ("format", "formats"),
                           ("provider", "providers")):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = catalogue.pairs(kind, language)
        dims = self.fields["dimensions"]
        assert isinstance(dims, forms.MultipleChoiceField)
        dims.choices = [(d, dimension_names.get(d, d)) for d in DIMENSIONS]
        if editing:
            self.fields["key"].disabled = True
            self.fields["key"].required = False


class SessionForm(BaseForm):
    starts_at = forms.DateTimeField(label=_("Starts"), widget=DATETIME)
    ends_at = forms.DateTimeField(label=_("Ends"), widget=DATETIME)
    place = NoNulCharField(label=_("Place"), max_length=200, help_text=_(
        "An address, or \"online\" with the link sent to participants."))
    capacity = forms.IntegerField(label=_("Seats"), min_value=1, max_value=1000)


class AttendanceForm(BaseForm):
    """One percent field per confirmed participant, named ``p<enrolment id>``."""

    def __init__(self, *args: Any, participants: list[tuple[int, str, int | None]],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for pk, name, percent in participants:
            self.fields[f"p{pk}"] = forms.IntegerField(
                label=name, min_value=0, max_value=100, initial=percent, required=False)

    def marks(self) -> dict[int, int]:
        return {int(k[1:]): v for k, v in self.cleaned_data.items()
                if k.startswith("p") and v is not None}


class RevokeForm(BaseForm):
    reason = NoNulCharField(label=_("Why"), max_length=500)
