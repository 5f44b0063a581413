"""Audit log: the cost of one audited append and of ``audit verify`` over a large log.

    .venv/bin/python bench/audit_append_verify.py [--appends 1000] [--entries 100000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/laif_bench .venv/bin/python \
        bench/audit_append_verify.py

Runs in a throw-away test database (created and destroyed here). Measures:
- one append through ``audit_record`` in its own transaction (as an audited action does), over
  ``--appends`` appends: mean and median;
- ``audit_anchor`` (the periodic anchoring of the sealed head), one call over the full log;
- ``audit_verify`` (what ``laif audit verify`` runs) over ``--entries`` entries and the anchor
  file, best of three.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laif.config.settings")
os.environ.setdefault("LAIF_ENV", "test")
os.environ.setdefault("LAIF_AUDIT_ANCHOR_FILE",
                      str(Path(tempfile.mkdtemp(prefix="laif-bench-")) / "audit-anchors.log"))

import django

django.setup()

from django.db import connection, transaction  # noqa: E402

from laif.accounts.audit import Actor, audit_record, audit_verify  # noqa: E402
from laif.accounts.audit_anchor import audit_anchor  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--appends", type=int, default=1000)
    parser.add_argument("--entries", type=int, default=100_000)
    args = parser.parse_args()
    creation = connection.creation
    old_name = connection.settings_dict["NAME"]
    creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    actor = Actor(1, "bench@bench.lu", "127.0.0.1")
    try:
        print(f"database: {connection.vendor}")
        times = []
        for i in range(args.appends):
            start = time.perf_counter()
            with transaction.atomic():
                audit_record(actor=actor, action="bench.event", target=f"t:{i}", detail={"i": i})
            times.append(time.perf_counter() - start)
        print(f"audit append, {args.appends} appends, one transaction each: "
              f"mean {statistics.mean(times) * 1000:.2f} ms, "
              f"median {statistics.median(times) * 1000:.2f} ms")
        left = args.entries - args.appends
        while left > 0:  # the rest of the log, 100 appends per transaction
            with transaction.atomic():
                for i in range(min(100, left)):
                    audit_record(actor=actor, action="bench.event", target=f"t:{i}",
                                 detail={"i": i})
            left -= min(100, left)
        start = time.perf_counter()
        anchored = audit_anchor()
        assert anchored.written, anchored.problem
        print(f"audit anchor: entry #{anchored.seq} in "
              f"{(time.perf_counter() - start) * 1000:.2f} ms")
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            result = audit_verify()
            best = min(best, time.perf_counter() - start)
            assert result.ok, result.problems[:5]
        print(f"audit verify: {result.entries} entries in {best:.2f} s "
              f"({result.entries / best:,.0f} entries/s, best of 3)")
    finally:
        creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
