"""Writes of statements: issue a month's statement, issue a credit note.

``statement_issue`` locks the organisation row (``SELECT ... FOR UPDATE``), refuses a month
already issued (and a unique constraint on organisation and month backs it), computes the draft
(from the ledger's running totals, as the page shows it), writes the statement and its lines,
links every billed ledger entry to its lines in bulk (``BilledEntry.entry`` is unique: an entry
is billed once, ever), checks that the entries linked to each line add up to it, and moves the
billed sums to the billed part of the totals. If usage arrived while issuing (or the totals ever
disagreed with the entries), the links would not match the lines: it stops and nothing is
written.

Issued statements are immutable: no service changes them (``statement_immutable`` is the guard
every writer calls); a correction is a credit note, which credits at most what is left of each
line. Both are recorded in the audit log in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from laif.accounts.access import Access
from laif.accounts.audit import Actor, audit_record
from laif.accounts.errors import Conflict, DomainError, NotFound, PermissionDenied
from laif.accounts.selectors import organisation_for_update
from laif.billing.models import (
    BilledEntry,
    CreditNote,
    CreditNoteLine,
    Statement,
    StatementImmutable,
    StatementLine,
)
from laif.billing.selectors import billable_entries, can_bill, draft_compute
from laif.usage import totals as ledger_totals

if TYPE_CHECKING:
    from laif.accounts.models import Organisation

MAX_REASON = 2000


def statement_immutable(statement: Statement) -> None:
    """The guard of every writer: an issued statement is never edited (all stored ones are)."""
    if statement.pk is not None:
        raise StatementImmutable(_("Statement %(number)s is issued and cannot be changed; "
                                   "correct it with a credit note.")
                                 % {"number": statement.number})


def _user_id(actor: Actor) -> int:
    if actor.user_id is None:
        raise PermissionDenied(_("Only a person issues statements and credit notes."))
    return actor.user_id


def _org_to_bill(access: Access, org_id: int) -> Organisation:
    if not can_bill(access):
        if access.can_view_org(org_id):
            raise PermissionDenied(_("Only factory operators issue statements."))
        raise NotFound(_("Organisation not found."))
    org = organisation_for_update(org_id)
    if org is None:
        raise NotFound(_("Organisation not found."))
    return org


def statement_number(org_id: int, month: date) -> str:
    return f"LAIF-{month:%Y%m}-{org_id:06d}"


def statement_issue(*, access: Access, actor: Actor, organisation_id: int, month: date,
                    now: datetime | None = None) -> Statement:
    """Issue the statement of a finished month: immutable from now on."""
    now = now or timezone.now()
    if month.day != 1:
        raise DomainError(_("A statement covers a calendar month."), field="month")
    if month >= timezone.localdate(now).replace(day=1):
        raise Conflict(_("The month of %(month)s is not over yet: its statement can be issued "
                         "from the first of the next month.") % {"month": f"{month:%Y-%m}"})
    try:
        with transaction.atomic():
            org = _org_to_bill(access, organisation_id)
            if Statement.objects.filter(organisation=org, month=month).exists():
                raise Conflict(_("The statement of %(month)s is already issued.")
                               % {"month": f"{month:%Y-%m}"})
            statement = _write(org, month, actor, now)
            audit_record(actor=actor, action="statement.issued",
                         target=f"statement:{statement.pk}", organisation_id=org.pk,
                         detail={"number": statement.number, "month": f"{month:%Y-%m}",
                                 "total_cents": statement.total_cents,
                                 "adjustment_cents": statement.adjustment_cents,
                                 "entries": statement.entries_count})
    except IntegrityError as exc:  # a concurrent issue won the race
        raise Conflict(_("The statement of %(month)s is already issued.")
                       % {"month": f"{month:%Y-%m}"}) from exc
    return statement


def _write(org: Organisation, month: date, actor: Actor, now: datetime) -> Statement:
    draft = draft_compute(org, month)
    statement = Statement.objects.create(
        organisation=org, month=month, number=statement_number(org.pk, month), issued_at=now,
        issued_by_id=_user_id(actor), organisation_name=org.name,
        customer_address=org.address, customer_vat=org.vat_number, customer_rcs=org.rcs_number,
        issuer_name=settings.LAIF_ISSUER_NAME, issuer_address="\n".join(settings.LAIF_ISSUER_ADDRESS),
        issuer_vat=settings.LAIF_ISSUER_VAT,
        due_on=timezone.localdate(now) + timedelta(days=settings.LAIF_PAYMENT_TERMS_DAYS),
        usage_cents=draft.usage_cents,
        adjustment_cents=draft.adjustment_cents, total_cents=draft.total_cents,
        entries_count=draft.entries_count, energy_j=draft.energy_j,
        energy_unreported=draft.energy_unreported, price_assumption=draft.price_assumption)
    lines = StatementLine.objects.bulk_create([
        StatementLine(statement=statement, project_id=ln.project_id,
                      project_label=ln.project_label[:250], user_id=ln.user_id,
                      user_label=ln.user_label[:254], partition=ln.partition,
                      resource=ln.resource, usage_month=ln.usage_month,
                      is_adjustment=ln.is_adjustment, seconds=ln.seconds,
                      quantity_hours=ln.quantity_hours, unit_price_eur=ln.unit_price_eur,
                      amount_cents=ln.amount_cents, entries_count=ln.entries_count,
                      energy_j=ln.energy_j, price_assumption=ln.price_assumption)
        for ln in draft.lines])
    by_key = {(ln.project_id, ln.user_id, ln.partition, ln.usage_month, ln.resource): ln.pk
              for ln in lines}
    rows = billable_entries(org.pk, month).values_list(
        "id", "project_id", "user_id", "partition", "month")
    BilledEntry.objects.bulk_create([
        BilledEntry(entry_id=entry_id, statement=statement,
                    gpu_line_id=by_key.get((project, user, partition, usage_month, "gpu")),
                    cpu_line_id=by_key.get((project, user, partition, usage_month, "cpu")))
        for entry_id, project, user, partition, usage_month in rows.iterator(chunk_size=5000)
    ], batch_size=2000)
    if _linked(statement) != _expected(draft.entries_count, lines):
        raise Conflict(_("Usage arrived while the statement was being issued: try again."))
    ledger_totals.totals_bill(statement.pk)
    return statement


Links = tuple[int, dict[tuple[str, int], tuple[int, int]]]
"""Entries billed, and (entries, seconds) per (resource, line)."""


def _linked(statement: Statement) -> Links:
    """What the statement's links to ledger entries add up to, line by line."""
    per_line: dict[tuple[str, int], tuple[int, int]] = {}
    for resource in ("gpu", "cpu"):
        for line, n, seconds in (
                BilledEntry.objects.filter(statement=statement, **{f"{resource}_line__isnull":
                                                                   False})
                .order_by().values_list(f"{resource}_line")
                .annotate(n=Count("id"), s=Sum(f"entry__{resource}_seconds"))):
            per_line[(resource, int(line))] = (int(n), int(seconds or 0))
    return BilledEntry.objects.filter(statement=statement).count(), per_line


def _expected(entries: int, lines: list[StatementLine]) -> Links:
    return entries, {(ln.resource, ln.pk): (ln.entries_count, ln.seconds) for ln in lines}


# ------------------------------------------------------------------------------ credit notes


def credit_note_issue(*, access: Access, actor: Actor, statement_id: int, reason: str,
                      credits: Sequence[tuple[int, int]],
                      now: datetime | None = None) -> CreditNote:
    """Credit ``(line id, cents)`` pairs of an issued statement, with a reason (operators)."""
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON:
        raise DomainError(_("Give the reason of the correction (at most 2000 characters)."),
                          field="reason")
    if not credits:
        raise DomainError(_("Credit at least one line."), field="lines")
    wanted: dict[int, int] = {}
    for line_id, cents in credits:
        if cents <= 0:
            raise DomainError(_("A credited amount must be positive."), field="lines")
        wanted[line_id] = wanted.get(line_id, 0) + cents
    with transaction.atomic():
        statement = Statement.objects.select_for_update().filter(pk=statement_id).first()
        if statement is None or not (can_bill(access)
                                     or access.can_view_org(statement.organisation_id)):
            raise NotFound(_("Statement not found."))
        if not can_bill(access):
            raise PermissionDenied(_("Only factory operators issue credit notes."))
        lines = {ln.pk: ln for ln in statement.lines.filter(pk__in=list(wanted)).annotate(
            credited=Sum("credits__amount_cents"))}
        for line_id, cents in wanted.items():
            line = lines.get(line_id)
            if line is None:
                raise DomainError(_("Line %(line)s is not a line of this statement.")
                                  % {"line": line_id}, field="lines")
            left = line.amount_cents - int(line.credited or 0)
            if cents > left:
                raise Conflict(_("Line %(line)s has %(left)s cents left to credit, not "
                                 "%(cents)s.") % {"line": line_id, "left": left, "cents": cents})
        count = statement.credit_notes.count()
        note = CreditNote.objects.create(
            statement=statement, number=f"{statement.number}-CN{count + 1}", reason=reason,
            total_cents=sum(wanted.values()), issued_at=now or timezone.now(),
            issued_by_id=_user_id(actor))
        CreditNoteLine.objects.bulk_create([
            CreditNoteLine(credit_note=note, line_id=line_id, amount_cents=cents)
            for line_id, cents in wanted.items()])
        audit_record(actor=actor, action="credit_note.issued", target=f"credit_note:{note.pk}",
                     organisation_id=statement.organisation_id,
                     detail={"number": note.number, "statement": statement.number,
                             "total_cents": note.total_cents, "reason": reason[:200]})
    return note
