"""Load test of the real servers on PostgreSQL with the demo data. One command:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/load.py
        [--entries 100000] [--duration 15] [--rate 50] [--rate-duration 20] [--json out.json]

Creates its own database (``laif_load``, dropped first), migrates, loads the demo (``laif
demo``), optionally adds ``--entries`` ledger entries to this month through the real ingestion
(synthetic ``sacct --json``), logs in as the demo organisation admin over HTTP (a session cookie
and an API token), then starts each server itself and drives it:

- gunicorn as ``laif serve`` runs its web process (``-c python:laif.config.gunicorn``; 2 x cores
  + 1 sync workers by default; with ``--threads`` above 1, gthread workers);
- the baseline, in the same run: Django's development server (``manage.py runserver``), what
  ``laif serve`` ran before issue 17, with ``LAIF_DB_CONN_MAX_AGE=0``: a thread and a new database
  connection per client, as then.

Endpoints: the project list (``/api/projects`` with the token, ``/projects/``), the project's
usage page, its jobs page, the organisation's statements page and the login page. For each:

1. ``wrk`` (Debian package ``wrk``; installed with apt-get when missing and run as root) with
   ``--connections`` connections (100) for ``--duration`` seconds: requests/s, errors (socket
   errors, timeouts past 2 s, non-2xx/3xx answers), p50 and p99 latency, ratio to the baseline;
2. ``locust`` at a fixed rate (``--rate`` users each asking once a second, each in its own slot
   of the second: ``bench/locustfile.py``): p50/p99 latency and failures. wrk2 (fixed rate in
   wrk) is not packaged by Debian; ``hey -q`` ticks all its workers in step (bursts of ``-c``
   requests at once, not an even rate), and so do locust's ``constant_throughput`` users when
   they start in one batch (which is why the locustfile gives each its slot); locust reports
   percentiles, and at 50 requests/s its own CPU use is small next to the server's.

The goals (issue 17): no error at 100 connections; at least 300 req/s on the API list and 100 on
each page; p99 below 200 ms at 50 req/s per page. Figures are only meaningful on a quiet
machine: the load average is printed before and after (below about 1.5 on 2 cores).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv" / "bin"
ADMIN, PASSWORD = "admin@acme.lu", "laif-demo-2026"
GOAL_API_RPS, GOAL_PAGE_RPS, GOAL_P99_MS = 300, 100, 200
ENDPOINT_COUNT = 6  # endpoints(): the API list, four pages, the login page


@dataclass
class Result:
    server: str
    endpoint: str
    rps: float = 0.0
    errors: int = 0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    detail: dict[str, int] = field(default_factory=dict)
    rate_rps: float = 0.0
    rate_failures: int = 0
    rate_p50_ms: float = 0.0
    rate_p99_ms: float = 0.0


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _run(cmd: list[str], env: dict[str, str], **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, env=env, cwd=ROOT, check=True, text=True,  # noqa: S603 - our own tools
                          capture_output=True, **kw)


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True,  # noqa: S607
                       capture_output=True)
        if found := shutil.which("wrk"):
            return found
    sys.exit("wrk is missing: apt-get install wrk (Debian package)")


def database(url: str, name: str) -> str:
    """Create ``name`` afresh on the server of ``url``; its URL."""
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        sys.exit("DATABASE_URL must be a PostgreSQL URL, e.g. postgres://postgres@127.0.0.1:5432/postgres")
    admin = urlunsplit(parts._replace(path="/postgres", scheme="postgresql"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def drop_database(url: str) -> None:
    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres", scheme="postgresql"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parts.path.strip("/")}" WITH (FORCE)')


def prepare(env: dict[str, str], entries: int, *, migrate: bool = True) -> dict[str, int]:
    """Migrate, load the demo and ``entries`` more of this month; the demo's ids."""
    if migrate:
        _run([str(VENV / "python"), "manage.py", "migrate", "-v", "0"], env)
        _run([str(VENV / "laif"), "demo"], env)
    _run([str(VENV / "python"), "manage.py", "collectstatic", "--noinput", "-v", "0"], env)
    out = _run([str(VENV / "python"), str(ROOT / "bench" / "load_data.py"), str(entries)], env)
    ids: dict[str, int] = json.loads(out.stdout.strip().splitlines()[-1])
    return ids


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(kind: str, env: dict[str, str], args: argparse.Namespace,
          log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    if kind == "gunicorn":  # as `laif serve` runs its web process (laif.ops.runner)
        cmd = [str(VENV / "python"), "-m", "gunicorn", "-c", "python:laif.config.gunicorn",
               "--bind", f"127.0.0.1:{port}", "laif.config.wsgi:application",
               "--workers", str(args.workers), "--backlog", "2048",
               *(["--threads", str(args.threads), "--worker-class", "gthread"]
                 if args.threads > 1 else [])]
    else:  # what `laif serve` ran before issue 17: Django's development server, a thread and a
        # database connection per client
        cmd = [str(VENV / "python"), "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]
        env = {**env, "LAIF_DB_CONN_MAX_AGE": "0"}
    with log.open("ab") as out:
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=out,  # noqa: S603 - our servers
                                stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/login/", timeout=5).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            sys.exit(f"{kind} stopped at start; see {log}")
        time.sleep(0.5)
    stop(proc)
    sys.exit(f"{kind} did not answer within 90 s; see {log}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def credentials(base: str) -> tuple[str, str]:
    """Log in as the demo organisation admin: (session cookie header, API token)."""
    with httpx.Client(base_url=base, timeout=30) as client:
        page = client.get("/login/")
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert match, "no CSRF token on the login page"
        done = client.post("/login/", data={"csrfmiddlewaretoken": match.group(1),
                                            "email": ADMIN, "password": PASSWORD},
                           headers={"Referer": f"{base}/login/"})
        assert done.status_code == 302, f"login refused ({done.status_code})"
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        token = client.post("/api/auth/token", json={"email": ADMIN, "password": PASSWORD,
                                                     "name": "bench-load", "expires_days": 1})
        assert token.status_code == 201, token.text
        return cookie, str(token.json()["token"])


def endpoints(ids: dict[str, int], cookie: str, token: str) -> list[tuple[str, str, str]]:
    """(name, path, headers) of every endpoint measured."""
    session, bearer = f"Cookie: {cookie}", f"Authorization: Bearer {token}"
    project, org = ids["project"], ids["organisation"]
    return [("API project list", "/api/projects", bearer),
            ("projects page", "/projects/", session),
            ("usage page", f"/projects/{project}/usage/", session),
            ("jobs page", f"/projects/{project}/jobs/", session),
            ("statements page", f"/organisations/{org}/statements/", session),
            ("login page", "/login/", "")]


def check(base: str, path: str, headers: str) -> None:
    head = dict(line.split(": ", 1) for line in headers.splitlines() if line)
    answer = httpx.get(base + path, headers=head, timeout=60, follow_redirects=False)
    assert answer.status_code == 200, f"{path}: {answer.status_code}"


def settle(base: str) -> None:
    """Wait until the server answers the login page again within a second (a backlog drained)."""
    for _ in range(60):
        try:
            if httpx.get(f"{base}/login/", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(1)


def run_wrk(wrk: str, base: str, path: str, headers: str, args: argparse.Namespace,
            result: Result) -> None:
    out = subprocess.run(  # noqa: S603 - wrk against our own server on the loopback
        [wrk, "-t", "2", "-c", str(args.connections), "-d", f"{args.duration}s", "--timeout",
         "2s", "-s", str(ROOT / "bench" / "load.lua"), base + path],
        env={**os.environ, "LOAD_HEADERS": headers}, capture_output=True, text=True,
        check=True, timeout=args.duration + 120)
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("LOAD_RESULT "))
    data = json.loads(line.removeprefix("LOAD_RESULT "))
    result.rps = data["requests"] / (data["duration_us"] / 1e6)
    result.detail = {k: data[k] for k in ("connect", "read", "write", "status", "timeout")}
    result.errors = sum(result.detail.values())
    result.p50_ms, result.p99_ms = data["p50_us"] / 1000, data["p99_us"] / 1000


def run_locust(base: str, path: str, headers: str, args: argparse.Namespace, tmp: Path,
               result: Result) -> None:
    prefix = tmp / f"rate-{result.server}-{abs(hash(path))}"
    done = subprocess.run(  # noqa: S603 - locust against our own server on the loopback
        [str(VENV / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
         "-u", str(args.rate), "-r", str(args.rate), "-t", f"{args.rate_duration}s",
         "--host", base, "--csv", str(prefix), "--only-summary", "--loglevel", "ERROR"],
        env={**os.environ, "LOAD_PATH": path, "LOAD_HEADERS": headers,
             "LOAD_RATE": str(args.rate)}, capture_output=True,
        check=False, timeout=args.rate_duration + 120)
    stats = Path(f"{prefix}_stats.csv")
    rows = [r for r in csv.DictReader(stats.open()) if r["Name"] == "page"] \
        if stats.exists() else []
    if not rows:
        print(f"locust gave no figures for {path}: {done.stderr[-2000:]!r}")
        result.rate_failures = -1
        return
    row = rows[0]
    result.rate_rps = float(row["Requests/s"])
    result.rate_failures = int(row["Failure Count"])
    result.rate_p50_ms, result.rate_p99_ms = float(row["50%"]), float(row["99%"])


def report(results: list[Result], args: argparse.Namespace) -> bool:
    base = {r.endpoint: r for r in results if r.server == "runserver"}
    print(f"\n{args.connections} connections, {args.duration} s each (wrk); "
          f"{args.rate} req/s for {args.rate_duration} s each (locust)")
    print(f"{'server':10} {'endpoint':18} {'req/s':>8} {'errors':>7} {'p50 ms':>8} "
          f"{'p99 ms':>8} {'x runserver':>11} | {'@rate p50':>9} {'p99':>7} {'fail':>5}")
    ok = True
    for r in results:
        ratio = ""
        if r.server != "runserver" and r.endpoint in base and base[r.endpoint].rps:
            ratio = f"{r.rps / base[r.endpoint].rps:.1f}x"
        print(f"{r.server:10} {r.endpoint:18} {r.rps:8.1f} {r.errors:7d} {r.p50_ms:8.1f} "
              f"{r.p99_ms:8.1f} {ratio:>11} | {r.rate_p50_ms:9.0f} {r.rate_p99_ms:7.0f} "
              f"{r.rate_failures:5d}")
        if r.server == "gunicorn":
            goal = GOAL_API_RPS if r.endpoint.startswith("API") else GOAL_PAGE_RPS
            ok &= r.errors == 0 and r.rps >= goal and r.rate_failures == 0 \
                and r.rate_p99_ms < GOAL_P99_MS
    measured = {r.endpoint for r in results if r.server == "gunicorn"}
    verdict = "met" if ok else "NOT met"
    if len(measured) < ENDPOINT_COUNT:  # --only or --servers left some out
        verdict += f" on the {len(measured)} of {ENDPOINT_COUNT} endpoints measured"
    print(f"goals (gunicorn: 0 errors, >= {GOAL_API_RPS} req/s API, >= {GOAL_PAGE_RPS} req/s "
          f"pages, p99 < {GOAL_P99_MS} ms at {args.rate} req/s): {verdict}")
    return ok and len(measured) == ENDPOINT_COUNT


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--entries", type=int, default=0,
                        help="ledger entries added to this month (e.g. 100000)")
    parser.add_argument("--duration", type=int, default=15, help="seconds of wrk per endpoint")
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument("--rate", type=int, default=50, help="requests/s of the fixed-rate run")
    parser.add_argument("--rate-duration", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1,
                        help="gunicorn workers (default: 2 x cores + 1, as laif serve)")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads per gunicorn worker (more than 1: gthread workers)")
    parser.add_argument("--servers", default="gunicorn,runserver")
    parser.add_argument("--only", default="", help="endpoints whose name contains this")
    parser.add_argument("--db", default="laif_load")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--keep", action="store_true", help="keep the database and files")
    parser.add_argument("--reuse", action="store_true",
                        help="use the database kept by an earlier --keep run as it is")
    args = parser.parse_args()
    wrk = ensure_wrk()
    url = (urlunsplit(urlsplit(os.environ.get("DATABASE_URL", ""))._replace(path=f"/{args.db}"))
           if args.reuse else database(os.environ.get("DATABASE_URL", ""), args.db))
    tmp = Path(tempfile.mkdtemp(prefix="laif-load-"))
    env = {**os.environ, "DATABASE_URL": url, "LAIF_ENV": "development", "LAIF_DEBUG": "false",
           "LAIF_DATA_DIR": str(tmp), "LAIF_EMAIL_BACKEND": "locmem"}
    print(f"load average before: {load_average()} ({os.cpu_count()} cores); "
          f"started {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    t0 = time.perf_counter()
    ids = prepare(env, 0 if args.reuse else args.entries, migrate=not args.reuse)
    print(f"database {args.db}: demo + {args.entries:,} entries this month "
          f"({time.perf_counter() - t0:.0f} s); month entries: {ids['month_entries']:,}")
    results: list[Result] = []
    try:
        for kind in [s for s in args.servers.split(",") if s]:
            proc, base = start(kind, env, args, tmp / f"{kind}.log")
            try:
                cookie, token = credentials(base)
                for name, path, headers in endpoints(ids, cookie, token):
                    if args.only and args.only not in name:
                        continue
                    check(base, path, headers)
                    result = Result(kind, name)
                    run_wrk(wrk, base, path, headers, args, result)
                    settle(base)
                    run_locust(base, path, headers, args, tmp, result)
                    settle(base)
                    results.append(result)
                    print(f"  {kind} {name}: {result.rps:.1f} req/s, {result.errors} errors "
                          f"{result.detail}, p99 {result.p99_ms:.0f} ms; at {args.rate} req/s "
                          f"p99 {result.rate_p99_ms:.0f} ms", flush=True)
            finally:
                stop(proc)
    finally:
        if not args.keep:
            drop_database(url)
            shutil.rmtree(tmp, ignore_errors=True)
    ok = report(results, args)
    print(f"load average after: {load_average()}")
    if args.json:
        args.json.write_text(json.dumps({"load_average": load_average(), "args": vars(args) | {
            "json": str(args.json)}, "results": [asdict(r) for r in results]}, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
