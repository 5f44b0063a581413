"""The AI Act register in a real Chromium: the organisation admin registers a credit-scoring
system, answers the questionnaire, reads "high-risk" with the articles behind it, records the
evidence of the Art. 27 impact assessment, watches its inputs (a reference profiled once, a
drifted batch recorded as a monitoring event), reads the Annex IV file with the event in it, and
reads it again in French and on a phone."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_journey import log_in, no_external_requests, shot
from tests.factories import World
from tests.govern.drift_data import applications, parquet

pytestmark = pytest.mark.browser


def test_classify_a_credit_scoring_system_keep_its_evidence_and_watch_its_drift(
        page: Page, live_server: Any, world: World, shots_dir: Path, tmp_path: Path) -> None:
    base = live_server.url
    outside = no_external_requests(page, base)
    log_in(page, base, world.org_admin.email)
    page.goto(f"{base}/organisations/{world.org.pk}/")
    page.locator("#ai-systems-link").click()
    expect(page.locator("#no-systems")).to_be_visible()
    page.get_by_label("Name of the AI system").fill("Loan pre-screening")
    page.get_by_label("Intended purpose").fill("Scores consumer loan applicants before an "
                                               "analyst decides.")
    page.get_by_role("button", name="Register and classify").click()
    expect(page.locator("h1")).to_have_text("Classify under the EU AI Act")
    page.locator("input[name=roles][value=deployer]").check()
    page.locator("input[name=areas][value=credit_scoring]").check()
    page.locator("input[name=exemptions][value=narrow_procedural_task]").check()
    page.locator("input[name=profiling]").check()
    shot(page, shots_dir, "govern-questionnaire")
    page.get_by_role("button", name="Classify", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("The system is classified.")
    expect(page.locator("h1 .category")).to_have_text("High-risk")
    # the exemption claimed does not hold for a system that profiles people
    expect(page.locator("#conclusions")).to_contain_text("Art. 6(3), third subparagraph")
    fria = page.locator("#obligation-fundamental_rights_impact_assessment")
    expect(fria).to_contain_text("Art. 27")
    expect(page.locator("#obligations-met")).to_have_text("0 of 14 obligations met.")
    fria.locator("summary").click()
    fria.locator("select").select_option("met")
    fria.get_by_role("button", name="Save").click()
    expect(page.locator("#obligation-fundamental_rights_impact_assessment .field-errors")
           ).to_contain_text("This field is required.")
    fria = page.locator("#obligation-fundamental_rights_impact_assessment")
    fria.locator("select").select_option("met")
    fria.locator("textarea").fill("FRIA of 2026-11-30, signed by the DPO")
    fria.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("The obligation is updated.")
    expect(page.locator("#obligation-fundamental_rights_impact_assessment .status")
           ).to_have_text("Met")
    expect(page.locator("#obligation-fundamental_rights_impact_assessment .evidence")
           ).to_have_text("FRIA of 2026-11-30, signed by the DPO")
    expect(page.locator("#obligations-met")).to_have_text("1 of 14 obligations met.")
    shot(page, shots_dir, "govern-system")

    # drift: the reference profiled once, then a drifted batch of current inputs
    reference, shifted = tmp_path / "reference.parquet", tmp_path / "2026-11.parquet"
    reference.write_bytes(parquet(applications(2_000, seed=1)))
    shifted.write_bytes(parquet(applications(1_000, seed=3, drifted=True)))
    page.locator("#monitor-new summary").click()
    page.get_by_label("Monitor name").fill("Loan applications")
    page.get_by_label("Reference data (CSV or Parquet)").set_input_files(str(reference))
    page.get_by_role("button", name="Profile the reference").click()
    expect(page.locator(".messages")).to_contain_text("its reference is profiled")
    expect(page.locator(".lead")).to_contain_text("2,000 rows, 4 columns")
    page.get_by_label("Current batch (CSV or Parquet)").set_input_files(str(shifted))
    page.get_by_role("button", name="Test the batch").click()
    expect(page.locator("h1 .verdict")).to_have_text("Drift")
    expect(page.locator("#columns tbody tr")).to_have_count(4)
    expect(page.locator("#chart-1 svg")).to_be_visible()
    assert page.locator("#chart-1 rect.bar-current").count() > 8
    shot(page, shots_dir, "govern-drift-batch")
    page.locator(".eyebrow a").first.click()
    expect(page.locator("#events")).to_contain_text("Loan applications: 4 of 4 columns drifted")
    # the technical documentation holds the drift event, and lists what is missing
    page.locator("#annex-iv-link").click()
    expect(page.locator("h1")).to_have_text("Technical documentation (Annex IV)")
    expect(page.locator("#point-9")).to_contain_text("Data drift (Art. 72): monitor Loan "
                                                     "applications, batch 2026-11.parquet")
    expect(page.locator("#point-5 .gap").first).to_contain_text("Art. 9")
    pdf = page.request.get(base + str(page.locator("#annex-pdf-fr").get_attribute("href")))
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    shot(page, shots_dir, "govern-annex-iv")
    page.go_back()
    page.locator("form.lang button[value=fr]").click()
    expect(page.locator("h1 .category")).to_have_text("Haut risque")
    expect(page.locator("#obligations")).to_contain_text("En tant que déployeur")
    shot(page, shots_dir, "govern-system-fr")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/organisations/{world.org.pk}/ai-systems/")
    expect(page.locator("#systems")).to_contain_text(re.compile("Haut risque"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, shots_dir, "govern-register-390")
    page.locator("#systems a").first.click()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, shots_dir, "govern-system-390")
    page.locator("#monitor-list a").first.click()
    page.locator("#batches a").first.click()
    expect(page.locator("h1 .verdict")).to_have_text("Dérive")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, shots_dir, "govern-drift-batch-fr-390")
    system_href = page.locator(".eyebrow a").nth(0).get_attribute("href") or ""
    monitor_href = page.locator(".eyebrow a").nth(1).get_attribute("href") or ""
    for href, name in ((monitor_href, "govern-monitor-fr-390"),
                       (system_href, "govern-system-fr-390-again")):
        page.goto(base + href)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
        shot(page, shots_dir, name)
    page.locator("#annex-iv-link").click()
    expect(page.locator("h1")).to_have_text("Documentation technique (annexe IV)")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, shots_dir, "govern-annex-iv-fr-390")
    assert outside == []
