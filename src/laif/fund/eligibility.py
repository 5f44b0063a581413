"""Which funding instruments fit an organisation's planned project, and how much: pure (no
Django). For each instrument of the catalogue (``catalogue.funding``): eligible, not eligible, or
to check, with the amount where the rule gives one and the reasons (which rule, which figures),
as codes that the pages put into words (``eligibility_text``).

- Who: the organisation's *verified* SME status (never figures it typed) or its kind (start-up).
  An instrument for SMEs with no verified status is "to check".
- How much: a share of the eligible costs up to the cap of the SME class, or the compute
  cashback's rate of the compute budget (never past the de minimis headroom without saying so).
- Guidance entries (Horizon Europe, Digital Europe, national RDI aid, Fit 4 Start) are always
  "to check", with what to check.
- An instrument known only from the factory's announcement is marked "to confirm".
- Work that would start before the application is warned about: most schemes need the
  application first (the incentive effect).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum

from laif.accounts.sme_status import Reason
from laif.catalogue.funding import Funding, Instrument


class Outcome(StrEnum):
    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"
    TO_CHECK = "to_check"


@dataclass(frozen=True)
class Applicant:
    sme_class: str  # the verified status ("" when none)
    sme_year: int | None  # the accounting year it was verified for
    kind: str
    de_minimis_headroom_cents: int


@dataclass(frozen=True)
class Plan:
    costs_eur: Decimal  # the project's eligible costs (consultancy, implementation, ...)
    compute_eur: Decimal  # of which compute on MeluXina-AI
    start_on: date
    apply_on: date

    def __post_init__(self) -> None:
        if self.costs_eur < 0 or self.compute_eur < 0:
            raise ValueError("costs cannot be negative")


@dataclass(frozen=True)
class Check:
    instrument: Instrument
    outcome: Outcome
    amount_cents: int | None
    reasons: tuple[Reason, ...]

    @property
    def to_confirm(self) -> bool:
        return self.instrument.status == "as_announced"


def _cents(euros: Decimal) -> int:
    return int((euros * 100).quantize(Decimal(1), rounding=ROUND_DOWN))


def _who(instrument: Instrument, applicant: Applicant) -> tuple[Outcome | None, Reason]:
    if applicant.kind in instrument.eligible_kinds:
        return None, Reason.of("by_kind", kind=applicant.kind)
    if applicant.sme_class and applicant.sme_class in instrument.eligible_sme_classes:
        return None, Reason.of("by_class", klass=applicant.sme_class, year=applicant.sme_year)
    if instrument.eligible_sme_classes and not applicant.sme_class:
        return Outcome.TO_CHECK, Reason.of("sme_unverified")
    return Outcome.NOT_ELIGIBLE, Reason.of("not_for", klass=applicant.sme_class or "-",
                                           kind=applicant.kind)


def check(instrument: Instrument, applicant: Applicant, plan: Plan, *,
          cashback_rate_percent: int) -> Check:
    reasons: list[Reason] = []
    if plan.apply_on < instrument.effective_from:
        return Check(instrument, Outcome.NOT_ELIGIBLE, None,
                     (Reason.of("not_open", on=instrument.effective_from.isoformat()),))
    blocked, why = _who(instrument, applicant)
    reasons.append(why)
    if blocked is Outcome.NOT_ELIGIBLE:
        return Check(instrument, blocked, None, tuple(reasons))
    outcome = blocked or Outcome.ELIGIBLE
    amount: int | None = None
    if instrument.kind == "share_of_costs" and instrument.rate_percent is not None:
        share = _cents(plan.costs_eur * instrument.rate_percent / 100)
        caps = set(instrument.caps_eur.values())
        cap_eur = instrument.caps_eur.get(applicant.sme_class) or (
            caps.pop() if len(caps) == 1 else None)
        if cap_eur is not None:  # else the cap depends on a class not verified: no amount
            amount = min(share, cap_eur * 100)
            reasons.append(Reason.of("share", rate=instrument.rate_percent,
                                     costs=plan.costs_eur, cap=cap_eur,
                                     capped=int(share > amount)))
    elif instrument.kind == "compute_cashback":
        amount = _cents(plan.compute_eur * cashback_rate_percent / 100)
        reasons.append(Reason.of("cashback", rate=cashback_rate_percent,
                                 compute=plan.compute_eur))
        if amount > applicant.de_minimis_headroom_cents:
            outcome = Outcome.TO_CHECK
            reasons.append(Reason.of("over_de_minimis",
                                     headroom=max(0, applicant.de_minimis_headroom_cents)))
    else:
        outcome = Outcome.TO_CHECK
    if instrument.condition is not None:
        outcome = Outcome.TO_CHECK if outcome is Outcome.ELIGIBLE else outcome
        reasons.append(Reason.of("condition", instrument=instrument.code))
    if instrument.status == "as_announced":
        reasons.append(Reason.of("as_announced"))
    return Check(instrument, outcome, amount, tuple(reasons))


def check_all(funding: Funding, applicant: Applicant, plan: Plan, *,
              cashback_rate_percent: int) -> tuple[list[Check], tuple[Reason, ...]]:
    """Every instrument, in the catalogue's order, and the warnings on the plan itself."""
    warnings: tuple[Reason, ...] = ()
    if plan.start_on < plan.apply_on:
        warnings = (Reason.of("starts_before_application", start=plan.start_on.isoformat(),
                              apply=plan.apply_on.isoformat()),)
    return ([check(i, applicant, plan, cashback_rate_percent=cashback_rate_percent)
             for i in funding.instruments], warnings)
