"""An organisation admin in a real Chromium: edits the legal data (SME class recomputed), invites
someone, is told the invitation is still open when inviting again, revokes it in place (htmx), and
finds the language they chose again at their next login."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from laif.accounts.models import Invitation, User
from tests.browser.test_journey import log_in, no_external_requests, shot
from tests.factories import World

pytestmark = pytest.mark.browser


def test_edit_invite_revoke_and_language(page: Page, live_server: Any, world: World,
                                         shots_dir: Path) -> None:
    base = live_server.url
    outside = no_external_requests(page, base)
    log_in(page, base, world.org_admin.email)
    page.goto(f"{base}/organisations/{world.org.pk}/")
    expect(page.locator("#sme-class")).to_have_text("EU SME class: Small enterprise")

    # Edit the legal data: a refusal on the field first, then the SME class recomputed.
    page.get_by_role("link", name="Edit the legal data").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit the legal data")
    page.get_by_label("VAT number").fill("LU12345678")
    page.get_by_label("Staff headcount").fill("300")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#id_vat_number_error")).to_contain_text("is not valid")
    shot(page, shots_dir, "organisation-edit")
    page.get_by_label("VAT number").fill("LU15027442")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(f"{base}/organisations/{world.org.pk}/")
    expect(page.locator(".messages")).to_contain_text(
        "changed from Small enterprise to Large enterprise")
    expect(page.locator("#sme-class")).to_have_text("EU SME class: Large enterprise")

    # Invite, invite again (refused: still open), revoke in place.
    page.get_by_label("E-mail address").fill("nina@example.lu")
    page.get_by_role("button", name="Send invitation").click()
    pending = page.locator("#pending-invitations")
    expect(pending).to_contain_text("nina@example.lu")
    page.get_by_label("E-mail address").fill("nina@example.lu")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator("#id_email_error")).to_contain_text("is still open")
    page.evaluate("window.__laif_marker = 7")
    page.once("dialog", lambda dialog: dialog.accept())
    pending.get_by_role("button", name="Revoke nina@example.lu").click()
    expect(pending).to_contain_text("its link no longer works")
    expect(pending).to_contain_text("No pending invitations.")
    assert page.evaluate("window.__laif_marker") == 7  # swapped in place, no reload
    assert Invitation.objects.get(email="nina@example.lu").revoked_at is not None
    shot(page, shots_dir, "organisation-invitations")

    # Switch to French; a fresh browser session gets French back at login. (From the page itself:
    # after the refused invitation the address bar shows the POST-only invitation URL.)
    page.goto(f"{base}/organisations/{world.org.pk}/")
    page.locator("form.lang").get_by_role("button", name="FR").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert User.objects.get(pk=world.org_admin.pk).language == "fr"
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    log_in(page, base, world.org_admin.email)
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("navigation", name=re.compile("Principal|Main"))).to_be_visible()

    assert outside == [], f"requests outside the site: {outside}"
