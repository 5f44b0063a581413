"""Pages of the data sandboxes: a project's datasets with the upload form (data owners), and a
dataset version with its columns' classification, which the data owners review."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from laif.accounts.errors import DomainError, NotFound, PermissionDenied
from laif.accounts.requestinfo import access_of, actor_of
from laif.accounts.selectors import project_get
from laif.accounts.views import form_action, page
from laif.sandbox import forms, selectors, services


def _owner(request: HttpRequest, project_id: int) -> bool:
    try:
        services.data_owner(access_of(request), project_id)
    except PermissionDenied:
        return False
    return True


def _sandbox(request: HttpRequest, project_id: int, *, status: int = 200,
             form: forms.UploadForm | None = None, problems: dict[str, Any] | None = None
             ) -> HttpResponse:
    access, actor = access_of(request), actor_of(request)
    project = project_get(access=access, actor=actor, project_id=project_id)
    return render(request, "sandbox/project.html", {
        "project": project, "datasets": selectors.datasets_of(access=access, project_id=project_id),
        "is_owner": _owner(request, project_id), "form": form or forms.UploadForm(),
        "problems": problems,
    }, status=status)


@page
@require_http_methods(["GET", "POST"])
def project_sandbox(request: HttpRequest, project_id: int) -> HttpResponse:
    if request.method == "GET":
        return _sandbox(request, project_id)
    form = forms.UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _sandbox(request, project_id, status=400, form=form)
    upload = form.cleaned_data["file"]
    try:
        with upload.open("rb") as src:
            done = services.dataset_upload(
                access=access_of(request), actor=actor_of(request), project_id=project_id,
                name=form.cleaned_data["name"], src=src, filename=upload.name or "upload",
                encoding=form.cleaned_data["encoding"] or None,
                delimiter=form.cleaned_data["delimiter"] or None)
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        form.add_domain_error(exc)
        return _sandbox(request, project_id, status=400, form=form,
                        problems=exc.extra if exc.extra.get("problems") else None)
    messages.success(request, _("Uploaded and encrypted: review the classification of its "
                                "columns."))
    return redirect("sandbox_version", version_id=done.version.pk)


@page
@require_http_methods(["GET", "POST"])
def version_page(request: HttpRequest, version_id: int) -> HttpResponse:
    access = access_of(request)
    version = selectors.version_get(access=access, version_id=version_id)
    columns = selectors.columns_of(version)
    project_id = version.dataset.project_id
    is_owner = _owner(request, project_id)
    form = forms.ReviewForm(request.POST or None, columns=columns)
    status = 200
    if request.method == "POST":
        if not is_owner:
            raise PermissionDenied(_("The project's leads and its organisation's administrators "
                                     "own its data."))
        if form_action(request, form, lambda data: services.classification_review(
                access=access, actor=actor_of(request), version_id=version_id,
                kinds=form.kinds()), _("Classification confirmed.")):
            return redirect("sandbox_version", version_id=version_id)
        status = 400
    project = project_get(access=access, actor=actor_of(request), project_id=project_id)
    return render(request, "sandbox/version.html", {
        "project": project, "version": version, "columns": columns, "form": form,
        "is_owner": is_owner,
    }, status=status)
