"""Jobs submitted through the platform.

Models hold data and constraints only; rules live in the services (``jobs``, ``dispatch``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class JobState(models.TextChoices):
    QUEUED = "queued", _("Queued in the platform")
    SUBMITTING = "submitting", _("Being submitted")
    CONFIRMING = "confirming", _("Being confirmed")
    PENDING = "pending", _("Waiting in the scheduler")
    RUNNING = "running", _("Running")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
    TIMEOUT = "timeout", _("Time limit reached")
    REFUSED = "refused", _("Refused by the scheduler")
    UNKNOWN = "unknown", _("Unknown")
    LOST = "lost", _("Lost by the scheduler")


# States whose worst case still counts against the budget (not yet finished).
ACTIVE_JOB_STATES = (JobState.QUEUED, JobState.SUBMITTING, JobState.CONFIRMING,
                     JobState.PENDING, JobState.RUNNING, JobState.UNKNOWN)
FINISHED_JOB_STATES = (JobState.COMPLETED, JobState.FAILED, JobState.CANCELLED,
                       JobState.TIMEOUT, JobState.REFUSED, JobState.LOST)


class Job(models.Model):
    """A batch job of a project, run as the person who submitted it, charged to an allocation.

    ``queued`` jobs are held by the platform (the scheduler was unreachable: ``queued_reason``
    says so) and submitted exactly once by the task queue, next at ``next_attempt_at``;
    ``confirming`` jobs may have reached the scheduler without an answer: the platform looks
    them up by their tag before it submits them again. ``reason`` is the scheduler's own
    pending reason (e.g. ``AssocGrpGRESMinutes``), shown in plain words."""

    project = models.ForeignKey("accounts.Project", on_delete=models.PROTECT, related_name="jobs")
    allocation = models.ForeignKey("allocations.Allocation", on_delete=models.PROTECT,
                                   related_name="jobs")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    name = models.CharField(_("name"), max_length=100)
    template = models.CharField(_("template"), max_length=40, blank=True)
    script = models.TextField(_("script"), max_length=100_000)
    gpus = models.PositiveIntegerField(_("GPUs"))
    time_limit_minutes = models.PositiveIntegerField(_("time limit (minutes)"))
    partition = models.CharField(_("partition"), max_length=32, blank=True)
    array_size = models.PositiveIntegerField(_("array size"), default=1)
    array_throttle = models.PositiveIntegerField(_("array tasks at a time"), default=0)
    state = models.CharField(_("state"), max_length=12, choices=JobState.choices,
                             default=JobState.QUEUED, db_index=True)
    scheduler = models.CharField(max_length=10)
    scheduler_id = models.CharField(max_length=64, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    queued_reason = models.CharField(_("why the platform holds it"), max_length=500, blank=True)
    submit_attempts = models.PositiveIntegerField(default=0)
    submitting_since = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # joules the executor measured (the local runner through NVML); null: not measured. Slurm's
    # own figure comes with its accounting (the usage ledger), not here.
    energy_j = models.BigIntegerField(null=True, blank=True)
    exit_code = models.IntegerField(null=True, blank=True)
    # when the state was last read from the scheduler (job_state.job_refresh)
    state_checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "compute_job"  # the name from before the split (ADR 0020)
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]
        constraints: ClassVar[list[Any]] = [
            models.CheckConstraint(condition=models.Q(time_limit_minutes__gt=0),
                                   name="job_time_limit_positive"),
            models.CheckConstraint(condition=models.Q(array_size__gt=0),
                                   name="job_array_size_positive"),
            models.CheckConstraint(condition=models.Q(array_throttle__lte=models.F("array_size")),
                                   name="job_array_throttle_within_size"),
        ]

    def __str__(self) -> str:
        return f"job {self.pk} of project {self.project_id} ({self.state})"

    @property
    def worst_case_gpu_minutes(self) -> int:
        return self.array_size * self.gpus * self.time_limit_minutes

    @property
    def is_finished(self) -> bool:
        return self.state in FINISHED_JOB_STATES

