"""The Slurm JSON fixtures (tests/fixtures/slurm/) are what Slurm 22.05.8 really printed: each file
parses, has the envelope of its command, its release, and the facts its README says it shows.
A re-capture on another Slurm version must change these expectations on purpose."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "slurm"
RELEASE = "22.05.8"
SACCT_PLUGIN = "openapi/dbv0.0.38"
SQUEUE_PLUGIN = "openapi/v0.0.38"

Job = dict[str, Any]


def _gres(job: Job, kind: str = "allocated") -> dict[str, int]:
    return {t["name"]: t["count"] for t in job["tres"][kind] if t["type"] == "gres"}


def _completed(jobs: list[Job]) -> None:
    (job,) = jobs
    assert (job["user"], job["account"], job["state"]["current"]) == ("laif_u1", "laiftest", "COMPLETED")
    assert job["array"]["job_id"] == 0
    assert _gres(job)["gpu"] == 2
    assert job["steps"] == []  # -X: allocations only
    assert job["time"]["limit"] == 5  # minutes, while elapsed is in seconds
    assert job["time"]["elapsed"] == job["time"]["end"] - job["time"]["start"]


def _array(jobs: list[Job]) -> None:
    master = {job["array"]["job_id"] for job in jobs}
    assert len(master) == 1
    assert 0 not in master
    assert sorted(job["array"]["task_id"] for job in jobs) == [0, 1, 2, 3]
    assert len({job["job_id"] for job in jobs}) == 4  # each task has its own raw id ...
    assert master <= {job["job_id"] for job in jobs}  # ... one of them the master's


def _requeued(jobs: list[Job]) -> None:
    assert len({job["job_id"] for job in jobs}) == 1
    assert [job["state"]["current"] for job in jobs] == ["REQUEUED", "COMPLETED"]
    first, last = jobs
    assert last["time"]["submission"] > first["time"]["submission"]  # resubmitted at the requeue


def _typed_gpu(jobs: list[Job]) -> None:
    for job in jobs:
        gres = _gres(job)
        assert gres["gpu"] == gres["gpu:h200"] > 0  # every GPU counted twice
    untyped = [job for job in jobs if "gpu:h200" not in _gres(job, "requested")]
    assert untyped, "one job asked for --gres=gpu:1 without a type"


def _states(jobs: list[Job]) -> None:
    by_state = {job["state"]["current"]: job for job in jobs}
    assert {"FAILED", "TIMEOUT", "CANCELLED"} <= set(by_state)
    # Slurm 22.05's JSON reports exit code 0 for the job that exited 3 (plain sacct says 3:0).
    assert by_state["FAILED"]["exit_code"]["return_code"] == 0
    never_started = [job for job in jobs if job["time"]["start"] is None]
    assert never_started
    assert never_started[0]["tres"]["allocated"] == []


def _steps(jobs: list[Job]) -> None:
    (job,) = jobs
    assert [step["step"]["id"] for step in job["steps"]] == ["batch"]


def _squeue_budget(jobs: list[Job]) -> None:
    reasons = {job["state_reason"] for job in jobs if job["job_state"] == "PENDING"}
    assert "AssocGrpGRESMinutes" in reasons


def _squeue_array(jobs: list[Job]) -> None:
    pending = [job for job in jobs if job["array_task_string"]]
    assert pending
    assert pending[0]["job_state"] == "PENDING"
    assert {job["array_job_id"] for job in jobs if job["array_task_id"] is not None} == {
        pending[0]["job_id"]
    }
    assert any(job["restart_cnt"] == 1 for job in jobs)  # the requeued job, running again


EXPECTED: dict[str, tuple[str, Callable[[list[Job]], None]]] = {
    "sacct_completed.json": (SACCT_PLUGIN, _completed),
    "sacct_array.json": (SACCT_PLUGIN, _array),
    "sacct_requeued.json": (SACCT_PLUGIN, _requeued),
    "sacct_typed_gpu.json": (SACCT_PLUGIN, _typed_gpu),
    "sacct_states.json": (SACCT_PLUGIN, _states),
    "sacct_steps.json": (SACCT_PLUGIN, _steps),
    "squeue_pending_budget.json": (SQUEUE_PLUGIN, _squeue_budget),
    "squeue_array.json": (SQUEUE_PLUGIN, _squeue_array),
}


def test_every_fixture_is_expected_and_documented() -> None:
    assert sorted(p.name for p in FIXTURES.glob("*.json")) == sorted(EXPECTED)
    readme = (FIXTURES / "README.md").read_text()
    for name in EXPECTED:
        assert f"`{name}`" in readme, f"{name} is not described in the README"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_parses_with_its_envelope_and_release(name: str) -> None:
    plugin, facts = EXPECTED[name]
    data = json.loads((FIXTURES / name).read_text())
    assert set(data) == {"meta", "errors", "jobs"}
    assert data["meta"]["plugin"]["type"] == plugin
    assert data["meta"]["Slurm"]["release"] == RELEASE
    assert data["errors"] == []
    assert data["jobs"]
    facts(data["jobs"])


# --- Slurm 24.11.5 (tests/fixtures/slurm/24.11/): lists of states, number objects -------------

V2411 = FIXTURES / "24.11"
RELEASE_2411 = "24.11.5"


def _n(value: dict[str, Any]) -> int | None:
    """A number object's number when set (the tests' own reading, not the platform's)."""
    return value["number"] if value["set"] else None


def _completed_2411(jobs: list[Job]) -> None:
    (job,) = jobs
    assert job["state"]["current"] == ["COMPLETED"]
    assert job["array"]["job_id"] == 0
    assert _n(job["array"]["task_id"]) is None
    assert _gres(job)["gpu"] == 2
    assert {t["type"]: t["count"] for t in job["tres"]["allocated"]}["energy"] == -2
    assert job["time"]["limit"] == {"set": True, "infinite": False, "number": 5}
    assert job["time"]["elapsed"] == job["time"]["end"] - job["time"]["start"]


def _array_2411(jobs: list[Job]) -> None:
    assert [(j["job_id"], j["array"]["job_id"], _n(j["array"]["task_id"])) for j in jobs] == [
        (4, 2, 0), (5, 2, 1), (6, 2, 2), (2, 2, 3)]


def _requeued_2411(jobs: list[Job]) -> None:
    assert [(j["state"]["current"], j["restart_cnt"]) for j in jobs] == [
        (["PENDING", "REQUEUED"], 0), (["COMPLETED"], 1)]
    assert jobs[1]["time"]["submission"] > jobs[0]["time"]["submission"]


def _states_2411(jobs: list[Job]) -> None:
    by_id = {j["job_id"]: j for j in jobs}
    assert [by_id[i]["state"]["current"] for i in (9, 10, 11, 12)] == [
        ["FAILED"], ["TIMEOUT"], ["CANCELLED"], ["CANCELLED"]]
    assert by_id[9]["exit_code"]["status"] == ["ERROR"]
    assert _n(by_id[9]["exit_code"]["return_code"]) == 3
    assert by_id[12]["time"]["start"] == 4294967294
    assert by_id[12]["tres"]["allocated"] == []


def _array_pending_tasks_2411(jobs: list[Job]) -> None:
    rest = jobs[-1]
    assert (rest["job_id"], rest["array"]["task"], rest["state"]["current"]) == (13, "0xC", ["PENDING"])
    assert _n(rest["array"]["task_id"]) is None
    assert rest["time"]["start"] == 0
    assert jobs[1]["state"]["current"] == ["RUNNING"]
    assert jobs[1]["time"]["end"] == 0


def _window_2411(jobs: list[Job]) -> None:
    assert len(jobs) == 20
    assert sum(1 for j in jobs if "REQUEUED" in j["state"]["current"]) == 1


def _squeue_budget_2411(jobs: list[Job]) -> None:
    by_id = {j["job_id"]: j for j in jobs}
    assert (by_id[12]["job_state"], by_id[12]["state_reason"]) == (["PENDING"], "AssocGrpGRESMinutes")
    assert (by_id[3]["state_reason"], by_id[3]["restart_cnt"]) == ("BeginTime", 1)
    assert by_id[10]["job_state"] == ["RUNNING"]


def _squeue_array_2411(jobs: list[Job]) -> None:
    rest = next(j for j in jobs if j["array_task_string"])
    assert (rest["job_id"], rest["array_task_string"], _n(rest["array_job_id"])) == (13, "2-3", 13)
    assert any(j["job_id"] == 15 and j["job_state"] == ["RUNNING"] for j in jobs)


def _squeue_running_pending_2411(jobs: list[Job]) -> None:
    assert [(j["job_id"], j["job_state"], j["state_reason"]) for j in jobs] == [
        (17, ["RUNNING"], "None"), (18, ["PENDING"], "Resources")]
    assert _n(jobs[1]["start_time"]) == _n(jobs[0]["end_time"])  # an estimate: 17's time limit


def _some(jobs: list[Job]) -> None:
    assert jobs


EXPECTED_2411: dict[str, tuple[str, Callable[[list[Job]], None]]] = {
    "sacct_completed.json": ("v0.0.42", _completed_2411),
    "sacct_array.json": ("v0.0.42", _array_2411),
    "sacct_requeued.json": ("v0.0.42", _requeued_2411),
    "sacct_typed_gpu.json": ("v0.0.42", _typed_gpu),
    "sacct_states.json": ("v0.0.42", _states_2411),
    "sacct_steps.json": ("v0.0.42", _some),
    "sacct_array_pending.json": ("v0.0.42", _some),
    "sacct_array_pending_tasks.json": ("v0.0.42", _array_pending_tasks_2411),
    "sacct_running_pending.json": ("v0.0.42", _some),
    "sacct_window.v0.0.40.json": ("v0.0.40", _window_2411),
    "sacct_window.v0.0.41.json": ("v0.0.41", _window_2411),
    "sacct_window.v0.0.42.json": ("v0.0.42", _window_2411),
    "squeue_pending_budget.json": ("v0.0.42", _squeue_budget_2411),
    "squeue_array.json": ("v0.0.42", _squeue_array_2411),
    "squeue_array_all.json": ("v0.0.42", _some),
    "squeue_running_pending.json": ("v0.0.42", _squeue_running_pending_2411),
    "squeue_empty.json": ("v0.0.42", lambda jobs: None),
}


def test_every_24_11_fixture_is_expected_and_documented() -> None:
    assert sorted(p.name for p in V2411.glob("*.json")) == sorted(EXPECTED_2411)
    readme = (V2411 / "README.md").read_text()
    for name in [*EXPECTED_2411, "assoc_mgr_used.txt", "sacct_window.txt"]:
        assert f"`{name}`" in readme, f"{name} is not described in the README"


@pytest.mark.parametrize("name", sorted(EXPECTED_2411))
def test_24_11_fixture_parses_with_its_envelope_and_release(name: str) -> None:
    parser, facts = EXPECTED_2411[name]
    data = json.loads((V2411 / name).read_text())
    assert set(data) >= {"meta", "errors", "warnings", "jobs"}
    assert data["meta"]["plugin"]["data_parser"] == f"data_parser/{parser}"
    assert data["meta"]["plugin"]["type"] == ""
    assert data["meta"]["slurm"]["release"] == RELEASE_2411
    assert data["errors"] == []
    facts(data["jobs"])
