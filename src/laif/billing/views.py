"""Pages of statements: an organisation's statements (and this month's draft), a statement with
its lines, adjustments, totals and credit notes, its PDF; operators issue a month's statement and
credit notes."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import get_format, number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from laif.accounts.errors import DomainError, NotFound, PermissionDenied
from laif.accounts.requestinfo import access_of, actor_of
from laif.accounts.views import page
from laif.billing import pdf as statement_pdf
from laif.billing import selectors as sel
from laif.billing import services as statements
from laif.billing.models import Statement
from laif.billing.money import money_text
from laif.billing.selectors import can_bill
from laif.usage import pricing


def _previous_month() -> str:
    first = timezone.localdate().replace(day=1)
    last = first.replace(year=first.year - 1, month=12) if first.month == 1 else first.replace(
        month=first.month - 1)
    return f"{last:%Y-%m}"


@page
@require_GET
def statement_list(request: HttpRequest, org_id: int) -> HttpResponse:
    access, actor = access_of(request), actor_of(request)
    found = list(sel.statements_for(access=access, actor=actor, organisation_id=org_id)[:240])
    month = timezone.localdate().replace(day=1)
    draft = None
    try:
        draft = sel.statement_draft(access=access, actor=None, organisation_id=org_id,
                                    month=month)
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        messages.warning(request, exc.message)
    org = sel.organisation_of(org_id)
    return render(request, "billing/statement_list.html", {
        "org": org, "statements": found, "draft": draft, "can_bill": can_bill(access),
        "previous_month": _previous_month(), "is_admin": access.is_org_admin(org_id)})


@page
@require_POST
def statement_issue(request: HttpRequest, org_id: int) -> HttpResponse:
    try:
        month = sel.parse_month(str(request.POST.get("month", "")))
        st = statements.statement_issue(access=access_of(request), actor=actor_of(request),
                                        organisation_id=org_id, month=month)
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("statement_list", org_id=org_id)
    messages.success(request, _("Statement %(number)s is issued.") % {"number": st.number})
    return redirect("statement_detail", statement_id=st.pk)


def _detail(request: HttpRequest, st: Statement, *, posted: dict[str, str] | None = None,
            status: int = 200) -> HttpResponse:
    lines = list(sel.statement_lines(st))
    posted = posted or {}
    credit_rows = [(ln, ln.amount_cents - int(getattr(ln, "credited_cents", 0) or 0),
                    posted.get(f"credit-{ln.pk}", "")) for ln in lines]
    return render(request, "billing/statement_detail.html", {
        "statement": st, "org": st.organisation, "terms": sel.statement_terms(st),
        "lines": [ln for ln in lines if not ln.is_adjustment],
        "adjustments": [ln for ln in lines if ln.is_adjustment],
        "credit_notes": list(st.credit_notes.all()), "credited_cents": sel.credited_cents(st),
        "can_bill": can_bill(access_of(request)), "is_staff": access_of(request).is_staff,
        "credit_rows": [row for row in credit_rows if row[1] > 0],
        "credit_reason": posted.get("reason", "")}, status=status)


@page
@require_GET
def statement_detail(request: HttpRequest, statement_id: int) -> HttpResponse:
    st = sel.statement_get(access=access_of(request), actor=actor_of(request),
                           statement_id=statement_id)
    return _detail(request, st)


@page
@require_POST
def credit_note_new(request: HttpRequest, statement_id: int) -> HttpResponse:
    """An operator credits amounts of a statement's lines, with the reason (a credit note)."""
    access = access_of(request)
    st = sel.statement_get(access=access, actor=None, statement_id=statement_id)
    if not can_bill(access):
        raise PermissionDenied(_("Only factory operators issue credit notes."))
    posted = {k: str(v)[:100] for k, v in request.POST.items() if k.startswith("credit-")}
    posted["reason"] = str(request.POST.get("reason", ""))[:4000]
    credits: list[tuple[int, int]] = []
    for line in sel.statement_lines(st):
        text = posted.get(f"credit-{line.pk}", "").strip()
        if not text:
            continue
        cents = pricing.euros_to_cents(text, decimal_comma=get_format("DECIMAL_SEPARATOR") == ",")
        if cents is None:
            messages.error(request, _("%(text)s is not an amount in euros (e.g. %(example)s).")
                           % {"text": text, "example": number_format(Decimal("12.50"),
                                                                     decimal_pos=2)})
            return _detail(request, st, posted=posted, status=400)
        if cents:
            credits.append((line.pk, cents))
    try:
        note = statements.credit_note_issue(access=access, actor=actor_of(request),
                                            statement_id=st.pk, reason=posted["reason"],
                                            credits=credits)
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        return _detail(request, st, posted=posted, status=400)
    messages.success(request, _("Credit note %(number)s is issued: %(total)s.")
                     % {"number": note.number, "total": money_text(note.total_cents)})
    return redirect("statement_detail", statement_id=st.pk)


@page
@require_GET
def statement_pdf_view(request: HttpRequest, statement_id: int) -> HttpResponse:
    st = sel.statement_get(access=access_of(request), actor=actor_of(request),
                           statement_id=statement_id)
    return statement_pdf.attachment(statement_pdf.statement_pdf(st), st.number)


@page
@require_GET
def credit_note_pdf_view(request: HttpRequest, credit_note_id: int) -> HttpResponse:
    note = sel.credit_note_get(access=access_of(request), actor=actor_of(request),
                               credit_note_id=credit_note_id)
    return statement_pdf.attachment(statement_pdf.credit_note_pdf(note), note.number)
