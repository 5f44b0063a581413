"""Evidently 0.7 on two Parquet files: the oracle of ``laif.govern.drift``.

    .venv-evidently/bin/python bench/evidently/run_evidently.py REFERENCE CURRENT OUT.json
        [--method NAME] [--threshold X] [--drift-share 0.5]
    .venv-evidently/bin/python bench/evidently/run_evidently.py --cases CASES.json

Run by the Evidently environment (``bench/evidently/setup.sh``), not by laif's. Reads both files
with pandas, runs ``Report([DataDriftPreset(...)], include_tests=True)`` with Evidently's
defaults (column types inferred, as without a data definition), and writes JSON: per column the
method (Evidently's display name), the drift score, the threshold and whether it drifted (its
test failed), the kind Evidently inferred, and the dataset verdict (the drifted share's test).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import resource
import time
from typing import Any

os.environ.setdefault("DO_NOT_TRACK", "1")  # no usage telemetry


def run(reference_path: str, current_path: str, out_path: str, method: str | None,
        threshold: float | None, drift_share: float) -> None:
    started = time.perf_counter()
    pd = importlib.import_module("pandas")
    evidently = importlib.import_module("evidently")
    presets = importlib.import_module("evidently.presets")
    datasets = importlib.import_module("evidently.core.datasets")
    reference = pd.read_parquet(reference_path)
    current = pd.read_parquet(current_path)
    loaded = time.perf_counter()

    preset = presets.DataDriftPreset(method=method, threshold=threshold, drift_share=drift_share)
    snapshot = evidently.Report([preset], include_tests=True).run(current, reference)
    ran = time.perf_counter()

    result = snapshot.dict()
    failed = {
        test["metric_config"]["metric_id"]: test["status"] == "FAIL" for test in result["tests"]
    }
    columns: dict[str, dict[str, Any]] = {}
    out: dict[str, Any] = {"evidently": evidently.__version__, "columns": columns}
    for metric in result["metrics"]:
        config = metric["config"]
        if config["type"].endswith(":ValueDrift"):
            columns[config["column"]] = {
                "method": config["method"],
                "statistic": float(metric["value"]),
                "threshold": float(config["threshold"]),
                "drifted": failed[metric["id"]],
            }
        elif config["type"].endswith(":DriftedColumnsCount"):
            out["number_of_drifted_columns"] = int(metric["value"]["count"])
            out["share_of_drifted_columns"] = float(metric["value"]["share"])
            out["dataset_drift"] = failed[metric["id"]]
    # the kinds Evidently inferred: on the current dataset (Context.data_definition)
    out["kinds"] = {
        name: datasets.infer_column_type(current[name]).value for name in current.columns
    }
    out["seconds_load"] = loaded - started
    out["seconds_report"] = ran - loaded
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with open(out_path, "w", encoding="utf-8") as handle:
        json.dump(out, handle, indent=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("reference", nargs="?")
    parser.add_argument("current", nargs="?")
    parser.add_argument("out", nargs="?")
    parser.add_argument("--method", default=None)
    parser.add_argument("--threshold", type=float, default=None)
    parser.add_argument("--drift-share", type=float, default=0.5)
    parser.add_argument("--cases", help="a JSON list of {reference, current, out, method, "
                        "threshold, drift_share}: several runs in one process")
    args = parser.parse_args()
    if args.cases:
        with open(args.cases, encoding="utf-8") as handle:
            cases = json.load(handle)
        for case in cases:
            run(case["reference"], case["current"], case["out"], case.get("method"),
                case.get("threshold"), case.get("drift_share", 0.5))
        return
    if not (args.reference and args.current and args.out):
        parser.error("REFERENCE CURRENT OUT or --cases FILE")
    run(args.reference, args.current, args.out, args.method, args.threshold, args.drift_share)


if __name__ == "__main__":
    main()
