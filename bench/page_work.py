"""Benchmark: the time of the statements page and the usage page at 10 and at 100,000 ledger
entries in the month (issue 17: a page's work must not grow with the month's entries).

    .venv/bin/python bench/page_work.py [--entries 100000] [--views 30]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/laif_bench .venv/bin/python bench/page_work.py

Runs in a throw-away test database with the demo data (``laif demo``), adds entries to this month
through the real ingestion (``bench/load_data.py``: synthetic ``sacct --json``), and times each
page through Django's full request path (middleware, session, view, template) as the demo
organisation admin: the median and the 90th percentile of ``--views`` views, and the number of
SQL queries, first with 10 entries in the month, then with ``--entries``.
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
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laif.config.settings")
os.environ.setdefault("LAIF_ENV", "test")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from load_data import add_month_entries, demo_project, ids  # noqa: E402

from laif.accounts import demo as accounts_demo  # noqa: E402
from laif.accounts.models import User  # noqa: E402
from laif.compute.demo import compute_demo_load  # noqa: E402


def time_page(client: Client, url: str, views: int) -> tuple[float, float, int]:
    """(median ms, 90th percentile ms, queries) of ``views`` views of ``url``."""
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    queries = len(captured)  # now: every request clears the log (request_started)
    times = []
    for _ in range(views):
        t0 = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.9) - 1], queries


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--views", type=int, default=30)
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    if connection.vendor == "sqlite":
        connection.settings_dict.setdefault("TEST", {})["NAME"] = str(Path(tmp.name) / "p.sqlite3")
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        accounts_demo.demo_load()
        compute_demo_load()
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(User.objects.get(email=accounts_demo.ORG_ADMIN))
        project = demo_project()
        pages = {"statements page": f"/organisations/{project.organisation_id}/statements/",
                 "usage page": f"/projects/{project.pk}/usage/"}
        print(f"database: {connection.vendor}; {args.views} views per page")
        found: dict[str, list[float]] = {}
        for step, target in enumerate((10, args.entries)):
            have = ids()["month_entries"]
            t0 = time.perf_counter()
            add_month_entries(target - have, first_id=10_000_000 + step * 10_000_000)
            took = time.perf_counter() - t0
            print(f"{ids()['month_entries']:,} entries this month (ingested in {took:.1f} s)")
            for name, url in pages.items():
                median, p90, queries = time_page(client, url, args.views)
                found.setdefault(name, []).append(median)
                print(f"  {name:16} median {median:7.1f} ms, p90 {p90:7.1f} ms, "
                      f"{queries} queries")
        for name, (small, large) in found.items():
            print(f"{name}: {large / small:.2f}x the time at {args.entries:,} entries "
                  f"as at 10")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
