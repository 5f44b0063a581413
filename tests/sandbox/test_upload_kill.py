"""An upload killed with SIGKILL mid-way leaves no dataset, no version and no readable file: a
real process (the upload service, fed slowly) on a database file of its own, killed while it
streams; the temporary file it leaves is swept, and the same upload then succeeds whole."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from django.test import override_settings

from laif.sandbox import storage

ROOT = Path(__file__).resolve().parent.parent.parent

_UPLOAD = """
import io, sys, time
import django
django.setup()
from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.models import Project
from laif.sandbox import services
from tests.factories import make_world
from tests.sandbox.data import csv_bytes, customers

slow = sys.argv[1] == "slow"
project = Project.objects.filter(name="Quality control line 3").first()
if project is None:
    make_world()
    project = Project.objects.get(name="Quality control line 3")
lead = project.memberships.get(role="lead").user
body = csv_bytes(customers(20_000))

class Source(io.RawIOBase):
    def __init__(self):
        self.at = 0
    def readable(self):
        return True
    def readinto(self, buffer):
        chunk = body[self.at:self.at + min(len(buffer), 64 * 1024)]
        self.at += len(chunk)
        buffer[:len(chunk)] = chunk
        if slow and chunk:
            print("read", self.at, flush=True)
            time.sleep(0.2)
        return len(chunk)

done = services.dataset_upload(access=access_for(lead), actor=Actor.of(lead),
                               project_id=project.pk, name="customers",
                               src=io.BufferedReader(Source()), filename="customers.csv")
print("version", done.version.number, done.version.rows, flush=True)
"""


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return {**env, "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}", "LAIF_ENV": "test",
            "LAIF_SANDBOX_DIR": str(tmp / "sandbox"),
            "LAIF_SANDBOX_KEY_FILE": str(tmp / "master.key"),
            "LAIF_AUDIT_ANCHOR_FILE": str(tmp / "anchors.log"),
            "DJANGO_SETTINGS_MODULE": "laif.config.settings", "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}


def _rows(db: Path, table: str) -> int:
    with sqlite3.connect(db) as con:
        return int(con.execute(f"SELECT COUNT(*) FROM sandbox_{table}").fetchone()[0])


def test_an_upload_killed_midway_leaves_nothing_then_succeeds_whole(tmp_path: Path) -> None:
    env = _env(tmp_path)
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v", "0"], env=env,
                   cwd=ROOT, check=True, timeout=300)
    upload = subprocess.Popen([sys.executable, "-c", _UPLOAD, "slow"], env=env, cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert upload.stdout is not None
    seen = [upload.stdout.readline() for _ in range(4)]  # streaming: 4 chunks read and written
    upload.send_signal(signal.SIGKILL)
    upload.wait(timeout=60)
    assert upload.returncode == -signal.SIGKILL
    assert all(line.startswith("read ") for line in seen), seen
    db = tmp_path / "db.sqlite3"
    assert (_rows(db, "dataset"), _rows(db, "datasetversion"), _rows(db, "columnclass")) == (
        0, 0, 0)
    files = sorted((tmp_path / "sandbox").rglob("*.lenc"))
    assert [f.name.startswith(storage.TMP_PREFIX) for f in files] == [True]  # never renamed
    with override_settings(LAIF_SANDBOX_DIR=tmp_path / "sandbox"):
        assert storage.sweep(set(), older_than_s=-1) == files
    done = subprocess.run([sys.executable, "-c", _UPLOAD, "fast"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=True)
    assert "version 1 20000" in done.stdout, done.stdout + done.stderr
    assert (_rows(db, "dataset"), _rows(db, "datasetversion")) == (1, 1)
    assert [f.name.startswith("source-") for f in (tmp_path / "sandbox").rglob("*.lenc")] == [
        True]
