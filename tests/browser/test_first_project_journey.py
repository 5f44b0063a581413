"""The journey of a newcomer in a real Chromium, end to end: a visitor describes a need without an
account, confirms it, registers the organisation, takes the AI maturity check, turns the request
into a roadmap use case and downloads its PDF, simulates the funding, creates a project and sends
the GPU request the roadmap filled in; parts of it in French."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.conftest import FileMailbox
from tests.browser.test_journey import no_external_requests, shot
from tests.browser.test_maturity_journey import answer_all

pytestmark = pytest.mark.browser

EMAIL = "anne@moselle-vision.lu"
PASSWORD = "Moselle-Vision-2026!"


def describe_need(page: Page, base: str) -> None:
    page.goto(f"{base}/start/")
    page.get_by_label("Build a concrete AI use case").check()
    page.get_by_label("Describe your need").fill(
        "Spot scratches on bottles of line 2 before they are filled.")
    page.get_by_label("Sector").select_option("manufacturing")
    page.get_by_label("Budget for the project").select_option("10k_50k")
    page.get_by_label("When do you want to start?").select_option("12_months")
    page.get_by_label("Images or video").check()
    page.get_by_label("Your name").fill("Anne Kremer")
    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_label("Organisation").fill("Moselle Vision S.A.")
    page.get_by_label(re.compile("The factory may use these answers")).check()
    page.get_by_role("button", name="Send my request").click()
    expect(page.locator("#step-roadmap")).to_contain_text("Create an account")


def sign_up(page: Page) -> None:
    page.get_by_label("Legal name").fill("Moselle Vision S.A.")
    page.get_by_label("Country").select_option("LU")
    page.get_by_label("Sector").select_option("industry")
    page.get_by_label("Kind of organisation").select_option("startup")
    # no company figures: they are optional at sign-up
    page.get_by_label("First name").fill("Anne")
    page.get_by_label("Last name").fill("Kremer")
    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Register").click()


def test_from_a_need_to_a_prefilled_gpu_request(page: Page, live_server: Any, shots_dir: Path,
                                                mailbox: FileMailbox) -> None:
    base = live_server.url
    outside = no_external_requests(page, base)
    describe_need(page, base)
    page.goto(mailbox.link(EMAIL, "/start/follow/"))
    expect(page.locator(".messages")).to_contain_text("your address is confirmed")
    page.locator("#step-roadmap a").click()  # create an account
    sign_up(page)
    page.goto(mailbox.link(EMAIL, "/verify-email/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Anne")

    # the request sent before the account is now the account's
    page.goto(f"{base}/requests/")
    page.locator("#requests a").first.click()
    expect(page.locator("#description")).to_contain_text("Spot scratches on bottles")

    # the maturity check, from the organisation's page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Organisation").click()
    page.locator("#maturity-link").click()
    page.locator("#take-link").click()
    answer_all(page, 1)
    page.get_by_role("button", name="See my results").click()
    expect(page.locator("#level")).to_contain_text("Level 2 of 5")

    # the request's roadmap step: a use case filled in from the request
    page.goto(f"{base}/requests/")
    page.locator("#requests a").first.click()
    page.locator("#step-roadmap a").click()
    expect(page.get_by_label("Objective")).to_have_value(
        "Spot scratches on bottles of line 2 before they are filled.")
    page.get_by_label("Use case").fill("Computer vision for quality control on line 2")
    page.get_by_label("Indicator (KPI)").fill("Bottles rejected after filling")
    page.get_by_label("Expected return (%)").fill("15")
    page.get_by_label("Horizon (months)").fill("12")
    page.get_by_label("GPU-hours needed").fill("400")
    page.get_by_role("button", name="Save the use case").click()
    expect(page.locator("article.use-case")).to_contain_text("15% return expected in 12 months")
    expect(page.locator("#needs")).to_contain_text("Inventory the data")
    shot(page, shots_dir, "journey-roadmap")

    # the roadmap as a PDF: the use case is on its first page
    pdf = page.request.get(base + page.locator("#roadmap-pdf").get_attribute("href"))
    assert pdf.headers["content-type"] == "application/pdf"
    first_page = pypdfium2.PdfDocument(io.BytesIO(pdf.body()))[0]
    first_page.render(scale=1.5).to_pil().save(shots_dir / "journey-roadmap-pdf.png")
    assert "Computer vision for quality control on line 2" in \
        first_page.get_textpage().get_text_range()

    # the funding simulation the request proposed
    page.goto(f"{base}/requests/")
    page.locator("#requests a").first.click()
    page.locator("#step-funding_check a").click()
    page.get_by_label("Eligible project costs (EUR)").fill("40000")
    page.get_by_label("Of which compute on MeluXina-AI (EUR)").fill("6000")
    page.get_by_label("Work would start on").fill(
        (timezone.localdate() + timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Check").click()
    expect(page.locator("#instrument-fit4ai")).to_contain_text("To check")  # status unverified

    # a project, then the GPU request filled in from the roadmap
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Organisation").click()
    page.locator("main").get_by_role("link", name="New project").click()
    page.get_by_label("Project name").fill("Bottle inspection")
    page.get_by_label("Description").fill("Computer vision on the bottling line.")
    page.get_by_role("button", name="Create the project").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Organisation").click()
    page.locator("#roadmap-link").click()
    page.locator(".gpu-link").click()
    expect(page.get_by_label("GPU-hours requested")).to_have_value("400")
    expect(page.get_by_label("Title")).to_have_value("Computer vision for quality control on line 2")
    page.get_by_label("Access type").select_option(index=0)
    page.get_by_label("Duration (months)").fill("1")
    page.get_by_label("Expected outputs").fill("A defect detector in production on line 2.")
    page.get_by_label("Data sensitivity").select_option("internal")
    page.get_by_role("button", name=re.compile("Submit")).click()
    expect(page.locator(".messages")).to_contain_text("Your request is submitted")

    # the roadmap in French
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Organisation").click()
    page.locator("#roadmap-link").click()
    page.locator("form.lang button[value=fr]").click()
    expect(page.locator("h1")).to_have_text("Feuille de route IA")
    expect(page.locator("article.use-case")).to_contain_text("15\u00a0% de retour attendu en 12 mois")
    shot(page, shots_dir, "journey-roadmap-fr")
    assert outside == []
