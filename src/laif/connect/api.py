"""REST endpoints of Connect: the directory of experts (public), a need matched to them with the
competences that matched, introductions asked by a company and answered by the expert, and the
operators' list of who answers for an expert."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import get_language
from ninja import Router, Status

from laif.accounts.requestinfo import access_of, actor_of
from laif.catalogue.connect import Expert
from laif.config.apitypes import Id
from laif.connect import schemas as s
from laif.connect import selectors, services
from laif.connect.models import Introduction

router = Router(tags=["Connect"])


def _lang() -> str:
    return (get_language() or "en")[:2]


def _expert(e: Expert) -> s.ExpertOut:
    d, lang = selectors.directory(), _lang()
    return s.ExpertOut(
        key=e.key, name=e.name, partner=e.partner, partner_name=d.partner(e.partner).name,
        description=e.description,
        competences=[s.Competence(key=c, label=d.competence(c).in_language(lang))
                     for c in e.competences],
        sectors=list(e.sectors), languages=list(e.languages), source=e.source,
        verified=e.verified)


def _intro(view: selectors.IntroductionView) -> s.IntroductionOut:
    i: Introduction = view.introduction
    return s.IntroductionOut(
        id=i.pk, organisation_id=i.organisation_id, organisation=i.organisation.name,
        expert_key=i.expert_key, expert=view.expert.name, need=i.need, sector=i.sector,
        language=i.language, competences=list(i.competences), message=i.message,
        status=i.status, answer=i.answer, created_at=i.created_at, decided_at=i.decided_at,
        contacts=[s.ContactOut(name=c.user.get_full_name() or c.user.email, email=c.user.email,
                               phone=c.phone) for c in view.contacts],
        requester_email=view.requester_email)


@router.get("/connect/experts", auth=None, response=list[s.ExpertOut],
            summary="The directory of experts (public; no contact details)")
def experts(request: HttpRequest) -> list[s.ExpertOut]:
    return [_expert(e) for e in selectors.directory().experts]


@router.post("/connect/matches", response=list[s.MatchOut],
             summary="Experts ranked for a need in English, French or German, with why")
def matches(request: HttpRequest, data: s.MatchIn) -> list[s.MatchOut]:
    found = selectors.match(need=data.need, sector=data.sector, language=data.language,
                            page_language=_lang(), limit=data.limit)
    return [s.MatchOut(rank=r.rank, score=round(r.score, 4), expert=_expert(r.expert),
                       matched_competences=[s.Competence(key=k, label=label)
                                            for k, label in r.competences],
                       matched_terms=list(r.terms), sector_match=r.sector_match,
                       language=r.language) for r in found]


@router.post("/organisations/{org_id}/introductions", response={201: s.IntroductionOut},
             summary="Ask an expert for an introduction (members of the organisation)")
def introduction_request(request: HttpRequest, org_id: Id,
                         data: s.IntroductionIn) -> Status[Any]:
    access = access_of(request)
    intro = services.introduction_request(
        access=access, actor=actor_of(request), organisation_id=org_id,
        expert_key=data.expert_key, need=data.need, sector=data.sector or "",
        message=data.message)
    return Status(201, _intro(selectors.introduction_get(access, intro.pk)))


@router.get("/organisations/{org_id}/introductions", response=list[s.IntroductionOut],
            summary="The organisation's introductions")
def introductions(request: HttpRequest, org_id: Id) -> list[s.IntroductionOut]:
    access = access_of(request)
    return [_intro(selectors.introduction_get(access, i.pk))
            for i in selectors.introductions_of(access, org_id)]


@router.get("/me/introductions-to-answer", response=list[s.IntroductionOut],
            summary="Introductions asked of the experts you answer for")
def to_answer(request: HttpRequest) -> list[s.IntroductionOut]:
    access = access_of(request)
    return [_intro(selectors.introduction_get(access, i.pk))
            for i in selectors.introductions_to_answer(access)]


@router.get("/introductions/{introduction_id}", response=s.IntroductionOut,
            summary="An introduction: its status, and contact details once accepted")
def introduction(request: HttpRequest, introduction_id: Id) -> s.IntroductionOut:
    return _intro(selectors.introduction_get(access_of(request), introduction_id))


@router.post("/introductions/{introduction_id}/decision", response=s.IntroductionOut,
             summary="Accept or decline (the expert's contacts)")
def decide(request: HttpRequest, introduction_id: Id, data: s.DecisionIn) -> s.IntroductionOut:
    access = access_of(request)
    services.introduction_decide(access=access, actor=actor_of(request),
                                 introduction_id=introduction_id, accept=data.accept,
                                 answer=data.answer)
    return _intro(selectors.introduction_get(access, introduction_id))


@router.post("/introductions/{introduction_id}/withdraw", response=s.IntroductionOut,
             summary="Withdraw a request not answered yet (the requester or their admin)")
def withdraw(request: HttpRequest, introduction_id: Id) -> s.IntroductionOut:
    access = access_of(request)
    services.introduction_withdraw(access=access, actor=actor_of(request),
                                   introduction_id=introduction_id)
    return _intro(selectors.introduction_get(access, introduction_id))


@router.post("/connect/contacts", response={201: s.ContactAddedOut},
             summary="Let a person answer introductions for an expert (operators)")
def contact_add(request: HttpRequest, data: s.ContactIn) -> Status[Any]:
    c = services.expert_contact_add(access=access_of(request), actor=actor_of(request),
                                    expert_key=data.expert_key, email=data.email,
                                    phone=data.phone)
    return Status(201, s.ContactAddedOut(id=c.pk, expert_key=c.expert_key, email=c.user.email))
