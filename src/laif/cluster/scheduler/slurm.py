"""The Slurm scheduler: ``sbatch``/``squeue --json``/``sacct --json``/``scancel`` for jobs and
``sacctmgr -i`` for accounts (docs/SLURM-TEST-CLUSTER.md, ../shared/SLURM.md).

- A job is submitted as its owner (``sbatch --uid/--gid`` of the person's cluster identity; the
  platform runs it as root or as Slurm's user), never as the platform's own uid, on the project's
  account. Its directory (``workdir.make_job_dir``) belongs to that person so that Slurm writes
  the output there as them; the script goes to ``sbatch`` on its standard input, so the platform
  writes no file where the person could have placed a link. Output is appended
  (``--open-mode=append``): a requeued job keeps the output of each run, in order, each requeue
  marked by Slurm's own ``*** JOB ... DUE TO JOB REQUEUE ***`` line.
- Accounts: one per project with ``GrpTRESMins=gres/gpu=N``, one user association per member, the
  ``budget`` QOS (``DenyOnLimit``) as the associations' only QOS, so that ``--qos`` cannot get
  around the limit; ``RawUsage=0`` at renewal. Created with the platform's tag
  (``Organization``/``Description``); an existing account with another tag is refused before
  anything changes (``ForeignAccount``). Accounting is read only for the accounts given
  (``sacct -A``).
- Every command has a timeout; a controller or database that does not answer raises
  ``SchedulerUnavailable``, a refusal ``SubmitRefused``. A submission that may have reached
  slurmctld without an answer (sbatch timed out, "socket timed out") raises ``SubmitUncertain``.
- Every resource is on sbatch's command line (which wins over ``#SBATCH`` lines of the script),
  and the commands run without the platform's ``SBATCH_*``/``SLURM_*`` variables (which sbatch
  would read as options); ADR 0010. A job's environment is exactly the spec's variables, with
  their values on the command line (``--export=NAME=value,...``), never a name that sbatch would
  fill from the platform's own environment.
- Every command runs behind ``command_prefix`` (``LAIF_SLURM_COMMAND_PREFIX``, e.g. a chroot with a
  newer Slurm's clients); their JSON is read through ``laif.cluster.slurm_json`` (22.05 to 24.11),
  and output it does not read raises ``SlurmOutputError`` (ADR 0013).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from laif.cluster.scheduler import slurm_output
from laif.cluster.scheduler.base import (
    EMPTY_ACCOUNTING,
    AccountTag,
    AccountUsage,
    ForeignAccount,
    JobSpec,
    JobStatus,
    SchedulerError,
    SchedulerUnavailable,
    SubmitRefused,
    SubmitUncertain,
)
from laif.cluster.scheduler.names import is_account_name
from laif.cluster.scheduler.output import JobOutput, read_output
from laif.cluster.scheduler.slurm_output import (
    SQUEUE_FORMAT,
    parse_account_usage,
    parse_gpu_minutes,
    parse_sacct,
    parse_squeue_lines,
)
from laif.cluster.scheduler.workdir import make_job_dir, refuse_root

BUDGET_QOS = "budget"
# The final states of a run (laif.usage.sacct.FINISHED_STATES): what the usage ledger reads.
ACCOUNTING_STATES = ("COMPLETED", "FAILED", "TIMEOUT", "CANCELLED", "NODE_FAIL", "OUT_OF_MEMORY",
                     "PREEMPTED", "REQUEUED", "BOOT_FAIL", "DEADLINE")
_UNREACHABLE = (
    "unable to contact slurm controller", "connection refused", "socket timed out",
    "zero bytes were transmitted", "problem talking to the database", "connection timed out",
    "communication connection failure", "slurm_persist_conn_open", "could not establish",
    "unable to establish", "slurmctld not responding", "no such file or directory",
)
# sbatch failed after its request may have reached slurmctld: the job may exist.
_MAYBE_RECEIVED = ("socket timed out", "zero bytes were transmitted",
                   "communication connection failure", "connection reset", "broken pipe")
# Variables the Slurm commands read as options or settings; the platform's own are not passed on
# (SLURM_CONF, where the configuration is, is kept).
_COMMAND_VARIABLES = ("SBATCH_", "SLURM_", "SALLOC_", "SRUN_", "SQUEUE_", "SACCT_", "SACCTMGR_",
                      "SCANCEL_", "SCONTROL_", "SINFO_", "SSHARE_")
_KEPT_VARIABLES = frozenset({"SLURM_CONF"})
class SlurmScheduler:
    name = "slurm"

    def __init__(self, *, timeout: float = 30, jobs_root: Path | None = None,
                 command_prefix: Sequence[str] = ()) -> None:
        """``command_prefix`` comes before every Slurm command it runs (``LAIF_SLURM_COMMAND_PREFIX``,
        e.g. ``chroot /var/lib/laif-slurm24/root``); paths given to sbatch are then the prefix's."""
        self.timeout = timeout
        self.jobs_root = jobs_root
        self.command_prefix = tuple(command_prefix)

    def _argv(self, args: Sequence[str]) -> list[str]:
        return [*self.command_prefix, *args]

    def _not_installed(self, command: str) -> str:
        if self.command_prefix:
            return f"{self.command_prefix[0]} (LAIF_SLURM_COMMAND_PREFIX) is not installed"
        return f"{command} is not installed"

    def _run(self, *args: str, timeout: float | None = None,
             env: dict[str, str] | None = None,
             stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        try:
            done = subprocess.run(  # noqa: S603 - Slurm's commands, arguments as a list
                self._argv(args), input=stdin, capture_output=True, text=True, check=False,
                timeout=timeout or self.timeout,
                env={**command_env(), **env} if env else command_env())
        except FileNotFoundError as exc:
            raise SchedulerUnavailable(self._not_installed(args[0])) from exc
        except subprocess.TimeoutExpired as exc:
            raise SchedulerUnavailable(
                f"{args[0]} did not answer within {timeout or self.timeout:g} s") from exc
        if done.returncode != 0:
            message = _last_error(done.stderr) or f"{args[0]} exited {done.returncode}"
            if any(marker in done.stderr.lower() for marker in _UNREACHABLE):
                raise SchedulerUnavailable(message)
            raise SchedulerError(message)
        return done

    def _json(self, *args: str) -> dict[str, Any]:
        try:
            data = json.loads(self._run(*args).stdout)
        except json.JSONDecodeError as exc:
            raise SchedulerUnavailable(f"{args[0]} --json gave no JSON") from exc
        return data if isinstance(data, dict) else {}

    # ------------------------------------------------------------------------------- jobs

    def submit(self, spec: JobSpec) -> str:
        _prepare_workdir(spec)
        try:  # the script on sbatch's standard input: no file to write
            done = subprocess.run(  # noqa: S603 - sbatch, arguments as a list
                self._argv(sbatch_args(spec)), input=spec.script, capture_output=True,
                text=True, check=False, timeout=self.timeout, env=command_env())
        except FileNotFoundError as exc:
            raise SchedulerUnavailable(self._not_installed("sbatch")) from exc
        except subprocess.TimeoutExpired as exc:  # slurmctld may have queued it all the same
            raise SubmitUncertain(f"sbatch did not answer within {self.timeout:g} s") from exc
        if done.returncode == 0:
            job_id = done.stdout.strip().split(";")[0]
            if not job_id.isdigit():
                raise SubmitUncertain(f"sbatch gave no job id ({done.stdout.strip()[:200]!r})")
            return job_id
        message = _last_error(done.stderr) or f"sbatch exited {done.returncode}"
        stderr = done.stderr.lower()
        if done.returncode < 0 or any(marker in stderr for marker in _MAYBE_RECEIVED):
            raise SubmitUncertain(message)  # killed, or the answer was lost after sending
        if any(marker in stderr for marker in _UNREACHABLE):
            raise SchedulerUnavailable(message)  # slurmctld never got it (connect failure)
        raise SubmitRefused(message)

    def ping(self) -> None:
        self._run("scontrol", "ping")

    def status(self, ids: Sequence[str]) -> dict[str, JobStatus]:
        """The jobs in question only: ``squeue -j`` for those the controller holds, then
        ``sacct -j`` for the others (finished and purged from the controller), in chunks."""
        wanted = [i for i in ids if i.isdigit() and int(i) > 0]  # -j 0: an error, or everything
        found: dict[str, JobStatus] = {}
        for chunk in slurm_output.chunks(wanted):
            queued = self._run("squeue", "-h", "-a", "-r", "-t", "all", "-j", ",".join(chunk),
                               "-o", SQUEUE_FORMAT, env={"TZ": "UTC"})
            found.update(parse_squeue_lines(queued.stdout, chunk))
        rest = [i for i in wanted if i not in found or found[i].finished]
        for chunk in slurm_output.chunks(rest):
            accounted = parse_sacct(
                self._json("sacct", "--json", "-X", "-a", "-j", ",".join(chunk)), chunk)
            for job_id, status in accounted.items():
                # slurmdbd gets a job's end asynchronously: keep squeue's view until it has it
                if job_id not in found or status.finished:
                    found[job_id] = status
        return found

    def cancel(self, scheduler_id: str) -> None:
        if scheduler_id.isdigit():
            self._run("scancel", scheduler_id)

    def output(self, workdir: Path, *, uid: int, max_bytes: int = 1_000_000) -> JobOutput:
        return read_output(workdir, uid=uid, max_bytes=max_bytes)

    # ---------------------------------------------------------------------------- accounts

    def _assoc(self, account: str) -> list[list[str]]:
        done = self._run("sacctmgr", "-n", "-P", "show", "assoc", "where", f"account={account}",
                         "format=Account,User,Partition,GrpTRESMins,QOS,DefaultQOS")
        return [line.split("|") for line in done.stdout.splitlines()
                if line.split("|")[0] == account.lower()]

    def _ensure_qos(self) -> bool:
        done = self._run("sacctmgr", "-n", "-P", "show", "qos", f"name={BUDGET_QOS}",
                         "format=Name,Flags")
        rows = [line.split("|") for line in done.stdout.splitlines() if line.split("|")[0]]
        if not rows:
            self._run("sacctmgr", "-i", "add", "qos", BUDGET_QOS, "Flags=DenyOnLimit")
            return True
        if "DenyOnLimit" not in rows[0][1]:
            self._run("sacctmgr", "-i", "modify", "qos", BUDGET_QOS, "set", "Flags=DenyOnLimit")
            return True
        return False

    def account_tag(self, account: str) -> AccountTag | None:
        done = self._run("sacctmgr", "-n", "-P", "show", "account", "where",
                         f"name={_account_arg(account)}", "format=Account,Organization,Description")
        for line in done.stdout.splitlines():
            name, _, rest = line.partition("|")
            if name == account.lower():
                organization, _, description = rest.partition("|")
                return AccountTag(organization.strip().lower(), description.strip().lower())
        return None

    def set_account_tag(self, account: str, tag: AccountTag) -> None:
        self._run("sacctmgr", "-i", "modify", "account", "where", f"name={_account_arg(account)}",
                  "set", f"Organization={tag.organization}", f"Description={tag.description}")

    def ensure_account(self, account: str, gpu_minutes_limit: int, *, tag: AccountTag) -> bool:
        found = self.account_tag(account)
        if found is not None and found != tag:
            raise ForeignAccount(account, found)  # before anything changes, the QOS included
        changed = self._ensure_qos()
        if found is None:
            self._run("sacctmgr", "-i", "add", "account", _account_arg(account),
                      f"Description={tag.description}", f"Organization={tag.organization}",
                      f"QOS={BUDGET_QOS}", f"DefaultQOS={BUDGET_QOS}")
            changed = True
            rows = [[account, "", "", "", BUDGET_QOS, BUDGET_QOS]]
        else:
            rows = [row for row in self._assoc(account) if not row[1]]
        row = rows[0] if rows else [account, "", "", "", "", ""]
        if parse_gpu_minutes(row[3]) != gpu_minutes_limit:
            self._run("sacctmgr", "-i", "modify", "account", account, "set",
                      f"GrpTRESMins=gres/gpu={gpu_minutes_limit}")
            changed = True
        if row[4] != BUDGET_QOS or row[5] != BUDGET_QOS:
            self._run("sacctmgr", "-i", "modify", "account", account, "set",
                      f"QOS={BUDGET_QOS}", f"DefaultQOS={BUDGET_QOS}")
            changed = True
        return changed

    def ensure_user(self, account: str, username: str) -> bool:
        rows = [row for row in self._assoc(account) if row[1] == username]
        if not rows:
            self._run("sacctmgr", "-i", "add", "user", username, f"Account={account}",
                      f"QOS={BUDGET_QOS}", f"DefaultQOS={BUDGET_QOS}")
            return True
        if rows[0][4] != BUDGET_QOS or rows[0][5] != BUDGET_QOS:
            self._run("sacctmgr", "-i", "modify", "user", username, "where",
                      f"account={account}", "set", f"QOS={BUDGET_QOS}",
                      f"DefaultQOS={BUDGET_QOS}")
            return True
        return False

    def users(self, account: str) -> set[str]:
        return {row[1] for row in self._assoc(account) if len(row) > 1 and row[1]}

    def remove_user(self, account: str, username: str) -> bool:
        if username not in self.users(account):
            return False
        self._run("sacctmgr", "-i", "delete", "user", f"name={username}", f"account={account}")
        return True

    def find(self, spec: JobSpec, *, since: datetime | None = None) -> str | None:
        """Among the account's jobs, the one of this spec's user whose name is its tag or starts
        with the tag and a dash (the exact name for a spec without a tag): first those slurmctld
        still holds (``squeue -t all``), then the accounting records since ``since`` (7 days
        without it). The base id for an array."""
        def mine(user: str, name: str) -> bool:
            if user != spec.username:
                return False
            if spec.tag:
                return name == spec.tag or name.startswith(f"{spec.tag}-")
            return name == job_name(spec)

        queued = self._run("squeue", "-h", "-a", "-t", "all", "-A", spec.account,
                           "-o", "%F|%u|%j")
        for line in queued.stdout.splitlines():
            job_id, user, name = [*line.strip().split("|", 2), "", ""][:3]
            if job_id.isdigit() and mine(user, name):
                return job_id
        start = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S") if since else "now-7days"
        done = self._run("sacct", "-X", "-n", "-P", "-a", "-A", spec.account, "-S", start,
                         "-E", "now", "-o", "JobID,User,JobName",
                         env={**command_env(), "TZ": "UTC"})
        for line in done.stdout.splitlines():
            job_id, user, name = [*line.strip().split("|", 2), "", ""][:3]
            base = job_id.split("_")[0]
            if base.isdigit() and mine(user, name):
                return base
        return None

    def usage(self, account: str) -> AccountUsage | None:
        done = self._run("scontrol", "show", "assoc_mgr", f"accounts={account}", "flags=assoc")
        return parse_account_usage(done.stdout, account)

    def accounting_json(self, start: datetime, end: datetime, accounts: Sequence[str]) -> bytes:
        """``sacct --json -X -D -a -A <accounts>`` of the runs that reached a final state in
        [start, end]; no command (no accounting) without an account. Times are given in UTC
        (``TZ=UTC``: 22.05 takes no epoch seconds); the bytes are kept raw, in whichever layout
        the cluster prints (``laif.usage.sacct`` reads and checks it)."""
        if not accounts:
            return EMPTY_ACCOUNTING
        fmt = "%Y-%m-%dT%H:%M:%S"
        args = ["sacct", "--json", "-X", "-D", "-a", "-s", ",".join(ACCOUNTING_STATES),
                "-A", ",".join(_account_arg(a) for a in accounts),
                "-S", start.astimezone(UTC).strftime(fmt), "-E", end.astimezone(UTC).strftime(fmt)]
        try:
            done = subprocess.run(  # noqa: S603 - Slurm's command, arguments as a list
                self._argv(args), capture_output=True, check=False, timeout=self.timeout * 4,
                env={**command_env(), "TZ": "UTC"})
        except FileNotFoundError as exc:
            raise SchedulerUnavailable(self._not_installed("sacct")) from exc
        except subprocess.TimeoutExpired as exc:
            raise SchedulerUnavailable(f"sacct did not answer within {self.timeout * 4:g} s") from exc
        if done.returncode != 0:
            stderr = done.stderr.decode("utf-8", "replace")
            message = _last_error(stderr) or f"sacct exited {done.returncode}"
            if any(marker in stderr.lower() for marker in _UNREACHABLE):
                raise SchedulerUnavailable(message)
            raise SchedulerError(message)
        return done.stdout


def sbatch_args(spec: JobSpec) -> list[str]:
    """sbatch's command line for a spec: every resource explicit (one node, one task, its CPUs,
    memory, GPUs or ``--gres=none``, time limit, partition; ``--array`` only for an array, with
    ``%N`` for its throttle), as the job's owner, on the project's account. Options given here
    win over the script's ``#SBATCH`` lines (which the platform refuses anyway)."""
    output = "output-%a.txt" if spec.array_size > 1 else "output.txt"
    args = [
        "sbatch", "--parsable", f"--uid={spec.uid}", f"--gid={spec.gid}",
        f"--account={spec.account}", f"--job-name={job_name(spec)}",
        f"--chdir={spec.workdir}", f"--output={spec.workdir / output}", "--open-mode=append",
        export_arg(spec.env),
        "--nodes=1", "--ntasks=1", f"--cpus-per-task={spec.cpus}", f"--mem={spec.memory_mb}M",
        f"--gres=gpu:{spec.gpus}" if spec.gpus else "--gres=none",
        f"--time={spec.time_limit_minutes}",
    ]
    if spec.partition:
        args.append(f"--partition={spec.partition}")
    if spec.array_size > 1:
        throttle = f"%{spec.array_throttle}" if spec.array_throttle > 0 else ""
        args.append(f"--array=0-{spec.array_size - 1}{throttle}")
    return args  # the script follows on sbatch's standard input


_EXPORT_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")
_EXPORT_UNSAFE = re.compile(r"[,'\"\\$\x00-\x1f\x7f]")


def export_arg(env: Mapping[str, str]) -> str:
    """sbatch's ``--export`` for a job's variables: ``NONE`` without any (Slurm's own only), else
    each one as ``NAME=value`` (a bare name would be copied from the platform's environment).
    sbatch splits the list on commas and reads quotes: a name or value it would misread is
    refused, never passed on cut or merged with the next."""
    if not env:
        return "--export=NONE"
    for name, value in env.items():
        if not _EXPORT_NAME.fullmatch(name) or _EXPORT_UNSAFE.search(value):
            raise SubmitRefused(f"the job's environment variable {name[:60]!r} cannot be passed to "
                                "Slurm (a comma, quote, '$', backslash or control character)")
    return "--export=" + ",".join(f"{name}={value}" for name, value in sorted(env.items()))


def command_env() -> dict[str, str]:
    """The platform's environment without the variables Slurm's commands read as options
    (``SBATCH_GRES``, ``SBATCH_PARTITION``, ``SLURM_TIME_FORMAT`` ...); ``SLURM_CONF`` is kept."""
    return {key: value for key, value in os.environ.items()
            if key in _KEPT_VARIABLES or not key.startswith(_COMMAND_VARIABLES)}


def job_name(spec: JobSpec) -> str:
    """The Slurm job name of a spec: its name with only the characters Slurm keeps as they are.
    It starts with the spec's tag (installation and platform job id), so it finds the job again
    after a crash or a lost answer."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", spec.name)[:64] or "job"


def _account_arg(account: str) -> str:
    """An account name as one argument of ``sacctmgr``/``sacct``: never a list (comma), an
    assignment (``=``), a keyword's value or an option (leading ``-``)."""
    if not is_account_name(account.lower()):
        raise SchedulerError(f"{account[:60]!r} is not a Slurm account name the platform uses")
    return account.lower()


def _last_error(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower()] or lines
    if not errors:
        return ""
    return re.sub(r"^\w+: error: ", "", errors[-1])[:500]


def _prepare_workdir(spec: JobSpec) -> None:
    """The job's directory, made fresh under the jobs root (or the one an earlier attempt at the
    same job made) and given to the job's user, who must be able to pass through the root's
    parents (0755): Slurm writes the output there as them. Nothing else is written there."""
    refuse_root(spec.uid, spec.gid)
    make_job_dir(spec.workdir.parent, spec.workdir.name, uid=spec.uid, gid=spec.gid)
