"""The same jobs, run on Slurm 22.05.8 (tests/fixtures/slurm/) and on Slurm 24.11.5
(tests/fixtures/slurm/24.11/, captured by its capture.sh with the same job ids), read by the usage
ledger's parser (sacct.py) and the scheduler's status parsers (slurm_output.py): the same records, states,
statuses and GPU-seconds whatever the version. Pure: no database."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from laif.cluster.scheduler import base
from laif.cluster.scheduler.slurm_output import (
    SlurmOutputError,
    parse_account_usage,
    parse_sacct,
    parse_squeue,
)
from laif.usage import sacct, sacct_pieces
from laif.usage.sacct import SCHEMA, SacctFormatError, finished_only, parse_sacct_json

OLD = Path(__file__).resolve().parent.parent / "fixtures" / "slurm"
NEW = OLD / "24.11"
SAME_JOBS = ["sacct_completed.json", "sacct_array.json", "sacct_requeued.json",
             "sacct_typed_gpu.json", "sacct_states.json", "sacct_steps.json"]
NEW_ONLY = ["sacct_array_pending.json", "sacct_array_pending_tasks.json",
            "sacct_running_pending.json", "sacct_window.v0.0.40.json",
            "sacct_window.v0.0.41.json", "sacct_window.v0.0.42.json"]
# what may differ between two real runs of the same job: when it ran and for how long
WHEN = ["submit_time", "start_time", "end_time", "elapsed_s", "cpu_seconds", "gpu_seconds"]


def load(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def raw_gpu_seconds(path: Path) -> dict[tuple[int, int], int]:
    """GPU-seconds per (job id, submission) by a plain walk: the untyped gpu count x elapsed."""
    out = {}
    for job in load(path)["jobs"]:
        gpus = sum(t["count"] for t in job["tres"]["allocated"]
                   if t["type"] == "gres" and t["name"] == "gpu")
        out[(job["job_id"], job["time"]["submission"])] = gpus * job["time"]["elapsed"]
    return out


@pytest.mark.parametrize("name", SAME_JOBS + NEW_ONLY)
def test_every_24_11_fixture_parses_to_the_ledger_schema(name: str) -> None:
    df = parse_sacct_json((NEW / name).read_bytes())
    assert df.schema == SCHEMA
    assert df.height == len(load(NEW / name)["jobs"])
    got = {(r["job_id"], int(r["submit_time"].timestamp())): r["gpu_seconds"]
           for r in df.iter_rows(named=True)}
    assert got == raw_gpu_seconds(NEW / name)


@pytest.mark.parametrize("name", SAME_JOBS)
def test_the_same_jobs_give_the_same_records_on_22_05_and_24_11(name: str) -> None:
    old = parse_sacct_json((OLD / name).read_bytes()).sort("job_id", "submit_time")
    new = parse_sacct_json((NEW / name).read_bytes()).sort("job_id", "submit_time")
    assert new.drop(WHEN, "cluster").equals(old.drop(WHEN, "cluster")), (old, new)
    assert set(new["cluster"]) == {"laif24"}
    assert set(old["cluster"]) == {"laif"}
    # GPU-seconds: the job's GPUs x its own elapsed, in both
    for df in (old, new):
        assert df["gpu_seconds"].to_list() == (df["gpus"] * df["elapsed_s"]).to_list()


def test_24_11_completed_job() -> None:
    (row,) = parse_sacct_json((NEW / "sacct_completed.json").read_bytes()).iter_rows(named=True)
    assert row == {
        "cluster": "laif24", "job_id": 1,
        "submit_time": datetime(2026, 12, 4, 20, 41, 57, tzinfo=UTC),
        "array_job_id": None, "array_task_id": None, "user": "laif_u1", "account": "laiftest",
        "partition": "gpu", "state": "COMPLETED",
        "start_time": datetime(2026, 12, 4, 20, 41, 58, tzinfo=UTC),
        "end_time": datetime(2026, 12, 4, 20, 42, 3, tzinfo=UTC),
        "elapsed_s": 5, "time_limit_s": 300, "cpus": 1, "gpus": 2,
        "energy_j": None,  # -2 in 24.11: not reported, like 22.05's null
        "cpu_seconds": 5, "gpu_seconds": 10,
    }


def test_24_11_requeued_run_counts_like_22_05() -> None:
    df = parse_sacct_json((NEW / "sacct_requeued.json").read_bytes())
    assert load(NEW / "sacct_requeued.json")["jobs"][0]["state"]["current"] == ["PENDING", "REQUEUED"]
    assert df["state"].to_list() == ["REQUEUED", "COMPLETED"]
    assert finished_only(df).height == 2  # both runs are used GPU time
    assert df["gpu_seconds"].to_list() == [2 * e for e in df["elapsed_s"].to_list()]


def test_24_11_cancelled_while_pending_and_unlimited_time() -> None:
    jobs = {r["job_id"]: r for r in
            parse_sacct_json((NEW / "sacct_states.json").read_bytes()).iter_rows(named=True)}
    never = jobs[12]  # time.start 4294967294
    assert (never["start_time"], never["elapsed_s"], never["gpus"], never["state"]) == \
        (None, 0, 0, "CANCELLED")
    assert jobs[10]["time_limit_s"] == 60
    document = load(NEW / "sacct_completed.json")
    document["jobs"][0]["time"]["limit"] = {"set": False, "infinite": True, "number": 0}
    (row,) = parse_sacct_json(json.dumps(document, indent=2).encode()).iter_rows(named=True)
    assert row["time_limit_s"] is None  # UNLIMITED (a job without -t)


def test_the_three_data_parsers_of_24_11_give_the_same_records() -> None:
    frames = [parse_sacct_json((NEW / f"sacct_window.v0.0.{v}.json").read_bytes())
              for v in (40, 41, 42)]
    assert frames[0].equals(frames[1])
    assert frames[1].equals(frames[2])
    assert frames[0].height == 20
    assert frames[0].filter(pl.col("job_id") == 3)["state"].to_list() == ["REQUEUED", "COMPLETED"]


def test_a_24_11_envelope_with_an_unknown_data_parser_is_refused() -> None:
    data = (NEW / "sacct_completed.json").read_bytes()
    with pytest.raises(SacctFormatError, match="unsupported sacct --json format"):
        parse_sacct_json(data.replace(b"data_parser\\/v0.0.42", b"data_parser\\/v0.0.43"))
    with pytest.raises(SacctFormatError, match=r"release '25\.05\.0' is not supported"):
        parse_sacct_json(data.replace(b'"release": "24.11.5"', b'"release": "25.05.0"'))
    # a state list without a base state, a 22.05-shaped limit in a 24.11 document: refused
    document = load(NEW / "sacct_completed.json")
    document["jobs"][0]["state"]["current"] = ["UPDATE_DB"]
    with pytest.raises(SacctFormatError, match=r"no state\.current"):
        parse_sacct_json(json.dumps(document).encode())
    document = load(NEW / "sacct_completed.json")
    document["jobs"][0]["time"]["limit"] = 5
    with pytest.raises(SacctFormatError, match="malformed"):
        parse_sacct_json(json.dumps(document).encode())


# --- the scheduler's statuses -------------------------------------------------------------------

def statuses(name: str, ids: list[str], parse: Any) -> dict[str, tuple[str, str]]:
    old = {k: (s.state, s.reason) for k, s in parse(load(OLD / name), ids).items()}
    new = {k: (s.state, s.reason) for k, s in parse(load(NEW / name), ids).items()}
    assert old == new
    return new


def test_sacct_statuses_are_the_same_whatever_the_version() -> None:
    assert statuses("sacct_states.json", ["9", "10", "11", "12"], parse_sacct) == {
        "9": (base.FAILED, ""), "10": (base.TIMEOUT, ""), "11": (base.CANCELLED, ""),
        "12": (base.CANCELLED, "")}
    assert statuses("sacct_requeued.json", ["3"], parse_sacct) == {"3": (base.COMPLETED, "")}
    assert statuses("sacct_array.json", ["2"], parse_sacct) == {"2": (base.COMPLETED, "")}
    assert statuses("sacct_completed.json", ["1"], parse_sacct) == {"1": (base.COMPLETED, "")}
    failed = parse_sacct(load(NEW / "sacct_states.json"), ["9"])["9"]
    assert failed.exit_code == 3  # 24.11 says it; 22.05 printed 0 (None: not trusted)
    assert parse_sacct(load(OLD / "sacct_states.json"), ["9"])["9"].exit_code is None
    assert failed.ended_at == datetime(2026, 12, 4, 20, 42, 20, tzinfo=UTC)


def test_squeue_statuses_are_the_same_whatever_the_version() -> None:
    assert statuses("squeue_pending_budget.json", ["12", "10", "3"], parse_squeue) == {
        "12": (base.PENDING, "AssocGrpGRESMinutes"), "10": (base.RUNNING, ""),
        "3": (base.PENDING, "BeginTime")}
    assert statuses("squeue_array.json", ["13"], parse_squeue) == {"13": (base.RUNNING, "")}


def test_24_11_statuses_of_running_pending_and_pending_array_tasks() -> None:
    queued = parse_squeue(load(NEW / "squeue_running_pending.json"), ["17", "18"])
    assert queued["17"].state == base.RUNNING
    assert queued["17"].started_at is not None
    assert (queued["18"].state, queued["18"].reason, queued["18"].started_at) == \
        (base.PENDING, "Resources", None)
    accounted = parse_sacct(load(NEW / "sacct_running_pending.json"), ["17", "18"])
    assert (accounted["17"].state, accounted["18"].state) == (base.RUNNING, base.PENDING)
    tasks = parse_sacct(load(NEW / "sacct_array_pending_tasks.json"), ["13"])["13"]
    assert tasks.state == base.RUNNING  # task 1 runs, tasks 2-3 wait ("0xC"), task 0 is done
    assert parse_squeue(load(NEW / "squeue_empty.json"), ["17"]) == {}


@pytest.mark.parametrize("parse", [parse_squeue, parse_sacct])
def test_an_unknown_layout_is_an_error_not_unknown_for_ever(parse: Any) -> None:
    document = load(NEW / "squeue_running_pending.json")
    document["meta"]["plugin"]["data_parser"] = "data_parser/v0.0.43"
    with pytest.raises(SlurmOutputError, match="unsupported"):
        parse(document, ["17"])
    with pytest.raises(SlurmOutputError, match="no meta"):
        parse({}, ["17"])
    assert isinstance(SlurmOutputError("x"), base.SchedulerError)  # callers keep the job as it was


# --- used GPU-minutes -----------------------------------------------------------------------------

@pytest.mark.parametrize(("path", "account"), [(OLD / "assoc_mgr_used.txt", "laifvers14295"),
                                               (NEW / "assoc_mgr_used.txt", "laifused")])
def test_used_gpu_minutes_of_real_assoc_mgr_output(path: Path, account: str) -> None:
    text = path.read_text()
    assert "gres/gpu=100(1)" in text  # the account's limit (used); its user's line says N(1)
    assert parse_account_usage(text, account) == base.AccountUsage(used_minutes=1,
                                                                   running_minutes=0)


def test_an_account_the_controller_has_no_association_of_has_used_nothing() -> None:
    # a new account: reading 0 gives the smallest limit (what the project may still start)
    empty = "Current Association Manager state\n\nAssociation Records\n\n"
    assert parse_account_usage(empty, "p") == base.AccountUsage(0, 0)


@pytest.mark.parametrize("text", [
    (NEW / "assoc_mgr_used.txt").read_text().replace("gres/gpu=100(1)", "gres/gpu:a100=100(1)"),
    "ClusterName=laif Account=p UserName=u(1001) Partition= ID=4\n"
    "    GrpTRESMins=gres/gpu=N(3)\n",
])
def test_used_gpu_minutes_not_found_is_an_error_not_zero(text: str) -> None:
    account = "laifused" if "laifused" in text else "p"
    with pytest.raises(SlurmOutputError, match="no GPU usage"):
        parse_account_usage(text, account)


def test_a_large_24_11_document_is_parsed_in_pieces_with_the_same_result(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """24.11 prints the envelope after the jobs: the pieces of a large document keep it last."""
    document = load(NEW / "sacct_window.v0.0.42.json")
    jobs = []
    for i in range(150):
        for job in document["jobs"]:
            copy = json.loads(json.dumps(job))
            copy["job_id"] = 1000 * (i + 1) + job["job_id"]
            jobs.append(copy)
    document["jobs"] = jobs
    data = json.dumps(document, indent=2).encode()
    assert data.index(b'"meta"') > len(data) // 2
    whole = parse_sacct_json(data)
    monkeypatch.setattr(sacct_pieces, "CHUNK_BYTES", 50_000)
    assert len(sacct_pieces.pieces(data)) > 20
    assert parse_sacct_json(data).equals(whole)
    assert whole.height == 3000
    batches = list(sacct.iter_sacct_json(data, batch_bytes=300_000))
    assert len(batches) > 1
    assert pl.concat(batches).equals(whole)


def as_23_02(document: dict[str, Any]) -> dict[str, Any]:
    """A 24.11 document as Slurm 23.02 prints it (data_parser/v0.0.39, from 23.02's source):
    the envelope under meta.plugins and meta.Slurm, one state name, a plain return code."""
    changed: dict[str, Any] = json.loads(json.dumps(document))
    changed["meta"] = {"plugins": {"data_parser": "data_parser/v0.0.39"},
                       "Slurm": {"release": "23.02.7"}}
    for job in changed["jobs"]:
        current = job["state"]["current"]
        job["state"]["current"] = "REQUEUED" if "REQUEUED" in current else current[0]
        job["exit_code"] = {"status": "SUCCESS", "return_code": 0}
    return changed


def test_23_02_documents_read_like_24_11() -> None:
    document = load(NEW / "sacct_window.v0.0.40.json")
    older = as_23_02(document)
    assert parse_sacct_json(json.dumps(older, indent=2).encode()).equals(
        parse_sacct_json(json.dumps(document, indent=2).encode()))
    assert {k: s.state for k, s in parse_sacct(older, ["3", "9"]).items()} == {
        "3": base.COMPLETED, "9": base.FAILED}


def test_a_job_sacct_has_nothing_of_is_no_status_not_an_error() -> None:
    """``sacct --json -j`` of a job it has no record of prints error 9003 (22.05, real output):
    the job is simply not found (then lost after a while), the scheduler is not unreachable."""
    nothing = {"meta": {"plugin": {"type": "openapi/dbv0.0.38"}, "Slurm": {"release": "22.05.8"}},
               "errors": [{"description": "Nothing found", "error_number": 9003,
                           "error": "Nothing found with query", "source": "slurmdb_jobs_get"}],
               "jobs": []}
    assert parse_sacct(nothing, ["999999"]) == {}
    nothing["errors"][0]["error_number"] = 7000  # type: ignore[index]
    with pytest.raises(SlurmOutputError, match="Nothing found"):
        parse_sacct(nothing, ["999999"])
