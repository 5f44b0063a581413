"""The job pages: a project's jobs, the submit form (template or script), a job's detail with
why it waits in plain words and its output, cancelling; tenancy of the pages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from laif.accounts.models import User
from laif.billing.money import money_text
from laif.cluster.scheduler import base
from laif.cluster.scheduler.fake import FakeScheduler
from laif.cluster.selectors import jobs_dir
from laif.jobs.models import Job, JobState
from laif.usage.pricing import price_on
from laif.usage.selectors import price_catalogue
from tests.compute.jobs_support import fake, grant, submit_job
from tests.factories import World

__all__ = ["fake"]
ClientFor = Callable[[User | None], Client]


def test_submit_from_a_template_then_see_it_wait_and_its_output(
        world: World, fake: FakeScheduler, client_for: ClientFor,
        settings: SettingsWrapper) -> None:
    grant(world.project, world.project_lead, 100, today=timezone.localdate())
    lead = client_for(world.project_lead)
    page = lead.get(reverse("compute_job_new", args=[world.project.pk]) + "?template=array")
    assert page.status_code == 200
    assert "torchrun" in page.content.decode()  # the templates are shown

    response = lead.post(reverse("compute_job_new", args=[world.project.pk]), {
        "name": "shards", "template": "array", "script": "", "gpus": "", "time_limit_minutes": "",
        "partition": "gpu", "array_size": ""})
    job = Job.objects.get(name="shards")
    assert response.status_code == 302
    assert response["Location"] == reverse("compute_job", args=[job.pk])
    assert job.array_size == 4

    fake.set_state(job.scheduler_id, reason="AssocGrpGRESMinutes")
    settings.LAIF_JOB_STATE_MAX_AGE = 0  # read again at once (states are kept 10 s by default)
    workdir = jobs_dir() / str(job.pk)
    workdir.mkdir(parents=True)
    (workdir / "output-0.txt").write_text("task 0 done\n")
    detail = lead.get(reverse("compute_job", args=[job.pk])).content.decode()
    assert "the project&#x27;s GPU budget is spent" in detail
    assert "task 0 done" in detail
    listing = lead.get(reverse("compute_jobs", args=[world.project.pk])).content.decode()
    assert "shards" in listing
    assert "budget is spent" in listing
    assert reverse("compute_jobs", args=[world.project.pk]) in lead.get(
        reverse("compute")).content.decode()

    response = lead.post(reverse("compute_job_cancel", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.state == JobState.CANCELLED


def test_a_refusal_is_shown_on_the_form_with_the_figures(
        world: World, fake: FakeScheduler, client_for: ClientFor) -> None:
    grant(world.project, world.project_lead, 1, today=timezone.localdate())
    response = client_for(world.project_lead).post(
        reverse("compute_job_new", args=[world.project.pk]), {
            "name": "too big", "template": "", "script": "echo hi", "gpus": "4",
            "time_limit_minutes": "60", "partition": "gpu", "array_size": "1"})
    assert response.status_code == 200
    assert ("only 1.00 GPU-hours (60 GPU-minutes) remain of the project&#x27;s 1.00 GPU-hours"
            in response.content.decode())
    assert not Job.objects.exists()


def test_queued_job_says_why(world: World, fake: FakeScheduler, client_for: ClientFor) -> None:
    grant(world.project, world.project_lead, 100, today=timezone.localdate())
    fake.available = False
    job = submit_job(world.project, world.project_lead, today=None)
    page = client_for(world.project_lead).get(reverse("compute_job", args=[job.pk]))
    assert "will be submitted once" in page.content.decode()


def test_pages_follow_tenancy(world: World, fake: FakeScheduler, client_for: ClientFor) -> None:
    grant(world.project, world.project_lead, 100, today=timezone.localdate())
    job = submit_job(world.project, world.project_lead, today=None)
    outsider = client_for(world.other_member)
    assert outsider.get(reverse("compute_job", args=[job.pk])).status_code == 404
    assert outsider.get(reverse("compute_jobs", args=[world.project.pk])).status_code == 404
    assert outsider.post(reverse("compute_job_cancel", args=[job.pk])).status_code == 404
    admin = client_for(world.org_admin)
    assert admin.get(reverse("compute_job", args=[job.pk])).status_code == 200
    form = admin.post(reverse("compute_job_new", args=[world.project.pk]), {
        "name": "x", "template": "", "script": "echo", "gpus": "0", "time_limit_minutes": "5",
        "partition": "gpu", "array_size": "1"})
    assert "Only the project&#x27;s members submit jobs" in form.content.decode()
    assert client_for(world.trainer).get(reverse("compute_job", args=[job.pk])).status_code \
        in (403, 404)


def test_a_refused_job_is_never_said_submitted(world: World, fake: FakeScheduler,
                                               client_for: ClientFor) -> None:
    grant(world.project, world.project_lead, 100, today=timezone.localdate())
    fake.refuse = "Invalid account or account/partition combination specified"
    lead = client_for(world.project_lead)
    response = lead.post(reverse("compute_job_new", args=[world.project.pk]), {
        "name": "x", "template": "", "script": "echo hi", "gpus": "1",
        "time_limit_minutes": "5", "partition": "gpu", "array_size": "1"}, follow=True)
    page = response.content.decode()
    assert Job.objects.get().state == JobState.REFUSED
    assert "The scheduler refused your job: Invalid account" in page
    assert "Your job is submitted" not in page


def test_the_page_follows_an_active_job_and_stops_when_it_ends(
        world: World, fake: FakeScheduler, client_for: ClientFor,
        settings: SettingsWrapper) -> None:
    grant(world.project, world.project_lead, 100, today=timezone.localdate())
    job = submit_job(world.project, world.project_lead, today=None)
    lead = client_for(world.project_lead)
    url = reverse("compute_job", args=[job.pk])
    page = lead.get(url).content.decode()
    assert f'hx-get="{url}" hx-trigger="every 5s"' in page
    assert "Yes, cancel the job" in page  # cancelling asks first
    fragment = lead.get(url, headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith('<div id="job-live"')
    assert "<html" not in fragment
    settings.LAIF_JOB_STATE_MAX_AGE = 0
    now = timezone.now()
    fake.set_state(job.scheduler_id, state=base.COMPLETED, exit_code=0,
                   started_at=now - timedelta(seconds=60), ended_at=now - timedelta(seconds=5))
    ended = lead.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in ended  # finished: the polling stops
    assert "Yes, cancel the job" not in ended


def test_run_again_fills_the_composer_and_the_output_downloads(
        world: World, fake: FakeScheduler, client_for: ClientFor) -> None:
    grant(world.project, world.project_lead, 100, today=timezone.localdate())
    job = submit_job(world.project, world.project_lead, today=None, name="train-7",
                     script="#!/bin/bash\npython train.py --epochs 7\n", gpus=2,
                     time_limit_minutes=90)
    lead = client_for(world.project_lead)
    form = lead.get(reverse("compute_job_new", args=[world.project.pk]) + f"?from={job.pk}")
    page = form.content.decode()
    assert 'value="train-7"' in page
    assert "python train.py --epochs 7" in page
    assert 'name="gpus" value="2"' in page
    assert 'name="time_limit_minutes" value="90"' in page
    # another project's job cannot be copied
    assert client_for(world.other_member).get(
        reverse("compute_job_new", args=[world.other_project.pk]) + f"?from={job.pk}"
    ).status_code == 404
    workdir = jobs_dir() / str(job.pk)
    workdir.mkdir(parents=True)
    (workdir / "output-0.txt").write_text("epoch 7 loss 0.12\n")
    download = lead.get(reverse("compute_job_output", args=[job.pk]))
    assert download["Content-Disposition"] == f'attachment; filename="job-{job.pk}-output.txt"'
    assert "epoch 7 loss 0.12" in download.content.decode()
    assert client_for(world.other_member).get(
        reverse("compute_job_output", args=[job.pk])).status_code == 404


def test_the_composer_takes_a_template_and_shows_the_worst_case_against_what_is_left(
        world: World, fake: FakeScheduler, client_for: ClientFor) -> None:
    grant(world.project, world.project_lead, 100, today=timezone.localdate())
    lead = client_for(world.project_lead)
    new = reverse("compute_job_new", args=[world.project.pk])
    form = lead.get(new + "?use=pytorch_ddp").content.decode()
    assert "torchrun" in form.split('name="script"', 1)[1].split("</textarea>", 1)[0]
    assert 'id="partition-limits"' in form  # GPUs per node and the longest time, per partition
    estimate = reverse("compute_job_estimate", args=[world.project.pk])
    fits = lead.post(estimate, {"gpus": "2", "time_limit_minutes": "60", "array_size": "3"})
    text = fits.content.decode()
    assert ">6.00</span> GPU-hours</strong> (3 task(s) x 2 GPU(s) x 60 minutes)" in text
    assert ">100.00</span> GPU-hours</strong> left" in text
    assert "It fits." in text
    # in euros too, at this month's price of the partition's GPU time, as a statement prices it
    for partition in ("gpu", "gpu-dev"):
        price = price_on(price_catalogue(), partition, timezone.localdate()).gpu_hour_eur
        shown = lead.post(estimate, {"gpus": "2", "time_limit_minutes": "60", "array_size": "3",
                                     "partition": partition}).content.decode()
        assert f"that is at most <strong>{money_text(int(price * 600))}</strong>" in shown
    over = lead.post(estimate, {"gpus": "8", "time_limit_minutes": "1000", "array_size": ""})
    assert "It does not fit" in over.content.decode()
    blank = lead.post(estimate, {"gpus": "x", "time_limit_minutes": ""})
    assert "Give the GPUs and the time limit" in blank.content.decode()
    assert client_for(world.other_member).post(estimate, {"gpus": "1"}).status_code == 404
