"""The statement journey in a real Chromium: usage is in the ledger (seeded), the organisation
admin opens the statements page, opens July's statement (full price, the cashback box says it is
a reimbursement), downloads its PDF and claims then submits the cashback."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe_support import serious_violations
from tests.browser.test_journey import log_in, no_external_requests, shot
from tests.compute.billing_support import entry, issue
from tests.factories import World

pytestmark = pytest.mark.browser


def test_statement_pdf_and_cashback_claim(page: Page, live_server: Any, world: World,
                                          shots_dir: Path, tmp_path: Path) -> None:
    base = live_server.url
    outside = no_external_requests(page, base)
    entry(world.project, world.member, date(2026, 7, 1), gpu_s=36_000, cpu_s=7200,
          energy_j=18_000_000)
    statement = issue(world.operator, world.project, date(2026, 7, 1))

    log_in(page, base, world.org_admin.email)
    page.goto(f"{base}/organisations/{world.org.pk}/")
    page.get_by_role("link", name="Monthly statements").click()
    expect(page.locator("#statements")).to_contain_text(statement.number)
    page.get_by_role("link", name=statement.number).click()
    expect(page.locator("#total")).to_have_text("EUR 22.04")
    expect(page.locator("#cashback-box")).to_contain_text("reimbursement, not a discount")
    expect(page.locator("#claimable")).to_have_text("EUR 17.63")
    # a real document: who bills whom, the number, the dates and the terms
    expect(page.locator("#customer")).to_contain_text("Acme Vision")
    expect(page.locator("#issuer")).to_contain_text("Luxembourg AI Factory")
    expect(page.locator("#statement-facts")).to_contain_text("30 days from the issue date")
    expect(page.locator("#due-date")).to_be_visible()
    shot(page, shots_dir, "statement")

    with page.expect_download() as download:
        page.locator("#statement-pdf").click()
    pdf = tmp_path / "statement.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")

    page.get_by_role("button", name="Claim the cashback").click()
    expect(page).to_have_url(re.compile(r"/cashback/$"))
    page.get_by_role("button", name="Submit the claim").click()
    expect(page.locator("#claims .claim-state")).to_have_text("Submitted")
    expect(page.locator("#claims")).to_contain_text("EUR 17.63")
    shot(page, shots_dir, "cashback-claims")

    # in French: amounts the French way, each on one line, also on a phone
    page.goto(f"{base}/statements/{statement.pk}/")
    page.locator("form.lang button[value=fr]").click()
    expect(page.locator("#total")).to_have_text("22,04\u00a0EUR")
    expect(page.locator("#total")).not_to_contain_text(".")
    expect(page.locator("#customer")).to_contain_text("Facturé à")
    expect(page.locator("#statement-facts")).to_contain_text("30 jours à compter de la date")
    shot(page, shots_dir, "statement-fr")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()  # as a phone opens it
    total = page.locator("#total").bounding_box()
    assert total is not None
    assert total["height"] < 2 * 22  # one line: never wrapped between figure and currency
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the statement page is {width} px wide on a 390 px phone"
    assert serious_violations(page) == []
    shot(page, shots_dir, "statement-fr-phone")
    assert outside == []
