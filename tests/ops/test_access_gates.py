"""The admin and the API docs are reachable only as configured: with ``staff`` (production's
default), from a staff network or by a staff login, a 404 for anyone else; ``off`` removes them.
Every page carries the content security policy and, in production, HSTS."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from tests.factories import World

pytestmark = pytest.mark.django_db
OUTSIDE = "203.0.113.5"
ROOT = Path(__file__).resolve().parents[2]
GATED = ["/django-admin/", "/django-admin/login/", "/api/docs", "/api/openapi.json"]


def _status(client: Client, path: str, **extra: str) -> int:
    return client.get(path, **extra).status_code  # type: ignore[arg-type]


@pytest.fixture
def staff_only(settings: Settings) -> None:
    settings.LAIF_ADMIN_ACCESS = "staff"
    settings.LAIF_API_DOCS_ACCESS = "staff"


@pytest.mark.usefixtures("staff_only")
@pytest.mark.parametrize("path", GATED)
def test_staff_only_surfaces_are_absent_for_others(world: World, client_for: object,
                                                   path: str) -> None:
    anonymous = Client()
    assert _status(anonymous, path, REMOTE_ADDR=OUTSIDE) == 404
    member = client_for(world.member)  # type: ignore[operator]
    assert _status(member, path, REMOTE_ADDR=OUTSIDE) == 404
    # from a staff network (the loopback by default), or logged in as staff
    assert _status(Client(), path) in (200, 302)
    operator = client_for(world.operator)  # type: ignore[operator]
    assert _status(operator, path, REMOTE_ADDR=OUTSIDE) in (200, 302)


@pytest.mark.parametrize("path", GATED)
def test_public_surfaces_stay_public(path: str) -> None:
    assert _status(Client(), path, REMOTE_ADDR=OUTSIDE) in (200, 302)


def test_pages_carry_a_content_security_policy_without_inline_code(client: Client) -> None:
    policy = client.get("/login/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy


def test_off_removes_the_admin_and_the_api_docs(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LAIF_", "DATABASE_URL", "DJANGO_"))}
    env.update({"LAIF_DATA_DIR": str(tmp_path), "LAIF_ADMIN_ACCESS": "off",
                "LAIF_API_DOCS_ACCESS": "off", "DJANGO_SETTINGS_MODULE": "laif.config.settings",
                "PYTHONPATH": str(ROOT / "src")})
    code = ("import django; django.setup()\n"
            "from django.urls import Resolver404, resolve\n"
            "for path in ('/django-admin/', '/api/docs', '/api/openapi.json', '/api/projects'):\n"
            "    try:\n"
            "        resolve(path); print(path, 'found')\n"
            "    except Resolver404:\n"
            "        print(path, 'absent')\n")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:4] == ["/django-admin/ absent", "/api/docs absent",
                                           "/api/openapi.json absent", "/api/projects found"]
