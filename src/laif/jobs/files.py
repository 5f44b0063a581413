"""Reads of a job's files: the tail of its output, read as the files of the uid the job ran as
(``scheduler.output``: links, devices, FIFOs and other people's files are not shown), and the
notes that tell the reader what was left out."""

from __future__ import annotations

from django.utils.translation import gettext as _

from laif.accounts.selectors import identity_of
from laif.cluster.scheduler.base import JobOutput, Scheduler
from laif.cluster.selectors import get_scheduler, jobs_dir
from laif.jobs.models import Job

MAX_BYTES = 1_000_000


def job_output(job: Job, *, scheduler: Scheduler | None = None,
               max_bytes: int = MAX_BYTES) -> JobOutput:
    """The last ``max_bytes`` of the job's output, from the files of its submitter's uid."""
    identity = identity_of(job.submitted_by_id)
    if identity is None:
        return JobOutput()
    uid = identity.uid
    sched = scheduler or get_scheduler()
    return sched.output(jobs_dir() / str(job.pk), uid=uid, max_bytes=max_bytes)


def output_notes(output: JobOutput) -> list[str]:
    """What the reader should know about what is not shown, in plain words."""
    notes: list[str] = []
    if output.bad_directory:
        notes.append(_("The job's directory is not a plain directory: its output is not shown."))
    notes += [_("%(name)s is not a regular file of the job: not shown.") % {"name": name}
              for name in output.refused]
    if output.truncated:
        notes.append(_("Only the end of the output is shown."))
    return notes
