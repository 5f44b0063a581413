"""Connect in a real Chromium: a company describes its need in French, sees the experts it
matches with the competences that matched, asks the first one for an introduction; the expert's
contact accepts, and only then do both see how to reach each other."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.connect import services
from tests.browser.test_journey import log_in, no_external_requests, shot
from tests.factories import World, add_member

pytestmark = pytest.mark.browser

NEED = ("Nous voulons prévoir les pannes de nos presses à partir des vibrations mesurées par "
        "des capteurs, avant qu'elles n'arrêtent la ligne.")


def test_need_in_french_matched_experts_introduction_accepted(
        page: Page, browser: Browser, live_server: Any, world: World, shots_dir: Path) -> None:
    base = live_server.url
    outside = no_external_requests(page, base)
    w = world
    expert = add_member(w.other_org, "nora.klein@list.lu", first_name="Nora", last_name="Klein")
    services.expert_contact_add(access=access_for(w.operator), actor=Actor.of(w.operator),
                                expert_key="list_industrial_ai", email=expert.email,
                                phone="+352 275 888 1")

    # 1. the lead describes the need in French and sees why each expert matched
    log_in(page, base, w.project_lead.email)
    page.goto(f"{base}/connect/")
    page.get_by_label("Your need").fill(NEED)
    page.get_by_label("Sector").select_option("manufacturing")
    page.get_by_role("button", name="Find experts").click()
    expect(page.locator("#results-title")).to_be_visible()
    expect(page.locator("#matches")).to_contain_text("LIST")
    expect(page.locator("#matches")).to_contain_text("Predictive maintenance")
    shot(page, shots_dir, "connect-01-matches")

    # 2. asks LIST's industrial AI team for an introduction
    card = page.locator("#matches > li", has_text="Industrial AI").first
    expect(card).to_be_visible()
    card.locator("summary").click()
    card.get_by_label("A word to the expert").fill("Nous avons 18 mois de mesures.")
    card.get_by_role("button", name="Send the request").click()
    expect(page.locator("#status")).to_have_text("Waiting for the expert's answer.")
    expect(page.locator("main")).not_to_contain_text("nora.klein@list.lu")
    shot(page, shots_dir, "connect-02-requested")
    intro_url = page.url

    # 3. the expert's contact accepts
    other = browser.new_context().new_page()
    log_in(other, base, expert.email)
    other.goto(f"{base}/connect/introductions/")
    other.locator("#to-answer a").first.click()
    expect(other.locator("main")).not_to_contain_text(w.project_lead.email)
    other.get_by_label("Your answer").fill("Volontiers, appelons-nous la semaine prochaine.")
    other.get_by_role("button", name="Accept the introduction").click()
    expect(other.locator("#contact-details")).to_contain_text(w.project_lead.email)

    # 4. the lead now sees how to reach the expert
    page.goto(intro_url)
    expect(page.locator("#status")).to_have_text("Accepted: you can now reach each other.")
    expect(page.locator("#contact-details")).to_contain_text("nora.klein@list.lu")
    expect(page.locator("#contact-details")).to_contain_text("+352 275 888 1")
    shot(page, shots_dir, "connect-03-accepted")
    page.locator("form.lang button[value=fr]").click()
    expect(page.locator("#contact-details")).to_contain_text("nora.klein@list.lu")
    shot(page, shots_dir, "connect-04-accepted-fr")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, shots_dir, "connect-05-accepted-390")
    assert outside == []
