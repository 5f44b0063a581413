"""The EU AI Act as a rulebook (``ai_act.json``): the prohibited practices (Art. 5), the Annex III
high-risk areas with their exceptions, the Art. 6(3) exemptions, the Art. 50 transparency
duties, the obligations of providers and deployers of high-risk systems, and the notes for
general-purpose AI models, each with its article of Regulation (EU) 2024/1689 and its text in
English and French.

Pure Python (no Django): ``load_ai_act()`` reads and checks the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from laif.catalogue import CATALOGUE_DIR, CatalogueError, read_json
from laif.catalogue.fields import (
    InLanguage,
    SourceInLanguage,
    date_field,
    json_list,
    json_object,
    text_field,
)

WHO = ("provider", "deployer")
_FRENCH = (("third subparagraph", "troisième alinéa"), ("Annex", "annexe"))


def article_in(article: str, language: str) -> str:
    """An article reference as written in the language (``Annex III`` -> ``annexe III``); the
    stored and API form is the English one."""
    if language != "fr":
        return article
    for english, french in _FRENCH:
        article = article.replace(english, french)
    return article


@dataclass(frozen=True)
class Rule(InLanguage):
    """One rule: its key, its article and its summary in English and French."""

    key: str
    article: str
    en: str
    fr: str
    who: str = ""  # provider or deployer, for a duty


@dataclass(frozen=True)
class Area(InLanguage):
    """An Annex III high-risk area, and the use it excludes (5(b): fraud detection)."""

    key: str
    article: str
    en: str
    fr: str
    exception: Rule | None = None


EVIDENCE = ("system", "classification", "history", "monitors", "events", "incidents", "model",
            "training", "metrics", "deployments")


@dataclass(frozen=True)
class AnnexIvPoint(InLanguage):
    """A point of Annex IV (technical documentation), with what the platform holds for it:
    its kinds of evidence (``EVIDENCE``) and the obligations whose evidence it quotes."""

    key: str
    point: str
    en: str
    fr: str
    evidence: tuple[str, ...]
    obligations: tuple[str, ...]


@dataclass(frozen=True)
class IncidentKind(InLanguage):
    """A kind of serious incident and the days the provider has to report it to the market
    surveillance authority once aware of it (Art. 73)."""

    key: str
    article: str
    en: str
    fr: str
    days: int

    def deadline(self, aware: date) -> date:
        """The last day to report an incident the provider became aware of on ``aware``."""
        return aware + timedelta(days=self.days)


@dataclass(frozen=True)
class Rulebook(SourceInLanguage):
    version: int
    effective_date: date
    source: str
    source_fr: str
    prohibited: tuple[Rule, ...]
    areas: tuple[Area, ...]
    exemptions: tuple[Rule, ...]
    transparency: tuple[Rule, ...]
    obligations: tuple[Rule, ...]
    exemption_duties: tuple[Rule, ...]
    gpai: tuple[Rule, ...]
    fria_areas: frozenset[str]
    annex_iv: tuple[AnnexIvPoint, ...] = ()
    incident_kinds: tuple[IncidentKind, ...] = ()

    def incident_kind(self, key: str) -> IncidentKind | None:
        return next((k for k in self.incident_kinds if k.key == key), None)

    def area(self, key: str) -> Area:
        return next(a for a in self.areas if a.key == key)

    def duty(self, key: str) -> Rule | None:
        """A duty (transparency, obligation, exemption duty or general-purpose AI note) by key."""
        return next((r for r in (*self.transparency, *self.obligations, *self.exemption_duties,
                                 *self.gpai) if r.key == key), None)


def _rule(value: Any, where: str, *, duty: bool = False) -> Rule:
    item = json_object(value, where)
    who = text_field(item, "who", where) if duty else ""
    if duty and who not in WHO:
        raise CatalogueError(f"{where}: 'who' must be provider or deployer")
    return Rule(key=text_field(item, "key", where), article=text_field(item, "article", where),
                en=text_field(item, "en", where), fr=text_field(item, "fr", where), who=who)


def _rules(root: dict[str, Any], name: str, where: str, *, duty: bool = False
           ) -> tuple[Rule, ...]:
    rules = tuple(_rule(v, f"{where}: {name}[{i}]", duty=duty)
                  for i, v in enumerate(json_list(root.get(name), f"{where}: {name}")))
    if len({r.key for r in rules}) != len(rules):
        raise CatalogueError(f"{where}: {name} names a key twice")
    return rules


def _area(value: Any, where: str) -> Area:
    item = json_object(value, where)
    exception = item.get("exception")
    return Area(key=text_field(item, "key", where), article=text_field(item, "article", where),
                en=text_field(item, "en", where), fr=text_field(item, "fr", where),
                exception=None if exception is None else Rule(
                    key=text_field(json_object(exception, where), "key", where),
                    article=text_field(item, "article", where),
                    en=text_field(exception, "en", where), fr=text_field(exception, "fr", where)))


def _annex_iv(value: Any, where: str, duties: set[str]) -> AnnexIvPoint:
    item = json_object(value, where)
    evidence, obligations = tuple(item.get("evidence", ())), tuple(item.get("obligations", ()))
    if not all(isinstance(x, str) for x in (*evidence, *obligations)) or not (
            evidence or obligations):
        raise CatalogueError(f"{where}: evidence and obligations must be lists of keys, not "
                             "both empty")
    if not set(evidence) <= set(EVIDENCE):
        raise CatalogueError(f"{where}: evidence must be among {', '.join(EVIDENCE)}")
    if not set(obligations) <= duties:
        raise CatalogueError(f"{where}: obligations must name obligations of the rulebook")
    return AnnexIvPoint(key=text_field(item, "key", where), point=text_field(item, "point", where),
                        en=text_field(item, "en", where), fr=text_field(item, "fr", where),
                        evidence=evidence, obligations=obligations)


def _incident_kind(value: Any, where: str) -> IncidentKind:
    item = json_object(value, where)
    days = item.get("days")
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 30:
        raise CatalogueError(f"{where}: 'days' must be a whole number of days from 1 to 30")
    return IncidentKind(key=text_field(item, "key", where),
                        article=text_field(item, "article", where),
                        en=text_field(item, "en", where), fr=text_field(item, "fr", where),
                        days=days)


def parse_ai_act(data: Any, where: str = "ai_act.json") -> Rulebook:
    root = json_object(data, where)
    version = root.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise CatalogueError(f"{where}: 'version' must be a positive integer")
    areas = tuple(_area(v, f"{where}: high_risk_areas[{i}]") for i, v in enumerate(
        json_list(root.get("high_risk_areas"), f"{where}: high_risk_areas")))
    if len({a.key for a in areas}) != len(areas):
        raise CatalogueError(f"{where}: high_risk_areas names a key twice")
    fria = json_list(root.get("fria_areas"), f"{where}: fria_areas")
    if not set(fria) <= {a.key for a in areas}:
        raise CatalogueError(f"{where}: fria_areas must name high-risk areas")
    obligations = _rules(root, "obligations", where, duty=True)
    annex_iv = tuple(_annex_iv(v, f"{where}: annex_iv[{i}]", {r.key for r in obligations})
                     for i, v in enumerate(json_list(root.get("annex_iv"), f"{where}: annex_iv")))
    return Rulebook(
        version=version, effective_date=date_field(root, "effective_date", where),
        source=text_field(root, "source", where),
        source_fr=text_field(root, "source_fr", where, required=False),
        prohibited=_rules(root, "prohibited", where), areas=areas,
        exemptions=_rules(root, "exemptions", where),
        transparency=_rules(root, "transparency", where, duty=True),
        obligations=obligations,
        exemption_duties=_rules(root, "exemption_duties", where, duty=True),
        gpai=_rules(root, "gpai", where, duty=True), fria_areas=frozenset(fria),
        annex_iv=annex_iv,
        incident_kinds=tuple(_incident_kind(v, f"{where}: serious_incidents[{i}]")
                             for i, v in enumerate(json_list(root.get("serious_incidents"),
                                                             f"{where}: serious_incidents"))))


@cache
def load_ai_act(path: Path | None = None) -> Rulebook:
    file = path or CATALOGUE_DIR / "ai_act.json"
    return parse_ai_act(read_json(file), file.name)
