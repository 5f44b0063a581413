"""A project's jobs, all of them, in a real Chromium (issue 22, point 2): jobs run over SSH and
through the portal, each once, with run time, GPU-hours and cost; filtered by state and person
through the form; paged; in English and French, 1366 and 390 px wide."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from laif.usage import services as ledger
from tests.browser.axe_support import serious_violations
from tests.browser.test_journey import log_in, no_external_requests, shot
from tests.compute.jobs_support import grant
from tests.compute.ledger_support import as_fixture_team, cover, moved, with_jobs
from tests.factories import World

pytestmark = pytest.mark.browser

BASE = int(datetime(2026, 9, 10, 8, tzinfo=UTC).timestamp())


def _run(job_id: int, user: str, state: str, start: int) -> dict[str, Any]:
    job = moved("sacct_completed.json", submission=BASE + start, start=BASE + start,
                end=BASE + start + 5400, elapsed=5400)
    job["job_id"], job["user"] = job_id, user
    job["state"]["current"] = state
    return job


def test_the_jobs_of_a_project_filtered_and_paged(page: Page, live_server: Any, world: World,
                                                  shots_dir: Path) -> None:
    as_fixture_team(world)
    cover(grant(world.project, world.project_lead), date(2026, 9, 1), date(2026, 12, 31))
    states = ["COMPLETED", "FAILED", "OUT_OF_MEMORY", "CANCELLED"]
    ledger.usage_ingest_sacct(data=with_jobs([
        _run(4000 + k, ("laif_u1", "laif_u2")[k % 2], states[k % 4], k * 600)
        for k in range(55)]))
    base = live_server.url
    outside = no_external_requests(page, base)
    log_in(page, base, world.project_lead.email)
    page.goto(f"{base}/projects/{world.project.pk}/jobs/")
    rows = page.locator("#jobs tbody tr")
    expect(rows).to_have_count(50)
    expect(rows.first).to_contain_text("4054")
    expect(rows.first).to_contain_text("over SSH")
    expect(rows.first).to_contain_text("1 h 30 min")
    expect(rows.first).to_contain_text("3.00")  # two GPUs for an hour and a half
    expect(rows.first).to_contain_text("EUR")
    assert serious_violations(page) == []
    shot(page, shots_dir, "jobs-list")

    page.get_by_label("State").select_option("failed")
    page.get_by_label("Person").select_option(label=str(world.member))
    page.get_by_role("button", name="Filter").click()
    # the member ran the even ones, half of them out of memory: 4002, 4006, ... 4054
    expect(page.locator("#jobs-count")).to_contain_text("14 jobs")
    expect(rows.first).to_contain_text("4054")
    expect(rows.last).to_contain_text("4002")
    expect(rows.first).to_contain_text("Out of memory")
    expect(page.get_by_label("State")).to_have_value("failed")  # the form keeps its choice
    page.get_by_role("link", name="Show all").click()
    page.get_by_role("link", name="Older").click()
    expect(rows).to_have_count(5)
    expect(page.locator(".pager")).to_contain_text("Page 2 of 2")

    page.locator("form.lang button[value=fr]").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator(".pager")).to_contain_text("Page 2 sur 2")
    expect(rows.first).to_contain_text("1 h 30 min")
    expect(rows.first).to_contain_text("3,00")
    expect(page.locator("#jobs")).to_contain_text("par SSH")
    expect(page.locator("#jobs")).to_contain_text("Mémoire épuisée")
    assert serious_violations(page) == []
    shot(page, shots_dir, "jobs-list-fr")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, shots_dir, "jobs-list-fr-390")
    assert not outside, outside
