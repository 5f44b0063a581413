"""``laif serve`` (what ``./dev run`` ends with) runs the platform for real: gunicorn serves the
pages, the API and the static files; the worker and the schedule do the periodic work with
nobody typing a command (a job the local runner finished shows up in the project's usage); and
Ctrl-C stops every process of it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.ops.serve_support import LAIF, base_env, manage, platform, sqlite_only

pytestmark = [sqlite_only()]

SCRIPT = "#!/bin/bash\necho hello from the local runner\n"


def _entries(http_get: object, project_id: int) -> int:
    response = http_get(f"/api/projects/{project_id}/usage")  # type: ignore[operator]
    assert response.status_code == 200, response.text
    entries: int = response.json()["total"]["entries"]
    return entries


def test_serve_runs_web_worker_and_schedule_and_ctrl_c_leaves_no_process(tmp_path: Path) -> None:
    env = base_env(tmp_path, LAIF_SCHEDULE_JOBS_POLL="2s", LAIF_SCHEDULE_USAGE_INGEST="2s")
    manage(env, "migrate", "-v", "0")
    subprocess.run([str(LAIF), "demo"], env=env, check=True, capture_output=True, timeout=300)
    with platform(env, tmp_path) as run:
        # the heartbeats come from the worker and the schedule, not from this test
        status = run.wait("every health check", lambda: run.health(all_checks=True)[0] == 200
                          and run.health(all_checks=True))
        assert status[1]["status"] == "ok"
        assert "gunicorn" in run.http.get("/login/").headers.get("server", "")
        # routes, catalogues and templates loaded once in gunicorn's master, before any worker
        log = run.output()
        assert re.search(r"warm-up: \d+ routes, 2 languages, \d{2,} templates", log), log[-3000:]
        assert log.index("warm-up:") < log.index("Booting worker")
        css = run.http.get("/static/laif/laif.css")
        assert css.status_code == 200
        assert "text/css" in css.headers["content-type"]
        # the demo shows the portal's own error page, never Django's technical one
        missing = run.http.get("/no-such-page/")
        assert missing.status_code == 404
        assert "Back to the home page" in missing.text
        assert "URLconf" not in missing.text

        run.token("lead@acme.lu", "laif-demo-2026")
        project = run.http.get("/api/projects").json()[0]  # the demo's one project
        before = _entries(run.http.get, project["id"])
        job = run.http.post(f"/api/projects/{project['id']}/jobs", json={
            "name": "hello", "script": SCRIPT, "gpus": 0, "time_limit_minutes": 1})
        assert job.status_code == 201, job.text
        # never read the job here (reading refreshes it): the schedule's jobs_poll sees it end
        # and its usage_ingest puts it in the ledger
        run.wait("the job's usage in the ledger",
                 lambda: _entries(run.http.get, project["id"]) == before + 1, timeout=240)
        code, seconds = run.ctrl_c()
    assert code in (0, 130), run.output()[-3000:]
    assert seconds < 30
