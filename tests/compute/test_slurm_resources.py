"""Resources from the platform only, on the real Slurm test cluster: the platform's reading of
#SBATCH lines matches sbatch's own; sbatch gets every resource on its command line, which wins
over a script's directives (AllocTRES is what the platform asked), with 0 GPUs granting none;
the array throttle; the platform's SBATCH_* variables do not reach sbatch; a job is found by the
tag of this installation only."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import pytest

from laif.accounts.models import ClusterIdentity, Project, User
from laif.cluster.scheduler import base
from laif.cluster.scheduler.slurm import command_env
from laif.jobs.accounts_sync import slurm_account_name, slurm_account_sync
from laif.jobs.script import arguments, refused_lines
from tests.compute.support import TODAY
from tests.compute.test_slurm_scheduler import _until_finished, jobs_root, team
from tests.slurm_support import slurm, slurm_scheduler

pytestmark = [pytest.mark.slurm, pytest.mark.django_db]
__all__ = ["jobs_root", "team"]

# Lines sbatch reads as directives, written every way the platform must follow.
SBATCH_LINES = [
    "#SBATCH --gres=gpu:4",
    "#SBATCH--ntasks=3",
    "#SBATCH -N 1 -n2 --mem 5",
    '#SBATCH -J "a b" --time=7 # --mem=1',
    "#SBATCH \\-\\-mem=5 \"--ti\"me=7 '-c' 2",
    '#SBATCH -J "a#b" -J a\\#b -J c#d --mem=1',
    "#SBATCH\t-G1\v--exclusive\f-a 0-3%1",
    "#SLURM --qos=normal",
    "#SBATCH",
    "#SBATCH # only a comment",
]
HARMLESS = {'#SBATCH -J "a#b" -J a\\#b -J c#d --mem=1', "#SBATCH", "#SBATCH # only a comment"}


def _found_by_sbatch(script: Path) -> list[str]:
    """The arguments sbatch itself finds in a script's directives (its debug output); it does
    not submit anything (--test-only)."""
    done = subprocess.run(["sbatch", "-vvvv", "--test-only", str(script)], capture_output=True,
                          text=True, timeout=30, check=False, env=command_env())
    return re.findall(r'Found in script, argument "(.*)"$', done.stderr, re.MULTILINE)


@pytest.mark.parametrize("line", SBATCH_LINES)
def test_the_platform_splits_directives_as_sbatch_does(line: str, tmp_path: Path) -> None:
    script = tmp_path / "job.sh"
    script.write_text(f"#!/bin/bash\n{line}\ntrue\n")
    magic = "#SLURM" if line.startswith("#SLURM") else "#SBATCH"
    assert _found_by_sbatch(script) == arguments(line[len(magic):])
    assert bool(refused_lines(script.read_text())) == (line not in HARMLESS)


def _tres(job_id: str) -> tuple[dict[str, str], dict[str, str], str]:
    """AllocTRES and ReqTRES (as dicts) and Timelimit of a job's accounting record. Memory is
    in ReqTRES only where it is not a consumable resource (the test cluster's CR_Core)."""
    # slurmdbd writes the record in steps: read it once it says COMPLETED with the requested
    # memory (read right after the job ended, ReqTRES sometimes lacked mem=)
    deadline = time.monotonic() + 30
    while True:
        out = slurm("sacct", "-X", "-n", "-P", "-j", job_id, "-o",
                    "State,AllocTRES,ReqTRES,Timelimit")
        state, alloc, req, limit = (out.strip().splitlines() or ["|||"])[-1].split("|")
        if (state == "COMPLETED" and "mem=" in req) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    return ({k: v for k, _, v in (i.partition("=") for i in alloc.split(",") if i)},
            {k: v for k, _, v in (i.partition("=") for i in req.split(",") if i)}, limit)


def _spec(project: Project, user: User, workdir: Path, **changes: object) -> base.JobSpec:
    identity = ClusterIdentity.objects.get(user=user)
    values: dict[str, object] = {
        "name": "laif-resources", "account": slurm_account_name(project),
        "username": identity.username,
        "uid": identity.uid, "gid": identity.uid, "workdir": workdir, "gpus": 1,
        "time_limit_minutes": 2, "cpus": 1, "memory_mb": 1024,
        "script": "#!/bin/bash\n#SBATCH --gres=gpu:4\n#SBATCH --cpus-per-task=2\n"
                  "#SBATCH --mem=8G\n#SBATCH --time=30\n#SBATCH --ntasks=2\n#SBATCH --nodes=1\n"
                  'echo "gpus=$CUDA_VISIBLE_DEVICES"\n', **changes}
    return base.JobSpec(**values)  # type: ignore[arg-type]


def test_the_command_line_wins_over_the_script_and_zero_gpus_grants_none(
        team: tuple[Project, User, User], jobs_root: Path) -> None:
    project, lead, _member = team
    sched = slurm_scheduler(30)
    slurm_account_sync(project_id=project.pk, today=TODAY, scheduler=sched)
    one = sched.submit(_spec(project, lead, jobs_root / "one"))
    none = sched.submit(_spec(project, lead, jobs_root / "none", gpus=0))
    for job_id in (one, none):
        assert _until_finished(sched, job_id).state == base.COMPLETED
    alloc, req, limit = _tres(one)
    assert (alloc["cpu"], alloc["node"], alloc["gres/gpu"]) == ("1", "1", "1")
    assert (req["mem"], limit) == ("1G", "00:02:00")
    uid = ClusterIdentity.objects.get(user=lead).uid
    assert re.search(r"gpus=\d\n", sched.output(jobs_root / "one", uid=uid).text)
    alloc, req, limit = _tres(none)
    assert "gres/gpu" not in alloc, alloc
    assert (alloc["cpu"], alloc["node"], req["mem"], limit) == ("1", "1", "1G", "00:02:00")
    assert "gpus=\n" in sched.output(jobs_root / "none", uid=uid).text


def test_the_throttle_is_passed_and_sbatch_variables_are_not(
        team: tuple[Project, User, User], jobs_root: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    project, lead, _member = team
    sched = slurm_scheduler(30)
    slurm_account_sync(project_id=project.pk, today=TODAY, scheduler=sched)
    array = sched.submit(_spec(project, lead, jobs_root / "array", gpus=0, array_size=3,
                               array_throttle=1, script="#!/bin/bash\ntrue\n"))
    shown = slurm("scontrol", "show", "job", array)
    assert "ArrayTaskThrottle=1" in shown
    assert "ArrayTaskId=0-2%1" in shown
    # the platform's own environment must not turn a single job into an array or move it
    monkeypatch.setenv("SBATCH_ARRAY_INX", "0-2")
    monkeypatch.setenv("SBATCH_PARTITION", "no-such-partition")
    single = sched.submit(_spec(project, lead, jobs_root / "single", gpus=0,
                                script="#!/bin/bash\ntrue\n"))
    shown = slurm("scontrol", "show", "job", single)
    assert "ArrayTaskId" not in shown
    assert "Partition=gpu" in shown
    for job_id in (array, single):
        assert _until_finished(sched, job_id).state == base.COMPLETED


def test_a_job_is_found_by_this_installations_tag_only(
        team: tuple[Project, User, User], jobs_root: Path) -> None:
    project, lead, member = team
    sched = slurm_scheduler(30)
    slurm_account_sync(project_id=project.pk, today=TODAY, scheduler=sched)
    script = "#!/bin/bash\ntrue\n"
    # a job of another installation (or an earlier database) with the same platform job id
    stranger = _spec(project, lead, jobs_root / "a", name="laif-0badcafe-7-train",
                     tag="laif-0badcafe-7", script=script, gpus=0)
    stranger_id = sched.submit(stranger)
    ours = _spec(project, lead, jobs_root / "b", name="laif-1abcdef0-7-train",
                 tag="laif-1abcdef0-7", script=script, gpus=0)
    assert sched.find(ours) is None
    assert sched.find(stranger) == stranger_id
    ours_id = sched.submit(ours)
    assert sched.find(ours) == ours_id
    # another member's job with our tag is not ours either
    identity = ClusterIdentity.objects.get(user=member)
    assert sched.find(_spec(project, member, jobs_root / "c", tag="laif-1abcdef0-7",
                            username=identity.username, uid=identity.uid,
                            gid=identity.uid)) is None
    for job_id in (stranger_id, ours_id):
        assert _until_finished(sched, job_id).state == base.COMPLETED
