"""De minimis in a real Chromium: the admin records aid received elsewhere, claims a statement's
cashback that no longer fits under the ceiling (told so before claiming), and the operator grants
a reduced amount with the decision's reason."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_journey import log_in, no_external_requests, shot
from tests.compute.billing_support import entry, issue
from tests.factories import World

pytestmark = pytest.mark.browser


def test_aid_recorded_claim_over_the_ceiling_granted_reduced(
        page: Page, live_server: Any, world: World, shots_dir: Path) -> None:
    base = live_server.url
    outside = no_external_requests(page, base)
    entry(world.project, world.member, date(2026, 7, 1), gpu_s=36_000)
    statement = issue(world.operator, world.project, date(2026, 7, 1))

    log_in(page, base, world.org_admin.email)
    page.goto(f"{base}/organisations/{world.org.pk}/cashback/")
    page.get_by_label("Amount (EUR)").fill("299995")
    page.get_by_label("Granted on").fill("2026-02-01")
    page.get_by_label("Granting authority and reference").fill("Luxinnovation, Fit 4 AI 2026-3")
    page.get_by_role("button", name="Record the aid").click()
    expect(page.locator("#aid")).to_contain_text("EUR 299,995.00")

    page.goto(f"{base}/statements/{statement.pk}/")
    expect(page.locator("#over-de-minimis")).to_contain_text(
        "cannot be granted under de minimis: the headroom under the ceiling is EUR 5.00")
    page.get_by_role("button", name="Claim the cashback").click()
    page.get_by_role("button", name="Submit the claim").click()
    expect(page.locator("#claims .claim-state")).to_have_text("Submitted")

    page.context.clear_cookies()
    log_in(page, base, world.operator.email)
    page.goto(f"{base}/organisations/{world.org.pk}/cashback/")
    expect(page.locator("#claims")).to_contain_text("the headroom is EUR 5.00")
    page.get_by_label("Reduced grant (EUR)").fill("5.00")
    page.get_by_label("Reason of the decision").fill("Board decision 2026-14")
    shot(page, shots_dir, "cashback-over-ceiling-operator")
    page.get_by_role("button", name="Grant reduced and mark paid").click()
    expect(page.locator("#claims .claim-state")).to_have_text("Paid")
    expect(page.locator("#claims")).to_contain_text("Reduced grant (claimed EUR 17.60)")
    expect(page.locator("#de-minimis")).to_contain_text("EUR 300,000.00")
    shot(page, shots_dir, "cashback-reduced-grant")
    assert outside == []
