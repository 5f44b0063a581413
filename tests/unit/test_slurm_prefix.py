"""LAIF_SLURM_COMMAND_PREFIX: every command the Slurm scheduler runs goes through the prefix (a
recording stand-in here, answering with the real 24.11 captures), and a bad prefix is refused at
start-up (tests/test_settings_startup.py) or reported as an unreachable scheduler."""

from __future__ import annotations

import shlex
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from laif.cluster.scheduler import base
from laif.cluster.scheduler.slurm import SlurmScheduler
from laif.config.env import Env, parse_command

V2411 = Path(__file__).resolve().parent.parent / "fixtures" / "slurm" / "24.11"
SLURM_COMMANDS = {"sbatch", "squeue", "sacct", "scancel", "sacctmgr", "scontrol"}


def recording_prefix(tmp_path: Path) -> tuple[Path, Path]:
    """A prefix program (like `chroot ROOT`) that logs the command it is given, then answers as
    Slurm 24.11 did."""
    log = tmp_path / "commands.log"
    script = tmp_path / "prefix"
    script.write_text(f"""#!/bin/bash
root=$1; shift
printf '%s %s\\n' "$root" "$*" >>{shlex.quote(str(log))}
case $1 in
  sbatch) echo "42;laif24" ;;
  squeue) if [ "$2" = --json ]; then cat {V2411}/squeue_running_pending.json
          elif [[ " $* " == *" -j "* ]]; then  # squeue -o %F|%T|%r|%S|%e of the same moment
            printf '17|RUNNING|None|2026-12-04T20:44:50|2026-12-04T20:47:50\n18|PENDING|Resources|N/A|N/A\n'
          fi ;;
  sacct) if [ "$2" = --json ]; then cat {V2411}/sacct_completed.json; fi ;;
  scontrol) cat {V2411}/assoc_mgr_used.txt ;;
esac
""")
    script.chmod(0o755)
    return script, log


def test_every_slurm_command_runs_behind_the_prefix(tmp_path: Path) -> None:
    script, log = recording_prefix(tmp_path)
    sched = SlurmScheduler(timeout=10, command_prefix=[str(script), "/srv/slurm24"])
    spec = base.JobSpec(name="laif-1-x", script="#!/bin/bash\ntrue\n", account="p1",
                        username="u1", uid=300_001, gid=300_001, workdir=tmp_path / "job")
    assert sched.submit(spec) == "42"
    assert sched.status(["17", "18"])["17"].state == base.RUNNING  # the 24.11 squeue answer
    sched.cancel("17")
    assert sched.usage("laifused") is not None  # read from the 24.11 assoc_mgr answer
    sched.ensure_account("p1", 60, tag=base.AccountTag("laif", "laif project p1 0badcafe"))
    assert sched.find(spec) is None
    now = datetime.now(UTC)
    assert b"data_parser" in sched.accounting_json(now - timedelta(hours=1), now, ["p1"])
    lines = log.read_text().splitlines()
    assert all(line.startswith("/srv/slurm24 ") for line in lines), lines
    assert {line.split()[1] for line in lines} == SLURM_COMMANDS


def test_a_missing_prefix_program_makes_the_scheduler_unavailable(tmp_path: Path) -> None:
    sched = SlurmScheduler(timeout=5, command_prefix=[str(tmp_path / "no-chroot"), "/x"])
    with pytest.raises(base.SchedulerUnavailable, match="LAIF_SLURM_COMMAND_PREFIX"):
        sched.status(["1"])
    with pytest.raises(base.SchedulerUnavailable, match="LAIF_SLURM_COMMAND_PREFIX"):
        sched.accounting_json(datetime.now(UTC), datetime.now(UTC), ["p1"])


def test_a_missing_command_behind_the_prefix_makes_it_unavailable(tmp_path: Path) -> None:
    root = tmp_path / "empty-root"  # `env PATH=<empty>`: like a chroot without Slurm's clients
    root.mkdir()
    sched = SlurmScheduler(timeout=5, command_prefix=["env", "PATH=" + str(root)])
    with pytest.raises(base.SchedulerUnavailable):
        sched.status(["1"])


@pytest.mark.parametrize(("text", "words"), [
    ("", ()),
    ("  ", ()),
    ("chroot /var/lib/laif-slurm24/root", ("chroot", "/var/lib/laif-slurm24/root")),
    ("env 'SLURM_CONF=/etc/slurm 24/slurm.conf'", ("env", "SLURM_CONF=/etc/slurm 24/slurm.conf")),
    ("/usr/sbin/chroot /srv/root", ("/usr/sbin/chroot", "/srv/root")),
])
def test_the_prefix_is_split_like_a_shell_would(text: str, words: tuple[str, ...]) -> None:
    assert parse_command(text) == words


@pytest.mark.parametrize(("text", "problem"), [
    ("chroot '/srv/root", "not a command line"),
    ("/nonexistent/chroot /srv/root", "not an executable"),
    ("no-such-program-laif /srv/root", "not an executable"),
    ("bin/chroot /srv/root", "not an executable"),  # relative paths depend on the directory
    ("/etc/passwd", "not an executable"),  # a file, not a program
    ("/usr/bin", "not an executable"),
    ("chroot /srv\x00/root", "NUL"),
])
def test_a_bad_prefix_is_refused_naming_the_variable(text: str, problem: str) -> None:
    env = Env({"LAIF_SLURM_COMMAND_PREFIX": text})
    assert env.command("LAIF_SLURM_COMMAND_PREFIX") == ()
    (error,) = env.errors
    assert str(error).startswith("LAIF_SLURM_COMMAND_PREFIX: ")
    assert problem in str(error)
