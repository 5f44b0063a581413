"""Run the ``laif`` CLI in-process against the Django app: the CLI's HTTP client goes through an
``httpx.WSGITransport`` over the WSGI application, on the test's own thread and database
connection, so it sees the test's data."""

from __future__ import annotations

import os
import tempfile
from unittest import mock

import httpx
from django.core.wsgi import get_wsgi_application
from typer.testing import CliRunner, Result

from laif.cli import main, session
from tests.wsgi_support import connections_kept_open


def run_cli(args: list[str], token: str, config_dir: str | None = None) -> Result:
    """``laif ARGS`` as the holder of ``token``; returns exit code, stdout and stderr.
    The CLI keeps its files (remembered audit heads) in ``config_dir``, a fresh one by default."""
    transport = httpx.WSGITransport(app=get_wsgi_application())
    env = {"LAIF_TOKEN": token, "LAIF_URL": "http://localhost",
           "LAIF_CONFIG_DIR": config_dir or tempfile.mkdtemp(prefix="laif-cli-")}
    # A real server closes the database connection at the end of each request; inside a test
    # that would end the test's transaction (Django's test client does the same as here).
    with connections_kept_open(), mock.patch.object(session, "TRANSPORT", transport), \
            mock.patch.dict(os.environ, env):
        return CliRunner().invoke(main.app, args)
