"""Pages of the data sandboxes: a project's datasets with the upload form (data owners), and a
dataset version with its columns' classification, which the data owners review."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from laif.accounts.errors import DomainError, NotFound, PermissionDenied
from laif.accounts.requestinfo import access_of, actor_of
from laif.accounts.selectors import project_get
from laif.accounts.views import form_action, page
from laif.sandbox import forms, reidentify, releases, selectors, services
from laif.sandbox.models import PolicyAction, Release


def _owner(request: HttpRequest, project_id: int) -> bool:
    try:
        selectors.data_owner(access_of(request), project_id)
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
        "releases": selectors.releases_of(access=access, project_id=project_id),
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


def _version_page(request: HttpRequest, version_id: int, *, status: int = 200,
                  review_form: forms.ReviewForm | None = None,
                  policy_form: forms.PolicyForm | None = None,
                  release_form: forms.ReleaseForm | None = None,
                  refusal: dict[str, Any] | None = None) -> HttpResponse:
    access = access_of(request)
    version = selectors.version_get(access=access, version_id=version_id)
    columns = selectors.columns_of(version)
    project_id = version.dataset.project_id
    is_owner = _owner(request, project_id)
    rows = releases.policy_of(version)
    risk = refusal
    release_form = release_form or forms.ReleaseForm(request.GET if "risk" in request.GET
                                                     else None)
    if risk is None and is_owner and "risk" in request.GET and release_form.is_valid():
        try:
            risk = releases.risk_out(releases.release_risk(
                access=access, version_id=version_id,
                required_k=release_form.cleaned_data["required_k"],
                required_l=release_form.cleaned_data["required_l"],
                suppress=release_form.cleaned_data["suppress"]))
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            release_form.add_domain_error(exc)
    project = project_get(access=access, actor=actor_of(request), project_id=project_id)
    return render(request, "sandbox/version.html", {
        "project": project, "version": version, "columns": columns, "is_owner": is_owner,
        "form": review_form or forms.ReviewForm(columns=columns),
        "policy_form": policy_form or forms.PolicyForm(rows=rows),
        "policy_saved": version.policies.exists(), "release_form": release_form, "risk": risk,
        "floors": releases.floors(sensitive=True),
        "releases": version.releases.order_by("-number"),
    }, status=status)


@page
@require_http_methods(["GET", "POST"])
def version_page(request: HttpRequest, version_id: int) -> HttpResponse:
    if request.method == "GET":
        return _version_page(request, version_id)
    access = access_of(request)
    version = selectors.version_get(access=access, version_id=version_id)
    selectors.data_owner(access, version.dataset.project_id)
    form = forms.ReviewForm(request.POST, columns=selectors.columns_of(version))
    if form_action(request, form, lambda data: services.classification_review(
            access=access, actor=actor_of(request), version_id=version_id,
            kinds=form.kinds()), _("Classification confirmed.")):
        return redirect("sandbox_version", version_id=version_id)
    return _version_page(request, version_id, status=400, review_form=form)


@page
@require_POST
def policy_save(request: HttpRequest, version_id: int) -> HttpResponse:
    access = access_of(request)
    version = selectors.version_get(access=access, version_id=version_id)
    form = forms.PolicyForm(request.POST, rows=releases.policy_of(version))
    if form_action(request, form, lambda data: releases.policy_set(
            access=access, actor=actor_of(request), version_id=version_id,
            rows=form.policy_rows()), _("Policy saved: check the risk, then release.")):
        return redirect(reverse("sandbox_version", args=[version_id]) + "#risk")
    return _version_page(request, version_id, status=400, policy_form=form)


@page
@require_POST
def release_new(request: HttpRequest, version_id: int) -> HttpResponse:
    form = forms.ReleaseForm(request.POST)
    if form.is_valid():
        try:
            release = releases.release_create(
                access=access_of(request), actor=actor_of(request), version_id=version_id,
                required_k=form.cleaned_data["required_k"],
                required_l=form.cleaned_data["required_l"],
                suppress=form.cleaned_data["suppress"])
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            form.add_domain_error(exc)
            refusal = exc.extra.get("risk")
            return _version_page(request, version_id, status=400, release_form=form,
                                 refusal=refusal if isinstance(refusal, dict) else None)
        messages.success(request, _("Released: the project's jobs read it now."))
        return redirect("sandbox_release", release_id=release.pk)
    return _version_page(request, version_id, status=400, release_form=form)


def _encrypted_columns(release: Release) -> list[str]:
    return [str(r["column"]) for r in release.record.get("policy", [])
            if r.get("action") == PolicyAction.ENCRYPT]


def _release_page(request: HttpRequest, release_id: int, *, status: int = 200,
                  reid_form: forms.ReidentificationForm | None = None,
                  revealed: list[reidentify.Revealed] | None = None) -> HttpResponse:
    access = access_of(request)
    release = selectors.release_get(access=access, release_id=release_id)
    project = project_get(access=access, actor=actor_of(request),
                          project_id=release.version.dataset.project_id)
    is_owner = _owner(request, project.pk)
    encrypted = _encrypted_columns(release)
    return render(request, "sandbox/release.html", {
        "project": project, "release": release, "version": release.version,
        "staged_path": releases.staged_path(release),
        "env_var": selectors.env_var(release.version.dataset.name),
        "can_download": selectors.can_read_releases(access, project.pk, project.organisation_id),
        "record_json": json.dumps(release.record, indent=2, ensure_ascii=False),
        "key_id": release.signing_key_id, "is_owner": is_owner, "encrypted": encrypted,
        "reid_form": reid_form or forms.ReidentificationForm(columns=encrypted),
        "requests": selectors.reidentifications_of(access=access, release_id=release_id)
        if is_owner else [],
        "me": request.user.pk, "revealed": revealed,
        "minutes": settings.LAIF_SANDBOX_REID_MINUTES,
    }, status=status)


@page
def release_page(request: HttpRequest, release_id: int) -> HttpResponse:
    return _release_page(request, release_id)


@page
@require_POST
def reid_request(request: HttpRequest, release_id: int) -> HttpResponse:
    release = selectors.release_get(access=access_of(request), release_id=release_id)
    form = forms.ReidentificationForm(request.POST, columns=_encrypted_columns(release))
    if form_action(request, form, lambda data: reidentify.reidentification_request(
            access=access_of(request), actor=actor_of(request), release_id=release_id,
            column=data["column"], tokens=data["tokens"].splitlines(), reason=data["reason"]),
            _("Asked: another data owner approves or refuses.")):
        return redirect(reverse("sandbox_release", args=[release_id]) + "#reidentification")
    return _release_page(request, release_id, status=400, reid_form=form)


@page
@require_POST
def reid_decide(request: HttpRequest, request_id: int, decision: str) -> HttpResponse:
    found = reidentify.reidentification_decide(
        access=access_of(request), actor=actor_of(request), request_id=request_id,
        approve=decision == "approve")
    messages.success(request, _("Approved: the requester can reveal the values once.")
                     if decision == "approve" else _("Refused."))
    return redirect(reverse("sandbox_release", args=[found.release_id]) + "#reidentification")


@page
@require_POST
def reid_reveal(request: HttpRequest, request_id: int) -> HttpResponse:
    access = access_of(request)
    found = selectors.reidentification_get(access=access, request_id=request_id)
    try:
        values = reidentify.reidentification_reveal(access=access, actor=actor_of(request),
                                                    request_id=request_id)
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(reverse("sandbox_release", args=[found.release_id]) + "#reidentification")
    response = _release_page(request, found.release_id, revealed=values)
    response["Cache-Control"] = "no-store"  # shown once: never kept by the browser
    return response
