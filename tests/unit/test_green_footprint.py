"""The energy and carbon arithmetic (laif.green.footprint, pure) and its factors' file
(laif.catalogue.green): exact joules and grams, measured and estimated kept apart, both Scope 2
methods, and a broken factor refused with a clear message."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

import pytest

from laif.catalogue import CATALOGUE_DIR, CatalogueError
from laif.catalogue.green import load_green, parse_green
from laif.green import footprint as fp
from laif.green.chart import LABEL, VALUE_ROOM, WIDTH, energy_chart

GREEN = load_green()
RAW: dict[str, Any] = json.loads((CATALOGUE_DIR / "green.json").read_text())


def test_an_estimate_is_gpu_seconds_times_board_power_and_utilisation_plus_cpu_cores() -> None:
    gpu = GREEN.profile("gpu")  # the default profile: 700 W x 0.7, 4 W per core
    assert fp.estimated_joules(gpu, gpu_seconds=3600, cpu_seconds=0) == Decimal(1_764_000)
    assert fp.estimated_joules(gpu, gpu_seconds=0, cpu_seconds=3600) == Decimal(14_400)
    dev = GREEN.profile("gpu-dev")  # its own profile: 0.5
    assert fp.estimated_joules(dev, gpu_seconds=3600, cpu_seconds=0) == Decimal(1_260_000)
    assert GREEN.profile("no-such-partition") == GREEN.default_profile
    with pytest.raises(ValueError, match="negative"):
        fp.estimated_joules(gpu, gpu_seconds=-1, cpu_seconds=0)


def test_measured_and_estimated_parts_are_kept_apart_and_labelled() -> None:
    gpu = GREEN.profile("gpu")
    measured = fp.energy_of(gpu, measured_j=7_200_000, measured_runs=2, unreported_gpu_seconds=0,
                            unreported_cpu_seconds=0, unreported_runs=0)
    estimated = fp.energy_of(gpu, measured_j=0, measured_runs=0, unreported_gpu_seconds=3600,
                             unreported_cpu_seconds=0, unreported_runs=1)
    assert (measured.label, estimated.label, fp.Energy().label) == ("measured", "estimated",
                                                                     "none")
    both = measured + estimated
    assert both.label == "mixed"
    assert (both.measured_kwh, both.estimated_kwh, both.it_kwh) == (
        Decimal("2.000"), Decimal("0.490"), Decimal("2.490"))
    assert fp.total([measured, estimated, fp.Energy()]) == both


def test_facility_energy_and_both_carbon_figures() -> None:
    energy = fp.Energy(measured_j=Decimal(3_600_000), measured_runs=1)  # 1 kWh
    f = fp.footprint(energy, pue=Decimal("1.5"), location_g_per_kwh=Decimal("365.27"),
                     market_g_per_kwh=Decimal(0))
    assert f.facility_kwh == Decimal("1.500")
    assert f.location_g == Decimal("547.905")
    assert f.location_kg == Decimal("0.548")
    assert f.market_g == 0
    assert f.market_kg == Decimal("0.000")
    unknown = fp.footprint(energy, pue=Decimal(1), location_g_per_kwh=None,
                           market_g_per_kwh=Decimal(100))
    assert unknown.location_g is None
    assert unknown.location_kg is None
    assert unknown.market_kg == Decimal("0.100")
    with pytest.raises(ValueError, match="PUE"):
        fp.footprint(energy, pue=Decimal("0.9"), location_g_per_kwh=None,
                     market_g_per_kwh=Decimal(0))


def test_the_grid_intensity_of_a_year_is_that_years_else_the_latest_before() -> None:
    assert GREEN.intensity(2023) is not None
    assert GREEN.intensity(2026).year == 2023  # type: ignore[union-attr]
    assert GREEN.intensity(2020).year == 2023  # type: ignore[union-attr]  # the earliest known
    assert GREEN.intensity(2026, area="FR") is None
    intensity = GREEN.intensity(2026)
    assert intensity is not None
    assert intensity.basis == "consumption"
    assert not intensity.verified
    assert intensity.g_co2e_per_kwh > 300  # imports included, not the production-based ~105


def test_the_supply_contract_is_announced_only_until_its_evidence_is_on_file() -> None:
    assert GREEN.market_based.announced
    assert GREEN.market_based.g_co2e_per_kwh == 0
    assert "Kiowatt" in GREEN.market_based.instruments[0].evidence


def _broken(change: Any) -> dict[str, Any]:
    data = copy.deepcopy(RAW)
    change(data)
    return data


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["estimate"]["default"].update(gpu_utilisation=0.7), "written as a string"),
    (lambda d: d["estimate"]["default"].update(gpu_utilisation="1.5"), "between 0 and 1"),
    (lambda d: d["estimate"]["default"].update(gpu_utilisation="NaN"), "between"),
    (lambda d: d["location_based"][0].update(basis="production"), "imports included"),
    (lambda d: d["location_based"].append(dict(d["location_based"][0])), "twice"),
    (lambda d: d["market_based"]["instruments"][0].update(share_percent=60), "add up to 100"),
    (lambda d: d["market_based"]["instruments"][0].update(kind="offset"), "'kind' must be"),
    (lambda d: d["location_based"][0].update(source="a\x00b"), "NUL"),
])
def test_a_broken_factor_file_is_refused_with_what_is_wrong(change: Any, message: str) -> None:
    with pytest.raises(CatalogueError, match=message):
        parse_green(_broken(change))


def test_the_chart_draws_the_measured_part_then_the_estimated_part() -> None:
    chart = energy_chart([("Jan", Decimal(10), Decimal(30)), ("Feb", Decimal(0), Decimal(0)),
                          ("Mar", Decimal(20), Decimal(0))])
    jan, feb, mar = chart.bars
    room = WIDTH - LABEL - VALUE_ROOM  # right of the labels, with room for the figure after
    assert jan.measured_width + jan.estimated_width == pytest.approx(room)  # the longest
    assert jan.estimated_width == pytest.approx(3 * jan.measured_width)
    assert jan.estimated_x == pytest.approx(chart.x0 + jan.measured_width)
    assert (feb.measured_width, feb.estimated_width) == (0.0, 0.0)
    assert mar.measured_width == pytest.approx(room / 2)
    assert mar.estimated_width == 0
    assert chart.height == 3 * 26
    with pytest.raises(ValueError, match="negative"):
        energy_chart([("Jan", Decimal(-1), Decimal(0))])
