"""Pages of the AI system register: an organisation's systems (and registering one), a system
with its classification, the articles behind it and its obligations, and the AI Act
questionnaire."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from laif.accounts.access import Access
from laif.accounts.errors import PermissionDenied
from laif.accounts.language import active_language
from laif.accounts.requestinfo import access_of, actor_of
from laif.accounts.selectors import organisation_get, projects_for
from laif.accounts.views import form_action, page
from laif.catalogue.ai_act import article_in, load_ai_act
from laif.govern import forms, selectors, services
from laif.govern.models import AiSystem, ObligationStatus


def _projects(access: Access, org_id: int) -> list[tuple[int, str]]:
    """The organisation's projects this person may tie a system to."""
    return [(p.pk, p.name) for p in projects_for(access, organisation_id=org_id)
            if access.can_manage_project(p.pk, org_id)]


@page
@require_http_methods(["GET", "POST"])
def systems(request: HttpRequest, org_id: int) -> HttpResponse:
    access, actor = access_of(request), actor_of(request)
    org = organisation_get(access=access, actor=actor, organisation_id=org_id)
    found = selectors.systems_of(access=access, organisation_id=org_id)
    projects = _projects(access, org_id)
    may_register = access.is_org_admin(org_id) or bool(projects)
    form = forms.SystemForm(request.POST or None, projects=projects)
    if request.method == "POST":
        if not may_register:
            raise PermissionDenied(_("An administrator of the organisation, or a lead of the "
                                     "system's project, registers it."))
        made: list[AiSystem] = []
        if form_action(request, form, lambda d: made.append(services.ai_system_register(
                access=access, actor=actor, organisation_id=org_id, name=d["name"],
                purpose=d["purpose"], project_id=d["project_id"])),
                _("The AI system is registered: classify it now.")):
            return redirect("ai_system_classify", system_id=made[0].pk)
    return render(request, "govern/systems.html", {
        "org": org, "systems": found, "form": form, "may_register": may_register})


def _detail_context(request: HttpRequest, system: AiSystem) -> dict[str, Any]:
    access = access_of(request)
    history = selectors.classifications_of(system)
    language = active_language()
    latest = history[-1] if history else None
    context: dict[str, Any] = {
        "system": system, "org": system.organisation, "latest": latest,
        "conclusions": [(article_in(c["article"], language), c.get(language, c["en"]))
                        for c in (latest.conclusions if latest else [])],
        "history": list(reversed(history)),
        "rows": [(row, article_in(row.obligation.article, language),
                  row.rule.in_language(language) if row.rule else row.obligation.key,
                  forms.ObligationForm(initial={"status": row.obligation.status,
                                                "evidence": row.obligation.evidence},
                                       prefix=row.obligation.key))
                 for row in selectors.obligations_of(system)],
        "may_edit": selectors.may_edit(access, system), "book": load_ai_act(),
    }
    required = [row for row, _article, _text, _form in context["rows"]
                if row.obligation.required]
    context["required"] = len(required)
    context["met"] = sum(row.obligation.status == ObligationStatus.MET for row in required)
    return context


@page
@require_GET
def system_detail(request: HttpRequest, system_id: int) -> HttpResponse:
    system = selectors.system_get(access=access_of(request), actor=actor_of(request),
                                  system_id=system_id)
    return render(request, "govern/system.html", _detail_context(request, system))


@page
@require_http_methods(["GET", "POST"])
def classify(request: HttpRequest, system_id: int) -> HttpResponse:
    access, actor = access_of(request), actor_of(request)
    system = selectors.system_get(access=access, actor=actor, system_id=system_id)
    if not selectors.may_edit(access, system):
        raise PermissionDenied(_("An administrator of the organisation, or a lead of the "
                                 "system's project, changes its register entry."))
    history = selectors.classifications_of(system)
    form = forms.ClassifyForm(request.POST or None,
                              initial=history[-1].answers if history else {"roles": ["provider"]})
    if request.method == "POST" and form_action(
            request, form, lambda d: services.ai_system_classify(
                access=access, actor=actor, system_id=system_id, answers=form.answers()),
            _("The system is classified.")):
        return redirect("ai_system", system_id=system_id)
    return render(request, "govern/classify.html", {"system": system, "org": system.organisation,
                                                    "form": form, "book": form.book})


@page
@require_POST
def obligation(request: HttpRequest, system_id: int, key: str) -> HttpResponse:
    access, actor = access_of(request), actor_of(request)
    system = selectors.system_get(access=access, actor=actor, system_id=system_id)
    form = forms.ObligationForm(request.POST, prefix=key)
    if form_action(request, form, lambda d: services.obligation_update(
            access=access, actor=actor, system_id=system_id, key=key, status=d["status"],
            evidence=d["evidence"] or ""), _("The obligation is updated.")):
        return redirect(reverse("ai_system", kwargs={"system_id": system_id}) + f"#obligation-{key}")
    context = _detail_context(request, system)
    context["rows"] = [(row, article, text, form if row.obligation.key == key else f)
                       for row, article, text, f in context["rows"]]
    return render(request, "govern/system.html", context, status=400)
