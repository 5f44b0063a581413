"""Writes of serious incidents (Art. 73): an incident is recorded with when the provider became
aware of it and its kind, which sets the last day to report it to the market surveillance
authority (``catalogue/ai_act.json``); it is a post-market monitoring event (Art. 72) and word,
in-app and by e-mail, to the organisation's admins and the system's project leads; its report
is recorded with the authority's reference. The admins and the project's leads write."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from laif.accounts.access import Access
from laif.accounts.audit import Actor, audit_record
from laif.accounts.errors import DomainError
from laif.accounts.notices import mail_on_commit
from laif.catalogue.ai_act import load_ai_act
from laif.govern.models import EventKind, Incident, MonitoringEvent
from laif.govern.selectors import answerable, incident_get, system_to_change


def incident_record(*, access: Access, actor: Actor, system_id: int, kind: str,
                    description: str, aware_on: date) -> Incident:
    """Record a serious incident; its reporting deadline follows from its kind."""
    system = system_to_change(access=access, actor=actor, system_id=system_id)
    found = load_ai_act().incident_kind(kind)
    if found is None:
        raise DomainError(_("Choose a kind of incident of the list."), field="kind")
    description = description.strip()
    if not description or "\x00" in description:
        raise DomainError(_("Describe what happened."), field="description")
    today = timezone.localdate()
    if aware_on > today or aware_on.year < 2024:
        raise DomainError(_("Give the day you became aware of it: today or before."),
                          field="aware_on")
    with transaction.atomic():
        incident = Incident.objects.create(
            system=system, kind=found.key, article=found.article, description=description,
            aware_on=aware_on, deadline=found.deadline(aware_on), created_by_id=actor.user_id)
        MonitoringEvent.objects.create(system=system, kind=EventKind.INCIDENT, incident=incident)
        audit_record(actor=actor, action="govern.incident_recorded",
                     target=f"ai_system:{system.pk}", organisation_id=system.organisation_id,
                     detail={"incident": incident.pk, "kind": found.key,
                             "deadline": incident.deadline.isoformat()})
        link = settings.LAIF_SITE_URL + reverse("ai_system", kwargs={
            "system_id": system.pk}) + f"#incident-{incident.pk}"

        def subject() -> str:
            return _("Serious incident of %(system)s: report it by %(date)s") % {
                "system": system.name, "date": date_format(incident.deadline, "DATE_FORMAT")}

        def body() -> str:
            return _("A serious incident of %(system)s was recorded: %(description)s\n\nUnder "
                     "%(article)s of the AI Act it must be reported to the market surveillance "
                     "authority by %(date)s.\n\n%(link)s") % {
                "system": system.name, "description": description,
                "article": found.article, "date": date_format(incident.deadline, "DATE_FORMAT"),
                "link": link}

        mail_on_commit(answerable(system), subject, body, kind="govern.incident", link=link)
    return incident


def incident_reported(*, access: Access, actor: Actor, incident_id: int, reported_on: date,
                      reference: str) -> Incident:
    """Record that the incident was reported to the authority, with its reference."""
    incident = incident_get(access=access, actor=actor, incident_id=incident_id)
    system = system_to_change(access=access, actor=actor, system_id=incident.system_id)
    reference = reference.strip()
    if "\x00" in reference:
        raise DomainError(_("This field contains a NUL character."), field="reference")
    if reported_on > timezone.localdate() or reported_on < incident.aware_on:
        raise DomainError(_("Give the day it was reported: between the day you became aware "
                            "of it and today."), field="reported_on")
    with transaction.atomic():
        Incident.objects.filter(pk=incident.pk).update(reported_on=reported_on,
                                                       authority_reference=reference[:200])
        incident.refresh_from_db()
        audit_record(actor=actor, action="govern.incident_reported",
                     target=f"ai_system:{system.pk}", organisation_id=system.organisation_id,
                     detail={"incident": incident.pk, "reported_on": reported_on.isoformat(),
                             "late": reported_on > incident.deadline})
    return incident
