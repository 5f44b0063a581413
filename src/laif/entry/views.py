"""Pages of the single point of entry: the intake form (anyone), what it was routed to and the
next steps, the follow page of a request (its link from the e-mail, or the requester's account),
a person's requests, and the staff inbox with what staff do there."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from laif.accounts import selectors as account_selectors
from laif.accounts.errors import DomainError, NotFound, PermissionDenied
from laif.accounts.requestinfo import access_of, actor_of, client_ip, current_user
from laif.accounts.views import domain_pages, form_action, page, request_user
from laif.catalogue import load_pillars
from laif.catalogue.entry import load_triage
from laif.entry import forms, selectors, services
from laif.entry.models import Intake, IntakeStatus, Outcome

if TYPE_CHECKING:
    from laif.accounts.access import Access
    from laif.accounts.models import User

SESSION_KEY = "entry_submitted"


def _language() -> str:
    return get_language() or "en"


@dataclass(frozen=True)
class Routed:
    rule: str
    service: str
    pillar: str
    because: str


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    text: str
    url: str = ""
    action: str = ""


def routed(intake: Intake) -> list[Routed]:
    """The rules that routed a request, in the page's language, as they were when it was
    routed (the reasons are kept with the request)."""
    language = _language()
    pillars = {p.key: p.title_in(language) for p in load_pillars().pillars}
    return [Routed(str(m["rule"]), selectors.service_label(str(m["service"]), language),
                   pillars.get(str(m["pillar"]), str(m["pillar"])),
                   str(m["because_fr"] if language.startswith("fr") else m["because_en"]))
            for m in intake.classification]


def gpu_request_query(intake: Intake) -> str:
    """The allocation request form's fields, filled in from a request."""
    triage = load_triage()
    sensitive = {"personal", "health"} & set(intake.data_kinds)
    title = triage.label("goal", intake.goal, _language())
    if intake.organisation_name:
        title = f"{title}: {intake.organisation_name}"
    return urlencode({"title": title[:200], "justification": intake.description[:5000],
                      "data_sensitivity": "personal" if sensitive else "", "intake": intake.pk})


def _admin_step(access: Access, user: User | None, key: str, title: str, text: str,
                url_name: str, action: str, query: str = "") -> Step:
    """A step an organisation's admin takes on a page of that organisation: the link for an
    admin, the sign-up for someone without an account, who does it for anyone else."""
    admin = access.admin_org_ids
    if admin:
        return Step(key, title, text, reverse(url_name, kwargs={"org_id": admin[0]}) + query,
                    action)
    if user is None:
        return Step(key, title, _("Register your organisation first. %(text)s") % {"text": text},
                    reverse("signup"), _("Create an account"))
    return Step(key, title, _("An administrator of your organisation does this. %(text)s")
                % {"text": text})


def next_steps(request: HttpRequest, intake: Intake) -> list[Step]:
    """What the requester can do now, for each next step the routing proposes."""
    user = current_user(request)
    access = access_of(request)
    keys = list(dict.fromkeys(str(m["next_step"]) for m in intake.classification))
    if intake.outcome == Outcome.GPU_REQUEST and "gpu_request" not in keys:
        keys.insert(0, "gpu_request")
    days = load_triage().working_days
    steps: list[Step] = []
    for key in keys:
        if key == "funding_check":
            steps.append(_admin_step(
                access, user, key, _("Check the funding open to you"),
                _("Each instrument as eligible, not eligible or to check, with the amount and "
                  "the reasons."), "funding_check", _("Run the funding check")))
        elif key == "roadmap":
            steps.append(_admin_step(
                access, user, key, _("A roadmap for this use case"),
                _("Its objective, indicator, expected return and horizon, what comes first, and "
                  "the factory's services and funding for each step."), "use_case_new",
                _("Start the roadmap"), "?" + urlencode({
                    "title": load_triage().label("goal", intake.goal, _language())[:200],
                    "objective": intake.description[:2000]})))
        elif key == "gpu_request":
            projects = [p for p in account_selectors.projects_for(access)
                        if access.can_manage_project(p.pk, p.organisation_id)] if user else []
            url = (reverse("compute_request_new", kwargs={"project_id": projects[0].pk})
                   + "?" + gpu_request_query(intake)) if projects else (
                reverse("signup") if user is None else reverse("projects"))
            steps.append(Step(key, _("Request GPU-hours on MeluXina-AI"), _(
                "For a project of your organisation; the form is filled in from your request.")
                if projects else _("GPU-hours are requested for a project: create an account "
                                   "and a project first.") if user is None else _(
                "GPU-hours are requested for a project you lead: create one first."),
                url, _("Request GPU-hours") if projects else
                _("Create an account") if user is None else _("Your projects")))
        elif key == "maturity_check":
            steps.append(_admin_step(
                access, user, key, _("AI maturity check"),
                _("Seven dimensions, from strategy and data to governance and adoption, each "
                  "scored, with what holds each back."), "maturity_take", _("Take the check")))
        elif key == "course":
            steps.append(Step(key, _("A course"), _(
                "From executive awareness to GPU optimisation: the catalogue, with the courses "
                "your maturity check recommends."), reverse("train_catalogue"),
                _("See the courses")))
        elif key == "expert":
            steps.append(Step(key, _("An expert or a partner"), _(
                "The academic, technology and sector experts your need matches, and an "
                "introduction to them."), reverse("connect_find") + "?" + urlencode(
                {"need": intake.description[:2000]}), _("Find experts for this need")))
        else:
            steps.append(Step(key, _("A conversation with the factory's team"), _(
                "We answer within %(days)d working days.") % {"days": days}))
    return steps


@domain_pages
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    initial: dict[str, Any] = {"language": _language()[:2]}
    goal = request.GET.get("goal", "")
    if goal in {item.key for item in load_triage().choices["goal"]}:
        initial["goal"] = goal  # from a pillar of the front page
    if user is not None:
        orgs = list(account_selectors.organisations_for(access_of(request))[:1])
        if orgs:
            initial["organisation"] = orgs[0].name
    form = forms.IntakeForm(request.POST or None, logged_in=user is not None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        contact = services.Contact(
            name=(user.get_full_name() or user.email) if user else data["contact_name"],
            email=user.email if user else data["email"], organisation=data["organisation"],
            language=data["language"])
        try:
            done = services.intake_submit(user=user, need=form.need(), contact=contact,
                                          description=data["description"],
                                          ip=client_ip(request))
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            request.session[SESSION_KEY] = done.intake.pk
            return redirect("entry_sent")
    return render(request, "entry/start.html", {"form": form, "triage": load_triage()})


@domain_pages
@require_GET
def sent(request: HttpRequest) -> HttpResponse:
    """What a request just sent was routed to, and the next steps (this browser's last one)."""
    intake = selectors.intake_sent(request.session.get(SESSION_KEY))
    if intake is None:
        return redirect("entry_start")
    return render(request, "entry/sent.html", {
        "intake": intake, "routed": routed(intake), "steps": next_steps(request, intake),
        "triage": load_triage()})


def _detail_context(request: HttpRequest, view: selectors.IntakeView,
                    **forms_: Any) -> dict[str, Any]:
    intake = view.intake
    triage = load_triage()
    language = _language()
    context: dict[str, Any] = {
        "view": view, "intake": intake, "routed": routed(intake),
        "steps": next_steps(request, intake) if not view.as_staff else [],
        "answers": [
            (_("Goal"), triage.label("goal", intake.goal, language)),
            (_("Sector"), triage.label("sector", intake.sector, language)),
            (_("Data held"), ", ".join(triage.label("data", d, language)
                                       for d in intake.data_kinds)),
            (_("Budget"), triage.label("budget", intake.budget, language)),
            (_("Start"), triage.label("timeline", intake.timeline, language)),
        ],
        "referral": selectors.service_label(intake.referral_service, language)
        if intake.referral_service else "",
        "reply_form": forms_.get("reply_form") or forms.ReplyForm(),
    }
    if view.can_work:
        owners = [(u.pk, u.get_full_name() or u.email) for u in selectors.owners()]
        context.update({
            "assign_form": forms_.get("assign_form") or forms.AssignForm(
                owners=owners, initial={"owner": intake.owner_id}),
            "status_form": forms_.get("status_form") or forms.StatusForm(
                initial={"status": intake.status}),
            "comment_form": forms_.get("comment_form") or forms.CommentForm(),
            "conclude_form": forms_.get("conclude_form") or forms.ConcludeForm(),
        })
    return context


@page
@require_GET
def detail(request: HttpRequest, intake_id: int) -> HttpResponse:
    view = selectors.intake_get(access=access_of(request), user=request_user(request),
                                intake_id=intake_id)
    return render(request, "entry/detail.html", _detail_context(request, view))


@domain_pages
@require_http_methods(["GET", "POST"])
def follow(request: HttpRequest, token: str) -> HttpResponse:
    """A request's follow link: confirms the address the first time, then shows the request
    and takes the requester's replies."""
    if request.method == "POST":
        intake = services.intake_of_token(token)
        form = forms.ReplyForm(request.POST)
        if form.is_valid():
            try:
                services.intake_reply(intake_id=intake.pk, actor=actor_of(request),
                                      text=form.cleaned_data["text"])
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                messages.success(request, _("Your message is sent to the factory's team."))
                return redirect("entry_follow", token=token)
        view = selectors.intake_followed(intake)
        return render(request, "entry/detail.html", {
            **_detail_context(request, view, reply_form=form), "token": token}, status=400)
    was = services.intake_of_token(token).status
    intake = services.intake_verify(token=token, ip=client_ip(request))
    if was == IntakeStatus.UNVERIFIED:
        messages.success(request, _("Thank you: your address is confirmed and your request is "
                                    "with the factory's team."))
    view = selectors.intake_followed(intake)
    return render(request, "entry/detail.html", {**_detail_context(request, view),
                                                 "token": token})


@page
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    return render(request, "entry/list.html", {
        "intakes": selectors.intakes_of(request_user(request)), "triage": load_triage()})


@page
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    access = access_of(request)
    status = request.GET.get("status", "")
    if status not in IntakeStatus.values or status == IntakeStatus.UNVERIFIED:
        status = ""
    mine_only = request.GET.get("mine") == "1"
    overdue_only = request.GET.get("overdue") == "1"
    intakes = selectors.inbox(access=access, status=status, mine=mine_only,
                              overdue_only=overdue_only)
    return render(request, "entry/inbox.html", {
        "rows": [(i, selectors.overdue(i)) for i in intakes],
        "counts": selectors.inbox_counts(access=access), "status": status,
        "mine": mine_only, "overdue_only": overdue_only,
        "statuses": [s for s in IntakeStatus if s != IntakeStatus.UNVERIFIED],
        "triage": load_triage()})


def _staff_action(request: HttpRequest, intake_id: int, name: str, form: Any,
                  act: Any, done: str) -> HttpResponse:
    if form_action(request, form, act, done):
        return redirect("entry_detail", intake_id=intake_id)
    view = selectors.intake_get(access=access_of(request), user=request_user(request),
                                intake_id=intake_id)
    return render(request, "entry/detail.html",
                  _detail_context(request, view, **{name: form}), status=400)


@page
@require_POST
def assign(request: HttpRequest, intake_id: int) -> HttpResponse:
    owners = [(u.pk, u.email) for u in selectors.owners()]
    return _staff_action(
        request, intake_id, "assign_form", forms.AssignForm(request.POST, owners=owners),
        lambda d: services.intake_assign(access=access_of(request), actor=actor_of(request),
                                         intake_id=intake_id, owner_id=d["owner"]),
        _("The owner is saved."))


@page
@require_POST
def move(request: HttpRequest, intake_id: int) -> HttpResponse:
    return _staff_action(
        request, intake_id, "status_form", forms.StatusForm(request.POST),
        lambda d: services.intake_move(access=access_of(request), actor=actor_of(request),
                                       intake_id=intake_id, status=d["status"]),
        _("The status is saved; the requester is told."))


@page
@require_POST
def comment(request: HttpRequest, intake_id: int) -> HttpResponse:
    return _staff_action(
        request, intake_id, "comment_form", forms.CommentForm(request.POST),
        lambda d: services.intake_comment(access=access_of(request), actor=actor_of(request),
                                          intake_id=intake_id, text=d["text"],
                                          public=d["public"]),
        _("The comment is saved."))


@page
@require_POST
def conclude(request: HttpRequest, intake_id: int) -> HttpResponse:
    return _staff_action(
        request, intake_id, "conclude_form", forms.ConcludeForm(request.POST),
        lambda d: services.intake_conclude(access=access_of(request), actor=actor_of(request),
                                           intake_id=intake_id, outcome=d["outcome"],
                                           service=d["service"], note=d["note"]),
        _("The outcome is saved; the requester is told."))


@page
@require_POST
def reply(request: HttpRequest, intake_id: int) -> HttpResponse:
    user = request_user(request)
    view = selectors.intake_get(access=access_of(request), user=user, intake_id=intake_id)
    if not selectors.is_requester(view.intake, user):
        raise PermissionDenied(_("Only the requester replies here; staff comment."))
    return _staff_action(
        request, intake_id, "reply_form", forms.ReplyForm(request.POST),
        lambda d: services.intake_reply(intake_id=intake_id, actor=actor_of(request),
                                        text=d["text"]),
        _("Your message is sent to the factory's team."))
