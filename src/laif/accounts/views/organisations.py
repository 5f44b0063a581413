"""Organisation pages: legal data, members and roles, invitations."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from laif.accounts import forms, selectors, services
from laif.accounts.choices import OrgRole
from laif.accounts.errors import DomainError, NotFound, PermissionDenied
from laif.accounts.requestinfo import access_of, actor_of, client_ip, current_user
from laif.accounts.sme_text import declared_class_label
from laif.accounts.views._base import (
    MODEL_BACKEND,
    domain_pages,
    is_htmx,
    page,
)
from laif.accounts.views.projects import project_cards


@page
@require_GET
def organisation_list(request: HttpRequest) -> HttpResponse:
    access = access_of(request)
    if not (access.sees_all_clients or access.org_roles):
        raise HttpForbidden(_("Your role gives no access to client organisations."))
    return render(request, "accounts/organisation_list.html", {
        "organisations": selectors.organisations_for(access),
    })


def _organisation_page(request: HttpRequest, org_id: int,
                       invite_form: forms.InviteForm | None = None) -> HttpResponse:
    access = access_of(request)
    org = selectors.organisation_get(access=access, actor=actor_of(request),
                                     organisation_id=org_id)
    is_admin = access.is_org_admin(org.pk)
    return render(request, "accounts/organisation_detail.html", {
        **(_invitations_context(request, org.pk) if is_admin else {}),
        "org": org,
        "country_name": forms.COUNTRY_NAMES.get(org.country, org.country),
        "members": selectors.members_of(access=access, organisation_id=org.pk),
        "projects": project_cards(request, selectors.projects_for(access, organisation_id=org.pk)),
        "is_admin": is_admin,
        "reads_statements": access.can_read_statements(org.pk),
        "invite_form": invite_form or (forms.InviteForm() if is_admin else None),
        "invitation_days": settings.LAIF_INVITATION_TTL_DAYS,
        "role_choices": forms.RoleForm.base_fields["role"].choices,  # type: ignore[attr-defined]
    })


@page
@require_GET
def organisation_detail(request: HttpRequest, org_id: int) -> HttpResponse:
    return _organisation_page(request, org_id)


@page
@require_POST
def organisation_invite(request: HttpRequest, org_id: int) -> HttpResponse:
    form = forms.InviteForm(request.POST)
    if form.is_valid():
        try:
            invitation = services.invitation_create(
                access=access_of(request), actor=actor_of(request), organisation_id=org_id,
                email=form.cleaned_data["email"], role=form.cleaned_data["role"],
            )
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("Invitation sent to %(email)s.")
                             % {"email": invitation.email})
            return redirect("organisation", org_id=org_id)
    return _organisation_page(request, org_id, invite_form=form)


@page
@require_http_methods(["GET", "POST"])
def organisation_edit(request: HttpRequest, org_id: int) -> HttpResponse:
    access = access_of(request)
    if not access.can_view_org(org_id):
        raise NotFound(_("Organisation not found."))
    if not access.is_org_admin(org_id):
        raise PermissionDenied(_("Only an organisation admin can change the organisation."))
    org = selectors.organisation_get(access=access, actor=actor_of(request),
                                     organisation_id=org_id)
    form = forms.OrganisationForm(request.POST or None,
                                  initial=forms.OrganisationForm.initial_of(org))
    if request.method == "POST" and form.is_valid():
        before = org.sme_class
        try:
            org = services.organisation_update(access=access, actor=actor_of(request),
                                               organisation_id=org.pk,
                                               data=form.organisation_data())
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            if org.sme_class != before:
                messages.success(request, _(
                    "%(org)s updated. Its EU SME class changed from %(before)s to %(after)s."
                ) % {"org": org.name, "before": declared_class_label(before),
                     "after": declared_class_label(org.sme_class)})
            else:
                messages.success(request, _(
                    "%(org)s updated. Its EU SME class is still: %(sme)s."
                ) % {"org": org.name, "sme": declared_class_label(org.sme_class)})
            return redirect("organisation", org_id=org.pk)
    return render(request, "accounts/organisation_form.html", {"org": org, "form": form})


def _invitations_context(request: HttpRequest, org_id: int, *, error: str = "",
                         notice: str = "") -> dict[str, Any]:
    return {
        "org_id": org_id,
        "invitations": selectors.invitations_open(access=access_of(request),
                                                  organisation_id=org_id),
        "invitations_error": error,
        "invitations_notice": notice,
    }


@page
@require_POST
def invitation_revoke(request: HttpRequest, org_id: int, invitation_id: int) -> HttpResponse:
    error = notice = ""
    try:
        invitation = services.invitation_revoke(
            access=access_of(request), actor=actor_of(request), organisation_id=org_id,
            invitation_id=invitation_id,
        )
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        error = exc.message
    else:
        notice = _("The invitation of %(email)s is revoked; its link no longer works.") % {
            "email": invitation.email}
    if is_htmx(request):
        return render(request, "accounts/_invitations.html",
                      _invitations_context(request, org_id, error=error, notice=notice))
    if error:
        messages.error(request, error)
    else:
        messages.success(request, notice)
    return redirect("organisation", org_id=org_id)


@page
@require_POST
def membership_role(request: HttpRequest, org_id: int, user_id: int) -> HttpResponse:
    form = forms.RoleForm(request.POST)
    error = ""
    notice = ""
    if form.is_valid():
        try:
            services.membership_set_role(
                access=access_of(request), actor=actor_of(request), organisation_id=org_id,
                user_id=user_id, role=form.cleaned_data["role"],
            )
            notice = _("Role changed.")
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            error = exc.message
    else:
        error = _("Choose a valid role.")
    if not is_htmx(request):
        if error:
            messages.error(request, error)
        else:
            messages.success(request, notice)
        return redirect("organisation", org_id=org_id)
    access = access_of(request, refresh=True)
    membership = selectors.members_of(access=access, organisation_id=org_id).filter(
        user_id=user_id).first()
    if membership is None:
        raise Http404
    return render(request, "accounts/_member_row.html", {
        "m": membership, "org_id": org_id, "is_admin": access.is_org_admin(org_id),
        "role_choices": forms.RoleForm.base_fields["role"].choices,  # type: ignore[attr-defined]
        "row_error": error, "row_notice": notice,
    })


@domain_pages
@require_http_methods(["GET", "POST"])
def invitation_view(request: HttpRequest, token: str) -> HttpResponse:
    if len(token) > 100:
        raise Http404
    invitation = services.invitation_get_open(token=token)
    user = current_user(request)
    form = forms.InvitationAcceptForm(request.POST or None) if user is None else None
    error = ""
    if request.method == "POST":
        try:
            if user is not None:
                membership, member = services.invitation_accept(
                    token=token, user=user, ip=client_ip(request))
            elif form is not None and form.is_valid():
                membership, member = services.invitation_accept(
                    token=token, user=None, password=form.cleaned_data["password"],
                    first_name=form.cleaned_data["first_name"],
                    last_name=form.cleaned_data["last_name"], ip=client_ip(request),
                )
                login(request, member, backend=MODEL_BACKEND)
            else:
                membership = None
        except NotFound:
            raise
        except DomainError as exc:
            membership = None
            if form is not None:
                form.add_domain_error(exc)
            else:
                error = exc.message
        if membership is not None:
            messages.success(request, _("Welcome to %(org)s.")
                             % {"org": invitation.organisation.name})
            return redirect("organisation", org_id=membership.organisation_id)
    return render(request, "accounts/invitation.html", {
        "invitation": invitation,
        "form": form,
        "error": error,
        "role_label": dict(OrgRole.choices).get(invitation.role, invitation.role),
    })
