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
