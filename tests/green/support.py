"""A month of usage replayed through the real ingestion: three job runs on the world's project
(the fixtures' ``laiftest`` account), one with energy reported by Slurm and two without, or the
same three with none reported."""

from __future__ import annotations

import copy
import dataclasses
from decimal import Decimal
from typing import Any

from laif.catalogue.green import Instrument, SupplyContract, load_green
from laif.usage import services as ledger
from tests.compute.ledger_support import as_fixture_team, doc, epoch, with_jobs
from tests.factories import World


def _job(job_id: int, *, partition: str, gpus: int, cpus: int, elapsed: int,
         energy_j: int | None, day: int) -> dict[str, Any]:
    job: dict[str, Any] = copy.deepcopy(doc("sacct_completed.json")["jobs"][0])
    start = epoch(2026, 6, day, 10)
    job.update(job_id=job_id, partition=partition)
    job["time"].update(submission=start, eligible=start, start=start, end=start + elapsed,
                       elapsed=elapsed)
    for tres in job["tres"]["allocated"]:
        if tres["type"] == "cpu":
            tres["count"] = cpus
        elif tres["type"] == "energy":
            tres["count"] = energy_j
        elif tres["type"] == "gres":
            tres["count"] = gpus
    return job


def replay_june(world: World, *, energy_reported: bool) -> None:
    """June 2026: job A (2 GPUs, 8 CPUs, 1 h on gpu; 9,000,000 J reported when
    ``energy_reported``), job B (2 GPUs, 8 CPUs, 2 h on gpu, none reported), job C (1 GPU,
    4 CPUs, 30 min on gpu-dev, none reported)."""
    as_fixture_team(world)
    jobs = [
        _job(7001, partition="gpu", gpus=2, cpus=8, elapsed=3600,
             energy_j=9_000_000 if energy_reported else None, day=3),
        _job(7002, partition="gpu", gpus=2, cpus=8, elapsed=7200, energy_j=None, day=11),
        _job(7003, partition="gpu-dev", gpus=1, cpus=4, elapsed=1800, energy_j=None, day=20),
    ]
    result = ledger.usage_ingest_sacct(data=with_jobs(jobs))
    assert result.records_new == 3


def catalogue_with_contract() -> Any:
    """The real factors, with a supply contract of 60% guarantees of origin (0 g) and 40% of a
    500 g residual mix: 200 gCO2e/kWh, so the market-based figure is not 0."""
    real = load_green()
    go = dataclasses.replace(real.market_based.instruments[0], share_percent=60)
    residual = Instrument(kind="residual_mix", label="Residual mix", label_fr="Mix résiduel",
                          share_percent=40, g_co2e_per_kwh=Decimal(500), evidence="test",
                          evidence_fr="test", announced=False)
    return dataclasses.replace(real, market_based=SupplyContract(contract="test",
                                                                 instruments=(go, residual)))
