"""Which Slurm test cluster the tests marked `@pytest.mark.slurm` use, whether it is usable, and
running its commands.

`LAIF_TEST_SLURM` chooses the cluster: `22.05` (the default: deploy/slurm/cluster.sh, whose clients
are the host's) or `24.11` (deploy/slurm/cluster-24.11.sh: its clients run inside its chroot,
through the command prefix `chroot $LAIF_SLURM24_DIR/root`, and job directories must lie in its
jobs directory, which is mounted at the same path inside the chroot). Tests are skipped when the
cluster is not usable, or fail when LAIF_REQUIRE_SLURM=1 (CI starts the cluster and must not pass
by skipping them); see tests/conftest.py.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from laif.cluster.scheduler.slurm import SlurmScheduler
from laif.cluster.slurm_json import state_name

REPO = Path(__file__).resolve().parent.parent
USABLE_NODE_STATES = {"idle", "mixed", "allocated", "completing"}


@dataclass(frozen=True)
class TestCluster:
    version: str
    script: Path  # its deploy/slurm script (`up` starts it again)
    prefix: tuple[str, ...]  # before every command run inside the cluster's userland
    pid_dir: Path  # where its daemons write their pid files (seen from the host)
    jobs_dir: Path | None  # where job directories must lie; None: anywhere

    @property
    def start_hint(self) -> str:
        return f"start it with `sudo {self.script.relative_to(REPO)} up` (docs/SLURM-TEST-CLUSTER.md)"


def _cluster() -> TestCluster:
    version = os.environ.get("LAIF_TEST_SLURM") or "22.05"
    if version == "22.05":
        state = Path(os.environ.get("LAIF_SLURM_DIR") or "/var/lib/laif-slurm")
        return TestCluster(version, REPO / "deploy" / "slurm" / "cluster.sh", (), state / "run", None)
    if version == "24.11":
        state = Path(os.environ.get("LAIF_SLURM24_DIR") or "/var/lib/laif-slurm24")
        jobs = Path(os.environ.get("LAIF_SLURM24_JOBS_DIR") or state / "jobs")
        return TestCluster(version, REPO / "deploy" / "slurm" / "cluster-24.11.sh",
                           ("chroot", str(state / "root")), state / "root" / "run" / "slurm", jobs)
    raise RuntimeError(f"LAIF_TEST_SLURM={version!r}: expected 22.05 or 24.11")


CLUSTER = _cluster()


@functools.cache
def slurm_unavailable_reason() -> str | None:
    """None when `sinfo` answers and shows a usable node, else why not."""
    if CLUSTER.prefix:
        if not Path(CLUSTER.prefix[-1], "usr", "bin", "sinfo").exists():
            return f"no Slurm {CLUSTER.version} clients in {CLUSTER.prefix[-1]}"
    elif shutil.which("sinfo") is None:
        return "sinfo is not installed"
    try:
        done = subprocess.run([*CLUSTER.prefix, "sinfo", "-h", "-o", "%T"], capture_output=True,
                              text=True, timeout=20, check=False)
    except subprocess.TimeoutExpired:
        return "sinfo timed out after 20 s"
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        return f"sinfo failed ({last[:200]})"
    states = set(done.stdout.split())
    if not states & USABLE_NODE_STATES:
        return f"no usable node (sinfo node states: {', '.join(sorted(states)) or 'none'})"
    return None


def unavailable(reason: str) -> None:
    """Skip the test, or fail it when LAIF_REQUIRE_SLURM=1."""
    if os.environ.get("LAIF_REQUIRE_SLURM") == "1":
        pytest.fail(f"LAIF_REQUIRE_SLURM=1 but the Slurm {CLUSTER.version} test cluster is not "
                    f"usable: {reason}", pytrace=False)
    pytest.skip(f"Slurm {CLUSTER.version} test cluster not usable: {reason}; {CLUSTER.start_hint}")


def _run(argv: list[str], timeout: float) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        pytest.fail(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.strip()}")
    return done.stdout


def slurm(*args: str, timeout: float = 30) -> str:
    """Run a command in the cluster's userland (a Slurm command); its stdout, or a test failure."""
    return _run([*CLUSTER.prefix, *args], timeout)


def slurm_json(*args: str, timeout: float = 30) -> dict[str, Any]:
    data = json.loads(slurm(*args, timeout=timeout))
    assert isinstance(data, dict)
    return data


def record_state(job: dict[str, Any]) -> str:
    """A sacct record's state name whatever the layout ("COMPLETED", or ["COMPLETED"] in 24.11)."""
    return state_name(job["state"]["current"])


def slurm_scheduler(timeout: float = 30, *, before: Sequence[str] = ()) -> SlurmScheduler:
    """The platform's Slurm scheduler, talking to the test cluster; ``before``: a command put in
    front of the cluster's prefix (a test's wrapper, which finds the Slurm command itself at
    argument ``len(CLUSTER.prefix) + 1``)."""
    return SlurmScheduler(timeout=timeout, command_prefix=[*before, *CLUSTER.prefix])


def job_tempdir(prefix: str) -> Path:
    """A fresh directory for jobs' files that the cluster's nodes see at the same path."""
    if CLUSTER.jobs_dir is not None and not CLUSTER.jobs_dir.is_dir():
        unavailable(f"no jobs directory {CLUSTER.jobs_dir}")
    return Path(tempfile.mkdtemp(prefix=prefix, dir=CLUSTER.jobs_dir))


def pid_in(text: str) -> int:
    """The pid on a pid file's first line: slurmctld 24.11 rewrites its file without truncating
    it, so a shorter pid leaves the end of the longer one behind ("666\\n6\\n" is pid 666)."""
    return int(text.split("\n", 1)[0])


def slurmctld_pid() -> int:
    return pid_in((CLUSTER.pid_dir / "slurmctld.pid").read_text())


def cluster_up() -> None:
    subprocess.run([str(CLUSTER.script), "up"], check=True, capture_output=True, timeout=180)


PLATFORM_UID_MIN = 200_000  # LAIF_UID_MIN's default: users below it are never touched


def ensure_unix_user(username: str, uid: int) -> None:
    """A Unix user and personal group (gid = uid) for a cluster identity, as the site's IdM would
    provide, in the cluster's userland (the host, or the 24.11 chroot: the host needs no name, the
    platform gives sbatch numeric ids); a stale test user holding the name or the uid is replaced.
    Then slurmctld is told."""
    assert uid >= PLATFORM_UID_MIN
    if _ensure_user(CLUSTER.prefix, username, uid):
        slurm("scontrol", "reconfigure")


def _ensure_user(prefix: tuple[str, ...], username: str, uid: int) -> bool:
    def run(*args: str) -> str:
        return _run([*prefix, *args], 30)

    def getent(database: str, key: str) -> list[str] | None:
        done = subprocess.run([*prefix, "getent", database, key], capture_output=True, text=True,
                              timeout=30, check=False)
        return done.stdout.strip().split(":") if done.returncode == 0 else None

    by_name = getent("passwd", username)
    if by_name is not None and by_name[2] == str(uid):
        return False
    if by_name is not None:
        run("userdel", username)
    holder = getent("passwd", str(uid))
    if holder is not None:
        run("userdel", holder[0])
    if getent("group", str(uid)) is None:
        if getent("group", username) is not None:
            run("groupdel", username)
        run("groupadd", "-g", str(uid), username)
    run("useradd", "-M", "-N", "-u", str(uid), "-g", str(uid), "-s", "/bin/bash", username)
    return True


def drop_account(account: str) -> None:
    """Remove a test account with its user associations (and cancel its jobs)."""
    for args in (["scancel", "-A", account],
                 ["sacctmgr", "-i", "delete", "user", "where", f"account={account}"],
                 ["sacctmgr", "-i", "delete", "account", account]):
        subprocess.run([*CLUSTER.prefix, *args], capture_output=True, timeout=30, check=False)
