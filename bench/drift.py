"""Benchmark of the drift engine (``laif.govern.drift``) against Evidently 0.7, in the same run.

    bench/evidently/setup.sh            # once: the Evidently environment (.venv-evidently/)
    .venv/bin/python bench/drift.py [--rows 1000000] [--seed 1] [--keep DIR]

Generates a reference and a current table of ``--rows`` rows each (1,000,000 by default: the
issue's "1 M rows x 20 columns", the same size for both) with 20 columns: 10 floating-point
(two with 5% missing values), 2 integer with many values, 8 categorical (strings of 3 to 40
values, one with missing values, a small integer code, a boolean); 8 of the 20 columns drift in
the current table. Both are written as Parquet to a temporary folder. Then, each in a fresh
process, timed (wall clock, process start and imports included) with its peak resident memory
(``wait4``'s ``ru_maxrss``):

1. laif: profile the reference from its file, serialise the profile, load it back, test the
   current file (the first run of a monitor: the profile's cost included);
2. laif, profile once then test: only the test of the current file against the stored profile
   (every later run of the monitor);
3. Evidently 0.7: ``Report([DataDriftPreset()])`` on the two files read by pandas
   (``bench/evidently/run_evidently.py``, in ``.venv-evidently``).

Every column's method and drift decision and the dataset verdict must be the same and the
statistics equal to 1e-6 (exit status 1 otherwise). The targets: (1) at least 10 times faster
than (3), with at most a third of its peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

EVIDENTLY_PYTHON = ROOT / ".venv-evidently" / "bin" / "python"
EVIDENTLY_RUNNER = ROOT / "bench" / "evidently" / "run_evidently.py"
SPEED_TARGET = 10.0
MEMORY_TARGET = 1 / 3


def generate(rows: int, seed: int, drifted: bool) -> Any:
    """One table of 20 columns; ``drifted``: 8 of them drift."""
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(seed)
    s = 1.0 if drifted else 0.0

    def with_missing(values: Any, share: float) -> pl.Series:
        series = pl.Series(values)
        return series.set(pl.Series(rng.random(rows) < share), None)

    def strings(values: list[str], weights: list[float]) -> pl.Series:
        p = np.asarray(weights) / np.sum(weights)
        return pl.Series(values).gather(rng.choice(len(values), rows, p=p))

    cities = [f"city{i:02d}" for i in range(40)]
    city_weights = [1.0 + (i % 7) for i in range(40)]
    if drifted:
        city_weights = [w * (2.0 if i < 8 else 1.0) for i, w in enumerate(city_weights)]
    columns: dict[str, Any] = {
        "age": rng.normal(40 + 4 * s, 12, rows),  # drifts
        "income": rng.lognormal(10 + 0.3 * s, 0.5, rows),  # drifts
        "score": rng.uniform(0, 1, rows),
        "balance": with_missing(rng.normal(1000, 300, rows), 0.05),
        "tenure": rng.exponential(5 + 2 * s, rows),  # drifts
        "ratio": rng.beta(2, 5, rows),
        "latency": rng.gamma(2 + 0.5 * s, 2, rows),  # drifts
        "temperature": rng.normal(20, 5, rows),
        "pressure": with_missing(rng.normal(1013 + 5 * s, 10, rows), 0.05),  # drifts
        "noise": rng.standard_t(5, rows),
        "visits": rng.poisson(30, rows),
        "items": rng.integers(0, 500 + int(200 * s), rows),  # drifts
        "city": strings(cities, city_weights),  # drifts
        "channel": strings(["web", "app", "shop"], [5, 3 + 3 * s, 2]),  # drifts
        "plan": strings(["free", "basic", "pro", "team", "enterprise"], [50, 25, 15, 7, 3]),
        "device": with_missing(
            strings(["android", "ios", "desktop", "tablet"], [4, 3, 2, 1]), 0.02
        ),
        "segment": strings([f"s{i}" for i in range(12)], [1.0] * 12),
        "language": strings(["lb", "fr", "de", "en", "pt"], [2, 4, 3, 3, 2]),
        "region_code": rng.integers(0, 8, rows),  # an integer with 8 values: categorical
        "is_member": rng.random(rows) < 0.4,
    }
    return pl.DataFrame(columns)


def engine(reference: str, current: str, out: str, profile_file: str | None) -> None:
    """Run in the child process: laif's drift engine on the two files."""
    started = time.perf_counter()
    from laif.govern import drift

    imported = time.perf_counter()
    if profile_file is None:
        blob = drift.ReferenceProfile.build(reference).to_bytes()
    else:
        blob = Path(profile_file).read_bytes()
    profiled = time.perf_counter()
    profile = drift.ReferenceProfile.from_bytes(blob)
    result = drift.dataset_drift(profile, current)
    tested = time.perf_counter()
    Path(out).write_text(json.dumps({
        "columns": {
            name: {"method": c.method_label, "statistic": c.statistic,
                   "threshold": c.threshold, "drifted": c.drifted}
            for name, c in result.columns.items()
        },
        "number_of_drifted_columns": result.number_of_drifted_columns,
        "share_of_drifted_columns": result.share_of_drifted_columns,
        "dataset_drift": result.drifted,
        "seconds_import": imported - started,
        "seconds_profile": profiled - imported,
        "seconds_test": tested - profiled,
        "profile_bytes": len(blob),
    }))


def measure(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MiB) of a command run in a fresh process."""
    started = time.perf_counter()
    process = subprocess.Popen(command)  # noqa: S603 (our own interpreters and scripts)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{command[:3]}... failed with status {process.returncode}")
    return seconds, usage.ru_maxrss / 1024


def compare(ours: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    problems = []
    for name, their in theirs["columns"].items():
        our = ours["columns"].get(name)
        if our is None:
            problems.append(f"{name}: not tested by laif")
            continue
        for key in ("method", "drifted", "threshold"):
            if our[key] != their[key]:
                problems.append(f"{name}: {key} {our[key]!r} != Evidently's {their[key]!r}")
        if abs(our["statistic"] - their["statistic"]) > 1e-6:
            problems.append(f"{name}: statistic {our['statistic']} != {their['statistic']}")
    if set(ours["columns"]) != set(theirs["columns"]):
        problems.append("not the same columns")
    if ours["dataset_drift"] != theirs["dataset_drift"]:
        problems.append("dataset verdicts differ")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", help="write the tables and results here, and keep them")
    parser.add_argument("--engine", nargs=3, metavar=("REFERENCE", "CURRENT", "OUT"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--profile", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.engine:
        reference, current, out = args.engine
        engine(reference, current, out, profile_file=args.profile)
        return 0
    if not EVIDENTLY_PYTHON.exists():
        print("no .venv-evidently: run bench/evidently/setup.sh first", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory(prefix="laif-drift-") as tmp:
        folder = Path(args.keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        reference, current = folder / "reference.parquet", folder / "current.parquet"
        started = time.perf_counter()
        generate(args.rows, args.seed, drifted=False).write_parquet(reference)
        generate(args.rows, args.seed + 1, drifted=True).write_parquet(current)
        print(f"generated 2 x {args.rows:,} rows x 20 columns in "
              f"{time.perf_counter() - started:.1f} s ({folder})")
        cores = len(os.sched_getaffinity(0))
        print(f"cores available: {cores} (os.cpu_count {os.cpu_count()})")

        me = [sys.executable, str(Path(__file__).resolve())]
        ours_out, test_out, theirs_out = (folder / f"{n}.json" for n in ("laif", "laif-test",
                                                                          "evidently"))
        profile_file = folder / "reference.profile"
        from laif.govern import drift  # the profile for run 2, outside the measurements

        profile_file.write_bytes(drift.ReferenceProfile.build(str(reference)).to_bytes())

        ours_s, ours_mib = measure([*me, "--engine", str(reference), str(current), str(ours_out)])
        test_s, test_mib = measure([*me, "--engine", str(reference), str(current), str(test_out),
                                    "--profile", str(profile_file)])
        print("laif done; Evidently 0.7 running (about a minute and a half per 1M rows)...")
        theirs_s, theirs_mib = measure([str(EVIDENTLY_PYTHON), str(EVIDENTLY_RUNNER),
                                        str(reference), str(current), str(theirs_out)])
        ours = json.loads(ours_out.read_text())
        ours_test = json.loads(test_out.read_text())
        theirs = json.loads(theirs_out.read_text())

    print()
    print(f"{'':38s} {'wall s':>8s} {'peak MiB':>9s}")
    print(f"{'laif: profile + test (first run)':38s} {ours_s:8.2f} {ours_mib:9.0f}"
          f"   (import {ours['seconds_import']:.2f} s, profile {ours['seconds_profile']:.2f} s,"
          f" test {ours['seconds_test']:.2f} s; profile {ours['profile_bytes'] / 2**20:.0f} MiB)")
    print(f"{'laif: stored profile, test only':38s} {test_s:8.2f} {test_mib:9.0f}"
          f"   (import {ours_test['seconds_import']:.2f} s, load + test "
          f"{ours_test['seconds_test']:.2f} s)")
    print(f"{'Evidently ' + theirs['evidently'] + ' DataDriftPreset':38s} {theirs_s:8.2f} "
          f"{theirs_mib:9.0f}   (read {theirs['seconds_load']:.2f} s, "
          f"report {theirs['seconds_report']:.2f} s)")
    speed, memory = theirs_s / ours_s, ours_mib / theirs_mib
    print()
    print(f"speed: {speed:.1f}x faster (profile included; {theirs_s / test_s:.1f}x with a stored "
          f"profile), target >= {SPEED_TARGET:.0f}x: {'met' if speed >= SPEED_TARGET else 'NOT met'}")
    print(f"memory: {memory:.3f} of Evidently's peak ({test_mib / theirs_mib:.3f} with a stored "
          f"profile), target <= 1/3: {'met' if memory <= MEMORY_TARGET else 'NOT met'}")
    drifted = sorted(n for n, c in ours["columns"].items() if c["drifted"])
    print(f"drifted columns ({len(drifted)} of {len(ours['columns'])}): {', '.join(drifted)}; "
          f"dataset drift: {ours['dataset_drift']} (Evidently: {theirs['dataset_drift']})")
    problems = compare(ours, theirs) + compare(ours_test, theirs)
    for problem in problems:
        print("DIFFERENT:", problem)
    print("decisions and statistics: " + ("the same as Evidently's" if not problems
                                          else f"{len(problems)} differences"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
