"""Catalogue provenance notes in French (issue 22, point 7): a note written in French
(``source_fr``) is shown on French pages, marked lang="fr"; English pages, and notes with no
French text, keep the English one, marked lang="en"."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest

from laif.catalogue import CATALOGUE_DIR, CatalogueError
from laif.catalogue.assess import load_questionnaire
from laif.catalogue.cashback import load_cashback
from laif.catalogue.cluster import load_cluster, parse_cluster
from tests.api_support import client_as
from tests.factories import World

SHIPPED: dict[str, Any] = json.loads((CATALOGUE_DIR / "cluster.json").read_text("utf-8"))


def test_the_shipped_notes_read_in_both_languages() -> None:
    for item in (load_cluster(), load_cashback().de_minimis, load_questionnaire()):
        assert item.source_fr, item
        assert item.source_in("fr") == item.source_fr != item.source
        assert item.source_in("en") == item.source
        assert item.source_in("fr-ca") == item.source_fr


def test_a_note_with_no_french_text_stays_english_and_a_nul_is_refused() -> None:
    data = copy.deepcopy(SHIPPED)
    del data["source_fr"]
    english_only = parse_cluster(data)
    assert english_only.source_in("fr") == english_only.source
    data["source_fr"] = "note\x00"
    with pytest.raises(CatalogueError, match="source_fr"):
        parse_cluster(data)


def _source(page: str) -> tuple[str, str]:
    found = re.search(r'class="source" lang="(\w+)">([^<]+)<', page)
    assert found, page[:200]
    return found.group(1), found.group(2)


@pytest.mark.django_db
def test_pages_show_the_note_in_their_language(world: World) -> None:
    admin = client_as(world.org_admin)
    english = admin.get("/compute/").content.decode()
    assert _source(english)[0] == "en"
    assert _source(english)[1].startswith("Minist")  # the English note quotes the ministry
    assert "press release of 10 December 2024" in english
    admin.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    french = admin.get("/compute/").content.decode()
    lang, text = _source(french)
    assert lang == "fr"
    assert "communiqué de presse du 10 décembre 2024" in text.replace("&#x27;", "'")
    claims = admin.get(f"/organisations/{world.org.pk}/cashback/").content.decode()
    assert _source(claims)[0] == "fr"
    assert "Règlement (UE) 2023/2831" in claims
    sme = admin.get(f"/organisations/{world.org.pk}/sme/").content.decode()
    assert "Recommandation 2003/361/CE de la Commission" in sme
