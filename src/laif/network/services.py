"""Writes of the AI Factories network: a request of ours referred to another factory for a
capability the local factory lacks, a referral received from another factory, their changes of
status (``lifecycle``) and the conversion of an accepted incoming referral into a local request
at the single point of entry. Operators and reviewers do these; auditors read them.

Each write is one transaction with its audit entry. An outgoing referral stays linked to the
request it came from, and that request's history records it (an internal comment, through the
entry app's services); a converted incoming referral is linked to the request it became, whose
description says where it came from. The e-mails (the requester's follow link) leave after the
commit, from the entry app.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from laif.accounts.access import Access
from laif.accounts.audit import Actor, audit_record
from laif.accounts.choices import StaffRoleName
from laif.accounts.errors import Conflict, DomainError, NotFound, PermissionDenied
from laif.catalogue.entry import load_triage
from laif.catalogue.factories import Factory, capabilities_missing_locally, load_factories
from laif.entry import selectors as entry_selectors
from laif.entry import services as entry_services
from laif.entry import triage as entry_rules
from laif.entry.triage import Need
from laif.network import lifecycle
from laif.network.models import Direction, EventKind, Referral, ReferralEvent, ReferralStatus

# staff who refer and register referrals; auditors read them (selectors.READERS)
WORKERS = frozenset({StaffRoleName.OPERATOR, StaffRoleName.REVIEWER})
MAX_NEED = 2500
MAX_NOTE = 2000
MAX_REFERENCE = 100
MAX_NAME = 200
# the goal of the local request an incoming referral becomes: compute on our machine
CONVERTED_GOAL = "train_model"
# what an incoming referral does not tell us
UNKNOWN_BUDGET = "unknown"


def _lang() -> str:
    return (get_language() or "en")[:2]


def is_worker(access: Access) -> bool:
    return bool(access.staff_roles & WORKERS)


def _refuse(access: Access, *, hidden: str | None) -> None:
    """Refuse anyone but operators and reviewers: those who may know the object exists (staff
    who read it) are forbidden; the others are told it does not exist (``hidden``), or
    forbidden when there is no object to hide."""
    if is_worker(access):
        return
    if hidden is None or access.sees_all_clients:
        raise PermissionDenied(_("Operators and reviewers handle referrals; you may read them.")
                               if access.sees_all_clients else
                               _("Only the factory's operators and reviewers handle "
                                 "referrals."))
    raise NotFound(hidden)


def _factory(key: str) -> Factory:
    """Another factory of the network, by its catalogue key."""
    found = load_factories().factory(key)
    if found is None:
        raise DomainError(_("No factory in the network has this key."), field="factory")
    if found.local:
        raise DomainError(_("This is our own factory: a referral goes to another one."),
                          field="factory")
    return found


def _capabilities(keys: Iterable[str]) -> list[str]:
    """The keys, known to the catalogue's vocabulary, each once, in the vocabulary's order."""
    vocabulary = load_factories().capabilities
    wanted = set(keys)
    unknown = sorted(wanted - set(vocabulary))
    if unknown:
        raise DomainError(_("Unknown capability: %(keys)s.") % {"keys": ", ".join(unknown)},
                          field="capabilities")
    return [k for k in vocabulary if k in wanted]


def _labels(keys: Iterable[str]) -> str:
    cat = load_factories()
    return ", ".join(cat.capability_label(k, _lang()) for k in keys)


def _text(value: str, limit: int, field: str, *, required: bool = False) -> str:
    value = value.strip()
    if "\x00" in value:
        raise DomainError(_("This field contains a NUL character."), field=field)
    if required and not value:
        raise DomainError(_("This field is required."), field=field)
    if len(value) > limit:
        raise DomainError(_("At most %(n)d characters.") % {"n": limit}, field=field)
    return value


def _event(referral: Referral, actor: Actor, kind: str, *, before: str = "", after: str = "",
           text: str = "") -> ReferralEvent:
    return ReferralEvent.objects.create(referral=referral, actor_id=actor.user_id, kind=kind,
                                        from_status=before, to_status=after, text=text)


def _note_on_intake(access: Access, actor: Actor, referral: Referral, text: str) -> None:
    """Record an outgoing referral's news in its request's history (an internal comment)."""
    if referral.intake_id is None:
        return
    entry_services.intake_comment(access=access, actor=actor, intake_id=referral.intake_id,
                                  text=text, public=False)


def _locked(referral_id: int) -> Referral:
    referral = Referral.objects.select_for_update().filter(pk=referral_id).first()
    if referral is None:
        raise NotFound(_("No such referral."))
    return referral


# ------------------------------------------------------------------------------ outgoing


def referral_create_outgoing(*, access: Access, actor: Actor, intake_id: int, factory: str,
                             capabilities: Iterable[str], note: str = "") -> Referral:
    """Refer a request of the single point of entry to another factory of the network for the
    capabilities it needs that the local factory lacks (each offered by that factory). The
    referral starts as a draft; the request's history records it."""
    _refuse(access, hidden=None if access.is_staff else _("No such request."))
    note = _text(note, MAX_NOTE, "note")
    target = _factory(factory)
    keys = _capabilities(capabilities)
    if not keys:
        raise DomainError(_("Choose the capabilities the request needs."), field="capabilities")
    have = [k for k in keys if k not in capabilities_missing_locally(set(keys))]
    if have:
        raise DomainError(_("The local factory offers %(caps)s: refer a request only for a "
                            "capability it lacks.") % {"caps": _labels(have)},
                          field="capabilities")
    lacking = [k for k in keys if k not in target.capabilities]
    if lacking:
        raise DomainError(_("%(factory)s does not offer %(caps)s.") % {
            "factory": target.name, "caps": _labels(lacking)}, field="factory")
    if actor.user_id is None:
        raise PermissionDenied(_("Only the factory's operators and reviewers handle referrals."))
    intake = entry_selectors.intake_get(access=access, user=None, intake_id=intake_id).intake
    if intake.status == entry_rules.CLOSED:
        raise Conflict(_("The request is closed: reopen it first."))
    twice = Conflict(_("This request is already referred to %(factory)s.") % {
        "factory": target.name}, field="factory")
    with transaction.atomic():
        if Referral.objects.filter(direction=Direction.OUTGOING, intake_id=intake.pk,
                                   factory=target.key).exclude(
                status__in=(ReferralStatus.DECLINED, ReferralStatus.COMPLETED)).exists():
            raise twice
        try:
            with transaction.atomic():  # two staff at once: the constraint keeps one
                referral = Referral.objects.create(
                    direction=Direction.OUTGOING, factory=target.key, capabilities=keys,
                    status=lifecycle.FIRST[lifecycle.OUTGOING], intake_id=intake.pk,
                    notes=note, created_by_id=actor.user_id)
        except IntegrityError as exc:
            raise twice from exc
        _event(referral, actor, EventKind.CREATED, after=referral.status, text=note)
        _note_on_intake(access, actor, referral, _(
            "Referred to %(factory)s through the AI Factories network (referral %(id)d) for: "
            "%(caps)s.") % {"factory": target.name, "id": referral.pk, "caps": _labels(keys)})
        audit_record(actor=actor, action="network.referred", target=f"referral:{referral.pk}",
                     detail={"intake": intake.pk, "factory": target.key, "capabilities": keys})
    return referral


# ------------------------------------------------------------------------------ incoming


def referral_register_incoming(
        *, access: Access, actor: Actor, factory: str, capabilities: Iterable[str],
        organisation_name: str, contact_name: str, email: str, need: str, sector: str,
        data_kinds: Iterable[str], timeline: str, budget: str = UNKNOWN_BUDGET,
        language: str = "en", reference: str = "", note: str = "") -> Referral:
    """Register a request another factory of the network refers to us: who, what they need
    (the single point of entry's answers, for the local request it may become) and the
    capabilities of ours they come for."""
    _refuse(access, hidden=None)
    source = _factory(factory)
    keys = _capabilities(capabilities)
    lacking = sorted(capabilities_missing_locally(set(keys)))
    if lacking:
        raise DomainError(_("The local factory does not offer %(caps)s.") % {
            "caps": _labels(lacking)}, field="capabilities")
    organisation_name = _text(organisation_name, MAX_NAME, "organisation_name")
    contact_name = _text(contact_name, MAX_NAME, "contact_name", required=True)
    email = _text(email, 254, "email", required=True).lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise DomainError(_("Enter a valid e-mail address."), field="email") from exc
    need = _text(need, MAX_NEED, "need", required=True)
    reference = _text(reference, MAX_REFERENCE, "reference")
    note = _text(note, MAX_NOTE, "note")
    triage = load_triage()
    answers = {"sector": sector, "budget": budget, "timeline": timeline}
    for question, value in answers.items():
        if value not in triage.keys(question):
            raise DomainError(_("Choose one of the answers offered."), field=question)
    data = sorted(set(data_kinds))
    if not data or set(data) - triage.keys("data") or ("none" in data and len(data) > 1):
        raise DomainError(_("Choose one of the answers offered."), field="data_kinds")
    if language not in entry_services.LANGUAGES:
        raise DomainError(_("Choose one of the languages offered."), field="language")
    if actor.user_id is None:
        raise PermissionDenied(_("Only the factory's operators and reviewers handle referrals."))
    with transaction.atomic():
        referral = Referral.objects.create(
            direction=Direction.INCOMING, factory=source.key, capabilities=keys,
            status=lifecycle.FIRST[lifecycle.INCOMING], organisation_name=organisation_name,
            contact_name=contact_name, email=email, need=need, sector=sector, data_kinds=data,
            budget=budget, timeline=timeline, language=language, reference=reference,
            notes=note, created_by_id=actor.user_id)
        _event(referral, actor, EventKind.CREATED, after=referral.status, text=note)
        audit_record(actor=actor, action="network.received", target=f"referral:{referral.pk}",
                     detail={"factory": source.key, "capabilities": keys,
                             "reference": reference})
    return referral


# ------------------------------------------------------------------------------ both


def referral_status(*, access: Access, actor: Actor, referral_id: int, status: str,
                    note: str = "", reference: str | None = None) -> Referral:
    """Move a referral along its life cycle (``lifecycle``), with an optional note and the
    other factory's reference once it gives one. The same status again with a note adds the
    note; without one it changes nothing."""
    _refuse(access, hidden=_("No such referral."))
    note = _text(note, MAX_NOTE, "note")
    ref = _text(reference, MAX_REFERENCE, "reference") if reference is not None else None
    if status not in lifecycle.STATUSES:
        raise DomainError(_("Choose one of the statuses offered."), field="status")
    with transaction.atomic():
        referral = _locked(referral_id)
        before = referral.status
        if status == before:
            if note:
                _event(referral, actor, EventKind.NOTE, text=note)
                audit_record(actor=actor, action="network.noted",
                             target=f"referral:{referral.pk}")
            return referral
        if status == lifecycle.CONVERTED and lifecycle.can_convert(referral.direction, before):
            raise Conflict(_("Convert the referral into a local request instead: it then "
                             "becomes converted."), field="status")
        if not lifecycle.can_move(referral.direction, before, status):
            raise Conflict(_("A referral cannot go from %(from)s to %(to)s.") % {
                "from": ReferralStatus(before).label,
                "to": ReferralStatus(status).label if status in ReferralStatus.values
                else status}, field="status")
        referral.status = status
        fields = ["status", "updated_at"]
        if ref:
            referral.reference = ref
            fields.append("reference")
        referral.save(update_fields=fields)
        _event(referral, actor, EventKind.STATUS, before=before, after=status, text=note)
        if referral.direction == Direction.OUTGOING:
            name = load_factories().factory(referral.factory)
            _note_on_intake(access, actor, referral, _(
                "Referral %(id)d to %(factory)s: %(status)s.") % {
                "id": referral.pk, "factory": name.name if name else referral.factory,
                "status": ReferralStatus(status).label} + (f"\n\n{note}" if note else ""))
        audit_record(actor=actor, action="network.status", target=f"referral:{referral.pk}",
                     detail={"from": before, "to": status,
                             **({"reference": ref} if ref else {})})
    return referral


def _description(referral: Referral, factory_name: str) -> str:
    """The local request's description: where it came from, then the need as referred; in the
    requester's language."""
    with translation.override(referral.language or "en"):
        if referral.reference:
            head = _("Referred by %(factory)s through the EuroHPC AI Factories network "
                     "(their reference %(reference)s; referral %(id)d).") % {
                "factory": factory_name, "reference": referral.reference, "id": referral.pk}
        else:
            head = _("Referred by %(factory)s through the EuroHPC AI Factories network "
                     "(referral %(id)d).") % {"factory": factory_name, "id": referral.pk}
    return f"{head}\n\n{referral.need}"[:3000]


def referral_convert(*, access: Access, actor: Actor, referral_id: int) -> Referral:
    """Turn an accepted incoming referral into a local request at the single point of entry:
    submitted in the requester's name with their answers (goal: compute on our machine), it is
    routed as any request, the requester confirms their address from the e-mail they receive,
    and staff then conclude it in the inbox (a GPU request: the local allocation request). The
    referral is linked to it and becomes ``converted``."""
    _refuse(access, hidden=_("No such referral."))
    with transaction.atomic():
        referral = _locked(referral_id)
        if not lifecycle.can_convert(referral.direction, referral.status):
            raise Conflict(_("Only an accepted incoming referral becomes a local request."),
                           field="status")
        source = load_factories().factory(referral.factory)
        submitted = entry_services.intake_submit(
            user=None,
            need=Need(goal=CONVERTED_GOAL, sector=referral.sector,
                      data=frozenset(referral.data_kinds), budget=referral.budget,
                      timeline=referral.timeline),
            contact=entry_services.Contact(name=referral.contact_name, email=referral.email,
                                           organisation=referral.organisation_name,
                                           language=referral.language or "en"),
            description=_description(referral, source.name if source else referral.factory))
        before = referral.status
        referral.status = lifecycle.CONVERTED
        referral.intake_id = submitted.intake.pk
        referral.save(update_fields=["status", "intake", "updated_at"])
        _event(referral, actor, EventKind.CONVERTED, before=before, after=referral.status,
               text=_("Request %(id)d at the single point of entry.") % {
                   "id": submitted.intake.pk})
        audit_record(actor=actor, action="network.converted", target=f"referral:{referral.pk}",
                     detail={"intake": submitted.intake.pk})
    return referral
