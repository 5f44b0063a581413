"""The staff workspace in a real Chromium (issue 22, point 5): a reviewer lands on the review
queue; an operator lands on the dashboard, sees their queues with what waits, opens the cashback
claims of every organisation; in English and French, 1366 and 390 px wide."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe_support import serious_violations
from tests.browser.test_journey import log_in, no_external_requests, shot
from tests.compute.support import submit
from tests.factories import World
from tests.fund.cashback_support import submitted_claim

pytestmark = pytest.mark.browser


def test_reviewer_and_operator_land_on_their_queues(page: Page, live_server: Any, world: World,
                                                     shots_dir: Path) -> None:
    submit(world.project, world.project_lead)
    submitted_claim(world)
    base = live_server.url
    outside = no_external_requests(page, base)
    log_in(page, base, world.reviewer.email)
    expect(page).to_have_url(f"{base}/compute/review/")
    page.context.clear_cookies()

    log_in(page, base, world.operator.email)
    expect(page).to_have_url(f"{base}/")
    queues = page.locator("#queues")
    expect(queues.locator("#queue-cashback .kpi-value")).to_have_text("1")
    expect(queues.locator("#queue-sme .kpi-value")).to_have_text("0")
    expect(queues).not_to_contain_text("Allocation requests to review")  # not an operator's
    # the factory in charts, drawn by the platform (htmx, after the page)
    expect(page.locator("#chart-pools svg")).to_be_visible()
    expect(page.locator("#chart-sme")).to_contain_text("Small enterprise")
    assert serious_violations(page) == []
    shot(page, shots_dir, "staff-dashboard")
    queues.locator("#queue-cashback").click()
    expect(page).to_have_url(f"{base}/staff/cashback/")
    expect(page.locator("#claims-queue")).to_contain_text("Acme Vision")
    assert serious_violations(page) == []
    shot(page, shots_dir, "staff-cashback-queue")

    page.locator("form.lang button[value=fr]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cashback à verser")
    page.goto(f"{base}/")
    expect(page.locator("#queues h2")).to_have_text("Vos files d\u2019attente")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert serious_violations(page) == []
    shot(page, shots_dir, "staff-dashboard-fr-390")
    assert not outside, outside
