"""Pages of Connect: describe a need and see the experts it matches with why, ask one for an
introduction, follow it (the expert accepts or declines; contact details only then), the public
directory, and the operators' list of who answers for an expert."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from laif.accounts.access import Access
from laif.accounts.errors import Conflict, DomainError, PermissionDenied
from laif.accounts.requestinfo import access_of, actor_of
from laif.accounts.selectors import organisations_for
from laif.accounts.views import domain_pages, form_action, page
from laif.connect import forms, selectors, services
from laif.connect.models import Introduction


def _lang() -> str:
    return (get_language() or "en")[:2]


def _sectors() -> list[tuple[str, str]]:
    return [(s.key, s.in_language(_lang())) for s in selectors.directory().sectors]


def _organisations(access: Access) -> list[tuple[int, str]]:
    return [(o.pk, o.name) for o in organisations_for(access).filter(
        pk__in=list(access.org_roles))]


@page
@require_GET
def find(request: HttpRequest) -> HttpResponse:
    access = access_of(request)
    form = forms.NeedForm(request.GET or None, sectors=_sectors())
    results: list[selectors.Result] = []
    if request.GET and form.is_valid():
        try:
            results = selectors.match(need=form.cleaned_data["need"],
                                      sector=form.cleaned_data["sector"] or None,
                                      language=None, page_language=_lang())
        except DomainError as exc:
            form.add_domain_error(exc)
    orgs = _organisations(access)
    asks = [(r, forms.IntroductionForm(initial={
        "expert_key": r.expert.key, "need": form.cleaned_data.get("need", ""),
        "sector": form.cleaned_data.get("sector", "")}, organisations=orgs,
        prefix=f"x{r.rank}")) for r in results] if orgs and form.is_bound and form.is_valid() \
        else [(r, None) for r in results]
    languages = {"en": _("English"), "fr": _("French"), "de": _("German")}
    return render(request, "connect/find.html", {
        "nav": "connect", "form": form, "asks": asks, "searched": bool(request.GET),
        "read_as": languages.get(results[0].language, "") if results else ""},
        status=400 if form.errors else 200)


@page
@require_POST
def introduction_new(request: HttpRequest) -> HttpResponse:
    access = access_of(request)
    prefix = next((k.split("-", 1)[0] for k in request.POST if k.endswith("-expert_key")), None)
    form = forms.IntroductionForm(request.POST, organisations=_organisations(access),
                                  prefix=prefix)
    made: list[Introduction] = []
    if form_action(request, form, lambda d: made.append(services.introduction_request(
            access=access, actor=actor_of(request), organisation_id=d["organisation_id"],
            expert_key=d["expert_key"], need=d["need"], sector=d["sector"],
            message=d["message"])), _("Introduction requested: the expert is told.")):
        return redirect("connect_introduction", introduction_id=made[0].pk)
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))
    return redirect("connect_introductions")


@page
@require_GET
def introductions(request: HttpRequest) -> HttpResponse:
    access = access_of(request)
    names = {e.key: e.name for e in selectors.directory().experts}
    ours = [(org_name, [(i, names.get(i.expert_key, i.expert_key))
                        for i in selectors.introductions_of(access, org_id)])
            for org_id, org_name in _organisations(access)]
    return render(request, "connect/introductions.html", {
        "nav": "connect", "ours": ours,
        "to_answer": [(i, names.get(i.expert_key, i.expert_key))
                      for i in selectors.introductions_to_answer(access)]})


@page
@require_http_methods(["GET", "POST"])
def introduction(request: HttpRequest, introduction_id: int) -> HttpResponse:
    access = access_of(request)
    view = selectors.introduction_get(access, introduction_id)
    form = forms.DecisionForm(request.POST or None) if view.answers else None
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "withdraw":
            try:
                services.introduction_withdraw(access=access, actor=actor_of(request),
                                               introduction_id=introduction_id)
                messages.success(request, _("Request withdrawn."))
            except Conflict as exc:
                messages.error(request, exc.message)
            return redirect("connect_introduction", introduction_id=introduction_id)
        if form is None or action not in ("accept", "decline"):
            raise PermissionDenied(_("Only the expert's contacts answer."))
        if form_action(request, form, lambda d: services.introduction_decide(
                access=access, actor=actor_of(request), introduction_id=introduction_id,
                accept=action == "accept", answer=d["answer"]),
                _("Your answer is sent.")):
            return redirect("connect_introduction", introduction_id=introduction_id)
    d = selectors.directory()
    return render(request, "connect/introduction.html", {
        "nav": "connect", "v": view, "i": view.introduction, "form": form,
        "competences": [d.competence(c).in_language(_lang()) for c in
                        view.introduction.competences
                        if c in {x.key for x in d.competences}]},
        status=400 if form is not None and form.errors else 200)


@require_GET
@domain_pages
def experts(request: HttpRequest) -> HttpResponse:
    d, lang = selectors.directory(), _lang()
    rows: list[dict[str, Any]] = []
    for p in d.partners:
        rows.append({"partner": p, "description": p.description_in(lang), "experts": [
            {"expert": e, "competences": [d.competence(c).in_language(lang)
                                          for c in e.competences]}
            for e in d.experts if e.partner == p.key]})
    return render(request, "connect/experts.html", {"nav": "connect", "partners": rows,
                                                    "directory": d})


@page
@require_http_methods(["GET", "POST"])
def contacts(request: HttpRequest) -> HttpResponse:
    access = access_of(request)
    if "operator" not in access.staff_roles:
        raise PermissionDenied(_("Only the factory's operators do this."))
    d = selectors.directory()
    form = forms.ContactForm(request.POST or None, experts=[
        (e.key, f"{e.name} ({d.partner(e.partner).name})") for e in d.experts])
    if request.method == "POST" and form_action(
            request, form, lambda x: services.expert_contact_add(
                access=access, actor=actor_of(request), expert_key=x["expert_key"],
                email=x["email"], phone=x["phone"]), _("The person now answers for the expert.")):
        return redirect("connect_contacts")
    names = {e.key: e.name for e in d.experts}
    rows = [(names.get(c.expert_key, c.expert_key), c) for c in
            selectors.all_contacts()]
    return render(request, "connect/contacts.html", {"nav": "connect", "form": form,
                                                     "rows": rows},
                  status=400 if form.errors else 200)
