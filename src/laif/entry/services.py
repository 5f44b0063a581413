"""Writes of the single point of entry: a need submitted (by anyone) and routed, its address
confirmed, and what staff do with it in the inbox (assign, move, comment, conclude with a GPU
request or a referral). Each write is one transaction with its audit entry; the e-mails and
notices leave after the commit."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from laif.accounts.access import Access
from laif.accounts.audit import Actor, audit_record
from laif.accounts.choices import StaffRoleName
from laif.accounts.errors import Conflict, DomainError, NotFound, PermissionDenied, Throttled
from laif.accounts.notices import mail_address_on_commit, mail_on_commit, notify
from laif.accounts.selectors import staff_with_role
from laif.catalogue.entry import Triage, load_triage
from laif.entry import triage as rules
from laif.entry.models import EventKind, Intake, IntakeEvent, IntakeStatus, Outcome

if TYPE_CHECKING:
    from laif.accounts.models import User

FOLLOW_SALT = "laif.entry.follow"
VERIFY_DAYS = 7
# anonymous requests: per address a day, per client address an hour
PER_ADDRESS_A_DAY = 3
PER_CLIENT_AN_HOUR = 10
# staff who work the inbox (auditors read it)
INBOX_STAFF = frozenset({StaffRoleName.OPERATOR, StaffRoleName.REVIEWER, StaffRoleName.TRAINER})
LANGUAGES = ("en", "fr", "de")
Text = Callable[[], str]


@dataclass(frozen=True)
class Contact:
    name: str
    email: str
    organisation: str
    language: str


@dataclass(frozen=True)
class Submitted:
    """A recorded request and the rules that routed it. Its follow link goes by e-mail only:
    opening it proves the address."""

    intake: Intake
    matches: tuple[rules.Match, ...]


def _digest(email: str) -> str:
    return hashlib.sha256(email.lower().encode()).hexdigest()[:16]


def follow_token(intake: Intake) -> str:
    """The secret part of a request's follow link: signed, bound to its id and address."""
    return signing.dumps({"i": intake.pk, "e": _digest(intake.email)}, salt=FOLLOW_SALT)


def follow_path(intake: Intake) -> str:
    return reverse("entry_follow", kwargs={"token": follow_token(intake)})


def intake_of_token(token: str) -> Intake:
    """The request a follow link names; ``NotFound`` for a link that is not one."""
    try:
        payload = signing.loads(token, salt=FOLLOW_SALT)
        intake = Intake.objects.get(pk=int(payload["i"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError, Intake.DoesNotExist) as exc:
        raise NotFound(_("This link is not valid: copy it whole from the e-mail.")) from exc
    if payload.get("e") != _digest(intake.email):
        raise NotFound(_("This link is not valid: copy it whole from the e-mail."))
    return intake


def _site(path: str) -> str:
    return str(settings.LAIF_SITE_URL) + path


def _throttle(email: str, ip: str) -> None:
    now = timezone.now()
    recent = Intake.objects.filter(submitted_by__isnull=True)
    if recent.filter(email__iexact=email, created_at__gte=now - timedelta(days=1)).count() \
            >= PER_ADDRESS_A_DAY:
        exc = Throttled(_("Three requests from this address today already: confirm them from "
                          "the e-mails we sent, or log in."), field="email")
        exc.retry_after = 86400  # type: ignore[attr-defined]
        raise exc
    if ip and recent.filter(client_ip=ip, created_at__gte=now - timedelta(hours=1)).count() \
            >= PER_CLIENT_AN_HOUR:
        exc = Throttled(_("Too many requests from your network in the last hour: try again "
                          "later."))
        exc.retry_after = 3600  # type: ignore[attr-defined]
        raise exc


def _to_inbox(intake: Intake) -> None:
    """Put a routed request in the staff inbox now: its target and the operators' notice."""
    now = timezone.now()
    days = min((int(str(m["working_days"])) for m in intake.classification
                if m.get("working_days")), default=load_triage().working_days)
    intake.status = IntakeStatus.NEW
    intake.verified_at = now
    intake.respond_by = rules.respond_by(timezone.localtime(now), days)
    link = reverse("entry_detail", kwargs={"intake_id": intake.pk})
    goal = intake.goal
    notify(staff_with_role(StaffRoleName.OPERATOR), kind="entry.new",
           text=lambda: _("New request to the factory from %(who)s: %(goal)s") % {
               "who": intake.organisation_name or intake.contact_name,
               "goal": load_triage().label("goal", goal, get_language() or "en")},
           link=link)


def _match_json(m: rules.Match) -> dict[str, object]:
    return {"rule": m.rule, "service": m.service, "pillar": m.pillar, "next_step": m.next_step,
            "because_en": m.because_en, "because_fr": m.because_fr,
            "working_days": m.working_days}


def intake_submit(*, user: User | None, need: rules.Need, contact: Contact, description: str,
                  ip: str = "", triage: Triage | None = None) -> Submitted:
    """Route a need and record it. Someone logged in has it in the inbox at once; anyone else
    gets a follow link by e-mail, and the request reaches the inbox when it is opened."""
    triage = triage or load_triage()
    try:
        matches = rules.classify(need, triage)
    except rules.NeedError as exc:
        raise DomainError(_("Choose one of the answers offered."), field=exc.field) from exc
    if contact.language not in LANGUAGES:
        raise DomainError(_("Choose one of the languages offered."), field="language")
    email = (user.email if user is not None else contact.email).strip().lower()
    if user is None:
        _throttle(email, ip)
    classification = [_match_json(m) for m in matches]
    with transaction.atomic():
        intake = Intake.objects.create(
            submitted_by=user, email=email, contact_name=contact.name.strip(),
            organisation_name=contact.organisation.strip(), goal=need.goal, sector=need.sector,
            data_kinds=sorted(need.data), budget=need.budget, timeline=need.timeline,
            language=contact.language, description=description.strip(),
            rules_version=triage.version, classification=classification,
            client_ip=ip or None)
        IntakeEvent.objects.create(intake=intake, actor=user, kind=EventKind.SUBMITTED,
                                   detail={"rules": [m.rule for m in matches],
                                           "version": triage.version})
        if user is not None and user.email_verified_at is not None:
            _to_inbox(intake)
            intake.save(update_fields=["status", "verified_at", "respond_by"])
        audit_record(actor=Actor.of(user, ip), action="entry.submitted", target=f"intake:{intake.pk}",
                     detail={"rules": [m.rule for m in matches], "version": triage.version})
        if intake.status == IntakeStatus.UNVERIFIED:
            _mail_follow_link(intake, _site(follow_path(intake)))
    return Submitted(intake, matches)


def _mail_follow_link(intake: Intake, link: str) -> None:
    def subject() -> str:
        return _("Confirm your request to the Luxembourg AI Factory")

    def body() -> str:
        return _(
            "Hello %(name)s,\n\nwe received your request. Open this link within %(days)d days to "
            "confirm your address; the factory's team reads your request then, and the same "
            "link lets you follow it:\n\n%(link)s\n\nIf you did not write to us, ignore this "
            "message: the request is deleted unconfirmed.\n"
        ) % {"name": intake.contact_name, "days": VERIFY_DAYS, "link": link}

    mail_address_on_commit(intake.email, intake.language, subject, body)


def intake_verify(*, token: str, ip: str = "") -> Intake:
    """Open a follow link: the first time, it confirms the address and the request reaches the
    inbox (within ``VERIFY_DAYS`` of its submission); afterwards it only shows the request."""
    found = intake_of_token(token)
    if found.status != IntakeStatus.UNVERIFIED:
        return found
    with transaction.atomic():
        intake = Intake.objects.select_for_update().get(pk=found.pk)
        if intake.status != IntakeStatus.UNVERIFIED:
            return intake
        if timezone.now() - intake.created_at > timedelta(days=VERIFY_DAYS):
            raise Conflict(_("This request was not confirmed within %(days)d days: describe your "
                             "need again.") % {"days": VERIFY_DAYS})
        _to_inbox(intake)
        intake.save(update_fields=["status", "verified_at", "respond_by"])
        IntakeEvent.objects.create(intake=intake, kind=EventKind.VERIFIED)
        audit_record(actor=Actor(None, "anonymous", ip), action="entry.verified",
                     target=f"intake:{intake.pk}")
    return intake


# ------------------------------------------------------------------------------ staff


def _staff_locked(access: Access, intake_id: int) -> Intake:
    if not access.staff_roles & INBOX_STAFF:
        if access.is_staff:
            raise PermissionDenied(_("Operators, reviewers and trainers work the inbox; you "
                                     "may read it."))
        raise NotFound(_("No such request."))
    try:
        intake = Intake.objects.select_for_update().get(pk=intake_id)
    except Intake.DoesNotExist as exc:
        raise NotFound(_("No such request.")) from exc
    if intake.status == IntakeStatus.UNVERIFIED:
        raise NotFound(_("No such request."))
    return intake


def _tell_requester(intake: Intake, subject: Text, body: Text) -> None:
    """Tell the requester of a change, in their language: an account's person by notice and
    e-mail, anyone else by e-mail with the follow link."""
    if intake.submitted_by is not None:
        link = _site(reverse("entry_detail", kwargs={"intake_id": intake.pk}))
        mail_on_commit([intake.submitted_by], subject, lambda: f"{body()}\n\n{link}\n",
                       kind="entry.update", link=link)
        return
    link = _site(follow_path(intake))
    mail_address_on_commit(intake.email, intake.language, subject,
                           lambda: f"{body()}\n\n{link}\n")


def _responded(intake: Intake, now: object) -> None:
    if intake.responded_at is None:
        intake.responded_at = now  # type: ignore[assignment]


def intake_assign(*, access: Access, actor: Actor, intake_id: int, owner_id: int | None) -> Intake:
    """Give a request an owner (one of the inbox's staff), or none."""
    with transaction.atomic():
        intake = _staff_locked(access, intake_id)
        owner = _staff_user(owner_id) if owner_id is not None else []
        if owner_id is not None and not owner:
            raise DomainError(_("The owner must be an operator, a reviewer or a trainer."),
                              field="owner_id")
        if intake.owner_id == owner_id:
            return intake
        before = intake.owner_id
        intake.owner_id = owner_id
        intake.save(update_fields=["owner"])
        IntakeEvent.objects.create(intake=intake, actor_id=actor.user_id, kind=EventKind.ASSIGNED,
                                   public=False, detail={"from": before, "to": owner_id})
        audit_record(actor=actor, action="entry.assigned", target=f"intake:{intake.pk}",
                     detail={"from": before, "to": owner_id})
        if owner_id is not None and owner_id != actor.user_id:
            notify(owner, kind="entry.assigned",
                   text=lambda: _("A request to the factory is yours: %(who)s") % {
                       "who": intake.organisation_name or intake.contact_name},
                   link=reverse("entry_detail", kwargs={"intake_id": intake.pk}))
    return intake


def inbox_staff() -> list[User]:
    """The active people who work the inbox (operators, reviewers, trainers), by address."""
    found: dict[int, User] = {}
    for role in sorted(INBOX_STAFF):
        for user in staff_with_role(role):
            found.setdefault(user.pk, user)
    return sorted(found.values(), key=lambda u: u.email)


def _staff_user(user_id: int) -> list[User]:
    """The inbox's staff member with this id, as a list of recipients (empty if none)."""
    return [u for u in inbox_staff() if u.pk == user_id]


def intake_move(*, access: Access, actor: Actor, intake_id: int, status: str) -> Intake:
    """Move a request to another status (new -> triaged -> in progress -> closed; a closed
    request can be reopened); the requester is told."""
    with transaction.atomic():
        intake = _staff_locked(access, intake_id)
        if status == intake.status:
            return intake
        if not rules.can_move(intake.status, status):
            raise Conflict(_("A request cannot go from %(from)s to %(to)s.") % {
                "from": IntakeStatus(intake.status).label,
                "to": IntakeStatus(status).label if status in IntakeStatus.values else status},
                field="status")
        now = timezone.now()
        before = intake.status
        intake.status = status
        intake.closed_at = now if status == IntakeStatus.CLOSED else None
        _responded(intake, now)
        intake.save(update_fields=["status", "closed_at", "responded_at"])
        IntakeEvent.objects.create(intake=intake, actor_id=actor.user_id, kind=EventKind.STATUS,
                                   detail={"from": before, "to": status})
        audit_record(actor=actor, action="entry.status", target=f"intake:{intake.pk}",
                     detail={"from": before, "to": status})
        label = IntakeStatus(status)
        _tell_requester(
            intake,
            lambda: _("Your request to the Luxembourg AI Factory: %(status)s") % {
                "status": label.label},
            lambda: _("The status of your request is now: %(status)s.") % {"status": label.label})
    return intake


def intake_comment(*, access: Access, actor: Actor, intake_id: int, text: str,
                   public: bool) -> IntakeEvent:
    """A staff comment: internal, or to the requester (who is told, and which counts as the
    factory's response)."""
    text = text.strip()
    if not text:
        raise DomainError(_("Write the comment."), field="text")
    with transaction.atomic():
        intake = _staff_locked(access, intake_id)
        event = IntakeEvent.objects.create(intake=intake, actor_id=actor.user_id,
                                           kind=EventKind.COMMENT, public=public, text=text)
        if public:
            _responded(intake, event.at)
            intake.save(update_fields=["responded_at"])
            _tell_requester(intake, lambda: _("The Luxembourg AI Factory answered your request"),
                            lambda: text)
        audit_record(actor=actor, action="entry.commented", target=f"intake:{intake.pk}",
                     detail={"public": public})
    return event


def intake_reply(*, intake_id: int, actor: Actor, text: str) -> IntakeEvent:
    """The requester's reply (the caller has checked that ``actor`` is the requester or holds
    the follow link): the request's owner, or the operators, are told."""
    text = text.strip()
    if not text:
        raise DomainError(_("Write your message."), field="text")
    with transaction.atomic():
        intake = Intake.objects.select_for_update().get(pk=intake_id)
        if intake.status == IntakeStatus.UNVERIFIED:
            raise Conflict(_("Confirm your address first: open the link we e-mailed you."))
        event = IntakeEvent.objects.create(intake=intake, actor_id=actor.user_id,
                                           kind=EventKind.REPLY, text=text)
        if intake.status == IntakeStatus.CLOSED:
            intake.status, intake.closed_at = IntakeStatus.TRIAGED, None
            intake.save(update_fields=["status", "closed_at"])
        audit_record(actor=actor, action="entry.replied", target=f"intake:{intake.pk}")
        recipients = (_staff_user(intake.owner_id) if intake.owner_id
                      else staff_with_role(StaffRoleName.OPERATOR))
        notify(recipients, kind="entry.reply",
               text=lambda: _("%(who)s replied on their request") % {
                   "who": intake.organisation_name or intake.contact_name},
               link=reverse("entry_detail", kwargs={"intake_id": intake.pk}))
    return event


def intake_conclude(*, access: Access, actor: Actor, intake_id: int, outcome: str,
                    service: str = "", note: str = "") -> Intake:
    """Turn a request into a GPU request (the requester is sent to the allocation request form,
    filled in from the request) or a referral to one of the catalogue's services."""
    triage = load_triage()
    if outcome not in (Outcome.GPU_REQUEST, Outcome.REFERRAL):
        raise DomainError(_("Choose a GPU request or a referral."), field="outcome")
    if outcome == Outcome.REFERRAL and service not in triage.services:
        raise DomainError(_("Choose the service the request is referred to."), field="service")
    with transaction.atomic():
        intake = _staff_locked(access, intake_id)
        if intake.status == IntakeStatus.CLOSED:
            raise Conflict(_("The request is closed: reopen it first."))
        now = timezone.now()
        intake.outcome = outcome
        intake.referral_service = service if outcome == Outcome.REFERRAL else "gpu_allocation"
        if intake.status in (IntakeStatus.NEW, IntakeStatus.TRIAGED):
            intake.status = IntakeStatus.IN_PROGRESS
        _responded(intake, now)
        intake.save(update_fields=["outcome", "referral_service", "status", "responded_at"])
        IntakeEvent.objects.create(intake=intake, actor_id=actor.user_id, kind=EventKind.OUTCOME,
                                   text=note.strip(),
                                   detail={"outcome": outcome, "service": intake.referral_service})
        audit_record(actor=actor, action="entry.concluded", target=f"intake:{intake.pk}",
                     detail={"outcome": outcome, "service": intake.referral_service})
        service_of = triage.services[intake.referral_service]

        def body() -> str:
            if outcome == Outcome.GPU_REQUEST:
                text = _("The factory suggests you request GPU-hours on MeluXina-AI. The "
                         "request's page has the form, filled in from what you told us.")
            else:
                text = _("The factory refers your request to: %(service)s.") % {
                    "service": service_of.in_language(get_language() or "en")}
            return text + ("\n\n" + note.strip() if note.strip() else "")

        _tell_requester(intake, lambda: _("Your request to the Luxembourg AI Factory: next step"),
                        body)
    return intake
