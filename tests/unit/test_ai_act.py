"""The AI Act classification (laif.govern.ai_act, pure) on the rulebook (catalogue/ai_act.json),
table-driven: each case is a system a company could describe, with the category and the articles
the Regulation gives it (issue 23: credit scoring high-risk, fraud detection not, an Art. 6(3)
exemption overridden by profiling)."""

from __future__ import annotations

import copy
import json
from datetime import date
from typing import Any

import pytest

from laif.catalogue import CATALOGUE_DIR, CatalogueError
from laif.catalogue.ai_act import article_in, load_ai_act, parse_ai_act
from laif.govern.ai_act import (
    Answers,
    Category,
    UnknownAnswer,
    answers_from_json,
    answers_to_json,
    classify,
)

BOOK = load_ai_act()
F = frozenset

CASES: list[tuple[str, Answers, Category, set[str], set[str]]] = [
    # (system, answers, category, articles among the conclusions, articles among the duties)
    ("a bank's credit scoring of consumers", Answers(areas=F({"credit_scoring"}),
                                                     roles=F({"provider", "deployer"})),
     Category.HIGH_RISK, {"Art. 6(2), Annex III, point 5(b)"},
     {"Art. 9", "Art. 11, Annex IV", "Art. 72", "Art. 73", "Art. 26", "Art. 27"}),
    ("the same model used only to detect card fraud",
     Answers(areas=F({"credit_scoring"}), exceptions=F({"fraud_detection"})),
     Category.MINIMAL_RISK, {"Annex III, point 5(b)"}, set()),
    ("life insurance pricing, deployed by the insurer",
     Answers(areas=F({"insurance_pricing"}), roles=F({"deployer"})),
     Category.HIGH_RISK, {"Art. 6(2), Annex III, point 5(c)"}, {"Art. 26", "Art. 27"}),
    ("CV screening that only prepares a recruiter's assessment, no profiling",
     Answers(areas=F({"employment"}), exemptions=F({"preparatory_task"})),
     Category.MINIMAL_RISK, {"Art. 6(3)(d)"}, {"Art. 6(4)", "Art. 49(2)"}),
    ("the same CV screening when it profiles the candidates",
     Answers(areas=F({"employment"}), exemptions=F({"preparatory_task"}), profiling=True),
     Category.HIGH_RISK, {"Art. 6(3), third subparagraph"}, {"Art. 9", "Art. 49(1)"}),
    ("a recruitment tool deployed by a private company: no impact assessment",
     Answers(areas=F({"employment"}), roles=F({"deployer"})),
     Category.HIGH_RISK, {"Art. 6(2), Annex III, point 4"}, {"Art. 26"}),
    ("a public employment service deploying it: impact assessment",
     Answers(areas=F({"employment"}), roles=F({"deployer"}), public_service_deployer=True),
     Category.HIGH_RISK, {"Art. 6(2), Annex III, point 4"}, {"Art. 26", "Art. 27"}),
    ("emotion recognition of employees", Answers(
        practices=F({"emotion_recognition_work_education"}), areas=F({"employment"})),
     Category.PROHIBITED, {"Art. 5(1)(f)"}, set()),
    ("a customer service chatbot", Answers(transparency=F({"interacts_with_people"})),
     Category.LIMITED_RISK, {"Art. 50(1)"}, {"Art. 50(1)"}),
    ("a brake controller's vision component", Answers(annex_i_safety_component=True),
     Category.HIGH_RISK, {"Art. 6(1), Annex I"}, {"Art. 43, 47, 48"}),
    ("a predictive maintenance model for a factory line", Answers(),
     Category.MINIMAL_RISK, {"Art. 5, 6, 50"}, set()),
    ("a foundation model trained with 3e25 FLOPs", Answers(gpai_model=True, systemic_risk=True),
     Category.MINIMAL_RISK, {"Art. 53", "Art. 51, 55"}, {"Art. 53", "Art. 51, 55"}),
]


@pytest.mark.parametrize(("system", "answers", "category", "articles", "duties"), CASES,
                         ids=[c[0] for c in CASES])
def test_classification(system: str, answers: Answers, category: Category, articles: set[str],
                        duties: set[str]) -> None:
    result = classify(BOOK, answers)
    assert result.category == category
    assert articles <= set(result.articles), result.articles
    obligations = {r.article for r in result.obligations}
    assert duties <= obligations, obligations
    for conclusion in result.conclusions:  # every conclusion in both languages
        assert conclusion.en
        assert conclusion.fr


def test_no_impact_assessment_for_a_provider_or_a_private_recruiter() -> None:
    provider = classify(BOOK, Answers(areas=F({"credit_scoring"})))
    assert "Art. 27" not in {r.article for r in provider.obligations}  # a deployer's duty
    assert "Art. 26" not in {r.article for r in provider.obligations}
    recruiter = classify(BOOK, Answers(areas=F({"employment"}), roles=F({"deployer"})))
    assert "Art. 27" not in {r.article for r in recruiter.obligations}


def test_a_prohibited_practice_wins_over_everything_else() -> None:
    result = classify(BOOK, Answers(practices=F({"social_scoring"}), areas=F({"credit_scoring"}),
                                    transparency=F({"interacts_with_people"})))
    assert result.category == Category.PROHIBITED
    assert result.articles == ("Art. 5(1)(c)",)
    assert result.obligations == ()


def test_an_exemption_does_not_spread_to_a_profiling_free_high_risk_use() -> None:
    """Annex I makes the system high-risk whatever Art. 6(3) says about its Annex III use."""
    result = classify(BOOK, Answers(annex_i_safety_component=True, areas=F({"employment"}),
                                    exemptions=F({"narrow_procedural_task"})))
    assert result.category == Category.HIGH_RISK
    assert "Art. 6(3)(a)" in result.articles


def test_an_unknown_answer_is_refused_by_name() -> None:
    with pytest.raises(UnknownAnswer, match="unknown high-risk area: astrology"):
        classify(BOOK, Answers(areas=F({"astrology"})))
    with pytest.raises(UnknownAnswer, match="unknown role: owner"):
        classify(BOOK, Answers(roles=F({"owner"})))


RAW: dict[str, Any] = json.loads((CATALOGUE_DIR / "ai_act.json").read_text())


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["prohibited"].append(dict(d["prohibited"][0])), "names a key twice"),
    (lambda d: d["obligations"][0].update(who="regulator"), "provider or deployer"),
    (lambda d: d.update(fria_areas=["nowhere"]), "must name high-risk areas"),
    (lambda d: d["high_risk_areas"][0].pop("article"), "'article' must be"),
])
def test_a_broken_rulebook_is_refused(change: Any, message: str) -> None:
    data = copy.deepcopy(RAW)
    change(data)
    with pytest.raises(CatalogueError, match=message):
        parse_ai_act(data)


def test_the_answers_round_trip_and_a_wrong_type_is_refused() -> None:
    answers = Answers(areas=F({"credit_scoring"}), profiling=True,
                      roles=F({"provider", "deployer"}))
    stored = answers_to_json(answers)
    assert stored["roles"] == ["deployer", "provider"]
    assert stored["profiling"] is True
    assert answers_from_json(stored) == answers
    assert answers_from_json({}) == Answers()  # roles default to provider
    with pytest.raises(UnknownAnswer, match="unknown question: mood") as unknown:
        answers_from_json({"mood": True})
    assert unknown.value.field == "mood"
    with pytest.raises(UnknownAnswer, match="profiling must be true or false"):
        answers_from_json({"profiling": "yes"})
    with pytest.raises(UnknownAnswer, match="areas must be a list of keys"):
        answers_from_json({"areas": "credit_scoring"})
    with pytest.raises(UnknownAnswer, match="choose provider, deployer or both"):
        classify(BOOK, Answers(roles=F()))


def test_article_references_read_in_french() -> None:
    assert article_in("Art. 11, Annex IV", "fr") == "Art. 11, annexe IV"
    assert article_in("Art. 6(3), third subparagraph", "fr") == "Art. 6(3), troisième alinéa"
    assert article_in("Art. 11, Annex IV", "en") == "Art. 11, Annex IV"
    result = classify(BOOK, Answers(areas=F({"credit_scoring"}),
                                    exemptions=F({"narrow_procedural_task"}), profiling=True))
    assert "Haut risque (annexe III, point 5(b))" in result.conclusions[0].fr
    assert "Annex" not in result.conclusions[0].fr


def test_the_annex_iv_points_quote_the_rulebooks_obligations() -> None:
    points = {p.key: p for p in BOOK.annex_iv}
    assert [p.point for p in BOOK.annex_iv] == [f"Annex IV, point {n}" for n in range(1, 10)]
    assert points["risk"].obligations == ("risk_management",)
    assert "events" in points["post_market"].evidence
    data = copy.deepcopy(RAW)
    data["annex_iv"][0]["obligations"] = ["astrology"]
    with pytest.raises(CatalogueError, match="must name obligations of the rulebook"):
        parse_ai_act(data)
    data = copy.deepcopy(RAW)
    data["annex_iv"][0]["evidence"] = ["rumours"]
    with pytest.raises(CatalogueError, match="evidence must be among"):
        parse_ai_act(data)


def test_serious_incidents_are_reported_within_their_articles_days() -> None:
    aware = date(2026, 12, 4)
    days = {k.key: k.deadline(aware) for k in BOOK.incident_kinds}
    assert days["death"] == date(2026, 12, 14)  # Art. 73(4): 10 days
    assert days["widespread_infringement"] == date(2026, 12, 6)  # Art. 73(3): 2 days
    assert days["critical_infrastructure"] == date(2026, 12, 6)
    assert days["serious_harm"] == date(2026, 12, 19)  # Art. 73(2): 15 days
    assert BOOK.incident_kind("astrology") is None
    data = copy.deepcopy(RAW)
    data["serious_incidents"][0]["days"] = 0
    with pytest.raises(CatalogueError, match="'days' must be a whole number of days"):
        parse_ai_act(data)
