"""The AI maturity questionnaire as data: ``assess.json``, one versioned file with the
dimensions, their questions and answers (each answer worth 0 to 4 points), in English and
French, and the five maturity levels with the overall score each starts at. An answer list used
by several questions (the adoption in each business function) is named once in
``option_sets``.

Pure Python (no Django).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

from laif.catalogue import CATALOGUE_DIR, CatalogueError, read_json
from laif.catalogue.entry import load_triage
from laif.catalogue.fields import (
    InLanguage,
    SourceInLanguage,
    date_field,
    int_field,
    json_list,
    json_object,
    text_field,
)

MAX_POINTS = 4


@dataclass(frozen=True)
class Option(InLanguage):
    key: str
    points: int
    en: str
    fr: str


@dataclass(frozen=True)
class Question(InLanguage):
    key: str
    en: str
    fr: str
    options: tuple[Option, ...]

    def option(self, key: str) -> Option | None:
        return next((o for o in self.options if o.key == key), None)

    @property
    def max_points(self) -> int:
        return max(o.points for o in self.options)


@dataclass(frozen=True)
class Dimension(InLanguage):
    key: str
    en: str
    fr: str
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Level(InLanguage):
    level: int
    starts_at: int
    en: str
    fr: str
    summary_en: str
    summary_fr: str

    def summary(self, language: str) -> str:
        return self.summary_fr if language.startswith("fr") else self.summary_en


@dataclass(frozen=True)
class Prerequisite(InLanguage):
    """What a roadmap asks first when a dimension scores below ``below``, and the factory
    service (``catalogue/entry.json``) that helps."""

    dimension: str
    below: int
    service: str
    en: str
    fr: str


@dataclass(frozen=True)
class Questionnaire(SourceInLanguage):
    version: int
    effective_date: date
    source: str
    levels: tuple[Level, ...]
    dimensions: tuple[Dimension, ...]
    prerequisites: tuple[Prerequisite, ...] = ()
    source_fr: str = ""

    def questions(self) -> dict[str, Question]:
        return {q.key: q for d in self.dimensions for q in d.questions}

    def dimension(self, key: str) -> Dimension:
        return next(d for d in self.dimensions if d.key == key)

    def level(self, number: int) -> Level:
        return next(lv for lv in self.levels if lv.level == number)

    def answers_worth(self, points: int) -> dict[str, str]:
        """Every question answered with its answer worth ``points``, or the nearest below (the
        demo's and the tests' checks)."""
        found = {}
        for question in self.questions().values():
            fitting = [o for o in question.options if o.points <= points]
            found[question.key] = max(fitting, key=lambda o: o.points).key
        return found


def _option(value: Any, where: str) -> Option:
    item = json_object(value, where)
    key = text_field(item, "key", where)
    where = f"{where} {key}"
    return Option(key, int_field(item, "points", where, 0, MAX_POINTS),
                  text_field(item, "en", where), text_field(item, "fr", where))


def _options(value: Any, where: str) -> tuple[Option, ...]:
    options = tuple(_option(v, where) for v in json_list(value, where))
    if len({o.key for o in options}) != len(options):
        raise CatalogueError(f"{where}: answer keys must be unique")
    if len(options) < 2 or min(o.points for o in options) != 0:
        raise CatalogueError(f"{where}: at least two answers, the lowest worth 0 points")
    return options


def _question(value: Any, where: str, sets: dict[str, tuple[Option, ...]]) -> Question:
    item = json_object(value, where)
    key = text_field(item, "key", where)
    where = f"{where} {key}"
    raw = item.get("options")
    if isinstance(raw, str):
        if raw not in sets:
            raise CatalogueError(f"{where}: unknown option set {raw!r}")
        options = sets[raw]
    else:
        options = _options(raw, f"{where}: options")
    return Question(key, text_field(item, "en", where), text_field(item, "fr", where), options)


def _levels(value: Any, where: str) -> tuple[Level, ...]:
    levels = []
    for raw in json_list(value, where):
        item = json_object(raw, where)
        number = int_field(item, "level", where, 1, 5)
        at = f"{where} {number}"
        levels.append(Level(number, int_field(item, "from", at, 0, 100),
                            text_field(item, "en", at), text_field(item, "fr", at),
                            text_field(item, "summary_en", at), text_field(item, "summary_fr", at)))
    if [lv.level for lv in levels] != [1, 2, 3, 4, 5] or levels[0].starts_at != 0 or any(
            a.starts_at >= b.starts_at for a, b in pairwise(levels)):
        raise CatalogueError(f"{where}: levels 1 to 5 in order, from 0, each starting higher")
    return tuple(levels)


def _prerequisites(value: Any, where: str, dimensions: set[str]) -> tuple[Prerequisite, ...]:
    services = set(load_triage().services)
    found = []
    for raw in json_list(value, where) if value else []:
        item = json_object(raw, where)
        dimension = text_field(item, "dimension", where)
        at = f"{where} {dimension}"
        if dimension not in dimensions:
            raise CatalogueError(f"{at}: unknown dimension")
        service = text_field(item, "service", at)
        if service not in services:
            raise CatalogueError(f"{at}: unknown service {service!r} (catalogue/entry.json)")
        found.append(Prerequisite(dimension, int_field(item, "below", at, 1, 100), service,
                                  text_field(item, "en", at), text_field(item, "fr", at)))
    return tuple(found)


def parse_questionnaire(data: Any, where: str = "assess.json") -> Questionnaire:
    root = json_object(data, where)
    raw_sets = json_object(root.get("option_sets", {}), f"{where}: option_sets")
    sets = {name: _options(v, f"{where}: option set {name}") for name, v in raw_sets.items()}
    dimensions = []
    for raw in json_list(root.get("dimensions"), f"{where}: dimensions"):
        item = json_object(raw, f"{where}: dimension")
        key = text_field(item, "key", f"{where}: dimension")
        at = f"{where}: dimension {key}"
        questions = tuple(_question(q, f"{at}: question", sets)
                          for q in json_list(item.get("questions"), f"{at}: questions"))
        dimensions.append(Dimension(key, text_field(item, "en", at), text_field(item, "fr", at),
                                    questions))
    keys = [d.key for d in dimensions]
    question_keys = [q.key for d in dimensions for q in d.questions]
    if len(set(keys)) != len(keys) or len(set(question_keys)) != len(question_keys):
        raise CatalogueError(f"{where}: dimension and question keys must be unique")
    return Questionnaire(version=int_field(root, "version", where, 1, 1_000_000),
                         effective_date=date_field(root, "effective_date", where),
                         source=text_field(root, "source", where),
                         source_fr=text_field(root, "source_fr", where, required=False),
                         levels=_levels(root.get("levels"), f"{where}: levels"),
                         dimensions=tuple(dimensions),
                         prerequisites=_prerequisites(root.get("prerequisites"),
                                                      f"{where}: prerequisites", set(keys)))


@cache
def load_questionnaire(path: Path | None = None) -> Questionnaire:
    file = path or CATALOGUE_DIR / "assess.json"
    return parse_questionnaire(read_json(file), file.name)
