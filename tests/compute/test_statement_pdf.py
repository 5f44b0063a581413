"""Statement and credit note PDFs: they parse and show the figures; nothing is fetched from the
network while rendering."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader

from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.billing import services as statements
from laif.billing.pdf import FetchRefused, local_fetcher
from tests.api_support import client_as
from tests.compute.billing_support import NOW, entry, issue
from tests.factories import World

JUNE, JULY = date(2026, 6, 1), date(2026, 7, 1)


def _text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_statement_pdf_shows_lines_adjustments_and_totals(world: World) -> None:
    entry(world.project, world.member, JUNE, gpu_s=3600)
    issue(world.operator, world.project, JUNE)
    entry(world.project, world.member, JUNE, gpu_s=3600)  # late: an adjustment in July
    entry(world.project, world.member, JULY, gpu_s=36_000, cpu_s=3600, energy_j=7_200_000)
    july = issue(world.operator, world.project, JULY)
    response = client_as(world.org_admin).get(f"/api/statements/{july.pk}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert july.number in response["Content-Disposition"]
    text = _text(response.content)
    for expected in (july.number, "Acme Vision", "member@acme.lu", "EUR\xa022.02", "EUR\xa02.50",
                     "EUR\xa024.52", "June 2026", "1.0000", "10.0000", "reimbursement, not a discount"):
        assert expected in text, expected
    assert "2\xa0kWh" in text


def test_the_credit_note_pdf(world: World) -> None:
    entry(world.project, world.member, JULY, gpu_s=36_000)
    july = issue(world.operator, world.project, JULY)
    note = statements.credit_note_issue(
        access=access_for(world.operator), actor=Actor.of(world.operator),
        statement_id=july.pk, reason="Node failure", credits=[(july.lines.get().pk, 1234)],
        now=NOW)
    response = client_as(world.org_admin).get(f"/api/credit-notes/{note.pk}/pdf")
    text = _text(response.content)
    for expected in (note.number, july.number, "Node failure", "EUR\xa012.34"):
        assert expected in text, expected


@pytest.mark.parametrize("url", ["https://cdn.example.com/font.woff2", "file:///etc/passwd",
                                 "/static/../../etc/passwd", "http://127.0.0.1/static/x.css"])
def test_the_renderer_fetches_nothing_but_local_static_files(url: str) -> None:
    with pytest.raises(FetchRefused):
        local_fetcher(url)
