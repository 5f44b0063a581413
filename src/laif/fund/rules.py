"""The cashback rule, pure (no Django): who is eligible and how much a claim is.

- Eligible: an organisation whose EU SME class (Recommendation 2003/361/EC, ``accounts/sme.py``)
  or kind (start-up) the catalogue lists, for statements of months from the rule's effective date.
- Amount: ``rate`` (80%) of the eligible amount (the statement's full-price total less what
  credit notes took off it), rounded **down** to the cent (a reimbursement never exceeds the rate);
  then limited by what is left of the cap (configuration, per organisation and calendar year of
  the statement months, net of the claims already made that year and not refused). Nothing left:
  refused.
- De minimis (Regulation (EU) 2023/2831 Art. 3(2): EUR 300,000 per single undertaking over any
  period of three years, counted from the dates the legal right to each aid was conferred): a
  claim is never trimmed to what is left under the ceiling. The figures say how far the full
  amount goes past it (``over_de_minimis_cents``), with the headroom; granting less is the
  factory's decision at payment, recorded as a reduced grant (``reduced_grant``). Claims computed
  before this rule may carry ``limited_by == "de_minimis"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum

from laif.catalogue.cashback import CashbackRule


class Limit(StrEnum):
    NONE = ""
    CAP = "cap"
    DE_MINIMIS = "de_minimis"


@dataclass(frozen=True)
class ClaimFigures:
    eligible_cents: int
    rate_percent: int
    gross_cents: int  # rate x eligible amount
    cap_left_cents: int
    de_minimis_left_cents: int  # the headroom under the ceiling, other aid counted
    amount_cents: int  # what is claimed
    limited_by: Limit

    @property
    def over_de_minimis_cents(self) -> int:
        """How far the claimed amount goes past the de minimis headroom (0: it fits)."""
        return max(0, self.amount_cents - self.de_minimis_left_cents)


def is_eligible(rule: CashbackRule, *, sme_class: str, kind: str, month: date) -> bool:
    return month >= rule.effective_date.replace(day=1) and (
        sme_class in rule.eligible_sme_classes or kind in rule.eligible_kinds)


def claim_figures(rule: CashbackRule, *, eligible_cents: int, cap_cents: int,
                  claimed_in_window_cents: int, aid_in_period_cents: int) -> ClaimFigures:
    if min(eligible_cents, cap_cents, claimed_in_window_cents, aid_in_period_cents) < 0:
        raise ValueError("amounts cannot be negative")
    gross = int((Decimal(eligible_cents) * rule.rate_percent / 100)
                .quantize(Decimal(1), rounding=ROUND_DOWN))
    cap_left = max(0, cap_cents - claimed_in_window_cents)
    dm_left = max(0, rule.de_minimis.ceiling_eur * 100 - aid_in_period_cents)
    amount, limit = gross, Limit.NONE
    if cap_left < amount:
        amount, limit = cap_left, Limit.CAP
    return ClaimFigures(eligible_cents=eligible_cents, rate_percent=rule.rate_percent,
                        gross_cents=gross, cap_left_cents=cap_left,
                        de_minimis_left_cents=dm_left, amount_cents=amount, limited_by=limit)


def de_minimis_since(rule: CashbackRule, day: date) -> date:
    """The first day of the period of three years that ends on ``day`` (rolling)."""
    years = rule.de_minimis.period_years
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


class GrantRefusal(StrEnum):
    OVER_CEILING = "over_ceiling"  # the full amount does not fit and no reduced grant was decided
    NOT_NEEDED = "not_needed"  # a reduction was asked though the full amount fits
    REDUCED_TOO_HIGH = "reduced_too_high"  # the reduced amount still does not fit (or is > full)
    NO_REASON = "no_reason"  # a reduced grant needs the decision's reason


def reduced_grant(*, amount_cents: int, headroom_cents: int, reduced_to_cents: int | None,
                  reason: str) -> tuple[int, GrantRefusal | None]:
    """What may be granted of a claim under the de minimis ceiling: the full amount when it fits
    the headroom; else only a reduced amount the factory decided, with its reason, that fits.
    Returns (amount granted, None) or (0, why not)."""
    headroom = max(0, headroom_cents)
    if reduced_to_cents is None:
        return (amount_cents, None) if amount_cents <= headroom else (0, GrantRefusal.OVER_CEILING)
    if amount_cents <= headroom:
        return 0, GrantRefusal.NOT_NEEDED
    if not 0 < reduced_to_cents <= min(headroom, amount_cents):
        return 0, GrantRefusal.REDUCED_TOO_HIGH
    if not reason.strip():
        return 0, GrantRefusal.NO_REASON
    return reduced_to_cents, None
