"""EU SME class per Commission Recommendation 2003/361/EC, Annex, Title I, Article 2.

micro: < 10 staff and (turnover <= EUR 2 M or balance sheet <= EUR 2 M)
small: < 50 staff and (turnover <= EUR 10 M or balance sheet <= EUR 10 M)
medium: < 250 staff and (turnover <= EUR 50 M or balance sheet <= EUR 43 M)
Either financial ceiling suffices; the staff ceiling is always required.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from laif.accounts.sme import SmeClass, is_sme, sme_class

M = Decimal(1_000_000)
CENT = Decimal("0.01")

MICRO, SMALL, MEDIUM, LARGE = SmeClass.MICRO, SmeClass.SMALL, SmeClass.MEDIUM, SmeClass.LARGE

CASES = [
    # (staff, turnover, balance sheet, expected, why)
    (0, Decimal(0), Decimal(0), MICRO, "a fresh start-up"),
    (9, 2 * M, 2 * M, MICRO, "every micro ceiling met exactly"),
    (10, 2 * M, 2 * M, SMALL, "10 staff is no longer micro"),
    (9, 2 * M + CENT, 2 * M + CENT, SMALL, "one cent over both micro ceilings"),
    (9, 2 * M + CENT, 2 * M, MICRO, "turnover over, balance sheet within: micro"),
    (9, 5 * M, Decimal(500_000), MICRO, "balance sheet alone suffices"),
    (9, Decimal(500_000), 30 * M, MICRO, "turnover alone suffices"),
    (49, 10 * M, 10 * M, SMALL, "every small ceiling met exactly"),
    (50, 10 * M, 10 * M, MEDIUM, "50 staff is no longer small"),
    (49, 10 * M + CENT, 10 * M + CENT, MEDIUM, "one cent over both small ceilings"),
    (49, 10 * M + CENT, 10 * M, SMALL, "balance sheet within the small ceiling"),
    (49, 10 * M, 40 * M, SMALL, "turnover within the small ceiling"),
    (249, 50 * M, 50 * M, MEDIUM, "turnover exactly 50 M, balance sheet over 43 M"),
    (249, 50 * M + CENT, 43 * M, MEDIUM, "turnover over 50 M, balance sheet exactly 43 M"),
    (249, 50 * M + CENT, 43 * M + CENT, LARGE, "over both medium ceilings"),
    (249, 60 * M, 44 * M, LARGE, "turnover 60 M and balance sheet 44 M"),
    (249, 49 * M, 100 * M, MEDIUM, "the turnover ceiling suffices"),
    (249, 500 * M, 42 * M, MEDIUM, "the 43 M balance-sheet ceiling suffices"),
    (250, Decimal(0), Decimal(0), LARGE, "250 staff is large whatever the figures"),
    (250, M, M, LARGE, "a tiny turnover does not compensate for headcount"),
    (5, 20 * M, 20 * M, MEDIUM, "5 staff but 20 M: medium (financial ceilings count)"),
    (5, 60 * M, 44 * M, LARGE, "5 staff, over both medium ceilings: large"),
    (30, Decimal("1999999.99"), 90 * M, SMALL, "micro turnover, but 30 staff"),
]


@pytest.mark.parametrize(("staff", "turnover", "balance", "expected", "why"), CASES,
                         ids=[c[4] for c in CASES])
def test_sme_class(staff: int, turnover: Decimal, balance: Decimal, expected: SmeClass,
                   why: str) -> None:
    assert sme_class(headcount=staff, turnover_eur=turnover, balance_sheet_eur=balance) is expected


def test_the_43_million_ceiling_applies_to_the_balance_sheet_only() -> None:
    """A turnover of 45 M is within the medium ceiling (50 M); a balance sheet of 45 M is not
    (43 M). Swapping the two figures must not change the class when the other one is high."""
    assert sme_class(headcount=100, turnover_eur=45 * M, balance_sheet_eur=99 * M) is MEDIUM
    assert sme_class(headcount=100, turnover_eur=99 * M, balance_sheet_eur=45 * M) is LARGE


@pytest.mark.parametrize(
    ("staff", "turnover", "balance"),
    [(-1, Decimal(0), Decimal(0)), (5, Decimal(-1), Decimal(0)), (5, Decimal(0), -CENT)],
)
def test_negative_figures_are_refused(staff: int, turnover: Decimal, balance: Decimal) -> None:
    with pytest.raises(ValueError, match="negative"):
        sme_class(headcount=staff, turnover_eur=turnover, balance_sheet_eur=balance)


@pytest.mark.parametrize(("klass", "expected"),
                         [(MICRO, True), (SMALL, True), (MEDIUM, True), (LARGE, False)])
def test_is_sme(klass: SmeClass, expected: bool) -> None:
    assert is_sme(klass) is expected
