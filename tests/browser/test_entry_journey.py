"""The single point of entry in a real Chromium: a visitor without an account describes a need
from the login page, sees where it goes and why, confirms the address with the e-mailed link;
an operator takes it in the inbox and answers; the visitor reads the answer and replies, in
French."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from tests.browser.test_journey import log_in, no_external_requests, shot
from tests.factories import World
from tests.mail_support import link_path

pytestmark = pytest.mark.browser


def test_anonymous_intake_to_the_inbox_and_back(page: Page, live_server: Any, world: World,
                                                shots_dir: Path) -> None:
    base = live_server.url
    outside = no_external_requests(page, base)
    page.goto(f"{base}/login/")
    page.locator("#start-link").click()
    expect(page.locator("h1")).to_have_text("Tell us what you need")
    page.get_by_label("Build a concrete AI use case").check()
    page.get_by_label("Describe your need").fill(
        "Spot scratches on painted parts of line 3; 2% are rejected at the customer.")
    page.get_by_label("Sector").select_option("manufacturing")
    page.get_by_label("Budget for the project").select_option("10k_50k")
    page.get_by_label("When do you want to start?").select_option("12_months")
    page.get_by_label("Language for our answer").select_option("fr")
    page.get_by_label("Images or video").check()
    page.get_by_label("Your name").fill("Marie Schmit")
    page.get_by_label("E-mail address").fill("marie@moselle-parts.lu")
    page.get_by_label("Organisation").fill("Moselle Parts")
    page.get_by_label(re.compile("The factory may use these answers")).check()
    shot(page, shots_dir, "entry-form")
    page.get_by_role("button", name="Send my request").click()
    expect(page.locator("#confirm-notice")).to_contain_text("marie@moselle-parts.lu")
    expect(page.locator("#rule-compute-gpu")).to_contain_text("GPU time on MeluXina-AI")
    expect(page.locator("#rule-small-budget-funding")).to_contain_text("Fit 4 AI")
    expect(page.locator("#step-gpu_request")).to_contain_text("create an account")
    shot(page, shots_dir, "entry-sent")

    (message,) = [m for m in mail.outbox if m.to == ["marie@moselle-parts.lu"]]
    page.goto(base + link_path(message.body, "/start/follow/"))
    expect(page.locator(".messages")).to_contain_text("your address is confirmed")

    log_in(page, base, world.operator.email)
    page.goto(f"{base}/staff/inbox/")
    expect(page.locator("#inbox")).to_contain_text("Moselle Parts")
    shot(page, shots_dir, "entry-inbox")
    page.locator("#inbox a", has_text="Moselle Parts").click()
    page.locator("#status-form").get_by_label("Status").select_option("triaged")
    page.locator("#status-form").get_by_role("button").click()
    expect(page.locator(".messages")).to_contain_text("The status is saved")
    page.locator("#comment-form").get_by_label("Comment").fill(
        "Could you send us twenty sample images?")
    page.locator("#comment-form").get_by_label(re.compile("Send it to the requester")).check()
    page.locator("#comment-form").get_by_role("button").click()
    expect(page.locator("#history")).to_contain_text("twenty sample images")
    shot(page, shots_dir, "entry-staff-detail")

    page.context.clear_cookies()
    answer = mail.outbox[-1]
    assert answer.to == ["marie@moselle-parts.lu"]
    page.goto(base + link_path(answer.body, "/start/follow/"))
    page.locator("form.lang button[value=fr]").click()
    expect(page.locator("h1")).to_contain_text("Demande")
    expect(page.locator("#history")).to_contain_text("twenty sample images")
    page.get_by_label("Votre message").fill("Les images arrivent demain.")
    page.get_by_role("button", name="Envoyer").click()
    expect(page.locator("#history")).to_contain_text("Les images arrivent demain.")
    shot(page, shots_dir, "entry-follow-fr")
    assert outside == []
