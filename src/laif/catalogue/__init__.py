"""The factory's service catalogue, kept as versioned data files next to this module.

Pure Python (no Django): ``load_pillars()`` reads ``pillars.json``, checks its shape and returns the
six service pillars with their English and French texts. Each file names its ``source`` and the
``effective_date`` from which it applies; a change of offer is a new version of the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

CATALOGUE_DIR = Path(__file__).resolve().parent
LANGUAGES = ("en", "fr")


class CatalogueError(ValueError):
    """A catalogue file is missing a field or has a wrong value."""


@dataclass(frozen=True)
class Pillar:
    key: str
    number: int
    title: str
    summary: str
    title_fr: str
    summary_fr: str

    def title_in(self, language: str) -> str:
        return self.title_fr if language.startswith("fr") else self.title

    def summary_in(self, language: str) -> str:
        return self.summary_fr if language.startswith("fr") else self.summary


@dataclass(frozen=True)
class LocalPillar:
    """A pillar's texts in one language, ready for a page."""

    key: str
    number: int
    title: str
    summary: str


@dataclass(frozen=True)
class PillarCatalogue:
    version: int
    effective_date: date
    source: str
    pillars: tuple[Pillar, ...]

    def in_language(self, language: str) -> list[LocalPillar]:
        return [
            LocalPillar(p.key, p.number, p.title_in(language), p.summary_in(language))
            for p in self.pillars
        ]


def read_json(file: Path) -> Any:
    """A catalogue file's JSON; ``CatalogueError`` naming the file when it cannot be read or
    parsed."""
    try:
        with file.open(encoding="utf-8") as fh:
            return json.load(fh)
    except OSError as exc:
        raise CatalogueError(f"{file}: cannot read it ({exc.strerror})") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise CatalogueError(f"{file.name}: not valid JSON ({exc})") from exc


def _text(item: dict[str, Any], name: str, where: str) -> str:
    value = item.get(name)
    if not isinstance(value, str) or not value.strip():
        raise CatalogueError(f"{where}: {name!r} must be a non-empty string")
    return value.strip()


def parse_pillars(data: Any, where: str = "pillars.json") -> PillarCatalogue:
    if not isinstance(data, dict):
        raise CatalogueError(f"{where}: expected a JSON object")
    version = data.get("version")
    if not isinstance(version, int) or version < 1:
        raise CatalogueError(f"{where}: 'version' must be a positive integer")
    try:
        effective = date.fromisoformat(_text(data, "effective_date", where))
    except ValueError as exc:
        raise CatalogueError(f"{where}: 'effective_date' must be an ISO date") from exc
    source = _text(data, "source", where)
    items = data.get("pillars")
    if not isinstance(items, list) or not items:
        raise CatalogueError(f"{where}: 'pillars' must be a non-empty list")
    pillars: list[Pillar] = []
    for i, item in enumerate(items):
        here = f"{where}: pillars[{i}]"
        if not isinstance(item, dict):
            raise CatalogueError(f"{here}: expected an object")
        number = item.get("number")
        if not isinstance(number, int):
            raise CatalogueError(f"{here}: 'number' must be an integer")
        pillars.append(Pillar(
            key=_text(item, "key", here), number=number,
            title=_text(item, "title", here), summary=_text(item, "summary", here),
            title_fr=_text(item, "title_fr", here), summary_fr=_text(item, "summary_fr", here),
        ))
    keys = [p.key for p in pillars]
    if len(set(keys)) != len(keys):
        raise CatalogueError(f"{where}: pillar keys must be unique")
    return PillarCatalogue(version=version, effective_date=effective, source=source,
                           pillars=tuple(sorted(pillars, key=lambda p: p.number)))


@cache
def load_pillars(path: Path | None = None) -> PillarCatalogue:
    """The six service pillars (read once per process)."""
    file = path or CATALOGUE_DIR / "pillars.json"
    with file.open(encoding="utf-8") as fh:
        return parse_pillars(json.load(fh), file.name)
