"""The technical documentation of Annex IV: filled from what the platform holds about a system
(its classification, the obligations' evidence, drift monitors and events), the gaps listed
under their points, on the page, in the API, the CLI and the PDF in English and French."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from pytest_django.fixtures import Settings as SettingsWrapper

from laif.accounts import services as account_services
from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.govern import monitoring, services
from tests.api_support import client_as
from tests.cli_support import run_cli
from tests.factories import World
from tests.govern.drift_data import applications, parquet


def _credit_system(world: World) -> int:
    access, actor = access_for(world.org_admin), Actor.of(world.org_admin)
    system = services.ai_system_register(
        access=access, actor=actor, organisation_id=world.org.pk, name="Loan pre-screening",
        purpose="Scores consumer loan applicants.", project_id=world.project.pk)
    services.ai_system_classify(access=access, actor=actor, system_id=system.pk, answers={
        "roles": ["provider"], "areas": ["credit_scoring"]})
    services.obligation_update(access=access, actor=actor, system_id=system.pk,
                               key="risk_management", status="met",
                               evidence="Risk file v3, DMS ref RM-12")
    monitor = monitoring.drift_monitor_create(
        access=access, actor=actor, system_id=system.pk, name="Applications",
        src=io.BytesIO(parquet(applications(2_000, seed=1))), filename="validation.parquet")
    monitoring.drift_batch_submit(
        access=access, actor=actor, monitor_id=monitor.pk,
        src=io.BytesIO(parquet(applications(1_000, seed=3, drifted=True))),
        filename="2026-11.parquet")
    return system.pk


def _points(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["point"]: s for s in body["sections"]}


def test_the_file_holds_the_evidence_and_lists_the_gaps(world: World) -> None:
    system = _credit_system(world)
    body = client_as(world.member).get(f"/api/ai-systems/{system}/annex-iv").json()
    points = _points(body)
    assert list(points) == [f"Annex IV, point {n}" for n in range(1, 10)]
    general = {i["label"]: i["text"] for i in points["Annex IV, point 1"]["items"]}
    assert general["Intended purpose"] == "Scores consumer loan applicants."
    assert general["Risk category"].startswith("High-risk, classified on")
    assert "Art. 6(2), Annex III, point 5(b)" in general
    # the risk management system's evidence is quoted, and it is no gap
    risk = points["Annex IV, point 5"]
    assert [i["text"] for i in risk["items"]] == ["Met: Risk file v3, DMS ref RM-12"]
    assert risk["gaps"] == []
    # post-market monitoring: the monitor, the drift event with its columns, the duty's gap
    post = points["Annex IV, point 9"]
    texts = " ".join(i["text"] for i in post["items"])
    assert "Reference validation.parquet, 2,000 rows, columns income, age, region, channel" in texts
    assert "; 1 batch tested; the latest" in texts
    assert ("Data drift (Art. 72): monitor Applications, batch 2026-11.parquet, 4 of 4 columns "
            "drifted (income, age, region, channel)") in texts
    assert "Art. 72 · A post-market monitoring system" in " ".join(post["gaps"])
    # what comes with the model registry is a gap, never made up
    assert any("No model version registered" in g for g in points["Annex IV, point 2"]["gaps"])
    assert body["gaps"] == sum(len(s["gaps"]) for s in body["sections"])
    # in French, the articles written the French way
    fr = _points(client_as(world.member).get(
        f"/api/ai-systems/{system}/annex-iv?language=fr").json())
    assert "Annexe IV, point 9" in fr
    events = " ".join(i["text"] for i in fr["Annexe IV, point 9"]["items"])
    assert "2\u00a0000 lignes" in events  # grouped the French way
    assert "Dérive des données (art. 72)" in events


def test_an_unclassified_system_is_mostly_gaps(world: World) -> None:
    system = services.ai_system_register(
        access=access_for(world.org_admin), actor=Actor.of(world.org_admin),
        organisation_id=world.org.pk, name="Chat assistant", purpose="Answers customers.")
    body = client_as(world.org_admin).get(f"/api/ai-systems/{system.pk}/annex-iv").json()
    points = _points(body)
    assert "The system is not classified under the AI Act." in points["Annex IV, point 1"]["gaps"]
    assert ("No drift monitor: the system's inputs are not watched."
            in points["Annex IV, point 9"]["gaps"])
    page = client_as(world.org_admin).get(f"/ai-systems/{system.pk}/annex-iv/").content.decode()
    assert f"{body['gaps']} items are missing" in page
    assert client_as(world.other_member).get(
        f"/api/ai-systems/{system.pk}/annex-iv").status_code == 404


def _pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(content)).pages)


def test_the_pdf_in_english_and_french(world: World) -> None:
    system = _credit_system(world)
    client = client_as(world.org_admin)
    english = client.get(f"/api/ai-systems/{system}/annex-iv/pdf?language=en")
    assert english["Content-Type"] == "application/pdf"
    text = _pdf_text(english.content)
    assert "Technical documentation (Annex IV)" in text
    assert "Annex IV, point 9" in text
    assert "Data drift (Art. 72): monitor Applications" in text
    assert "Risk file v3, DMS ref RM-12" in text
    assert "Missing" in text
    french = _pdf_text(client.get(f"/ai-systems/{system}/annex-iv/pdf/?language=fr").content)
    assert "Documentation technique (annexe IV)" in french
    assert "Annexe IV, point 9" in french
    assert "Dérive des données (art. 72)" in french
    assert "Manquant" in french


def test_the_file_from_the_command_line(world: World, settings: SettingsWrapper,
                                        tmp_path: Path) -> None:
    system = _credit_system(world)
    settings.ALLOWED_HOSTS = ["localhost"]
    _row, token = account_services.api_token_create(actor=Actor.of(world.member),
                                                    user=world.member, name="cli")
    target = tmp_path / "annex-iv.pdf"
    result = run_cli(["govern", "annex-iv", str(system), "--pdf", str(target), "--language",
                      "fr"], token)
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "Annexe IV, point 5 · Le système de gestion des risques (art. 9): held" in out
    assert "items missing" in out
    assert target.read_bytes().startswith(b"%PDF")
