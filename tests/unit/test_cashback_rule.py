"""The cashback rule and its catalogue (pure: no database)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from laif.catalogue import CATALOGUE_DIR, CatalogueError
from laif.catalogue.cashback import load_cashback, parse_cashback
from laif.fund.rules import (
    GrantRefusal,
    Limit,
    claim_figures,
    de_minimis_since,
    is_eligible,
    reduced_grant,
)

RULE = load_cashback()


def test_the_shipped_rule() -> None:
    assert RULE.rate_percent == 80
    assert RULE.eligible_sme_classes == {"micro", "small", "medium"}
    assert RULE.eligible_kinds == {"startup"}
    assert "2003/361" in RULE.source
    assert "Cashback 80%" in RULE.source
    assert RULE.de_minimis.ceiling_eur == 300_000
    assert "2023/2831" in RULE.de_minimis.source


@pytest.mark.parametrize(("key", "value"), [
    ("rate_percent", 0), ("rate_percent", 101), ("eligible_kinds", ["pirate"]),
    ("eligible_sme_classes", "small"), ("source", ""), ("effective_date", "soon")])
def test_broken_rules_are_refused(key: str, value: Any) -> None:
    data = json.loads((CATALOGUE_DIR / "cashback.json").read_text("utf-8"))
    data[key] = value
    with pytest.raises(CatalogueError):
        parse_cashback(data)


@pytest.mark.parametrize(("sme", "kind", "month", "eligible"), [
    ("micro", "company", date(2026, 7, 1), True),
    ("medium", "company", date(2026, 7, 1), True),
    ("large", "company", date(2026, 7, 1), False),
    ("large", "startup", date(2026, 7, 1), True),
    ("large", "research", date(2026, 7, 1), False),
    ("small", "company", date(2025, 12, 1), False),  # before the rule's effective date
])
def test_eligibility(sme: str, kind: str, month: date, eligible: bool) -> None:
    assert is_eligible(RULE, sme_class=sme, kind=kind, month=month) is eligible


def test_eighty_percent_rounded_down() -> None:
    f = claim_figures(RULE, eligible_cents=1001, cap_cents=10**9, claimed_in_window_cents=0,
                      aid_in_period_cents=0)
    assert (f.gross_cents, f.amount_cents, f.limited_by) == (800, 800, Limit.NONE)


def test_the_cap_net_of_what_was_claimed() -> None:
    f = claim_figures(RULE, eligible_cents=100_000, cap_cents=50_000,
                      claimed_in_window_cents=20_000, aid_in_period_cents=0)
    assert (f.gross_cents, f.cap_left_cents, f.amount_cents, f.limited_by) == \
        (80_000, 30_000, 30_000, Limit.CAP)


def test_the_de_minimis_ceiling_is_never_trimmed_silently() -> None:
    f = claim_figures(RULE, eligible_cents=100_000, cap_cents=10**9,
                      claimed_in_window_cents=0, aid_in_period_cents=300_000 * 100 - 500)
    # the full 80% is claimed; the figures say how far it goes past the headroom
    assert (f.amount_cents, f.limited_by, f.de_minimis_left_cents) == (80_000, Limit.NONE, 500)
    assert f.over_de_minimis_cents == 79_500
    f = claim_figures(RULE, eligible_cents=100_000, cap_cents=10**9,
                      claimed_in_window_cents=0, aid_in_period_cents=300_000 * 100 + 1)
    assert (f.amount_cents, f.de_minimis_left_cents, f.over_de_minimis_cents) == (80_000, 0,
                                                                                  80_000)
    f = claim_figures(RULE, eligible_cents=100_000, cap_cents=10**9,
                      claimed_in_window_cents=0, aid_in_period_cents=300_000 * 100 - 80_000)
    assert f.over_de_minimis_cents == 0  # exactly at the ceiling: it fits
    with pytest.raises(ValueError, match="negative"):
        claim_figures(RULE, eligible_cents=-1, cap_cents=0, claimed_in_window_cents=0,
                      aid_in_period_cents=0)


def test_rolling_three_years() -> None:
    assert de_minimis_since(RULE, date(2026, 7, 1)) == date(2023, 7, 1)
    assert de_minimis_since(RULE, date(2028, 2, 29)) == date(2025, 2, 28)


@pytest.mark.parametrize(("amount", "headroom", "reduced", "reason", "expected"), [
    (1000, 1000, None, "", (1000, None)),  # fits exactly
    (1000, 999, None, "", (0, GrantRefusal.OVER_CEILING)),  # one cent over: never trimmed
    (1000, -5, None, "", (0, GrantRefusal.OVER_CEILING)),  # already past the ceiling
    (1000, 1000, 500, "why", (0, GrantRefusal.NOT_NEEDED)),
    (1000, 600, 600, "board decision 12", (600, None)),  # the reduced grant, decided
    (1000, 600, 601, "why", (0, GrantRefusal.REDUCED_TOO_HIGH)),
    (1000, 600, 0, "why", (0, GrantRefusal.REDUCED_TOO_HIGH)),
    (1000, 600, 500, "  ", (0, GrantRefusal.NO_REASON)),
    (1000, 0, 1, "why", (0, GrantRefusal.REDUCED_TOO_HIGH)),  # nothing left to grant
])
def test_a_reduced_grant_is_a_decision(amount: int, headroom: int, reduced: int | None,
                                       reason: str, expected: tuple[int, object]) -> None:
    assert reduced_grant(amount_cents=amount, headroom_cents=headroom,
                         reduced_to_cents=reduced, reason=reason) == expected
