"""The roadmap: drafted from the latest maturity check (what it asks first, the factory's
services and funding), each use case with objective, KPI, expected return and horizon, edited
by the organisation's admins, a GPU request filled in from a use case, and the PDF rendered to
page images and read back."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pypdfium2

from laif.assess.models import Roadmap, UseCase
from tests.api_support import client_as, token_for
from tests.assess.assess_matrix import every_answer
from tests.cli_support import run_cli
from tests.factories import World
from tests.views_support import html

JSON = "application/json"


def checked(world: World) -> None:
    """Acme's admin took the check: data and governance weak, the rest middling."""
    answers = {**every_answer(2), "data_access": "scattered", "data_quality": "unknown",
               "personal_data": "no", "inventory": "none", "ai_act": "unaware", "ethics": "none"}
    response = client_as(world.org_admin).post(
        f"/api/organisations/{world.org.pk}/assessments", {"answers": answers},
        content_type=JSON)
    assert response.status_code == 201, response.content


def test_a_draft_starts_from_the_check_and_the_use_case_is_made_concrete(world: World) -> None:
    checked(world)
    admin = client_as(world.org_admin)
    base = f"/organisations/{world.org.pk}/roadmap"
    assert "Draft my roadmap" in html(admin.get(f"{base}/"))
    assert admin.post(f"{base}/draft/").status_code == 302
    plan = Roadmap.objects.get()
    (first,) = plan.use_cases.all()
    # the weakest dimensions come first, with the service that helps
    assert first.prerequisites.splitlines()[0].startswith("- Inventory the data")
    assert "AI Act" in first.prerequisites.splitlines()[1]
    assert first.services == ["sandbox", "expert", "gpu_allocation"]
    assert first.funding == ["fit4ai", "compute_cashback"]
    response = admin.post(f"{base}/use-cases/{first.pk}/", {
        "title": "Computer vision for quality control on line 3",
        "objective": "Catch scratches before parts leave the plant.",
        "kpi": "Parts rejected at the customer", "roi_percent": "15", "horizon_months": "12",
        "prerequisites": first.prerequisites, "services": ["sandbox", "gpu_allocation"],
        "funding": ["fit4ai"], "gpu_hours": "800"})
    assert response.status_code == 302
    page = html(admin.get(f"{base}/"))
    assert "Computer vision for quality control on line 3" in page
    assert "15% return expected in 12 months" in page
    assert "Fit 4 AI" in page
    assert "What your maturity check asks first" in page
    # the GPU request of the use case, filled in
    link = page.split('class="btn btn-small btn-primary gpu-link" href="')[1].split('"')[0]
    form = html(admin.get(link.replace("&amp;", "&")))
    assert 'name="requested_gpu_hours" value="800"' in form
    assert "Computer vision for quality control on line 3" in form


def test_figures_out_of_bounds_and_foreign_keys_are_refused(world: World) -> None:
    admin = client_as(world.org_admin)
    url = f"/api/organisations/{world.org.pk}/roadmap/use-cases"
    good = {"title": "Demand forecast", "objective": "Plan production.", "kpi": "Stock-outs",
            "horizon_months": 6}
    for bad, field in (({"roi_percent": 5000}, "roi_percent"), ({"horizon_months": 0},
                                                                 "horizon_months"),
                       ({"title": "a\x00b"}, "title")):
        response = admin.post(url, {**good, **bad}, content_type=JSON)
        assert response.status_code == 422, (bad, response.content)
        assert field in str(response.json())
    wrong = admin.post(url, {**good, "services": ["astrology"]}, content_type=JSON)
    assert (wrong.status_code, wrong.json()["field"]) == (400, "services")
    # the first use case drafts the roadmap around it (no check yet: no prerequisites)
    created = admin.post(url, good, content_type=JSON)
    assert created.status_code == 201
    assert created.json()["funding"] == ["fit4ai", "compute_cashback"]
    assert Roadmap.objects.get().assessment is None


def test_members_read_the_roadmap_only_its_admins_change_it(world: World) -> None:
    admin = client_as(world.org_admin)
    admin.post(f"/api/organisations/{world.org.pk}/roadmap", content_type=JSON)
    use_case = UseCase.objects.get()
    member = client_as(world.member)
    assert member.get(f"/organisations/{world.org.pk}/roadmap/").status_code == 200
    assert member.get(f"/organisations/{world.org.pk}/roadmap/use-cases/new/").status_code == 403
    assert member.delete(
        f"/api/organisations/{world.org.pk}/roadmap/use-cases/{use_case.pk}").status_code == 403
    other = client_as(world.other_member)
    assert other.get(f"/api/organisations/{world.org.pk}/roadmap").status_code == 404
    assert other.get(f"/organisations/{world.org.pk}/roadmap/pdf/").status_code == 404
    again = admin.post(f"/api/organisations/{world.org.pk}/roadmap", content_type=JSON)
    assert again.status_code == 409


def test_the_pdf_shows_the_use_cases_on_its_pages(world: World) -> None:
    checked(world)
    admin = client_as(world.org_admin)
    admin.post(f"/api/organisations/{world.org.pk}/roadmap", content_type=JSON)
    for i in range(4):
        admin.post(f"/api/organisations/{world.org.pk}/roadmap/use-cases", {
            "title": f"Use case number {i + 2}", "objective": "Objective " * 60,
            "kpi": "Hours saved", "roi_percent": 10 + i, "horizon_months": 6 + i},
            content_type=JSON)
    response = admin.get(f"/organisations/{world.org.pk}/roadmap/pdf/",
                         headers={"accept-language": "fr"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    document = pypdfium2.PdfDocument(io.BytesIO(response.content))
    assert len(document) >= 2  # five use cases do not fit on one A4 page
    shots = Path(os.environ.get("LAIF_SHOTS_DIR", "/tmp/laif-shots"))
    shots.mkdir(parents=True, exist_ok=True)
    text = ""
    for number, pdf_page in enumerate(document):
        image = pdf_page.render(scale=1.5).to_pil().convert("L")
        image.save(shots / f"roadmap-pdf-page-{number + 1}.png")
        width, height = image.size
        assert (width, height) == (893, 1263)  # A4 at 1.5 x 72 dpi
        dark = sum(image.histogram()[:128])  # pixels darker than mid-grey
        assert dark > width * height // 200  # ink on the page, not a blank one
        text += pdf_page.get_textpage().get_text_range()
    assert "Feuille de route IA de Acme Vision" in text
    assert "Use case number 5" in text
    assert "13\u00a0% de retour attendu en 9 mois" in text
    assert "Inventoriez les données" in text


def test_the_cli_shows_the_roadmap_and_saves_its_pdf(world: World, tmp_path: Path) -> None:
    checked(world)
    admin = client_as(world.org_admin)
    admin.post(f"/api/organisations/{world.org.pk}/roadmap/use-cases", {
        "title": "Demand forecast", "objective": "Plan production a week ahead.",
        "kpi": "Stock-outs a month", "roi_percent": 8, "horizon_months": 9, "gpu_hours": 120},
        content_type=JSON)
    token = token_for(world.member)
    shown = run_cli(["roadmap", "show"], token)
    assert shown.exit_code == 0, shown.output
    assert "1. Demand forecast · 8% return expected in 9 months" in shown.output
    assert "Inventory the data" in shown.output
    target = tmp_path / "roadmap.pdf"
    saved = run_cli(["roadmap", "pdf", "-o", str(target)], token)
    assert saved.exit_code == 0, saved.output
    assert target.read_bytes().startswith(b"%PDF")
