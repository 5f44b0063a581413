"""EU SME class per Commission Recommendation 2003/361/EC (Annex, Article 2).

Pure function, no Django: a staff-headcount ceiling plus a financial ceiling where *either* the annual
turnover *or* the balance-sheet total may be used. Ceilings (EUR):

- micro:  headcount < 10  and (turnover <= 2 M  or balance sheet <= 2 M)
- small:  headcount < 50  and (turnover <= 10 M or balance sheet <= 10 M)
- medium: headcount < 250 and (turnover <= 50 M or balance sheet <= 43 M)
- otherwise large.

Source: https://eur-lex.europa.eu/eli/reco/2003/361/oj (Annex, Title I, Article 2).
The class is computed on the figures given (the headcount in annual work units, Article 5, may be
fractional); ``sme_status`` adds the partner and linked enterprises (Articles 3 and 6) and the
two-year rule (Article 4(2)).
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

MILLION = Decimal(1_000_000)


class SmeClass(StrEnum):
    MICRO = "micro"
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"


# (class, headcount strictly below, turnover ceiling, balance-sheet ceiling)
_CEILINGS: tuple[tuple[SmeClass, int, Decimal, Decimal], ...] = (
    (SmeClass.MICRO, 10, 2 * MILLION, 2 * MILLION),
    (SmeClass.SMALL, 50, 10 * MILLION, 10 * MILLION),
    (SmeClass.MEDIUM, 250, 50 * MILLION, 43 * MILLION),
)


def sme_class(*, headcount: int | Decimal, turnover_eur: Decimal, balance_sheet_eur: Decimal) -> SmeClass:
    """Smallest class whose headcount and (turnover or balance sheet) ceilings are met."""
    if headcount < 0 or turnover_eur < 0 or balance_sheet_eur < 0:
        raise ValueError("headcount, turnover and balance sheet cannot be negative")
    for klass, staff_below, turnover_max, balance_max in _CEILINGS:
        if headcount < staff_below and (
            turnover_eur <= turnover_max or balance_sheet_eur <= balance_max
        ):
            return klass
    return SmeClass.LARGE


def is_sme(klass: SmeClass) -> bool:
    return klass is not SmeClass.LARGE
