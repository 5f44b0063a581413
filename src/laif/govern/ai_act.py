"""Classifying an AI system under the EU AI Act (Regulation (EU) 2024/1689), with the rule and
article behind each conclusion (pure Python, no Django; the rules are ``catalogue/ai_act.json``).

The order of the Regulation:

1. a prohibited practice (Art. 5) makes the system **prohibited**, whatever else holds;
2. a safety component of a product under Annex I's legislation that needs a third-party
   conformity assessment is **high-risk** (Art. 6(1));
3. a use in an Annex III area is **high-risk** (Art. 6(2)), unless the area's own exception holds
   (Annex III 5(b): used only to detect financial fraud) or one of the Art. 6(3) conditions does;
   an Art. 6(3) exemption never holds for a system that profiles natural persons (Art. 6(3),
   third subparagraph), and relying on it brings duties of its own (Art. 6(4), Art. 49(2));
4. the Art. 50 transparency duties apply on their own (a high-risk system may have them too); a
   system with only those is **limited risk**, one with none **minimal risk**;
5. a general-purpose AI model brings Art. 53, and Art. 55 with systemic risk.

This is decision support with its reasons shown, not legal advice: the Regulation prevails.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from laif.catalogue.ai_act import Rule, Rulebook, article_in


def _fr(article: str) -> str:
    return article_in(article, "fr")


class Category(StrEnum):
    PROHIBITED = "prohibited"
    HIGH_RISK = "high_risk"
    LIMITED_RISK = "limited_risk"
    MINIMAL_RISK = "minimal_risk"


@dataclass(frozen=True)
class Answers:
    """What the questionnaire asks about a system (keys of ``ai_act.json``)."""

    practices: frozenset[str] = frozenset()  # Art. 5 practices the system performs
    annex_i_safety_component: bool = False  # Art. 6(1)
    areas: frozenset[str] = frozenset()  # Annex III areas of its intended purpose
    exceptions: frozenset[str] = frozenset()  # an area's exception that holds (fraud_detection)
    exemptions: frozenset[str] = frozenset()  # Art. 6(3) conditions the provider relies on
    profiling: bool = False  # it profiles natural persons
    transparency: frozenset[str] = frozenset()  # Art. 50 situations
    roles: frozenset[str] = frozenset({"provider"})  # provider and/or deployer
    public_service_deployer: bool = False  # deployer governed by public law or public services
    gpai_model: bool = False
    systemic_risk: bool = False


@dataclass(frozen=True)
class Conclusion:
    """One step of the reasoning: what follows, and the article it follows from."""

    article: str
    en: str
    fr: str


@dataclass(frozen=True)
class Classification:
    category: Category
    conclusions: tuple[Conclusion, ...]
    obligations: tuple[Rule, ...] = field(default=())
    high_risk_areas: tuple[str, ...] = ()

    @property
    def articles(self) -> tuple[str, ...]:
        return tuple(c.article for c in self.conclusions)


class UnknownAnswer(ValueError):
    """An answer names a key the rulebook does not have."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


SETS = ("practices", "areas", "exceptions", "exemptions", "transparency", "roles")
FLAGS = ("annex_i_safety_component", "profiling", "public_service_deployer", "gpai_model",
         "systemic_risk")


def answers_to_json(a: Answers) -> dict[str, Any]:
    """The answers as stored and sent: each set as a sorted list, each flag as a boolean."""
    out: dict[str, Any] = {name: sorted(getattr(a, name)) for name in SETS}
    out.update({name: bool(getattr(a, name)) for name in FLAGS})
    return out


def answers_from_json(data: Mapping[str, Any]) -> Answers:
    """The answers from their stored or sent form; a missing set is empty, a missing flag false
    (roles: provider). Refuses an unknown name or a value of the wrong type."""
    unknown = sorted(set(data) - set(SETS) - set(FLAGS))
    if unknown:
        raise UnknownAnswer(f"unknown question: {', '.join(unknown)}", unknown[0])
    values: dict[str, Any] = {}
    for name in SETS:
        if name not in data:
            continue
        items = data[name]
        if not isinstance(items, list | tuple | set | frozenset) or not all(
                isinstance(x, str) for x in items):
            raise UnknownAnswer(f"{name} must be a list of keys", name)
        values[name] = frozenset(items)
    for name in FLAGS:
        if name not in data:
            continue
        if not isinstance(data[name], bool):
            raise UnknownAnswer(f"{name} must be true or false", name)
        values[name] = data[name]
    return Answers(**values)


def _known(keys: frozenset[str], rules: tuple[Rule, ...] | frozenset[str], what: str,
           field: str) -> None:
    names = {r.key for r in rules} if isinstance(rules, tuple) else set(rules)
    unknown = sorted(keys - names)
    if unknown:
        raise UnknownAnswer(f"unknown {what}: {', '.join(unknown)}", field)


def _check(book: Rulebook, a: Answers) -> None:
    _known(a.practices, book.prohibited, "prohibited practice", "practices")
    _known(a.areas, frozenset(x.key for x in book.areas), "high-risk area", "areas")
    _known(a.exceptions, frozenset(x.exception.key for x in book.areas if x.exception),
           "exception", "exceptions")
    _known(a.exemptions, book.exemptions, "Art. 6(3) condition", "exemptions")
    _known(a.transparency, book.transparency, "transparency situation", "transparency")
    _known(a.roles, frozenset({"provider", "deployer"}), "role", "roles")
    if not a.roles:
        raise UnknownAnswer("choose provider, deployer or both", "roles")


def classify(book: Rulebook, a: Answers) -> Classification:
    _check(book, a)
    banned = [r for r in book.prohibited if r.key in a.practices]
    if banned:
        return Classification(Category.PROHIBITED, tuple(
            Conclusion(r.article, f"Prohibited practice: {r.en}.",
                       f"Pratique interdite : {r.fr}.") for r in banned))

    steps: list[Conclusion] = []
    high: list[str] = []
    exempted = False
    if a.annex_i_safety_component:
        steps.append(Conclusion(
            "Art. 6(1), Annex I",
            "High-risk: a safety component of a product whose Union harmonisation legislation "
            "requires a third-party conformity assessment.",
            "Haut risque : composant de sécurité d'un produit dont la législation d'harmonisation "
            "de l'Union exige une évaluation de conformité par un tiers."))
        high.append("annex_i")
    exemptions = [r for r in book.exemptions if r.key in a.exemptions]
    for area in book.areas:
        if area.key not in a.areas:
            continue
        if area.exception is not None and area.exception.key in a.exceptions:
            steps.append(Conclusion(
                area.article, f"Not high-risk under this point: {area.en}, {area.exception.en}.",
                f"Pas à haut risque à ce titre : {area.fr}, {area.exception.fr}."))
            continue
        if exemptions and a.profiling:
            steps.append(Conclusion(
                "Art. 6(3), third subparagraph",
                f"High-risk ({area.article}): the system profiles natural persons, so the "
                f"exemption claimed ({', '.join(r.article for r in exemptions)}) does not apply.",
                f"Haut risque ({_fr(area.article)}) : le système profile des personnes physiques, "
                f"l'exemption invoquée ({', '.join(_fr(r.article) for r in exemptions)}) ne "
                "s'applique donc pas."))
            high.append(area.key)
        elif exemptions:
            for r in exemptions:
                steps.append(Conclusion(
                    r.article, f"Not high-risk although in {area.article}: {r.en}.",
                    f"Pas à haut risque bien que relevant de {_fr(area.article)} : {r.fr}."))
            exempted = True
        else:
            steps.append(Conclusion(
                f"Art. 6(2), {area.article}", f"High-risk: {area.en}.",
                f"Haut risque : {area.fr}."))
            high.append(area.key)

    duties = [r for r in book.transparency if r.key in a.transparency]
    for r in duties:
        steps.append(Conclusion(r.article, f"Transparency duty: {r.en}.",
                                f"Obligation de transparence : {r.fr}."))
    obligations: list[Rule] = [r for r in duties if r.who in a.roles]
    if high:
        obligations += [r for r in book.obligations if r.who in a.roles
                        and (r.key != "fundamental_rights_impact_assessment"
                             or a.public_service_deployer
                             or book.fria_areas & set(high))]
    elif exempted:
        obligations += [r for r in book.exemption_duties if r.who in a.roles]
    if a.gpai_model:
        notes = [r for r in book.gpai
                 if r.key == "gpai_provider" or (r.key == "gpai_systemic_risk" and a.systemic_risk)]
        steps += [Conclusion(r.article, f"General-purpose AI model: {r.en}.",
                             f"Modèle d'IA à usage général : {r.fr}.") for r in notes]
        obligations += [r for r in notes if r.who in a.roles]
    category = (Category.HIGH_RISK if high else Category.LIMITED_RISK if duties
                else Category.MINIMAL_RISK)
    if not steps:
        steps.append(Conclusion(
            "Art. 5, 6, 50", "No prohibited practice, no high-risk use and no transparency duty: "
            "minimal risk (voluntary codes of conduct, Art. 95).",
            "Ni pratique interdite, ni usage à haut risque, ni obligation de transparence : "
            "risque minimal (codes de conduite volontaires, art. 95)."))
    return Classification(category, tuple(steps), tuple(obligations), tuple(high))
