"""The Slurm JSON layouts (laif.cluster.slurm_json): envelopes of every version laif reads, the
values that changed shape, and everything else refused. Pure: no database."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from laif.cluster import slurm_json
from laif.cluster.slurm_json import (
    SlurmJsonError,
    exit_code,
    instant,
    layout_of,
    number,
    sacct_jobs,
    squeue_jobs,
    state_name,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "slurm"
V2411 = FIXTURES / "24.11"

Doc = dict[str, Any]


def load(path: Path) -> Doc:
    loaded: Doc = json.loads(path.read_text())
    return loaded


def with_meta(document: Doc, meta: Doc) -> Doc:
    changed = copy.deepcopy(document)
    changed["meta"] = meta
    return changed


# 23.02 prints `meta.plugins.data_parser` and `meta.Slurm` (src/interfaces/data_parser.c of 23.02)
META_2302 = {"plugins": {"data_parser": "data_parser/v0.0.39",
                         "accounting_storage": "accounting_storage/slurmdbd"},
             "command": ["sacct", "--json"],
             "Slurm": {"version": {"major": 23, "micro": 7, "minor": 2}, "release": "23.02.7"}}


def meta_24(parser: str, release: str = "24.11.5") -> Doc:
    return {"plugin": {"type": "", "name": "", "data_parser": parser,
                       "accounting_storage": "accounting_storage/slurmdbd"},
            "slurm": {"version": {"major": "24", "micro": "5", "minor": "11"},
                      "release": release, "cluster": "laif24"}}


@pytest.mark.parametrize(("path", "command", "layout"), [
    (FIXTURES / "sacct_completed.json", "sacct", "openapi/dbv0.0.38"),
    (FIXTURES / "squeue_array.json", "squeue", "openapi/v0.0.38"),
    (V2411 / "sacct_completed.json", "sacct", "data_parser/v0.0.42"),
    (V2411 / "squeue_array.json", "squeue", "data_parser/v0.0.42"),
    (V2411 / "sacct_window.v0.0.40.json", "sacct", "data_parser/v0.0.40"),
    (V2411 / "sacct_window.v0.0.41.json", "sacct", "data_parser/v0.0.41"),
])
def test_the_envelope_of_each_captured_version_names_its_layout(path: Path, command: str,
                                                               layout: str) -> None:
    assert layout_of(load(path), command).name == layout


def test_the_envelope_of_23_02_is_read_from_its_own_keys() -> None:
    document = with_meta(load(V2411 / "sacct_completed.json"), META_2302)
    assert layout_of(document, "sacct").name == "data_parser/v0.0.39"


@pytest.mark.parametrize(("meta", "command", "message"), [
    (meta_24("data_parser/v0.0.43", "25.05.0"), "sacct", "unsupported sacct --json format "
     "'data_parser/v0.0.43'"),
    (meta_24("data_parser/v0.0.42", "25.05.0"), "sacct", r"release '25\.05\.0' is not supported"),
    (meta_24("data_parser/v0.0.40", "22.05.8"), "squeue", r"release '22\.05\.8'"),
    ({"plugin": {"type": "openapi/v0.0.38"}, "Slurm": {"release": "22.05.8"}}, "sacct",
     "unsupported sacct --json format 'openapi/v0.0.38'"),  # squeue's layout
    ({"plugin": {"type": "openapi/dbv0.0.37"}, "Slurm": {"release": "21.08.8"}}, "sacct",
     "unsupported"),
    ({}, "squeue", "unsupported squeue --json format ''"),
    ({"plugin": {"data_parser": "data_parser/v0.0.42"}}, "squeue", "release ''"),
])
def test_an_unknown_layout_or_release_is_refused(meta: Doc, command: str, message: str) -> None:
    document = with_meta(load(V2411 / "squeue_running_pending.json"), meta)
    with pytest.raises(SlurmJsonError, match=message):
        layout_of(document, command)


def test_no_envelope_reported_errors_or_no_jobs_are_refused_but_warnings_are_not() -> None:
    document = load(V2411 / "squeue_empty.json")
    assert document["warnings"]  # "Zero jobs to dump"
    assert squeue_jobs(document) == []
    for broken, message in [
        ([], "must be a JSON object"),
        ({"jobs": []}, "no meta object"),
        ({**document, "errors": [{"description": "Unable to contact slurm controller"}]},
         "squeue reported errors: Unable to contact slurm controller"),
        ({k: v for k, v in document.items() if k != "jobs"}, "no jobs list"),
    ]:
        with pytest.raises(SlurmJsonError, match=message):
            squeue_jobs(broken)


def test_numbers_in_both_shapes() -> None:
    assert number(5) == 5
    assert number(None) is None
    assert number({"set": True, "infinite": False, "number": 5}) == 5
    assert number({"set": False, "infinite": True, "number": 0}) is None  # UNLIMITED
    assert number({"set": False, "infinite": False, "number": 0}) is None  # not set
    for bad in ("5", 1.5, True, {"number": 5}, [5]):
        with pytest.raises(SlurmJsonError, match="not a number"):
            number(bad)


def test_not_started_is_none_whatever_the_version() -> None:
    assert instant(None) is None  # 22.05
    assert instant(0) is None  # 24.11, pending
    assert instant(4294967294) is None  # 24.11, cancelled while pending
    assert instant({"set": True, "infinite": False, "number": 0}) is None  # 24.11 squeue
    assert instant(1796416425) == datetime(2026, 12, 4, 20, 33, 45, tzinfo=UTC)
    assert instant({"set": True, "infinite": False, "number": 1796416425}) == \
        datetime(2026, 12, 4, 20, 33, 45, tzinfo=UTC)


@pytest.mark.parametrize(("value", "name"), [
    ("COMPLETED", "COMPLETED"),  # 22.05, 23.02
    ("REQUEUED", "REQUEUED"),
    (["COMPLETED"], "COMPLETED"),
    (["PENDING", "REQUEUED"], "REQUEUED"),  # a requeued run in 24.11: never its first element
    (["RUNNING", "COMPLETING"], "COMPLETING"),
    (["PENDING", "REQUEUE_HOLD"], "REQUEUE_HOLD"),
    (["CANCELLED", "UPDATE_DB"], "CANCELLED"),  # a flag Slurm does not name a state by
    (["REQUEUED", "COMPLETING", "RUNNING"], "COMPLETING"),  # Slurm's own precedence
])
def test_a_state_is_named_as_slurm_names_it(value: Any, name: str) -> None:
    assert state_name(value) == name


@pytest.mark.parametrize("value", [None, "", [], ["UPDATE_DB"], ["WEIRD"], [1], {"current": "X"}])
def test_a_state_without_a_name_is_refused(value: Any) -> None:
    with pytest.raises(SlurmJsonError, match="not a job state"):
        state_name(value)


def test_exit_codes_are_trusted_only_where_slurm_gives_them() -> None:
    failed_2411 = {"status": ["ERROR"], "return_code": {"set": True, "infinite": False, "number": 3}}
    assert exit_code(failed_2411, "FAILED") == 3
    assert exit_code({"status": "SUCCESS", "return_code": 0}, "FAILED") is None  # 22.05 for exit 3
    assert exit_code({"status": "SUCCESS", "return_code": 0}, "COMPLETED") == 0
    assert exit_code({"status": ["SUCCESS"], "return_code": {"set": True, "infinite": False,
                                                             "number": 0}}, "TIMEOUT") is None
    assert exit_code({"status": ["SIGNALED"], "return_code": {"set": False, "infinite": False,
                                                              "number": 0}}, "CANCELLED") is None
    assert exit_code({"status": "SIGNALED", "return_code": -127}, "FAILED") is None  # 23.02
    assert exit_code(None, "PENDING") is None


def test_sacct_records_of_24_11_read_like_those_of_22_05() -> None:
    new = {r.job_id: r for r in sacct_jobs(load(V2411 / "sacct_states.json"))}
    old = {r.job_id: r for r in sacct_jobs(load(FIXTURES / "sacct_states.json"))}
    assert {j: r.state for j, r in new.items()} == {j: r.state for j, r in old.items()} == {
        9: "FAILED", 10: "TIMEOUT", 11: "CANCELLED", 12: "CANCELLED"}
    assert new[12].start is None  # cancelled while pending
    assert old[12].start is None
    assert (new[9].exit_code, old[9].exit_code) == (3, None)  # 22.05 cannot tell
    requeued = sacct_jobs(load(V2411 / "sacct_requeued.json"))
    assert [(r.job_id, r.state) for r in requeued] == [(3, "REQUEUED"), (3, "COMPLETED")]


def test_array_records_name_the_master_and_the_task() -> None:
    tasks = sacct_jobs(load(V2411 / "sacct_array_pending_tasks.json"))
    assert [(r.job_id, r.array_job_id, r.array_task_id, r.state) for r in tasks] == [
        (14, 13, 0, "COMPLETED"), (15, 13, 1, "RUNNING"), (13, 13, None, "PENDING")]
    assert tasks[1].end is None  # running: end 0
    queued = squeue_jobs(load(V2411 / "squeue_array.json"))
    assert {(r.job_id, r.array_job_id, r.array_task_id) for r in queued} >= {
        (15, 13, 1), (13, 13, None), (10, None, None)}


def test_every_layout_is_listed_with_the_releases_it_is_read_from() -> None:
    assert sorted(slurm_json.LAYOUTS) == [
        "data_parser/v0.0.39", "data_parser/v0.0.40", "data_parser/v0.0.41",
        "data_parser/v0.0.42", "openapi/dbv0.0.38", "openapi/v0.0.38"]
    assert {r for layout in slurm_json.LAYOUTS.values() for r in layout.releases} == {
        "22.05.", "23.02.", "23.11.", "24.05.", "24.11."}
