"""Funding instruments as data: ``funding.json``, one versioned file with, per instrument, its
provider, the rule (a share of costs with caps per SME class, the compute cashback, or guidance
only), who may apply (verified EU SME classes, organisation kinds), its effective date and its
source. ``status`` is ``verified`` (checked against the official text) or ``as_announced``
(figures known only from the factory's announcement: shown to users as "to confirm").

Pure Python (no Django).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from laif.catalogue import CATALOGUE_DIR, LANGUAGES, CatalogueError, read_json
from laif.catalogue.cashback import KINDS, SME_CLASSES
from laif.catalogue.fields import (
    SourceInLanguage,
    date_field,
    int_field,
    json_list,
    json_object,
    text_field,
)

STATUSES = ("verified", "as_announced")
RULE_KINDS = ("share_of_costs", "compute_cashback", "guidance")


@dataclass(frozen=True)
class Text:
    en: str
    fr: str

    def in_language(self, language: str) -> str:
        return self.fr if language.startswith("fr") else self.en


@dataclass(frozen=True)
class Instrument(SourceInLanguage):
    code: str
    name: Text
    provider: str
    status: str
    effective_from: date
    kind: str
    rate_percent: int | None
    caps_eur: dict[str, int]
    costs: Text | None
    eligible_sme_classes: frozenset[str]
    eligible_kinds: frozenset[str]
    condition: Text | None
    source: str
    source_fr: str = ""


@dataclass(frozen=True)
class Funding:
    version: int
    retrieved: date
    announcement: str
    instruments: tuple[Instrument, ...]


def _text(value: Any, where: str, *, required: bool = True) -> Text | None:
    if value is None and not required:
        return None
    if isinstance(value, str) and value.strip():
        return Text(value.strip(), value.strip())
    item = json_object(value, where)
    en, fr = (text_field(item, lang, where) for lang in LANGUAGES)
    return Text(en, fr)


def _names(value: Any, allowed: tuple[str, ...], where: str) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v in allowed for v in value):
        raise CatalogueError(f"{where}: must be a list of {', '.join(allowed)}")
    return frozenset(value)


def _instrument(value: Any, where: str) -> Instrument:
    item = json_object(value, where)
    code = text_field(item, "code", where)
    where = f"{where} {code}"
    status, kind = text_field(item, "status", where), text_field(item, "kind", where)
    if status not in STATUSES:
        raise CatalogueError(f"{where}: 'status' must be one of {', '.join(STATUSES)}")
    if kind not in RULE_KINDS:
        raise CatalogueError(f"{where}: 'kind' must be one of {', '.join(RULE_KINDS)}")
    rate = caps = costs = None
    if kind == "share_of_costs":
        rate = int_field(item, "rate_percent", where, 1, 100)
        raw_caps = json_object(item.get("caps_eur"), f"{where}: caps_eur")
        caps = {klass: int_field(raw_caps, klass, f"{where}: caps_eur", 1, 100_000_000)
                for klass in raw_caps}
        if not set(caps) <= set(SME_CLASSES):
            raise CatalogueError(f"{where}: caps_eur names SME classes only")
        costs = _text(item.get("costs"), f"{where}: costs")
    eligible_classes = _names(item.get("eligible_sme_classes"), SME_CLASSES,
                              f"{where}: eligible_sme_classes")
    eligible_kinds = _names(item.get("eligible_kinds"), KINDS, f"{where}: eligible_kinds")
    if not eligible_classes and not eligible_kinds:
        raise CatalogueError(f"{where}: nobody is eligible")
    name = _text(item.get("name"), f"{where}: name")
    assert name is not None
    return Instrument(
        code=code, name=name, provider=text_field(item, "provider", where), status=status,
        effective_from=date_field(item, "effective_from", where), kind=kind, rate_percent=rate,
        caps_eur=caps or {}, costs=costs, eligible_sme_classes=eligible_classes,
        eligible_kinds=eligible_kinds,
        condition=_text(item.get("condition"), f"{where}: condition", required=False),
        source=text_field(item, "source", where),
        source_fr=text_field(item, "source_fr", where, required=False))


def parse_instrument(value: Any, where: str = "instrument") -> Instrument:
    """One instrument in the file's format (a version published by staff is checked the same
    way)."""
    return _instrument(value, where)


def parse_funding(data: Any, where: str = "funding.json") -> Funding:
    root = json_object(data, where)
    instruments = tuple(_instrument(v, f"{where}: instrument")
                        for v in json_list(root.get("instruments"), f"{where}: instruments"))
    codes = [i.code for i in instruments]
    if len(set(codes)) != len(codes):
        raise CatalogueError(f"{where}: instrument codes must be unique")
    return Funding(version=int_field(root, "version", where, 1, 1_000_000),
                   retrieved=date_field(root, "retrieved", where),
                   announcement=text_field(root, "announcement", where),
                   instruments=instruments)


@cache
def load_funding(path: Path | None = None) -> Funding:
    file = path or CATALOGUE_DIR / "funding.json"
    return parse_funding(read_json(file), file.name)
