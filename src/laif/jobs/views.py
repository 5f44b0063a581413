"""Pages of jobs: a project's jobs, the submit form with its templates, a job's detail with its
state, why it waits (in plain words) and its output."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from laif.accounts import selectors as account_selectors
from laif.accounts.errors import DomainError, NotFound, PermissionDenied
from laif.accounts.requestinfo import access_of, actor_of
from laif.accounts.views import is_htmx, page
from laif.allocations.selectors import allocations_in_force
from laif.allocations.services import cluster
from laif.catalogue.job_templates import job_templates
from laif.cluster.selectors import jobs_unisolated
from laif.jobs import forms
from laif.jobs import selectors as job_selectors
from laif.jobs import services as jobs
from laif.jobs import state as job_state
from laif.jobs.files import job_output, output_notes
from laif.jobs.models import JobState
from laif.jobs.reasons import plain_reason
from laif.usage import budget
from laif.usage import selectors as ledger_selectors
from laif.usage.outcome import Outcome

DOWNLOAD_BYTES = 20_000_000  # the output file offered for download: its last 20 MB


# Slurm's ends the platform's own states do not name (a run known from the ledger only)
SLURM_ENDS = {
    "OUT_OF_MEMORY": gettext_lazy("Out of memory"), "NODE_FAIL": gettext_lazy("Node failure"),
    "PREEMPTED": gettext_lazy("Preempted"), "BOOT_FAIL": gettext_lazy("Node failed to start"),
    "DEADLINE": gettext_lazy("Deadline reached"),
}


def state_label(state: str) -> str:
    """A state people read, the platform's or Slurm's (``CANCELLED by 1234``: cancelled)."""
    word = state.split(" ", 1)[0]
    if word.lower() in JobState.values:
        return str(JobState(word.lower()).label)
    return str(SLURM_ENDS.get(word.upper(), word.replace("_", " ").capitalize()))


@page
@require_GET
def project_jobs(request: HttpRequest, project_id: int) -> HttpResponse:
    """Every job the project ran, also over SSH: the ledger's records and the platform's jobs
    not recorded yet, filtered by outcome and person, 50 a page."""
    access = access_of(request)
    project = account_selectors.project_get(access=access, actor=actor_of(request),
                                            project_id=project_id)
    people = sorted(((u.pk, str(u)) for u in account_selectors.users_of(
        job_selectors.run_user_ids(project.pk))), key=lambda p: p[1].casefold())
    filters = forms.RunFilterForm(request.GET or None, people=people)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    outcome = Outcome(chosen["outcome"]) if chosen.get("outcome") else None
    found = job_selectors.runs_page(project_id=project.pk, outcome=outcome,
                                    user_id=chosen.get("person"), page=request.GET.get("page"))
    runs = found.runs
    active = [r.job for r in runs if r.job is not None and not r.recorded]
    job_state.job_refresh_web(active)
    for job in active:
        job.__dict__["reason_text"] = plain_reason(job.reason) if job.state == "pending" else ""
        job.__dict__["state_stale"] = job_state.state_is_stale(job)
    names = dict(people)
    query = {k: v for k, v in request.GET.items() if k != "page" and v}
    return render(request, "compute/jobs.html", {
        "project": project, "can_submit": project.pk in access.project_roles,
        "runs": [(run, names.get(run.user_id or 0, run.username), state_label(run.state))
                 for run in runs],
        "page_obj": found.page, "filters": filters, "filtered": bool(query),
        "query": urlencode(query),
        "allocations": list(allocations_in_force(project.pk)),
        "unisolated": jobs_unisolated(),
    })


@page
@require_http_methods(["GET", "POST"])
def job_new(request: HttpRequest, project_id: int) -> HttpResponse:
    access = access_of(request)
    project = account_selectors.project_get(access=access, actor=actor_of(request),
                                            project_id=project_id)
    initial: dict[str, Any] = {"template": request.GET.get("template", ""), "partition": "gpu"}
    source = request.GET.get("from", "")
    if request.method == "GET" and source.isdigit() and len(source) < 19:
        # "copy into a new job": the composer filled from a job the person may read, to edit
        earlier = job_selectors.job_get(access=access, actor=actor_of(request),
                                        job_id=int(source))
        if earlier.project_id == project.pk:
            initial = {"name": earlier.name, "script": earlier.script, "template": "",
                       "gpus": earlier.gpus, "time_limit_minutes": earlier.time_limit_minutes,
                       "partition": earlier.partition or "gpu",
                       "array_size": earlier.array_size,
                       "array_throttle": earlier.array_throttle or None}
    use = job_templates().get(request.GET.get("use", ""))
    if request.method == "GET" and use is not None:
        # "use this template": its script and resources in the form, to edit before submitting
        initial = {"name": "", "script": use.script, "template": "", "gpus": use.gpus,
                   "time_limit_minutes": use.time_limit_minutes, "partition": "gpu",
                   "array_size": use.array_size, "array_throttle": use.array_throttle or None}
    form = forms.JobForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            job = jobs.job_submit(
                access=access, actor=actor_of(request), project_id=project.pk,
                data=jobs.JobData(name=d["name"], script=d["script"], template=d["template"],
                                  gpus=d["gpus"], time_limit_minutes=d["time_limit_minutes"],
                                  partition=d["partition"], array_size=d["array_size"],
                                  array_throttle=d["array_throttle"]))
        except NotFound:
            raise
        except (PermissionDenied, DomainError) as exc:
            form.add_domain_error(exc)
        else:
            if job.state == "queued":
                messages.warning(request, _("The scheduler cannot be reached: your job is kept "
                                            "in the platform and will be submitted as soon as "
                                            "it answers."))
            elif job.state == "confirming":
                messages.warning(request, _("The scheduler did not answer in time: the platform "
                                            "is checking whether it received your job before "
                                            "submitting it again, so that it runs once."))
            elif job.state == "refused":  # never "submitted" beside the scheduler's refusal
                messages.error(request, _("The scheduler refused your job: %(reason)s")
                               % {"reason": job.reason})
            else:
                messages.success(request, _("Your job is submitted."))
            return redirect("compute_job", job_id=job.pk)
    language = get_language() or "en"
    return render(request, "compute/job_form.html", {
        "project": project, "form": form,
        "templates": [(t, t.title_in(language)) for t in job_templates().templates],
        "partitions": cluster().partitions,
        "unisolated": jobs_unisolated(),
    })


def _small_int(value: str, low: int, high: int) -> int | None:
    value = value.strip()
    if not value.isdigit() or len(value) > 9:
        return None
    number = int(value)
    return number if low <= number <= high else None


@page
@require_POST
def job_estimate(request: HttpRequest, project_id: int) -> HttpResponse:
    """The composer's live figures (htmx, as the form changes): the job's worst case in
    GPU-hours and what is left of the project's allocations in force, the same balance the
    submission checks."""
    access = access_of(request)
    project = account_selectors.project_get(access=access, actor=actor_of(request),
                                            project_id=project_id)
    chosen = job_templates().get(request.POST.get("template", ""))
    gpus = _small_int(request.POST.get("gpus", ""), 0, 64)
    minutes = _small_int(request.POST.get("time_limit_minutes", ""), 1, 100_000)
    tasks = _small_int(request.POST.get("array_size", ""), 1, 100_000)
    if chosen is not None:
        gpus = chosen.gpus if gpus is None else gpus
        minutes = chosen.time_limit_minutes if minutes is None else minutes
        tasks = chosen.array_size if tasks is None else tasks
    worst = (budget.worst_case(array_size=tasks or 1, gpus=gpus, time_limit_minutes=minutes)
             if gpus is not None and minutes is not None else None)
    figures = jobs.budget_figures(list(allocations_in_force(project.pk)), worst or 0)
    partitions = [p.name for p in cluster().partitions]
    partition = request.POST.get("partition", "")
    cost = (ledger_selectors.gpu_cost_cents(
        partition=partition if partition in partitions else partitions[0],
        gpu_seconds=worst * 60, day=timezone.localdate()) if worst is not None else None)
    return render(request, "compute/_job_estimate.html", {
        "worst": worst, "left": figures.remaining, "tasks": tasks or 1, "gpus": gpus,
        "minutes": minutes, "fits": worst is not None and figures.fits, "cost": cost,
    })


@page
@require_GET
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    access = access_of(request)
    job = job_selectors.job_get(access=access, actor=actor_of(request), job_id=job_id)
    job_state.job_refresh_web([job])
    output = job_output(job, max_bytes=200_000)
    template = "compute/_job_live.html" if is_htmx(request) else "compute/job_detail.html"
    return render(request, template, {
        "job": job,
        "reason_text": plain_reason(job.reason) if job.state == "pending" else "",
        "state_stale": job_state.state_is_stale(job),
        "output": output.text, "output_notes": output_notes(output),
        "unisolated": jobs_unisolated(),
        "can_cancel": not job.is_finished and (
            job.submitted_by_id == access.user_id
            or access.can_manage_project(job.project_id, job.project.organisation_id)),
    })


@page
@require_POST
def job_cancel(request: HttpRequest, job_id: int) -> HttpResponse:
    try:
        jobs.job_cancel(access=access_of(request), actor=actor_of(request), job_id=job_id)
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The job is cancelled."))
    return redirect("compute_job", job_id=job_id)


@page
@require_GET
def job_output_download(request: HttpRequest, job_id: int) -> HttpResponse:
    """The job's output as a text file (its last ``DOWNLOAD_BYTES``)."""
    access = access_of(request)
    job = job_selectors.job_get(access=access, actor=actor_of(request), job_id=job_id)
    output = job_output(job, max_bytes=DOWNLOAD_BYTES)
    response = HttpResponse(output.text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="job-{job.pk}-output.txt"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
