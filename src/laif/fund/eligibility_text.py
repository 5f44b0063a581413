"""The reasons of a funding check (``eligibility``) in words, in the active language, amounts
formatted by locale."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from laif.accounts.choices import OrganisationKind
from laif.accounts.sme_status import Reason
from laif.accounts.sme_text import choice_label, sme_label
from laif.billing.money import euros_text
from laif.catalogue.funding import Instrument


def _euros(value: str) -> str:
    return euros_text(Decimal(value))


def _day(value: str) -> str:
    """A day the check carries as ISO text, written in the active language."""
    return date_format(date.fromisoformat(value))


_TEXTS: dict[str, Callable[[Mapping[str, str]], str]] = {
    "by_kind": lambda p: _("Open to this kind of organisation: %(kind)s.") % {
        "kind": choice_label(OrganisationKind, p["kind"])},
    "by_class": lambda p: _("Open to this SME class: %(klass)s (verified, accounting year "
                            "%(year)s).") % {"klass": sme_label(p["klass"]),
                                             "year": p["year"]},
    "sme_unverified": lambda p: _("For SMEs: the organisation's SME status is not verified yet "
                                  "(SME status page)."),
    "not_for": lambda p: _("Not open to this organisation (SME status: %(klass)s; kind: "
                           "%(kind)s).") % {"klass": sme_label(p["klass"]),
                                            "kind": choice_label(OrganisationKind, p["kind"])},
    "not_open": lambda p: _("Not open before %(on)s.") % {"on": _day(p["on"])},
    "share": lambda p: (_("%(rate)s%% of the eligible costs of %(costs)s, at most %(cap)s: "
                          "capped.") if p["capped"] == "1" else
                        _("%(rate)s%% of the eligible costs of %(costs)s (at most %(cap)s).")) % {
        "rate": p["rate"], "costs": _euros(p["costs"]), "cap": _euros(p["cap"])},
    "cashback": lambda p: _("%(rate)s%% of the compute budget of %(compute)s.") % {
        "rate": p["rate"], "compute": _euros(p["compute"])},
    "over_de_minimis": lambda p: _("More than the de minimis headroom of %(headroom)s: the full "
                                   "amount cannot be granted under de minimis.") % {
        "headroom": _euros(str(Decimal(p["headroom"]) / 100))},
    "as_announced": lambda p: _("Figures from the factory's announcement only: to confirm with "
                                "the provider."),
    "starts_before_application": lambda p: _(
        "The work would start on %(start)s, before the application (%(apply)s): most schemes "
        "fund only work started after the application. Apply first.") % {
        "start": _day(p["start"]), "apply": _day(p["apply"])},
}


def reason_text(reason: Reason, instrument: Instrument | None = None,
                language: str = "en") -> str:
    if reason.code == "condition" and instrument is not None and instrument.condition:
        return instrument.condition.in_language(language)
    render = _TEXTS.get(reason.code)
    return render(dict(reason.params)) if render is not None else reason.code
