"""The single point of entry's triage as data: ``entry.json``, one versioned file with the
answers the intake form offers (goal, sector, data held, budget, timeline, each labelled in
English and French), the services a request can be routed to (each in a pillar, with the next
step it proposes) and the rules that route it. A rule matches when, for every question it names,
the request's answer is one of the values listed (for the data held: any of them); each rule
says why in both languages, and may shorten the response time. The ``fallback`` applies when no
rule matches, so every request is routed and says by which rule.

Pure Python (no Django).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from laif.catalogue import CATALOGUE_DIR, CatalogueError, load_pillars, read_json
from laif.catalogue.fields import (
    InLanguage,
    date_field,
    int_field,
    json_list,
    json_object,
    optional_int_field,
    text_field,
)

QUESTIONS = ("goal", "sector", "data", "budget", "timeline")
NEXT_STEPS = ("maturity_check", "roadmap", "course", "expert", "funding_check", "gpu_request",
              "contact")
MAX_WORKING_DAYS = 30


@dataclass(frozen=True)
class Label(InLanguage):
    key: str
    en: str
    fr: str


@dataclass(frozen=True)
class Service(InLanguage):
    key: str
    pillar: str
    next_step: str
    en: str
    fr: str


@dataclass(frozen=True)
class Rule(InLanguage):
    id: str
    when: dict[str, frozenset[str]]
    service: str
    en: str
    fr: str
    working_days: int | None


@dataclass(frozen=True)
class Triage:
    version: int
    effective_date: date
    source: str
    working_days: int
    choices: dict[str, tuple[Label, ...]]
    services: dict[str, Service]
    rules: tuple[Rule, ...]
    fallback: Rule

    def keys(self, question: str) -> frozenset[str]:
        return frozenset(label.key for label in self.choices[question])

    def label(self, question: str, key: str, language: str) -> str:
        for item in self.choices[question]:
            if item.key == key:
                return item.in_language(language)
        return key


def _label(value: Any, where: str) -> Label:
    item = json_object(value, where)
    key = text_field(item, "key", where)
    return Label(key, text_field(item, "en", f"{where} {key}"), text_field(item, "fr", f"{where} {key}"))


def _choices(value: Any, where: str) -> dict[str, tuple[Label, ...]]:
    root = json_object(value, where)
    if set(root) != set(QUESTIONS):
        raise CatalogueError(f"{where}: must list exactly {', '.join(QUESTIONS)}")
    choices: dict[str, tuple[Label, ...]] = {}
    for question in QUESTIONS:
        labels = tuple(_label(v, f"{where}: {question}") for v in json_list(root[question], where))
        if len({label.key for label in labels}) != len(labels):
            raise CatalogueError(f"{where}: {question}: keys must be unique")
        choices[question] = labels
    return choices


def _service(value: Any, where: str, pillars: frozenset[str]) -> Service:
    item = json_object(value, where)
    key = text_field(item, "key", where)
    where = f"{where} {key}"
    pillar, step = text_field(item, "pillar", where), text_field(item, "next_step", where)
    if pillar not in pillars:
        raise CatalogueError(f"{where}: 'pillar' must be one of {', '.join(sorted(pillars))}")
    if step not in NEXT_STEPS:
        raise CatalogueError(f"{where}: 'next_step' must be one of {', '.join(NEXT_STEPS)}")
    return Service(key, pillar, step, text_field(item, "en", where), text_field(item, "fr", where))


def _rule(value: Any, where: str, choices: dict[str, tuple[Label, ...]],
          services: dict[str, Service], *, fallback: bool = False) -> Rule:
    item = json_object(value, where)
    rule_id = text_field(item, "id", where)
    where = f"{where} {rule_id}"
    when: dict[str, frozenset[str]] = {}
    if not fallback:
        raw = json_object(item.get("when"), f"{where}: when")
        if not raw or not set(raw) <= set(QUESTIONS):
            raise CatalogueError(f"{where}: 'when' names one or more of {', '.join(QUESTIONS)}")
        for question, values in raw.items():
            allowed = {label.key for label in choices[question]}
            if (not isinstance(values, list) or not values
                    or not all(isinstance(v, str) and v in allowed for v in values)):
                raise CatalogueError(f"{where}: when.{question} must list answers of {question}")
            when[question] = frozenset(values)
    service = text_field(item, "service", where)
    if service not in services:
        raise CatalogueError(f"{where}: unknown service {service!r}")
    return Rule(rule_id, when, service, text_field(item, "en", where), text_field(item, "fr", where),
                optional_int_field(item, "response_working_days", where, 1, MAX_WORKING_DAYS))


def parse_triage(data: Any, where: str = "entry.json") -> Triage:
    root = json_object(data, where)
    pillars = frozenset(p.key for p in load_pillars().pillars)
    choices = _choices(root.get("choices"), f"{where}: choices")
    services = {s.key: s for s in (_service(v, f"{where}: service", pillars)
                                   for v in json_list(root.get("services"), f"{where}: services"))}
    rules = tuple(_rule(v, f"{where}: rule", choices, services)
                  for v in json_list(root.get("rules"), f"{where}: rules"))
    fallback = _rule(root.get("fallback"), f"{where}: fallback", choices, services, fallback=True)
    ids = [r.id for r in (*rules, fallback)]
    if len(set(ids)) != len(ids):
        raise CatalogueError(f"{where}: rule ids must be unique")
    return Triage(version=int_field(root, "version", where, 1, 1_000_000),
                  effective_date=date_field(root, "effective_date", where),
                  source=text_field(root, "source", where),
                  working_days=int_field(root, "response_working_days", where, 1, MAX_WORKING_DAYS),
                  choices=choices, services=services, rules=rules, fallback=fallback)


@cache
def load_triage(path: Path | None = None) -> Triage:
    file = path or CATALOGUE_DIR / "entry.json"
    return parse_triage(read_json(file), file.name)
