"""A balance people can read, in Chromium (issue 22, point 3): the project lead opens the home
page and the project page; each shows the allocation's GPU-hours left, its burn-down chart
(drawn by the platform as SVG) and when it runs out; in French too, and on a phone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from laif.allocations.models import Allocation
from tests.browser.axe_support import serious_violations
from tests.browser.test_journey import log_in, no_external_requests, shot
from tests.compute.test_balance_burndown import used  # noqa: F401  (the fixture)
from tests.factories import World

pytestmark = pytest.mark.browser


def test_the_balance_on_the_home_and_project_pages(page: Page, live_server: Any, world: World,
                                                   used: Allocation,  # noqa: F811
                                                   shots_dir: Path) -> None:
    base = live_server.url
    outside = no_external_requests(page, base)
    log_in(page, base, world.project_lead.email)
    page.goto(f"{base}/")
    panel = page.locator(f"#burndown-{used.pk}")
    expect(panel.locator(".left-figure")).to_have_text("60.00")
    expect(panel).to_contain_text("of 100.00 GPU-hours left")
    expect(panel.locator("svg polyline.left")).to_be_visible()
    expect(panel.locator(".forecast-text")).to_contain_text("the grant runs out on")
    assert serious_violations(page) == []
    shot(page, shots_dir, "balance-home")

    page.goto(f"{base}/projects/{world.project.pk}/")
    expect(page.locator(f"#burndown-{used.pk} .left-figure")).to_have_text("60.00")
    page.locator("form.lang button[value=fr]").click()
    expect(page.locator(f"#burndown-{used.pk} .left-figure")).to_have_text("60,00")
    expect(page.locator(f"#burndown-{used.pk}")).to_contain_text("heures GPU restantes")
    shot(page, shots_dir, "balance-project-fr")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.locator(f"#burndown-{used.pk} svg")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert serious_violations(page) == []
    shot(page, shots_dir, "balance-project-fr-phone")
    assert outside == []
