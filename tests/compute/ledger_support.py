"""Helpers of the usage ledger tests: the real sacct fixtures, a project named after their Slurm
account, cluster identities of their users, and ledger totals."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from django.db.models import Count, Sum

from laif.accounts.models import ClusterIdentity, Project, User
from laif.allocations.models import Allocation
from laif.cluster.models import SlurmAccount
from laif.usage import totals as ledger_totals
from laif.usage.models import UsageEntry, UsageRecord, UsageTotal
from tests.factories import World

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "slurm"
ALL_SACCT = ["sacct_completed.json", "sacct_array.json", "sacct_requeued.json",
             "sacct_typed_gpu.json", "sacct_states.json"]


def raw(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def doc(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(raw(name))
    return loaded


def dump(document: dict[str, Any]) -> bytes:
    return json.dumps(document, indent=2).encode()


def combined(*names: str) -> bytes:
    """One sacct document with the jobs of several fixture files (sacct's layout)."""
    first = doc(names[0])
    first["jobs"] = [job for name in names for job in doc(name)["jobs"]]
    return dump(first)


def epoch(year: int, month: int, day: int, hour: int = 0, minute: int = 0,
          second: int = 0) -> int:
    return int(datetime(year, month, day, hour, minute, second, tzinfo=UTC).timestamp())


def moved(name: str, index: int = 0, **times: int) -> dict[str, Any]:
    """A fixture job with other times (``submission``, ``start``, ``end``, ``elapsed``)."""
    job: dict[str, Any] = copy.deepcopy(doc(name)["jobs"][index])
    job["time"].update(times)
    return job


def with_jobs(jobs: list[dict[str, Any]]) -> bytes:
    document = doc("sacct_completed.json")
    document["jobs"] = jobs
    return dump(document)


def slurm_project(project: Project, account: str = "laiftest") -> Project:
    """The project whose Slurm account is ``account``, named by the bare code as accounts were
    before the prefix (recorded as its account, adopted)."""
    Project.objects.filter(pk=project.pk).update(code=account.upper())
    SlurmAccount.objects.update_or_create(project=project, defaults={"name": account})
    project.refresh_from_db()
    return project


def identity(user: User, username: str, uid: int) -> ClusterIdentity:
    """The person's cluster identity, renamed to a user of the fixtures."""
    found, _ = ClusterIdentity.objects.update_or_create(
        user=user, defaults={"username": username, "uid": uid})
    return found


def as_fixture_team(world: World) -> World:
    """The world's project is the fixtures' ``laiftest`` account; laif_u1 (the member) and
    laif_u2 (the lead) are its two people."""
    slurm_project(world.project)
    identity(world.member, "laif_u1", 300_001)
    identity(world.project_lead, "laif_u2", 300_002)
    return world


def cover(allocation: Allocation, start: date, end: date) -> Allocation:
    Allocation.objects.filter(pk=allocation.pk).update(start=start, end=end)
    allocation.refresh_from_db()
    return allocation


def wipe_ledger() -> None:
    """Empty the ledger (tests only: the platform never deletes entries) and its totals."""
    UsageEntry.objects.all().delete()
    UsageRecord.objects.all().delete()
    UsageTotal.objects.all().delete()


def totals() -> dict[str, Any]:
    """Counts and sums of the whole ledger (records, entries and running totals must agree)."""
    records = UsageRecord.objects.aggregate(n=Count("id"), gpu=Sum("gpu_seconds"),
                                            cpu=Sum("cpu_seconds"), elapsed=Sum("elapsed_s"))
    entries = UsageEntry.objects.aggregate(n=Count("id"), gpu=Sum("gpu_seconds"),
                                           cpu=Sum("cpu_seconds"), elapsed=Sum("elapsed_s"))
    assert (records["gpu"], records["cpu"], records["elapsed"]) == \
        (entries["gpu"], entries["cpu"], entries["elapsed"])
    assert ledger_totals.totals_differences() == []  # the running totals follow the entries
    return {"records": records["n"], "entries": entries["n"], "gpu_s": records["gpu"] or 0,
            "cpu_s": records["cpu"] or 0}
