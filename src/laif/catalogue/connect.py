"""The Connect pillar's directory as data (``connect.json``): the partner organisations named by
the factory, their experts (a team, lab or service of a partner, never a named person), the
controlled vocabularies they are described with (competences and sectors, each labelled in
English, French and German; spoken languages; kinds of partner) and the term table that maps
French and German words of the field to the English words of the competences.

Pure Python (no Django): ``load_directory()`` reads and checks the file and returns a
``Directory`` of frozen dataclasses. Every entry names its source; one whose details were not
confirmed by the partner says so (``verified: false`` with a note) and is shown as such.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from laif.catalogue import CATALOGUE_DIR, CatalogueError, read_json
from laif.catalogue.fields import (
    SourceInLanguage,
    date_field,
    int_field,
    json_list,
    json_object,
    text_field,
)

LABEL_LANGUAGES = ("en", "fr", "de")
MAX_TERM_LENGTH = 80


@dataclass(frozen=True)
class Label:
    """A key of a controlled vocabulary with its English, French and German labels."""

    key: str
    en: str
    fr: str
    de: str

    def in_language(self, language: str) -> str:
        if language.startswith("fr"):
            return self.fr
        if language.startswith("de"):
            return self.de
        return self.en


@dataclass(frozen=True)
class Partner:
    key: str
    name: str
    kind: str
    website: str | None
    description: str
    description_fr: str
    competences: tuple[str, ...]
    sectors: tuple[str, ...]
    languages: tuple[str, ...]
    source: str
    verified: bool
    note: str

    def description_in(self, language: str) -> str:
        return self.description_fr if language.startswith("fr") else self.description


@dataclass(frozen=True)
class Expert:
    """A team, lab or service of a partner: what it does (English) and its controlled keys."""

    key: str
    name: str
    partner: str
    description: str
    competences: tuple[str, ...]
    sectors: tuple[str, ...]
    languages: tuple[str, ...]
    source: str
    verified: bool


@dataclass(frozen=True)
class TermTable(SourceInLanguage):
    """French and German words and phrases of the field -> English words (space-separated)."""

    source: str
    source_fr: str
    entries: dict[str, tuple[tuple[str, str], ...]]

    def of(self, language: str) -> tuple[tuple[str, str], ...]:
        return self.entries.get(language, ())


@dataclass(frozen=True)
class Directory(SourceInLanguage):
    version: int
    effective_date: date
    source: str
    source_fr: str
    languages: tuple[Label, ...]
    kinds: tuple[Label, ...]
    sectors: tuple[Label, ...]
    competences: tuple[Label, ...]
    partners: tuple[Partner, ...]
    experts: tuple[Expert, ...]
    terms: TermTable

    def competence(self, key: str) -> Label:
        return next(c for c in self.competences if c.key == key)

    def sector(self, key: str) -> Label:
        return next(s for s in self.sectors if s.key == key)

    def partner(self, key: str) -> Partner:
        return next(p for p in self.partners if p.key == key)

    def expert(self, key: str) -> Expert | None:
        return next((e for e in self.experts if e.key == key), None)


def _labels(root: dict[str, Any], name: str, where: str, *,
            languages: tuple[str, ...] = LABEL_LANGUAGES) -> tuple[Label, ...]:
    labels: list[Label] = []
    for i, value in enumerate(json_list(root.get(name), f"{where}: {name}")):
        here = f"{where}: {name}[{i}]"
        item = json_object(value, here)
        key = text_field(item, "key", here)
        texts = [text_field(item, lang, f"{here} {key}") for lang in languages]
        labels.append(Label(key, *texts))
    _unique([label.key for label in labels], f"{where}: {name}")
    return tuple(labels)


def _unique(keys: list[str], where: str) -> None:
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            raise CatalogueError(f"{where}: the key {key!r} is given twice")
        seen.add(key)


def _keys(item: dict[str, Any], name: str, where: str, allowed: frozenset[str], *,
          required: bool = True) -> tuple[str, ...]:
    value = item.get(name)
    if value is None and not required:
        return ()
    values = json_list(value, f"{where}: {name}")
    if not all(isinstance(v, str) for v in values):
        raise CatalogueError(f"{where}: {name!r} must list keys (strings)")
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise CatalogueError(f"{where}: {name!r} names unknown keys: {', '.join(unknown)}")
    _unique(values, f"{where}: {name}")
    return tuple(values)


def _verified(item: dict[str, Any], where: str) -> bool:
    value = item.get("verified")
    if not isinstance(value, bool):
        raise CatalogueError(f"{where}: 'verified' must be true or false")
    return value


def _partner(value: Any, where: str, vocab: dict[str, frozenset[str]]) -> Partner:
    item = json_object(value, where)
    key = text_field(item, "key", where)
    where = f"{where} {key}"
    kind = text_field(item, "kind", where)
    if kind not in vocab["kinds"]:
        raise CatalogueError(f"{where}: unknown kind {kind!r}")
    website = item.get("website")
    if website is not None and (not isinstance(website, str)
                                or not website.startswith("https://")):
        raise CatalogueError(f"{where}: 'website' must be an https:// address or null")
    verified = _verified(item, where)
    note = text_field(item, "note", where, required=not verified)
    return Partner(
        key=key, name=text_field(item, "name", where), kind=kind, website=website,
        description=text_field(item, "description", where),
        description_fr=text_field(item, "description_fr", where),
        competences=_keys(item, "competences", where, vocab["competences"]),
        sectors=_keys(item, "sectors", where, vocab["sectors"]),
        languages=_keys(item, "languages", where, vocab["languages"]),
        source=text_field(item, "source", where), verified=verified, note=note)


def _expert(value: Any, where: str, vocab: dict[str, frozenset[str]],
            partners: frozenset[str]) -> Expert:
    item = json_object(value, where)
    key = text_field(item, "key", where)
    where = f"{where} {key}"
    partner = text_field(item, "partner", where)
    if partner not in partners:
        raise CatalogueError(f"{where}: unknown partner {partner!r}")
    return Expert(
        key=key, name=text_field(item, "name", where), partner=partner,
        description=text_field(item, "description", where),
        competences=_keys(item, "competences", where, vocab["competences"]),
        sectors=_keys(item, "sectors", where, vocab["sectors"]),
        languages=_keys(item, "languages", where, vocab["languages"]),
        source=text_field(item, "source", where), verified=_verified(item, where))


def _terms(value: Any, where: str, languages: frozenset[str]) -> TermTable:
    root = json_object(value, where)
    entries: dict[str, tuple[tuple[str, str], ...]] = {}
    for language in sorted(set(root) - {"source", "source_fr"}):
        here = f"{where}: {language}"
        if language not in languages or language == "en":
            raise CatalogueError(f"{here}: a term table is kept for a known language other "
                                 "than English")
        pairs: list[tuple[str, str]] = []
        for i, pair in enumerate(json_list(root[language], here)):
            if (not isinstance(pair, list) or len(pair) != 2
                    or not all(isinstance(p, str) and p.strip() and "\x00" not in p
                               and len(p) <= MAX_TERM_LENGTH for p in pair)):
                raise CatalogueError(f"{here}[{i}]: expected [term, English words], two "
                                     f"non-empty strings of at most {MAX_TERM_LENGTH} characters")
            pairs.append((pair[0].strip().lower(), pair[1].strip().lower()))
        _unique([term for term, _ in pairs], here)
        entries[language] = tuple(pairs)
    if not entries:
        raise CatalogueError(f"{where}: no language's terms")
    return TermTable(source=text_field(root, "source", where),
                     source_fr=text_field(root, "source_fr", where, required=False),
                     entries=entries)


def parse_directory(data: Any, where: str = "connect.json") -> Directory:
    root = json_object(data, where)
    if root.get("catalogue") != "connect":
        raise CatalogueError(f"{where}: 'catalogue' must be \"connect\"")
    languages = _labels(root, "languages", where)
    kinds = _labels(root, "kinds", where)
    sectors = _labels(root, "sectors", where)
    competences = _labels(root, "competences", where)
    vocab = {"languages": frozenset(x.key for x in languages),
             "kinds": frozenset(x.key for x in kinds),
             "sectors": frozenset(x.key for x in sectors),
             "competences": frozenset(x.key for x in competences)}
    partners = tuple(_partner(v, f"{where}: partners[{i}]", vocab)
                     for i, v in enumerate(json_list(root.get("partners"), f"{where}: partners")))
    _unique([p.key for p in partners], f"{where}: partners")
    partner_keys = frozenset(p.key for p in partners)
    experts = tuple(_expert(v, f"{where}: experts[{i}]", vocab, partner_keys)
                    for i, v in enumerate(json_list(root.get("experts"), f"{where}: experts")))
    _unique([e.key for e in experts], f"{where}: experts")
    return Directory(
        version=int_field(root, "version", where, 1, 1_000_000),
        effective_date=date_field(root, "effective_date", where),
        source=text_field(root, "source", where),
        source_fr=text_field(root, "source_fr", where, required=False),
        languages=languages, kinds=kinds, sectors=sectors, competences=competences,
        partners=partners, experts=experts,
        terms=_terms(root.get("terms"), f"{where}: terms", vocab["languages"]))


@cache
def load_directory(path: Path | None = None) -> Directory:
    """The partners, experts, vocabularies and term table (read once per process)."""
    file = path or CATALOGUE_DIR / "connect.json"
    return parse_directory(read_json(file), file.name)
