"""The reasons of an SME status (``sme_status.Reason``, stored as ``{"code", "params"}``) in words,
in the active language, numbers formatted by locale; and the words every page uses for an SME
class (``sme_label``), a named value (``choice_label``) and a number (``number_text``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from laif.accounts.choices import SmeClassChoice, SmeHolderKind


def number_text(value: str, places: int | None = None) -> str:
    """A number given as text, grouped and with the decimal mark of the active language (whole
    numbers without decimals unless ``places`` says); text that is no number comes back as is."""
    try:
        number = Decimal(value)
    except InvalidOperation:
        return value
    if places is None:
        places = 0 if number == number.to_integral_value() else 2
    return number_format(number, decimal_pos=places, use_l10n=True, force_grouping=True)


def choice_label(choices: type[models.TextChoices], value: str) -> str:
    """The label of a named value in the active language (an unknown value as is)."""
    return str(dict(choices.choices).get(value, value))


def sme_label(value: str) -> str:
    """An EU SME class in words ("" for none)."""
    return choice_label(SmeClassChoice, value)


def declared_class_label(value: str) -> str:
    """An organisation's own EU SME class in words, "not declared" when it gave no figures."""
    return sme_label(value) if value else _("not declared")


_TEXTS: dict[str, Callable[[Mapping[str, str]], str]] = {
    "below_partner": lambda p: _(
        "%(name)s: %(share)s%% is below 25%%, not counted (Art. 3(1))."
    ) % {"name": p["name"], "share": number_text(p["share"])},
    "partner": lambda p: _(
        "%(name)s: partner enterprise at %(share)s%%, its figures added pro rata (Art. 3(2), "
        "6(2))."
    ) % {"name": p["name"], "share": number_text(p["share"])},
    "linked_votes": lambda p: _(
        "%(name)s: linked enterprise (%(votes)s%% of the voting rights), its figures added in "
        "full (Art. 3(3), 6(2))."
    ) % {"name": p["name"], "votes": number_text(p["votes"])},
    "linked_control": lambda p: _(
        "%(name)s: linked enterprise (control), its figures added in full (Art. 3(3), 6(2))."
    ) % {"name": p["name"]},
    "excepted_investor": lambda p: _(
        "%(name)s: %(kind)s at %(share)s%%, an investor that leaves the enterprise autonomous "
        "(Art. 3(2), second subparagraph)."
    ) % {"name": p["name"], "kind": choice_label(SmeHolderKind, p["kind"]), "share": number_text(p["share"])},
    "angel_over_limit": lambda p: _(
        "%(name)s: business angel who invested EUR %(invested)s, not under EUR 1,250,000: "
        "partner enterprise (Art. 3(2)(a))."
    ) % {"name": p["name"], "invested": number_text(p["invested"], 0)},
    "figures": lambda p: _(
        "With partner and linked enterprises: %(staff)s annual work units, turnover EUR "
        "%(turnover)s, balance sheet EUR %(balance)s: %(klass)s (Art. 2)."
    ) % {"staff": number_text(p["staff"]), "turnover": number_text(p["turnover"], 0),
         "balance": number_text(p["balance_sheet"], 0), "klass": sme_label(p["klass"])},
    "public_bodies": lambda p: _(
        "Public bodies hold %(share)s%% of the capital or voting rights: not an SME whatever "
        "the figures (Art. 3(4))."
    ) % {"share": number_text(p["share"])},
    "first_year": lambda p: _(
        "First year declared (%(year)s): its class applies: %(klass)s."
    ) % {"year": p["year"], "klass": sme_label(p["klass"])},
    "gap": lambda p: _(
        "The year before %(year)s is not declared: this year's class applies: %(klass)s."
    ) % {"year": p["year"], "klass": sme_label(p["klass"])},
    "unchanged": lambda p: _("Same class as the year before: %(klass)s.") % {
        "klass": sme_label(p["klass"])},
    "public_bodies_now": lambda p: _(
        "Public ownership takes effect at once: %(klass)s."
    ) % {"klass": sme_label(p["klass"])},
    "ownership_changed": lambda p: _(
        "The ownership changed during the year: its class applies at once: %(klass)s."
    ) % {"klass": sme_label(p["klass"])},
    "second_year": lambda p: _(
        "Second consecutive year past a ceiling (%(year)s and this one): the status becomes "
        "%(klass)s (Art. 4(2))."
    ) % {"year": p["year"], "klass": sme_label(p["klass"])},
    "first_year_over": lambda p: _(
        "First year over a ceiling (this year alone: %(year_class)s): the status stays "
        "%(klass)s until a second consecutive year (Art. 4(2))."
    ) % {"year_class": sme_label(p["year_class"]), "klass": sme_label(p["klass"])},
    "first_year_under": lambda p: _(
        "First year under a ceiling (this year alone: %(year_class)s): the status stays "
        "%(klass)s until a second consecutive year (Art. 4(2))."
    ) % {"year_class": sme_label(p["year_class"]), "klass": sme_label(p["klass"])},
}


def reason_text(reason: Mapping[str, Any]) -> str:
    code = str(reason.get("code", ""))
    params = {str(k): str(v) for k, v in dict(reason.get("params") or {}).items()}
    render = _TEXTS.get(code)
    if render is None:
        return code
    try:
        return render(params)
    except KeyError:
        return code


def reasons_text(reasons: Iterable[Mapping[str, Any]]) -> list[str]:
    return [reason_text(r) for r in reasons]
