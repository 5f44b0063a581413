"""Invitation links never reach the logs: the request log names the route, never the path;
Django's own "Not Found" warning has the token redacted; development mail goes to files, not to
the console. Logs can be JSON lines, each with the request id the response also carries."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client

from laif.accounts.models import User
from tests.factories import PASSWORD, World

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """What the platform's log handler writes, as configured (filters, format, levels)."""
    handler = next(h for h in logging.getLogger().handlers if h.name == "console")
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    old = handler.setStream(buffer)
    try:
        yield buffer
    finally:
        handler.setStream(old)


def test_an_invitation_link_never_reaches_the_logs(
        world: World, client_for: object, log_output: io.StringIO,
        django_capture_on_commit_callbacks: object) -> None:
    admin = client_for(world.org_admin)  # type: ignore[operator]
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        sent = admin.post(f"/organisations/{world.org.pk}/invitations/",
                          {"email": "newcomer@example.lu", "role": "member"})
    assert sent.status_code == 302
    link = re.search(r"https?://\S+/invitations/([^/\s]+)/", str(mail.outbox[-1].body))
    assert link, mail.outbox[-1].body
    token = link.group(1)
    visitor = Client()
    assert visitor.get(f"/invitations/{token}/").status_code == 200
    accepted = visitor.post(f"/invitations/{token}/", {
        "first_name": "Nora", "last_name": "New", "password": PASSWORD, "password2": PASSWORD})
    assert accepted.status_code == 302
    # a used (or guessed) token: Django logs "Not Found" with the path
    assert visitor.get(f"/invitations/{token}/").status_code == 404
    assert visitor.get("/invitations/" + "x" * 43 + "/").status_code == 404
    written = log_output.getvalue()
    assert token not in written
    assert "x" * 43 not in written
    assert "/invitations/<str:token>/" in written  # the request log names the route
    assert "Not Found: /invitations/[redacted]/" in written
    assert User.objects.filter(email="newcomer@example.lu").exists()


def test_development_mail_goes_to_files_and_logs_can_be_json_with_request_ids(
        tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LAIF_", "DATABASE_URL", "DJANGO_"))}
    env.update({"LAIF_DATA_DIR": str(tmp_path), "LAIF_LOG_FORMAT": "json",
                "DJANGO_SETTINGS_MODULE": "laif.config.settings",
                "PYTHONPATH": str(ROOT / "src")})
    code = (
        "import django; django.setup()\n"
        "from django.conf import settings; from django.test import Client\n"
        "print(settings.EMAIL_BACKEND, settings.EMAIL_FILE_PATH)\n"
        "c = Client(HTTP_HOST='localhost')\n"
        "r = c.get('/login/', HTTP_X_REQUEST_ID='0123456789abcdef0123456789abcdef')\n"
        "print(r['X-Request-ID'])\n"
        "r = c.get('/login/')\n"
        "print(r['X-Request-ID'])\n"
    )
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v", "0"], env=env,
                   check=True, timeout=300, capture_output=True)
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    backend, given, generated = done.stdout.splitlines()[:3]
    assert backend == f"django.core.mail.backends.filebased.EmailBackend {tmp_path / 'mail'}"
    assert given == "0123456789abcdef0123456789abcdef"  # a client's valid id is kept
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    requests = [line for line in lines if line.get("logger") == "laif.request"]
    assert [r["request_id"] for r in requests] == [given, generated]
    assert requests[0]["route"] == "/login/"
    assert requests[0]["status"] == 200
    assert {"time", "level", "message"} <= set(requests[0])
