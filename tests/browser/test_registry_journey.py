"""From training to the AI Act's file in a real Chromium, with the embedded (local) scheduler: a
job trains and registers its model with the token the platform gave it, a second person approves
it as champion, its deployment is recorded, a drifted batch of its inputs raises an alert, the
system is classified high-risk (Annex III point 5(b)) and the Annex IV PDF holds the model and
the drift event."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader
from pytest_django.fixtures import Settings

from tests.browser.test_journey import log_in, no_external_requests, shot
from tests.compute.jobs_support import grant
from tests.factories import World
from tests.govern.drift_data import applications, parquet

pytestmark = pytest.mark.browser

TRAIN = """#!/bin/bash
set -euo pipefail
# training stands in here: an MLflow model directory, packed
mkdir -p model
printf 'flavors:\\n  python_function:\\n    loader_module: mlflow.pyfunc.model\\n' > model/MLmodel
head -c 20000 /dev/urandom > model/weights.bin
tar -czf model.tgz model
# one request, with the token the platform gave this job (laif models register does the same)
curl -sS --fail-with-body -H "Authorization: Bearer $LAIF_JOB_TOKEN" \\
  -F file=@model.tgz -F metrics='{"auc": 0.91}' -F code_ref=git:4df6efb \\
  "$LAIF_URL/api/projects/$LAIF_PROJECT_ID/models/credit-scorer/versions"
"""

def test_train_register_approve_deploy_drift_classify_document(
        page: Page, browser: Browser, live_server: Any, world: World, shots_dir: Path,
        settings: Settings, tmp_path: Path) -> None:
    settings.LAIF_EXECUTOR = "local"
    settings.LAIF_JOBS_DIR = tmp_path / "jobs"
    base = live_server.url
    settings.LAIF_SITE_URL = base  # what the job is told to call
    outside = no_external_requests(page, base)
    project = world.project
    grant(project, world.project_lead, 100)

    # 1. the lead's job trains and registers its model, from inside the job
    log_in(page, base, world.project_lead.email)
    page.goto(f"{base}/projects/{project.pk}/jobs/new/")
    page.locator("#id_name").fill("train credit scorer")
    page.locator("#id_script").fill(TRAIN)
    page.locator("#id_gpus").fill("0")
    page.locator("#id_time_limit_minutes").fill("5")
    page.get_by_role("button", name="Submit the job").click()
    expect(page).to_have_url(re.compile(r"/compute/jobs/\d+/$"))
    job_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    expect(page.locator(".job-state-line")).to_contain_text("Completed", timeout=60_000)
    expect(page.locator("pre.output")).to_contain_text('"by_job"')

    page.goto(f"{base}/projects/{project.pk}/")
    page.get_by_role("link", name="Models").click()
    expect(page.locator("#models")).to_contain_text("credit-scorer")
    page.locator("#models a").first.click()
    page.locator("#versions a").first.click()
    expect(page.locator(".page-head")).to_contain_text(
        f"from inside its training job #{job_id} (submitted by {world.project_lead.email}), "
        "with the job's own token")
    expect(page.locator("#training")).to_contain_text(f"#{job_id} train credit scorer")
    expect(page.locator("#metrics")).to_contain_text("auc")
    shot(page, shots_dir, "registry-version")

    # 2. the lead asks for champion; the organisation's admin approves
    page.get_by_label("Alias", exact=True).select_option("champion")
    page.get_by_role("button", name="Ask for approval").click()
    expect(page.locator(".messages")).to_contain_text("another person approves")
    expect(page.locator("#pending")).to_contain_text("Another person approves or rejects")
    model_url = page.url
    admin = browser.new_page()
    log_in(admin, base, world.org_admin.email)
    admin.goto(model_url)
    admin.get_by_role("button", name="Approve").click()
    expect(admin.locator(".messages")).to_contain_text("Approved.")
    expect(admin.locator("#aliases")).to_contain_text("champion: v1")

    # 3. the lead records its deployment in the ledger
    page.reload()
    page.get_by_label("Environment", exact=True).fill("production")
    page.locator("#id_version_id").select_option(label="version 1")
    page.locator("#id_target").fill("loans-api on k8s-prod")
    page.get_by_role("button", name="Record", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("Recorded in the deployment ledger.")
    expect(page.locator("#ledger")).to_contain_text(world.org_admin.email)  # who approved
    expect(page.locator("#timeline rect")).to_have_count(1)
    expect(page.locator("#ledger-holds")).to_be_visible()
    shot(page, shots_dir, "registry-model")

    # 4. the admin registers the system its models serve and classifies it: 5(b), high-risk
    admin.goto(f"{base}/organisations/{world.org.pk}/ai-systems/")
    admin.get_by_label("Name of the AI system").fill("Loan pre-screening")
    admin.get_by_label("Intended purpose").fill("Scores consumer loan applicants.")
    admin.get_by_label("Project that trains its models").select_option(str(project.pk))
    admin.get_by_role("button", name="Register and classify").click()
    admin.locator("input[name=roles][value=provider]").check()
    admin.locator("input[name=areas][value=credit_scoring]").check()
    admin.get_by_role("button", name="Classify", exact=True).click()
    expect(admin.locator("h1 .category")).to_have_text("High-risk")
    expect(admin.locator("#conclusions")).to_contain_text("Annex III, point 5(b)")

    # 5. a drifted batch of its inputs: a monitoring event, and the lead is alerted
    reference, shifted = tmp_path / "reference.parquet", tmp_path / "2026-11.parquet"
    reference.write_bytes(parquet(applications(2_000, seed=1)))
    shifted.write_bytes(parquet(applications(1_000, seed=3, drifted=True)))
    admin.locator("#monitor-new summary").click()
    admin.get_by_label("Monitor name").fill("Loan applications")
    admin.get_by_label("Reference data (CSV or Parquet)").set_input_files(str(reference))
    admin.get_by_role("button", name="Profile the reference").click()
    admin.get_by_label("Current batch (CSV or Parquet)").set_input_files(str(shifted))
    admin.get_by_role("button", name="Test the batch").click()
    expect(admin.locator("h1 .verdict")).to_have_text("Drift")
    page.goto(f"{base}/notices/")
    expect(page.locator("main")).to_contain_text("Data drift in Loan pre-screening")

    # 6. the Annex IV file: the model, its training, its deployment and the drift event
    admin.locator(".eyebrow a").first.click()
    admin.locator("#annex-iv-link").click()
    expect(admin.locator("#point-1")).to_contain_text("Model: credit-scorer")
    expect(admin.locator("#point-1")).to_contain_text("version 1, the champion")
    expect(admin.locator("#point-2")).to_contain_text(f"#{job_id} train credit scorer")
    expect(admin.locator("#point-6")).to_contain_text("credit-scorer deployed v1 in production")
    expect(admin.locator("#point-9")).to_contain_text("Data drift (Art. 72)")
    shot(admin, shots_dir, "registry-annex-iv")
    pdf = admin.request.get(base + str(admin.locator("#annex-pdf-en").get_attribute("href")))
    assert pdf.headers["content-type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
    text = " ".join(text.split())
    for expected in ("Model: credit-scorer", "Data drift (Art. 72)", "High-risk",
                     "deployed v1 in production"):
        assert expected in text, expected
    admin.close()

    # the model's page in French and on a phone
    page.goto(model_url)
    page.locator("form.lang button[value=fr]").click()
    expect(page.locator("#ledger")).to_contain_text("Déployé")
    shot(page, shots_dir, "registry-model-fr")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, shots_dir, "registry-model-fr-390")
    page.locator("#versions a").first.click()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, shots_dir, "registry-version-fr-390")
    assert outside == []
