"""Reads of the AI system register: an organisation's systems, one system with its classification
history and its obligations in the rulebook's order (members of the organisation and the
client-facing staff)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from laif.accounts.access import Access
from laif.accounts.audit import Actor
from laif.accounts.errors import NotFound
from laif.accounts.selectors import audit_staff_read
from laif.catalogue.ai_act import Rule, Rulebook, load_ai_act
from laif.govern.models import AiSystem, Classification, Obligation


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
