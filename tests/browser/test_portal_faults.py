"""The smaller faults a review found in a real browser (issue 22, point 8), walked in Chromium,
each page also checked by axe-core for serious violations: the notices page's buttons and the
reviewer's comment in the notice; a failed review form that survives a language switch (it
answered a blank 405); the portal's own 404 page; a copy button for a new API token; the audit
table on a 390 px phone (the statement on a phone: test_statement_journey)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.browser.axe_support import serious_violations
from tests.browser.test_journey import log_in, shot
from tests.compute.support import review, submit
from tests.factories import World

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 390, "height": 844}


def test_notices_show_the_reviewers_comment_with_styled_buttons(
        page: Page, live_server: Any, world: World, shots_dir: Path) -> None:
    base = live_server.url
    req = submit(world.project, world.project_lead, title="Vision")
    review(req, world.reviewer, "request_changes", comment="Say which data set you train on.")
    log_in(page, base, world.project_lead.email)
    page.goto(f"{base}/notices/")
    notice = page.locator(".notice-item").first
    expect(notice).to_contain_text("Reviewer's comment: Say which data set you train on.")
    everything = page.get_by_role("button", name="Mark all as read")
    one = notice.get_by_role("button", name="Mark as read")
    # styled as the portal's buttons and links, not as the browser's grey default
    assert everything.evaluate("b => getComputedStyle(b).fontWeight") == "600"
    assert one.evaluate("b => getComputedStyle(b).textDecorationLine") == "underline"
    assert one.evaluate("b => getComputedStyle(b).fontSize") == notice.evaluate(
        "n => getComputedStyle(n).fontSize")
    shot(page, shots_dir, "notices")
    assert serious_violations(page) == []
    one.click()
    expect(notice).to_contain_text("Read")


def test_a_failed_review_form_survives_the_language_switch(
        page: Page, live_server: Any, world: World, shots_dir: Path) -> None:
    base = live_server.url
    req = submit(world.project, world.project_lead, title="Vision")
    log_in(page, base, world.reviewer.email)
    page.goto(f"{base}/compute/requests/{req.pk}/")
    expect(page.get_by_label("Approve")).not_to_be_checked()  # no decision chosen beforehand
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator("main")).to_contain_text("Choose a decision.")
    page.get_by_label("Reject").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator("main")).to_contain_text("Say why in a comment")
    assert serious_violations(page) == []
    page.locator("form.lang button[value=fr]").click()  # back to this address, with a GET
    expect(page).to_have_url(f"{base}/compute/requests/{req.pk}/")
    expect(page.locator("h1")).to_contain_text("Vision")
    expect(page.get_by_role("button", name="Enregistrer la décision")).to_be_visible()
    shot(page, shots_dir, "review-after-language-switch-fr")


def test_the_portals_own_404_page(page: Page, live_server: Any, world: World,
                                  shots_dir: Path) -> None:
    base = live_server.url
    log_in(page, base, world.member.email)
    response = page.goto(f"{base}/no-such-page/")
    assert response is not None
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("Page not found")
    page.get_by_role("link", name="Back to the home page").click()
    expect(page).to_have_url(f"{base}/")
    page.goto(f"{base}/no-such-page/")
    assert serious_violations(page) == []
    shot(page, shots_dir, "404")


def test_a_new_token_is_copied_with_one_click(browser: Browser, live_server: Any, world: World,
                                              shots_dir: Path) -> None:
    base = live_server.url
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    log_in(page, base, world.member.email)
    page.goto(f"{base}/account/tokens/")
    page.get_by_label("Name").fill("laptop")
    page.get_by_role("button", name="Create").click()
    token = page.locator("#new-token").input_value()
    assert len(token) > 20
    page.get_by_role("button", name="Copy").click()
    expect(page.locator("#copy-token-status")).to_have_text("Copied to the clipboard.")
    assert page.evaluate("navigator.clipboard.readText()") == token
    shot(page, shots_dir, "token-copied")
    assert serious_violations(page) == []
    context.close()


def test_the_audit_table_scrolls_by_keyboard_on_a_phone(page: Page, live_server: Any,
                                                        world: World, shots_dir: Path) -> None:
    base = live_server.url
    log_in(page, base, world.auditor.email)
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/staff/audit/")
    box = page.locator(".table-wrap")
    expect(box).to_have_attribute("tabindex", "0")
    expect(box).to_have_attribute("aria-label", "Audit log, newest first")
    for _ in range(40):  # Tab from the top until the table's box has the focus
        page.keyboard.press("Tab")
        if box.evaluate("b => document.activeElement === b"):
            break
    else:
        raise AssertionError("the audit table is not reachable with Tab")
    assert box.evaluate("b => b.scrollLeft") == 0
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    page.wait_for_timeout(300)  # smooth scrolling
    assert box.evaluate("b => b.scrollLeft") > 0
    assert serious_violations(page) == []
    shot(page, shots_dir, "audit-phone")


def test_a_request_says_what_was_asked_and_what_was_granted(
        browser: Browser, live_server: Any, world: World, shots_dir: Path) -> None:
    base = live_server.url
    lead = browser.new_page()
    log_in(lead, base, world.project_lead.email)
    lead.goto(f"{base}/projects/{world.project.pk}/allocation-requests/new/")
    lead.get_by_label("Title").fill("Vision")
    lead.get_by_label("Access type").select_option("fast_lane")
    lead.get_by_label("GPU-hours requested").fill("6000")
    lead.get_by_label("Duration (months)").fill("6")
    lead.get_by_label("Scientific and technical case").fill(
        "Eight GPUs for 250 hours each on the images of line 3.")
    lead.get_by_label("Expected outputs").fill("A model.")
    lead.get_by_label("Data sensitivity").select_option("personal")
    lead.locator("input[name=period][value=next]").check()
    lead.get_by_role("button", name="Submit the request").click()
    expect(lead.locator("main")).to_contain_text(
        "Fast lane allocations last at most 3 months")  # refused at the form, never shortened
    expect(lead.get_by_label("Title")).to_have_value("Vision")
    shot(lead, shots_dir, "request-duration-refused")
    lead.get_by_label("Duration (months)").fill("3")
    lead.get_by_role("button", name="Submit the request").click()
    expect(lead.locator("h1")).to_have_text("Vision")

    reviewer = browser.new_page()
    log_in(reviewer, base, world.reviewer.email)
    reviewer.goto(lead.url)
    expect(reviewer.locator("#review-flags")).to_contain_text("Personal data")
    expect(reviewer.locator("#project-allocations")).to_be_visible()
    assert serious_violations(reviewer) == []
    shot(reviewer, shots_dir, "review-flags")
    reviewer.get_by_label("Approve").check()
    reviewer.get_by_label("GPU-hours granted").fill("4000")
    reviewer.get_by_role("button", name="Record the decision").click()

    lead.goto(f"{base}/compute/")
    row = lead.locator("tr", has_text="Vision")
    expect(row.locator("td.asked")).to_contain_text("6,000 GPU-hours")
    expect(row.locator("td.asked")).to_contain_text("3 months")
    expect(row.locator("td.granted")).to_contain_text("4,000 GPU-hours")
    lead.set_viewport_size(PHONE)
    lead.reload()
    assert lead.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # stacked on a phone, each figure of a balance says which one it is
    left = lead.locator("td[data-label=Left]").first
    assert left.evaluate("c => getComputedStyle(c, '::before').content") == '"Left"'
    assert serious_violations(lead) == []
    shot(lead, shots_dir, "requests-asked-granted-phone")


def test_the_auditor_filters_the_log_and_exports_it(page: Page, live_server: Any, world: World,
                                                    shots_dir: Path, tmp_path: Path) -> None:
    base = live_server.url
    req = submit(world.project, world.project_lead, title="Vision")
    review(req, world.reviewer, "reject", comment="Not now.")
    log_in(page, base, world.auditor.email)
    page.goto(f"{base}/staff/audit/")
    page.get_by_role("textbox", name="Actor").fill("reviewer")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("tbody tr")
    expect(rows.first).to_contain_text("allocation_request.rejected")
    expect(rows.first).to_contain_text("Acme Vision")  # the organisation's name, not its id
    assert serious_violations(page) == []
    shot(page, shots_dir, "audit-filtered")
    with page.expect_download() as download:
        page.locator("#audit-export").click()
    saved = tmp_path / "audit.csv"
    download.value.save_as(saved)
    text = saved.read_text(encoding="utf-8-sig")
    assert text.startswith("seq,time,actor,action")
    assert "allocation_request.rejected" in text
    assert "login.succeeded" not in text  # only what was filtered
