"""Scoring an AI maturity check (pure Python, no Django): each dimension's points over its
maximum as 0-100, the answers that drove it (weakest first), the overall score (the mean of the
dimensions) and the level it reaches (``catalogue/assess.json``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from laif.catalogue.assess import Questionnaire


class AnswerError(ValueError):
    """A question left unanswered, or an answer the questionnaire does not offer."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True)
class Driver:
    """One answer and what it brought to its dimension."""

    question: str
    option: str
    points: int
    max_points: int


@dataclass(frozen=True)
class DimensionScore:
    dimension: str
    score: int  # 0-100
    drivers: tuple[Driver, ...]  # weakest first: what to improve


@dataclass(frozen=True)
class Result:
    dimensions: tuple[DimensionScore, ...]
    overall: int
    level: int

    def scores(self) -> dict[str, int]:
        return {d.dimension: d.score for d in self.dimensions}


def rounded(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def check_answers(answers: Mapping[str, str], questionnaire: Questionnaire) -> None:
    questions = questionnaire.questions()
    for key in answers:
        if key not in questions:
            raise AnswerError(key, "not a question of this questionnaire")
    for key, question in questions.items():
        if key not in answers:
            raise AnswerError(key, "not answered")
        if question.option(answers[key]) is None:
            raise AnswerError(key, f"{answers[key]!r} is not one of the answers offered")


def score(answers: Mapping[str, str], questionnaire: Questionnaire) -> Result:
    check_answers(answers, questionnaire)
    dimensions = []
    for dimension in questionnaire.dimensions:
        drivers = []
        for question in dimension.questions:
            option = question.option(answers[question.key])
            assert option is not None  # checked above
            drivers.append(Driver(question.key, option.key, option.points, question.max_points))
        got, best = sum(d.points for d in drivers), sum(d.max_points for d in drivers)
        value = rounded(Decimal(100 * got) / best)
        weakest = tuple(sorted(drivers, key=lambda d: (d.points / d.max_points, d.question)))
        dimensions.append(DimensionScore(dimension.key, value, weakest))
    overall = rounded(Decimal(sum(d.score for d in dimensions)) / len(dimensions))
    level = max(lv.level for lv in questionnaire.levels if overall >= lv.starts_at)
    return Result(tuple(dimensions), overall, level)
