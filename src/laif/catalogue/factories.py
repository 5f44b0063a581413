"""The network of EuroHPC AI Factories as data (``factories.json``): each factory with its site,
host, systems (operational or planned) and what they offer, its access modes and focus sectors,
every fact with its source and whether it was read there (``verified``) or not (with a ``note``
saying why). Capabilities, access modes and sectors are keys of controlled vocabularies kept in
the same file with their English and French labels.

Exactly one factory is ``local`` (the Luxembourg AI Factory): ``capabilities_missing_locally``
says which of a request's needs it cannot meet, ``factories_offering`` which other factories can,
best first, so that a request can be referred (pillar 3, Connect).

Pure Python (no Django).
"""

from __future__ import annotations

import re
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

STATUSES = ("operational", "planned")
KEY = re.compile(r"[a-z][a-z0-9_]{0,63}")
COUNTRY = re.compile(r"[A-Z]{2}")
FACTORY_FIELDS = frozenset({"key", "name", "country", "site", "host", "website", "selected",
                            "local", "systems", "services", "access", "sectors", "source",
                            "more_sources", "verified", "note"})
SYSTEM_FIELDS = frozenset({"name", "status", "capabilities", "verified", "source", "note"})
CLAIM_FIELDS = frozenset({"key", "verified", "source", "note"})
SERVICE_FIELDS = CLAIM_FIELDS | {"status"}


@dataclass(frozen=True)
class Label(InLanguage):
    """One key of a vocabulary (capability, access mode, sector) with its labels."""

    key: str
    en: str
    fr: str


@dataclass(frozen=True)
class Source:
    url: str
    title: str


@dataclass(frozen=True)
class Claim:
    """One fact about a factory (a capability, access mode or sector it has): ``verified`` only
    when it was read in ``source``; otherwise ``note`` says where it comes from."""

    key: str
    verified: bool
    source: Source
    note: str


@dataclass(frozen=True)
class Service(Claim):
    """A capability the factory offers beside its systems' hardware (a service, a site's
    quantum computer), operational or planned."""

    status: str

    @property
    def operational(self) -> bool:
        return self.status == "operational"


@dataclass(frozen=True)
class System:
    name: str
    status: str
    capabilities: tuple[Claim, ...]
    verified: bool
    source: Source
    note: str

    @property
    def operational(self) -> bool:
        return self.status == "operational"


@dataclass(frozen=True)
class Factory:
    key: str
    name: str
    country: str
    site: str
    host: str
    website: str
    selected: date
    local: bool
    systems: tuple[System, ...]
    services: tuple[Service, ...]
    access: tuple[Claim, ...]
    sectors: tuple[Claim, ...]
    source: Source
    more_sources: tuple[Source, ...]
    verified: bool
    note: str

    def _offers(self) -> list[tuple[str, bool, bool]]:
        """(capability, operational, verified) for every offer of its systems and services."""
        return ([(c.key, s.operational, c.verified) for s in self.systems for c in s.capabilities]
                + [(c.key, c.operational, c.verified) for c in self.services])

    @property
    def capabilities(self) -> frozenset[str]:
        """Everything it offers, in service or planned."""
        return frozenset(key for key, _, _ in self._offers())

    @property
    def operational_capabilities(self) -> frozenset[str]:
        """What it offers on a system or service in operation now."""
        return frozenset(key for key, operational, _ in self._offers() if operational)

    @property
    def verified_capabilities(self) -> frozenset[str]:
        """What at least one verified fact says it offers."""
        return frozenset(key for key, _, verified in self._offers() if verified)


@dataclass(frozen=True)
class FactoryCatalogue(SourceInLanguage):
    version: int
    effective_date: date
    source: str
    source_fr: str
    capabilities: dict[str, Label]
    access_modes: dict[str, Label]
    sectors: dict[str, Label]
    factories: tuple[Factory, ...]

    @property
    def local(self) -> Factory:
        return next(f for f in self.factories if f.local)

    def factory(self, key: str) -> Factory | None:
        return next((f for f in self.factories if f.key == key), None)

    def capability_label(self, key: str, language: str) -> str:
        return self.capabilities[key].in_language(language) if key in self.capabilities else key

    def access_label(self, key: str, language: str) -> str:
        return self.access_modes[key].in_language(language) if key in self.access_modes else key

    def sector_label(self, key: str, language: str) -> str:
        return self.sectors[key].in_language(language) if key in self.sectors else key


def _flag(item: dict[str, Any], name: str, where: str) -> bool:
    """A true/false field that must be written: no default, so that nothing is verified by
    omission."""
    value = item.get(name)
    if not isinstance(value, bool):
        raise CatalogueError(f"{where}: {name!r} must be true or false")
    return value


def _key(item: dict[str, Any], where: str) -> str:
    key = text_field(item, "key", where)
    if not KEY.fullmatch(key):
        raise CatalogueError(f"{where}: key {key!r} must be lower-case letters, digits and _")
    return key


def _fields(item: dict[str, Any], allowed: frozenset[str], where: str) -> None:
    unknown = set(item) - allowed
    if unknown:
        raise CatalogueError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")


def _url(value: str, name: str, where: str) -> str:
    if not value.startswith(("https://", "http://")) or any(c.isspace() for c in value):
        raise CatalogueError(f"{where}: {name!r} must be an http(s) address")
    return value


def _vocabulary(value: Any, where: str) -> dict[str, Label]:
    labels: dict[str, Label] = {}
    for i, raw in enumerate(json_list(value, where)):
        here = f"{where}[{i}]"
        item = json_object(raw, here)
        _fields(item, frozenset({"key", "en", "fr"}), here)
        key = _key(item, here)
        if key in labels:
            raise CatalogueError(f"{where}: key {key!r} appears twice")
        labels[key] = Label(key, text_field(item, "en", f"{here} {key}"),
                            text_field(item, "fr", f"{here} {key}"))
    return labels


def _source(value: Any, where: str) -> Source:
    if value is None:
        raise CatalogueError(f"{where}: 'source' (url and title) is missing")
    item = json_object(value, f"{where}: source")
    _fields(item, frozenset({"url", "title"}), f"{where}: source")
    return Source(url=_url(text_field(item, "url", f"{where}: source"), "url", where),
                  title=text_field(item, "title", f"{where}: source"))


class _Sources:
    """A factory's declared sources: a fact cites one by its address, or the main one by
    default."""

    def __init__(self, main: Source, more: tuple[Source, ...], where: str) -> None:
        self.main = main
        self.by_url: dict[str, Source] = {}
        for source in (main, *more):
            if source.url in self.by_url:
                raise CatalogueError(f"{where}: source {source.url} is listed twice")
            self.by_url[source.url] = source

    def cited(self, item: dict[str, Any], where: str) -> Source:
        url = item.get("source")
        if url is None:
            return self.main
        if not isinstance(url, str) or url not in self.by_url:
            raise CatalogueError(f"{where}: 'source' must be the address of one of the "
                                 "factory's sources (source or more_sources)")
        return self.by_url[url]


def _verified_and_note(item: dict[str, Any], where: str) -> tuple[bool, str]:
    verified = _flag(item, "verified", where)
    if not verified and not (isinstance(item.get("note"), str) and item["note"].strip()):
        raise CatalogueError(f"{where}: not verified, so 'note' must say where the fact comes "
                             "from")
    return verified, text_field(item, "note", where, required=False)


def _claims(value: Any, vocabulary: dict[str, Label], kind: str, sources: _Sources,
            where: str) -> tuple[Claim, ...]:
    if not isinstance(value, list):
        raise CatalogueError(f"{where}: expected a list")
    claims: list[Claim] = []
    for i, raw in enumerate(value):
        here = f"{where}[{i}]"
        item = json_object(raw, here)
        _fields(item, CLAIM_FIELDS, here)
        key = _key(item, here)
        if key not in vocabulary:
            raise CatalogueError(f"{here}: unknown {kind} {key!r}")
        verified, note = _verified_and_note(item, f"{here} {key}")
        claims.append(Claim(key, verified, sources.cited(item, here), note))
    keys = [c.key for c in claims]
    if len(set(keys)) != len(keys):
        raise CatalogueError(f"{where}: a {kind} is listed twice")
    return tuple(claims)


def _status(item: dict[str, Any], where: str) -> str:
    status = text_field(item, "status", where)
    if status not in STATUSES:
        raise CatalogueError(f"{where}: 'status' must be one of {', '.join(STATUSES)}")
    return status


def _services(value: Any, capabilities: dict[str, Label], sources: _Sources,
              where: str) -> tuple[Service, ...]:
    if not isinstance(value, list):
        raise CatalogueError(f"{where}: expected a list")
    services: list[Service] = []
    for i, raw in enumerate(value):
        here = f"{where}[{i}]"
        item = json_object(raw, here)
        _fields(item, SERVICE_FIELDS, here)
        key = _key(item, here)
        if key not in capabilities:
            raise CatalogueError(f"{here}: unknown capability {key!r}")
        verified, note = _verified_and_note(item, f"{here} {key}")
        services.append(Service(key, verified, sources.cited(item, here), note,
                                _status(item, here)))
    if len({s.key for s in services}) != len(services):
        raise CatalogueError(f"{where}: a capability is listed twice")
    return tuple(services)


def _system(value: Any, capabilities: dict[str, Label], sources: _Sources,
            where: str) -> System:
    item = json_object(value, where)
    _fields(item, SYSTEM_FIELDS, where)
    name = text_field(item, "name", where)
    here = f"{where} {name}"
    verified, note = _verified_and_note(item, here)
    return System(name=name, status=_status(item, here),
                  capabilities=_claims(item.get("capabilities"), capabilities, "capability",
                                       sources, f"{here}: capabilities"),
                  verified=verified, source=sources.cited(item, here), note=note)


def _factory(value: Any, catalogue: dict[str, dict[str, Label]], where: str) -> Factory:
    item = json_object(value, where)
    key = _key(item, where)
    where = f"{where} {key}"
    _fields(item, FACTORY_FIELDS, where)
    country = text_field(item, "country", where)
    if not COUNTRY.fullmatch(country):
        raise CatalogueError(f"{where}: 'country' must be a two-letter ISO 3166 code")
    website = text_field(item, "website", where, required=False)
    if website:
        _url(website, "website", where)
    main = _source(item.get("source"), where)
    more_raw = item.get("more_sources", [])
    if not isinstance(more_raw, list):
        raise CatalogueError(f"{where}: 'more_sources' must be a list")
    more = tuple(_source(v, f"{where}: more_sources[{i}]") for i, v in enumerate(more_raw))
    sources = _Sources(main, more, where)
    systems_raw = item.get("systems")
    if not isinstance(systems_raw, list):
        raise CatalogueError(f"{where}: 'systems' must be a list")
    systems = tuple(_system(v, catalogue["capabilities"], sources, f"{where}: systems[{i}]")
                    for i, v in enumerate(systems_raw))
    if len({s.name for s in systems}) != len(systems):
        raise CatalogueError(f"{where}: a system is listed twice")
    verified, note = _verified_and_note(item, where)
    return Factory(
        key=key, name=text_field(item, "name", where), country=country,
        site=text_field(item, "site", where), host=text_field(item, "host", where),
        website=website, selected=date_field(item, "selected", where),
        local=_flag(item, "local", where), systems=systems,
        services=_services(item.get("services", []), catalogue["capabilities"], sources,
                           f"{where}: services"),
        access=_claims(item.get("access"), catalogue["access_modes"], "access mode", sources,
                       f"{where}: access"),
        sectors=_claims(item.get("sectors"), catalogue["sectors"], "sector", sources,
                        f"{where}: sectors"),
        source=main, more_sources=more, verified=verified, note=note)


def parse_factories(data: Any, where: str = "factories.json") -> FactoryCatalogue:
    root = json_object(data, where)
    if root.get("catalogue") != "factories":
        raise CatalogueError(f"{where}: 'catalogue' must be \"factories\"")
    vocabularies = {name: _vocabulary(root.get(name), f"{where}: {name}")
                    for name in ("capabilities", "access_modes", "sectors")}
    factories = tuple(_factory(v, vocabularies, f"{where}: factory")
                      for v in json_list(root.get("factories"), f"{where}: factories"))
    keys = [f.key for f in factories]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise CatalogueError(f"{where}: factory key(s) listed twice: {', '.join(twice)}")
    local = [f.key for f in factories if f.local]
    if len(local) != 1:
        raise CatalogueError(f"{where}: exactly one factory must be local, found {len(local)}"
                             + (f" ({', '.join(local)})" if local else ""))
    return FactoryCatalogue(
        version=int_field(root, "version", where, 1, 1_000_000),
        effective_date=date_field(root, "effective_date", where),
        source=text_field(root, "source", where),
        source_fr=text_field(root, "source_fr", where, required=False),
        capabilities=vocabularies["capabilities"], access_modes=vocabularies["access_modes"],
        sectors=vocabularies["sectors"], factories=factories)


@cache
def load_factories(path: Path | None = None) -> FactoryCatalogue:
    """The network of AI Factories (read once per process)."""
    file = path or CATALOGUE_DIR / "factories.json"
    return parse_factories(read_json(file), file.name)


def _known(required: set[str], catalogue: FactoryCatalogue) -> None:
    unknown = set(required) - set(catalogue.capabilities)
    if unknown:
        raise ValueError(f"unknown capability key(s): {', '.join(sorted(unknown))}")


def capabilities_missing_locally(required: set[str],
                                 catalogue: FactoryCatalogue | None = None) -> set[str]:
    """The required capabilities the local factory offers on none of its systems or services,
    in operation or planned (a planned one is not missing: the request waits or is referred by
    a person, not by this rule). ``ValueError`` on a key the vocabulary does not know."""
    catalogue = catalogue or load_factories()
    _known(required, catalogue)
    return set(required) - catalogue.local.capabilities


def factories_offering(required: set[str],
                       catalogue: FactoryCatalogue | None = None) -> list[Factory]:
    """The other factories that offer at least one of the required capabilities, best first:
    those offering one of them on a system or service in operation, then those offering more
    of them, then by name. ``ValueError`` on a key the vocabulary does not know."""
    catalogue = catalogue or load_factories()
    _known(required, catalogue)
    wanted = set(required)

    def rank(factory: Factory) -> tuple[bool, int, str]:
        in_operation = bool(wanted & factory.operational_capabilities)
        return (not in_operation, -len(wanted & factory.capabilities), factory.name.casefold())

    return sorted((f for f in catalogue.factories
                   if not f.local and wanted & f.capabilities), key=rank)
