"""Usage records from ``sacct --json`` (laif.usage.sacct), on the real Slurm 22.05.8 fixtures of
tests/fixtures/slurm/ and on malformed inputs. Pure: no database."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import polars as pl
import pytest

from laif.usage import sacct
from laif.usage.sacct import (
    FINISHED_STATES,
    RECORD_KEY,
    SCHEMA,
    SacctFormatError,
    SacctReportedError,
    finished_only,
    parse_sacct_json,
)
from tests.unit.sacct_support import ROOT, SACCT_FILES, Doc, doc, dump, parsed, raw


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
        ) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def by_job(df: pl.DataFrame) -> dict[int, dict[str, Any]]:
    return {row["job_id"]: row for row in df.iter_rows(named=True)}


# --- the real records --------------------------------------------------------------------------

@pytest.mark.parametrize("name", SACCT_FILES)
def test_every_fixture_parses_to_the_schema(name: str) -> None:
    df = parsed(name)
    assert df.schema == SCHEMA
    assert df.height == len(doc(name)["jobs"])
    assert df["submit_time"].dtype == pl.Datetime("us", "UTC")


def test_completed_job() -> None:
    (row,) = parsed("sacct_completed.json").iter_rows(named=True)
    assert row == {
        "cluster": "laif",
        "job_id": 1,
        "submit_time": utc(2026, 11, 23, 22, 25, 36),
        "array_job_id": None,
        "array_task_id": None,
        "user": "laif_u1",
        "account": "laiftest",
        "partition": "gpu",
        "state": "COMPLETED",
        "start_time": utc(2026, 11, 23, 22, 25, 36),
        "end_time": utc(2026, 11, 23, 22, 25, 41),
        "elapsed_s": 5,
        "time_limit_s": 300,  # 5 minutes in the JSON
        "cpus": 1,
        "gpus": 2,  # gres/gpu=2 beside gres/gpu:h200=2: counted once
        "energy_j": None,  # count null: not reported, not 0
        "cpu_seconds": 5,
        "gpu_seconds": 10,
    }


def test_array_tasks_are_records_of_their_own() -> None:
    df = parsed("sacct_array.json").sort("array_task_id")
    assert df["job_id"].to_list() == [4, 5, 6, 2]  # each task's raw id; the last keeps the master's
    assert df["array_job_id"].to_list() == [2, 2, 2, 2]
    assert df["array_task_id"].to_list() == [0, 1, 2, 3]
    assert df["elapsed_s"].to_list() == [5, 5, 5, 5]
    assert df["gpu_seconds"].sum() == 4 * 5 * 1
    assert df.select(pl.struct(RECORD_KEY).n_unique()).item() == 4


def test_requeued_job_every_run_counted_with_its_own_elapsed() -> None:
    df = parsed("sacct_requeued.json")
    assert df["job_id"].to_list() == [3, 3]
    assert df["state"].to_list() == ["REQUEUED", "COMPLETED"]
    assert df["elapsed_s"].to_list() == [4, 25]
    assert df["gpu_seconds"].to_list() == [8, 50]
    first, last = df["submit_time"].to_list()
    assert last == utc(2026, 11, 23, 22, 25, 51) > first  # resubmitted at the requeue
    assert finished_only(df).height == 2
    assert df.select(pl.struct(RECORD_KEY).n_unique()).item() == 2


def test_typed_gpus_are_never_counted_twice() -> None:
    jobs = by_job(parsed("sacct_typed_gpu.json"))
    assert jobs[7]["gpus"] == 1  # asked for --gres=gpu:1, allocated gpu=1 and gpu:h200=1
    assert jobs[8]["gpus"] == 4
    assert jobs[8]["gpu_seconds"] == 20


def _tres(job: Doc, kind: str = "allocated") -> list[Doc]:
    entries: list[Doc] = job["tres"][kind]
    return entries


def test_typed_gpu_entries_are_summed_when_there_is_no_untyped_one() -> None:
    document = doc("sacct_typed_gpu.json")
    job = document["jobs"][1]
    allocated = [t for t in _tres(job) if not (t["type"] == "gres" and t["name"] == "gpu")]
    allocated.append({"type": "gres", "name": "gpu:a100", "id": 1003, "count": 2})
    allocated.append({"type": "gres", "name": "gpumem", "id": 1004, "count": 80000})
    job["tres"]["allocated"] = allocated
    jobs = by_job(parse_sacct_json(dump(document)))
    assert jobs[8]["gpus"] == 4 + 2  # gpu:h200 + gpu:a100; gpumem is not a GPU
    assert jobs[7]["gpus"] == 1


def test_allocated_not_requested_resources_count() -> None:
    document = doc("sacct_completed.json")
    for entry in _tres(document["jobs"][0], "requested"):
        entry["count"] = 99
    (row,) = parse_sacct_json(dump(document)).iter_rows(named=True)
    assert (row["cpus"], row["gpus"]) == (1, 2)


def test_states_and_a_job_cancelled_before_it_started() -> None:
    jobs = by_job(parsed("sacct_states.json"))
    assert {j: r["state"] for j, r in jobs.items()} == {
        9: "FAILED", 10: "TIMEOUT", 11: "CANCELLED", 12: "CANCELLED"}
    assert (jobs[9]["elapsed_s"], jobs[9]["gpu_seconds"]) == (0, 0)
    assert (jobs[10]["elapsed_s"], jobs[10]["time_limit_s"]) == (69, 60)  # past its 1-minute limit
    assert jobs[11]["elapsed_s"] == 9
    never = jobs[12]
    assert never["start_time"] is None
    assert never["end_time"] == utc(2026, 11, 23, 22, 29, 23)
    assert (never["cpus"], never["gpus"], never["gpu_seconds"], never["elapsed_s"]) == (0, 0, 0, 0)
    assert never["account"] == "laifbudget"
    assert never["time_limit_s"] == 600
    assert finished_only(parsed("sacct_states.json")).height == 4


def test_steps_are_ignored_and_energy_stays_not_reported() -> None:
    (row,) = parsed("sacct_steps.json").iter_rows(named=True)
    assert row["job_id"] == 1
    assert row["energy_j"] is None  # the batch step says 0; the job says null: not reported
    assert row["gpu_seconds"] == 10


def test_record_keys_are_unique_across_the_fixtures() -> None:
    frames = [parsed(name) for name in SACCT_FILES if name != "sacct_steps.json"]  # steps: job 1 again
    df = pl.concat(frames)
    assert df.height == 13
    assert df.select(pl.struct(RECORD_KEY).is_duplicated().any()).item() is False
    assert df["job_id"].n_unique() == 12  # job 3 has two runs


def test_energy_is_read_where_reported() -> None:
    document = doc("sacct_typed_gpu.json")
    for entry in _tres(document["jobs"][0]):
        if entry["type"] == "energy":
            entry["count"] = 123_456
    document["jobs"][1]["tres"]["allocated"] = [
        t for t in _tres(document["jobs"][1]) if t["type"] != "energy"]
    jobs = by_job(parse_sacct_json(dump(document)))
    assert jobs[7]["energy_j"] == 123_456
    assert jobs[8]["energy_j"] is None  # no energy entry at all: not reported either


def test_account_lowercased_cluster_default_and_unlimited_time() -> None:
    document = doc("sacct_completed.json")
    job = document["jobs"][0]
    job["account"] = "LaifTest"
    del job["cluster"]
    job["time"]["limit"] = 0xFFFFFFFF  # INFINITE
    (row,) = parse_sacct_json(dump(document), cluster_default="meluxina").iter_rows(named=True)
    assert (row["account"], row["cluster"], row["time_limit_s"]) == ("laiftest", "meluxina", None)
    job["cluster"] = ""
    (row,) = parse_sacct_json(dump(document)).iter_rows(named=True)
    assert row["cluster"] == sacct.DEFAULT_CLUSTER


def test_finished_only_drops_pending_and_running_runs() -> None:
    document = doc("sacct_states.json")
    states = ["RUNNING", "PENDING", "COMPLETED", "SUSPENDED"]
    for job, state in zip(document["jobs"], states, strict=True):
        job["state"]["current"] = state
    document["jobs"][0]["time"]["end"] = None
    df = parse_sacct_json(dump(document))
    assert df.height == 4
    assert finished_only(df)["state"].to_list() == ["COMPLETED"]
    assert "REQUEUED" in FINISHED_STATES
    assert not {"PENDING", "RUNNING", "SUSPENDED"} & FINISHED_STATES


def test_no_jobs() -> None:
    document = doc("sacct_completed.json")
    document["jobs"] = []
    df = parse_sacct_json(dump(document))
    assert df.height == 0
    assert df.schema == SCHEMA


# --- malformed input ---------------------------------------------------------------------------

def _edit(change: Callable[[Doc], None], name: str = "sacct_states.json") -> bytes:
    document = doc(name)
    change(document)
    return dump(document)


def _set(path: str, value: Any, job: int = 0) -> Callable[[Doc], None]:
    def change(document: Doc) -> None:
        target = document["jobs"][job]
        *parents, last = path.split(".")
        for key in parents:
            target = target[key]
        if value is _DELETE:
            del target[last]
        else:
            target[last] = value
    return change


_DELETE = object()
COMPLETED = raw("sacct_completed.json")

MALFORMED: list[tuple[str, bytes, str]] = [
    ("empty", b"", "empty"),
    ("blank", b"  \n", "empty"),
    ("array", b"[]", "JSON object"),
    ("text", b"sacct: error: Problem talking to the database", "JSON object"),
    ("no meta", b'{"errors": [], "jobs": []}', "no meta.plugin.type"),
    ("truncated", COMPLETED[: len(COMPLETED) // 2], "malformed"),
    ("truncated at the end", COMPLETED[:-3], "malformed"),
    ("two documents", COMPLETED + COMPLETED, "one JSON object"),
    ("job_id a string", _edit(_set("job_id", "9")), "malformed"),
    ("elapsed a float", _edit(_set("time.elapsed", 1.5)), "malformed"),
    ("count an object", _edit(lambda d: d["jobs"][0]["tres"]["allocated"][0].update(count={})),
     "malformed"),
    ("time an array", _edit(_set("time", [])), "malformed"),
    ("jobs an object", _edit(lambda d: d.update(jobs={})), "malformed"),
    ("no jobs", _edit(lambda d: d.pop("jobs")), "no jobs list"),
    ("a null job", _edit(lambda d: d["jobs"].append(None)), "no job_id"),
    ("no job_id", _edit(_set("job_id", _DELETE)), "no job_id"),
    ("job_id 0", _edit(_set("job_id", 0)), "no job_id"),
    ("no submission", _edit(_set("time.submission", None)), "no time.submission"),
    ("no state", _edit(_set("state", _DELETE)), "no state.current"),
    ("no account", _edit(_set("account", None)), "no account"),
    ("negative elapsed", _edit(_set("time.elapsed", -1)), "negative time.elapsed"),
    ("finished without an end", _edit(_set("time.end", None, job=1)), "without time.end"),
    ("ends before it starts", _edit(_set("time.end", 1795472000, job=1)), "before time.start"),
    ("elapsed without a start", _edit(_set("time.elapsed", 5, job=3)), "never started"),
    ("a cpu count null", _edit(lambda d: d["jobs"][0]["tres"]["allocated"][0].update(count=None)),
     "without a count"),
    ("the same record twice", _edit(lambda d: d["jobs"].append(d["jobs"][2])),
     "same key"),
]


def test_a_run_whose_user_is_gone_still_counts() -> None:
    """sacct prints no user name once the uid maps to no account: the run is kept, with no
    person, so a removed Unix account never stops the whole ingestion."""
    runs = parse_sacct_json(_edit(_set("user", None)))
    assert runs.item(0, "user") == ""
    assert runs.item(0, "account") != ""


@pytest.mark.parametrize(("data", "message"), [(d, m) for _, d, m in MALFORMED],
                         ids=[label for label, _, _ in MALFORMED])
def test_malformed_input_is_refused_clearly(data: bytes, message: str) -> None:
    with pytest.raises(SacctFormatError, match=message):
        parse_sacct_json(data)


def test_unsupported_formats_are_refused() -> None:
    newer = COMPLETED.replace(b"openapi\\/dbv0.0.38", b"openapi\\/slurmdbd\\/v0.0.40")
    with pytest.raises(SacctFormatError, match=r"unsupported sacct --json format 'openapi/slurmdbd/v0.0.40'"):
        parse_sacct_json(newer)
    release = COMPLETED.replace(b'"release": "22.05.8"', b'"release": "23.02.1"')
    with pytest.raises(SacctFormatError, match=r"release '23\.02\.1' is not supported"):
        parse_sacct_json(release)
    renamed = COMPLETED.replace(b'"name": "Slurm OpenAPI DB v0.0.38"', b'"name": "x"').replace(
        b'"type": "openapi\\/dbv0.0.38"', b'"type": "openapi\\/dbv0.0.38", "other": 1')
    assert parse_sacct_json(renamed).height == 1  # extra fields are ignored


def test_errors_reported_by_sacct_are_raised() -> None:
    document = doc("sacct_completed.json")
    document["errors"] = [{"error": "Unable to connect to database", "error_number": 7000}]
    with pytest.raises(SacctReportedError, match="Unable to connect to database"):
        parse_sacct_json(dump(document))


# What sacct 22.05.8 printed on the test cluster for a window without any record
# (`TZ=UTC sacct --json -X -D -a -A laiftest -s COMPLETED -S 2030-01-01T00:00:00 -E 2030-01-02T00:00:00`),
# as the periodic ingestion meets it for accounts that ran nothing (`sacct -A`).
NOTHING_FOUND = b"""{
  "meta": {
    "plugin": {"type": "openapi\\/dbv0.0.38", "name": "Slurm OpenAPI DB v0.0.38"},
    "Slurm": {"version": {"major": 22, "micro": 8, "minor": 5}, "release": "22.05.8"}
  },
  "errors": [
    {"description": "Nothing found", "error_number": 9003, "error": "Nothing found with query",
     "source": "slurmdb_jobs_get"}
  ],
  "jobs": [
  ]
}"""


def test_nothing_found_is_no_record_not_an_error() -> None:
    assert parse_sacct_json(NOTHING_FOUND).height == 0
    other = NOTHING_FOUND.replace(b"9003", b"7000")
    with pytest.raises(SacctReportedError, match="Nothing found"):
        parse_sacct_json(other)


def test_only_bytes_are_parsed() -> None:
    with pytest.raises(TypeError):
        parse_sacct_json(COMPLETED.decode())  # type: ignore[arg-type]
    assert parse_sacct_json(bytearray(COMPLETED)).height == 1  # type: ignore[arg-type]


def test_the_benchmark_runs_and_agrees_with_its_baseline() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "sacct_parse.py"), "--records", "3000",
         "--sample", "3000"],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "equal in kernel and baseline" in result.stdout


def test_a_state_written_with_who_cancelled_it_is_still_cancelled() -> None:
    """sacct's text writes ``CANCELLED by 0``; a state string that carries such a tail must not
    drop the run from the ledger (its usage would never be billed)."""
    document = doc("sacct_states.json")
    states = ["CANCELLED by 0", "CANCELLED by 300001", "COMPLETED", "FAILED"]
    for job, state in zip(document["jobs"], states, strict=True):
        job["state"]["current"] = state
    df = finished_only(parse_sacct_json(dump(document)))
    assert df["state"].to_list() == ["CANCELLED", "CANCELLED", "COMPLETED", "FAILED"]
