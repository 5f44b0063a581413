"""Writes of the AI system register: an organisation registers an AI system, classifies it under
the EU AI Act (``govern.ai_act``, every conclusion with its article) and keeps the status and
evidence of each obligation that follows. The organisation's admins write, and the leads of the
project the system is tied to; every write is in the audit log."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from laif.accounts.access import Access
from laif.accounts.audit import Actor, audit_record
from laif.accounts.errors import DomainError, NotFound, PermissionDenied
from laif.accounts.selectors import organisation_get, project_of
from laif.catalogue.ai_act import Rulebook, load_ai_act
from laif.govern import ai_act
from laif.govern.models import AiSystem, Classification, Obligation, ObligationStatus
from laif.govern.selectors import system_to_change


def _text(value: str, field: str, *, required: bool = True) -> str:
    value = value.strip()
    if "\x00" in value:
        raise DomainError(_("This field contains a NUL character."), field=field)
    if required and not value:
        raise DomainError(_("This field is required."), field=field)
    return value


def ai_system_register(*, access: Access, actor: Actor, organisation_id: int, name: str,
                       purpose: str, project_id: int | None = None) -> AiSystem:
    """Add an AI system to the organisation's register (its admins, or a lead of the project it
    is tied to)."""
    organisation_get(access=access, actor=actor, organisation_id=organisation_id)
    project = project_of(project_id) if project_id is not None else None
    if project_id is not None and (project is None or project.organisation_id != organisation_id):
        raise DomainError(_("Choose a project of the organisation."), field="project_id")
    allowed = access.is_org_admin(organisation_id) or (
        project_id is not None and access.can_manage_project(project_id, organisation_id))
    if not allowed:
        raise PermissionDenied(_("An administrator of the organisation, or a lead of the "
                                 "system's project, registers it."))
    with transaction.atomic():
        system = AiSystem.objects.create(
            organisation_id=organisation_id, project_id=project_id,
            name=_text(name, "name"), purpose=_text(purpose, "purpose"),
            created_by_id=actor.user_id)
        audit_record(actor=actor, action="govern.system_registered", target=f"ai_system:{system.pk}",
                     organisation_id=organisation_id,
                     detail={"name": system.name, "project": project_id})
    return system


def ai_system_classify(*, access: Access, actor: Actor, system_id: int,
                       answers: Mapping[str, Any], book: Rulebook | None = None
                       ) -> Classification:
    """Classify the system from the questionnaire's answers; the obligations that follow are
    added to its list (those it had keep their status and evidence; those no longer brought are
    marked so, never deleted)."""
    book = book or load_ai_act()
    try:
        given = ai_act.answers_from_json(answers)
        result = ai_act.classify(book, given)
    except ai_act.UnknownAnswer as exc:
        raise DomainError(_("Answer with the choices the questionnaire offers (%(detail)s).")
                          % {"detail": exc}, field=exc.field) from exc
    with transaction.atomic():
        system = AiSystem.objects.select_for_update().get(
            pk=system_to_change(access=access, actor=actor, system_id=system_id).pk)
        keys = [r.key for r in result.obligations]
        done = Classification.objects.create(
            system=system, created_by_id=actor.user_id, rulebook_version=book.version,
            answers=ai_act.answers_to_json(given), category=result.category.value,
            conclusions=[{"article": c.article, "en": c.en, "fr": c.fr}
                         for c in result.conclusions],
            obligations=keys)
        existing = {o.key: o for o in system.obligations.all()}
        for rule in result.obligations:
            found = existing.get(rule.key)
            if found is None:
                Obligation.objects.create(system=system, key=rule.key, article=rule.article,
                                          who=rule.who, updated_by_id=actor.user_id)
            elif not found.required or found.article != rule.article:
                found.required, found.article = True, rule.article
                found.save(update_fields=["required", "article", "updated_at"])
        system.obligations.filter(required=True).exclude(key__in=keys).update(required=False)
        audit_record(actor=actor, action="govern.classified", target=f"ai_system:{system.pk}",
                     organisation_id=system.organisation_id,
                     detail={"category": done.category, "rulebook": book.version,
                             "articles": list(result.articles)})
    return done


def obligation_update(*, access: Access, actor: Actor, system_id: int, key: str, status: str,
                      evidence: str) -> Obligation:
    """Set an obligation's status and evidence; "met" names its evidence."""
    if status not in ObligationStatus.values:
        raise DomainError(_("Choose a status of the list."), field="status")
    evidence = _text(evidence, "evidence", required=status == ObligationStatus.MET)
    with transaction.atomic():
        system = system_to_change(access=access, actor=actor, system_id=system_id)
        found = system.obligations.select_for_update().filter(key=key).first()
        if found is None:
            raise NotFound(_("The system has no such obligation."))
        before = found.status
        found.status, found.evidence, found.updated_by_id = status, evidence, actor.user_id
        found.save(update_fields=["status", "evidence", "updated_by", "updated_at"])
        audit_record(actor=actor, action="govern.obligation_updated",
                     target=f"ai_system:{system.pk}", organisation_id=system.organisation_id,
                     detail={"obligation": key, "from": before, "to": status})
    return found
