"""REST endpoints of the AI Factories network: the factories of the network and what they offer,
each fact with its source (public), which factories offer the capabilities a request needs
(public), and the referrals: a request of ours referred to another factory, one received from
another factory, their changes of status and the conversion of an incoming one into a local
request (operators and reviewers; auditors read)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import get_language
from ninja import Query, Router, Status

from laif.accounts.requestinfo import access_of, actor_of
from laif.catalogue.factories import Claim, Factory, Service, Source
from laif.config.apitypes import Id
from laif.network import schemas as s
from laif.network import selectors, services
from laif.network.models import Direction, EventKind, Referral

router = Router(tags=["AI Factories network"])


def _lang() -> str:
    return (get_language() or "en")[:2]


# ------------------------------------------------------------------------------ the catalogue


def _source(src: Source) -> s.SourceOut:
    return s.SourceOut(url=src.url, title=src.title)


def _claim(c: Claim, label: str) -> dict[str, Any]:
    return {"key": c.key, "label": label, "verified": c.verified, "note": c.note,
            "source": _source(c.source)}


def _factory(f: Factory) -> s.FactoryOut:
    cat, lang = selectors.catalogue(), _lang()

    def capability(c: Claim) -> s.ClaimOut:
        return s.ClaimOut(**_claim(c, cat.capability_label(c.key, lang)))

    def service(c: Service) -> s.ServiceOut:
        return s.ServiceOut(**_claim(c, cat.capability_label(c.key, lang)), status=c.status)

    order = list(cat.capabilities)
    return s.FactoryOut(
        key=f.key, name=f.name, country=f.country, site=f.site, host=f.host,
        website=f.website, selected=f.selected, local=f.local, verified=f.verified,
        note=f.note, source=_source(f.source),
        more_sources=[_source(m) for m in f.more_sources],
        systems=[s.SystemOut(name=y.name, status=y.status, verified=y.verified, note=y.note,
                             source=_source(y.source),
                             capabilities=[capability(c) for c in y.capabilities])
                 for y in f.systems],
        services=[service(c) for c in f.services],
        access=[s.ClaimOut(**_claim(c, cat.access_label(c.key, lang))) for c in f.access],
        sectors=[s.ClaimOut(**_claim(c, cat.sector_label(c.key, lang))) for c in f.sectors],
        capabilities=[k for k in order if k in f.capabilities],
        operational_capabilities=[k for k in order if k in f.operational_capabilities])


@router.get("/network/factories", auth=None, response=list[s.FactoryOut],
            summary="The EuroHPC AI Factories: sites, systems, capabilities and access modes, "
            "each fact with its source")
def factories(request: HttpRequest, filters: Query[s.FactoryQuery]) -> list[s.FactoryOut]:
    found = selectors.catalogue().factories
    if filters.capability:
        check = selectors.capability_check({filters.capability})
        local = [f for f in found if f.local and check.local]
        found = tuple(local + [o.factory for o in check.offering])
    return [_factory(f) for f in found]


@router.get("/network/factories/{factory_key}", auth=None, response=s.FactoryOut,
            summary="One AI Factory of the network")
def factory(request: HttpRequest, factory_key: s.Key) -> s.FactoryOut:
    return _factory(selectors.factory_get(factory_key))


@router.get("/network/capability-check", auth=None, response=s.CapabilityCheckOut,
            summary="What the local factory lacks of the capabilities a request needs, and "
            "which factories of the network offer it")
def capability_check(request: HttpRequest,
                     filters: Query[s.CapabilityQuery]) -> s.CapabilityCheckOut:
    c = selectors.capability_check(set(filters.capability))
    cat, lang = selectors.catalogue(), _lang()
    return s.CapabilityCheckOut(
        required=[s.CapabilityOut(key=k, label=cat.capability_label(k, lang))
                  for k in c.required],
        local=list(c.local), missing_locally=list(c.missing_locally), nowhere=list(c.nowhere),
        offering=[s.OfferOut(factory=o.factory.key, name=o.factory.name, offers=list(o.offers),
                             operational=list(o.operational), verified=list(o.verified))
                  for o in c.offering])


# ------------------------------------------------------------------------------ referrals


def _referral(r: Referral) -> dict[str, Any]:
    cat, lang = selectors.catalogue(), _lang()
    f = cat.factory(r.factory)
    return {
        "id": r.pk, "direction": r.direction,
        "direction_label": str(Direction(r.direction).label), "factory": r.factory,
        "factory_name": f.name if f else r.factory,
        "capabilities": [s.CapabilityOut(key=k, label=cat.capability_label(k, lang))
                         for k in r.capabilities],
        "status": r.status, "status_label": selectors.status_label(r.status),
        "intake_id": r.intake_id, "organisation_name": r.organisation_name,
        "contact_name": r.contact_name, "email": r.email, "need": r.need, "sector": r.sector,
        "data_kinds": list(r.data_kinds), "budget": r.budget, "timeline": r.timeline,
        "language": r.language, "reference": r.reference, "notes": r.notes,
        "created_by": r.created_by.email, "created_at": r.created_at,
        "updated_at": r.updated_at}


def _detail(request: HttpRequest, referral_id: int) -> s.ReferralDetailOut:
    v = selectors.referral_get(access_of(request), referral_id)
    i = v.intake
    return s.ReferralDetailOut(
        **_referral(v.referral),
        intake=s.IntakeSummaryOut(id=i.id, status=i.status, status_label=i.status_label,
                                  who=i.who, goal=i.goal, outcome=i.outcome,
                                  created_at=i.created_at, confirmed=i.confirmed)
        if i else None,
        next_statuses=list(v.next_statuses), can_convert=v.can_convert,
        events=[s.EventOut(at=e.at, kind=e.kind, kind_label=str(EventKind(e.kind).label),
                           actor=e.actor.email if e.actor else None,
                           from_status=e.from_status, to_status=e.to_status, text=e.text)
                for e in v.events])


@router.get("/referrals", response=list[s.ReferralOut],
            summary="The referrals to and from other factories (operators, reviewers, "
            "auditors)")
def referral_list(request: HttpRequest, filters: Query[s.ReferralQuery]) -> list[s.ReferralOut]:
    f = selectors.ReferralFilter(direction=filters.direction or "", status=filters.status or "",
                                 factory=filters.factory or "")
    return [s.ReferralOut(**_referral(r)) for r in selectors.referrals(access_of(request), f)]


@router.get("/intakes/{intake_id}/referrals", response=list[s.ReferralOut],
            summary="The referrals linked to a request at the single point of entry")
def intake_referrals(request: HttpRequest, intake_id: Id) -> list[s.ReferralOut]:
    return [s.ReferralOut(**_referral(r))
            for r in selectors.referrals_of_intake(access_of(request), intake_id)]


@router.post("/intakes/{intake_id}/referrals", response={201: s.ReferralDetailOut},
             summary="Refer a request to another factory for capabilities the local factory "
             "lacks (operators, reviewers)")
def refer(request: HttpRequest, intake_id: Id, data: s.OutgoingIn) -> Status[Any]:
    r = services.referral_create_outgoing(
        access=access_of(request), actor=actor_of(request), intake_id=intake_id,
        factory=data.factory, capabilities=data.capabilities, note=data.note)
    return Status(201, _detail(request, r.pk))


@router.post("/referrals/incoming", response={201: s.ReferralDetailOut},
             summary="Register a request another factory refers to us (operators, reviewers)")
def register_incoming(request: HttpRequest, data: s.IncomingIn) -> Status[Any]:
    r = services.referral_register_incoming(
        access=access_of(request), actor=actor_of(request), factory=data.factory,
        capabilities=data.capabilities, organisation_name=data.organisation_name,
        contact_name=data.contact_name, email=data.email, need=data.need, sector=data.sector,
        data_kinds=data.data_kinds, timeline=data.timeline, budget=data.budget,
        language=data.language, reference=data.reference, note=data.note)
    return Status(201, _detail(request, r.pk))


@router.get("/referrals/{referral_id}", response=s.ReferralDetailOut,
            summary="A referral with its history and the request it is linked to")
def referral(request: HttpRequest, referral_id: Id) -> s.ReferralDetailOut:
    return _detail(request, referral_id)


@router.post("/referrals/{referral_id}/status", response=s.ReferralDetailOut,
             summary="Move a referral along its life cycle (operators, reviewers)")
def referral_status(request: HttpRequest, referral_id: Id,
                    data: s.StatusIn) -> s.ReferralDetailOut:
    services.referral_status(access=access_of(request), actor=actor_of(request),
                             referral_id=referral_id, status=data.status, note=data.note,
                             reference=data.reference)
    return _detail(request, referral_id)


@router.post("/referrals/{referral_id}/conversion", response=s.ReferralDetailOut,
             summary="Turn an accepted incoming referral into a local request at the single "
             "point of entry (operators, reviewers)")
def conversion(request: HttpRequest, referral_id: Id) -> s.ReferralDetailOut:
    services.referral_convert(access=access_of(request), actor=actor_of(request),
                              referral_id=referral_id)
    return _detail(request, referral_id)
