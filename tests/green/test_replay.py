"""A month of usage replayed through the ingestion, with and without energy reported by Slurm:
the energy (measured and estimated), the facility energy and both carbon figures equal the
expectations computed by hand below, in the report, the API and the CSV."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import override_settings

from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.green import selectors
from tests.api_support import client_as
from tests.factories import World
from tests.green.support import catalogue_with_contract, replay_june

# By hand, with the catalogue's profiles (gpu: 700 W x 0.7 and 4 W per core; gpu-dev: 700 W x
# 0.5 and 4 W per core), PUE 1.25, 365.27 g (LU, 2023, consumption) and a 200 g contract:
# job A: 2 GPUs x 3600 s = 7,200 GPU-s; 8 CPUs x 3600 s = 28,800 CPU-s
#   measured 9,000,000 J; or estimated 7,200 x 490 + 28,800 x 4 = 3,528,000 + 115,200 = 3,643,200 J
# job B: 14,400 GPU-s, 57,600 CPU-s: 14,400 x 490 + 57,600 x 4 = 7,056,000 + 230,400 = 7,286,400 J
# job C: 1,800 GPU-s, 7,200 CPU-s on gpu-dev: 1,800 x 350 + 7,200 x 4 = 630,000 + 28,800 = 658,800 J
WITH = {"measured_j": Decimal(9_000_000), "estimated_j": Decimal(7_945_200),
        # IT 16,945,200 J x 1.25 = 21,181,500 J = 5.88375 kWh
        "facility_kwh": Decimal("5.884"),
        "location_g": Decimal("2149.1573625"),  # 5.88375 x 365.27
        "market_g": Decimal("1176.75"),  # 5.88375 x 200
        "location_kg": "2.149", "market_kg": "1.177",  # rounded half up to the gram
        "label": "mixed", "runs": (1, 2)}
WITHOUT = {"measured_j": Decimal(0), "estimated_j": Decimal(11_588_400),
           # 11,588,400 J x 1.25 = 14,485,500 J = 4.02375 kWh
           "facility_kwh": Decimal("4.024"),
           "location_g": Decimal("1469.7551625"),  # 4.02375 x 365.27
           "market_g": Decimal("804.75"),  # 4.02375 x 200
           "location_kg": "1.470", "market_kg": "0.805",
           "label": "estimated", "runs": (0, 3)}


@pytest.mark.parametrize(("reported", "expected"), [(True, WITH), (False, WITHOUT)],
                         ids=["energy reported for one run", "no energy reported"])
@override_settings(LAIF_PUE=Decimal("1.25"), LAIF_PUE_SET=True)
def test_a_replayed_month_gives_the_hand_computed_energy_and_carbon(
        world: World, reported: bool, expected: dict[str, object]) -> None:
    with override_settings(LAIF_GREEN=catalogue_with_contract()):
        replay_june(world, energy_reported=reported)
        report = selectors.organisation_footprint(
            access=access_for(world.org_admin), actor=Actor.of(world.org_admin),
            organisation_id=world.org.pk, year=2026)
        june = dict(report.by_month)[date(2026, 6, 1)]
        for figures in (report.total, june):
            assert figures.energy.measured_j == expected["measured_j"]
            assert figures.energy.estimated_j == expected["estimated_j"]
            assert (figures.energy.measured_runs, figures.energy.estimated_runs) == \
                expected["runs"]
            assert figures.energy.label == expected["label"]
            assert figures.facility_kwh == expected["facility_kwh"]
            assert figures.location_g == expected["location_g"]
            assert figures.market_g == expected["market_g"]
        assert dict(report.by_month)[date(2026, 5, 1)].energy.runs == 0  # other months: none
        [(_pid, code, per_project)] = report.by_project
        assert code == world.project.code
        assert per_project.facility_kwh == expected["facility_kwh"]

        body = client_as(world.org_admin).get(
            f"/api/organisations/{world.org.pk}/footprint?year=2026").json()
        assert body["total"]["energy_facility_kwh"] == str(expected["facility_kwh"])
        assert body["total"]["location_based_kg_co2e"] == expected["location_kg"]
        assert body["total"]["market_based_kg_co2e"] == expected["market_kg"]
        assert body["factors"]["pue"] == "1.25"
        assert body["factors"]["location_based_year"] == 2023

        project = client_as(world.project_lead).get(
            f"/api/projects/{world.project.pk}/footprint?year=2026").json()
        assert project["total"] == body["total"]  # one project: the same figures

        csv = client_as(world.org_admin).get(
            f"/api/organisations/{world.org.pk}/footprint/csv?year=2026").content.decode()
        total_row = csv.strip().splitlines()[-1].split(",")
        assert total_row[:3] == ["2026", "*", "*"]
        assert total_row[9] == str(expected["facility_kwh"])


@override_settings(LAIF_PUE=Decimal("1.25"), LAIF_PUE_SET=True)
def test_each_run_is_measured_or_estimated_on_its_own(world: World) -> None:
    replay_june(world, energy_reported=True)
    lead = client_as(world.project_lead)
    body = lead.get(f"/api/projects/{world.project.pk}/footprint/runs?year=2026").json()
    assert body["total"] == 3
    runs = {r["job"]: r for r in body["runs"]}
    assert list(runs) == ["7003", "7002", "7001"]  # newest first
    # job A: 9,000,000 J measured = 2.5 kWh; x 1.25 = 3.125 kWh
    assert runs["7001"]["energy_basis"] == "measured"
    assert runs["7001"]["energy_facility_kwh"] == "3.125"
    # job B: 7,286,400 J estimated = 2.024 kWh; x 1.25 = 9,108,000 J = 2.530 kWh
    assert runs["7002"]["energy_basis"] == "estimated"
    assert runs["7002"]["energy_facility_kwh"] == "2.530"
    # job C on gpu-dev: 658,800 J x 1.25 = 823,500 J = 0.229 kWh (0.22875 half up)
    assert runs["7003"]["energy_facility_kwh"] == "0.229"
    assert runs["7003"]["gpu_hours"] == "0.50"
    page = lead.get(f"/projects/{world.project.pk}/footprint/?year=2026").content.decode()
    assert "3 runs ended this year" in page
    assert "<code>7002</code>" in page
    later = lead.get(f"/api/projects/{world.project.pk}/footprint/runs?year=2026&offset=2").json()
    assert [r["job"] for r in later["runs"]] == ["7001"]
