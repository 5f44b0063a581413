"""Pages of the model registry: a project's models (and a version uploaded by hand), a model with
its aliases, requests, deployments and their timeline, a version with its lineage and signed
record."""

from __future__ import annotations

import json

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from laif.accounts.errors import PermissionDenied
from laif.accounts.requestinfo import access_of, actor_of
from laif.accounts.views import form_action, page
from laif.billing.money import energy_text
from laif.jobs import selectors as job_selectors
from laif.registry import forms, selectors, services, timeline_chart
from laif.registry.models import ModelVersion
from laif.sandbox import selectors as sandbox_selectors

RECENT_JOBS = 50


@page
@require_http_methods(["GET", "POST"])
def models(request: HttpRequest, project_id: int) -> HttpResponse:
    access, actor = access_of(request), actor_of(request)
    found = selectors.models_of(access=access, actor=actor, project_id=project_id)
    project = selectors.project_visible(access, project_id)
    may_write = selectors.may_write(access, project)
    jobs = [(j.pk, f"#{j.pk} {j.name}") for j in
            job_selectors.jobs_for(access, project_id=project_id)[:RECENT_JOBS]] \
        if may_write else []
    datasets = sorted(sandbox_selectors.latest_releases(project_id)) if may_write else []
    form = forms.VersionForm(request.POST or None, request.FILES or None, jobs=jobs,
                             datasets=datasets)
    if request.method == "POST":
        if not may_write:
            raise PermissionDenied(_("The project's members register its models."))
        made: list[ModelVersion] = []
        if form.is_valid():
            upload = form.cleaned_data["file"]
            with upload.open("rb") as src:
                form_action(request, form, lambda d: made.append(
                    services.model_version_register(
                        access=access, actor=actor, project_id=project_id, name=d["name"],
                        src=src, filename=upload.name or "model", job_id=d["job_id"],
                        datasets=d["datasets"], code_ref=d["code_ref"])),
                    _("The version is registered, signed and stored encrypted."))
        if made:
            return redirect("registry_version", version_id=made[0].pk)
    return render(request, "registry/models.html", {
        "project": project, "models": found, "form": form, "may_write": may_write},
        status=400 if form.errors else 200)


def _version_choices(page_: selectors.ModelPage) -> list[tuple[int, str]]:
    return [(v.pk, _("version %(n)d") % {"n": v.number}) for v in page_.versions]


def _model_page(request: HttpRequest, model_id: int) -> selectors.ModelPage:
    return selectors.model_page(access=access_of(request), actor=actor_of(request),
                                model_id=model_id)


def _model_context(request: HttpRequest, page_: selectors.ModelPage,
                   **forms_: object) -> dict[str, object]:
    return {
        "page": page_, "model": page_.model, "project": page_.model.project,
        "chart": timeline_chart.chart(page_.timeline, now=timezone.now()),
        "alias_form": forms_.get("alias_form") or forms.AliasForm(),
        "deploy_form": forms_.get("deploy_form")
        or forms.DeploymentForm(versions=_version_choices(page_)),
        "decision_form": forms.DecisionForm(),
        "pending": [r for r in page_.requests if r.state == "pending"],
    }


@page
@require_GET
def model_detail(request: HttpRequest, model_id: int) -> HttpResponse:
    return render(request, "registry/model.html",
                  _model_context(request, _model_page(request, model_id)))


@page
@require_POST
def alias_request(request: HttpRequest, version_id: int) -> HttpResponse:
    access, actor = access_of(request), actor_of(request)
    version = selectors.version_get(access=access, actor=actor, version_id=version_id)
    form = forms.AliasForm(request.POST)
    if form_action(request, form, lambda d: services.alias_request(
            access=access, actor=actor, version_id=version_id, alias=d["alias"],
            reason=d["reason"]), _("Asked: another person approves or rejects it.")):
        return redirect("registry_model", model_id=version.model_id)
    return render(request, "registry/version.html",
                  {**_version_context(request, version), "alias_form": form}, status=400)


@page
@require_POST
def alias_decide(request: HttpRequest, request_id: int, verdict: str) -> HttpResponse:
    access, actor = access_of(request), actor_of(request)
    found = selectors.request_get(access=access, actor=actor, request_id=request_id)
    form = forms.DecisionForm(request.POST)
    approve = verdict == "approve"
    if form_action(request, form, lambda d: services.alias_decide(
            access=access, actor=actor, request_id=request_id, approve=approve,
            note=d["note"]), _("Approved.") if approve else _("Rejected.")):
        return redirect("registry_model", model_id=found.model_id)
    context = _model_context(request, _model_page(request, found.model_id))
    return render(request, "registry/model.html", {**context, "decision_form": form},
                  status=400)


@page
@require_POST
def deployment_record(request: HttpRequest, model_id: int) -> HttpResponse:
    access, actor = access_of(request), actor_of(request)
    page_ = _model_page(request, model_id)
    form = forms.DeploymentForm(request.POST, versions=_version_choices(page_))
    if form_action(request, form, lambda d: services.deployment_record(
            access=access, actor=actor, model_id=model_id, environment=d["environment"],
            version_id=d["version_id"], target=d["target"], note=d["note"]),
            _("Recorded in the deployment ledger.")):
        return redirect("registry_model", model_id=model_id)
    return render(request, "registry/model.html",
                  _model_context(request, page_, deploy_form=form), status=400)


def _version_context(request: HttpRequest, version: ModelVersion) -> dict[str, object]:
    access = access_of(request)
    training = selectors.training_of(version)
    return {
        "version": version, "model": version.model, "project": version.model.project,
        "training": training,
        "energy": energy_text(int(training.figures.figures.energy.it_j))
        if training and training.figures else "",
        "record_json": json.dumps(version.record, indent=2, sort_keys=True, ensure_ascii=False),
        "may_write": selectors.may_write(access, version.model.project),
        "alias_form": forms.AliasForm(),
    }


@page
@require_GET
def version_detail(request: HttpRequest, version_id: int) -> HttpResponse:
    version = selectors.version_get(access=access_of(request), actor=actor_of(request),
                                    version_id=version_id)
    return render(request, "registry/version.html", _version_context(request, version))


@page
@require_GET
def version_signature(request: HttpRequest, version_id: int) -> HttpResponse:
    """The signed record as a file to keep beside the artefact (``laif models verify``)."""
    version = selectors.version_get(access=access_of(request), actor=actor_of(request),
                                    version_id=version_id)
    body = json.dumps(selectors.signed(version), indent=2, sort_keys=True, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = (f'attachment; filename="{version.model.name}-'
                                       f'v{version.number}.signature.json"')
    return response


@page
@require_GET
def version_artefact(request: HttpRequest, version_id: int) -> FileResponse:
    return services.version_download(access=access_of(request), actor=actor_of(request),
                                     version_id=version_id)
