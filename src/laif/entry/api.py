"""REST endpoints of the single point of entry: routing a need (anyone), a person's requests,
and the staff inbox. Someone not logged in writes through the page, whose follow link proves
their address; the API takes requests from accounts."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Status

from laif.accounts.errors import DomainError, PermissionDenied
from laif.accounts.requestinfo import access_of, actor_of, client_ip, current_user
from laif.catalogue.entry import load_triage
from laif.config.apitypes import Id
from laif.entry import schemas as s
from laif.entry import selectors, services
from laif.entry import triage as rules

router = Router(tags=["single point of entry"])


def _need(data: s.NeedIn) -> rules.Need:
    return rules.Need(goal=data.goal, sector=data.sector, data=frozenset(data.data),
                      budget=data.budget, timeline=data.timeline)


def _match(m: dict[str, Any], language: str) -> s.MatchOut:
    return s.MatchOut(rule=str(m["rule"]), service=str(m["service"]), pillar=str(m["pillar"]),
                      next_step=str(m["next_step"]),
                      because=str(m["because_fr" if language.startswith("fr") else "because_en"]))


def _out(view: selectors.IntakeView) -> s.IntakeOut:
    i = view.intake
    return s.IntakeOut(
        id=i.pk, created_at=i.created_at, status=i.status, goal=i.goal, sector=i.sector,
        data=list(i.data_kinds), budget=i.budget, timeline=i.timeline, language=i.language,
        description=i.description, organisation=i.organisation_name, contact_name=i.contact_name,
        email=i.email, rules_version=i.rules_version,
        matches=[_match(m, i.language) for m in i.classification],
        owner=i.owner.email if i.owner else None, respond_by=i.respond_by,
        responded_at=i.responded_at, overdue=view.overdue, outcome=i.outcome,
        referral_service=i.referral_service,
        events=[s.EventOut(at=e.at, kind=e.kind, public=e.public, text=e.text,
                           actor=e.actor.email if e.actor and view.as_staff
                           else ("factory" if e.actor_id else ""))
                for e in view.events])


def _get(request: HttpRequest, intake_id: int) -> s.IntakeOut:
    return _out(selectors.intake_get(access=access_of(request), user=current_user(request),
                                     intake_id=intake_id))


@router.post("/entry/classify", auth=None, response=s.ClassifyOut,
             summary="Route a need to the factory's services (nothing is stored)",
             description="The rules of catalogue/entry.json that match, each with its reason, the "
             "next steps they propose and the response time target in working days.")
def classify(request: HttpRequest, data: s.NeedIn,
             language: Literal["en", "fr", "de"] = "en") -> s.ClassifyOut:
    triage = load_triage()
    try:
        matches = rules.classify(_need(data), triage)
    except rules.NeedError as exc:
        raise DomainError("Choose one of the answers offered.", field=exc.field) from exc
    return s.ClassifyOut(
        rules_version=triage.version,
        matches=[s.MatchOut(rule=m.rule, service=m.service, pillar=m.pillar,
                            next_step=m.next_step, because=m.because(language))
                 for m in matches],
        next_steps=list(rules.next_steps(matches)),
        response_working_days=rules.working_days(matches, triage.working_days))


@router.post("/entry/requests", response={201: s.IntakeOut},
             summary="Describe a need to the factory (as the account's person)")
def intake_submit(request: HttpRequest, data: s.IntakeIn) -> Status[Any]:
    user = current_user(request)
    assert user is not None  # authenticated endpoint
    done = services.intake_submit(
        user=user, need=_need(data),
        contact=services.Contact(name=user.get_full_name() or user.email, email=user.email,
                                 organisation=data.organisation, language=data.language),
        description=data.description, ip=client_ip(request))
    return Status(201, _get(request, done.intake.pk))


@router.get("/entry/requests", response=list[s.IntakeOut],
            summary="Your requests to the factory")
def intake_list(request: HttpRequest) -> list[s.IntakeOut]:
    user = current_user(request)
    assert user is not None
    return [_out(selectors.intake_followed(i)) for i in selectors.intakes_of(user)]


@router.get("/entry/requests/{intake_id}", response=s.IntakeOut,
            summary="One request with its history (the requester or staff)")
def intake_get(request: HttpRequest, intake_id: Id) -> s.IntakeOut:
    return _get(request, intake_id)


@router.get("/entry/inbox", response=list[s.IntakeOut],
            summary="The staff inbox: open requests, oldest target first")
def inbox(request: HttpRequest, status: Query[s.InboxFilter]) -> list[s.IntakeOut]:
    access = access_of(request)
    found = selectors.inbox(access=access, status=status.status or "", mine=status.mine,
                            overdue_only=status.overdue)
    return [_out(selectors.IntakeView(i, [], True, False, selectors.overdue(i))) for i in found]


@router.post("/entry/requests/{intake_id}/assign", response=s.IntakeOut,
             summary="Give a request an owner (inbox staff)")
def assign(request: HttpRequest, intake_id: Id, data: s.AssignIn) -> s.IntakeOut:
    services.intake_assign(access=access_of(request), actor=actor_of(request),
                           intake_id=intake_id, owner_id=data.owner_id)
    return _get(request, intake_id)


@router.post("/entry/requests/{intake_id}/status", response=s.IntakeOut,
             summary="Move a request to another status (inbox staff)")
def move(request: HttpRequest, intake_id: Id, data: s.StatusIn) -> s.IntakeOut:
    services.intake_move(access=access_of(request), actor=actor_of(request),
                         intake_id=intake_id, status=data.status)
    return _get(request, intake_id)


@router.post("/entry/requests/{intake_id}/comments", response={201: s.IntakeOut},
             summary="Comment on a request: an internal note or to the requester (inbox staff)")
def comment(request: HttpRequest, intake_id: Id, data: s.CommentIn) -> Status[Any]:
    services.intake_comment(access=access_of(request), actor=actor_of(request),
                            intake_id=intake_id, text=data.text, public=data.public)
    return Status(201, _get(request, intake_id))


@router.post("/entry/requests/{intake_id}/outcome", response=s.IntakeOut,
             summary="Turn a request into a GPU request or a referral (inbox staff)")
def outcome(request: HttpRequest, intake_id: Id, data: s.OutcomeIn) -> s.IntakeOut:
    services.intake_conclude(access=access_of(request), actor=actor_of(request),
                             intake_id=intake_id, outcome=data.outcome, service=data.service,
                             note=data.note)
    return _get(request, intake_id)


@router.post("/entry/requests/{intake_id}/replies", response={201: s.IntakeOut},
             summary="Reply on your request (the requester)")
def reply(request: HttpRequest, intake_id: Id, data: s.ReplyIn) -> Status[Any]:
    user = current_user(request)
    assert user is not None
    view = selectors.intake_get(access=access_of(request), user=user, intake_id=intake_id)
    if not selectors.is_requester(view.intake, user):
        raise PermissionDenied("Only the requester replies; staff comment.")
    services.intake_reply(intake_id=intake_id, actor=actor_of(request), text=data.text)
    return Status(201, _get(request, intake_id))
