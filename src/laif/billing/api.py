"""REST endpoints of statements: list, draft, issue (operators), show, PDF, ledger entries of a
line, credit notes (operators issue, members read)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router, Status

from laif.accounts.requestinfo import access_of, actor_of
from laif.billing import pdf as statement_pdf
from laif.billing import schemas as s
from laif.billing import selectors as sel
from laif.billing import services as statements
from laif.billing.models import CreditNote, Statement
from laif.config.apitypes import Id

router = Router(tags=["statements"])


def _line(ln: Any) -> s.StatementLineOut:
    return s.StatementLineOut(
        id=getattr(ln, "pk", None), project_id=ln.project_id, project=ln.project_label,
        user_id=ln.user_id, member=ln.user_label, partition=ln.partition, resource=ln.resource,
        usage_month=ln.usage_month, is_adjustment=ln.is_adjustment, seconds=ln.seconds,
        hours=str(ln.quantity_hours), unit_price_eur=str(ln.unit_price_eur),
        amount_cents=ln.amount_cents, entries=ln.entries_count, energy_j=ln.energy_j,
        credited_cents=int(getattr(ln, "credited_cents", 0) or 0))


def _issued(st: Statement, credited: int | None = None) -> dict[str, Any]:
    return {"id": st.pk, "organisation_id": st.organisation_id, "month": st.month,
            "number": st.number, "issued": True, "issued_at": st.issued_at,
            "usage_cents": st.usage_cents, "adjustment_cents": st.adjustment_cents,
            "total_cents": st.total_cents,
            "credited_cents": int(credited if credited is not None
                                  else getattr(st, "credited_cents", 0) or 0),
            "entries": st.entries_count, "energy_j": st.energy_j,
            "energy_unreported": st.energy_unreported, "price_assumption": st.price_assumption}


def _detail(st: Statement) -> s.StatementDetailOut:
    return s.StatementDetailOut(**_issued(st, sel.credited_cents(st)),
                                lines=[_line(ln) for ln in sel.statement_lines(st)])


def _note(n: CreditNote) -> s.CreditNoteOut:
    return s.CreditNoteOut(id=n.pk, number=n.number, statement_id=n.statement_id,
                           reason=n.reason, total_cents=n.total_cents, issued_at=n.issued_at,
                           lines=[s.CreditNoteLineOut(line_id=cl.line_id,
                                                      amount_cents=cl.amount_cents)
                                  for cl in n.lines.all()])


@router.get("/organisations/{org_id}/statements", response=list[s.StatementOut],
            summary="Issued monthly statements of an organisation, newest first")
def statement_list(request: HttpRequest, org_id: Id) -> list[s.StatementOut]:
    found = sel.statements_for(access=access_of(request), actor=actor_of(request),
                               organisation_id=org_id)
    return [s.StatementOut(**_issued(st)) for st in found[:240]]


@router.get("/organisations/{org_id}/statements/draft", response=s.StatementDetailOut,
            summary="The statement of a month (this month by default) as it would be issued now, "
            "not stored")
def statement_draft(request: HttpRequest, org_id: Id,
                    month: s.Month | None = None) -> s.StatementDetailOut:
    first = sel.parse_month(month) if month else timezone.localdate().replace(day=1)
    draft = sel.statement_draft(access=access_of(request), actor=actor_of(request),
                                organisation_id=org_id, month=first)
    return s.StatementDetailOut(
        id=None, organisation_id=org_id, month=draft.month, number="", issued=False,
        issued_at=None, usage_cents=draft.usage_cents, adjustment_cents=draft.adjustment_cents,
        total_cents=draft.total_cents, entries=draft.entries_count, energy_j=draft.energy_j,
        energy_unreported=draft.energy_unreported, price_assumption=draft.price_assumption,
        lines=[_line(ln) for ln in draft.lines])


@router.post("/organisations/{org_id}/statements", response={201: s.StatementDetailOut},
             summary="Issue the statement of a finished month (factory operators)",
             description="Immutable once issued. Refused (409) when the month is already issued "
             "or not over yet.")
def statement_issue(request: HttpRequest, org_id: Id, data: s.StatementIssueIn) -> Status[Any]:
    st = statements.statement_issue(access=access_of(request), actor=actor_of(request),
                                    organisation_id=org_id, month=sel.parse_month(data.month))
    return Status(201, _detail(st))


@router.get("/statements/{statement_id}", response=s.StatementDetailOut)
def statement_detail(request: HttpRequest, statement_id: Id) -> s.StatementDetailOut:
    return _detail(sel.statement_get(access=access_of(request), actor=actor_of(request),
                                     statement_id=statement_id))


@router.get("/statements/{statement_id}/pdf", response={200: None},
            summary="The statement as a PDF document",
            openapi_extra={"responses": {200: {"description": "PDF", "content": {
                "application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}})
def statement_pdf_download(request: HttpRequest, statement_id: Id) -> HttpResponse:
    st = sel.statement_get(access=access_of(request), actor=actor_of(request),
                           statement_id=statement_id)
    return statement_pdf.attachment(statement_pdf.statement_pdf(st), st.number)


@router.get("/statements/{statement_id}/lines/{line_id}/entries",
            response=list[s.LedgerEntryOut],
            summary="The usage ledger entries a statement line bills")
def line_entries(request: HttpRequest, statement_id: Id, line_id: Id) -> list[s.LedgerEntryOut]:
    found = sel.line_entries(access=access_of(request), actor=actor_of(request),
                             statement_id=statement_id, line_id=line_id)
    return [s.LedgerEntryOut(id=e.pk, month=e.month, cluster=e.record.cluster,
                             job_id=e.record.job_id, submit_time=e.record.submit_time,
                             end_time=e.record.end_time, partition=e.partition,
                             gpu_seconds=e.gpu_seconds, cpu_seconds=e.cpu_seconds,
                             energy_j=e.energy_j) for e in found[:10_000]]


@router.get("/statements/{statement_id}/credit-notes", response=list[s.CreditNoteOut])
def credit_note_list(request: HttpRequest, statement_id: Id) -> list[s.CreditNoteOut]:
    return [_note(n) for n in sel.credit_notes_for(access=access_of(request),
                                                   actor=actor_of(request),
                                                   statement_id=statement_id)]


@router.post("/statements/{statement_id}/credit-notes", response={201: s.CreditNoteOut},
             summary="Issue a credit note on an issued statement (factory operators)")
def credit_note_issue(request: HttpRequest, statement_id: Id,
                      data: s.CreditNoteIn) -> Status[Any]:
    note = statements.credit_note_issue(
        access=access_of(request), actor=actor_of(request), statement_id=statement_id,
        reason=data.reason, credits=[(c.line_id, c.amount_cents) for c in data.lines])
    return Status(201, _note(note))


@router.get("/credit-notes/{credit_note_id}/pdf", response={200: None},
            summary="A credit note as a PDF document",
            openapi_extra={"responses": {200: {"description": "PDF", "content": {
                "application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}})
def credit_note_pdf(request: HttpRequest, credit_note_id: Id) -> HttpResponse:
    note = sel.credit_note_get(access=access_of(request), actor=actor_of(request),
                               credit_note_id=credit_note_id)
    return statement_pdf.attachment(statement_pdf.credit_note_pdf(note), note.number)
