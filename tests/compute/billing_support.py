"""A small factory of ledger rows for the statement and cashback tests (the ingestion is tested
elsewhere): one finished record and its entry in one month, charged to a project and member."""

from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import count

from django.utils import timezone

from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.models import Project, User
from laif.allocations.models import Allocation
from laif.billing import services as statements
from laif.billing.models import Statement
from laif.fund import services as fund
from laif.usage import totals as ledger_totals
from laif.usage.models import IngestRun, UsageEntry, UsageRecord, UsageSource
from tests.factories import World

_job = count(1000)
NOW = datetime(2026, 9, 15, 12, tzinfo=UTC)  # "today" of these tests: June..August are over


def entry(project: Project, user: User | None, month: date, *, gpu_s: int = 0, cpu_s: int = 0,
          energy_j: int | None = None, partition: str = "gpu",
          allocation: Allocation | None = None, ended: datetime | None = None) -> UsageEntry:
    """A ledger entry of ``month`` (its run ended on the 10th at noon, or ``ended``), charged to
    ``allocation`` when given."""
    run = IngestRun.objects.create(source=UsageSource.LOCAL, cluster="meluxina-ai",
                                   started_at=timezone.now())
    end = ended or datetime(month.year, month.month, 10, 12, tzinfo=UTC)
    record = UsageRecord.objects.create(
        source=UsageSource.LOCAL, cluster="meluxina-ai", job_id=next(_job), submit_time=end,
        username="u", account=project.code.lower(), partition=partition, state="COMPLETED",
        start_time=end, end_time=end, elapsed_s=max(gpu_s, cpu_s), cpus=1, gpus=1,
        cpu_seconds=cpu_s, gpu_seconds=gpu_s, energy_j=energy_j, project=project, user=user,
        run=run)
    made = UsageEntry.objects.create(
        record=record, month=month, project=project, organisation_id=project.organisation_id,
        user=user, partition=partition, elapsed_s=max(gpu_s, cpu_s), cpu_seconds=cpu_s,
        gpu_seconds=gpu_s, energy_j=energy_j, allocation=allocation)
    ledger_totals.totals_add(UsageEntry.objects.filter(pk=made.pk))  # as the ingestion does
    return made


def issue(operator: User, project: Project, month: date) -> Statement:
    statement = statements.statement_issue(
        access=access_for(operator), actor=Actor.of(operator),
        organisation_id=project.organisation_id, month=month, now=NOW)
    assert ledger_totals.totals_differences() == []  # the billed part of the totals follows
    return statement


def billing_ids(w: World) -> dict[str, int]:
    """An issued statement of the world's organisation with a credit note and a computed
    cashback claim: real ids for the fuzzer's path parameters."""
    entry(w.project, w.member, date(2026, 7, 1), gpu_s=36_000, cpu_s=3600)
    statement = issue(w.operator, w.project, date(2026, 7, 1))
    line = statement.lines.order_by("id")[0]
    note = statements.credit_note_issue(access=access_for(w.operator), actor=Actor.of(w.operator),
                                        statement_id=statement.pk, reason="fuzz",
                                        credits=[(line.pk, 1)])
    claim = fund.cashback_claim_compute(access=access_for(w.org_admin),
                                        actor=Actor.of(w.org_admin), statement_id=statement.pk,
                                        now=NOW)
    return {"statement_id": statement.pk, "line_id": line.pk, "credit_note_id": note.pk,
            "claim_id": claim.pk}
