"""Monthly statements: lines from the ledger, exact amounts, adjustments, immutability, credit
notes, tenancy."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.errors import Conflict, DomainError, NotFound, PermissionDenied
from laif.accounts.models import AuditEntry
from laif.billing import selectors as sel
from laif.billing import services as statements
from laif.billing.models import BilledEntry, Statement, StatementImmutable, StatementLine
from tests.api_support import client_as
from tests.compute.billing_support import NOW, entry, issue
from tests.factories import World, staff

JUNE, JULY, AUGUST = date(2026, 6, 1), date(2026, 7, 1), date(2026, 8, 1)


def test_draft_lines_per_project_member_partition_resource(world: World) -> None:
    p, lead = world.project, world.project_lead
    entry(p, lead, JULY, gpu_s=3600, cpu_s=7200, energy_j=1000)
    entry(p, lead, JULY, gpu_s=1800, cpu_s=0, energy_j=None)
    entry(p, world.member, JULY, gpu_s=0, cpu_s=3600, partition="gpu-dev")
    entry(world.other_project, None, JULY, gpu_s=99_999)  # another organisation
    draft = sel.statement_draft(access=access_for(world.org_admin), actor=None,
                                organisation_id=world.org.pk, month=JULY)
    got = {(ln.user_label, ln.partition, ln.resource): (ln.seconds, ln.unit_price_eur,
                                                        ln.amount_cents, ln.energy_j)
           for ln in draft.lines}
    assert got == {
        ("lead@acme.lu", "gpu", "gpu"): (5400, Decimal("2.20"), 330, 1000),
        ("lead@acme.lu", "gpu", "cpu"): (7200, Decimal("0.02"), 4, None),
        ("member@acme.lu", "gpu-dev", "cpu"): (3600, Decimal("0.02"), 2, None),
    }
    assert draft.total_cents == 336
    assert draft.adjustment_cents == 0
    assert draft.energy_j == 1000
    assert draft.energy_unreported == 2
    assert draft.entries_count == 3
    assert draft.price_assumption


def test_rounding_once_per_line_not_per_record(world: World) -> None:
    for _ in range(100):
        entry(world.project, world.member, JULY, gpu_s=1)  # 0.06 cent each
    draft = sel.draft_compute(world.org, JULY)
    assert [ln.amount_cents for ln in draft.lines] == [6]  # 100 s x 2.20/h = 6.1 cents


def test_issue_bills_each_entry_once_and_is_traceable(world: World) -> None:
    entries = [entry(world.project, world.member, JULY, gpu_s=3600, cpu_s=3600)
               for _ in range(3)]
    statement = issue(world.operator, world.project, JULY)
    assert statement.number == f"LAIF-202607-{world.org.pk:06d}"
    assert statement.total_cents == 3 * 220 + 6
    assert statement.entries_count == 3
    assert BilledEntry.objects.filter(statement=statement).count() == 3
    gpu_line = statement.lines.get(resource="gpu")
    traced = sel.line_entries(access=access_for(world.org_admin), actor=None,
                              statement_id=statement.pk, line_id=gpu_line.pk)
    assert sorted(e.pk for e in traced) == sorted(e.pk for e in entries)
    assert AuditEntry.objects.filter(action="statement.issued",
                                     target=f"statement:{statement.pk}").count() == 1
    with pytest.raises(Conflict, match="already issued"):
        issue(world.operator, world.project, JULY)
    # nothing left to bill for July: a later draft of July is the issued one, no new lines
    assert sel.draft_compute(world.org, JULY).lines == []


def test_late_usage_is_an_adjustment_on_the_next_statement(world: World) -> None:
    entry(world.project, world.member, JUNE, gpu_s=3600)
    june = issue(world.operator, world.project, JUNE)
    assert june.total_cents == 250  # June: 2.50 per GPU-hour
    entry(world.project, world.member, JUNE, gpu_s=7200)  # arrives after June was issued
    entry(world.project, world.member, JULY, gpu_s=3600)
    entry(world.project, world.member, AUGUST, gpu_s=3600)  # not on July's statement
    july = issue(world.operator, world.project, JULY)
    lines = list(july.lines.order_by("is_adjustment"))
    assert [(ln.is_adjustment, ln.usage_month, ln.unit_price_eur, ln.amount_cents)
            for ln in lines] == [(False, JULY, Decimal("2.2000"), 220),
                                 (True, JUNE, Decimal("2.5000"), 500)]
    assert (july.usage_cents, july.adjustment_cents, july.total_cents) == (220, 500, 720)
    june.refresh_from_db()
    assert june.total_cents == 250  # the issued statement never changes


def test_an_unissued_earlier_month_waits_for_its_own_statement(world: World) -> None:
    entry(world.project, world.member, JUNE, gpu_s=3600)
    entry(world.project, world.member, JULY, gpu_s=3600)
    july = issue(world.operator, world.project, JULY)
    assert july.adjustment_cents == 0
    assert issue(world.operator, world.project, JUNE).total_cents == 250


def test_issued_statements_are_immutable(world: World) -> None:
    entry(world.project, world.member, JULY, gpu_s=3600)
    statement = issue(world.operator, world.project, JULY)
    with pytest.raises(StatementImmutable):
        statements.statement_immutable(statement)
    statement.total_cents = 0
    with pytest.raises(StatementImmutable):
        statement.save()
    line = statement.lines.get()
    line.amount_cents = 1
    with pytest.raises(StatementImmutable):
        line.save()
    assert Statement.objects.get(pk=statement.pk).total_cents == 220
    assert StatementLine.objects.get(pk=line.pk).amount_cents == 220


def test_only_finished_months_and_only_operators(world: World) -> None:
    with pytest.raises(Conflict, match="not over"):
        issue(world.operator, world.project, date(2026, 9, 1))
    with pytest.raises(PermissionDenied):
        issue(world.org_admin, world.project, JULY)
    with pytest.raises(NotFound):
        issue(world.other_member, world.project, JULY)
    with pytest.raises(NotFound):
        issue(staff("trainer"), world.project, JULY)
    with pytest.raises(DomainError):
        sel.parse_month("2026-13")


def test_no_price_for_the_partition_is_a_clear_conflict(world: World) -> None:
    entry(world.project, world.member, JULY, gpu_s=3600, partition="debug")
    with pytest.raises(Conflict, match="No price"):
        issue(world.operator, world.project, JULY)
    assert not Statement.objects.exists()


def test_credit_notes(world: World) -> None:
    entry(world.project, world.member, JULY, gpu_s=36_000)
    statement = issue(world.operator, world.project, JULY)
    line = statement.lines.get()
    operator = access_for(world.operator)
    note = statements.credit_note_issue(access=operator, actor=Actor.of(world.operator),
                                        statement_id=statement.pk, reason="Node failure",
                                        credits=[(line.pk, 1000)], now=NOW)
    assert note.number == f"{statement.number}-CN1"
    assert note.total_cents == 1000
    assert sel.credited_cents(statement) == 1000
    with pytest.raises(Conflict, match="1200 cents left"):
        statements.credit_note_issue(access=operator, actor=Actor.of(world.operator),
                                     statement_id=statement.pk, reason="again",
                                     credits=[(line.pk, 1201)])
    with pytest.raises(PermissionDenied):
        statements.credit_note_issue(access=access_for(world.org_admin),
                                     actor=Actor.of(world.org_admin), statement_id=statement.pk,
                                     reason="x", credits=[(line.pk, 1)])
    with pytest.raises(NotFound):
        statements.credit_note_issue(access=access_for(world.other_member),
                                     actor=Actor.of(world.other_member),
                                     statement_id=statement.pk, reason="x",
                                     credits=[(line.pk, 1)])
    assert AuditEntry.objects.filter(action="credit_note.issued").count() == 1
    statement.refresh_from_db()
    assert statement.total_cents == 2200  # the statement itself is untouched


def test_statements_are_read_by_admins_and_client_staff_only(world: World) -> None:
    entry(world.project, world.member, JULY, gpu_s=3600)
    statement = issue(world.operator, world.project, JULY)
    for user in (world.org_admin, world.auditor):
        assert sel.statement_get(access=access_for(user), actor=Actor.of(user),
                                 statement_id=statement.pk) == statement
    for user in (world.member, world.project_lead):  # they see their projects' usage instead
        with pytest.raises(PermissionDenied, match="Only your organisation's admins"):
            sel.statement_get(access=access_for(user), actor=None, statement_id=statement.pk)
    for user in (world.other_member, world.trainer):
        with pytest.raises(NotFound):
            sel.statement_get(access=access_for(user), actor=None, statement_id=statement.pk)
    assert AuditEntry.objects.filter(action="data.accessed",
                                     target=f"statement:{statement.pk}").count() == 1


def test_a_member_is_pointed_to_the_usage_page_not_the_statements(world: World) -> None:
    entry(world.project, world.member, JULY, gpu_s=3600)
    statement = issue(world.operator, world.project, JULY)
    lead = client_as(world.project_lead)
    org_page = lead.get(f"/organisations/{world.org.pk}/").content.decode()
    assert 'id="statements-link"' not in org_page
    refused = lead.get(f"/statements/{statement.pk}/")
    assert refused.status_code == 403
    assert "usage is on each project" in refused.content.decode()
    assert lead.get(f"/projects/{world.project.pk}/usage/").status_code == 200
    admin_page = client_as(world.org_admin).get(f"/organisations/{world.org.pk}/").content
    assert b'id="statements-link"' in admin_page
