"""The platform's Slurm accounts are its own (docs/adr/0011), with the fake scheduler: a project
named after an existing account cannot take it over, an account with the platform's name but not
its tag is refused and left as it is, accounts of before the prefix are adopted only with the old
tag, jobs go only to checked accounts, and accounting is read only for the platform's accounts,
from the platform's start."""

from __future__ import annotations

import importlib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Min
from django.utils import timezone

from laif.accounts.models import AuditEntry, Project
from laif.allocations.models import Allocation
from laif.cluster.models import SlurmAccount
from laif.cluster.scheduler import base
from laif.cluster.scheduler.fake import UNTAGGED, FakeAccount, FakeScheduler
from laif.cluster.scheduler.names import accounting_chunks, legacy_tag, platform_tag
from laif.cluster.scheduler.slurm import SlurmScheduler
from laif.cluster.selectors import platform_accounts, slurm_account_name, use_scheduler
from laif.cluster.services import installation_key
from laif.jobs.accounts_sync import slurm_account_sync
from laif.jobs.models import JobState
from laif.usage import services as ledger
from laif.usage.models import IngestCheckpoint, IngestRun, UsageRecord
from tests.compute.jobs_support import fake, grant, submit_job
from tests.compute.ledger_support import combined, slurm_project
from tests.compute.support import TODAY
from tests.factories import World, create_project

pytestmark = pytest.mark.django_db
__all__ = ["fake"]


def _refusals() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="compute.scheduler_account_refused"))


def test_a_project_named_after_an_existing_account_does_not_take_it(world: World) -> None:
    sched = FakeScheduler()
    sched.accounts["root"] = FakeAccount(999, users={"root", "operator"})  # the machine's own
    project = create_project(world.org, "root", lead=world.project_lead)
    assert project.code == "root"
    grant(project, world.project_lead, 100)
    result = slurm_account_sync(project_id=project.pk, today=TODAY, scheduler=sched)
    assert result.account == slurm_account_name(project) == "laif_root"
    assert not result.refused
    root = sched.accounts["root"]
    assert (root.gpu_minutes_limit, root.users) == (999, {"root", "operator"})  # untouched
    mine = sched.accounts["laif_root"]
    assert mine.gpu_minutes_limit == 6000
    assert mine.users == {world.project_lead.cluster_identity.username}


def test_after_sync_the_account_carries_this_installations_tag(world: World) -> None:
    sched = FakeScheduler()
    grant(world.project, world.project_lead, 10)
    result = slurm_account_sync(project_id=world.project.pk, today=TODAY, scheduler=sched)
    tag = sched.accounts[result.account].tag
    assert tag == base.AccountTag("laif", f"laif project {world.project.code} {installation_key()}")
    assert SlurmAccount.objects.get(project=world.project).name == result.account


@pytest.mark.parametrize("tag", [
    UNTAGGED,  # made by hand, without a tag
    platform_tag("quality-control-line", "0ther1n5"),  # another installation's, same code
    legacy_tag("quality-control-line"),  # the old tag, but under the prefixed name: not ours
])
def test_an_account_with_the_platforms_name_but_not_its_tag_is_refused(
        world: World, tag: base.AccountTag) -> None:
    sched = FakeScheduler()
    name = slurm_account_name(world.project)
    sched.accounts[name] = FakeAccount(42, users={"someone"}, used=7, tag=tag)
    grant(world.project, world.project_lead, 100)
    result = slurm_account_sync(project_id=world.project.pk, today=TODAY, scheduler=sched)
    found = sched.accounts[name]
    assert (found.gpu_minutes_limit, found.users, found.used, found.tag) == (
        42, {"someone"}, 7, tag)  # nothing changed
    assert "is not this platform's" in result.refused
    assert not result.changed
    assert [c for c in sched.calls if c not in ("account_tag", "usage", "ensure_account")] == []
    [entry] = _refusals()
    assert entry.detail["account"] == name
    assert entry.detail["description"] == tag.description
    assert not SlurmAccount.objects.filter(project=world.project).exists()
    assert name not in platform_accounts()  # its accounting is not read either


def test_no_job_goes_to_an_account_that_is_not_the_platforms(world: World,
                                                             fake: FakeScheduler) -> None:
    grant(world.project, world.project_lead, 100)
    lead = world.project_lead.cluster_identity.username
    fake.accounts[slurm_account_name(world.project)] = FakeAccount(10**6, users={lead})
    job = submit_job(world.project, world.project_lead)
    assert job.state == JobState.REFUSED
    assert "was not made by this platform" in job.reason
    assert fake.submitted == []


def test_a_legacy_account_with_the_old_tag_is_adopted(world: World) -> None:
    sched = FakeScheduler()
    code = world.project.code
    SlurmAccount.objects.create(project=world.project, name=code, legacy=True)
    sched.accounts[code] = FakeAccount(60, users={"olduser"}, used=30, tag=legacy_tag(code))
    grant(world.project, world.project_lead, 100)
    result = slurm_account_sync(project_id=world.project.pk, today=TODAY, scheduler=sched)
    assert (result.account, result.refused) == (code, "")
    adopted = sched.accounts[code]
    assert adopted.tag == platform_tag(code, installation_key())
    # the same account: its usage stays, and the limit adds the grant to it (ADR 0017)
    assert (adopted.gpu_minutes_limit, adopted.used) == (6000 + 30, 30)
    assert result.removed == ["olduser"]
    assert not SlurmAccount.objects.get(project=world.project).legacy
    assert AuditEntry.objects.filter(action="compute.scheduler_account_adopted").count() == 1


def test_a_legacy_row_on_someone_elses_account_gives_the_project_its_own(world: World) -> None:
    sched = FakeScheduler()
    project = create_project(world.org, "root", lead=world.project_lead)
    SlurmAccount.objects.create(project=project, name="root", legacy=True)
    sched.accounts["root"] = FakeAccount(999, users={"root", "operator"})
    grant(project, world.project_lead, 100)
    result = slurm_account_sync(project_id=project.pk, today=TODAY, scheduler=sched)
    assert (result.account, result.refused) == ("laif_root", "")
    assert (sched.accounts["root"].gpu_minutes_limit, sched.accounts["root"].users) == (
        999, {"root", "operator"})
    assert SlurmAccount.objects.get(project=project).name == "laif_root"
    [entry] = _refusals()
    assert (entry.detail["account"], entry.detail["legacy"]) == ("root", True)
    # a legacy row whose account does not exist: the prefixed name, nothing audited
    SlurmAccount.objects.create(project=world.project, name=world.project.code, legacy=True)
    again = slurm_account_sync(project_id=world.project.pk, today=TODAY, scheduler=sched)
    assert again.account == f"laif_{world.project.code}"
    assert len(_refusals()) == 1


def test_the_migration_records_existing_projects_as_legacy(world: World) -> None:
    folder = Path(__file__).resolve().parents[2] / "src/laif/compute/migrations"
    [path] = folder.glob("*slurm_accounts*.py")
    migration = importlib.import_module(f"laif.compute.migrations.{path.stem}")
    Project.objects.filter(pk=world.other_project.pk).update(code="Bad,Code")
    # the models as that migration saw them (SlurmAccount was compute's then, ADR 0020)
    state = MigrationExecutor(connection).loader.project_state(("compute", path.stem))
    migration.record_legacy_accounts(state.apps, None)
    rows = dict(SlurmAccount.objects.values_list("project__code", "name"))
    assert rows == {world.project.code: world.project.code}  # a code no account can have: none
    assert SlurmAccount.objects.get().legacy


def test_the_command_settles_every_project(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    sched = FakeScheduler()
    grant(world.project, world.project_lead, 100)
    grant(world.other_project, world.other_project.memberships.get().user, 100)
    sched.accounts[slurm_account_name(world.other_project)] = FakeAccount(1)
    with use_scheduler(sched), pytest.raises(CommandError, match="1 account"):
        call_command("slurm_accounts_sync")
    out = capsys.readouterr().out
    assert f"{world.project.code}: laif_{world.project.code} changed" in out
    assert f"{world.other_project.code}: refused: " in out


# ------------------------------------------------------------------------------- accounting


def test_periodic_ingestion_reads_only_the_platforms_accounts(world: World) -> None:
    slurm_project(world.project)  # laiftest, the fixtures' account
    sched = FakeScheduler()
    sched.accounting_data = combined("sacct_completed.json", "sacct_states.json")
    ledger.usage_ingest_window(scheduler=sched, start=datetime(2026, 11, 1, tzinfo=UTC),
                               end=datetime(2026, 11, 24, tzinfo=UTC))
    # job 12 ran on laifbudget, an account of the machine that is not the platform's
    assert set(UsageRecord.objects.values_list("account", flat=True)) == {"laiftest"}
    assert not UsageRecord.objects.filter(job_id=12).exists()
    assert sched.accounting_accounts == (("laiftest",),)


def test_accounts_of_ended_projects_are_still_read_in_bounded_lists(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    ended = grant(world.project, world.project_lead, 10)
    Allocation.objects.filter(pk=ended.pk).update(start=date(2025, 1, 1), end=date(2025, 6, 30))
    slurm_account_sync(project_id=world.project.pk, scheduler=FakeScheduler())
    for k in range(30):
        project = create_project(world.org, f"p{k}", lead=world.project_lead)
        SlurmAccount.objects.create(project=project, name=f"laif_p{k:02d}")
    monkeypatch.setattr(ledger, "accounting_chunks",
                        lambda names: accounting_chunks(names, max_chars=100))
    sched = FakeScheduler()
    ledger.usage_ingest_window(scheduler=sched, end=timezone.now())
    read = [a for chunk in sched.accounting_accounts for a in chunk]
    assert sorted(read) == platform_accounts()
    assert slurm_account_name(world.project) in read  # its allocation ended in 2025
    assert len(sched.accounting_accounts) >= 3
    assert all(len(",".join(chunk)) <= 100 for chunk in sched.accounting_accounts)


def test_the_first_ingestion_starts_at_the_platforms_start(world: World) -> None:
    sched = FakeScheduler()
    end = timezone.now()
    ledger.usage_ingest_window(scheduler=sched, end=end)
    first = Project.objects.aggregate(first=Min("created_at"))["first"]
    assert IngestRun.objects.get().window_start == first
    assert first > end - timedelta(hours=1)  # the projects of this test: not 2000-01-01
    # an allocation that started before any project was created moves it back
    allocation = grant(world.project, world.project_lead, 10)
    Allocation.objects.filter(pk=allocation.pk).update(start=date(2026, 1, 5))
    IngestCheckpoint.objects.all().delete()
    IngestRun.objects.all().delete()
    ledger.usage_ingest_window(scheduler=sched, end=end)
    assert IngestRun.objects.get().window_start == datetime(2026, 1, 4, 23, tzinfo=UTC)


def test_without_an_account_slurm_is_not_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")  # sacct would be "not installed"
    now = datetime.now(UTC)
    assert SlurmScheduler().accounting_json(now, now, []) == base.EMPTY_ACCOUNTING


def test_a_code_no_account_can_have_is_refused_not_crashed(world: World,
                                                          fake: FakeScheduler) -> None:
    grant(world.project, world.project_lead, 100)
    Project.objects.filter(pk=world.project.pk).update(code="a,root")
    job = submit_job(world.project, world.project_lead)
    assert job.state == JobState.REFUSED
    assert "cannot name a Slurm account" in job.reason
    assert fake.accounts == {}
    assert fake.submitted == []
