"""Dispatch of jobs to the scheduler, exactly once, also when its answer is lost (ADR 0006).

- ``job_dispatch`` moves a job from ``queued`` to ``submitting`` under a row lock before calling
  the scheduler, so that only one worker submits it. The outcome decides what follows:
  an id: ``pending``; the scheduler certainly did not get it (the controller could not be
  contacted, the command is missing): back to ``queued``, retried at ``next_attempt_at``;
  refused: ``refused``; maybe got it (the client timed out, the connection broke after sending):
  ``confirming``, and it is never submitted again before the scheduler says it has no such job.
- ``job_confirm`` settles a job that may have reached the scheduler: it looks it up by its tag,
  ``laif-<installation>-<job id>``, at the start of its scheduler name (``squeue``, then the
  accounting records since the job was created). Found: recorded with that id (adopted). The
  scheduler answers without it, and the attempt is older than ``SETTLE_AFTER`` (a request still
  in the controller's hands is not mistaken for a lost one): back to the queue and submitted
  again. Otherwise it waits for the next check.
- ``job_recover_stuck`` does the same for the jobs a dead worker left ``submitting`` for longer
  than ``STUCK_AFTER`` and for every ``confirming`` job (``manage.py jobs_poll``).
- A job runs as its submitter's cluster identity (uid, gid = uid) on the project's account, with
  every resource given explicitly (``JobSpec``; the partition's CPUs and memory per GPU).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from laif.accounts.audit import SYSTEM, audit_record
from laif.accounts.selectors import identity_of
from laif.allocations.services import cluster
from laif.catalogue.cluster import DEFAULT_CPUS_PER_GPU, DEFAULT_MEMORY_GB_PER_GPU
from laif.cluster.scheduler.base import (
    JobSpec,
    Scheduler,
    SchedulerError,
    SchedulerUnavailable,
    SubmitRefused,
    SubmitUncertain,
)
from laif.cluster.selectors import get_scheduler, jobs_dir
from laif.cluster.services import installation_key
from laif.jobs.accounts_sync import slurm_account_name, slurm_account_ready
from laif.jobs.models import Job, JobState
from laif.jobs.tokens import job_token
from laif.sandbox import selectors as sandbox_selectors
from laif.sandbox.releases import release_access_sync

logger = logging.getLogger(__name__)

RETRY_SECONDS = 30
STUCK_AFTER = timedelta(minutes=10)  # sbatch gives up after 30 s: a longer wait is a dead worker
SETTLE_AFTER = timedelta(minutes=5)  # after this, a job the scheduler does not have never came
LOOKUP_MARGIN = timedelta(minutes=10)  # clock skew between the platform and the scheduler


def job_tag(job: Job) -> str:
    return f"laif-{installation_key()}-{job.pk}"


def _spec(job: Job) -> JobSpec:
    identity = identity_of(job.submitted_by_id)
    if identity is None:  # submission requires one, and identities are never deleted
        raise RuntimeError(f"job {job.pk}: its submitter has no cluster identity")
    partition = next((p for p in cluster().partitions if p.name == job.partition), None)
    tag = job_tag(job)
    return JobSpec(
        name=f"{tag}-{job.name}", tag=tag, script=job.script,
        account=slurm_account_name(job.project), username=identity.username, uid=identity.uid,
        gid=identity.uid, workdir=jobs_dir() / str(job.pk), gpus=job.gpus,
        time_limit_minutes=job.time_limit_minutes, partition=job.partition,
        array_size=job.array_size, array_throttle=job.array_throttle,
        cpus=partition.cpus_for(job.gpus) if partition
        else max(job.gpus, 1) * DEFAULT_CPUS_PER_GPU,
        memory_mb=partition.memory_mb_for(job.gpus) if partition
        else max(job.gpus, 1) * DEFAULT_MEMORY_GB_PER_GPU * 1024,
        env={"LAIF_JOB_ID": str(job.pk), "LAIF_PROJECT_ID": str(job.project_id),
             "LAIF_URL": settings.LAIF_SITE_URL,
             "LAIF_JOB_TOKEN": job_token(job_id=job.pk, project_id=job.project_id),
             **sandbox_selectors.job_environment(job.project_id)})


def _submit(sched: Scheduler, job: Job) -> str:
    slurm_account_ready(project_id=job.project_id, scheduler=sched)  # the platform's, checked
    release_access_sync(job.project_id)  # the submitter reads the project's released data
    try:
        return sched.submit(_spec(job))
    except SubmitRefused as exc:
        if "invalid account" not in str(exc).lower():
            raise
    # the person's association is not there yet: reconcile, once
    slurm_account_ready(project_id=job.project_id, scheduler=sched, again=True)
    return sched.submit(_spec(job))


def job_dispatch(*, job_id: int, scheduler: Scheduler | None = None) -> Job:
    """Submit a queued job to the scheduler, exactly once (idempotent)."""
    sched = scheduler or get_scheduler()
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if job.state != JobState.QUEUED:
            return job
        job.state = JobState.SUBMITTING
        job.submit_attempts += 1
        job.submitting_since = timezone.now()
        job.next_attempt_at = None
        job.save(update_fields=["state", "submit_attempts", "submitting_since",
                                "next_attempt_at"])
    job = Job.objects.select_related("project").get(pk=job_id)
    now = timezone.now()
    try:
        scheduler_id = _submit(sched, job)
    except SubmitUncertain as exc:
        Job.objects.filter(pk=job_id, state=JobState.SUBMITTING).update(
            state=JobState.CONFIRMING, queued_reason=str(exc)[:500])
        job_confirm(job_id=job_id, scheduler=sched)  # the answer may only have been late
    except SchedulerUnavailable as exc:
        Job.objects.filter(pk=job_id, state=JobState.SUBMITTING).update(
            state=JobState.QUEUED, queued_reason=str(exc)[:500],
            next_attempt_at=now + timedelta(seconds=RETRY_SECONDS))
        _later(job_id, confirm=False)
    except SchedulerError as exc:
        Job.objects.filter(pk=job_id, state=JobState.SUBMITTING).update(
            state=JobState.REFUSED, reason=str(exc)[:200], queued_reason="", ended_at=now)
    else:
        Job.objects.filter(pk=job_id, state=JobState.SUBMITTING).update(
            state=JobState.PENDING, scheduler_id=scheduler_id, submitted_at=now,
            queued_reason="", state_checked_at=now)
    return Job.objects.get(pk=job_id)


def _later(job_id: int, *, confirm: bool) -> None:
    """After the commit, enqueue the next dispatch (or check) of the job in ``RETRY_SECONDS``."""
    def enqueue() -> None:
        run_after = timezone.now() + timedelta(seconds=RETRY_SECONDS)
        task = job_confirm_task if confirm else job_dispatch_task
        try:
            task.using(run_after=run_after).enqueue(job_id)
        except Exception:  # the queue itself down: the periodic pass (jobs_poll) picks it up
            logger.exception("could not enqueue the next attempt for job %s", job_id)

    transaction.on_commit(enqueue)


def job_dispatch_queued(*, scheduler: Scheduler | None = None) -> int:
    """Retry every queued job (oldest first); how many left the queue."""
    sent = 0
    for job_id in Job.objects.filter(state=JobState.QUEUED).order_by("id").values_list(
            "pk", flat=True):
        if job_dispatch(job_id=job_id, scheduler=scheduler).state != JobState.QUEUED:
            sent += 1
    return sent


def job_confirm(*, job_id: int, scheduler: Scheduler | None = None,
                settle: timedelta = SETTLE_AFTER, stuck_after: timedelta = STUCK_AFTER) -> str:
    """Settle a job that may have reached the scheduler (``confirming``, or ``submitting`` for
    longer than ``stuck_after``): "adopted", "requeued" (and submitted now), "waiting" (the
    scheduler did not answer, or it is too early to say the job never came), or "" (nothing to
    settle)."""
    sched = scheduler or get_scheduler()
    with transaction.atomic():
        job = Job.objects.select_for_update().select_related("project").get(pk=job_id)
        now = timezone.now()
        since = job.submitting_since or job.created_at
        stuck = job.state == JobState.SUBMITTING and since < now - stuck_after
        if job.state != JobState.CONFIRMING and not stuck:
            return ""  # settled already, or a live worker is still submitting it
        try:
            found = sched.find(_spec(job), since=job.created_at - LOOKUP_MARGIN)
        except SchedulerError:
            logger.warning("cannot confirm job %s yet: the scheduler does not answer", job_id)
            found, answered = None, False
        else:
            answered = True
        if found:
            outcome = "adopted"
            Job.objects.filter(pk=job_id).update(
                state=JobState.PENDING, scheduler_id=found, queued_reason="",
                next_attempt_at=None, submitted_at=job.submitted_at or now)
        elif answered and since < now - settle:
            outcome = "requeued"
            Job.objects.filter(pk=job_id).update(
                state=JobState.QUEUED, next_attempt_at=None,
                queued_reason=_("The scheduler never received it; it is submitted again."))
        else:
            if job.state == JobState.CONFIRMING:
                Job.objects.filter(pk=job_id).update(
                    next_attempt_at=now + timedelta(seconds=RETRY_SECONDS))
                _later(job_id, confirm=True)
            return "waiting"
        audit_record(actor=SYSTEM, action="job.recovered", target=f"job:{job_id}",
                     organisation_id=job.project.organisation_id,
                     detail={"outcome": outcome, "scheduler_id": found or "",
                             "was": str(job.state)})
    if outcome == "requeued":
        job_dispatch(job_id=job_id, scheduler=sched)
    return outcome


def job_recover_stuck(*, older_than: timedelta = STUCK_AFTER,
                      scheduler: Scheduler | None = None) -> list[tuple[int, str]]:
    """Settle the jobs a dead worker left ``submitting`` for longer than ``older_than`` and the
    ``confirming`` ones (``job_confirm``). A scheduler that cannot be reached leaves them as they
    are, for the next pass. Returns ``(job id, "adopted" | "requeued")`` for each job settled."""
    sched = scheduler or get_scheduler()
    cutoff = timezone.now() - older_than
    candidates = Job.objects.filter(
        Q(state=JobState.CONFIRMING)
        | Q(state=JobState.SUBMITTING, submitting_since__lt=cutoff)
        | Q(state=JobState.SUBMITTING, submitting_since__isnull=True, created_at__lt=cutoff))
    settled: list[tuple[int, str]] = []
    for job_id in candidates.order_by("id").values_list("pk", flat=True):
        outcome = job_confirm(job_id=job_id, scheduler=sched, stuck_after=older_than)
        if outcome in ("adopted", "requeued"):
            settled.append((job_id, outcome))
    return settled


@task()
def job_dispatch_task(job_id: int) -> str:
    """Submit a queued job once the scheduler answers again; a job already submitted is left as
    it is (the state transition under a row lock makes this safe to run twice)."""
    return str(job_dispatch(job_id=job_id).state)


@task()
def job_confirm_task(job_id: int) -> str:
    """Check whether the scheduler received a job whose submission got no answer: adopted if it
    did, submitted again if it surely did not, checked again later otherwise (idempotent)."""
    return job_confirm(job_id=job_id) or "settled"
