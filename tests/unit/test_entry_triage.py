"""The single point of entry's routing rules (catalogue/entry.json) and response times, without a
database: which services a need goes to and by which rule, the working-day target, the overdue
flag and the statuses a request may move between."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest

from laif.catalogue import CatalogueError
from laif.catalogue.entry import load_triage, parse_triage
from laif.entry import triage as t

TRIAGE = load_triage()


def need(goal: str = "explore", sector: str = "manufacturing", data: tuple[str, ...] = ("none",),
         budget: str = "unknown", timeline: str = "12_months") -> t.Need:
    return t.Need(goal=goal, sector=sector, data=frozenset(data), budget=budget, timeline=timeline)


@pytest.mark.parametrize(("the_need", "rules"), [
    (need(), ["explore-maturity", "no-data-maturity"]),
    (need(timeline="exploring"), ["explore-maturity", "explore-awareness", "no-data-maturity"]),
    (need("train_model", data=("images",), budget="50k_200k"), ["compute-gpu"]),
    (need("train_model", data=("images",), budget="10k_50k"),
     ["compute-gpu", "small-budget-funding"]),
    (need("use_case", data=("tabular", "personal"), budget="under_10k"),
     ["use-case-roadmap", "compute-gpu", "sensitive-sandbox", "small-budget-funding"]),
    (need("inference", sector="health", data=("text",), budget="over_200k"),
     ["compute-gpu", "health-sandbox", "inference-scale"]),
    (need("skills", data=("tabular",)), ["skills-course"]),
    (need("partner", data=("sensor",)), ["partner-expert"]),
    (need("funding", data=("tabular",), timeline="3_months"), ["funding-goal", "soon-priority"]),
    # a model without data: data readiness comes first
    (need("train_model", data=("none",), budget="over_200k"), ["no-data-maturity"]),
    (need("partner", data=("tabular",), sector="health"), ["partner-expert"]),
    (need("inference", data=("tabular",), sector="health", budget="over_200k", timeline="later"),
     ["compute-gpu", "health-sandbox", "inference-scale"]),
])
def test_a_need_goes_to_the_services_of_every_rule_it_matches(the_need: t.Need,
                                                               rules: list[str]) -> None:
    assert [m.rule for m in t.classify(the_need, TRIAGE)] == rules


def test_the_fallback_routes_what_no_rule_matches_and_says_so() -> None:
    triage = parse_triage({**_raw(), "rules": [_raw()["rules"][-1]]})  # "soon-priority" only
    found = t.classify(need("skills", data=("tabular",), timeline="later"), triage)
    assert [(m.rule, m.service, m.next_step) for m in found] == [("triage", "triage", "contact")]
    assert "No rule matched" in found[0].because("en")
    assert "Aucune règle" in found[0].because("fr")


def test_each_match_states_its_service_pillar_and_reason_in_both_languages() -> None:
    found = t.classify(need("use_case", data=("health",)), TRIAGE)
    sandbox = next(m for m in found if m.rule == "sensitive-sandbox")
    assert (sandbox.service, sandbox.pillar, sandbox.next_step) == ("sandbox", "build",
                                                                      "gpu_request")
    assert "personal or health data" in sandbox.because("en")
    assert "données personnelles ou de santé" in sandbox.because("fr")
    assert t.next_steps(found) == ("roadmap", "gpu_request")


@pytest.mark.parametrize(("bad", "field"), [
    (need(goal="world_domination"), "goal"),
    (need(sector="mining"), "sector"),
    (need(budget="a_lot"), "budget"),
    (need(timeline="yesterday"), "timeline"),
    (need(data=()), "data"),
    (need(data=("tabular", "gossip")), "data"),
    (need(data=("none", "tabular")), "data"),  # no data and some data at once
])
def test_answers_the_catalogue_does_not_offer_are_refused_naming_the_question(
        bad: t.Need, field: str) -> None:
    with pytest.raises(t.NeedError) as caught:
        t.classify(bad, TRIAGE)
    assert caught.value.field == field


def test_the_response_target_is_the_shortest_a_matched_rule_sets() -> None:
    assert t.working_days(t.classify(need(), TRIAGE), TRIAGE.working_days) == 3
    assert t.working_days(t.classify(need("use_case", data=("personal",)), TRIAGE), 3) == 2
    assert t.working_days(t.classify(need(data=("personal",), timeline="3_months"), TRIAGE),
                          3) == 1


@pytest.mark.parametrize(("start", "days", "due"), [
    ("2026-12-07 10:30", 3, "2026-12-10 10:30"),  # Monday -> Thursday
    ("2026-12-10 16:00", 3, "2026-12-15 16:00"),  # Thursday -> Tuesday, over the weekend
    ("2026-12-11 09:00", 1, "2026-12-14 09:00"),  # Friday -> Monday
    ("2026-12-12 15:00", 1, "2026-12-15 00:00"),  # Saturday: counted from Monday's start
    ("2026-12-13 23:59", 2, "2026-12-16 00:00"),  # Sunday
])
def test_respond_by_counts_working_days(start: str, days: int, due: str) -> None:
    assert t.respond_by(datetime.fromisoformat(start), days) == datetime.fromisoformat(due)


def test_overdue_only_while_in_the_inbox_and_unanswered_past_the_target() -> None:
    due = datetime(2026, 12, 10, 10, 0)
    late, early = datetime(2026, 12, 10, 10, 1), datetime(2026, 12, 10, 9, 59)
    assert t.is_overdue(status="new", due=due, responded_at=None, now=late)
    assert t.is_overdue(status="in_progress", due=due, responded_at=None, now=late)
    assert not t.is_overdue(status="new", due=due, responded_at=None, now=early)
    assert not t.is_overdue(status="new", due=due, responded_at=early, now=late)
    assert not t.is_overdue(status="closed", due=due, responded_at=None, now=late)
    assert not t.is_overdue(status="unverified", due=None, responded_at=None, now=late)


def test_statuses_move_forward_and_a_closed_request_can_be_reopened() -> None:
    assert t.can_move("new", "triaged")
    assert t.can_move("triaged", "in_progress")
    assert t.can_move("in_progress", "closed")
    assert t.can_move("closed", "triaged")
    assert not t.can_move("closed", "new")
    assert not t.can_move("triaged", "new")
    assert not t.can_move("unverified", "triaged")


def _raw() -> dict[str, Any]:
    from laif.catalogue import CATALOGUE_DIR

    raw: dict[str, Any] = json.loads((CATALOGUE_DIR / "entry.json").read_text(encoding="utf-8"))
    return raw


@pytest.mark.parametrize(("change", "message"), [
    (lambda r: r["rules"][0].update(service="astrology"), "unknown service 'astrology'"),
    (lambda r: r["rules"][0].update(when={"mood": ["happy"]}), "'when' names"),
    (lambda r: r["rules"][0].update(when={"goal": ["rule_the_world"]}),
     "when.goal must list answers"),
    (lambda r: r["services"][0].update(pillar="marketing"), "'pillar' must be one of"),
    (lambda r: r["services"][0].update(next_step="party"), "'next_step' must be one of"),
    (lambda r: r["rules"][1].update(id=r["rules"][0]["id"]), "rule ids must be unique"),
    (lambda r: r["rules"][0].update(response_working_days=0), "between 1 and 30"),
    (lambda r: r["choices"].pop("budget"), "must list exactly"),
    (lambda r: r["rules"][0].update(fr=""), "'fr' must be a non-empty string"),
])
def test_a_wrong_catalogue_is_refused_naming_the_field(change: Any, message: str) -> None:
    raw = _raw()
    change(raw)
    with pytest.raises(CatalogueError, match=message):
        parse_triage(raw)
