"""REST endpoints of jobs: submit, list, show, logs, cancel, and the job templates."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Router, Status

from laif.accounts import selectors as account_selectors
from laif.accounts.requestinfo import access_of, actor_of
from laif.catalogue.job_templates import job_templates
from laif.config.apitypes import Id
from laif.jobs import schemas as s
from laif.jobs import selectors as job_selectors
from laif.jobs import services as jobs
from laif.jobs import state as job_state
from laif.jobs.files import job_output, output_notes
from laif.jobs.models import Job
from laif.jobs.reasons import plain_reason
from laif.usage.outcome import Outcome, outcome_of

router = Router(tags=["jobs"])


def job_fields(j: Job) -> dict[str, Any]:
    return {
        "id": j.pk, "project_id": j.project_id, "project_code": j.project.code, "name": j.name,
        "template": j.template, "gpus": j.gpus, "time_limit_minutes": j.time_limit_minutes,
        "partition": j.partition, "array_size": j.array_size, "array_throttle": j.array_throttle,
        "worst_case_gpu_minutes": j.worst_case_gpu_minutes, "state": j.state,
        "scheduler": j.scheduler, "scheduler_id": j.scheduler_id, "reason": j.reason,
        "reason_text": plain_reason(j.reason) if j.state == "pending" else "",
        "queued_reason": j.queued_reason, "submit_attempts": j.submit_attempts,
        "next_attempt_at": j.next_attempt_at if j.state in ("queued", "confirming") else None,
        "submitted_by": j.submitted_by.email,
        "created_at": j.created_at, "submitted_at": j.submitted_at,
        "started_at": j.started_at, "ended_at": j.ended_at, "exit_code": j.exit_code,
        "state_checked_at": j.state_checked_at,
    }


def _detail(request: HttpRequest, job_id: int) -> s.JobDetailOut:
    job = job_selectors.job_get(access=access_of(request, refresh=True), actor=actor_of(request),
                            job_id=job_id)
    job_state.job_refresh_web([job])
    return s.JobDetailOut(**job_fields(job), script=job.script)


@router.get("/compute/job-templates", response=list[s.JobTemplateOut],
            summary="Job templates: PyTorch DDP, fine-tuning, batch inference, array of tasks")
def template_list(request: HttpRequest) -> list[s.JobTemplateOut]:
    language = get_language() or "en"
    return [s.JobTemplateOut(key=t.key, title=t.title_in(language), gpus=t.gpus,
                             time_limit_minutes=t.time_limit_minutes, array_size=t.array_size,
                             array_throttle=t.array_throttle, script=t.script)
            for t in job_templates().templates]


@router.post("/projects/{project_id}/jobs", response={201: s.JobSubmittedOut},
             summary="Submit a batch job (project members; it runs as you)",
             description="Every resource comes from these fields: a script with scheduler "
             "directives (#SBATCH lines asking for resources or options) is refused (400, the "
             "message names the line). Refused (409) when its worst case (array size x GPUs x "
             "time limit, every task counted whatever the throttle) does not fit in what remains "
             "of the project's GPU budget, with the figures; kept as queued when the scheduler "
             "cannot be reached, and submitted once it is back; confirming when the scheduler's "
             "answer was lost, until the platform knows whether it received the job.")
def job_submit(request: HttpRequest, project_id: Id, data: s.JobIn) -> Status[Any]:
    job = jobs.job_submit(
        access=access_of(request), actor=actor_of(request), project_id=project_id,
        data=jobs.JobData(name=data.name, script=data.script, template=data.template or "",
                          gpus=data.gpus, time_limit_minutes=data.time_limit_minutes,
                          partition=data.partition or "", array_size=data.array_size,
                          array_throttle=data.array_throttle))
    notes = ([_("The script's Windows line endings (CR LF) were made Unix ones (LF), as bash "
                "needs.")] if "\r" in data.script else [])
    return Status(201, s.JobSubmittedOut(**_detail(request, job.pk).model_dump(), notes=notes))


@router.get("/compute/jobs", response=list[s.JobOut],
            summary="Jobs you may see (your projects; all for staff), newest first")
def job_list(request: HttpRequest, project_id: Id | None = None,
             state: s.JobStateName | None = None) -> list[s.JobOut]:
    found = list(job_selectors.jobs_for(access_of(request), project_id=project_id,
                                    state=state)[:500])
    job_state.job_refresh_web(found)
    return [s.JobOut(**job_fields(j)) for j in found]


def _state(run: job_selectors.Run) -> str:
    """A recorded run's state is the accounting's; the platform's job's as just refreshed."""
    return run.job.state if run.job is not None and not run.recorded else run.state


@router.get("/projects/{project_id}/runs", response=s.RunsPageOut,
            summary="Every job the project ran, also over SSH, newest first (50 a page)",
            description="The cluster accounting's records of the project, whoever submitted "
            "them, and the platform's jobs it has not recorded yet (waiting, running, refused, "
            "or finished moments ago), each once. Filter by `outcome` and by `person` (a user "
            "id); a page past the end gives the last page.")
def run_list(request: HttpRequest, project_id: Id,
             outcome: Literal["active", "completed", "failed", "cancelled"] | None = None,
             person: Id | None = None, page: Annotated[int, Field(ge=1, le=10**6)] = 1,
             ) -> s.RunsPageOut:
    project = account_selectors.project_get(access=access_of(request), actor=actor_of(request),
                                            project_id=project_id)
    found = job_selectors.runs_page(project_id=project.pk, user_id=person, page=page,
                                    outcome=Outcome(outcome) if outcome else None)
    job_state.job_refresh_web([r.job for r in found.runs if r.job and not r.recorded])
    emails = account_selectors.user_emails({r.user_id for r in found.runs if r.user_id})
    return s.RunsPageOut(
        count=found.page.paginator.count, page=found.page.number,
        pages=found.page.paginator.num_pages,
        runs=[s.RunOut(
            scheduler_id=r.scheduler_id, job_id=r.job.pk if r.job else None,
            name=r.job.name if r.job else "", state=_state(r),
            outcome=outcome_of(_state(r)).value,
            submitted_by=emails.get(r.user_id or 0, r.username), submitted_at=r.submitted_at,
            started_at=r.started_at, elapsed_s=r.elapsed_s, gpu_seconds=r.gpu_seconds,
            recorded=r.recorded, cost_cents=r.cost_cents) for r in found.runs])


@router.get("/compute/jobs/{job_id}", response=s.JobDetailOut)
def job_detail(request: HttpRequest, job_id: Id) -> s.JobDetailOut:
    return _detail(request, job_id)


@router.get("/compute/jobs/{job_id}/logs", response=s.JobLogOut,
            summary="The job's output so far (the last megabyte)",
            description="Only the job's own regular files are read: an output file that is a "
            "link, a device, a FIFO, a directory or another user's file is named in `notes` and "
            "not shown.")
def job_logs(request: HttpRequest, job_id: Id) -> s.JobLogOut:
    job = job_selectors.job_get(access=access_of(request), actor=actor_of(request), job_id=job_id)
    job_state.job_refresh_web([job])
    output = job_output(job)
    return s.JobLogOut(id=job.pk, state=job.state, output=output.text,
                       truncated=output.truncated, notes=output_notes(output))


@router.post("/compute/jobs/{job_id}/cancel", response=s.JobDetailOut,
             summary="Cancel a job (its submitter, the project lead, an organisation admin)")
def job_cancel(request: HttpRequest, job_id: Id) -> s.JobDetailOut:
    jobs.job_cancel(access=access_of(request), actor=actor_of(request), job_id=job_id)
    return _detail(request, job_id)
