"""Project pages: list, creation, members."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from laif.accounts import forms, selectors, services
from laif.accounts.choices import ProjectRole
from laif.accounts.errors import DomainError, NotFound, PermissionDenied
from laif.accounts.models import Membership, Project
from laif.accounts.requestinfo import access_of, actor_of
from laif.accounts.views._base import (
    is_htmx,
    page,
)


@dataclass(frozen=True)
class ProjectCard:
    project: Project
    role: str
    members: int


def project_cards(request: HttpRequest, projects: Any) -> list[ProjectCard]:
    access = access_of(request)
    roles = dict(ProjectRole.choices)
    cards = []
    for project in projects:
        role = access.project_roles.get(project.pk)
        if role is not None:
            label = str(roles.get(role, role))
        elif access.is_org_admin(project.organisation_id):
            label = _("Organisation admin")
        else:
            label = _("Factory staff")
        cards.append(ProjectCard(project, label, len(project.memberships.all())))
    return cards


@page
@require_GET
def project_list(request: HttpRequest) -> HttpResponse:
    access = access_of(request)
    if access.is_staff and not access.sees_all_clients:
        raise HttpForbidden(_("Your role gives no access to client projects."))
    return render(request, "accounts/project_list.html", {
        "cards": project_cards(request, selectors.projects_for(access)),
        "admin_organisations": [
            o for o in selectors.organisations_for(access) if access.is_org_admin(o.pk)
        ],
    })


@page
@require_http_methods(["GET", "POST"])
def project_create(request: HttpRequest, org_id: int) -> HttpResponse:
    access = access_of(request)
    org = selectors.organisation_get(access=access, actor=actor_of(request),
                                     organisation_id=org_id)
    if not access.is_org_admin(org.pk):
        raise HttpForbidden(_("Only an organisation admin can create projects."))
    members = selectors.members_of(access=access, organisation_id=org.pk)
    form = forms.ProjectForm(request.POST or None, members=members,
                             initial={"lead_id": access.user_id})
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create(
                access=access, actor=actor_of(request), organisation_id=org.pk,
                name=form.cleaned_data["name"], description=form.cleaned_data["description"],
                lead_id=form.cleaned_data["lead_id"],
            )
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("Project %(name)s created (code %(code)s).")
                             % {"name": project.name, "code": project.code})
            return redirect("project", project_id=project.pk)
    return render(request, "accounts/project_form.html", {"org": org, "form": form})


def _project_members_context(request: HttpRequest, project_id: int,
                             form: forms.ProjectMemberForm | None = None,
                             error: str = "", notice: str = "") -> dict[str, Any]:
    access = access_of(request, refresh=True)
    project = selectors.project_get(access=access, actor=actor_of(request),
                                    project_id=project_id)
    can_manage = access.can_manage_project(project.pk, project.organisation_id)
    memberships = sorted(project.memberships.all(),
                         key=lambda m: (m.role != ProjectRole.LEAD, m.user.last_name,
                                        m.user.email))
    candidates: list[Membership] = []
    if can_manage:
        inside = {m.user_id for m in memberships}
        candidates = [m for m in selectors.members_of(access=access,
                                                      organisation_id=project.organisation_id)
                      if m.user_id not in inside]
        if form is None:
            form = forms.ProjectMemberForm(members=candidates)
        else:
            form.fields["user_id"].choices = forms.member_choices(  # type: ignore[attr-defined]
                candidates)
    return {
        "project": project, "memberships": memberships, "can_manage": can_manage,
        "member_form": form if candidates or (form is not None and form.errors) else None,
        "members_error": error, "members_notice": notice,
    }


@page
@require_GET
def project_detail(request: HttpRequest, project_id: int) -> HttpResponse:
    return render(request, "accounts/project_detail.html",
                  _project_members_context(request, project_id))


def _members_response(request: HttpRequest, project_id: int, **kwargs: Any) -> HttpResponse:
    if is_htmx(request):
        return render(request, "accounts/_project_members.html",
                      _project_members_context(request, project_id, **kwargs))
    if kwargs.get("error"):
        messages.error(request, kwargs["error"])
    elif kwargs.get("notice"):
        messages.success(request, kwargs["notice"])
    form = kwargs.get("form")
    if form is not None and form.errors:
        return render(request, "accounts/project_detail.html",
                      _project_members_context(request, project_id, form=form))
    return redirect("project", project_id=project_id)


@page
@require_POST
def project_member_add(request: HttpRequest, project_id: int) -> HttpResponse:
    access = access_of(request)
    project = selectors.project_get(access=access, actor=actor_of(request),
                                    project_id=project_id)
    if not access.can_manage_project(project.pk, project.organisation_id):
        raise HttpForbidden(_("Only the project lead or an organisation admin can add members."))
    members = selectors.members_of(access=access, organisation_id=project.organisation_id)
    form = forms.ProjectMemberForm(request.POST, members=members)
    if form.is_valid():
        try:
            services.project_member_add(
                access=access, actor=actor_of(request), project_id=project.pk,
                user_id=form.cleaned_data["user_id"], role=form.cleaned_data["role"],
            )
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            return _members_response(request, project.pk, notice=_("Member added."))
    return _members_response(request, project.pk, form=form)


@page
@require_POST
def project_member_remove(request: HttpRequest, project_id: int, user_id: int) -> HttpResponse:
    try:
        services.project_member_remove(access=access_of(request), actor=actor_of(request),
                                       project_id=project_id, user_id=user_id)
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        return _members_response(request, project_id, error=exc.message)
    return _members_response(request, project_id, notice=_("Member removed."))
