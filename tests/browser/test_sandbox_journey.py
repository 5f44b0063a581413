"""The data sandbox in a real Chromium: a project lead uploads a customer table, confirms the
columns' classification, adjusts the release policy until the risk check passes, releases it,
runs a job that reads the released file from its environment, and downloads the file; the
version page in French too."""

from __future__ import annotations

import io
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from playwright.sync_api import Page, expect
from pytest_django.fixtures import Settings

from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.sandbox import releases, services
from laif.sandbox.releases import PolicyRow
from tests.browser.test_journey import log_in, no_external_requests, shot
from tests.compute.jobs_support import grant
from tests.factories import World
from tests.sandbox.data import csv_bytes, customers

pytestmark = pytest.mark.browser


def test_upload_review_policy_risk_release_job_download(
        page: Page, live_server: Any, world: World, shots_dir: Path, settings: Settings,
        tmp_path: Path) -> None:
    settings.LAIF_EXECUTOR = "local"
    settings.LAIF_JOBS_DIR = tmp_path / "jobs"
    releases_root = Path(tempfile.mkdtemp(prefix="laif-releases-", dir="/tmp"))
    releases_root.chmod(0o711)
    settings.LAIF_SANDBOX_RELEASES_DIR = releases_root / "releases"
    grant(world.project, world.project_lead, 100)
    table = tmp_path / "customers.csv"
    table.write_bytes(csv_bytes(customers(600), separator=";"))
    base = live_server.url
    outside = no_external_requests(page, base)
    try:
        log_in(page, base, world.project_lead.email)
        page.goto(f"{base}/projects/{world.project.pk}/")
        page.get_by_role("link", name="Data sandbox").click()
        page.get_by_label("Dataset").fill("customers")
        page.get_by_label("CSV or Parquet file").set_input_files(str(table))
        shot(page, shots_dir, "sandbox-upload")
        page.get_by_role("button", name="Upload").click()
        expect(page).to_have_url(re.compile(r"/sandbox/versions/\d+/$"))
        expect(page.locator(".messages")).to_contain_text("Uploaded and encrypted")
        expect(page.locator("#columns")).to_contain_text(
            "Luxembourg national identification number")
        expect(page.get_by_label("Kind of iban")).to_have_value("iban")
        shot(page, shots_dir, "sandbox-classification")
        page.get_by_role("button", name="Confirm the classification").click()
        expect(page.locator(".messages")).to_contain_text("Classification confirmed")

        # the proposed policy: dates of birth to the year and postcodes to the region, both
        # quasi-identifiers; too fine for k = 5
        expect(page.locator("#policy")).to_be_visible()
        shot(page, shots_dir, "sandbox-policy")
        page.get_by_role("button", name="Save the policy").click()
        page.get_by_role("button", name="Check the risk").click()
        expect(page.locator("#risk-report")).to_contain_text("Does not pass")
        shot(page, shots_dir, "sandbox-risk-fails")
        # the region alone is coarse enough
        page.get_by_label("Quasi-identifier · birth_date").uncheck()
        page.get_by_role("button", name="Save the policy").click()
        page.get_by_role("button", name="Check the risk").click()
        expect(page.locator("#risk-report")).to_contain_text("Passes")
        page.get_by_role("button", name="Release", exact=True).click()
        expect(page).to_have_url(re.compile(r"/sandbox/releases/\d+/$"))
        expect(page.locator("#job-env")).to_contain_text("LAIF_DATASET_CUSTOMERS=")
        shot(page, shots_dir, "sandbox-release")

        # a job of the project reads it
        page.goto(f"{base}/projects/{world.project.pk}/jobs/new/")
        page.locator("#id_name").fill("read the customers")
        page.locator("#id_script").fill(
            '#!/bin/bash\nhead -c 4 "$LAIF_DATASET_CUSTOMERS"; echo " ok"\n')
        page.locator("#id_gpus").fill("0")
        page.locator("#id_time_limit_minutes").fill("5")
        page.get_by_role("button", name="Submit the job").click()
        expect(page).to_have_url(re.compile(r"/compute/jobs/\d+/$"))
        for _attempt in range(60):
            if "Completed" in page.locator("h1").inner_text():
                break
            page.wait_for_timeout(250)
            page.reload()
        expect(page.locator("pre.output")).to_contain_text("PAR1 ok")

        # and the lead downloads it
        page.goto(f"{base}/projects/{world.project.pk}/sandbox/")
        page.locator("#releases a").first.click()
        with page.expect_download() as download:
            page.locator("#download").click()
        saved = tmp_path / "released.parquet"
        download.value.save_as(saved)
        released = pl.read_parquet(saved)
        assert released.height == 600
        assert not set(released["iban"]) & set(customers(600)["iban"])

        # the version page in French
        page.goto(f"{base}/projects/{world.project.pk}/sandbox/")
        page.locator("a[href*='/sandbox/versions/']").first.click()
        page.locator("form.lang button[value=fr]").click()
        expect(page.locator("#policy-form h2")).to_have_text("Politique de publication")
        shot(page, shots_dir, "sandbox-version-fr")
        assert not outside, outside
    finally:
        shutil.rmtree(releases_root, ignore_errors=True)


def test_reidentification_asked_approved_by_another_revealed_once(
        page: Page, browser: Any, live_server: Any, world: World, shots_dir: Path,
        settings: Settings) -> None:
    """The lead asks for the IBAN behind an encrypted value, the organisation's admin approves
    it on the release page, the lead reveals it once."""
    settings.LAIF_SANDBOX_MIN_K = 1
    lead, actor = access_for(world.project_lead), Actor.of(world.project_lead)
    table = customers(40)
    version = services.dataset_upload(access=lead, actor=actor, project_id=world.project.pk,
                                      name="customers", src=io.BytesIO(csv_bytes(table)),
                                      filename="customers.csv").version
    services.classification_review(access=lead, actor=actor, version_id=version.pk, kinds={})
    rows = [PolicyRow(**{**r.__dict__, "action": "encrypt", "domain": "iban-owner"})
            if r.column == "iban" else r for r in releases.policy_proposed(version)]
    releases.policy_set(access=lead, actor=actor, version_id=version.pk, rows=rows)
    release = releases.release_create(access=lead, actor=actor, version_id=version.pk,
                                      suppress=True)
    released = pl.read_parquet(releases.staged_path(release))
    token = released.filter(pl.col("customer_id") == "C0000004")["iban"][0]
    original = table.filter(pl.col("customer_id") == "C0000004")["iban"][0]
    base = live_server.url
    outside = no_external_requests(page, base)
    log_in(page, base, world.project_lead.email)
    page.goto(f"{base}/sandbox/releases/{release.pk}/")
    page.get_by_label("Encrypted values").fill(token)
    page.get_by_label("Why").fill("The customer asked for their file to be corrected.")
    page.get_by_role("button", name="Ask for approval").click()
    expect(page.locator("#reid-requests")).to_contain_text("Waiting for a second person")
    expect(page.locator("#reid-requests button")).to_have_count(0)  # not the requester's call
    admin = browser.new_page()
    log_in(admin, base, world.org_admin.email)
    admin.goto(f"{base}/sandbox/releases/{release.pk}/")
    shot(admin, shots_dir, "sandbox-reid-to-approve")
    admin.get_by_role("button", name="Approve").click()
    expect(admin.locator(".messages")).to_contain_text("Approved")
    admin.close()
    page.reload()
    page.get_by_role("button", name="Reveal once").click()
    expect(page.locator("#revealed")).to_contain_text(original)
    shot(page, shots_dir, "sandbox-reid-revealed")
    page.goto(f"{base}/sandbox/releases/{release.pk}/")
    expect(page.locator("#reid-requests")).to_contain_text("Revealed")
    expect(page.locator("#revealed")).to_have_count(0)
    assert not outside, outside
