"""The staff page on the background work: operators see whether the worker, the schedule and the
job scheduler are alive, the task queue and its failures, and the usage ingestions, including one
killed mid-way (it no longer shows as running forever)."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from laif.ops.beats import SCHEDULE_PREFIX, SCHEDULER, WORKER, beat_record
from laif.usage.models import IngestRun
from tests.compute.test_ledger_kill import _INGEST, _document, _env
from tests.factories import World

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _dead_pid() -> int:
    """The id of a process that has just ended (reaped: nothing has it now)."""
    done = subprocess.Popen(["true"])
    done.wait()
    return done.pid


def test_operators_see_the_background_work(world: World, client_for: object) -> None:
    for name in (WORKER, SCHEDULE_PREFIX + "jobs_poll"):
        beat_record(name)
    beat_record(SCHEDULER, ok=False, detail="slurm: slurmctld not responding")
    now = timezone.now()
    IngestRun.objects.create(source="slurm", cluster="meluxina", state="running",
                             started_at=now - timedelta(minutes=3), host=socket.gethostname(),
                             pid=_dead_pid(), heartbeat_at=now)
    IngestRun.objects.create(source="slurm", cluster="meluxina", state="done",
                             started_at=now - timedelta(hours=1), finished_at=now,
                             records_read=12, records_new=3)
    operator = client_for(world.operator)  # type: ignore[operator]
    page = operator.get("/staff/background/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Alive" in text  # the worker
    assert "Unreachable" in text
    assert "slurmctld not responding" in text
    assert "Interrupted" in text
    assert "1 interrupted" in text
    assert "jobs_poll" in text
    assert "usage_ingest" in text
    # the dashboard loads the summary with htmx (and links to the page without JavaScript)
    dashboard = operator.get("/").content.decode()
    assert 'hx-get="/staff/background/"' in dashboard
    part = operator.get("/staff/background/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in part
    assert "Task worker" in part


@pytest.mark.parametrize("role", ["reviewer", "auditor", "trainer", "org_admin", "project_lead",
                                  "member"])
def test_others_do_not_see_it(world: World, client_for: object, role: str) -> None:
    client = client_for(getattr(world, role))  # type: ignore[operator]
    assert client.get("/staff/background/").status_code in (403, 404)
    assert "/staff/background/" not in client.get("/").content.decode()
    assert Client().get("/staff/background/").status_code == 302  # to the login page


_SHOW = """
import sys
import django
django.setup()
from django.test import Client
from laif.ops.selectors import ingest_runs
from tests.factories import staff
print(",".join(row.condition for row in ingest_runs()))
client = Client(HTTP_HOST="localhost")
client.force_login(staff("operator"), backend="django.contrib.auth.backends.ModelBackend")
print("Interrupted" in client.get("/staff/background/").content.decode())
"""


def test_an_ingestion_killed_midway_is_shown_as_interrupted(tmp_path: Path) -> None:
    sacct_file = tmp_path / "sacct.json"
    sacct_file.write_bytes(_document(6000))
    db = tmp_path / "ledger.sqlite3"
    env = {**_env(db), "LAIF_ENV": "development", "LAIF_DATA_DIR": str(tmp_path)}
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v", "0"], env=env,
                   cwd=ROOT, check=True, timeout=240)
    ingest = subprocess.Popen([sys.executable, "-c", _INGEST, str(sacct_file)], env=env,
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
    assert ingest.stdout is not None
    assert "records processed" in ingest.stdout.readline()  # it is at work
    ingest.send_signal(signal.SIGKILL)
    ingest.wait(timeout=60)
    shown = subprocess.run([sys.executable, "-c", _SHOW], env=env, cwd=ROOT,
                           capture_output=True, text=True, timeout=120, check=False)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.split() == ["interrupted", "True"]
