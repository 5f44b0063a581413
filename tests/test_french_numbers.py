"""Issue 22, point 7: the portal's main pages in French, as the demo's people see them (the demo
data: allocations, usage, statements, cashback, funding), show no number written the English way
(``1,234`` grouping, ``12.50`` decimals, ``EUR 12``). Every page reachable from the home page by
its links is read, as an organisation admin, a project lead and a factory operator. Provenance
notes (``class="source"``: citations of the catalogue's sources, in English) are left out."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client

from laif.accounts import demo as accounts_demo
from laif.accounts.models import User
from laif.billing.demo import billing_demo_load

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
LINK = re.compile(r'<a\b[^>]*\bhref="([^"#?]+)"')
TAG = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.S)
# provenance notes quoted from the catalogue or typed by staff, in their own language (marked
# class="source"; the catalogue's are English, marked lang="en"): not the portal's own numbers
SOURCE = re.compile(r'<(span|td)\b[^>]*\bclass="[^"]*\bsource\b[^"]*"[^>]*>.*?</\1>'
                    r"|<textarea\b.*?</textarea>"  # and what a form holds for editing
                    # and the catalogue's English-only texts quoted as such (a directory
                    # entry's name: "industry 4.0" is not a number)
                    r'|<(span|p|strong)\b[^>]*\blang="en"[^>]*>.*?</\2>', re.S)
ENGLISH_NUMBER = re.compile(r"(?<![\w.,/-])\d{1,3}(?:,\d{3})+(?![\w])|(?<![\w.,/:-])\d+\.\d{1,2}(?![\w.])"
                            r"|EUR\s\d")
SKIP = ("/logout", "/i18n/", "/static/", "/api/", "/admin/", "/sso/", ".pdf", "/file")


def _text(page: str) -> str:
    return html.unescape(TAG.sub(" ", SOURCE.sub(" ", page)))


def _crawl(client: Client, limit: int = 80) -> dict[str, str]:
    seen: dict[str, str] = {}
    queue = ["/"]
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            seen[url] = ""
            continue
        page = response.content.decode()
        seen[url] = page
        for href in LINK.findall(page):
            target = urljoin(url, html.unescape(href))
            if urlsplit(target).netloc or any(s in target for s in SKIP):
                continue
            if target not in seen and target not in queue:
                queue.append(target)
    return seen


@pytest.mark.parametrize("email", [accounts_demo.ORG_ADMIN, "lead@acme.lu",
                                   accounts_demo.OPERATOR])
def test_no_english_number_on_the_french_pages(email: str) -> None:
    accounts_demo.demo_load()
    billing_demo_load(now=NOW)
    client = Client()
    client.force_login(User.objects.get(email=email),
                       backend="django.contrib.auth.backends.ModelBackend")
    client.cookies["django_language"] = "fr"
    pages = _crawl(client)
    assert len([p for p in pages.values() if p]) >= 10, list(pages)
    found = {}
    for url, page in pages.items():
        hits = sorted({m.group(0) for m in ENGLISH_NUMBER.finditer(_text(page))})
        if hits:
            found[url] = hits
    assert not found, "\n".join(f"{url}: {hits}" for url, hits in found.items())

