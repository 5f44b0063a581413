"""Reads of the AI system register: an organisation's systems, one system with its classification
history and its obligations in the rulebook's order (members of the organisation and the
client-facing staff)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from laif.accounts.access import Access
from laif.accounts.audit import Actor
from laif.accounts.errors import NotFound, PermissionDenied
from laif.accounts.selectors import audit_staff_read, org_admins, project_lead_ids, users_of
from laif.catalogue.ai_act import Rule, Rulebook, load_ai_act

if TYPE_CHECKING:
    from laif.accounts.models import User
from laif.govern.models import (
    AiSystem,
    Classification,
    DriftBatch,
    DriftMonitor,
    Incident,
    MonitoringEvent,
    Obligation,
)


def _systems() -> QuerySet[AiSystem]:
    """Each with its latest classification's category ("" before the first)."""
    latest = (Classification.objects.filter(system=OuterRef("pk"))
              .order_by("-created_at", "-pk").values("category")[:1])
    return AiSystem.objects.select_related("organisation", "project").annotate(
        latest_category=Coalesce(Subquery(latest), Value("")))


def systems_of(*, access: Access, organisation_id: int) -> list[AiSystem]:
    if not access.can_view_org(organisation_id):
        raise NotFound(_("Organisation not found."))
    return list(_systems().filter(organisation_id=organisation_id))


def system_get(*, access: Access, actor: Actor, system_id: int) -> AiSystem:
    system = _systems().filter(pk=system_id).first()
    if system is None or not access.can_view_org(system.organisation_id):
        raise NotFound(_("No such AI system."))
    audit_staff_read(access, actor, f"ai_system:{system.pk}", system.organisation_id)
    return system


def may_edit(access: Access, system: AiSystem) -> bool:
    """The organisation's admins, and the leads of the project the system is tied to."""
    return access.is_org_admin(system.organisation_id) or (
        system.project_id is not None
        and access.can_manage_project(system.project_id, system.organisation_id))


def system_to_change(*, access: Access, actor: Actor, system_id: int) -> AiSystem:
    """The system, for one who may change it (``may_edit``); PermissionDenied otherwise."""
    system = system_get(access=access, actor=actor, system_id=system_id)
    if not may_edit(access, system):
        raise PermissionDenied(_("An administrator of the organisation, or a lead of the "
                                 "system's project, changes its register entry and monitors "
                                 "it."))
    return system


def answerable(system: AiSystem) -> list[User]:
    """The people told of the system's events: its organisation's admins and its project's
    leads."""
    people = {u.pk: u for u in org_admins(system.organisation_id)}
    if system.project_id is not None:
        people.update({u.pk: u for u in users_of(project_lead_ids(system.project_id))})
    return list(people.values())


def incident_get(*, access: Access, actor: Actor, incident_id: int) -> Incident:
    """The incident, for one who may see its system."""
    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None:
        raise NotFound(_("No such incident."))
    system_get(access=access, actor=actor, system_id=incident.system_id)
    return incident


def incidents_of(system: AiSystem) -> list[Incident]:
    """The system's serious incidents, the latest first."""
    return list(system.incidents.order_by("-aware_on", "-pk"))


def classifications_of(system: AiSystem) -> list[Classification]:
    """Oldest first."""
    return list(system.classifications.all())


@dataclass(frozen=True)
class ObligationRow:
    obligation: Obligation
    rule: Rule | None  # None: the rulebook in force no longer has it


def obligations_of(system: AiSystem, book: Rulebook | None = None) -> list[ObligationRow]:
    """The system's obligations, those required first, each in the rulebook's order."""
    book = book or load_ai_act()
    order = {r.key: i for i, r in enumerate((*book.transparency, *book.obligations,
                                             *book.exemption_duties, *book.gpai))}
    rows = [ObligationRow(o, book.duty(o.key)) for o in system.obligations.all()]
    return sorted(rows, key=lambda r: (not r.obligation.required,
                                       order.get(r.obligation.key, len(order)),
                                       r.obligation.pk))


def monitor_get(*, access: Access, actor: Actor, monitor_id: int) -> DriftMonitor:
    monitor = DriftMonitor.objects.select_related("system").filter(pk=monitor_id).first()
    if monitor is None or not access.can_view_org(monitor.system.organisation_id):
        raise NotFound(_("No such drift monitor."))
    audit_staff_read(access, actor, f"drift_monitor:{monitor.pk}",
                     monitor.system.organisation_id)
    return monitor


@dataclass(frozen=True)
class MonitorRow:
    monitor: DriftMonitor
    latest: DriftBatch | None  # None before the first batch
    batches: int


def monitors_of(system: AiSystem) -> list[MonitorRow]:
    """The system's monitors, oldest first, each with its latest batch."""
    latest: dict[int, DriftBatch] = {}
    counts: dict[int, int] = {}
    for batch in (DriftBatch.objects.filter(monitor__system=system).defer("results")
                  .order_by("created_at", "pk")):
        latest[batch.monitor_id] = batch
        counts[batch.monitor_id] = counts.get(batch.monitor_id, 0) + 1
    return [MonitorRow(m, latest.get(m.pk), counts.get(m.pk, 0)) for m in system.monitors.all()]


def batches_of(monitor: DriftMonitor) -> list[DriftBatch]:
    """Oldest first."""
    return list(monitor.batches.all())


def batch_get(monitor: DriftMonitor, batch_id: int) -> DriftBatch:
    batch = monitor.batches.filter(pk=batch_id).first()
    if batch is None:
        raise NotFound(_("No such batch."))
    return batch


def events_of(system: AiSystem) -> list[MonitoringEvent]:
    """The system's post-market monitoring events, newest first."""
    return list(system.events.select_related("batch__monitor", "incident")
                .order_by("-created_at", "-pk"))
