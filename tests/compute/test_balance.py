"""One balance per allocation, the same everywhere (issue 16, point 7), the job pre-check on fresh
states (point 2) and job states that never hold a budget for ever.

Usage is replayed as sacct output into the ledger, then jobs are submitted: the pre-check, the
pages, the API and the CLI show the same figures, to the GPU-minute."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from laif.accounts.models import AuditEntry
from laif.allocations.models import Allocation
from laif.cluster.scheduler import base
from laif.cluster.scheduler.fake import FakeScheduler
from laif.cluster.services import project_tag
from laif.jobs import state as job_state
from laif.jobs.accounts_sync import headroom_gpu_minutes, slurm_account_sync
from laif.jobs.models import Job, JobState
from laif.jobs.selectors import JobsFigures
from laif.usage import balance
from laif.usage import services as ledger
from laif.usage.budget import minutes_of
from laif.usage.hooks import jobs_reader
from tests.api_support import client_as
from tests.cli_support import run_cli
from tests.compute.jobs_support import fake, grant, submit_job
from tests.compute.ledger_support import as_fixture_team, cover, epoch, moved, with_jobs
from tests.factories import World

pytestmark = pytest.mark.django_db
__all__ = ["fake"]

NOV_20 = date(2026, 11, 20)


def _replay(*runs: tuple[int, int]) -> int:
    """Runs of 2 GPUs (sacct_completed.json's job) of ``elapsed`` seconds, ending at ``end``
    (epoch), replayed into the ledger; their GPU-seconds."""
    jobs = [moved("sacct_completed.json", submission=end - elapsed, start=end - elapsed, end=end,
                  elapsed=elapsed) for end, elapsed in runs]
    for index, job in enumerate(jobs):
        job["job_id"] = 7000 + index
    ledger.usage_ingest_sacct(data=with_jobs(jobs))
    return sum(2 * elapsed for _end, elapsed in runs)


@pytest.fixture
def team(world: World) -> tuple[World, Allocation]:
    as_fixture_team(world)
    allocation = cover(grant(world.project, world.project_lead, 10), date(2026, 11, 1),
                       date(2026, 12, 31))
    return world, allocation


def _text(response: object) -> str:
    return str(response.content.decode())  # type: ignore[attr-defined]


def test_replayed_usage_then_a_submission_agree_to_the_minute(
        team: tuple[World, Allocation], fake: FakeScheduler, settings: SettingsWrapper) -> None:
    w, allocation = team
    # 2 GPUs x 2,745 s and 2 GPUs x 22 s: 5,534 GPU-seconds, 92.2 GPU-minutes, counted as 93
    seconds = _replay((epoch(2026, 11, 5, 10), 2_745), (epoch(2026, 11, 6, 10), 22))
    used = minutes_of(seconds)
    assert used == 93
    left = 10 * 60 - used  # 507 GPU-minutes
    with pytest.raises(Exception, match=re.escape(
            "only 8.45 GPU-hours (507 GPU-minutes) remain of the project's 10.00 GPU-hours: "
            "1.55 used and 0.00 reserved")):
        submit_job(w.project, w.project_lead, gpus=1, time_limit_minutes=left + 1, today=NOV_20)
    job = submit_job(w.project, w.project_lead, gpus=1, time_limit_minutes=left, today=NOV_20)
    assert job.state == JobState.PENDING
    assert job.allocation_id == allocation.pk

    figures = balance.balances_of([allocation])[allocation.pk]
    assert (figures.granted, figures.used, figures.reserved, figures.left) == (600, 93, 507, 0)
    # the API: the usage endpoint, the allocations list and an allocation
    api = client_as(w.project_lead)
    usage = api.get(f"/api/projects/{w.project.pk}/usage").json()
    [row] = usage["balances"]
    listed = api.get("/api/compute/allocations").json()
    detail = api.get(f"/api/compute/allocations/{allocation.pk}").json()
    for shown in (row, listed[0]["balance"], detail["balance"]):
        assert (shown["granted_gpu_minutes"], shown["used_gpu_minutes"],
                shown["reserved_gpu_minutes"], shown["left_gpu_minutes"]) == (600, 93, 507, 0)
        assert (shown["used_gpu_hours"], shown["reserved_gpu_hours"],
                shown["left_gpu_hours"]) == ("1.55", "8.45", "0.00")
    # the pages: the compute home page, the allocation page and the usage page
    pages = [reverse("compute"), reverse("compute_allocation", args=[allocation.pk]),
             reverse("compute_usage", args=[w.project.pk])]
    for url in pages:
        text = _text(api.get(url))
        assert '<span title="1.55 GPU-hours (93 GPU-minutes)">1.55</span>' in text, url
        assert '<span title="8.45 GPU-hours (507 GPU-minutes)">8.45</span>' in text, url
        assert "usage is not collected yet" not in text
    # the CLI
    settings.ALLOWED_HOSTS = ["localhost"]
    from laif.accounts import services as account_services
    from laif.accounts.audit import Actor

    _row, token = account_services.api_token_create(
        actor=Actor.of(w.project_lead), user=w.project_lead, name="cli")
    shown = run_cli(["usage", "show", "--project", w.project.code], token).output
    assert "10 GPU-hours granted, 1.55 used, 8.45 reserved by unfinished jobs, 0.00 left " \
           "(0 GPU-minutes)" in " ".join(shown.split())


def test_45_gpu_seconds_count_as_one_minute(team: tuple[World, Allocation]) -> None:
    w, allocation = team
    ledger.usage_ingest_sacct(data=with_jobs([
        moved("sacct_completed.json", submission=epoch(2026, 11, 5), start=epoch(2026, 11, 5),
              end=epoch(2026, 11, 5, 0, 0, 22), elapsed=22)]))  # 2 GPUs x 22 s = 44 s
    figures = balance.balances_of([allocation])[allocation.pk]
    assert (figures.used, figures.left) == (1, 599)
    page = _text(client_as(w.project_lead).get(reverse("compute_allocation",
                                                       args=[allocation.pk])))
    assert '<span title="0.02 GPU-hours (1 GPU-minutes)">0.02</span>' in page


def test_each_allocation_is_charged_its_own_usage(world: World, fake: FakeScheduler) -> None:
    """A project whose first allocation ended, then gets a new one: the new one starts whole."""
    as_fixture_team(world)
    old = cover(grant(world.project, world.project_lead, 10), date(2026, 9, 1),
                date(2026, 10, 31))
    _replay((epoch(2026, 10, 20, 12), 9_000))  # 300 GPU-minutes in October: the old one's
    new = cover(grant(world.project, world.project_lead, 5), date(2026, 11, 1),
                date(2026, 12, 31))
    figures = balance.balances_of([old, new])
    assert (figures[old.pk].used, figures[old.pk].left) == (300, 300)
    assert (figures[new.pk].used, figures[new.pk].left) == (0, 300)
    # the whole new grant is usable, on the platform and on the scheduler
    job = submit_job(world.project, world.project_lead, gpus=1, time_limit_minutes=300,
                     today=NOV_20)
    assert job.allocation_id == new.pk
    fake.accounts.clear()
    fake.ensure_account("laiftest", 0, tag=project_tag(world.project))
    fake.accounts["laiftest"].used = 300  # Slurm counted the old allocation's runs
    result = slurm_account_sync(project_id=world.project.pk, scheduler=fake, today=NOV_20)
    # nothing runs yet (the job waits): Slurm may start 300 GPU-minutes on top of what it counted
    assert result.gpu_minutes_limit == 300 + 300


def test_a_job_that_just_ended_no_longer_holds_the_budget(world: World,
                                                          fake: FakeScheduler) -> None:
    grant(world.project, world.project_lead, 100)  # 6,000 GPU-minutes
    first = submit_job(world.project, world.project_lead, gpus=4, time_limit_minutes=1440)
    other = submit_job(world.project, world.project_lead, gpus=0, time_limit_minutes=5)
    asked: list[list[str]] = []
    status = fake.status

    def recorded(ids: Sequence[str]) -> dict[str, base.JobStatus]:
        asked.append(list(ids))
        return status(ids)

    fake.status = recorded  # type: ignore[method-assign]
    # it ended 30 s ago after 30 s on 4 GPUs; nobody listed the jobs since
    now = timezone.now()
    fake.set_state(first.scheduler_id, state=base.COMPLETED, exit_code=0,
                   started_at=now - timedelta(seconds=60), ended_at=now - timedelta(seconds=30))
    second = submit_job(world.project, world.project_lead, gpus=4, time_limit_minutes=1440)
    assert second.state == JobState.PENDING
    # one query, for the project's unfinished jobs only
    assert [sorted(ids) for ids in asked] == [sorted([first.scheduler_id, other.scheduler_id])]
    first.refresh_from_db()
    assert first.state == JobState.COMPLETED
    # until the ledger has it, its own record counts: 4 GPUs x 30 s = 2 GPU-minutes
    [allocation] = Allocation.objects.filter(project=world.project)
    assert balance.balances_of([allocation])[allocation.pk].used == 2
    with pytest.raises(Exception, match="Reserved by: job") as refused:
        submit_job(world.project, world.project_lead, gpus=1, time_limit_minutes=239)
    assert f"job {second.pk} \u201ctrain\u201d (waiting in the scheduler: 96.00 GPU-hours)" \
        in str(refused.value)
    assert submit_job(world.project, world.project_lead, gpus=1,
                      time_limit_minutes=238).state == JobState.PENDING


def test_the_balance_is_the_same_before_and_after_the_ledger_has_a_job(
        world: World, fake: FakeScheduler) -> None:
    allocation = grant(world.project, world.project_lead, 100)
    job = submit_job(world.project, world.project_lead, gpus=3, time_limit_minutes=60)
    start = timezone.now() - timedelta(minutes=30)
    Job.objects.filter(pk=job.pk).update(
        scheduler="local", state=JobState.COMPLETED, started_at=start,
        ended_at=start + timedelta(seconds=1_001))
    Allocation.objects.filter(pk=allocation.pk).update(
        start=timezone.localdate() - timedelta(days=1), end=timezone.localdate())
    before = balance.balances_of([allocation])[allocation.pk]
    assert before.used == minutes_of(3 * 1_001)
    assert before.unrecorded_jobs == 1
    ledger.usage_ingest_local()
    after = balance.balances_of([allocation])[allocation.pk]
    assert (after.used, after.reserved, after.unrecorded_jobs) == (before.used, 0, 0)


def _stale(job: Job, minutes: int) -> None:
    at = timezone.now() - timedelta(minutes=minutes)
    Job.objects.filter(pk=job.pk).update(submitted_at=at, created_at=at, state_checked_at=None)
    job.refresh_from_db()


def test_a_job_the_scheduler_forgot_is_lost_not_reserved_for_ever(
        world: World, fake: FakeScheduler) -> None:
    allocation = grant(world.project, world.project_lead, 100)
    job = submit_job(world.project, world.project_lead, gpus=4, time_limit_minutes=1440)
    del fake.jobs[job.scheduler_id]  # e.g. the controller's state was lost
    job_state.job_refresh([job], fresh=True)
    assert job.state == JobState.PENDING  # a moment after its submission: not yet
    _stale(job, 16)
    job_state.job_refresh([job], fresh=True)
    job.refresh_from_db()
    assert job.state == JobState.LOST
    assert job.is_finished
    assert "no record of this job" in job.reason
    assert AuditEntry.objects.filter(action="job.lost", target=f"job:{job.pk}").count() == 1
    assert balance.balances_of([allocation])[allocation.pk].reserved == 0


def test_an_unreadable_state_is_reported_and_ends_after_the_longest_run(
        world: World, fake: FakeScheduler) -> None:
    grant(world.project, world.project_lead, 100)
    job = submit_job(world.project, world.project_lead, gpus=1, time_limit_minutes=60)
    fake.set_state(job.scheduler_id, state=base.UNKNOWN, reason="SOMETHING_NEW")
    job_state.job_refresh([job], fresh=True)
    assert (job.state, job.reason) == (JobState.UNKNOWN, "SOMETHING_NEW")
    _stale(job, 60 + 16)
    job_state.job_refresh([job], fresh=True)
    job.refresh_from_db()
    assert job.state == JobState.LOST
    assert "SOMETHING_NEW" in job.reason


def test_pages_never_wait_on_a_silent_scheduler(world: World, fake: FakeScheduler,
                                               settings: SettingsWrapper) -> None:
    grant(world.project, world.project_lead, 100)
    job = submit_job(world.project, world.project_lead)
    lead = client_as(world.project_lead)
    page = reverse("compute_job", args=[job.pk])
    listing = reverse("compute_jobs", args=[world.project.pk])
    # read a moment ago: neither the page nor the list asks again
    calls = len(fake.calls)
    lead.get(page)
    lead.get(listing)
    assert fake.calls[calls:] == []
    # past the age: asked once; the scheduler does not answer: the last state, with its time
    settings.LAIF_JOB_STATE_MAX_AGE = 0
    Job.objects.filter(pk=job.pk).update(state_checked_at=timezone.now() - timedelta(minutes=5))
    fake.available = False
    text = _text(lead.get(page))
    assert fake.calls[calls:] == ["status"]
    assert "The scheduler does not answer at the moment. The state shown was read on" in text
    # backing off: the next pages do not ask it at all
    lead.get(page)
    lead.get(listing)
    assert fake.calls[calls:] == ["status"]
    assert "as read on" in _text(lead.get(listing))
    api = lead.get(f"/api/compute/jobs/{job.pk}").json()
    assert api["state"] == "pending"
    assert api["state_checked_at"] is not None


def test_headroom_is_grant_less_usage_less_running_jobs(world: World,
                                                       fake: FakeScheduler) -> None:
    grant(world.project, world.project_lead, 100)
    job = submit_job(world.project, world.project_lead, gpus=2, time_limit_minutes=100)
    from tests.compute.support import TODAY

    assert headroom_gpu_minutes(world.project.pk, TODAY) == 6_000  # it waits: not counted
    fake.set_state(job.scheduler_id, state=base.RUNNING, reason="",
                   started_at=datetime.now().astimezone())
    job_state.job_refresh([job], fresh=True)
    assert headroom_gpu_minutes(world.project.pk, TODAY) == 5_800


def test_the_ledger_reads_jobs_through_the_reader_the_jobs_app_registers() -> None:
    assert isinstance(jobs_reader(), JobsFigures)
