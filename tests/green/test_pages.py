"""The energy and carbon pages: an organisation's year with its PDF (EN and FR) and CSV, a
project's year in its usage page, comparisons of two years and of two projects, and who may see
them."""

from __future__ import annotations

import dataclasses
import io
from decimal import Decimal

import pytest
from django.test import override_settings
from pypdf import PdfReader

from laif.catalogue.green import load_green
from tests.api_support import client_as
from tests.factories import World, create_project
from tests.green.support import replay_june


def _pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@override_settings(LAIF_PUE=Decimal("1.25"), LAIF_PUE_SET=True)
def test_the_organisation_page_shows_the_year_per_month_per_project_and_the_method(
        world: World) -> None:
    replay_june(world, energy_reported=True)
    page = client_as(world.org_admin).get(f"/organisations/{world.org.pk}/footprint/?year=2026")
    assert page.status_code == 200
    html = page.content.decode()
    # IT 16,945,200 J = 4.707 kWh; facility x 1.25 = 5.884 kWh; location 5.88375 x 365.27 g
    # = 2.149 kg: pages show two decimals (the API and the CSV three)
    assert "4.71 kWh" in html
    assert "5.88 kWh" in html
    assert "2.15 kg CO2e" in html
    assert "measured, 2 runs estimated" in html
    assert world.project.code in html
    assert "June 2026" in html
    assert "Announced, not evidenced." in html  # the supply contract's evidence is not on file
    assert "Not verified: a third-party figure." in html
    assert "<svg" in html
    assert 'class="bar-measured"' in html
    fr = client_as(world.org_admin).get(f"/organisations/{world.org.pk}/footprint/?year=2026",
                                        headers={"accept-language": "fr"})
    text = fr.content.decode()
    assert "5,88 kWh" in text
    assert "2,15 kg CO2e" in text
    assert "juin 2026" in text
    assert "Énergie et carbone" in text


@override_settings(LAIF_PUE=Decimal("1.25"), LAIF_PUE_SET=True)
def test_the_pdf_report_in_english_and_in_french(world: World) -> None:
    replay_june(world, energy_reported=True)
    client = client_as(world.org_admin)
    english = client.get(f"/api/organisations/{world.org.pk}/footprint/pdf?year=2026")
    assert english.status_code == 200
    assert english["Content-Type"] == "application/pdf"
    assert f"footprint-{world.org.pk}-2026.pdf" in english["Content-Disposition"]
    text = _pdf_text(english.content)
    for expected in ("energy and carbon report", world.org.name, "calendar year 2026",
                     "ESRS E1", "5.88 kWh", "2.15 kg CO2e", "June 2026", world.project.code,
                     "Kiowatt", "365.27"):
        assert expected in text, expected
    french = _pdf_text(client.get(
        f"/api/organisations/{world.org.pk}/footprint/pdf?year=2026&language=fr").content)
    for expected in ("rapport énergie et carbone", "année civile 2026", "5,88 kWh",
                     "2,15 kg CO2e", "juin 2026", "365,27"):
        assert expected in french, expected
    page_pdf = client.get(f"/organisations/{world.org.pk}/footprint/pdf/?year=2026")
    assert page_pdf.status_code == 200
    assert page_pdf.content.startswith(b"%PDF")


def test_two_years_and_two_projects_compare_side_by_side(world: World) -> None:
    replay_june(world, energy_reported=False)
    other = create_project(world.org, "Second", lead=world.project_lead)
    client = client_as(world.org_admin)
    years = client.get(f"/organisations/{world.org.pk}/footprint/?year=2026&compare=2025")
    html = years.content.decode()
    assert 'id="footprint-comparison"' in html
    assert "2026 compared with 2025" in html
    projects = client.get(f"/projects/{world.project.pk}/footprint/?year=2026&with={other.pk}")
    html = projects.content.decode()
    assert f"2026 compared with {other.code}" in html
    assert other.code in html


def test_a_project_s_usage_page_loads_its_year(world: World) -> None:
    replay_june(world, energy_reported=True)
    client = client_as(world.project_lead)
    usage = client.get(f"/projects/{world.project.pk}/usage/").content.decode()
    assert f"/projects/{world.project.pk}/footprint/box/" in usage
    box = client.get(f"/projects/{world.project.pk}/footprint/box/")
    assert box.status_code == 200
    assert "kWh" in box.content.decode()


@pytest.mark.parametrize(("query", "message"), [
    ("year=26", "four digits"), ("year=1999", "between 2020 and 2100"),
    ("compare=abcd", "four digits"), ("year=2026&with=x", "from the list"),
])
def test_a_bad_year_or_project_gets_a_clear_error(world: World, query: str,
                                                  message: str) -> None:
    response = client_as(world.org_admin).get(f"/projects/{world.project.pk}/footprint/?{query}")
    assert response.status_code == 400
    assert message in response.content.decode()


def test_who_sees_the_pages(world: World) -> None:
    org_page = f"/organisations/{world.org.pk}/footprint/"
    assert client_as(world.member).get(org_page).status_code == 403  # not an admin
    assert client_as(world.other_member).get(org_page).status_code == 404
    assert client_as(world.org_admin).get(org_page).status_code == 200
    project_page = f"/projects/{world.project.pk}/footprint/"
    assert client_as(world.project_lead).get(project_page).status_code == 200
    assert client_as(world.other_member).get(project_page).status_code == 404
    outsider_project = create_project(world.other_org, "Elsewhere")
    # comparing with a project one cannot see is "not found", never its figures
    response = client_as(world.project_lead).get(f"{project_page}?with={outsider_project.pk}")
    assert response.status_code == 404


def test_without_a_grid_intensity_the_location_based_figure_is_a_dash_never_zero(
        world: World) -> None:
    real = load_green()
    elsewhere = dataclasses.replace(real, location_based=tuple(
        dataclasses.replace(g, area="FR") for g in real.location_based))
    replay_june(world, energy_reported=True)
    with override_settings(LAIF_GREEN=elsewhere):
        client = client_as(world.org_admin)
        html = client.get(f"/organisations/{world.org.pk}/footprint/?year=2026&compare=2025"
                          ).content.decode()
        body = client.get(f"/api/organisations/{world.org.pk}/footprint?year=2026").json()
    assert "No grid intensity is known for this year." in html
    assert 'id="footprint-location">—</dd>' in html
    assert body["total"]["location_based_kg_co2e"] is None
    assert body["factors"]["location_based_g_per_kwh"] is None
