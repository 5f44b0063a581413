"""The Upskill & Train pillar as data (``train.json``): the choices a course is described by
(audience, level, language, format, provider, each labelled in English and French), the starting
list of courses that trainers then edit on the platform, the yearly target (140 to 200
trainings, known only from the factory's announcement: marked so), the attendance a certificate
needs and how long a waitlist offer stays open.

Pure Python (no Django).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from laif.catalogue import CATALOGUE_DIR, CatalogueError, read_json
from laif.catalogue.fields import (
    InLanguage,
    SourceInLanguage,
    date_field,
    int_field,
    json_list,
    json_object,
    text_field,
)

CHOICES = ("audiences", "levels", "languages", "formats", "providers")
# the maturity check's dimensions a course may strengthen (catalogue/assess.json)
DIMENSIONS = ("strategy", "use_cases", "data", "infrastructure", "skills", "governance",
              "adoption")
MAX_HOURS = 200


@dataclass(frozen=True)
class Choice(InLanguage):
    key: str
    en: str
    fr: str
    website: str = ""


@dataclass(frozen=True)
class CourseSeed:
    """A course as the catalogue proposes it (trainers edit the platform's copy)."""

    key: str
    audience: str
    level: str
    language: str
    format: str
    duration_hours: int
    provider: str
    dimensions: tuple[str, ...]
    title_en: str
    title_fr: str
    summary_en: str
    summary_fr: str
    prerequisites_en: str
    prerequisites_fr: str


@dataclass(frozen=True)
class Target:
    low: int
    high: int
    verified: bool
    source: str


@dataclass(frozen=True)
class TrainCatalogue(SourceInLanguage):
    version: int
    effective_date: date
    source: str
    source_fr: str
    target: Target
    attendance_threshold_percent: int
    offer_hours: int
    choices: dict[str, tuple[Choice, ...]]
    courses: tuple[CourseSeed, ...]

    def keys(self, kind: str) -> tuple[str, ...]:
        return tuple(c.key for c in self.choices[kind])

    def label(self, kind: str, key: str, language: str) -> str:
        """A choice's label in the page's language (the key itself when unknown)."""
        for c in self.choices[kind]:
            if c.key == key:
                return c.in_language(language)
        return key

    def pairs(self, kind: str, language: str) -> list[tuple[str, str]]:
        """(key, label) for a form's select."""
        return [(c.key, c.in_language(language)) for c in self.choices[kind]]


def _choices(data: dict[str, Any], kind: str, where: str) -> tuple[Choice, ...]:
    out: list[Choice] = []
    for i, raw in enumerate(json_list(data.get(kind), f"{where}: {kind}")):
        item = json_object(raw, f"{where}: {kind}[{i}]")
        at = f"{where}: {kind}[{i}]"
        out.append(Choice(key=text_field(item, "key", at), en=text_field(item, "en", at),
                          fr=text_field(item, "fr", at),
                          website=text_field(item, "website", at, required=False)))
    keys = [c.key for c in out]
    if len(set(keys)) != len(keys):
        raise CatalogueError(f"{where}: {kind} has a duplicate key")
    return tuple(out)


def _course(raw: Any, at: str, choices: dict[str, tuple[Choice, ...]]) -> CourseSeed:
    item = json_object(raw, at)
    picked = {}
    for field, kind in (("audience", "audiences"), ("level", "levels"),
                        ("language", "languages"), ("format", "formats"),
                        ("provider", "providers")):
        value = text_field(item, field, at)
        if value not in {c.key for c in choices[kind]}:
            raise CatalogueError(f"{at}: {field} {value!r} is not one of the {kind}")
        picked[field] = value
    dimensions = tuple(json_list(item.get("dimensions"), f"{at}: dimensions"))
    for d in dimensions:
        if d not in DIMENSIONS:
            raise CatalogueError(f"{at}: dimension {d!r} is not one of the maturity check's")
    return CourseSeed(
        key=text_field(item, "key", at), duration_hours=int_field(
            item, "duration_hours", at, 1, MAX_HOURS), dimensions=dimensions,
        title_en=text_field(item, "en", at), title_fr=text_field(item, "fr", at),
        summary_en=text_field(item, "summary_en", at), summary_fr=text_field(item, "summary_fr", at),
        prerequisites_en=text_field(item, "prerequisites_en", at, required=False),
        prerequisites_fr=text_field(item, "prerequisites_fr", at, required=False), **picked)


def parse_train(data: Any, where: str = "train.json") -> TrainCatalogue:
    root = json_object(data, where)
    if root.get("catalogue") != "train":
        raise CatalogueError(f"{where}: not the train catalogue")
    choices = {kind: _choices(root, kind, where) for kind in CHOICES}
    courses = tuple(_course(raw, f"{where}: courses[{i}]", choices)
                    for i, raw in enumerate(json_list(root.get("courses"), f"{where}: courses")))
    keys = [c.key for c in courses]
    if len(set(keys)) != len(keys):
        raise CatalogueError(f"{where}: courses have a duplicate key")
    target_raw = json_object(root.get("yearly_target"), f"{where}: yearly_target")
    low = int_field(target_raw, "low", f"{where}: yearly_target", 1, 10_000)
    high = int_field(target_raw, "high", f"{where}: yearly_target", low, 10_000)
    verified = target_raw.get("verified")
    if not isinstance(verified, bool):
        raise CatalogueError(f"{where}: yearly_target: 'verified' must be true or false")
    return TrainCatalogue(
        version=int_field(root, "version", where, 1, 10_000),
        effective_date=date_field(root, "effective_date", where),
        source=text_field(root, "source", where),
        source_fr=text_field(root, "source_fr", where, required=False),
        target=Target(low, high, verified, text_field(target_raw, "source", where)),
        attendance_threshold_percent=int_field(root, "attendance_threshold_percent", where, 1, 100),
        offer_hours=int_field(root, "offer_hours", where, 1, 24 * 14),
        choices=choices, courses=courses)


@cache
def load_train(path: Path | None = None) -> TrainCatalogue:
    file = path or CATALOGUE_DIR / "train.json"
    return parse_train(read_json(file), file.name)
