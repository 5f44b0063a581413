"""Every JSON layout of ``squeue --json`` and ``sacct --json`` that laif reads, in one place. Pure
(no Django): the scheduler's status parsers (``scheduler/slurm_output.py``) and the usage ledger's
vectorised parser (``sacct.py``) both take their rules from here.

Layouts (``LAYOUTS``), named as the envelope names them, each accepted only from the Slurm releases
listed with it; anything else is refused (``SlurmJsonError``), never read as "no jobs", UNKNOWN or 0:

=====================  =================================  ==================  =====================
layout                 envelope                           releases            checked against
=====================  =================================  ==================  =====================
openapi/dbv0.0.38      ``meta.plugin.type``,              22.05 (sacct)       captured output
openapi/v0.0.38        ``meta.Slurm.release``             22.05 (squeue)      captured output
data_parser/v0.0.39    ``meta.plugins.data_parser``,      23.02               Slurm 23.02's source
                       ``meta.Slurm.release``
data_parser/v0.0.40    ``meta.plugin.data_parser``,       23.11, 24.05, 24.11 captured (24.11)
data_parser/v0.0.41    ``meta.slurm.release``             24.05, 24.11        captured (24.11)
data_parser/v0.0.42                                       24.11               captured (24.11)
=====================  =================================  ==================  =====================

What differs, and how it is read the same way whatever the layout:

- numbers: from v0.0.39 many are ``{"set": bool, "infinite": bool, "number": N}`` (``time.limit``,
  ``array.task_id``, and in squeue the ids and times); ``number`` reads both shapes: the number
  when set, else None (unlimited, not set);
- states: up to v0.0.39 one name (``"REQUEUED"``); from v0.0.40 a list of the base state and its
  flags (a requeued run reads ``["PENDING", "REQUEUED"]``). ``state_name`` gives the one name Slurm
  itself prints (its ``job_state_string``: the first flag of ``STATE_FLAGS`` present, else the
  base state), so a list is tested for membership, never read at ``[0]``;
- instants: epoch seconds; 22.05 says ``null`` for "not started", 24.11 says ``0`` (pending) or
  ``4294967294`` (cancelled while pending): 0, null and anything from ``NOT_SET`` on mean "none";
- exit codes: up to v0.0.39 ``{"status": "SUCCESS", "return_code": 0}`` even for a job that
  exited 3 (only a non-zero code, or the 0 of a COMPLETED job, is trusted); from v0.0.40
  ``return_code`` is a number object and holds the real code (``exit_code``);
- arrays: ``array.job_id`` (sacct) / ``array_job_id`` (squeue) is the master's id, 0 or unset when
  the job is not an array task; the record of an array's still-pending tasks has no task id (its
  ``array.task`` names them: a hex bitmap ``"0x7"`` in 24.11's sacct) and the PENDING state;
- TRES: ``{type, name, id, count}``; ``name`` is ``null`` (22.05) or ``""``; a count below 0 (24.11's
  ``-2`` for energy) means "not reported", like ``null``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import polars as pl


class SlurmJsonError(ValueError):
    """Output of a layout or release laif does not read, or not the JSON Slurm prints."""


@dataclass(frozen=True)
class Layout:
    name: str
    releases: tuple[str, ...]  # accepted Slurm release prefixes ("24.11.")
    commands: frozenset[str]  # which commands print it: "sacct", "squeue"
    numbers: bool  # {"set", "infinite", "number"} objects (time.limit, array.task_id, squeue)
    state_lists: bool  # state.current / job_state are lists of a base state and flags


_BOTH = frozenset({"sacct", "squeue"})
LAYOUTS: dict[str, Layout] = {layout.name: layout for layout in (
    Layout("openapi/dbv0.0.38", ("22.05.",), frozenset({"sacct"}), False, False),
    Layout("openapi/v0.0.38", ("22.05.",), frozenset({"squeue"}), False, False),
    Layout("data_parser/v0.0.39", ("23.02.",), _BOTH, True, False),
    Layout("data_parser/v0.0.40", ("23.11.", "24.05.", "24.11."), _BOTH, True, True),
    Layout("data_parser/v0.0.41", ("24.05.", "24.11."), _BOTH, True, True),
    Layout("data_parser/v0.0.42", ("24.11.",), _BOTH, True, True),
)}

NOT_SET = 0xFFFFFFFE
"""Instants from here on (Slurm's 32-bit NO_VAL and INFINITE) mean "not set", like 0 and null."""

BASE_STATES = ("PENDING", "RUNNING", "SUSPENDED", "COMPLETED", "CANCELLED", "FAILED", "TIMEOUT",
               "NODE_FAIL", "PREEMPTED", "BOOT_FAIL", "DEADLINE", "OUT_OF_MEMORY")
STATE_FLAGS = ("COMPLETING", "STAGE_OUT", "CONFIGURING", "RESIZING", "REQUEUED", "REQUEUE_FED",
               "REQUEUE_HOLD", "SPECIAL_EXIT", "STOPPED", "REVOKED", "RESV_DEL_HOLD", "SIGNALING")
"""The flags that name a job's state, in the order of Slurm's ``job_state_string``."""


# --- the envelope ------------------------------------------------------------------------------

def layout_name(meta: Mapping[str, Any]) -> str:
    """The layout an envelope names (``meta.plugin.type`` up to 22.05, the data parser after)."""
    plugin = _dict(meta.get("plugin"))
    name = plugin.get("type") or plugin.get("data_parser") \
        or _dict(meta.get("plugins")).get("data_parser") or ""
    return name if isinstance(name, str) else ""


def release_of(meta: Mapping[str, Any]) -> str:
    release = _dict(meta.get("slurm")).get("release") or _dict(meta.get("Slurm")).get("release")
    return release if isinstance(release, str) else ""


def check_layout(name: str, release: str, command: str) -> Layout:
    """The layout of that name, if laif reads it for that command from that release."""
    layout = LAYOUTS.get(name)
    if layout is None or command not in layout.commands:
        supported = ", ".join(layout_names(command))
        raise SlurmJsonError(
            f"unsupported {command} --json format {name!r} (supported: {supported}); capture "
            "fixtures from that Slurm release and add its layout to laif.cluster.slurm_json")
    if not release.startswith(layout.releases):
        accepted = ", ".join(r + "x" for r in layout.releases)
        raise SlurmJsonError(
            f"Slurm release {release!r} is not supported by the {name} layout (accepted: "
            f"{accepted}); capture fixtures from it first")
    return layout


NOTHING_FOUND = 9003
"""Slurm's error number for a query without any record (ESLURM_REST_EMPTY_RESULT): sacct prints it
for a window or a job id it has nothing of; that is no record, not an error."""


def layout_of(document: Any, command: str) -> Layout:
    """The layout of a parsed ``squeue --json`` or ``sacct --json`` document; raises
    ``SlurmJsonError`` for an unknown layout or release, a missing envelope or errors that Slurm
    reported in the document (its warnings are not errors: an empty squeue warns)."""
    if not isinstance(document, Mapping):
        raise SlurmJsonError(f"{command} --json output must be a JSON object")
    meta = document.get("meta")
    if not isinstance(meta, Mapping):
        raise SlurmJsonError(f"no meta object in {command} --json output")
    layout = check_layout(layout_name(meta), release_of(meta), command)
    errors = [e for e in document.get("errors") or []
              if _dict(e).get("error_number") != NOTHING_FOUND]
    if errors:
        texts = "; ".join(str(_dict(e).get("description") or _dict(e).get("error") or e)
                          for e in errors)
        raise SlurmJsonError(f"{command} reported errors: {texts}")
    if not isinstance(document.get("jobs"), list):
        raise SlurmJsonError(f"no jobs list in {command} --json output")
    return layout


# --- values ------------------------------------------------------------------------------------

def number(value: Any, what: str = "number") -> int | None:
    """A plain integer, or the number of a ``{set, infinite, number}`` object when it is set and
    finite; None for null, unset or infinite."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, Mapping) and {"set", "infinite", "number"} <= value.keys():
        if value["set"] is True and value["infinite"] is not True:
            return number(value["number"], what)
        return None
    raise SlurmJsonError(f"{what} is not a number: {value!r}")


def instant(value: Any, what: str = "time") -> datetime | None:
    """Epoch seconds as UTC; None for "not set" (null, 0 or from ``NOT_SET`` on)."""
    seconds = number(value, what)
    if seconds is None or seconds <= 0 or seconds >= NOT_SET:
        return None
    return datetime.fromtimestamp(seconds, tz=UTC)


def state_name(value: Any) -> str:
    """The one name of a state: a 22.05/23.02 name as it is, a list of flags as Slurm prints it."""
    if isinstance(value, str) and value:
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        for flag in STATE_FLAGS:
            if flag in value:
                return flag
        for state in BASE_STATES:
            if state in value:
                return state
    raise SlurmJsonError(f"not a job state: {value!r}")


def exit_code(value: Any, state: str) -> int | None:
    """The return code of a finished job when Slurm's JSON gives it truthfully, else None: not
    set, a signal (23.02 says -127), or a 0 for a job that did not complete (22.05 and 23.02 print
    0 whatever the code was; 24.11 prints 0 for a timeout or a cancellation)."""
    code = number(_dict(value).get("return_code"), "exit_code.return_code")
    if code is None or code < 0 or (code == 0 and state != "COMPLETED"):
        return None
    return code


@dataclass(frozen=True)
class JobRecord:
    """One job (or array task, or requeued run) of squeue or sacct, read the same whatever the
    layout: the ids, the state name, the pending reason ("" for None), start and end (None when
    not set) and the exit code (sacct only; see ``exit_code``)."""

    job_id: int
    array_job_id: int | None
    array_task_id: int | None
    state: str
    reason: str
    start: datetime | None
    end: datetime | None
    exit_code: int | None = None


def squeue_jobs(document: Any) -> list[JobRecord]:
    """The jobs of ``squeue --json`` output (every job it lists)."""
    layout_of(document, "squeue")
    records = []
    for job in document["jobs"]:
        job = _job(job, "squeue")
        master = number(job.get("array_job_id"), "array_job_id") or None
        records.append(JobRecord(
            job_id=_job_id(job),
            array_job_id=master,
            array_task_id=number(job.get("array_task_id"), "array_task_id") if master else None,
            state=state_name(job.get("job_state")),
            reason=_reason(job.get("state_reason")),
            start=instant(job.get("start_time"), "start_time"),
            end=instant(job.get("end_time"), "end_time"),
        ))
    return records


def sacct_jobs(document: Any) -> list[JobRecord]:
    """The records of ``sacct --json`` output, in its order (every run of a requeued job)."""
    layout_of(document, "sacct")
    records = []
    for job in document["jobs"]:
        job = _job(job, "sacct")
        array = _dict(job.get("array"))
        state = _dict(job.get("state"))
        times = _dict(job.get("time"))
        master = number(array.get("job_id"), "array.job_id") or None
        name = state_name(state.get("current"))
        records.append(JobRecord(
            job_id=_job_id(job),
            array_job_id=master,
            array_task_id=number(array.get("task_id"), "array.task_id") if master else None,
            state=name,
            reason=_reason(state.get("reason")),
            start=instant(times.get("start"), "time.start"),
            end=instant(times.get("end"), "time.end"),
            exit_code=exit_code(job.get("exit_code"), name),
        ))
    return records


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _job(job: Any, command: str) -> Mapping[str, Any]:
    if not isinstance(job, Mapping):
        raise SlurmJsonError(f"a job of {command} --json is not an object: {job!r:.80}")
    return job


def _job_id(job: Mapping[str, Any]) -> int:
    job_id = number(job.get("job_id"), "job_id")
    if job_id is None or job_id <= 0:
        raise SlurmJsonError(f"a job without a job_id: {job.get('job_id')!r}")
    return job_id


def _reason(value: Any) -> str:
    return "" if value in (None, "None") else str(value)


# --- the same rules as polars expressions (the ledger's vectorised parser) ---------------------

def number_expr(column: pl.Expr, layout: Layout) -> pl.Expr:
    """``number`` over a column: the struct's number when set and finite (numbers layouts), else
    the column itself."""
    if not layout.numbers:
        return column
    return pl.when(column.struct.field("set") & column.struct.field("infinite").not_()) \
        .then(column.struct.field("number"))


def seconds_expr(column: pl.Expr) -> pl.Expr:
    """Epoch seconds, null where ``instant`` says "not set" (still seconds: checks compare them)."""
    return pl.when((column > 0) & (column < NOT_SET)).then(column)


def state_expr(column: pl.Expr, layout: Layout) -> pl.Expr:
    """``state_name`` over a column of names (up to v0.0.39) or of lists of flags; null when a
    list has no base state (the caller refuses the record). A name keeps its first word only:
    ``CANCELLED by 0``, as sacct writes who cancelled a job, is ``CANCELLED``."""
    if not layout.state_lists:
        return column.str.extract(r"^\s*([A-Z_]+)", 1)
    flags = [pl.when(column.list.contains(flag)).then(pl.lit(flag)) for flag in STATE_FLAGS]
    base = column.list.eval(pl.element().filter(pl.element().is_in(BASE_STATES))).list.first()
    return pl.coalesce(*flags, base)


def layout_names(command: str) -> Sequence[str]:
    return sorted(name for name, layout in LAYOUTS.items() if command in layout.commands)
