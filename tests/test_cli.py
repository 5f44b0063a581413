"""`laif login` / `laif whoami` through the real REST API (in-process WSGI transport)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import httpx
import pytest
from django.core.wsgi import get_wsgi_application
from pytest_django.fixtures import Settings as SettingsWrapper
from typer.testing import CliRunner

from laif.accounts.models import ApiToken
from laif.cli import main as cli
from laif.cli import session
from tests.factories import PASSWORD, World

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(session, "TRANSPORT", httpx.WSGITransport(app=get_wsgi_application()))
    monkeypatch.setenv("LAIF_CONFIG_DIR", str(tmp_path / "cfg"))
    monkeypatch.delenv("LAIF_TOKEN", raising=False)
    monkeypatch.setenv("LAIF_URL", "http://localhost")
    return tmp_path / "cfg" / "credentials.json"


def test_login_stores_a_private_token_and_whoami_uses_it(
    world: World, cli_env: Path, settings: SettingsWrapper
) -> None:
    settings.ALLOWED_HOSTS = ["localhost"]
    runner = CliRunner()
    result = runner.invoke(cli.app, ["login", "--email", world.project_lead.email,
                                     "--password", PASSWORD, "--days", "7"])
    assert result.exit_code == 0, result.output
    saved = json.loads(cli_env.read_text())
    assert saved["token"].startswith("laif_")
    assert stat.S_IMODE(cli_env.stat().st_mode) == 0o600
    # Only the hash is on the server.
    assert not ApiToken.objects.filter(token_hash=saved["token"]).exists()
    assert ApiToken.objects.filter(user=world.project_lead, revoked_at=None).count() == 1

    result = runner.invoke(cli.app, ["whoami"])
    assert result.exit_code == 0, result.output
    assert world.project_lead.email in result.output
    assert "Quality control line 3" in result.output
    assert f"[{world.project.code}]" in result.output  # not swallowed as console markup
    assert "uid" in result.output  # the lead got a cluster identity with the project


def test_login_with_a_wrong_password_fails_clearly(
    world: World, cli_env: Path, settings: SettingsWrapper
) -> None:
    settings.ALLOWED_HOSTS = ["localhost"]
    result = CliRunner().invoke(cli.app, ["login", "--email", world.member.email,
                                          "--password", "not-the-password"])
    assert result.exit_code == 1
    assert "Wrong e-mail address or password" in result.output
    assert not cli_env.exists()


def test_commands_need_a_login(cli_env: Path) -> None:
    result = CliRunner().invoke(cli.app, ["whoami"])
    assert result.exit_code == 2
    assert "laif login" in result.output


def test_unreachable_server_is_reported(
    world: World, cli_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(session, "TRANSPORT", None)
    monkeypatch.setenv("LAIF_TOKEN", "laif_x")
    monkeypatch.setenv("LAIF_URL", "http://127.0.0.1:9")
    result = CliRunner().invoke(cli.app, ["whoami"])
    assert result.exit_code == 1
    assert "cannot reach the laif server" in result.output
