"""A first-time visitor in Chromium (issue 22, point 9): the public front page in English and
French, on a desktop and a phone, a pillar the portal does not hold yet leading to the request
form on its goal; axe finds no serious violation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe_support import serious_violations
from tests.browser.test_journey import no_external_requests, shot

pytestmark = pytest.mark.browser


def test_a_visitor_finds_the_offer_and_asks_for_inference(page: Page, live_server: Any,
                                                         shots_dir: Path) -> None:
    base = live_server.url
    outside = no_external_requests(page, base)
    page.goto(f"{base}/")
    expect(page).to_have_url(f"{base}/")  # no login asked
    expect(page.locator("#pillar-scale")).to_contain_text("Not in the portal yet")
    assert serious_violations(page) == []
    shot(page, shots_dir, "front-page")
    page.locator("#pillar-scale").get_by_role("link", name="Tell us what you need").click()
    expect(page).to_have_url(f"{base}/start/?goal=inference")
    expect(page.get_by_label("Run a model at scale (inference)")).to_be_checked()
    # the course catalogue is open to visitors
    page.goto(f"{base}/")
    page.locator("#pillar-train").get_by_role("link").click()
    expect(page).to_have_url(f"{base}/training/")
    expect(page.locator("h1")).to_have_text("Training")

    page.goto(f"{base}/")
    page.locator("form.lang button[value=fr]").click()
    expect(page.locator("#pillar-scale")).to_contain_text("Pas encore dans le portail")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert serious_violations(page) == []
    shot(page, shots_dir, "front-page-fr-phone")
    assert outside == []
