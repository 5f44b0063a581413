"""The network of AI Factories as data (laif.catalogue.factories): the shipped file, the checks
that refuse a broken one, and the referral rules. Pure: no Django."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from laif.catalogue import CATALOGUE_DIR, CatalogueError
from laif.catalogue.factories import (
    capabilities_missing_locally,
    factories_offering,
    load_factories,
    parse_factories,
)

SHIPPED: dict[str, Any] = json.loads((CATALOGUE_DIR / "factories.json").read_text("utf-8"))


def _factory(data: dict[str, Any], key: str) -> dict[str, Any]:
    return next(f for f in data["factories"] if f["key"] == key)


# --- the shipped file --------------------------------------------------------------------------

def test_shipped_file_loads() -> None:
    catalogue = load_factories()
    assert catalogue.version >= 1
    assert catalogue.source
    assert catalogue.source_in("fr") != catalogue.source
    keys = [f.key for f in catalogue.factories]
    assert len(keys) == len(set(keys)) == 19
    # The three selections: seven in December 2024, six in March 2025, six in October 2025.
    by_date: dict[date, int] = {}
    for factory in catalogue.factories:
        by_date[factory.selected] = by_date.get(factory.selected, 0) + 1
    assert by_date == {date(2024, 12, 10): 7, date(2025, 3, 12): 6, date(2025, 10, 10): 6}
    first = {f.site.split(" ")[0] for f in catalogue.factories if f.selected.year == 2024}
    assert first == {"Barcelona", "Bologna", "Kajaani", "Linköping", "Stuttgart", "Athens",
                     "Bissen"}
    for factory in catalogue.factories:
        assert factory.source.url.startswith(("https://", "http://"))
        assert factory.source.title
        assert factory.systems, factory.key


def test_the_local_factory_is_luxembourg() -> None:
    local = load_factories().local
    assert (local.key, local.country, local.local) == ("l_aif", "LU", True)
    assert {s.name for s in local.systems} >= {"MeluXina", "MeluXina-AI"}
    assert "nvidia_gpu" in local.capabilities
    assert "neuromorphic" not in local.capabilities
    assert "amd_gpu" not in local.capabilities
    assert {a.key for a in local.access} >= {"eurohpc_call", "national_call"}


def test_no_guess_is_presented_as_verified() -> None:
    catalogue = load_factories()
    for factory in catalogue.factories:
        claims = [*factory.access, *factory.sectors, *factory.services,
                  *(c for s in factory.systems for c in s.capabilities)]
        for claim in claims:
            assert claim.verified or claim.note, (factory.key, claim.key)
        for system in factory.systems:
            assert system.verified or system.note, (factory.key, system.name)
    # MeluXina-AI's GPU vendor comes from the factory's own seeds, not from a public source.
    meluxina_ai = next(s for s in catalogue.local.systems if s.name == "MeluXina-AI")
    nvidia = next(c for c in meluxina_ai.capabilities if c.key == "nvidia_gpu")
    assert not nvidia.verified
    assert "seeds" in nvidia.note


def test_labels_in_both_languages() -> None:
    catalogue = load_factories()
    assert catalogue.capability_label("neuromorphic", "en") == "Neuromorphic hardware"
    assert catalogue.capability_label("neuromorphic", "fr-lu") == "Matériel neuromorphique"
    assert catalogue.access_label("eurohpc_call", "fr") == "Appels d'accès EuroHPC"
    assert catalogue.sector_label("health", "fr") == "Santé"
    assert catalogue.capability_label("nope", "en") == "nope"
    for vocabulary in (catalogue.capabilities, catalogue.access_modes, catalogue.sectors):
        for label in vocabulary.values():
            assert label.in_language("en")
            assert label.in_language("fr")


# --- referral ----------------------------------------------------------------------------------

def test_the_local_factory_lacks_neuromorphic_hardware() -> None:
    assert capabilities_missing_locally({"neuromorphic", "nvidia_gpu"}) == {"neuromorphic"}
    assert capabilities_missing_locally({"nvidia_gpu", "large_memory_nodes"}) == set()
    assert capabilities_missing_locally(set()) == set()


def test_no_sourced_factory_offers_neuromorphic_hardware() -> None:
    # None of the sources read names neuromorphic hardware in an AI Factory: nothing to refer to.
    assert factories_offering({"neuromorphic"}) == []


def test_a_capability_missing_locally_is_found_elsewhere() -> None:
    # AMD GPUs stand in for neuromorphic hardware: the local factory lacks them, LUMI (in
    # operation) and the French AI Factory (Alice Recoque, planned) offer them.
    assert capabilities_missing_locally({"amd_gpu"}) == {"amd_gpu"}
    offering = factories_offering({"amd_gpu"})
    assert [f.key for f in offering] == ["lumi_aif", "ai2f"]
    assert all(not f.local for f in offering)
    assert all("amd_gpu" in f.capabilities for f in offering)
    assert "amd_gpu" in offering[0].operational_capabilities
    assert "amd_gpu" in offering[0].verified_capabilities


def test_shipped_ranking_operational_first_then_how_many() -> None:
    offering = [f.key for f in factories_offering({"amd_gpu", "large_memory_nodes"})]
    # LUMI: both, in operation; Vega (SLAIF): one, in operation; Alice Recoque: one, planned.
    assert offering == ["lumi_aif", "slaif", "ai2f"]


def test_the_local_factory_is_never_offered() -> None:
    assert "l_aif" not in {f.key for f in factories_offering({"nvidia_gpu"})}


def test_unknown_capability_is_refused() -> None:
    with pytest.raises(ValueError, match="warp_drive"):
        capabilities_missing_locally({"warp_drive"})
    with pytest.raises(ValueError, match="warp_drive"):
        factories_offering({"nvidia_gpu", "warp_drive"})


def _minimal() -> dict[str, Any]:
    """A small network for the ranking rules: names chosen so that name order differs from the
    expected order."""
    src = {"url": "https://example.org/a", "title": "A source"}

    def factory(key: str, name: str, systems: list[dict[str, Any]], *, local: bool = False,
                services: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        return {"key": key, "name": name, "country": "LU", "site": "Somewhere", "host": "Host",
                "website": "", "selected": "2025-01-01", "local": local, "systems": systems,
                "services": services or [], "access": [], "sectors": [], "source": src,
                "verified": True}

    def system(status: str, *caps: str) -> dict[str, Any]:
        return {"name": f"{status} {'+'.join(caps)}", "status": status, "verified": True,
                "capabilities": [{"key": c, "verified": True} for c in caps]}

    return {
        "catalogue": "factories", "version": 1, "effective_date": "2026-01-01",
        "source": "Test data.",
        "capabilities": [{"key": k, "en": k, "fr": k} for k in ("a", "b", "c")],
        "access_modes": [{"key": "eurohpc_call", "en": "EuroHPC", "fr": "EuroHPC"}],
        "sectors": [{"key": "health", "en": "Health", "fr": "Santé"}],
        "factories": [
            factory("home", "Home", [system("operational", "c")], local=True),
            factory("alpha", "Alpha", [system("planned", "a", "b")]),
            factory("bravo", "Bravo", [system("operational", "a")]),
            factory("charlie", "Charlie", [system("planned", "a"), system("operational", "b")]),
            factory("delta", "Delta", [system("planned", "b")],
                    services=[{"key": "a", "status": "operational", "verified": False,
                               "note": "Said by someone."}]),
            factory("echo", "Echo", [system("operational", "c")]),
            factory("aardvark", "Aardvark", [system("operational", "a")]),
        ],
    }


def test_ranking_operational_first_then_count_then_name() -> None:
    catalogue = parse_factories(_minimal())
    ranked = [f.key for f in factories_offering({"a", "b"}, catalogue)]
    # In operation and both (charlie: a planned, b in operation; delta: a by a service in
    # operation, b planned), then in operation with one (by name), then planned with both.
    assert ranked == ["charlie", "delta", "aardvark", "bravo", "alpha"]
    assert [f.key for f in factories_offering({"c"}, catalogue)] == ["echo"]
    assert capabilities_missing_locally({"a", "c"}, catalogue) == {"a"}
    assert factories_offering(set(), catalogue) == []


# --- a broken file is refused ------------------------------------------------------------------

Edit = Callable[[dict[str, Any]], None]


def _duplicate_key(data: dict[str, Any]) -> None:
    data["factories"].append(copy.deepcopy(_factory(data, "lumi_aif")))


def _unknown_capability(data: dict[str, Any]) -> None:
    _factory(data, "lumi_aif")["systems"][0]["capabilities"].append(
        {"key": "warp_drive", "verified": True})


def _unknown_service(data: dict[str, Any]) -> None:
    _factory(data, "pharos")["services"] = [
        {"key": "telepathy", "status": "planned", "verified": True}]


def _unknown_access(data: dict[str, Any]) -> None:
    _factory(data, "mimer")["access"].append({"key": "free_lunch", "verified": True})


def _unknown_sector(data: dict[str, Any]) -> None:
    _factory(data, "mimer")["sectors"].append({"key": "astrology", "verified": True})


def _two_local(data: dict[str, Any]) -> None:
    _factory(data, "jaif")["local"] = True


def _no_local(data: dict[str, Any]) -> None:
    _factory(data, "l_aif")["local"] = False


def _missing_source(data: dict[str, Any]) -> None:
    del _factory(data, "gaia")["source"]


def _source_without_url(data: dict[str, Any]) -> None:
    _factory(data, "gaia")["source"] = {"title": "Somewhere"}


def _undeclared_source(data: dict[str, Any]) -> None:
    _factory(data, "ai2f")["sectors"][0]["source"] = "https://example.org/never-declared"


def _unverified_without_note(data: dict[str, Any]) -> None:
    _factory(data, "czai")["sectors"][0] = {"key": "health", "verified": False}


def _verified_left_out(data: dict[str, Any]) -> None:
    del _factory(data, "czai")["systems"][0]["verified"]


def _misspelt_field(data: dict[str, Any]) -> None:
    _factory(data, "czai")["verifed"] = True


def _bad_country(data: dict[str, Any]) -> None:
    _factory(data, "czai")["country"] = "Czechia"


def _bad_status(data: dict[str, Any]) -> None:
    _factory(data, "czai")["systems"][0]["status"] = "rumoured"


def _duplicate_vocabulary_key(data: dict[str, Any]) -> None:
    data["capabilities"].append({"key": "amd_gpu", "en": "Again", "fr": "Encore"})


def _label_without_french(data: dict[str, Any]) -> None:
    del data["sectors"][0]["fr"]


def _capability_listed_twice(data: dict[str, Any]) -> None:
    caps = _factory(data, "lumi_aif")["systems"][0]["capabilities"]
    caps.append(copy.deepcopy(caps[0]))


def _wrong_catalogue(data: dict[str, Any]) -> None:
    data["catalogue"] = "green"


@pytest.mark.parametrize(("edit", "message"), [
    (_duplicate_key, "lumi_aif"),
    (_unknown_capability, "unknown capability 'warp_drive'"),
    (_unknown_service, "unknown capability 'telepathy'"),
    (_unknown_access, "unknown access mode 'free_lunch'"),
    (_unknown_sector, "unknown sector 'astrology'"),
    (_two_local, "exactly one factory must be local"),
    (_no_local, "exactly one factory must be local"),
    (_missing_source, "'source' (url and title) is missing"),
    (_source_without_url, "'url'"),
    (_undeclared_source, "one of the factory's sources"),
    (_unverified_without_note, "'note' must say where"),
    (_verified_left_out, "'verified' must be true or false"),
    (_misspelt_field, "verifed"),
    (_bad_country, "ISO 3166"),
    (_bad_status, "'status'"),
    (_duplicate_vocabulary_key, "'amd_gpu' appears twice"),
    (_label_without_french, "'fr'"),
    (_capability_listed_twice, "listed twice"),
    (_wrong_catalogue, "'catalogue'"),
])
def test_broken_file_is_refused(tmp_path: Path, edit: Edit, message: str) -> None:
    data = copy.deepcopy(SHIPPED)
    edit(data)
    file = tmp_path / "factories.json"
    file.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CatalogueError, match=re.escape(message)):
        load_factories(file)


def test_unreadable_file_is_refused(tmp_path: Path) -> None:
    file = tmp_path / "factories.json"
    file.write_text("{not json", encoding="utf-8")
    with pytest.raises(CatalogueError, match="not valid JSON"):
        load_factories(file)
