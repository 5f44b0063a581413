"""Pages of the roadmap: the organisation's use cases (objective, KPI, expected return and
horizon, prerequisites, the factory's services and funding, a GPU request filled in from the use
case), drafted from the latest maturity check, edited by the organisation's admins, and its
PDF."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from laif.accounts import selectors as account_selectors
from laif.accounts.errors import DomainError, NotFound, PermissionDenied
from laif.accounts.requestinfo import access_of, actor_of
from laif.accounts.views import page
from laif.assess import forms, selectors, services
from laif.assess.models import UseCase
from laif.billing.pdf import attachment, html_pdf
from laif.catalogue.entry import load_triage
from laif.catalogue.funding import load_funding

PREFILL = {"title": 200, "objective": 2000, "kpi": 300}


@dataclass(frozen=True)
class Card:
    use_case: UseCase
    prerequisites: list[str]
    services: list[str]
    funding: list[str]
    gpu_link: str


def gpu_link(request: HttpRequest, use_case: UseCase, organisation_id: int) -> str:
    """The allocation request form of a project of the organisation the person manages, filled
    in from the use case; "" when they manage none."""
    access = access_of(request)
    project = next((p for p in account_selectors.projects_for(access,
                                                              organisation_id=organisation_id)
                    if access.can_manage_project(p.pk, p.organisation_id)), None)
    if project is None or not use_case.gpu_hours:
        return ""
    query = {"title": use_case.title, "requested_gpu_hours": use_case.gpu_hours,
             "justification": f"{use_case.objective}\n\nKPI: {use_case.kpi}"}
    return (reverse("compute_request_new", kwargs={"project_id": project.pk}) + "?"
            + urlencode(query))


def cards(request: HttpRequest, use_cases: list[UseCase], organisation_id: int) -> list[Card]:
    language = get_language() or "en"
    services_ = load_triage().services
    instruments = {i.code: i for i in load_funding().instruments}
    return [Card(
        u, [line.lstrip("- ").strip() for line in u.prerequisites.splitlines() if line.strip()],
        [services_[k].in_language(language) for k in u.services if k in services_],
        [instruments[c].name.in_language(language) for c in u.funding if c in instruments],
        gpu_link(request, u, organisation_id)) for u in use_cases]


def _context(request: HttpRequest, org_id: int) -> dict[str, Any]:
    access, actor = access_of(request), actor_of(request)
    org = account_selectors.organisation_get(access=access, actor=actor, organisation_id=org_id)
    view = selectors.roadmap_of(access=access, organisation_id=org_id)
    language = get_language() or "en"
    return {"org": org, "view": view, "cards": cards(request, view.use_cases, org_id),
            "needs": [(n.dimension, n.score, n.prerequisite.in_language(language))
                      for n in view.needs],
            "is_admin": access.is_org_admin(org_id)}


@page
@require_GET
def roadmap_page(request: HttpRequest, org_id: int) -> HttpResponse:
    return render(request, "assess/roadmap.html", _context(request, org_id))


@page
@require_POST
def roadmap_draft(request: HttpRequest, org_id: int) -> HttpResponse:
    try:
        services.roadmap_draft(access=access_of(request), actor=actor_of(request),
                               organisation_id=org_id, language=get_language() or "en")
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your roadmap is drafted from your latest maturity check: "
                                    "make the first use case yours."))
    return redirect("roadmap", org_id=org_id)


@page
@require_http_methods(["GET", "POST"])
def use_case_edit(request: HttpRequest, org_id: int,
                  use_case_id: int | None = None) -> HttpResponse:
    access = access_of(request)
    context = _context(request, org_id)
    if not access.is_org_admin(org_id):
        raise PermissionDenied(_("An administrator of the organisation edits its roadmap."))
    found = None
    if use_case_id is not None:
        found = next((u for u in context["view"].use_cases if u.pk == use_case_id), None)
        if found is None:
            raise NotFound(_("No such use case."))
    initial: dict[str, Any] = {}
    if found is not None:
        initial = {name: getattr(found, name) for name in (
            "title", "objective", "kpi", "roi_percent", "horizon_months", "prerequisites",
            "services", "funding", "gpu_hours")}
    elif request.method == "GET":  # a request to the factory links here with its need
        initial = {name: request.GET[name].replace("\x00", "")[:limit]
                   for name, limit in PREFILL.items() if request.GET.get(name)}
    form = forms.UseCaseForm(request.POST or None, initial=initial or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.use_case_save(access=access, actor=actor_of(request),
                                   organisation_id=org_id, use_case_id=use_case_id,
                                   data=form.data_for_service())
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("The use case is saved."))
            return redirect("roadmap", org_id=org_id)
    return render(request, "assess/use_case_form.html", {**context, "form": form,
                                                         "use_case": found})


@page
@require_POST
def use_case_delete(request: HttpRequest, org_id: int, use_case_id: int) -> HttpResponse:
    services.use_case_delete(access=access_of(request), actor=actor_of(request),
                             organisation_id=org_id, use_case_id=use_case_id)
    messages.success(request, _("The use case is removed."))
    return redirect("roadmap", org_id=org_id)


def roadmap_pdf_bytes(request: HttpRequest, org_id: int) -> bytes:
    context = _context(request, org_id)
    if context["view"].roadmap is None:
        raise NotFound(_("The organisation has no roadmap yet."))
    return html_pdf(render_to_string("assess/roadmap_pdf.html", {
        **context, "printed_at": timezone.localtime()}, request=request))


@page
@require_GET
def roadmap_pdf(request: HttpRequest, org_id: int) -> HttpResponse:
    return attachment(roadmap_pdf_bytes(request, org_id), f"roadmap-{org_id}")
