# ruff: noqa: S603, S607  (Slurm commands with fixed arguments, found on PATH)
"""Platform overhead per job submission beyond bare ``sbatch``, on the Slurm test cluster
(deploy/slurm/cluster.sh up; as root, since jobs are submitted as another user):

    .venv/bin/python bench/job_submit.py [--jobs 20]

Runs in a throw-away test database. Submits N jobs through ``job_submit`` (budget check under
the allocation lock, audit entry, usage from ``scontrol``, ``sbatch --uid``) and N jobs with bare
``sbatch`` of the same shape, as the same Unix user (``laif_u1``) on the same account; cancels them
all. Prints the mean per submission of each and the difference.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laif.config.settings")
os.environ.setdefault("LAIF_ENV", "test")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import override_settings  # noqa: E402

from laif.accounts.access import access_for  # noqa: E402
from laif.accounts.audit import Actor  # noqa: E402
from laif.accounts.models import (  # noqa: E402
    ClusterIdentity,
    Organisation,
    Project,
    ProjectMembership,
    User,
)
from laif.allocations.models import Allocation, AllocationPeriod, Pool  # noqa: E402
from laif.cluster.scheduler.names import account_name  # noqa: E402
from laif.cluster.scheduler.slurm import SlurmScheduler  # noqa: E402
from laif.cluster.selectors import use_scheduler  # noqa: E402
from laif.jobs import services as jobs  # noqa: E402
from laif.jobs.accounts_sync import slurm_account_sync  # noqa: E402

ACCOUNT = "laifbench"
USER = "laif_u1"  # made by cluster.sh
SCRIPT = "#!/bin/bash\ntrue\n"


def _setup() -> tuple[Project, User]:
    today = date.today()
    org = Organisation.objects.create(name="Bench", sector="other", kind="company",
                                      sme_class="small")
    project = Project.objects.create(organisation=org, name="bench", code=ACCOUNT)
    user = User.objects.create_user("bench@bench.lu", "x" * 20, first_name="B", last_name="U")
    ProjectMembership.objects.create(project=project, user=user, role="lead")
    ClusterIdentity.objects.create(user=user, username=USER, uid=int(
        subprocess.run(["id", "-u", USER], capture_output=True, text=True, check=True).stdout))
    period = AllocationPeriod.objects.create(start=today - timedelta(days=1),
                                             end=today + timedelta(days=30), total_gpus=8)
    pool = Pool.objects.create(period=period, kind="eurohpc", share_percent=50,
                               capacity_gpu_hours=10**6, overbooking_factor=Decimal("1.2"))
    Allocation.objects.create(eurohpc_reference="BENCH-1", project=project, pool=pool,
                              access_type="development", granted_gpu_hours=100_000,
                              start=period.start, end=period.end)
    return project, user


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=20)
    args = parser.parse_args()
    creation = connection.creation
    creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    root = Path(tempfile.mkdtemp(prefix="laif-bench-jobs-"))
    root.chmod(0o755)
    bare_dir = root / "bare"
    bare_dir.mkdir()
    bare_dir.chmod(0o777)
    sched = SlurmScheduler(timeout=30)
    account = account_name(ACCOUNT, settings.LAIF_SLURM_ACCOUNT_PREFIX)  # docs/adr/0011
    try:
        project, user = _setup()
        assert slurm_account_sync(project_id=project.pk, scheduler=sched).account == account
        uid = ClusterIdentity.objects.get(user=user).uid
        platform: list[float] = []
        bare: list[float] = []
        with override_settings(LAIF_JOBS_DIR=root), use_scheduler(sched):
            for i in range(args.jobs):
                start = time.perf_counter()
                job = jobs.job_submit(
                    access=access_for(user), actor=Actor.of(user), project_id=project.pk,
                    data=jobs.JobData(name=f"b{i}", script=SCRIPT, gpus=1, time_limit_minutes=1,
                                      partition="gpu"))
                platform.append(time.perf_counter() - start)
                assert job.state == "pending", (job.state, job.reason, job.queued_reason)
                start = time.perf_counter()
                subprocess.run(
                    ["sbatch", "--parsable", f"--uid={uid}", f"--gid={uid}", "-A", account,
                     "-J", f"bare{i}", "--time=1", "--gres=gpu:1", "--partition=gpu",
                     f"--chdir={bare_dir}", "-o", str(bare_dir / f"out-{i}.txt"),
                     "--export=NONE", "--wrap", "true"],
                    capture_output=True, check=True, timeout=30)
                bare.append(time.perf_counter() - start)
        p_ms = statistics.mean(platform) * 1000
        b_ms = statistics.mean(bare) * 1000
        print(f"database: {connection.vendor}; {args.jobs} submissions each")
        print(f"job_submit (platform): mean {p_ms:.0f} ms, median "
              f"{statistics.median(platform) * 1000:.0f} ms")
        print(f"bare sbatch:           mean {b_ms:.0f} ms, median "
              f"{statistics.median(bare) * 1000:.0f} ms")
        print(f"platform overhead: {p_ms - b_ms:.0f} ms per submission ({p_ms / b_ms:.1f}x)")
    finally:
        subprocess.run(["scancel", "-A", account], capture_output=True, check=False)
        subprocess.run(["sacctmgr", "-i", "delete", "user", "where", f"account={account}"],
                       capture_output=True, check=False)
        subprocess.run(["sacctmgr", "-i", "delete", "account", account], capture_output=True,
                       check=False)
        creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)


if __name__ == "__main__":
    main()
