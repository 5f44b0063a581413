"""The cluster file and the allocation policy's environment overrides, validated at start-up:
a bad value stops ``manage.py`` with a message naming the variable; good ones take effect."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from laif.catalogue import CATALOGUE_DIR

REPO = Path(__file__).resolve().parent.parent.parent
SHOW = ("from django.conf import settings as s; c = s.LAIF_CLUSTER; "
        "print(c.total_gpus, c.policy.period_months, c.policy.pool_shares_percent['national'], "
        "c.policy.overbooking_factor)")


def _run(tmp: Path, extra: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LAIF_", "DATABASE_URL", "DJANGO_"))}
    env.update({"LAIF_DATA_DIR": str(tmp), **extra})
    return subprocess.run([sys.executable, str(REPO / "manage.py"), *args], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=120, check=False)


def _test_cluster(tmp: Path) -> str:
    data = json.loads((CATALOGUE_DIR / "cluster.json").read_text("utf-8"))
    data["cluster"]["partitions"] = [{
        "name": "debug", "purpose": "tests", "nodes": 1, "gpus_per_node": 8,
        "gpu_model": "fake h200", "gpu_memory_gb": 1, "max_walltime_hours": 1,
        "announced": False}]
    path = tmp / "test-cluster.json"
    path.write_text(json.dumps(data), "utf-8")
    return str(path)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, subprocess.CompletedProcess[str]]:
    tmp = tmp_path_factory.mktemp("cluster-settings")
    broken = tmp / "broken.json"
    broken.write_text('{"version": 1}', "utf-8")
    cases: dict[str, tuple[dict[str, str], tuple[str, ...]]] = {
        "defaults": ({}, ("shell", "-c", SHOW)),
        "overrides": ({"LAIF_ALLOCATION_PERIOD_MONTHS": "12", "LAIF_NATIONAL_POOL_PERCENT": "60",
                       "LAIF_OVERBOOKING_FACTOR": "1.5", "LAIF_CLUSTER_FILE": _test_cluster(tmp)},
                      ("shell", "-c", SHOW)),
        "overbooking-low": ({"LAIF_OVERBOOKING_FACTOR": "0.5"}, ("check",)),
        "overbooking-text": ({"LAIF_OVERBOOKING_FACTOR": "lots"}, ("check",)),
        "share-too-big": ({"LAIF_NATIONAL_POOL_PERCENT": "150"}, ("check",)),
        "period-too-short": ({"LAIF_ALLOCATION_PERIOD_MONTHS": "2"}, ("check",)),
        "file-missing": ({"LAIF_CLUSTER_FILE": str(tmp / "nope.json")}, ("check",)),
        "file-broken": ({"LAIF_CLUSTER_FILE": str(broken)}, ("check",)),
    }
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {name: pool.submit(_run, tmp, extra, *args)
                   for name, (extra, args) in cases.items()}
        return {name: future.result() for name, future in futures.items()}


def test_defaults_and_overrides(runs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    assert runs["defaults"].returncode == 0, runs["defaults"].stderr
    assert runs["defaults"].stdout.splitlines()[-1].split() == ["2100", "6", "50", "1.20"]
    assert runs["overrides"].returncode == 0, runs["overrides"].stderr
    assert runs["overrides"].stdout.splitlines()[-1].split() == ["8", "12", "60", "1.50"]


@pytest.mark.parametrize(("case", "variable", "words"), [
    ("overbooking-low", "LAIF_OVERBOOKING_FACTOR", "between 1.0 and 3.0"),
    ("overbooking-text", "LAIF_OVERBOOKING_FACTOR", "decimal number"),
    ("share-too-big", "LAIF_NATIONAL_POOL_PERCENT", "between 0 and 100"),
    ("period-too-short", "LAIF_ALLOCATION_PERIOD_MONTHS", "longer than an allocation period"),
    ("file-missing", "LAIF_CLUSTER_FILE", "cannot read it"),
    ("file-broken", "LAIF_CLUSTER_FILE", "broken.json"),
])
def test_bad_values_stop_start_up(runs: dict[str, subprocess.CompletedProcess[str]], case: str,
                                  variable: str, words: str) -> None:
    result = runs[case]
    assert result.returncode != 0
    assert "laif cannot start: invalid configuration" in result.stderr
    lines = [line.strip() for line in result.stderr.splitlines() if line.startswith("  - ")]
    assert any(line.startswith(f"- {variable}: ") and words in line for line in lines), (
        result.stderr)
    assert "Traceback" not in result.stderr
