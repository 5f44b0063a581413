"""``laif green report`` through the REST API: the year per month with both carbon figures, a
compared year, the PDF and CSV written to files, and clear refusals."""

from __future__ import annotations

from pathlib import Path

from pytest_django.fixtures import Settings as SettingsWrapper

from laif.accounts import services as account_services
from laif.accounts.audit import Actor
from laif.accounts.models import User
from tests.cli_support import run_cli
from tests.factories import World
from tests.green.support import replay_june


def _token(user: User, settings: SettingsWrapper) -> str:
    settings.ALLOWED_HOSTS = ["localhost"]
    _row, secret = account_services.api_token_create(actor=Actor.of(user), user=user, name="cli")
    return secret


def test_the_report_from_the_command_line(world: World, settings: SettingsWrapper,
                                          tmp_path: Path) -> None:
    replay_june(world, energy_reported=True)
    token = _token(world.org_admin, settings)
    pdf, csv = tmp_path / "report.pdf", tmp_path / "report.csv"
    result = run_cli(["green", "report", "--year", "2026", "--compare", "2025", "--pdf",
                      str(pdf), "--csv", str(csv), "--language", "fr"], token)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Energy and carbon in 2026" in out
    # PUE 1.2 (the assumed default): 16,945,200 J x 1.2 = 5.6484 kWh; x 365.27 g = 2.063 kg
    assert "2026-06" in out
    assert "5.648" in out
    assert "2.063 kg" in out
    assert "PUE 1.2 (assumed)" in out
    assert "announced, not evidenced" in out
    assert "Energy and carbon in 2025" in out
    assert pdf.read_bytes().startswith(b"%PDF")
    assert csv.read_text().splitlines()[0].startswith("year,month,project,")

    lead = _token(world.project_lead, settings)
    project = run_cli(["green", "report", "--project", str(world.project.pk), "--year", "2026"],
                      lead)
    assert project.exit_code == 0, project.output
    assert "5.648" in project.output
    refused = run_cli(["green", "report", "--year", "2026", "--org", str(world.org.pk)], lead)
    assert refused.exit_code != 0
    assert "Only the organisation's admins see its usage." in refused.output
    wrong = run_cli(["green", "report", "--project", "1", "--pdf", "x.pdf"], lead)
    assert wrong.exit_code != 0
    assert "organisation's" in wrong.output
