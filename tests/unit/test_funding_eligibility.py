"""The funding eligibility engine against the catalogue's instruments: who, how much, why."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from laif.catalogue import CatalogueError
from laif.catalogue.funding import load_funding, parse_funding
from laif.fund.eligibility import Applicant, Outcome, Plan, check_all

FUNDING = load_funding()
TODAY = date(2026, 12, 6)
E, N, C = Outcome.ELIGIBLE, Outcome.NOT_ELIGIBLE, Outcome.TO_CHECK


def run(klass: str, kind: str = "company", costs: int = 150_000, compute: int = 20_000,
        headroom: int = 300_000 * 100, start: date = date(2027, 3, 1)) -> dict[str, object]:
    checks, _warnings = check_all(
        FUNDING, Applicant(sme_class=klass, sme_year=2025 if klass else None, kind=kind,
                           de_minimis_headroom_cents=headroom),
        Plan(costs_eur=Decimal(costs), compute_eur=Decimal(compute), start_on=start,
             apply_on=TODAY), cashback_rate_percent=80)
    return {c.instrument.code: (c.outcome, c.amount_cents) for c in checks}


CASES = [
    # (verified class, kind, code, expected (outcome, amount in cents), why)
    ("small", "company", "fit4ai", (E, 50_000 * 100), "50% of 150,000 capped at 50,000"),
    ("micro", "company", "fit4ai", (E, 50_000 * 100), "micro is small: the small cap"),
    ("medium", "company", "fit4ai", (E, 75_000 * 100), "50% of 150,000 under the 100,000 cap"),
    ("large", "company", "fit4ai", (N, None), "a large enterprise"),
    ("", "company", "fit4ai", (C, None), "no verified status: to check, the cap unknown"),
    ("small", "company", "spinoff", (N, None), "a company, not a start-up"),
    ("micro", "startup", "spinoff", (C, 120_000 * 100), "80% of 150,000; spin-off to confirm"),
    ("micro", "startup", "fit4start", (C, None), "guidance"),
    ("small", "company", "compute_cashback", (E, 16_000 * 100), "80% of 20,000 of compute"),
    ("large", "company", "compute_cashback", (N, None), "large, not a start-up"),
    ("large", "startup", "compute_cashback", (E, 16_000 * 100), "start-ups by kind"),
    ("large", "company", "horizon_europe", (C, None), "guidance for everybody"),
    ("large", "public", "rdi", (C, None), "guidance for everybody"),
]


@pytest.mark.parametrize(("klass", "kind", "code", "expected", "why"), CASES,
                         ids=[c[4] for c in CASES])
def test_instruments(klass: str, kind: str, code: str, expected: tuple[object, object],
                     why: str) -> None:
    assert run(klass, kind)[code] == expected


def test_the_cap_applies_exactly() -> None:
    assert run("small", costs=100_000)["fit4ai"] == (E, 50_000 * 100)  # 50% is the cap
    assert run("small", costs=99_999)["fit4ai"] == (E, 4_999_950)


def test_the_cashback_past_the_de_minimis_headroom_is_to_check() -> None:
    assert run("small", compute=20_000, headroom=15_000 * 100)["compute_cashback"] == (
        C, 16_000 * 100)


def test_reasons_say_which_rule_and_figures() -> None:
    checks, _ = check_all(FUNDING, Applicant("small", 2025, "company", 10**9),
                          Plan(Decimal(150_000), Decimal(0), date(2027, 1, 1), TODAY),
                          cashback_rate_percent=80)
    fit = next(c for c in checks if c.instrument.code == "fit4ai")
    assert [r.code for r in fit.reasons] == ["by_class", "share", "as_announced"]
    assert dict(fit.reasons[1].params) == {"rate": "50", "costs": "150000", "cap": "50000",
                                           "capped": "1"}
    assert fit.to_confirm


def test_work_starting_before_the_application_is_warned_about() -> None:
    plan = Plan(Decimal(1), Decimal(0), date(2026, 12, 1), TODAY)
    _checks, warnings = check_all(FUNDING, Applicant("small", 2025, "company", 0), plan,
                                  cashback_rate_percent=80)
    assert [w.code for w in warnings] == ["starts_before_application"]
    plan = Plan(Decimal(1), Decimal(0), TODAY, TODAY)
    assert check_all(FUNDING, Applicant("small", 2025, "company", 0), plan,
                     cashback_rate_percent=80)[1] == ()


def test_an_instrument_not_open_yet_is_not_eligible() -> None:
    plan = Plan(Decimal(1), Decimal(0), date(2025, 6, 1), date(2025, 4, 1))
    checks, _ = check_all(FUNDING, Applicant("micro", 2024, "startup", 10**9), plan,
                          cashback_rate_percent=80)
    spinoff = next(c for c in checks if c.instrument.code == "spinoff")
    assert (spinoff.outcome, spinoff.reasons[0].code) == (N, "not_open")


def test_the_catalogue_is_checked() -> None:
    data = {"version": 1, "retrieved": "2026-12-04", "announcement": "x", "instruments": [
        {"code": "a", "name": "A", "provider": "p", "status": "rumoured", "kind": "guidance",
         "effective_from": "2025-01-01", "eligible_sme_classes": ["small"],
         "eligible_kinds": [], "source": "s"}]}
    with pytest.raises(CatalogueError, match="status"):
        parse_funding(data)
    instrument = data["instruments"][0]  # type: ignore[index]
    instrument["status"] = "verified"
    instrument["eligible_sme_classes"] = []
    with pytest.raises(CatalogueError, match="nobody"):
        parse_funding(data)
    assert all(i.source and i.provider for i in FUNDING.instruments)
    assert {i.code for i in FUNDING.instruments} >= {"fit4ai", "spinoff", "fit4start",
                                                      "compute_cashback", "rdi",
                                                      "horizon_europe", "digital_europe"}
