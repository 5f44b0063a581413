"""Server-rendered pages (thin: forms call services, pages read selectors).

Service errors (``DomainError``) are shown on the form that caused them; ``NotFound`` becomes the
404 page and ``PermissionDenied`` the 403 page (see ``domain_pages``). Fragments for htmx live in
templates whose name starts with ``_``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.i18n import LANGUAGE_QUERY_PARAMETER
from django_htmx.http import HttpResponseClientRedirect

from laif.accounts import forms, selectors, services
from laif.accounts.errors import DomainError, NotFound, PermissionDenied, Unauthenticated
from laif.accounts.language import offered as language_offered
from laif.accounts.models import (
    Membership,
    OrgRole,
    Project,
    ProjectRole,
    SmeClassChoice,
    StaffRoleName,
    User,
)
from laif.accounts.requestinfo import access_of, actor_of, client_ip, current_user
from laif.catalogue import load_pillars

View = Callable[..., HttpResponse]
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
AUDIT_PAGE_SIZE = 50


def domain_pages(view: View) -> View:
    """Turn a service's NotFound / PermissionDenied into the 404 / 403 pages."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except PermissionDenied as exc:
            raise HttpForbidden(exc.message) from exc
        except Unauthenticated:
            return redirect_to_login(request.get_full_path())
        except DomainError as exc:
            return render(request, "error.html", {"message": exc.message}, status=exc.status)

    return wrapper


def page(view: View) -> View:
    """A page for logged-in users. An htmx request whose session has expired gets the whole
    browser sent to the login page, not the login form swapped into a fragment."""
    inner = login_required(domain_pages(view))

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if _is_htmx(request) and current_user(request) is None:
            referer = request.headers.get("HX-Current-URL", "")
            target = reverse("login")
            path = urlsplit(referer).path if referer else ""
            if path.startswith("/"):
                target += "?" + urlencode({"next": path})
            return HttpResponseClientRedirect(target)
        return inner(request, *args, **kwargs)

    return wrapper


def _user(request: HttpRequest) -> User:
    user = current_user(request)
    if user is None:  # pages are login_required
        raise Unauthenticated(_("Log in first."))
    return user


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


def sme_label(value: str) -> str:
    return str(dict(SmeClassChoice.choices).get(value, value))


# --------------------------------------------------------------------------- login, sign-up


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if current_user(request) is not None:
        return redirect(_safe_next(request, "home"))
    form = forms.LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        password = form.cleaned_data["password"]
        ip = client_ip(request)
        try:
            services.login_check_throttle(email=email, ip=ip)
            user = authenticate(request, email=email.lower(), password=password)
            services.login_record(email=email, ip=ip,
                                  user=user if isinstance(user, User) else None)
            if isinstance(user, User):
                login(request, user, backend=MODEL_BACKEND)
                return redirect(_safe_next(request, "home"))
            form.add_error(None, _("Wrong e-mail address or password."))
        except DomainError as exc:
            form.add_domain_error(exc)
    return render(request, "accounts/login.html", {
        "form": form,
        "next": request.GET.get("next", ""),
        "sso_failed": request.GET.get("sso") == "failed",
    })


def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switcher (cookie and redirect); a logged-in person's choice is also saved
    to their account, to be restored at their next login."""
    response = i18n.set_language(request)
    user = current_user(request)
    language = request.POST.get(LANGUAGE_QUERY_PARAMETER, "") if request.method == "POST" else ""
    if user is not None and language_offered(language) is not None:
        services.user_set_language(actor=actor_of(request), user=user, language=language)
    return response


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("You are logged out."))
    return redirect("login")


@require_http_methods(["GET", "POST"])
def signup_view(request: HttpRequest) -> HttpResponse:
    if current_user(request) is not None:
        return redirect("home")
    form = forms.SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            org, user = services.organisation_sign_up(
                organisation=form.organisation_data(),
                email=data["email"], password=data["password"],
                first_name=data["first_name"], last_name=data["last_name"],
                ip=client_ip(request),
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            login(request, user, backend=MODEL_BACKEND)
            messages.success(request, _(
                "Welcome! %(org)s is registered; its EU SME class is: %(sme)s."
            ) % {"org": org.name, "sme": sme_label(org.sme_class)})
            return redirect("home")
    return render(request, "accounts/signup.html", {"form": form})


# --------------------------------------------------------------------------- home


@dataclass(frozen=True)
class ProjectCard:
    project: Project
    role: str
    members: int


def _project_cards(request: HttpRequest, projects: Any) -> list[ProjectCard]:
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
def home(request: HttpRequest) -> HttpResponse:
    access = access_of(request)
    if access.is_staff:
        return render(request, "accounts/dashboard.html", {
            "counts": selectors.factory_counts(access=access),
        })
    catalogue = load_pillars()
    organisations = list(selectors.organisations_for(access))
    return render(request, "accounts/home.html", {
        "pillars": catalogue.in_language(get_language() or settings.LANGUAGE_CODE),
        "catalogue": catalogue,
        "organisations": organisations,
        "admin_organisations": [o for o in organisations if access.is_org_admin(o.pk)],
        "cards": _project_cards(request, selectors.projects_for(access)),
    })


# --------------------------------------------------------------------------- organisations


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
        "projects": _project_cards(request, selectors.projects_for(access, organisation_id=org.pk)),
        "is_admin": is_admin,
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
                ) % {"org": org.name, "before": sme_label(before),
                     "after": sme_label(org.sme_class)})
            else:
                messages.success(request, _(
                    "%(org)s updated. Its EU SME class is still: %(sme)s."
                ) % {"org": org.name, "sme": sme_label(org.sme_class)})
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
    if _is_htmx(request):
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
    if not _is_htmx(request):
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


# --------------------------------------------------------------------------- projects


@page
@require_GET
def project_list(request: HttpRequest) -> HttpResponse:
    access = access_of(request)
    if access.is_staff and not access.sees_all_clients:
        raise HttpForbidden(_("Your role gives no access to client projects."))
    return render(request, "accounts/project_list.html", {
        "cards": _project_cards(request, selectors.projects_for(access)),
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
    if _is_htmx(request):
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


# --------------------------------------------------------------------------- my account


def _account_page(request: HttpRequest, form: forms.SshKeyForm | None = None) -> HttpResponse:
    user = _user(request)
    access = access_of(request)
    memberships = Membership.objects.none()
    if access.org_roles:
        memberships = user.memberships.select_related("organisation")
    return render(request, "accounts/account.html", {
        "identity": selectors.identity_of(user),
        "keys": selectors.ssh_keys_of(user),
        "form": form or forms.SshKeyForm(),
        "memberships": memberships,
        "staff_roles": sorted(
            str(dict(StaffRoleName.choices).get(r, r)) for r in access.staff_roles
        ),
    })


@page
@require_GET
def account(request: HttpRequest) -> HttpResponse:
    return _account_page(request)


@page
@require_POST
def ssh_key_add(request: HttpRequest) -> HttpResponse:
    form = forms.SshKeyForm(request.POST)
    if form.is_valid():
        try:
            key = services.ssh_key_add(actor=actor_of(request), user=_user(request),
                                       title=form.cleaned_data["title"],
                                       public_key=form.cleaned_data["public_key"])
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("SSH key added: %(fp)s") % {"fp": key.fingerprint})
            return redirect("account")
    if "PRIVATE KEY" in request.POST.get("public_key", ""):
        data = request.POST.copy()  # never echo a pasted private key back to the page
        data["public_key"] = ""
        form.data = data
    return _account_page(request, form)


@page
@require_POST
def ssh_key_delete(request: HttpRequest, key_id: int) -> HttpResponse:
    services.ssh_key_remove(actor=actor_of(request), user=_user(request), key_id=key_id)
    messages.success(request, _("SSH key deleted."))
    return redirect("account")


@page
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = forms.TokenForm(request.POST or None,
                           initial={"expires_days": settings.LAIF_TOKEN_TTL_DAYS})
    secret = ""
    if request.method == "POST" and form.is_valid():
        try:
            _token, secret = services.api_token_create(
                actor=actor_of(request), user=user, name=form.cleaned_data["name"],
                expires_days=form.cleaned_data["expires_days"],
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            form = forms.TokenForm(initial={"expires_days": settings.LAIF_TOKEN_TTL_DAYS})
    response = render(request, "accounts/tokens.html", {
        "form": form, "secret": secret, "tokens": selectors.tokens_of(user),
        "now": timezone.now(), "max_days": settings.LAIF_TOKEN_TTL_DAYS,
    })
    if secret:
        response["Cache-Control"] = "no-store"
    return response


@page
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = services.api_token_revoke(actor=actor_of(request), user=_user(request),
                                      token_id=token_id)
    messages.success(request, _("Token %(name)s revoked.") % {"name": token.name})
    return redirect("tokens")


# --------------------------------------------------------------------------- staff


def _int_param(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    if value.isdigit() and len(value) < 19:
        return int(value)
    return None


@page
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    before = _int_param(request, "before_seq")
    action = request.GET.get("action", "").strip()[:64].replace("\x00", "")
    entries = selectors.audit_entries(access=access_of(request), limit=AUDIT_PAGE_SIZE,
                                      before_seq=before, action=action or None)
    return render(request, "accounts/audit.html", {
        "entries": entries,
        "action": action,
        "before_seq": before,
        "older": entries[-1].seq if len(entries) == AUDIT_PAGE_SIZE else None,
    })


@page
@require_GET
def audit_verify(request: HttpRequest) -> HttpResponse:
    result = selectors.audit_check(access=access_of(request))
    template = "accounts/_audit_verify.html" if _is_htmx(request) else "accounts/audit_verify.html"
    return render(request, template, {"result": result})


@page
@require_GET
def identities(request: HttpRequest) -> HttpResponse:
    records = selectors.identities_export(access=access_of(request), actor=actor_of(request))
    return render(request, "accounts/identities.html", {"records": records})
