"""Reads of statements: the draft of a month (computed on demand from the unbilled part of the
ledger's running totals, ``usage.totals``), issued statements, their lines and ledger entries, credit notes.

Who sees what: an organisation's members and the client-facing staff (operators, reviewers,
auditors) read its statements and credit notes; a staff read is recorded in the audit log as data
access. Others get 404.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from laif.accounts import selectors as account_selectors
from laif.accounts.access import Access
from laif.accounts.audit import Actor
from laif.accounts.choices import StaffRoleName
from laif.accounts.errors import Conflict, DomainError, NotFound, PermissionDenied
from laif.accounts.selectors import audit_staff_read
from laif.allocations.capacity import add_months
from laif.billing.models import CreditNote, Statement, StatementLine
from laif.usage import pricing
from laif.usage import selectors as ledger_selectors

if TYPE_CHECKING:
    from laif.accounts.models import Organisation


def can_bill(access: Access) -> bool:
    """Issue statements and credit notes, mark cashback claims paid: operators."""
    return StaffRoleName.OPERATOR in access.staff_roles


FIRST_MONTH = date(2000, 1, 1)
LAST_MONTH = date(2100, 12, 1)


def parse_month(text: str) -> date:
    """``"2026-07"`` -> 1 July 2026; a DomainError (400) otherwise."""
    try:
        year, month = text.strip().split("-")
        first = date(int(year), int(month), 1)
    except (ValueError, TypeError) as exc:
        raise DomainError(_("A month is written YYYY-MM, e.g. 2026-07."), field="month") from exc
    if not FIRST_MONTH <= first <= LAST_MONTH:
        raise DomainError(_("A month is written YYYY-MM, e.g. 2026-07."), field="month")
    return first


def _organisation(access: Access, actor: Actor | None, org_id: int) -> Organisation:
    org = account_selectors.organisation_of(org_id)
    if org is None or not access.can_view_org(org_id):
        raise NotFound(_("Organisation not found."))
    statements_readable(access, org_id)
    if actor is not None:
        audit_staff_read(access, actor, f"statements:{org_id}", org_id)
    return org


def statements_readable(access: Access, org_id: int) -> None:
    """Refuse a member of the organisation who is not its admin (an outsider got a 404)."""
    if not access.can_read_statements(org_id):
        raise PermissionDenied(_("Only your organisation's admins see its statements and "
                                 "cashback; your projects' usage is on each project's usage "
                                 "page."))


def organisation_of(org_id: int) -> Organisation:
    """The organisation of a page whose access was already checked."""
    org = account_selectors.organisation_of(org_id)
    if org is None:
        raise NotFound(_("Organisation not found."))
    return org


# ------------------------------------------------------------------------------------ drafts


@dataclass(frozen=True)
class DraftLine:
    project_id: int | None
    project_label: str
    user_id: int | None
    user_label: str
    partition: str
    resource: str
    usage_month: date
    is_adjustment: bool
    seconds: int
    quantity_hours: Decimal
    unit_price_eur: Decimal
    amount_cents: int
    entries_count: int
    energy_j: int | None
    price_assumption: bool


@dataclass(frozen=True)
class Draft:
    organisation: Organisation
    month: date
    lines: list[DraftLine]
    usage_cents: int
    adjustment_cents: int
    total_cents: int
    entries_count: int
    energy_j: int | None
    energy_unreported: int
    price_assumption: bool
    issued: Statement | None = None


def _issued_before(org_id: int, month: date) -> QuerySet[Statement, Any]:
    """The months before ``month`` whose statement is issued: their late usage is billed by the
    statement of ``month`` as adjustments; an earlier month not yet issued waits for its own."""
    return Statement.objects.filter(organisation_id=org_id, month__lt=month).values("month")


def billable_entries(org_id: int, month: date) -> QuerySet[Any]:
    """The unbilled ledger entries a statement of ``month`` bills."""
    return ledger_selectors.entries_unbilled_for(org_id, month, _issued_before(org_id, month))


def billable_groups(org_id: int, month: date) -> list[dict[str, Any]]:
    """The sums of ``billable_entries`` per project, member, partition and month, read from the
    ledger's running totals: a few rows whatever the number of entries."""
    return ledger_selectors.unbilled_groups(org_id, month, _issued_before(org_id, month))


def _labels(project_ids: set[int], user_ids: set[int]) -> tuple[dict[int, str], dict[int, str]]:
    return account_selectors.project_labels(project_ids), account_selectors.user_emails(user_ids)


def draft_compute(org: Organisation, month: date) -> Draft:
    """The statement of ``month`` as it would be issued now (nothing is written): what the page
    shows and what ``statement_issue`` writes, from the running totals of the ledger."""
    groups = billable_groups(org.pk, month)
    usage = [
        pricing.Usage((g["project_id"], g["user_id"], i), g["month"], g["partition"], resource,
                      int(g["gpu"] if resource is pricing.Resource.GPU else g["cpu"]))
        for i, g in enumerate(groups) for resource in pricing.Resource
    ]
    try:
        priced = pricing.price_lines(usage, ledger_selectors.price_catalogue())
    except pricing.NoPrice as exc:
        raise Conflict(_("No price in the catalogue for partition %(partition)s in %(month)s: "
                         "this usage cannot be billed yet.")
                       % {"partition": exc.partition, "month": f"{exc.month:%Y-%m}"}) from exc
    projects, users = _labels({g["project_id"] for g in groups if g["project_id"]},
                              {g["user_id"] for g in groups if g["user_id"]})
    lines = []
    for p in priced:
        group = groups[int(p.key[2] or 0)]
        # a group's energy goes on its GPU line (its CPU line when it used no GPU): never twice
        carries_energy = p.resource is pricing.Resource.GPU or not group["gpu"]
        lines.append(DraftLine(
            project_id=group["project_id"],
            project_label=projects.get(group["project_id"], _("(no project)")),
            user_id=group["user_id"], user_label=users.get(group["user_id"], _("(unknown member)")),
            partition=p.partition, resource=str(p.resource), usage_month=p.month,
            is_adjustment=p.month != month, seconds=p.seconds,
            quantity_hours=pricing.hours(p.seconds), unit_price_eur=p.unit_price_eur,
            amount_cents=p.amount_cents, entries_count=int(group["n"]),
            energy_j=(int(group["energy"]) if carries_energy and group["reported"] else None),
            price_assumption=p.price_assumption))
    usage_cents = sum(ln.amount_cents for ln in lines if not ln.is_adjustment)
    adjustment_cents = sum(ln.amount_cents for ln in lines if ln.is_adjustment)
    reported = sum(int(g["reported"]) for g in groups)
    entries = sum(int(g["n"]) for g in groups)
    return Draft(
        organisation=org, month=month, lines=lines, usage_cents=usage_cents,
        adjustment_cents=adjustment_cents, total_cents=usage_cents + adjustment_cents,
        entries_count=entries,
        energy_j=(sum(int(g["energy"]) for g in groups if g["reported"]) if reported else None),
        energy_unreported=entries - reported,
        price_assumption=any(ln.price_assumption for ln in lines))


def statement_draft(*, access: Access, actor: Actor | None, organisation_id: int,
                    month: date) -> Draft:
    """The month's statement: the issued one when it exists, else the draft computed now."""
    org = _organisation(access, actor, organisation_id)
    issued = Statement.objects.filter(organisation=org, month=month).first()
    draft = draft_compute(org, month)
    if issued is not None:
        return Draft(**{**draft.__dict__, "issued": issued})
    return draft


# ------------------------------------------------------------------------------------ issued


def statements_for(*, access: Access, actor: Actor | None,
                   organisation_id: int) -> QuerySet[Statement]:
    _organisation(access, actor, organisation_id)
    return Statement.objects.filter(organisation_id=organisation_id).annotate(
        credited_cents=Sum("credit_notes__total_cents"))


def statement_get(*, access: Access, actor: Actor | None, statement_id: int) -> Statement:
    statement = Statement.objects.select_related("organisation", "issued_by").filter(
        pk=statement_id).first()
    if statement is None or not access.can_view_org(statement.organisation_id):
        raise NotFound(_("Statement not found."))
    statements_readable(access, statement.organisation_id)
    if actor is not None:
        audit_staff_read(access, actor, f"statement:{statement.pk}", statement.organisation_id)
    return statement


def statement_numbers(ids: Iterable[int]) -> dict[int, str]:
    """The numbers of these statements (the audit log's names)."""
    return dict(Statement.objects.filter(pk__in=list(ids)).values_list("pk", "number"))


@dataclass(frozen=True)
class StatementTerms:
    """The dates a statement states: the month billed, its issue and due dates, the terms."""

    period_start: date
    period_end: date
    issued_on: date
    due_on: date | None  # None: issued before due dates were recorded
    terms_days: int | None


def statement_terms(statement: Statement) -> StatementTerms:
    first = statement.month.replace(day=1)
    following = add_months(first, 1)
    issued = timezone.localdate(statement.issued_at)
    return StatementTerms(
        period_start=first, period_end=following - timedelta(days=1), issued_on=issued,
        due_on=statement.due_on,
        terms_days=None if statement.due_on is None else (statement.due_on - issued).days)


def statement_lines(statement: Statement) -> QuerySet[StatementLine]:
    return statement.lines.annotate(credited_cents=Sum("credits__amount_cents"))


def line_entries(*, access: Access, actor: Actor | None, statement_id: int,
                 line_id: int) -> QuerySet[Any]:
    """The ledger entries a statement line bills (its traceability to accounting)."""
    statement = statement_get(access=access, actor=actor, statement_id=statement_id)
    line = statement.lines.filter(pk=line_id).first()
    if line is None:
        raise NotFound(_("Statement line not found."))
    return ledger_selectors.entries_billed_on_line(line.pk)


def credited_cents(statement: Statement) -> int:
    total = statement.credit_notes.aggregate(t=Sum("total_cents"))["t"]
    return int(total or 0)


def credited_cents_of(statement_ids: list[int]) -> dict[int, int]:
    """``credited_cents`` of many statements in one query (statements without a credit note: 0)."""
    rows = (CreditNote.objects.filter(statement_id__in=statement_ids).values("statement_id")
            .annotate(t=Sum("total_cents")).values_list("statement_id", "t"))
    found = {statement_id: int(total or 0) for statement_id, total in rows}
    return {statement_id: found.get(statement_id, 0) for statement_id in statement_ids}


def credit_notes_for(*, access: Access, actor: Actor | None,
                     statement_id: int) -> QuerySet[CreditNote]:
    statement = statement_get(access=access, actor=actor, statement_id=statement_id)
    return statement.credit_notes.select_related("issued_by").prefetch_related("lines__line")


def credit_note_get(*, access: Access, actor: Actor | None, credit_note_id: int) -> CreditNote:
    note = CreditNote.objects.select_related("statement", "statement__organisation",
                                             "issued_by").filter(pk=credit_note_id).first()
    if note is None or not access.can_view_org(note.statement.organisation_id):
        raise NotFound(_("Credit note not found."))
    statements_readable(access, note.statement.organisation_id)
    if actor is not None:
        audit_staff_read(access, actor, f"credit_note:{note.pk}", note.statement.organisation_id)
    return note
