"""The local executor measures a GPU job's energy (issue 24): the runner reads NVML (the GPUs'
energy counters, or their power draw integrated where the counter is not supported), writes the
joules beside the exit code, the job keeps them, and the usage ledger records them as measured,
so the energy report says "measured" for them. Tested with a fake NVML (and a fake draw in the
runner) on machines without a GPU; ``test_nvml_on_this_machine`` reads the real one where a
GPU is present."""

from __future__ import annotations

import shutil
import types
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from laif.cluster.scheduler import base, local, runner
from laif.cluster.scheduler.local import LocalScheduler
from tests.compute.jobs_support import fake
from tests.compute.test_scheduler import _spec, _wait

__all__ = ["fake"]


class FakeNvml(types.SimpleNamespace):
    """pynvml's calls the meter uses: counters in mJ per GPU, power in mW."""

    class NVMLError(Exception):
        pass

    def __init__(self, *, counting: bool) -> None:
        super().__init__()
        self.counting = counting
        self.counters = {0: 1_000_000, 1: 5_000_000, 2: 0}
        self.milliwatts = {0: 300_000, 1: 200_000, 2: 999_000}

    def nvmlDeviceGetHandleByIndex(self, index: int) -> int:
        return index

    def nvmlDeviceGetTotalEnergyConsumption(self, handle: int) -> int:
        if not self.counting:
            raise self.NVMLError("Not Supported")
        return self.counters[handle]

    def nvmlDeviceGetPowerUsage(self, handle: int) -> int:
        return self.milliwatts[handle]


def test_the_meter_reads_the_energy_counters_of_the_job_s_gpus_only() -> None:
    nvml = FakeNvml(counting=True)
    meter = runner.NvmlMeter(nvml, runner._visible({"CUDA_VISIBLE_DEVICES": "0,1"}, 2))
    meter.start()
    nvml.counters[0] += 360_000_000  # GPU 0: 360 kJ during the task
    nvml.counters[1] += 40_000_000
    nvml.counters[2] += 999_999_999  # not the job's GPU
    assert meter.joules() == 400_000


def test_without_a_counter_the_meter_integrates_the_power_draw() -> None:
    nvml = FakeNvml(counting=False)
    clock = [100.0]
    meter = runner.NvmlMeter(nvml, [0, 1], clock=lambda: clock[0])  # 300 W + 200 W
    meter.start()
    for _ in range(10):  # 10 samples 0.2 s apart: 2 s at 500 W
        clock[0] += 0.2
        meter.sample()
    assert meter.joules() == pytest.approx(1000)


def test_no_meter_without_gpus_or_without_nvml(monkeypatch: Any) -> None:
    assert runner.meter_for({"gpus": 0, "energy": {"reader": "nvml"}, "env": {}}) is None
    assert runner.meter_for({"gpus": 2, "env": {}}) is None  # energy not asked
    broken = types.SimpleNamespace(nvmlInit=lambda: (_ for _ in ()).throw(OSError("no driver")))
    monkeypatch.setitem(__import__("sys").modules, "pynvml", broken)
    assert runner.meter_for({"gpus": 1, "energy": {"reader": "nvml"}, "env": {}}) is None


def test_a_local_gpu_job_reports_the_joules_its_runner_measured(tmp_path: Path,
                                                                monkeypatch: Any) -> None:
    monkeypatch.setattr(local, "detected_gpus", lambda: 2)
    sched = LocalScheduler(tmp_path, energy="fake:300")
    job = sched.submit(_spec(tmp_path / "1", "sleep 1\n", gpus=2))
    status = _wait(sched, job)
    assert status.state == base.COMPLETED
    assert status.energy_j is not None
    assert 600 <= status.energy_j <= 600 * 4  # 2 GPUs x 300 W for about 1 s
    cpu_only = sched.submit(_spec(tmp_path / "2", "true\n"))
    assert _wait(sched, cpu_only).energy_j is None  # no GPU: nothing measured, never 0
    off = LocalScheduler(tmp_path, energy="off")
    assert _wait(off, off.submit(_spec(tmp_path / "3", "true\n", gpus=1))).energy_j is None
    with pytest.raises(ValueError, match="nvml, off or fake"):
        LocalScheduler(tmp_path, energy="fake:lots")


@pytest.mark.skipif(shutil.which("nvidia-smi") is None, reason="no NVIDIA GPU on this machine")
def test_nvml_on_this_machine(tmp_path: Path) -> None:
    sched = LocalScheduler(tmp_path)
    status = _wait(sched, sched.submit(_spec(tmp_path / "1", "sleep 2\n", gpus=1)), timeout=30)
    assert status.energy_j is not None
    assert status.energy_j > 0


@pytest.mark.django_db
def test_measured_local_energy_reaches_the_ledger_and_the_report(world: Any, fake: Any) -> None:
    from laif.accounts.access import access_for
    from laif.accounts.audit import Actor
    from laif.green import selectors as green
    from laif.jobs.models import Job
    from laif.usage import services as ledger
    from laif.usage.models import UsageRecord
    from tests.compute.jobs_support import grant, submit_job

    grant(world.project, world.project_lead)
    job = submit_job(world.project, world.project_lead)
    ended = timezone.now() - timedelta(minutes=5)
    Job.objects.filter(pk=job.pk).update(
        scheduler="local", state="completed", gpus=1, started_at=ended - timedelta(hours=1),
        ended_at=ended, energy_j=1_800_000)
    ledger.usage_ingest_local(actor=Actor.of(world.operator))
    record = UsageRecord.objects.get(cluster="local", job_id=job.pk)
    assert record.energy_j == 1_800_000
    report = green.project_footprint(access=access_for(world.project_lead),
                                     actor=Actor.of(world.project_lead),
                                     project_id=job.project_id, year=ended.year)
    assert report.total.energy.label == "measured"
    assert report.total.energy.measured_kwh == pytest.approx(0.5)
