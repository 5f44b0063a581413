"""The demo's compute data: what a visitor of ``./dev run`` sees on the usage and statement
pages comes from the real services, equals ``sacct``, and a second load changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl
import pytest
from django.utils import timezone

from laif.accounts import demo as accounts_demo
from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.demo import OPERATOR
from laif.accounts.models import Project, SmeDeclaration, User
from laif.allocations.models import Allocation
from laif.assess.models import Assessment, UseCase
from laif.billing.demo import billing_demo_load
from laif.billing.models import Statement
from laif.cluster.selectors import slurm_account_name
from laif.compute.demo import CLUSTER, demo_sacct_json
from laif.connect.models import Introduction
from laif.entry import selectors as entry_selectors
from laif.fund import services as fund_services
from laif.fund.models import AidRecord
from laif.govern.models import DriftBatch, MonitoringEvent, Obligation
from laif.govern.selectors import systems_of
from laif.network.models import Referral
from laif.registry.models import DeploymentEvent, RegisteredModel
from laif.train.models import Certificate, Enrolment, TrainingSession
from laif.usage import sacct
from laif.usage import selectors as ledger_selectors
from laif.usage.budget import minutes_of
from laif.usage.models import UsageEntry, UsageRecord

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


@pytest.fixture
def loaded() -> tuple[Project, User]:
    accounts_demo.demo_load()
    billing_demo_load(now=NOW)
    project = Project.objects.get(name=accounts_demo.DEMO_PROJECT)
    return project, User.objects.get(email=accounts_demo.ORG_ADMIN)


def test_the_demo_project_has_an_allocation_usage_and_last_months_statement(
        loaded: tuple[Project, User]) -> None:
    project, admin = loaded
    allocation = Allocation.objects.get(project=project)
    assert allocation.start == date(2026, 10, 1)
    usage = ledger_selectors.project_usage(access=access_for(admin), actor=Actor.of(admin),
                                           project_id=project.pk)
    months = {month: u.gpu_seconds for month, u in usage.by_month}
    assert set(months) == {date(2026, 10, 1), date(2026, 11, 1)}
    assert all(seconds > 0 for seconds in months.values())
    assert len(usage.by_member) == 2  # the lead and the member, resolved from their usernames
    assert usage.total.energy_j is not None
    assert usage.total.energy_unreported > 0
    [balance] = usage.balances
    # every run was charged to the allocation, none still reserved: rounded up to the minute once
    assert balance.figures.used == minutes_of(usage.total.gpu_seconds)
    assert balance.figures.reserved == 0
    statement = Statement.objects.get(organisation_id=project.organisation_id,
                                      month=date(2026, 10, 1))
    assert statement.total_cents > 0
    assert statement.entries_count == UsageEntry.objects.filter(month=date(2026, 10, 1)).count()


def test_the_ledger_equals_the_replayed_sacct_output(loaded: tuple[Project, User]) -> None:
    project, _ = loaded
    usernames = sorted(UsageRecord.objects.values_list("username", flat=True).distinct())
    data = demo_sacct_json(account=slurm_account_name(project), users=usernames,
                           start=datetime(2026, 9, 30, 22, tzinfo=UTC),
                           end=datetime(2026, 11, 24, 8, 30, tzinfo=UTC))
    runs = sacct.finished_only(sacct.parse_sacct_json(data))
    assert UsageRecord.objects.count() == runs.height
    assert sum(UsageEntry.objects.values_list("gpu_seconds", flat=True)) == \
        runs["gpu_seconds"].sum()
    arrays = runs.filter(pl.col("array_job_id").is_not_null())
    assert arrays.height == 4
    requeued = runs.group_by("job_id").len().filter(pl.col("len") == 2)
    assert requeued.height == 1
    spanning = UsageRecord.objects.filter(cluster=CLUSTER, entries__month=date(2026, 11, 1)) \
        .filter(start_time__lt=datetime(2026, 10, 31, 23, tzinfo=UTC))
    assert spanning.count() == 1
    assert spanning.get().entries.count() == 2


def test_a_second_load_changes_nothing(loaded: tuple[Project, User]) -> None:
    before = (UsageRecord.objects.count(), UsageEntry.objects.count(),
              Statement.objects.count(), Allocation.objects.count())
    again = billing_demo_load(now=NOW)
    assert again.usage.records_new == 0
    assert (UsageRecord.objects.count(), UsageEntry.objects.count(),
            Statement.objects.count(), Allocation.objects.count()) == before


def test_the_demo_admin_can_claim_the_cashback_of_the_statement(
        loaded: tuple[Project, User]) -> None:
    project, admin = loaded
    statement = Statement.objects.get(organisation_id=project.organisation_id)
    claim = fund_services.cashback_claim_compute(
        access=access_for(admin), actor=Actor.of(admin), statement_id=statement.pk, now=NOW)
    assert claim.amount_cents == claim.eligible_cents * 80 // 100 or claim.limited_by != "rate"
    assert 0 < claim.amount_cents < statement.total_cents


def test_laif_demo_prints_the_logins_and_last_months_statement() -> None:
    from typer.testing import CliRunner

    from laif.cli import main as cli

    result = CliRunner().invoke(cli.app, ["demo"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "admin@acme.lu" in result.output
    assert "statement of last month: LAIF-" in result.output
    sessions = TrainingSession.objects.count()
    again = CliRunner().invoke(cli.app, ["demo"], env={"COLUMNS": "200"})
    assert "demo usage: 0 new records" in again.output
    # the company's SME status is verified (two years), it declared aid received elsewhere, and
    # the start-up's declaration waits for the operator: once each, however often it is loaded
    acme = Project.objects.get(name=accounts_demo.DEMO_PROJECT).organisation
    assert [d.state for d in acme.sme_declarations.all()] == ["verified", "verified"]
    assert AidRecord.objects.filter(organisation=acme, legal_basis="de_minimis").count() == 1
    assert SmeDeclaration.objects.filter(state="submitted").count() == 1
    # three requests in the staff inbox, one past its target, once however often it is loaded
    inbox = entry_selectors.inbox(access=access_for(User.objects.get(email=OPERATOR)))
    assert len(inbox) == 3
    assert sum(entry_selectors.overdue(i) for i in inbox) == 1
    # two maturity checks half a year apart: the page shows the progress
    assert [a.level for a in Assessment.objects.filter(organisation=acme)] == [2, 3]
    assert [u.roi_percent for u in UseCase.objects.filter(roadmap__organisation=acme)] == [15]
    # two AI systems in the AI Act register: one minimal-risk, one high-risk with an
    # obligation under way
    admin = access_for(User.objects.get(email=accounts_demo.ORG_ADMIN))
    assert sorted((s.name, s.category) for s in systems_of(access=admin,
                                                          organisation_id=acme.pk)) == [("CV screening assistant", "high_risk"), ("Surface defect detection", "minimal_risk")]
    assert Obligation.objects.filter(system__organisation=acme, status="in_progress").count() == 1
    # the vision system's inputs are watched: October as expected, November drifted
    assert list(DriftBatch.objects.filter(monitor__system__organisation=acme)
                .values_list("source", "drifted")) == [("2026-10.parquet", False),
                                                       ("2026-11.parquet", True)]
    assert MonitoringEvent.objects.filter(system__organisation=acme).count() == 1
    # its model: version 1 the champion, version 2 the challenger, rolled back in production
    model = RegisteredModel.objects.get(project__organisation=acme)
    ledger = DeploymentEvent.objects.filter(model=model).order_by("seq")
    assert [(e.kind, e.environment, e.version.number if e.version else None)
            for e in ledger] == [("deployed", "production", 1), ("deployed", "staging", 2),
                                 ("deployed", "production", 2), ("rollback", "production", 1)]
    assert {a.name: a.version.number for a in model.aliases.all()} == {
        "champion": 1, "challenger": 2}
    # training: the year's sessions held with certificates; Acme's admin waits for the full GPU
    # course; Connect: one introduction accepted, one waiting; the network: one referral each way
    assert TrainingSession.objects.filter(ends_at__lt=timezone.now()).exists()
    assert Certificate.objects.filter(enrolment__person__email="lead@acme.lu").exists()
    assert Enrolment.objects.get(person__email=accounts_demo.ORG_ADMIN,
                                 session__course__key="gpu-optimisation",
                                 session__ends_at__gt=timezone.now()).status == "waitlisted"
    assert sorted(Introduction.objects.values_list("status", flat=True)) == ["accepted",
                                                                            "requested"]
    assert sorted(Referral.objects.values_list("direction", "status")) == [
        ("incoming", "accepted"), ("outgoing", "sent")]
    assert TrainingSession.objects.count() == sessions  # loaded once however often it runs
