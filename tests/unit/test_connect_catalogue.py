"""The Connect directory as data (laif.catalogue.connect): the shipped file, the checks that
refuse a broken one, and the labelled needs (tests/data/connect_needs.json) that measure the
matchmaking. Pure: no Django."""

from __future__ import annotations

import copy
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from laif.catalogue import CATALOGUE_DIR, CatalogueError
from laif.catalogue.connect import load_directory, parse_directory

SHIPPED: dict[str, Any] = json.loads((CATALOGUE_DIR / "connect.json").read_text("utf-8"))
NEEDS_FILE = Path(__file__).resolve().parents[1] / "data" / "connect_needs.json"
PARTNERS = {"snt", "list", "uni_lu", "lnds", "luxprovide", "l_dih", "luxinnovation", "fedil",
            "lhc", "luxhub", "edih_grand_est"}


def test_shipped_directory() -> None:
    directory = load_directory()
    assert {p.key for p in directory.partners} == PARTNERS
    assert 40 <= len(directory.experts) <= 60
    assert directory.source
    assert directory.source_fr
    assert {lang.key for lang in directory.languages} == {"en", "fr", "de", "lb"}
    assert {"finance", "space", "cybersecurity", "manufacturing", "health", "energy", "logistics",
            "public", "retail", "agriculture"} <= {s.key for s in directory.sectors}
    # every competence is somebody's, and each is labelled in three languages
    used = {c for e in directory.experts for c in e.competences}
    assert used == {c.key for c in directory.competences}
    for label in directory.competences:
        assert len({label.en, label.fr, label.de}) >= 2, label
    # nothing here was confirmed by a partner: no entry passes for verified, and each partner's
    # note says where its details come from
    assert not any(p.verified for p in directory.partners)
    assert not any(e.verified for e in directory.experts)
    assert all(p.note for p in directory.partners)
    # every partner has experts, and an expert is a team or service of a partner (its name
    # starts with the partner's short name and a dash), never a person
    assert {e.partner for e in directory.experts} == PARTNERS
    assert all(" — " in e.name for e in directory.experts)
    assert directory.terms.of("fr")
    assert directory.terms.of("de")
    assert not directory.terms.of("en")
    assert "laif's staff" in directory.terms.source


def test_labels_and_lookups() -> None:
    directory = load_directory()
    pm = directory.competence("predictive_maintenance")
    assert (pm.in_language("en"), pm.in_language("fr-lu"), pm.in_language("de-de")) == (
        "Predictive maintenance", "Maintenance prédictive", "Vorausschauende Wartung")
    assert directory.expert("nobody") is None
    expert = directory.expert("lnds_pseudonymisation")
    assert expert is not None
    assert expert.partner == "lnds"
    lnds = directory.partner("lnds")
    assert lnds.description_in("fr") != lnds.description_in("en")
    assert directory.sector("space").in_language("de") == "Raumfahrt"
    grand_est = directory.partner("edih_grand_est")
    assert grand_est.website is None
    assert "announcement" in grand_est.note


Edit = Callable[[dict[str, Any]], None]
_DELETE = object()


def _set(path: str, value: Any) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        key: Any = int(last) if last.isdigit() else last
        if value is _DELETE:
            del node[key]
        else:
            node[key] = value
    return edit


def _duplicate(path: str) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        items = data
        for part in path.split("."):
            items = items[part]
        assert isinstance(items, list)
        items.append(copy.deepcopy(items[0]))
    return edit


@pytest.mark.parametrize(("edit", "words"), [
    (_set("catalogue", "green"), "'catalogue'"),
    (_set("version", 0), "'version'"),
    (_set("effective_date", "soon"), "ISO date"),
    (_set("source", " "), "'source'"),
    (_set("competences.0.de", ""), "'de'"),
    (_set("sectors.1.fr", _DELETE), "'fr'"),
    (_duplicate("competences"), "given twice"),
    (_duplicate("sectors"), "given twice"),
    (_duplicate("partners"), "given twice"),
    (_duplicate("experts"), "given twice"),
    (_set("partners", []), "non-empty list"),
    (_set("partners.0.kind", "bank"), "unknown kind"),
    (_set("partners.0.website", "http://example.lu"), "'website'"),
    (_set("partners.0.note", ""), "'note'"),
    (_set("partners.0.verified", "no"), "'verified'"),
    (_set("partners.0.sectors", ["finance", "fishing"]), "unknown keys: fishing"),
    (_set("experts.0.partner", "acme"), "unknown partner"),
    (_set("experts.0.competences", ["computer_vision", "telepathy"]), "unknown keys: telepathy"),
    (_set("experts.0.competences", []), "non-empty list"),
    (_set("experts.0.competences", ["nlp", "nlp"]), "given twice"),
    (_set("experts.0.sectors", ["nowhere"]), "unknown keys: nowhere"),
    (_set("experts.0.languages", ["en", "xx"]), "unknown keys: xx"),
    (_set("experts.0.description", _DELETE), "'description'"),
    (_set("experts.0.name", "with a NUL\x00"), "NUL"),
    (_set("experts.0.verified", _DELETE), "'verified'"),
    (_set("terms.fr.0", ["panne"]), "expected [term, English words]"),
    (_set("terms.fr.0", ["panne", ""]), "expected [term, English words]"),
    (_set("terms.de.1", ["Vorausschauende Wartung", "x"]), "given twice"),
    (_set("terms.en", [["a", "b"]]), "other than English"),
    (_set("terms.source", _DELETE), "'source'"),
    (_set("terms", _DELETE), "expected a JSON object"),
])
def test_a_broken_file_is_refused(tmp_path: Path, edit: Edit, words: str) -> None:
    data = copy.deepcopy(SHIPPED)
    edit(data)
    file = tmp_path / "connect.json"
    file.write_text(json.dumps(data), "utf-8")
    with pytest.raises(CatalogueError, match=words.replace("[", r"\[").replace("(", r"\(")):
        load_directory(file)


def test_unreadable_and_invalid_files(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="cannot read"):
        load_directory(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", "utf-8")
    with pytest.raises(CatalogueError, match="not valid JSON"):
        load_directory(bad)
    with pytest.raises(CatalogueError, match="expected a JSON object"):
        parse_directory([])


def test_the_shipped_file_parses_the_same_directly() -> None:
    assert parse_directory(copy.deepcopy(SHIPPED)) == load_directory()


# The labelled needs


NEEDS: dict[str, Any] = json.loads(NEEDS_FILE.read_text("utf-8"))


def test_labelled_needs_counts_and_note() -> None:
    needs = NEEDS["needs"]
    assert NEEDS["frozen"] is True
    assert "before any retrieval code" in NEEDS["note"]
    assert "Frozen" in NEEDS["note"]
    assert len(needs) >= 48
    per_language = Counter(n["language"] for n in needs)
    assert set(per_language) == {"en", "fr", "de"}
    assert all(count >= 16 for count in per_language.values()), per_language
    ids = [n["id"] for n in needs]
    assert len(set(ids)) == len(ids)
    assert all(n["id"].startswith(n["language"]) for n in needs)


def test_labelled_needs_name_only_known_experts_and_sectors() -> None:
    directory = load_directory()
    experts = {e.key for e in directory.experts}
    sectors = {s.key for s in directory.sectors}
    for need in NEEDS["needs"]:
        assert need["sector"] in sectors, need["id"]
        text = need["text"]
        assert isinstance(text, str), need["id"]
        assert 40 <= len(text) <= 400, need["id"]
        relevant = need["relevant"]
        assert len(relevant) >= 3, need["id"]
        assert set(relevant) <= experts, (need["id"], set(relevant) - experts)
        assert all(grade in (1, 2, 3) for grade in relevant.values()), need["id"]
        assert max(relevant.values()) >= 2, need["id"]
