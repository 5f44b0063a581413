"""The same journey in French, in a real Chromium, for an organisation admin who is logged in:
the need described in French, routed with French reasons, the maturity check, the roadmap use
case filled in from the request, its PDF in French, the funding check and the GPU request filled
in from the roadmap. Fields are found by name: the labels are French."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.test_journey import log_in, no_external_requests, shot
from tests.browser.test_maturity_journey import answer_all
from tests.factories import World

pytestmark = pytest.mark.browser


def test_the_journey_in_french(page: Page, live_server: Any, world: World,
                               shots_dir: Path) -> None:
    base = live_server.url
    outside = no_external_requests(page, base)
    log_in(page, base, world.org_admin.email)
    page.locator("form.lang button[value=fr]").click()
    page.goto(f"{base}/start/")
    expect(page.locator("h1")).to_have_text("Dites-nous ce dont vous avez besoin")
    page.locator("input[name=goal][value=use_case]").check()
    page.locator("textarea[name=description]").fill(
        "Repérer les rayures sur les pièces peintes de la ligne 3.")
    page.locator("select[name=sector]").select_option("manufacturing")
    page.locator("select[name=budget]").select_option("10k_50k")
    page.locator("select[name=timeline]").select_option("12_months")
    page.locator("input[name=data_kinds][value=images]").check()
    page.locator("input[name=consent]").check()
    page.locator("#intake-form button[type=submit]").click()
    expect(page.locator("#rule-compute-gpu")).to_contain_text("temps GPU sur MeluXina-AI")
    expect(page.locator("#step-roadmap")).to_contain_text("Commencer la feuille de route")
    shot(page, shots_dir, "journey-fr-sent")

    page.locator("#step-roadmap a").click()
    expect(page.locator("textarea[name=objective]")).to_have_value(
        "Repérer les rayures sur les pièces peintes de la ligne 3.")
    page.locator("input[name=title]").fill("Vision par ordinateur pour la ligne 3")
    page.locator("input[name=kpi]").fill("Pièces refusées par le client")
    page.locator("input[name=roi_percent]").fill("15")
    page.locator("input[name=horizon_months]").fill("12")
    page.locator("input[name=gpu_hours]").fill("800")
    page.locator("#use-case-form button[type=submit]").click()
    expect(page.locator("article.use-case")).to_contain_text(
        "15\u00a0% de retour attendu en 12 mois")

    page.goto(f"{base}/organisations/{world.org.pk}/maturity/take/")
    answer_all(page, 2)
    page.locator("#maturity-form button[type=submit]").click()
    expect(page.locator("#level")).to_contain_text("Niveau 3 sur 5\u00a0: Structuration")
    shot(page, shots_dir, "journey-fr-maturity")

    page.goto(f"{base}/organisations/{world.org.pk}/roadmap/")
    expect(page.locator("#needs")).to_contain_text("Ce que votre diagnostic de maturité")
    pdf = page.request.get(base + page.locator("#roadmap-pdf").get_attribute("href"))
    first_page = pypdfium2.PdfDocument(io.BytesIO(pdf.body()))[0]
    first_page.render(scale=1.5).to_pil().save(shots_dir / "journey-fr-roadmap-pdf.png")
    text = first_page.get_textpage().get_text_range()
    assert "Feuille de route IA de Acme Vision" in text
    assert "Vision par ordinateur pour la ligne 3" in text

    page.goto(f"{base}/organisations/{world.org.pk}/funding/")
    page.locator("input[name=costs_eur]").fill("40000")
    page.locator("input[name=compute_eur]").fill("6000")
    page.locator("input[name=start_on]").fill(
        (timezone.localdate() + timedelta(days=30)).isoformat())
    page.locator("form.form-card button[type=submit]").click()
    expect(page.locator("#instrument-fit4ai")).to_contain_text("Éligible")

    page.goto(f"{base}/organisations/{world.org.pk}/roadmap/")
    page.locator(".gpu-link").click()
    expect(page.locator("input[name=requested_gpu_hours]")).to_have_value("800")
    page.locator("select[name=access_type]").select_option(index=0)
    page.get_by_label("Durée (mois)").fill("1")
    page.locator("textarea[name=expected_outputs]").fill("Un détecteur de défauts en production.")
    page.locator("select[name=data_sensitivity]").select_option("internal")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text("Votre demande est soumise")
    shot(page, shots_dir, "journey-fr-gpu-request")
    assert outside == []
