"""Forms of the AI Factories network: the capability filter of the network's page, the filters
of the referrals' list, referring a request (the capabilities it needs, then the factory), a
change of status and registering a referral from another factory. Choices come from the
catalogues (``factories.json``, ``entry.json``) in the page's language."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from laif.accounts.forms import BaseForm, NoNulCharField
from laif.catalogue.entry import load_triage
from laif.catalogue.factories import FactoryCatalogue
from laif.network import lifecycle
from laif.network.models import Direction, ReferralStatus

LANGUAGE_CHOICES = [("en", "English"), ("fr", "Français"), ("de", "Deutsch")]


def _lang() -> str:
    return (get_language() or "en")[:2]


def _set_choices(form: forms.Form, name: str, choices: list[Any]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField | forms.MultipleChoiceField)
    field.choices = choices


def _answers(question: str) -> list[tuple[str, str]]:
    return [(c.key, c.in_language(get_language() or "en"))
            for c in load_triage().choices[question]]


class CapabilityFilterForm(forms.Form):
    capability = forms.ChoiceField(label=_("Capability"), required=False)

    def __init__(self, *args: Any, catalogue: FactoryCatalogue, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "capability", [("", _("All the factories")), *(
            (k, c.in_language(_lang())) for k, c in catalogue.capabilities.items())])


class ReferralFilterForm(forms.Form):
    direction = forms.ChoiceField(label=pgettext_lazy("referral", "Direction"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    factory = forms.ChoiceField(label=_("Factory"), required=False)

    def __init__(self, *args: Any, catalogue: FactoryCatalogue, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "direction", [("", _("Both")), *Direction.choices])
        _set_choices(self, "status", [("", _("Any")), *ReferralStatus.choices])
        _set_choices(self, "factory", [("", _("Any")), *(
            (f.key, f.name) for f in catalogue.factories if not f.local)])


class CapabilityPickForm(forms.Form):
    """Step one of a referral: the capabilities the request needs that the local factory
    lacks."""

    capabilities = forms.MultipleChoiceField(
        label=_("Capabilities the request needs"), widget=forms.CheckboxSelectMultiple,
        help_text=_("Only those the local factory lacks: a referral is for what we cannot "
                    "offer."))

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "capabilities", choices)


class ReferForm(BaseForm):
    """Step two: the factory, among those offering every capability chosen, best first."""

    factory = forms.ChoiceField(label=_("Refer to"), widget=forms.RadioSelect)
    capabilities = forms.MultipleChoiceField(widget=forms.MultipleHiddenInput)
    note = NoNulCharField(label=_("Note"), max_length=2000, required=False,
                          widget=forms.Textarea(attrs={"rows": 3}),
                          help_text=_("For the team: what was sent, to whom."))

    def __init__(self, *args: Any, factories: list[tuple[str, str]],
                 capabilities: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "factory", factories)
        _set_choices(self, "capabilities", capabilities)


class StatusForm(BaseForm):
    """A change of status: one button per status allowed next (``status``), with a note and
    the other factory's reference."""

    status = forms.ChoiceField(label=_("New status"))
    reference = NoNulCharField(label=_("Their reference"), max_length=100, required=False,
                               help_text=_("The other factory's reference, once it gives one."))
    note = NoNulCharField(label=_("Note"), max_length=2000, required=False,
                          widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, statuses: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "status", [(s, ReferralStatus(s).label) for s in statuses])


class IncomingForm(BaseForm):
    factory = forms.ChoiceField(label=_("Referred by"))
    reference = NoNulCharField(label=_("Their reference"), max_length=100, required=False)
    capabilities = forms.MultipleChoiceField(
        label=_("Capabilities of ours they come for"), required=False,
        widget=forms.CheckboxSelectMultiple)
    organisation_name = NoNulCharField(label=_("Organisation"), max_length=200, required=False)
    contact_name = NoNulCharField(label=_("Contact name"), max_length=200)
    email = forms.EmailField(label=_("Contact e-mail address"), max_length=254, help_text=_(
        "Once converted into a local request, a link to confirm it is sent there."))
    need = NoNulCharField(label=_("The need"), max_length=2500,
                          widget=forms.Textarea(attrs={"rows": 4}))
    sector = forms.ChoiceField(label=_("Sector"))
    data_kinds = forms.MultipleChoiceField(label=_("Data they hold"),
                                           widget=forms.CheckboxSelectMultiple)
    budget = forms.ChoiceField(label=_("Budget for the project"), initial="unknown")
    timeline = forms.ChoiceField(label=_("When do they want to start?"))
    language = forms.ChoiceField(label=_("Language of the requester"), choices=LANGUAGE_CHOICES)
    note = NoNulCharField(label=_("Note"), max_length=2000, required=False,
                          widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, catalogue: FactoryCatalogue, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lang = _lang()
        _set_choices(self, "factory", [(f.key, f.name) for f in catalogue.factories
                                       if not f.local])
        local = catalogue.local.capabilities
        _set_choices(self, "capabilities", [(k, c.in_language(lang))
                                            for k, c in catalogue.capabilities.items()
                                            if k in local])
        for name, question in (("sector", "sector"), ("data_kinds", "data"),
                               ("budget", "budget"), ("timeline", "timeline")):
            _set_choices(self, name, _answers(question))


def status_choices(direction: str, status: str) -> tuple[str, ...]:
    return lifecycle.by_hand(direction, status)
