"""SME status from an enterprise's ownership and its accounting years, per Commission Recommendation
2003/361/EC, Annex I, Articles 3 to 6. Pure (no Django); ``sme.sme_class`` applies the ceilings.

One accounting year (``assess_year``):

- Each stake is a holding between the declaring enterprise and another one, upstream (it holds a
  share of the declaring enterprise) or downstream (the declaring enterprise holds a share of it).
- **Linked** (Art. 3(3)): more than 50% of the voting rights, or control (the right to appoint or
  remove a majority of the board, a dominant influence by contract or by the articles, or control
  of a majority of the votes by agreement). A linked enterprise's figures are added in full
  (Art. 6(2)); they are declared consolidated with its own linked enterprises (Art. 6(3)).
- **Partner** (Art. 3(2)): 25% or more of the capital or of the voting rights, not linked. Its
  figures are added pro rata of the greater of the two percentages (Art. 6(2)).
- **Excepted investors** (Art. 3(2), second subparagraph): an upstream holding of 25% or more by a
  public investment corporation or venture capital company, a business angel whose investment in
  the enterprise is below EUR 1,250,000, a university or non-profit research centre, an
  institutional investor (regional development funds included), or an autonomous local authority
  with an annual budget below EUR 10 million and fewer than 5,000 inhabitants leaves the
  enterprise autonomous, as long as the investor is not linked.
- **Public bodies** (Art. 3(4)): when one or more public bodies hold 25% or more of the capital or
  of the voting rights, together, the enterprise is not an SME, whatever its figures. The
  excepted investors above do not count as public bodies here.
- The class: staff headcount (annual work units, Art. 5) AND (turnover OR balance sheet) against
  the ceilings of Art. 2 (``sme.sme_class``), on the aggregated figures.

Over the years (``statuses``, Art. 4(2)): a class reached by the figures changes the status only
when it is reached over two consecutive accounting years; the first year over (or under) a
ceiling keeps the previous status. A year without the previous year declared starts afresh. A
change of ownership (acquisition, merger, a new linked or partner enterprise) takes effect in the
year it happens, as the Commission's *User guide to the SME definition* reads Art. 4(2); so does
exclusion by public bodies, which is not a threshold.

Every figure comes with its reasons, as codes and parameters (``Reason``) that the pages put into
words in the reader's language (``sme_text``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from laif.accounts.sme import SmeClass, sme_class

SOURCE = "Commission Recommendation 2003/361/EC, Annex I (https://eur-lex.europa.eu/eli/reco/2003/361/oj)"
SOURCE_FR = ("Recommandation 2003/361/CE de la Commission, annexe I "
             "(https://eur-lex.europa.eu/eli/reco/2003/361/oj)")

PARTNER_PERCENT = Decimal(25)
LINKED_PERCENT = Decimal(50)
PUBLIC_BODY_PERCENT = Decimal(25)
BUSINESS_ANGEL_LIMIT_EUR = Decimal(1_250_000)
_HUNDRED = Decimal(100)

_ORDER = (SmeClass.MICRO, SmeClass.SMALL, SmeClass.MEDIUM, SmeClass.LARGE)


class Direction(StrEnum):
    UPSTREAM = "upstream"  # it holds a share of the declaring enterprise
    DOWNSTREAM = "downstream"  # the declaring enterprise holds a share of it


class HolderKind(StrEnum):
    ENTERPRISE = "enterprise"  # any other enterprise or person
    PUBLIC_BODY = "public_body"  # the State, a public authority or body (Art. 3(4))
    INVESTMENT_COMPANY = "investment_company"  # public investment corporation, VC company
    BUSINESS_ANGEL = "business_angel"
    UNIVERSITY = "university"  # or non-profit research centre
    INSTITUTIONAL_INVESTOR = "institutional_investor"  # regional development funds included
    SMALL_LOCAL_AUTHORITY = "small_local_authority"  # budget < EUR 10 M, < 5,000 inhabitants


EXCEPTED_INVESTORS = frozenset({
    HolderKind.INVESTMENT_COMPANY, HolderKind.BUSINESS_ANGEL, HolderKind.UNIVERSITY,
    HolderKind.INSTITUTIONAL_INVESTOR, HolderKind.SMALL_LOCAL_AUTHORITY,
})


class Relation(StrEnum):
    NONE = "none"  # counted for nothing: below 25%, or an excepted investor
    PARTNER = "partner"
    LINKED = "linked"


@dataclass(frozen=True)
class Reason:
    """Why a figure is what it is: a code and its parameters (numbers as plain strings)."""

    code: str
    params: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, code: str, **params: object) -> Reason:
        return cls(code, tuple((key, str(value)) for key, value in params.items()))

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "params": dict(self.params)}


@dataclass(frozen=True)
class Figures:
    staff_awu: Decimal
    turnover_eur: Decimal
    balance_sheet_eur: Decimal

    def __post_init__(self) -> None:
        if min(self.staff_awu, self.turnover_eur, self.balance_sheet_eur) < 0:
            raise ValueError("staff, turnover and balance sheet cannot be negative")

    def plus(self, other: Figures, percent: Decimal = _HUNDRED) -> Figures:
        share = percent / _HUNDRED
        return Figures(self.staff_awu + other.staff_awu * share,
                       self.turnover_eur + other.turnover_eur * share,
                       self.balance_sheet_eur + other.balance_sheet_eur * share)


ZERO = Figures(Decimal(0), Decimal(0), Decimal(0))


@dataclass(frozen=True)
class Stake:
    name: str
    direction: Direction
    kind: HolderKind
    capital_percent: Decimal
    votes_percent: Decimal
    figures: Figures = ZERO
    control: bool = False
    invested_eur: Decimal | None = None  # a business angel's investment in the enterprise

    def __post_init__(self) -> None:
        for percent in (self.capital_percent, self.votes_percent):
            if not Decimal(0) <= percent <= _HUNDRED:
                raise ValueError("a share is a percentage between 0 and 100")

    @property
    def share_percent(self) -> Decimal:
        """The greater of the capital and the voting rights (Art. 6(2))."""
        return max(self.capital_percent, self.votes_percent)


def relation_of(stake: Stake) -> tuple[Relation, Reason]:
    """What the holding makes of the two enterprises, and the rule that says so."""
    if stake.votes_percent > LINKED_PERCENT:
        return Relation.LINKED, Reason.of("linked_votes", name=stake.name,
                                          votes=stake.votes_percent)
    if stake.control:
        return Relation.LINKED, Reason.of("linked_control", name=stake.name)
    share = stake.share_percent
    if share < PARTNER_PERCENT:
        return Relation.NONE, Reason.of("below_partner", name=stake.name, share=share)
    if stake.direction is Direction.UPSTREAM and stake.kind in EXCEPTED_INVESTORS:
        if stake.kind is not HolderKind.BUSINESS_ANGEL:
            return Relation.NONE, Reason.of("excepted_investor", name=stake.name,
                                            share=share, kind=stake.kind.value)
        invested = stake.invested_eur if stake.invested_eur is not None else Decimal(0)
        if invested < BUSINESS_ANGEL_LIMIT_EUR:
            return Relation.NONE, Reason.of("excepted_investor", name=stake.name,
                                            share=share, kind=stake.kind.value)
        return Relation.PARTNER, Reason.of("angel_over_limit", name=stake.name, share=share,
                                           invested=invested)
    return Relation.PARTNER, Reason.of("partner", name=stake.name, share=share)


@dataclass(frozen=True)
class YearAssessment:
    own: Figures
    totals: Figures  # with the partner and linked enterprises
    figures_class: SmeClass  # the ceilings applied to the totals
    public_body_percent: Decimal  # the larger of the capital and votes public bodies hold
    relations: tuple[Relation, ...]  # one per stake, in order
    reasons: tuple[Reason, ...]

    @property
    def excluded_by_public_bodies(self) -> bool:
        return self.public_body_percent >= PUBLIC_BODY_PERCENT

    @property
    def klass(self) -> SmeClass:
        """The class of this year alone: large (not an SME) when public bodies hold 25%."""
        return SmeClass.LARGE if self.excluded_by_public_bodies else self.figures_class


def assess_year(own: Figures, stakes: Sequence[Stake]) -> YearAssessment:
    totals, relations, reasons = own, [], []
    public_capital = public_votes = Decimal(0)
    for stake in stakes:
        relation, why = relation_of(stake)
        relations.append(relation)
        reasons.append(why)
        if relation is Relation.LINKED:
            totals = totals.plus(stake.figures)
        elif relation is Relation.PARTNER:
            totals = totals.plus(stake.figures, stake.share_percent)
        if stake.direction is Direction.UPSTREAM and stake.kind is HolderKind.PUBLIC_BODY:
            public_capital += stake.capital_percent
            public_votes += stake.votes_percent
    klass = sme_class(headcount=totals.staff_awu, turnover_eur=totals.turnover_eur,
                      balance_sheet_eur=totals.balance_sheet_eur)
    reasons.append(Reason.of("figures", staff=_plain(totals.staff_awu),
                             turnover=_plain(totals.turnover_eur),
                             balance_sheet=_plain(totals.balance_sheet_eur), klass=klass.value))
    public = max(public_capital, public_votes)
    if public >= PUBLIC_BODY_PERCENT:
        reasons.append(Reason.of("public_bodies", share=public))
    return YearAssessment(own=own, totals=totals, figures_class=klass,
                          public_body_percent=public, relations=tuple(relations),
                          reasons=tuple(reasons))


def _plain(value: Decimal) -> Decimal:
    """Figures shown to two decimals at most (a pro-rata share can carry many)."""
    return value.quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Year:
    year: int
    assessment: YearAssessment
    ownership_changed: bool = False


@dataclass(frozen=True)
class Status:
    year: int
    year_class: SmeClass  # of the year's figures and ownership alone
    klass: SmeClass  # the status that applies, after the two-year rule
    reason: Reason


def _rank(klass: SmeClass) -> int:
    return _ORDER.index(klass)


def statuses(years: Sequence[Year]) -> list[Status]:
    """The status of each accounting year, oldest first (Art. 4(2): two consecutive years)."""
    ordered = sorted(years, key=lambda y: y.year)
    if len({y.year for y in ordered}) != len(ordered):
        raise ValueError("one assessment per accounting year")
    out: list[Status] = []
    for y in ordered:
        now = y.assessment.klass
        previous = out[-1] if out else None
        if previous is None or previous.year != y.year - 1:
            status, why = now, Reason.of("first_year" if previous is None else "gap",
                                         year=y.year, klass=now.value)
        elif now is previous.klass:
            status, why = now, Reason.of("unchanged", klass=now.value)
        elif y.assessment.excluded_by_public_bodies:
            status, why = now, Reason.of("public_bodies_now", klass=now.value)
        elif y.ownership_changed:
            status, why = now, Reason.of("ownership_changed", klass=now.value)
        else:
            kept = previous.klass
            before = previous.year_class
            up = _rank(now) > _rank(kept)
            if (_rank(before) > _rank(kept)) == up and before is not kept:
                # second year on the same side: the class nearer the old status applies
                status = min(now, before, key=_rank) if up else max(now, before, key=_rank)
                why = Reason.of("second_year", year=y.year - 1, klass=status.value)
            else:
                status, why = kept, Reason.of("first_year_over" if up else "first_year_under",
                                              klass=kept.value, year_class=now.value)
        out.append(Status(year=y.year, year_class=now, klass=status, reason=why))
    return out
