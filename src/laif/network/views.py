"""Pages of the AI Factories network: the factories of the network (public) with a capability
filter saying who offers it and whether the local factory has it; for staff the referrals (a
list with filters, one referral with its history, its next steps and the request it is linked
to), referring a request of the single point of entry (the capabilities it needs that we lack,
then one of the factories offering them, best first) and registering a referral from another
factory."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from laif.accounts.access import Access
from laif.accounts.errors import NotFound, PermissionDenied
from laif.accounts.requestinfo import access_of, actor_of
from laif.accounts.views import domain_pages, form_action, page
from laif.catalogue.entry import load_triage
from laif.catalogue.factories import Claim, Factory, FactoryCatalogue
from laif.entry import selectors as entry_selectors
from laif.network import forms, selectors, services
from laif.network.models import Referral


def _lang() -> str:
    return (get_language() or "en")[:2]


def _claims(claims: tuple[Claim, ...], label: Any) -> list[dict[str, Any]]:
    return [{"key": c.key, "label": label(c.key, _lang()), "verified": c.verified,
             "note": c.note, "source": c.source} for c in claims]


def card(f: Factory, cat: FactoryCatalogue) -> dict[str, Any]:
    """A factory as the page shows it: its systems with their capabilities, its services,
    access modes and sectors as labelled facts, each with its source and whether it was read
    there."""
    sources = [f.source, *f.more_sources]
    return {
        "factory": f,
        "systems": [{"system": y, "capabilities": _claims(y.capabilities, cat.capability_label)}
                    for y in f.systems],
        "services": [{**c, "status": s.status} for c, s in zip(
            _claims(f.services, cat.capability_label), f.services, strict=True)],
        "access": _claims(f.access, cat.access_label),
        "sectors": _claims(f.sectors, cat.sector_label),
        "sources": sources,
        "unverified": not f.verified or any(not y.verified for y in f.systems) or any(
            not c.verified for c in (*(c for y in f.systems for c in y.capabilities),
                                     *f.services, *f.access, *f.sectors)),
    }


@require_GET
@domain_pages
def network(request: HttpRequest) -> HttpResponse:
    cat = selectors.catalogue()
    filters = forms.CapabilityFilterForm(request.GET or None, catalogue=cat)
    chosen = ""
    if filters.is_valid():
        chosen = filters.cleaned_data["capability"] or ""
    check = selectors.capability_check({chosen}) if chosen else None
    if check is None:
        shown = list(cat.factories)
    else:
        shown = ([cat.local] if check.local else []) + [o.factory for o in check.offering]
    return render(request, "network/network.html", {
        "nav": "network", "catalogue": cat, "filters": filters, "check": check,
        "chosen_label": cat.capability_label(chosen, _lang()) if chosen else "",
        "cards": [card(f, cat) for f in shown], "local": cat.local,
        "others": sum(1 for f in cat.factories if not f.local)})


# ------------------------------------------------------------------------------ staff


def _staff_reader(access: Access) -> None:
    if not selectors.can_read(access):
        raise PermissionDenied(_("Only the factory's operators, reviewers and auditors see "
                                 "referrals."))


@page
@require_GET
def referral_list(request: HttpRequest) -> HttpResponse:
    access = access_of(request)
    _staff_reader(access)
    cat = selectors.catalogue()
    filters = forms.ReferralFilterForm(request.GET or None, catalogue=cat)
    f = selectors.ReferralFilter()
    if filters.is_valid():
        f = selectors.ReferralFilter(**{k: v or "" for k, v in filters.cleaned_data.items()})
    found = selectors.referrals(access, f)
    return render(request, "network/referrals.html", {
        "nav": "referrals", "filters": filters, "can_work": selectors.can_work(access),
        "rows": [_row(r, cat) for r in found]})


def _row(r: Referral, cat: FactoryCatalogue) -> dict[str, Any]:
    f = cat.factory(r.factory)
    return {"referral": r, "factory": f.name if f else r.factory,
            "capabilities": [cat.capability_label(k, _lang()) for k in r.capabilities],
            "status_label": selectors.status_label(r.status)}


# the buttons of a change of status: what staff record (outgoing: what the other factory did)
ACTIONS = {
    "outgoing": {"sent": gettext_lazy("Mark as sent"), "accepted": gettext_lazy("They accepted"),
                 "declined": gettext_lazy("They declined"),
                 "completed": gettext_lazy("Mark as completed")},
    "incoming": {"accepted": gettext_lazy("Accept"), "declined": gettext_lazy("Decline"),
                 "completed": gettext_lazy("Mark as completed")},
}


def _detail_page(request: HttpRequest, referral_id: int, *,
                 status_form: forms.StatusForm | None = None, status: int = 200) -> HttpResponse:
    access = access_of(request)
    view = selectors.referral_get(access, referral_id)
    cat = selectors.catalogue()
    r = view.referral
    if status_form is None and view.next_statuses:
        status_form = forms.StatusForm(statuses=view.next_statuses,
                                       initial={"reference": r.reference})
    answers: list[tuple[str, str]] = []
    if r.direction == "incoming":
        triage = load_triage()
        answers = [
            (_("Sector"), triage.label("sector", r.sector, _lang())),
            (_("Data held"), ", ".join(triage.label("data", d, _lang()) for d in r.data_kinds)),
            (_("Budget"), triage.label("budget", r.budget, _lang())),
            (_("Start"), triage.label("timeline", r.timeline, _lang())),
        ]
    return render(request, "network/referral.html", {
        "nav": "referrals", "view": view, "r": r, "row": _row(r, cat),
        "card": card(view.factory, cat) if view.factory else None,
        "status_form": status_form, "answers": answers,
        "status_labels": {s: str(ACTIONS[r.direction].get(s, selectors.status_label(s)))
                          for s in view.next_statuses}},
        status=status)


@page
@require_GET
def referral_detail(request: HttpRequest, referral_id: int) -> HttpResponse:
    return _detail_page(request, referral_id)


@page
@require_POST
def referral_status(request: HttpRequest, referral_id: int) -> HttpResponse:
    access = access_of(request)
    view = selectors.referral_get(access, referral_id)
    if not view.can_work:
        raise PermissionDenied(_("Operators and reviewers handle referrals; you may read them."))
    form = forms.StatusForm(request.POST, statuses=view.next_statuses)
    if form_action(request, form, lambda d: services.referral_status(
            access=access, actor=actor_of(request), referral_id=referral_id,
            status=d["status"], note=d["note"], reference=d["reference"] or None),
            _("The referral's status is saved.")):
        return redirect("network_referral", referral_id=referral_id)
    return _detail_page(request, referral_id, status_form=form, status=400)


@page
@require_POST
def referral_conversion(request: HttpRequest, referral_id: int) -> HttpResponse:
    access = access_of(request)
    selectors.referral_get(access, referral_id)
    services.referral_convert(access=access, actor=actor_of(request), referral_id=referral_id)
    messages.success(request, _("The referral is now a request at the single point of entry; "
                                "its requester is asked to confirm their address."))
    return redirect("network_referral", referral_id=referral_id)


def _intake_id(request: HttpRequest) -> int:
    raw = request.GET.get("intake", "")
    if not raw.isdigit() or not 1 <= int(raw) <= 2_147_483_647:
        raise NotFound(_("No such request."))
    return int(raw)


def _worker(access: Access) -> None:
    if selectors.can_work(access):
        return
    if access.is_staff:
        raise PermissionDenied(_("Only the factory's operators and reviewers handle "
                                 "referrals."))
    raise NotFound(_("Page not found."))


@page
@require_http_methods(["GET", "POST"])
def refer(request: HttpRequest) -> HttpResponse:
    """Refer a request: pick the capabilities it needs that the local factory lacks, see the
    factories offering them best first, pick one."""
    access = access_of(request)
    _worker(access)
    intake_id = _intake_id(request)
    intake = entry_selectors.intake_get(access=access, user=None, intake_id=intake_id).intake
    cat, lang = selectors.catalogue(), _lang()
    lacking = [(k, c.in_language(lang)) for k, c in cat.capabilities.items()
               if k not in cat.local.capabilities]
    source = request.POST if request.method == "POST" else request.GET
    pick = forms.CapabilityPickForm(source if "capabilities" in source else None,
                                    choices=lacking)
    chosen: list[str] = pick.cleaned_data["capabilities"] if pick.is_valid() else []
    check = selectors.capability_check(set(chosen)) if chosen else None
    form = None
    if check is not None:
        every = [o for o in check.offering if len(o.offers) == len(check.missing_locally)]
        form = forms.ReferForm(
            request.POST if request.method == "POST" else None,
            initial={"capabilities": chosen, "factory": every[0].factory.key if every else ""},
            factories=[(o.factory.key, o.factory.name) for o in every],
            capabilities=lacking)
        if request.method == "POST":
            made: list[Referral] = []
            if form_action(request, form, lambda d: made.append(
                    services.referral_create_outgoing(
                        access=access, actor=actor_of(request), intake_id=intake.pk,
                        factory=d["factory"], capabilities=d["capabilities"], note=d["note"])),
                    _("The request is referred; send it to the factory, then mark it sent.")):
                return redirect("network_referral", referral_id=made[0].pk)
    labels = dict(lacking)
    return render(request, "network/refer.html", {
        "nav": "referrals", "intake": selectors.intake_summary(intake.pk),
        "description": intake.description, "pick": pick, "check": check, "form": form,
        "pick_rows": [{"key": k, "label": label, "checked": k in chosen,
                       "offered_by": [o.factory.name for o in
                                      selectors.capability_check({k}).offering]}
                      for k, label in lacking],
        "nowhere": [labels[k] for k in check.nowhere] if check else [],
        "offers": [{"offer": o, "capabilities": [
            {"label": labels[k], "operational": k in o.operational, "verified": k in o.verified}
            for k in o.offers]} for o in check.offering] if check else [],
        "existing": selectors.referrals_of_intake(access, intake.pk)},
        status=400 if (form is not None and form.errors) or pick.errors else 200)


@page
@require_http_methods(["GET", "POST"])
def incoming(request: HttpRequest) -> HttpResponse:
    access = access_of(request)
    _worker(access)
    form = forms.IncomingForm(request.POST or None, catalogue=selectors.catalogue())
    if request.method == "POST":
        made: list[Referral] = []
        if form_action(request, form, lambda d: made.append(
                services.referral_register_incoming(access=access, actor=actor_of(request),
                                                    **d)),
                _("The referral is registered.")):
            return redirect("network_referral", referral_id=made[0].pk)
    return render(request, "network/incoming.html", {"nav": "referrals", "form": form},
                  status=400 if form.errors else 200)
