"""Writes of Connect: who answers for an expert (operators), an introduction asked by a company
member, answered by the expert, withdrawn by the company. Each write is one transaction with its
audit entry; the e-mails leave after the commit and carry no contact details before the expert
accepts."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from laif.accounts.access import Access
from laif.accounts.audit import Actor, audit_record
from laif.accounts.choices import StaffRoleName
from laif.accounts.errors import Conflict, DomainError, NotFound, PermissionDenied
from laif.accounts.notices import mail_on_commit
from laif.accounts.selectors import active_user_by_email, organisation_of, staff_with_role, users_of
from laif.catalogue.connect import load_directory
from laif.connect import selectors
from laif.connect.models import ExpertContact, Introduction, IntroductionStatus

MAX_TEXT = 2000


def _expert(key: str) -> str:
    expert = load_directory().expert(key)
    if expert is None:
        raise NotFound(_("Expert not found."))
    return expert.name


def expert_contact_add(*, access: Access, actor: Actor, expert_key: str, email: str,
                       phone: str = "") -> ExpertContact:
    """Let a person answer introductions for an expert (operators)."""
    if StaffRoleName.OPERATOR not in access.staff_roles or actor.user_id is None:
        raise PermissionDenied(_("Only the factory's operators do this."))
    _expert(expert_key)
    user = active_user_by_email(email.strip())
    if user is None:
        raise DomainError(_("No active account has this e-mail address."), field="email")
    try:
        with transaction.atomic():
            contact = ExpertContact.objects.create(expert_key=expert_key, user=user,
                                                   phone=phone.strip()[:40],
                                                   added_by_id=actor.user_id)
            audit_record(actor=actor, action="connect.contact_added",
                         target=f"expert:{expert_key}", detail={"user": user.pk})
    except IntegrityError as exc:
        raise Conflict(_("This person already answers for this expert."), field="email") from exc
    return contact


def _link(introduction: Introduction) -> str:
    return settings.LAIF_SITE_URL + reverse("connect_introduction",
                                            kwargs={"introduction_id": introduction.pk})


def introduction_request(*, access: Access, actor: Actor, organisation_id: int, expert_key: str,
                         need: str, sector: str = "", message: str = "") -> Introduction:
    """Ask an expert for an introduction, for a need of the organisation (its members). The
    expert is told the organisation and the need, not who to write to: that comes with their
    acceptance."""
    if not access.can_view_org(organisation_id):
        raise NotFound(_("Organisation not found."))
    if organisation_id not in access.org_roles or access.user_id is None:
        raise PermissionDenied(_("Ask as a member of your organisation."))
    name = _expert(expert_key)
    found = selectors.match(need=need, sector=sector or None, language=None)
    mine = next((m for m in found if m.expert.key == expert_key), None)
    if len(message) > MAX_TEXT or "\x00" in message:
        raise DomainError(_("The message is too long."), field="message")
    org = organisation_of(organisation_id)
    assert org is not None
    try:
        with transaction.atomic():
            intro = Introduction.objects.create(
                organisation_id=organisation_id, requested_by_id=access.user_id,
                expert_key=expert_key, need=need.strip(), sector=sector,
                language=found[0].language if found else "en",
                competences=[c for c, _label in mine.competences] if mine else [],
                message=message.strip())
            audit_record(actor=actor, action="connect.introduction_requested",
                         target=f"introduction:{intro.pk}", organisation_id=organisation_id,
                         detail={"expert": expert_key})
    except IntegrityError as exc:
        raise Conflict(_("Your organisation already waits for this expert's answer."),
                       field="expert_key") from exc
    contacts = selectors.contacts_of(expert_key)
    people = [c.user for c in contacts] or staff_with_role(StaffRoleName.OPERATOR)
    mail_on_commit(people,
                   lambda: _("An introduction is asked of %(expert)s") % {"expert": name},
                   lambda: _("%(org)s would like an introduction to %(expert)s for this need:"
                             "\n\n%(need)s\n\nAccept or decline: %(link)s") % {
                       "org": org.name, "expert": name, "need": intro.need,
                       "link": _link(intro)},
                   kind="connect.requested", link=_link(intro))
    return intro


def _locked(introduction_id: int) -> Introduction:
    intro = Introduction.objects.select_for_update().filter(pk=introduction_id).first()
    if intro is None:
        raise NotFound(_("Introduction not found."))
    return intro


def introduction_decide(*, access: Access, actor: Actor, introduction_id: int, accept: bool,
                        answer: str = "") -> Introduction:
    """The expert accepts (the company then sees how to reach them, and they the company) or
    declines."""
    if len(answer) > MAX_TEXT or "\x00" in answer:
        raise DomainError(_("The answer is too long."), field="answer")
    with transaction.atomic():
        intro = _locked(introduction_id)
        view = selectors.introduction_get(access, introduction_id)
        if not view.answers:
            raise PermissionDenied(_("Only the expert's contacts answer."))
        if intro.status != IntroductionStatus.REQUESTED:
            raise Conflict(_("This introduction is already answered or withdrawn."))
        intro.status = IntroductionStatus.ACCEPTED if accept else IntroductionStatus.DECLINED
        intro.answer, intro.decided_by_id = answer.strip(), access.user_id
        intro.decided_at = timezone.now()
        intro.save(update_fields=["status", "answer", "decided_by", "decided_at"])
        audit_record(actor=actor, action="connect.introduction_decided",
                     target=f"introduction:{intro.pk}", organisation_id=intro.organisation_id,
                     detail={"status": intro.status})
        name = _expert(intro.expert_key)
        mail_on_commit(users_of([intro.requested_by_id]),
                       lambda: (_("%(expert)s accepted your introduction") if accept
                                else _("%(expert)s declined your introduction")) % {
                           "expert": name},
                       lambda: (_("How to reach them, and their answer: %(link)s") if accept
                                else _("Their answer, and other experts for your need: "
                                       "%(link)s")) % {"link": _link(intro)},
                       kind="connect.decided", link=_link(intro))
    return intro


def introduction_withdraw(*, access: Access, actor: Actor,
                          introduction_id: int) -> Introduction:
    with transaction.atomic():
        intro = _locked(introduction_id)
        view = selectors.introduction_get(access, introduction_id)
        if not view.asks:
            raise PermissionDenied(_("Only the organisation that asked withdraws it."))
        if intro.status != IntroductionStatus.REQUESTED:
            raise Conflict(_("This introduction is already answered or withdrawn."))
        intro.status, intro.decided_at = IntroductionStatus.WITHDRAWN, timezone.now()
        intro.decided_by_id = access.user_id
        intro.save(update_fields=["status", "decided_at", "decided_by"])
        audit_record(actor=actor, action="connect.introduction_withdrawn",
                     target=f"introduction:{intro.pk}", organisation_id=intro.organisation_id)
    return intro
