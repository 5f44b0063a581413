"""The Build & Test journey in a real Chromium, with the embedded (local) scheduler: a project lead
requests GPU-hours, a reviewer approves them, the lead submits a job from a template, sees it run
and reads its output."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.fixtures import Settings

from tests.browser.axe_support import serious_violations
from tests.browser.test_journey import log_in, no_external_requests, shot
from tests.factories import World

pytestmark = pytest.mark.browser


def test_request_approve_submit_run_read_the_log(page: Page, browser: Browser, live_server: Any,
                                                 world: World, shots_dir: Path,
                                                 settings: Settings, tmp_path: Path) -> None:
    settings.LAIF_EXECUTOR = "local"
    settings.LAIF_JOBS_DIR = tmp_path / "jobs"
    base = live_server.url
    outside = no_external_requests(page, base)
    project = world.project

    # The lead asks for GPU-hours.
    log_in(page, base, world.project_lead.email)
    page.goto(f"{base}/projects/{project.pk}/allocation-requests/new/")
    page.get_by_label("Title").fill("Defect detection, first runs")
    page.get_by_label("Access type").select_option("development")
    page.get_by_label("GPU-hours requested").fill("100")
    page.get_by_label("Duration (months)").fill("1")
    page.get_by_label("Scientific and technical case").fill("Batch inference over our images.")
    page.get_by_label("Expected outputs").fill("Defect scores per image.")
    page.get_by_label("Data sensitivity").select_option("internal")
    page.get_by_role("button", name="Submit the request").click()
    expect(page).to_have_url(re.compile(r"/compute/requests/\d+/$"))
    request_url = page.url

    # A reviewer approves them.
    reviewer = browser.new_page()
    log_in(reviewer, base, world.reviewer.email)
    reviewer.goto(request_url)
    reviewer.get_by_label("Approve").check()
    reviewer.get_by_role("button", name="Record the decision").click()
    expect(reviewer.locator(".messages")).to_be_visible()
    reviewer.close()

    # The lead submits a job from a template and sees it run.
    page.goto(f"{base}/projects/{project.pk}/jobs/")
    page.get_by_role("link", name="Submit a job").click()
    page.locator("#id_name").fill("first inference")
    page.locator("#id_template").select_option("batch_inference")
    page.locator("#id_gpus").fill("0")
    page.locator("#id_time_limit_minutes").fill("5")
    page.locator("#id_gpus").fill("1")
    # the worst case against what is left, before submitting (htmx, as the form changes)
    expect(page.locator("#job-estimate")).to_contain_text("It fits.")
    expect(page.locator("#job-estimate")).to_contain_text("1 GPU(s) x 5 minutes")
    assert serious_violations(page) == []
    shot(page, shots_dir, "job-composer")
    page.locator("#id_gpus").fill("0")
    page.get_by_role("button", name="Submit the job").click()
    expect(page).to_have_url(re.compile(r"/compute/jobs/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("first inference")
    # the page follows the job by itself (htmx, every 5 s) until it ends: no reload
    expect(page.locator(".job-state-line")).to_contain_text("Completed", timeout=30_000)
    expect(page.locator("pre.output")).to_contain_text("batch inference over inputs")
    expect(page.locator("#job-live")).not_to_have_attribute("hx-trigger", re.compile("."))
    shot(page, shots_dir, "job-detail")
    with page.expect_download() as download:
        page.locator("#job-output-download").click()
    assert "batch inference over inputs" in Path(download.value.path()).read_text()
    page.locator("#job-copy").click()  # run it again: the composer, filled
    expect(page.locator("#id_name")).to_have_value("first inference")
    page.goto(f"{base}/projects/{project.pk}/jobs/")
    expect(page.locator("table")).to_contain_text("first inference")
    assert not outside, outside
