"""Catalogue provenance notes in French (issue 22, point 7): a note written in French
(``source_fr``) is shown on French pages, marked lang="fr"; English pages, and notes with no
French text, keep the English one, marked lang="en"."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest
from django.utils import timezone

from laif.catalogue import CATALOGUE_DIR, CatalogueError
from laif.catalogue.assess import load_questionnaire
from laif.catalogue.cashback import load_cashback
from laif.catalogue.cluster import load_cluster, parse_cluster
from laif.catalogue.funding import load_funding
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


@pytest.mark.django_db
def test_funding_instruments_give_their_source_in_french_also_in_a_published_version(
        world: World) -> None:
    assert all(i.source_fr for i in load_funding().instruments)
    admin = client_as(world.org_admin)
    admin.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    url = (f"/organisations/{world.org.pk}/funding/?costs_eur=100000&compute_eur=0"
           f"&start_on={timezone.localdate().isoformat()}")
    check = admin.get(url).content.decode()
    assert 'lang="fr">Annonce, section 5.1' in check
    operator = client_as(world.operator)
    form = {"status": "verified", "name_en": "Fit 4 AI", "name_fr": "Fit 4 AI",
            "provider": "Luxinnovation", "rate_percent": "50", "cap_micro": "50000",
            "cap_small": "50000", "cap_medium": "100000",
            "eligible_sme_classes": ["micro", "small", "medium"],
            "source": "Fit 4 AI scheme, official text, article 4",
            "source_fr": "Régime Fit 4 AI, texte officiel, article 4",
            "note": "Checked against the official text",
            "effective_from": timezone.localdate().isoformat()}
    # the form starts from the version in force, French source included
    assert "Annonce, section 5.1" in operator.get("/staff/funding/fit4ai/").content.decode()
    assert operator.post("/staff/funding/fit4ai/", form).status_code == 302
    check = admin.get(url).content.decode()
    assert 'lang="fr">Régime Fit 4 AI, texte officiel, article 4' in check
    # a version published without a French source shows the English one, marked so
    assert operator.post("/staff/funding/fit4ai/", {**form, "source_fr": "",
                                                      "note": "English only"}).status_code == 302
    check = admin.get(url).content.decode()
    assert 'lang="en">Fit 4 AI scheme, official text, article 4' in check
