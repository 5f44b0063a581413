"""The AI maturity check in a real Chromium: the organisation admin takes it from the
organisation's page, reads each dimension's score and what drove it, takes it again and sees the
progress chart, in English and in French."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.assess.assess_matrix import every_answer
from tests.browser.test_journey import log_in, no_external_requests, shot
from tests.factories import World

pytestmark = pytest.mark.browser


def answer_all(page: Page, points: int) -> None:
    for key, value in every_answer(points).items():
        page.locator(f"input[name={key}][value={value}]").check()


def test_take_the_check_twice_and_read_the_progress(page: Page, live_server: Any,
                                                    world: World, shots_dir: Path) -> None:
    base = live_server.url
    outside = no_external_requests(page, base)
    log_in(page, base, world.org_admin.email)
    page.goto(f"{base}/organisations/{world.org.pk}/")
    page.locator("#maturity-link").click()
    page.locator("#take-link").click()
    answer_all(page, 1)
    shot(page, shots_dir, "maturity-form")
    page.get_by_role("button", name="See my results").click()
    expect(page.locator(".messages")).to_contain_text("overall score 22, level 2")
    expect(page.locator("#level")).to_contain_text("Level 2 of 5: Experimenting")
    expect(page.locator("#dimension-governance")).to_contain_text("Do you keep a list")
    shot(page, shots_dir, "maturity-result")
    page.locator("#take-link").click()
    expect(page.locator("input[name=sponsor][value=manager]")).to_be_checked()
    answer_all(page, 3)
    page.get_by_role("button", name="See my results").click()
    expect(page.locator("#level")).to_contain_text("Level 4 of 5: Scaling")
    expect(page.locator("#progress-chart polyline.overall")).to_have_count(1)
    expect(page.locator("#progress tbody tr")).to_have_count(2)
    shot(page, shots_dir, "maturity-progress")
    page.locator("form.lang button[value=fr]").click()
    expect(page.locator("h1")).to_have_text(re.compile("Maturité IA"))
    expect(page.locator("#level")).to_contain_text("Niveau 4 sur 5")
    expect(page.locator("#dimension-data")).to_contain_text("Préparation des données")
    shot(page, shots_dir, "maturity-progress-fr")
    assert outside == []
