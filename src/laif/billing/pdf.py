"""PDF of a statement and of a credit note, rendered with WeasyPrint from a template.

Nothing is fetched over the network: the fonts are the system's (fontconfig: DejaVu), and the
``url_fetcher`` serves only the platform's own static files, refusing every other URL.
"""

from __future__ import annotations

from typing import Any

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string

from laif.billing.models import CreditNote, Statement
from laif.billing.selectors import credited_cents, statement_lines, statement_terms

STATIC_PREFIX = "/static/"


class FetchRefused(ValueError):
    pass


def local_fetcher(url: str, timeout: int = 10, ssl_context: Any = None) -> dict[str, Any]:
    """Serve ``/static/...`` from the platform's static files; refuse anything else."""
    path = url.removeprefix("file://")
    if not path.startswith(STATIC_PREFIX) or ".." in path:
        raise FetchRefused(f"refused to fetch {url!r}: only the platform's static files")
    found = finders.find(path.removeprefix(STATIC_PREFIX))
    if not isinstance(found, str):
        raise FetchRefused(f"no static file {path!r}")
    with open(found, "rb") as fh:
        return {"string": fh.read(), "filename": found}


def html_pdf(html: str) -> bytes:
    """A PDF of an HTML document (A4, the system fonts, the platform's static files only)."""
    from weasyprint import HTML  # imported on use: heavy

    pdf = HTML(string=html, base_url="/", url_fetcher=local_fetcher).write_pdf()
    assert isinstance(pdf, bytes)
    return pdf


def statement_pdf(statement: Statement) -> bytes:
    lines = list(statement_lines(statement))
    return html_pdf(render_to_string("billing/statement_pdf.html", {
        "statement": statement, "terms": statement_terms(statement),
        "lines": [ln for ln in lines if not ln.is_adjustment],
        "adjustments": [ln for ln in lines if ln.is_adjustment],
        "credit_notes": list(statement.credit_notes.all()),
        "credited_cents": credited_cents(statement)}))


def credit_note_pdf(note: CreditNote) -> bytes:
    return html_pdf(render_to_string("billing/credit_note_pdf.html", {
        "note": note, "statement": note.statement,
        "lines": list(note.lines.select_related("line"))}))


def attachment(content: bytes, name: str) -> HttpResponse:
    """A PDF sent as a download named ``name.pdf`` (pages and API)."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response
