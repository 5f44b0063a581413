"""Scoring the AI maturity check without a database: each dimension's points over its maximum
as 0-100 (rounded half up), the answers that drove it weakest first, the overall score and the
level it reaches; answers the questionnaire does not offer are refused naming the question."""

from __future__ import annotations

import json
from typing import Any

import pytest

from laif.assess import scoring
from laif.catalogue import CATALOGUE_DIR, CatalogueError
from laif.catalogue.assess import load_questionnaire, parse_questionnaire

Q = load_questionnaire()


def answers(points: int = 0, **chosen: str) -> dict[str, str]:
    """Every question answered with its answer worth ``points`` (or the nearest below), then
    the answers named."""
    return {**Q.answers_worth(points), **chosen}


def test_the_questionnaire_covers_the_seven_dimensions_and_six_business_functions() -> None:
    assert [d.key for d in Q.dimensions] == [
        "strategy", "use_cases", "data", "infrastructure", "skills", "governance", "adoption"]
    assert [q.key for q in Q.dimension("adoption").questions] == [
        "adoption_marketing", "adoption_it", "adoption_operations", "adoption_legal",
        "adoption_finance", "adoption_hr"]
    assert all(q.fr and all(o.fr for o in q.options) for q in Q.questions().values())


@pytest.mark.parametrize(("points", "overall", "level"), [(0, 0, 1), (4, 100, 5)])
def test_nothing_and_everything(points: int, overall: int, level: int) -> None:
    result = scoring.score(answers(points), Q)
    assert set(result.scores().values()) == {overall}
    assert (result.overall, result.level) == (overall, level)


def test_each_dimension_is_its_points_over_its_maximum_rounded_half_up() -> None:
    result = scoring.score(answers(
        0, strategy_plan="written", sponsor="board",  # 2 + 4 of 8: 75
        data_access="spreadsheets", data_quality="checked", personal_data="partly",  # 5/12
        compute="servers",  # 1 of 8: 12.5 -> 13
        adoption_it="production", adoption_operations="pilot"), Q)  # 5 of 24: 20.8 -> 21
    assert result.scores() == {"strategy": 75, "use_cases": 0, "data": 42, "infrastructure": 13,
                               "skills": 0, "governance": 0, "adoption": 21}
    assert result.overall == 22  # (75 + 42 + 13 + 21) / 7 = 21.57
    assert result.level == 2


def test_the_drivers_are_every_answer_of_the_dimension_weakest_first() -> None:
    result = scoring.score(answers(4, data_quality="issues", personal_data="no"), Q)
    data = next(d for d in result.dimensions if d.dimension == "data")
    assert [(x.question, x.option, x.points, x.max_points) for x in data.drivers] == [
        ("personal_data", "no", 0, 4), ("data_quality", "issues", 1, 4),
        ("data_access", "governed", 4, 4)]


def _one_question(*points: int) -> Any:
    raw: dict[str, Any] = json.loads((CATALOGUE_DIR / "assess.json").read_text())
    raw["dimensions"] = [{"key": "only", "en": "Only", "fr": "Seule", "questions": [
        {"key": "q", "en": "Q?", "fr": "Q ?", "options": [
            {"key": f"p{p}", "points": p, "en": str(p), "fr": str(p)} for p in points]}]}]
    raw["prerequisites"] = []  # they name the real dimensions
    return parse_questionnaire(raw)


@pytest.mark.parametrize(("option", "score", "level"), [
    ("p0", 0, 1), ("p1", 25, 2), ("p2", 50, 3), ("p3", 75, 4), ("p4", 100, 5)])
def test_the_level_starts_at_the_catalogue_thresholds(option: str, score: int,
                                                      level: int) -> None:
    result = scoring.score({"q": option}, _one_question(0, 1, 2, 3, 4))
    assert (result.overall, result.level) == (score, level)


def test_levels_at_their_exact_thresholds() -> None:
    q = _one_question(0, 1, 2, 3, 4)
    raw_levels = [lv.starts_at for lv in q.levels]
    assert raw_levels == [0, 20, 40, 60, 80]
    assert max(lv.level for lv in q.levels if lv.starts_at <= 19) == 1
    assert max(lv.level for lv in q.levels if lv.starts_at <= 20) == 2


@pytest.mark.parametrize(("given", "field"), [
    ({"strategy_plan": None}, "strategy_plan"),  # left out
    ({"sponsor": "the_intern"}, "sponsor"),
    ({"favourite_colour": "blue"}, "favourite_colour"),
])
def test_wrong_answers_are_refused_naming_the_question(given: dict[str, Any],
                                                       field: str) -> None:
    chosen = answers(2)
    for key, value in given.items():
        if value is None:
            del chosen[key]
        else:
            chosen[key] = value
    with pytest.raises(scoring.AnswerError) as caught:
        scoring.score(chosen, Q)
    assert caught.value.field == field


@pytest.mark.parametrize(("change", "message"), [
    (lambda r: r["levels"].pop(), "levels 1 to 5"),
    (lambda r: r["levels"][2].update({"from": 10}), "each starting higher"),
    (lambda r: r["dimensions"][0]["questions"][0]["options"][0].update(points=5),
     "between 0 and 4"),
    (lambda r: r["dimensions"][6]["questions"][0].update(options="nope"), "unknown option set"),
    (lambda r: r["dimensions"][1]["questions"][0].update(key="strategy_plan"), "unique"),
    (lambda r: r["prerequisites"][0].update(dimension="luck"), "unknown dimension"),
    (lambda r: r["prerequisites"][0].update(service="astrology"), "unknown service"),
])
def test_a_wrong_questionnaire_is_refused(change: Any, message: str) -> None:
    raw: dict[str, Any] = json.loads((CATALOGUE_DIR / "assess.json").read_text())
    change(raw)
    with pytest.raises(CatalogueError, match=message):
        parse_questionnaire(raw)
