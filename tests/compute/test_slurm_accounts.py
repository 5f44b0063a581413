"""The platform's Slurm accounts are its own, on the real test cluster (docs/adr/0011): a project
whose code is the name of an account of the machine cannot change that account's limit or users;
an untagged account with the platform's own name is refused; the platform's account carries its
tag (and an account of before the prefix with the old tag is adopted); a job run on another
account by the same person is not in the ledger; the first ingestion starts at the platform's
start."""

from __future__ import annotations

import json
import os
import random
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db.models import Min

from laif.accounts.models import AuditEntry, ClusterIdentity, Project, User
from laif.allocations.models import Allocation
from laif.cluster.models import SlurmAccount
from laif.cluster.scheduler import base
from laif.cluster.services import installation_key
from laif.jobs.accounts_sync import slurm_account_name, slurm_account_sync
from laif.usage import services as ledger
from laif.usage.models import IngestRun, UsageRecord
from tests.compute.support import TODAY
from tests.compute.test_slurm_scheduler import _spec, _until_finished, jobs_root, team
from tests.slurm_support import CLUSTER, drop_account, slurm, slurm_scheduler

pytestmark = [pytest.mark.slurm, pytest.mark.django_db]
__all__ = ["jobs_root", "team"]


@pytest.fixture
def foreign() -> Iterator[str]:
    """An account of the machine that is not the platform's: made by hand (no tag), with a user
    association and a GPU-minute limit of its own; removed afterwards."""
    name = f"ext{random.randint(0, 10**9)}"
    slurm("sacctmgr", "-i", "add", "account", name)
    slurm("sacctmgr", "-i", "add", "user", "laif_u1", f"Account={name}")
    slurm("sacctmgr", "-i", "modify", "account", name, "set", "GrpTRESMins=gres/gpu=77")
    try:
        yield name
    finally:
        _drop(name)


def _drop(account: str) -> None:
    """``drop_account``, again while slurmctld still holds a job that just ended there."""
    for _ in range(20):
        drop_account(account)
        if not slurm("sacctmgr", "-n", "-P", "show", "account", "where", f"name={account}",
                     "format=Account").strip():
            return
        time.sleep(1)
    pytest.fail(f"could not remove the test account {account}")


def _assoc(account: str) -> dict[str, str]:
    """User -> GrpTRESMins of the account's associations ("" is the account's own)."""
    out = slurm("sacctmgr", "-n", "-P", "show", "assoc", "where", f"account={account}",
                "format=Account,User,GrpTRESMins")
    return {line.split("|")[1]: line.split("|")[2] for line in out.splitlines()
            if line.split("|")[0] == account}


def _tag(account: str) -> tuple[str, str]:
    out = slurm("sacctmgr", "-n", "-P", "show", "account", "where", f"name={account}",
                "format=Organization,Description")
    organization, _, description = out.strip().partition("|")
    return organization, description


def test_a_project_named_after_an_account_of_the_machine_cannot_change_it(
        team: tuple[Project, User, User], foreign: str) -> None:
    project, _lead, _member = team
    Project.objects.filter(pk=project.pk).update(code=foreign)
    project.refresh_from_db()
    before = _assoc(foreign)
    assert before == {"": "gres/gpu=77", "laif_u1": ""}
    try:
        result = slurm_account_sync(project_id=project.pk, today=TODAY,
                                    scheduler=slurm_scheduler(30))
        assert _assoc(foreign) == before  # its limit and its users, as they were
        assert result.account == slurm_account_name(project) == f"laif_{foreign}"
        assert _assoc(result.account)[""] == "gres/gpu=6000"
    finally:
        _drop(f"laif_{foreign}")


def test_an_untagged_account_with_the_platforms_name_is_refused(
        team: tuple[Project, User, User]) -> None:
    project, _lead, _member = team
    name = slurm_account_name(project)
    slurm("sacctmgr", "-i", "add", "account", name)  # someone made it by hand
    slurm("sacctmgr", "-i", "add", "user", "laif_u2", f"Account={name}")
    slurm("sacctmgr", "-i", "modify", "account", name, "set", "GrpTRESMins=gres/gpu=33")
    before = (_assoc(name), _tag(name))
    result = slurm_account_sync(project_id=project.pk, today=TODAY,
                                scheduler=slurm_scheduler(30))
    assert (_assoc(name), _tag(name)) == before  # no limit, user or tag changed
    assert "is not this platform's" in result.refused
    assert AuditEntry.objects.filter(action="compute.scheduler_account_refused",
                                     target=f"project:{project.pk}").count() == 1


def test_the_platforms_account_carries_its_tag_and_an_old_one_is_adopted(
        team: tuple[Project, User, User]) -> None:
    project, lead, _member = team
    sched = slurm_scheduler(30)
    result = slurm_account_sync(project_id=project.pk, today=TODAY, scheduler=sched)
    assert _tag(result.account) == ("laif", f"laif project {project.code} {installation_key()}")
    drop_account(result.account)
    # an account of before the prefix: named by the bare code, with the old tag
    old = create_old_account(project)
    try:
        adopted = slurm_account_sync(project_id=project.pk, today=TODAY, scheduler=sched)
        assert adopted.account == old
        assert _tag(old) == ("laif", f"laif project {old} {installation_key()}")
        assert _assoc(old)[""] == "gres/gpu=6000"
        assert ClusterIdentity.objects.get(user=lead).username in _assoc(old)
    finally:
        _drop(old)


def create_old_account(project: Project) -> str:
    """The project's account as the platform made it before the prefix, recorded as legacy (as
    the migration does for the projects that existed then)."""
    old = project.code.lower()
    slurm("sacctmgr", "-i", "add", "account", old, f"Description=laif project {old}",
          "Organization=laif")
    SlurmAccount.objects.filter(project=project).delete()
    SlurmAccount.objects.create(project=project, name=old, legacy=True)
    return old


def test_a_job_on_another_account_of_the_same_person_is_not_in_the_ledger(
        team: tuple[Project, User, User], foreign: str, jobs_root: Path) -> None:
    project, lead, _member = team
    sched = slurm_scheduler(30)
    since = datetime.now(UTC) - timedelta(minutes=1)
    account = slurm_account_sync(project_id=project.pk, today=TODAY, scheduler=sched).account
    username = ClusterIdentity.objects.get(user=lead).username
    slurm("sacctmgr", "-i", "add", "user", username, f"Account={foreign}")  # the same person
    ours = sched.submit(_spec(project, lead, jobs_root / "ours", time_limit_minutes=1))
    theirs = sched.submit(_spec(project, lead, jobs_root / "theirs", account=foreign,
                                time_limit_minutes=1))
    for job_id in (ours, theirs):
        assert _until_finished(sched, job_id).state == base.COMPLETED
    deadline = time.monotonic() + 60
    while True:  # slurmdbd records the ends asynchronously: both runs in the window first
        end = datetime.now(UTC) + timedelta(seconds=5)
        done = _window(since, end, account, foreign)
        if {ours, theirs} <= done:
            break
        assert time.monotonic() < deadline, done
        time.sleep(1)
    ledger.usage_ingest_window(scheduler=sched, start=since, end=end)
    ingested = set(UsageRecord.objects.values_list("job_id", "account"))
    assert (int(ours), account) in ingested
    assert not UsageRecord.objects.filter(job_id=int(theirs)).exists()
    assert {a for _j, a in ingested} == {account}


def _window(since: datetime, end: datetime, *accounts: str) -> set[str]:
    """Ids of the runs on ``accounts`` that ended between ``since`` and ``end``, as a window query
    of sacct finds them (slurmdbd answers ``-j`` with a finished job some seconds before it)."""
    fmt = "%Y-%m-%dT%H:%M:%S"
    done = subprocess.run(
        [*CLUSTER.prefix, "sacct", "--json", "-X", "-D", "-a", "-s", "COMPLETED", "-A",
         ",".join(accounts),
         "-S", since.astimezone(UTC).strftime(fmt), "-E", end.astimezone(UTC).strftime(fmt)],
        capture_output=True, text=True, timeout=30, check=True, env={**os.environ, "TZ": "UTC"})
    return {str(job["job_id"]) for job in json.loads(done.stdout)["jobs"]}


def test_the_first_ingestion_starts_at_the_platforms_start(
        team: tuple[Project, User, User]) -> None:
    sched = slurm_scheduler(60)
    slurm_account_sync(project_id=team[0].pk, today=TODAY, scheduler=sched)
    result = ledger.usage_ingest_window(scheduler=sched)
    run = IngestRun.objects.get(pk=result.run_id)
    assert run.state == IngestRun.State.DONE
    created = Project.objects.aggregate(first=Min("created_at"))["first"]
    day = Allocation.objects.aggregate(first=Min("start"))["first"]
    opened = datetime.combine(day, dt_time(), tzinfo=ZoneInfo(settings.TIME_ZONE))
    assert run.window_start == min(created, opened)  # not 2000-01-01: not the machine's history
    assert run.window_start > datetime.now(UTC) - timedelta(days=365)
    assert result.ingested_until == run.window_end
