"""Job templates: versioned batch scripts (``jobs/*.sh``) listed in ``jobs/templates.json`` with
their defaults (GPUs, time limit, array size and throttle) and English and French titles. Pure Python."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from laif.catalogue import CATALOGUE_DIR, CatalogueError

JOBS_DIR = CATALOGUE_DIR / "jobs"


@dataclass(frozen=True)
class JobTemplate:
    key: str
    title: str
    title_fr: str
    script: str
    gpus: int
    time_limit_minutes: int
    array_size: int
    array_throttle: int = 0  # at most this many tasks at a time; 0: no limit

    def title_in(self, language: str) -> str:
        return self.title_fr if language.startswith("fr") else self.title


@dataclass(frozen=True)
class JobTemplates:
    version: int
    effective_date: date
    source: str
    templates: tuple[JobTemplate, ...]

    def get(self, key: str) -> JobTemplate | None:
        return next((t for t in self.templates if t.key == key), None)


def _int(item: dict[str, Any], name: str, where: str, minimum: int) -> int:
    value = item.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise CatalogueError(f"{where}: {name!r} must be an integer >= {minimum}")
    return value


def parse_templates(data: Any, directory: Path) -> JobTemplates:
    if not isinstance(data, dict) or not isinstance(data.get("templates"), list):
        raise CatalogueError("templates.json: expected an object with a 'templates' list")
    templates = []
    for i, item in enumerate(data["templates"]):
        where = f"templates[{i}]"
        if not isinstance(item, dict):
            raise CatalogueError(f"{where}: expected an object")
        for name in ("key", "file", "title", "title_fr"):
            if not isinstance(item.get(name), str) or not item[name]:
                raise CatalogueError(f"{where}: {name!r} must be a non-empty string")
        path = directory / item["file"]
        if path.parent != directory or not path.is_file():
            raise CatalogueError(f"{where}: no script {item['file']!r} next to templates.json")
        templates.append(JobTemplate(
            key=item["key"], title=item["title"], title_fr=item["title_fr"],
            script=path.read_text(), gpus=_int(item, "gpus", where, 0),
            time_limit_minutes=_int(item, "time_limit_minutes", where, 1),
            array_size=_int(item, "array_size", where, 1),
            array_throttle=_int(item, "array_throttle", where, 0)
            if "array_throttle" in item else 0))
        if templates[-1].array_throttle > templates[-1].array_size:
            raise CatalogueError(f"{where}: 'array_throttle' must not exceed 'array_size'")
    if len({t.key for t in templates}) != len(templates):
        raise CatalogueError("templates.json: template keys must be unique")
    try:
        effective = date.fromisoformat(str(data.get("effective_date")))
    except ValueError as exc:
        raise CatalogueError("templates.json: 'effective_date' must be YYYY-MM-DD") from exc
    return JobTemplates(version=_int(data, "version", "templates.json", 1),
                        effective_date=effective, source=str(data.get("source", "")),
                        templates=tuple(templates))


@cache
def job_templates() -> JobTemplates:
    return parse_templates(json.loads((JOBS_DIR / "templates.json").read_text()), JOBS_DIR)
