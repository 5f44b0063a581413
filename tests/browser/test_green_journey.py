"""Energy and carbon in Chromium (issue 24): an organisation's admin opens the organisation,
follows "Energy and carbon", picks the year and a year to compare with, reads both carbon
figures and the chart, downloads the PDF report; in French and on a phone too. The project's
lead sees the project's year in its usage page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe_support import serious_violations
from tests.browser.test_journey import log_in, no_external_requests, shot
from tests.factories import World
from tests.green.support import replay_june

pytestmark = pytest.mark.browser


def test_an_admin_reads_and_downloads_the_year(page: Page, live_server: Any, world: World,
                                               shots_dir: Path) -> None:
    replay_june(world, energy_reported=True)
    base = live_server.url
    outside = no_external_requests(page, base)
    log_in(page, base, world.org_admin.email)
    page.goto(f"{base}/organisations/{world.org.pk}/")
    page.locator("#footprint-link").click()
    form = page.locator("#footprint-choose")
    form.locator("select[name=year]").select_option("2026")
    form.locator("select[name=compare]").select_option("2025")
    form.locator("button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("Energy and carbon in 2026")
    # IT 16,945,200 J = 4.707 kWh, x PUE 1.2 = 20,334,240 J = 5.6484 kWh, x 365.27 g = 2.063 kg
    # (pages: two decimals)
    expect(page.locator("#footprint-it")).to_contain_text("4.71 kWh")
    expect(page.locator("#footprint-facility")).to_contain_text("5.65 kWh")
    expect(page.locator("#footprint-location")).to_contain_text("2.06 kg CO2e")
    expect(page.locator("#footprint-market")).to_contain_text("0.00 kg CO2e")
    expect(page.locator("#footprint-comparison")).to_contain_text("2026 compared with 2025")
    expect(page.locator("svg .bar-measured").first).to_be_attached()
    assert serious_violations(page) == []
    shot(page, shots_dir, "green-organisation")
    with page.expect_download() as download:
        page.locator("#footprint-pdf").click()
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")

    page.locator("form.lang button[value=fr]").click()
    expect(page.locator("#footprint-facility")).to_contain_text("5,65 kWh")
    expect(page.locator("h1")).to_have_text("Énergie et carbone en 2026")
    shot(page, shots_dir, "green-organisation-fr")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert serious_violations(page) == []
    shot(page, shots_dir, "green-organisation-fr-phone")
    assert outside == []


def test_the_project_lead_sees_the_year_in_the_usage_page(page: Page, live_server: Any,
                                                          world: World, shots_dir: Path) -> None:
    replay_june(world, energy_reported=False)
    base = live_server.url
    log_in(page, base, world.project_lead.email)
    page.goto(f"{base}/projects/{world.project.pk}/usage/")
    box = page.locator("#footprint-box")
    expect(box.locator("#box-it")).to_contain_text("kWh")
    expect(box).to_contain_text("estimated")
    shot(page, shots_dir, "green-project-usage")


def test_an_operator_reads_the_factory_s_figures(page: Page, live_server: Any, world: World,
                                                 shots_dir: Path) -> None:
    replay_june(world, energy_reported=True)
    base = live_server.url
    outside = no_external_requests(page, base)
    log_in(page, base, world.operator.email)
    page.goto(f"{base}/")
    page.locator("#kpis-link").click()
    page.locator("#kpis-choose select[name=year]").select_option("2026")
    page.locator("#kpis-choose button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("The factory's figures in 2026")
    # 3 runs in June: 2 GPUs x 1 h + 2 GPUs x 2 h + 1 GPU x 0.5 h = 6.50 GPU-hours, charged to
    # no allocation (the world's project has none covering June)
    expect(page.locator("#kpi-gpu-hours")).to_have_text("6.50")
    expect(page.locator("#kpi-organisations")).to_have_text("1")
    expect(page.locator("#kpi-energy")).to_contain_text("5.65 kWh")
    expect(page.locator("#kpi-courses")).to_contain_text("0 (target: 140 to 200 a year)")
    assert serious_violations(page) == []
    shot(page, shots_dir, "kpis")
    page.locator("form.lang button[value=fr]").click()
    expect(page.locator("#kpi-gpu-hours")).to_have_text("6,50")
    shot(page, shots_dir, "kpis-fr")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, shots_dir, "kpis-fr-phone")
    assert outside == []
