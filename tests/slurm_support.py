"""Whether the Slurm test cluster (deploy/slurm/cluster.sh) is usable, and running its commands.

Tests marked `@pytest.mark.slurm` are skipped when it is not, or fail when LAIF_REQUIRE_SLURM=1
(CI starts the cluster and must not pass by skipping them); see tests/conftest.py.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import subprocess
from typing import Any

import pytest

USABLE_NODE_STATES = {"idle", "mixed", "allocated", "completing"}
START_HINT = "start it with `sudo deploy/slurm/cluster.sh up` (docs/SLURM-TEST-CLUSTER.md)"


@functools.cache
def slurm_unavailable_reason() -> str | None:
    """None when `sinfo` answers and shows a usable node, else why not."""
    if shutil.which("sinfo") is None:
        return "sinfo is not installed"
    try:
        done = subprocess.run(
            ["sinfo", "-h", "-o", "%T"], capture_output=True, text=True, timeout=20, check=False
        )
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
        pytest.fail(f"LAIF_REQUIRE_SLURM=1 but the Slurm test cluster is not usable: {reason}", pytrace=False)
    pytest.skip(f"Slurm test cluster not usable: {reason}; {START_HINT}")


def slurm(*args: str, timeout: float = 30) -> str:
    """Run a Slurm command; its stdout, or a test failure with its stderr."""
    done = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        pytest.fail(f"{' '.join(args)} exited {done.returncode}: {done.stderr.strip()}")
    return done.stdout


def slurm_json(*args: str, timeout: float = 30) -> dict[str, Any]:
    data = json.loads(slurm(*args, timeout=timeout))
    assert isinstance(data, dict)
    return data


PLATFORM_UID_MIN = 200_000  # LAIF_UID_MIN's default: users below it are never touched


def ensure_unix_user(username: str, uid: int) -> None:
    """A Unix user and personal group (gid = uid) for a cluster identity, as the site's IdM would
    provide; a stale test user holding the name or the uid is replaced. Then slurmctld is told."""
    import grp
    import pwd

    assert uid >= PLATFORM_UID_MIN
    try:
        if pwd.getpwnam(username).pw_uid == uid:
            return
        slurm("userdel", username)
    except KeyError:
        pass
    try:
        holder = pwd.getpwuid(uid).pw_name
        slurm("userdel", holder)
    except KeyError:
        pass
    try:
        grp.getgrgid(uid)
    except KeyError:
        with contextlib.suppress(KeyError):
            grp.getgrnam(username)
            slurm("groupdel", username)
        slurm("groupadd", "-g", str(uid), username)
    slurm("useradd", "-M", "-N", "-u", str(uid), "-g", str(uid), "-s", "/bin/bash", username)
    slurm("scontrol", "reconfigure")


def drop_account(account: str) -> None:
    """Remove a test account with its user associations (and cancel its jobs)."""
    subprocess.run(["scancel", "-A", account], capture_output=True, timeout=30, check=False)
    subprocess.run(["sacctmgr", "-i", "delete", "user", "where", f"account={account}"],
                   capture_output=True, timeout=30, check=False)
    subprocess.run(["sacctmgr", "-i", "delete", "account", account],
                   capture_output=True, timeout=30, check=False)
