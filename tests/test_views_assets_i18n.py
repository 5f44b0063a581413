"""The portal serves every asset itself (no external host), speaks English and French completely,
and loads its catalogue files safely."""


from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polib
import pytest
from django.test import Client

from laif.accounts.models import (
    User,
)
from laif.catalogue import CatalogueError, load_pillars, parse_pillars
from tests.factories import World
from tests.views_support import html

pytestmark = pytest.mark.django_db

ClientFor = Callable[[User | None], Client]

# ----------------------------------------------------------------------------- assets, language

ATTR_URL = re.compile(r'\b(?:src|href|action|hx-get|hx-post|srcset|poster|data)\s*=\s*"([^"]*)"',
                      re.I)

LOCALE_DIR = Path(__file__).resolve().parent.parent / "src" / "laif" / "locale"


def test_no_page_loads_anything_from_another_host(world: World, client_for: ClientFor,
                                                  settings: Any) -> None:
    settings.LAIF_OIDC_ISSUER = "https://idp.example.org/realm"
    pages = {
        None: ["/login/", "/signup/"],
        world.org_admin: ["/", f"/organisations/{world.org.pk}/", "/projects/",
                          f"/projects/{world.project.pk}/",
                          f"/organisations/{world.org.pk}/projects/new/", "/account/",
                          "/account/tokens/", "/no-such-page/"],
        world.auditor: ["/", "/organisations/", "/staff/audit/", "/staff/identities/"],
    }
    seen = 0
    for user, paths in pages.items():
        client = client_for(user)
        for path in paths:
            page = html(client.get(path))
            assert "<script" in page
            assert "django_htmx/htmx-2.min.js" in page
            for url in ATTR_URL.findall(page):
                seen += 1
                assert not re.match(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", url, re.I), (path, url)
                assert not url.lower().startswith(("http:", "https:", "javascript:")), (path, url)
            assert "@import" not in page
            assert "url(http" not in page
    assert seen > 100
    css = (Path(__file__).resolve().parent.parent / "src/laif/static/laif/laif.css").read_text()
    assert "http" not in css
    assert "@import" not in css
    assert "@font-face" not in css


def test_htmx_is_served_locally(world: World, client_for: ClientFor) -> None:
    page = html(client_for(world.member).get("/"))
    src = re.search(r'<script src="([^"]+htmx-2\.min\.js)"', page)
    assert src is not None
    assert src.group(1).startswith("/static/")


def test_pages_in_french(world: World, client_for: ClientFor) -> None:
    client = client_for(world.org_admin)
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert response.status_code == 302
    page = html(client.get("/"))
    assert '<html lang="fr">' in page
    assert "Vos projets" in page
    assert "Les six piliers de l'AI Factory" in page
    assert "Évaluer et accélérer" in page
    org = html(client.get(f"/organisations/{world.org.pk}/"))
    assert "Données légales" in org
    assert "Petite entreprise" in org
    errors = html(client.post(f"/organisations/{world.org.pk}/invitations/",
                              {"email": world.member.email, "role": "member"}))
    assert "est déjà membre" in errors  # the service's message, translated
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="fr")
    assert "Se connecter" in html(anonymous.get("/login/"))


def test_french_catalogue_is_complete() -> None:
    po = polib.pofile(str(LOCALE_DIR / "fr" / "LC_MESSAGES" / "django.po"))
    assert len(po) > 300
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, untranslated[:10]
    assert not fuzzy, fuzzy[:10]
    for entry in po.translated_entries():
        for name in re.findall(r"%\((\w+)\)[sd]", entry.msgid):
            texts = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
            assert all(f"%({name})" in t for t in texts), entry.msgid


# ----------------------------------------------------------------------------- catalogue


def test_pillar_catalogue() -> None:
    catalogue = load_pillars()
    assert [p.title for p in catalogue.pillars] == [
        "Assess & Accelerate", "Upskill & Train", "Connect", "Fund", "Build & Test",
        "Scale & Execute"]
    assert catalogue.source
    assert catalogue.effective_date.year >= 2025
    french = catalogue.in_language("fr")
    assert all(p.title and p.summary for p in french)
    assert french[0].title != catalogue.pillars[0].title


@pytest.mark.parametrize("broken", [
    [],
    {"version": 1, "effective_date": "2025-12-10", "source": "x", "pillars": []},
    {"version": 1, "effective_date": "someday", "source": "x", "pillars": [{}]},
    {"version": 0, "effective_date": "2025-12-10", "source": "x", "pillars": [{}]},
    {"version": 1, "effective_date": "2025-12-10", "source": "", "pillars": [{}]},
    {"version": 1, "effective_date": "2025-12-10", "source": "x",
     "pillars": [{"key": "a", "number": 1, "title": "A", "summary": "s", "title_fr": "A"}]},
])
def test_pillar_catalogue_refuses_broken_files(broken: Any) -> None:
    with pytest.raises(CatalogueError):
        parse_pillars(broken)
