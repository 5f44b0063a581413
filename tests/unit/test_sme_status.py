"""SME status with partner and linked enterprises, public bodies, excepted investors and the
two-year rule (Commission Recommendation 2003/361/EC, Annex I, Articles 3, 4(2) and 6)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from laif.accounts.sme import SmeClass
from laif.accounts.sme_status import (
    Direction,
    Figures,
    HolderKind,
    Relation,
    Stake,
    Year,
    assess_year,
    relation_of,
    statuses,
)

M = Decimal(1_000_000)
MICRO, SMALL, MEDIUM, LARGE = SmeClass.MICRO, SmeClass.SMALL, SmeClass.MEDIUM, SmeClass.LARGE
UP, DOWN = Direction.UPSTREAM, Direction.DOWNSTREAM
E = HolderKind.ENTERPRISE


def fig(staff: float, turnover_m: float, balance_m: float | None = None) -> Figures:
    balance = turnover_m if balance_m is None else balance_m
    return Figures(Decimal(str(staff)), Decimal(str(turnover_m)) * M, Decimal(str(balance)) * M)


def stake(capital: float, votes: float | None = None, *, kind: HolderKind = E,
          direction: Direction = UP, figures: Figures | None = None, control: bool = False,
          invested_m: float | None = None) -> Stake:
    return Stake(name="Holder", direction=direction, kind=kind,
                 capital_percent=Decimal(str(capital)),
                 votes_percent=Decimal(str(capital if votes is None else votes)),
                 figures=figures or fig(0, 0), control=control,
                 invested_eur=None if invested_m is None else Decimal(str(invested_m)) * M)


# (own figures, stakes, expected class, why)
CASES = [
    (fig(8, 1.5), [], MICRO, "micro, autonomous"),
    (fig(40, 8), [], SMALL, "small, autonomous"),
    (fig(200, 40, 40), [], MEDIUM, "medium, autonomous"),
    (fig(300, 10), [], LARGE, "large by headcount"),
    (fig(8, 1.5), [stake(24.99, figures=fig(1000, 500))], MICRO,
     "a holder at 24.99% is not a partner: nothing added"),
    (fig(8, 1.5), [stake(25, figures=fig(8, 2))], SMALL,
     "partner at exactly 25%: 25% of 8 staff added makes 10: no longer micro"),
    (fig(8, 1.5), [stake(25, figures=fig(7.99, 2))], MICRO,
     "partner at 25% adding 1.9975 staff and 0.5 M stays micro"),
    (fig(8, 1.5), [stake(10, 30, figures=fig(8, 2))], SMALL,
     "partner by votes (30%) though 10% of capital: the greater share counts"),
    (fig(30, 5), [stake(40, direction=DOWN, figures=fig(60, 20))], MEDIUM,
     "downstream partner at 40%: 30 + 24 staff = 54: medium"),
    (fig(8, 1.5), [stake(50.01, figures=fig(300, 100))], LARGE,
     "linked above 50% of the votes: the group's figures in full"),
    (fig(8, 1.5), [stake(50, figures=fig(300, 100))], LARGE,
     "exactly 50% is a partner, not linked: 8 + 150 staff, EUR 51.5 M both: large"),
    (fig(8, 1.5), [stake(50, figures=fig(200, 20))], MEDIUM,
     "exactly 50%: partner, 108 staff: medium"),
    (fig(8, 1.5), [stake(10, control=True, figures=fig(40, 5))], SMALL,
     "linked by control (board) with 10% of capital: 48 staff in full: small"),
    (fig(8, 1.5), [stake(60, direction=DOWN, figures=fig(5, 1))], SMALL,
     "linked subsidiary (60%): 13 staff in full"),
    (fig(8, 1.5), [stake(30, kind=HolderKind.PUBLIC_BODY)], LARGE,
     "a public body holds 30%: not an SME whatever the figures"),
    (fig(8, 1.5), [stake(25, kind=HolderKind.PUBLIC_BODY)], LARGE,
     "a public body at exactly 25%: not an SME"),
    (fig(8, 1.5), [stake(15, kind=HolderKind.PUBLIC_BODY), stake(10, kind=HolderKind.PUBLIC_BODY)],
     LARGE, "two public bodies at 15% and 10%: jointly 25%: not an SME"),
    (fig(8, 1.5), [stake(24, kind=HolderKind.PUBLIC_BODY)], MICRO,
     "a public body at 24%: still micro"),
    (fig(8, 1.5), [stake(40, kind=HolderKind.PUBLIC_BODY, direction=DOWN)], MICRO,
     "holding 40% of a public body is no public ownership of the enterprise"),
    (fig(8, 1.5), [stake(40, kind=HolderKind.INVESTMENT_COMPANY, figures=fig(500, 100))], MICRO,
     "venture capital company at 40%: excepted investor, the enterprise stays autonomous"),
    (fig(8, 1.5), [stake(40, kind=HolderKind.UNIVERSITY, figures=fig(3000, 300))], MICRO,
     "a university at 40%: excepted"),
    (fig(8, 1.5), [stake(30, kind=HolderKind.SMALL_LOCAL_AUTHORITY, figures=fig(100, 9))], MICRO,
     "a small local authority at 30%: excepted, and not counted as a public body"),
    (fig(8, 1.5), [stake(60, kind=HolderKind.INSTITUTIONAL_INVESTOR, figures=fig(500, 100))], LARGE,
     "an institutional investor with 60% of the votes is linked: no exception"),
    (fig(8, 1.5), [stake(30, kind=HolderKind.BUSINESS_ANGEL, invested_m=1.2,
                         figures=fig(40, 8))], MICRO,
     "business angel who invested EUR 1.2 M: excepted"),
    (fig(8, 1.5), [stake(30, kind=HolderKind.BUSINESS_ANGEL, invested_m=1.25,
                         figures=fig(40, 8))], SMALL,
     "business angel at EUR 1.25 M: a partner, 30% of 40 staff added"),
    (fig(8, 1.5), [stake(30, kind=HolderKind.INVESTMENT_COMPANY, direction=DOWN,
                         figures=fig(40, 8))], SMALL,
     "the exception is for investors in the enterprise, not for what it holds"),
    (fig(5, 0.5), [stake(30, figures=fig(100, 60, 50)), stake(70, direction=DOWN,
                                                              figures=fig(100, 20))], MEDIUM,
     "a partner and a linked subsidiary: 5 + 30 + 100 = 135 staff: medium"),
]


@pytest.mark.parametrize(("own", "stakes", "expected", "why"), CASES, ids=[c[3] for c in CASES])
def test_the_class_of_a_year(own: Figures, stakes: list[Stake], expected: SmeClass,
                             why: str) -> None:
    assert assess_year(own, stakes).klass is expected


def test_a_partners_figures_are_added_pro_rata_and_a_linked_ones_in_full() -> None:
    year = assess_year(fig(10, 2, 1), [stake(25, 40, figures=fig(20, 10, 5)),
                                       stake(80, direction=DOWN, figures=fig(3, 1, 1))])
    assert year.relations == (Relation.PARTNER, Relation.LINKED)
    assert year.totals == Figures(Decimal(10 + 8 + 3), (2 + 4 + 1) * M, (1 + 2 + 1) * M)


def test_every_stake_states_its_rule() -> None:
    codes = [relation_of(s)[1].code for s in (
        stake(10), stake(25), stake(51), stake(5, control=True),
        stake(30, kind=HolderKind.UNIVERSITY),
        stake(30, kind=HolderKind.BUSINESS_ANGEL, invested_m=2))]
    assert codes == ["below_partner", "partner", "linked_votes", "linked_control",
                     "excepted_investor", "angel_over_limit"]
    year = assess_year(fig(8, 1.5), [stake(30, kind=HolderKind.PUBLIC_BODY)])
    assert [r.code for r in year.reasons] == ["partner", "figures", "public_bodies"]
    assert dict(year.reasons[-1].params) == {"share": "30"}


def test_a_share_outside_0_100_and_negative_figures_are_refused() -> None:
    with pytest.raises(ValueError, match="percentage"):
        stake(100.01)
    with pytest.raises(ValueError, match="negative"):
        fig(-1, 1)


def _years(*classes: tuple[int, Figures], changed: tuple[int, ...] = ()) -> list[Year]:
    return [Year(year, assess_year(f, []), ownership_changed=year in changed)
            for year, f in classes]


F_SMALL, F_MEDIUM, F_LARGE, F_MICRO = fig(40, 8), fig(100, 30), fig(300, 100), fig(5, 1)

TWO_YEARS = [
    # (years (year, figures), ownership changes, expected statuses, why)
    ([(2022, F_SMALL)], (), [SMALL], "one year: its class"),
    ([(2022, F_SMALL), (2023, F_MEDIUM)], (), [SMALL, SMALL],
     "first year over the small ceiling: still small"),
    ([(2022, F_SMALL), (2023, F_MEDIUM), (2024, F_MEDIUM)], (), [SMALL, SMALL, MEDIUM],
     "second consecutive year over: medium"),
    ([(2022, F_SMALL), (2023, F_MEDIUM), (2024, F_SMALL), (2025, F_MEDIUM)], (),
     [SMALL, SMALL, SMALL, SMALL], "over, under, over: never two years in a row"),
    ([(2022, F_SMALL), (2023, F_MEDIUM), (2024, F_LARGE)], (), [SMALL, SMALL, MEDIUM],
     "medium then large: over small twice, over medium once: medium"),
    ([(2022, F_MEDIUM), (2023, F_MICRO), (2024, F_SMALL)], (), [MEDIUM, MEDIUM, SMALL],
     "micro then small: under medium twice, under small once: small"),
    ([(2022, F_LARGE), (2023, F_SMALL), (2024, F_SMALL)], (), [LARGE, LARGE, SMALL],
     "a large enterprise becomes an SME after two years under the ceilings"),
    ([(2022, F_SMALL), (2023, F_LARGE)], (2023,), [SMALL, LARGE],
     "taken over by a large group: large at once"),
    ([(2022, F_SMALL), (2024, F_MEDIUM)], (), [SMALL, MEDIUM],
     "2023 not declared: 2024 starts afresh"),
    ([(2023, F_MEDIUM), (2022, F_SMALL), (2024, F_MEDIUM)], (), [SMALL, SMALL, MEDIUM],
     "years given out of order are put in order"),
]


@pytest.mark.parametrize(("years", "changed", "expected", "why"), TWO_YEARS,
                         ids=[c[3] for c in TWO_YEARS])
def test_the_two_year_rule(years: list[tuple[int, Figures]], changed: tuple[int, ...],
                           expected: list[SmeClass], why: str) -> None:
    assert [s.klass for s in statuses(_years(*years, changed=changed))] == expected


def test_public_ownership_excludes_at_once() -> None:
    years = [Year(2022, assess_year(F_MICRO, [])),
             Year(2023, assess_year(F_MICRO, [stake(30, kind=HolderKind.PUBLIC_BODY)]))]
    result = statuses(years)
    assert [s.klass for s in result] == [MICRO, LARGE]
    assert result[1].reason.code == "public_bodies_now"


def test_each_status_states_its_rule() -> None:
    result = statuses(_years((2022, F_SMALL), (2023, F_MEDIUM), (2024, F_MEDIUM)))
    assert [s.reason.code for s in result] == ["first_year", "first_year_over", "second_year"]
    assert dict(result[1].reason.params) == {"klass": "small", "year_class": "medium"}


def test_two_assessments_of_one_year_are_refused() -> None:
    with pytest.raises(ValueError, match="one assessment"):
        statuses(_years((2022, F_SMALL), (2022, F_MEDIUM)))
