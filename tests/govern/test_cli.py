"""``laif govern`` through the REST API: the register, a classification from a JSON file with
its articles, an obligation's status, and clear refusals."""

from __future__ import annotations

import json
from pathlib import Path

from pytest_django.fixtures import Settings as SettingsWrapper
from typer.testing import Result

from laif.accounts import services as account_services
from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.models import User
from laif.govern import services
from laif.govern.models import DriftMonitor
from tests.cli_support import run_cli
from tests.factories import World
from tests.govern.drift_data import applications, csv, parquet


def _token(user: User, settings: SettingsWrapper) -> str:
    settings.ALLOWED_HOSTS = ["localhost"]
    _row, secret = account_services.api_token_create(actor=Actor.of(user), user=user, name="cli")
    return secret


def _text(result: Result) -> str:
    """The output as a reader sees it, lines unwrapped."""
    return " ".join(result.output.split())


def test_classify_and_keep_the_obligations_from_the_command_line(
        world: World, settings: SettingsWrapper, tmp_path: Path) -> None:
    system = services.ai_system_register(
        access=access_for(world.org_admin), actor=Actor.of(world.org_admin),
        organisation_id=world.org.pk, name="Loan pre-screening", purpose="Scores applicants.")
    token = _token(world.org_admin, settings)
    empty = run_cli(["govern", "systems"], token)
    assert empty.exit_code == 0, empty.output
    assert "Not classified" in empty.output

    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"roles": ["deployer"], "areas": ["credit_scoring"]}))
    done = run_cli(["govern", "classify", str(system.pk), "--answers", str(answers)], token)
    assert done.exit_code == 0, done.output
    assert "High-risk" in _text(done)
    assert "Annex III, point 5(b)" in _text(done)
    assert "Art. 27" in _text(done)  # the deployer's impact assessment
    assert "Art. 9" not in _text(done)  # a provider's duty: the deployer has none

    met = run_cli(["govern", "obligation", str(system.pk), "deployer_use", "--status",
                   "met", "--evidence", "Oversight procedure OP-4"], token)
    assert met.exit_code == 0, met.output
    shown = run_cli(["govern", "show", str(system.pk)], token)
    assert "Oversight procedure OP-4" in _text(shown)

    refused = run_cli(["govern", "obligation", str(system.pk), "deployer_use",
                       "--status", "met"], token)  # "met" names its evidence
    assert refused.exit_code != 0
    bad = tmp_path / "bad.json"
    bad.write_text('{"areas": ["astrology"]}')
    unknown = run_cli(["govern", "classify", str(system.pk), "--answers", str(bad)], token)
    assert unknown.exit_code != 0
    assert "astrology" in unknown.output
    member = run_cli(["govern", "classify", str(system.pk), "--answers", str(answers)],
                     _token(world.member, settings))
    assert member.exit_code != 0


def test_monitor_and_drift_from_the_command_line(world: World, settings: SettingsWrapper,
                                                 tmp_path: Path) -> None:
    system = services.ai_system_register(
        access=access_for(world.org_admin), actor=Actor.of(world.org_admin),
        organisation_id=world.org.pk, name="Loan pre-screening", purpose="Scores applicants.",
        project_id=world.project.pk)
    token = _token(world.project_lead, settings)
    reference, calm, shifted = (tmp_path / "reference.parquet", tmp_path / "calm.csv",
                                tmp_path / "shifted.parquet")
    reference.write_bytes(parquet(applications(2_000, seed=1)))
    calm.write_bytes(csv(applications(1_000, seed=2)))
    shifted.write_bytes(parquet(applications(1_000, seed=3, drifted=True)))
    made = run_cli(["govern", "monitor", str(system.pk), "--name", "Applications", "--file",
                    str(reference)], token)
    assert made.exit_code == 0, made.output
    assert "2000 reference rows, 4 columns" in _text(made)
    monitor = DriftMonitor.objects.get().pk
    ok = run_cli(["govern", "drift", str(monitor), "--file", str(calm)], token)
    assert ok.exit_code == 0, ok.output
    assert "No data drift" in ok.output
    drifted = run_cli(["govern", "drift", str(monitor), "--file", str(shifted)], token)
    assert drifted.exit_code == 3, drifted.output  # a pipeline can stop on it
    assert "4 of 4 columns drifted" in _text(drifted)
    assert "Wasserstein" in _text(drifted)
    labels = tmp_path / "labels.csv"
    labels.write_text("score,truth\n0.1,0\n0.4,0\n0.35,1\n0.8,1\n")
    batch = DriftMonitor.objects.get().batches.first()
    assert batch is not None
    scored = run_cli(["govern", "labels", str(monitor), str(batch.pk), "--file", str(labels),
                      "--prediction", "score", "--label", "truth"], token)
    assert scored.exit_code == 0, scored.output
    assert "accuracy 0.750, AUC 0.750, 4 labelled rows" in _text(scored)
