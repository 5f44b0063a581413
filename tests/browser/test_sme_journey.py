"""The SME status journey in a real Chromium: the organisation admin declares last year's figures
with a partner holding, an operator verifies it, the admin reads the status and its reasons, in
English and in French."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.test_journey import log_in, no_external_requests, shot
from tests.factories import World

pytestmark = pytest.mark.browser


def test_declare_verify_and_read_the_sme_status(page: Page, live_server: Any, world: World,
                                                shots_dir: Path) -> None:
    base = live_server.url
    outside = no_external_requests(page, base)
    year = timezone.localdate().year - 2  # the world's verified year is the one after
    log_in(page, base, world.org_admin.email)
    page.goto(f"{base}/organisations/{world.org.pk}/")
    page.locator("#sme-link").click()
    expect(page.locator("#sme-status")).to_contain_text("Small enterprise")
    page.get_by_label("Accounting year").fill(str(year))
    page.get_by_label("Staff headcount (annual work units)").fill("30")
    page.get_by_label("Annual turnover (EUR, excluding VAT)").fill("5000000")
    page.get_by_label("Balance sheet total (EUR)").fill("4000000")
    holding = page.locator("fieldset.stake").first
    holding.get_by_label("Enterprise or investor").fill("Luxinvest Holding S.A.")
    holding.get_by_label("Capital (%)").fill("40")
    holding.get_by_label("Voting rights (%)").fill("40")
    holding.get_by_label("Its staff (AWU)").fill("60")
    holding.get_by_label("Its turnover (EUR)").fill("10000000")
    holding.get_by_label("Its balance sheet (EUR)").fill("9000000")
    page.get_by_role("button", name="Submit for verification").click()
    expect(page.locator(".messages")).to_contain_text("is submitted")
    expect(page.locator("main")).to_contain_text("Submitted, to verify")
    shot(page, shots_dir, "sme-declared")

    page.context.clear_cookies()
    log_in(page, base, world.operator.email)
    page.goto(f"{base}/organisations/{world.org.pk}/sme/")
    submitted = page.locator("article.declaration", has_text=f"Accounting year {year}")
    submitted.get_by_label("Note").fill("Annual accounts checked")
    submitted.get_by_role("button", name="Verify").click()
    expect(page.locator(".messages")).to_contain_text("verified: Medium-sized enterprise")
    shot(page, shots_dir, "sme-verified-operator")

    page.context.clear_cookies()
    log_in(page, base, world.org_admin.email)
    page.goto(f"{base}/organisations/{world.org.pk}/sme/")
    verified = page.locator("article.declaration", has_text=f"Accounting year {year}")
    expect(verified).to_contain_text("Luxinvest Holding S.A.: partner enterprise at 40%")
    expect(verified).to_contain_text("54 AWU")
    # the year after: small alone, medium the year before: the status stays medium (Art. 4(2))
    expect(page.locator("#sme-status")).to_contain_text("Medium-sized enterprise")
    expect(page.locator("main")).to_contain_text("until a second consecutive year")
    shot(page, shots_dir, "sme-status")

    page.locator("form.lang button[value=fr]").click()
    expect(page.locator("h1")).to_have_text(re.compile("Statut PME"))
    expect(page.locator("main")).to_contain_text("entreprise partenaire")
    shot(page, shots_dir, "sme-status-fr")
    assert outside == []


def test_the_funding_check_of_a_planned_project(page: Page, live_server: Any, world: World,
                                                shots_dir: Path) -> None:
    base = live_server.url
    outside = no_external_requests(page, base)
    log_in(page, base, world.org_admin.email)
    page.goto(f"{base}/organisations/{world.org.pk}/")
    page.locator("#funding-link").click()
    page.get_by_label("Eligible project costs (EUR)").fill("150000")
    page.get_by_label("Of which compute on MeluXina-AI (EUR)").fill("20000")
    page.get_by_label("Work would start on").fill(
        (timezone.localdate() - timedelta(days=10)).isoformat())
    page.get_by_role("button", name="Check").click()
    expect(page.locator("#start-warning")).to_contain_text("before the application")
    expect(page.locator("#instrument-fit4ai")).to_contain_text("EUR 50,000.00")
    expect(page.locator("#instrument-fit4ai")).to_contain_text("to confirm")
    expect(page.locator("#instrument-spinoff")).to_contain_text("Not eligible")
    shot(page, shots_dir, "funding-check")
    page.locator("form.lang button[value=fr]").click()
    expect(page.locator("#instrument-fit4ai")).to_contain_text("des coûts éligibles (150 000 EUR)")
    shot(page, shots_dir, "funding-check-fr")
    assert outside == []
