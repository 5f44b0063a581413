"""The cluster as data (laif.catalogue.cluster): the shipped file, its checks and the policy
overrides. Pure: no Django."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from laif.catalogue import CATALOGUE_DIR, CatalogueError
from laif.catalogue.cluster import load_cluster, parse_cluster, parse_overbooking, with_policy

SHIPPED: dict[str, Any] = json.loads((CATALOGUE_DIR / "cluster.json").read_text("utf-8"))


def test_shipped_cluster() -> None:
    cluster = load_cluster()
    assert cluster.name == "MeluXina-AI"
    assert cluster.total_gpus >= 2100
    assert {p.name for p in cluster.partitions} >= {"gpu", "gpu-dev"}
    gpu = next(p for p in cluster.partitions if p.name == "gpu")
    assert (gpu.gpus_per_node, gpu.gpu_memory_gb) == (4, 141)
    assert "H200" in gpu.gpu_model
    dev = next(p for p in cluster.partitions if p.name == "gpu-dev")
    assert dev.nodes < gpu.nodes
    # Known only from the announcement: flagged as such, never presented as verified.
    assert all(p.announced for p in cluster.partitions)
    assert cluster.announced
    assert "verified" not in json.dumps(SHIPPED).replace("not verified", "")
    assert {a.key for a in cluster.access_types} == {"development", "fast_lane", "large_scale"}
    assert all(a.max_gpu_hours > 0 and a.max_duration_months > 0 for a in cluster.access_types)
    policy = cluster.policy
    assert policy.period_months == 6
    assert policy.pool_shares_percent == {"national": 50, "eurohpc": 50}
    assert policy.overbooking_factor == Decimal("1.2")
    assert cluster.source
    assert cluster.effective_date.year >= 2025


def test_access_type_texts_in_both_languages() -> None:
    fast = load_cluster().access_type("fast_lane")
    assert fast is not None
    assert fast.title_in("en") == "Fast lane"
    assert fast.title_in("fr") == "Voie rapide"
    assert fast.summary_in("fr-be") != fast.summary_in("en")
    assert load_cluster().access_type("nope") is None


Edit = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        if value is _DELETE:
            del node[int(last) if last.isdigit() else last]
        else:
            node[int(last) if last.isdigit() else last] = value
    return edit


_DELETE = object()


@pytest.mark.parametrize(("edit", "words"), [
    (_set("version", 0), "'version'"),
    (_set("version", True), "'version'"),
    (_set("effective_date", "soon"), "ISO date"),
    (_set("source", " "), "'source'"),
    (_set("cluster.partitions", []), "non-empty list"),
    (_set("cluster.partitions.0.name", "GPU Partition"), "Slurm partition name"),
    (_set("cluster.partitions.0.nodes", 0), "'nodes' must be between"),
    (_set("cluster.partitions.0.gpus_per_node", "4"), "must be an integer"),
    (_set("cluster.partitions.0.announced", "yes"), "'announced' must be true or false"),
    (_set("cluster.partitions.0.announced", _DELETE), "'announced'"),
    (_set("cluster.partitions.1.name", "gpu"), "partition names must be unique"),
    (_set("cluster.name", "MeluXina\u0000AI"), "NUL"),
    (_set("access_types.1.key", "development"), "access type keys must be unique"),
    (_set("access_types.0.key", "Fast Lane"), "lower case"),
    (_set("access_types.0.title_fr", ""), "'title_fr'"),
    (_set("access_types.0.max_gpu_hours", -1), "'max_gpu_hours'"),
    (_set("access_types.2.max_duration_months", 12), "longer than an allocation period"),
    (_set("allocation_policy.period_months", 0), "'period_months'"),
    (_set("allocation_policy.first_period_start", "2026-01-15"), "first day of a month"),
    (_set("allocation_policy.pool_shares_percent", {"national": 60, "eurohpc": 50}),
     "add up to 100"),
    (_set("allocation_policy.pool_shares_percent", {"national": 100}), "exactly the pools"),
    (_set("allocation_policy.overbooking_factor", "0.8"), "between 1.0 and 3.0"),
    (_set("allocation_policy.overbooking_factor", "lots"), "decimal number"),
    (_set("allocation_policy.overbooking_factor", "1.234"), "at most two decimals"),
    (_set("allocation_policy.overbooking_factor", "NaN"), "between"),
    (_set("allocation_policy", None), "allocation_policy: expected a JSON object"),
])
def test_broken_files_are_refused_with_a_clear_message(edit: Edit, words: str) -> None:
    data = copy.deepcopy(SHIPPED)
    edit(data)
    with pytest.raises(CatalogueError, match=None) as caught:
        parse_cluster(data)
    assert words in str(caught.value)
    assert str(caught.value).startswith("cluster.json")


@pytest.mark.parametrize("value", [1.2, "1.2", "1.20", 1, "3"])
def test_overbooking_accepts_numbers_and_strings(value: Any) -> None:
    assert parse_overbooking(value) in (Decimal("1.2"), Decimal(1), Decimal(3))


def test_a_single_node_test_cluster_is_a_valid_file(tmp_path: Path) -> None:
    data = copy.deepcopy(SHIPPED)
    data["cluster"]["partitions"] = [{
        "name": "debug", "purpose": "tests", "nodes": 1, "gpus_per_node": 8,
        "gpu_model": "fake h200", "gpu_memory_gb": 1, "max_walltime_hours": 1,
        "announced": False,
    }]
    path = tmp_path / "cluster.json"
    path.write_text(json.dumps(data), "utf-8")
    cluster = load_cluster(path)
    assert cluster.total_gpus == 8
    assert not cluster.announced


def test_unreadable_and_invalid_files(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="cannot read"):
        load_cluster(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{", "utf-8")
    with pytest.raises(CatalogueError, match="not valid JSON"):
        load_cluster(broken)


def test_policy_overrides() -> None:
    cluster = with_policy(load_cluster(), period_months=12, national_percent=60,
                          overbooking_factor=Decimal("1.5"))
    assert cluster.policy.period_months == 12
    assert cluster.policy.pool_shares_percent == {"national": 60, "eurohpc": 40}
    assert cluster.policy.overbooking_factor == Decimal("1.50")
    assert with_policy(load_cluster()) == load_cluster()


def test_policy_override_shorter_than_an_access_type_is_refused() -> None:
    with pytest.raises(CatalogueError, match="longer than an allocation period"):
        with_policy(load_cluster(), period_months=2)
