"""Pages of statements: an organisation's statements (and this month's draft), a statement with
its lines, adjustments, totals and credit notes, its PDF; operators issue a month's statement."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from laif.accounts.errors import DomainError, NotFound, PermissionDenied
from laif.accounts.requestinfo import access_of, actor_of
from laif.accounts.views import page
from laif.compute import statement_pdf, statements
from laif.compute import statement_selectors as sel
from laif.compute.permissions import can_bill


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
    return render(request, "compute/statement_list.html", {
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


@page
@require_GET
def statement_detail(request: HttpRequest, statement_id: int) -> HttpResponse:
    st = sel.statement_get(access=access_of(request), actor=actor_of(request),
                           statement_id=statement_id)
    lines = list(sel.statement_lines(st))
    return render(request, "compute/statement_detail.html", {
        "statement": st, "org": st.organisation,
        "lines": [ln for ln in lines if not ln.is_adjustment],
        "adjustments": [ln for ln in lines if ln.is_adjustment],
        "credit_notes": list(st.credit_notes.all()), "credited_cents": sel.credited_cents(st)})


@page
@require_GET
def statement_pdf_view(request: HttpRequest, statement_id: int) -> HttpResponse:
    st = sel.statement_get(access=access_of(request), actor=actor_of(request),
                           statement_id=statement_id)
    response = HttpResponse(statement_pdf.statement_pdf(st), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{st.number}.pdf"'
    return response


@page
@require_GET
def credit_note_pdf_view(request: HttpRequest, credit_note_id: int) -> HttpResponse:
    note = sel.credit_note_get(access=access_of(request), actor=actor_of(request),
                               credit_note_id=credit_note_id)
    response = HttpResponse(statement_pdf.credit_note_pdf(note), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{note.number}.pdf"'
    return response
