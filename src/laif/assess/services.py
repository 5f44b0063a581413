"""Writes of the AI maturity check: an organisation admin takes the check (scored by
``assess.scoring``); each check may publish a new snapshot of its sector's aggregate
(``assess.benchmark``), under the sector's lock."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from laif.accounts.access import Access
from laif.accounts.audit import Actor, audit_record
from laif.accounts.errors import Conflict, DomainError, NotFound, PermissionDenied
from laif.accounts.selectors import organisation_get
from laif.assess import benchmark, roadmap, scoring
from laif.assess.models import Assessment, Roadmap, SectorBenchmark, SectorLock, UseCase
from laif.catalogue.assess import Questionnaire, load_questionnaire
from laif.catalogue.entry import load_triage
from laif.catalogue.funding import load_funding


def assessment_submit(*, access: Access, actor: Actor, organisation_id: int,
                      answers: Mapping[str, str],
                      questionnaire: Questionnaire | None = None) -> Assessment:
    """Score and record a check of the organisation (its admins); it counts in its sector's
    aggregate from now on."""
    if not access.can_view_org(organisation_id):
        raise NotFound(_("Organisation not found."))
    if not access.is_org_admin(organisation_id):
        raise PermissionDenied(_("An administrator of the organisation takes the check for it."))
    questionnaire = questionnaire or load_questionnaire()
    try:
        result = scoring.score(answers, questionnaire)
    except scoring.AnswerError as exc:
        raise DomainError(_("Answer every question with one of the answers offered."),
                          field=exc.field) from exc
    organisation = organisation_get(access=access, actor=actor, organisation_id=organisation_id)
    with transaction.atomic():
        assessment = Assessment.objects.create(
            organisation_id=organisation_id, taken_by_id=actor.user_id,
            version=questionnaire.version, sector=organisation.sector, answers=dict(answers),
            scores=result.scores(), overall=result.overall, level=result.level)
        published = benchmark_refresh(sector=organisation.sector, questionnaire=questionnaire)
        audit_record(actor=actor, action="assess.taken", target=f"assessment:{assessment.pk}",
                     organisation_id=organisation_id,
                     detail={"overall": result.overall, "level": result.level,
                             "version": questionnaire.version,
                             "benchmark": published.pk if published else None})
    return assessment


def contributions(sector: str, version: int) -> dict[int, Assessment]:
    """Each organisation's latest check of this questionnaire version in the sector."""
    latest: dict[int, Assessment] = {}
    for a in Assessment.objects.filter(sector=sector, version=version).order_by("taken_at", "pk"):
        latest[a.organisation_id] = a
    return latest


def benchmark_refresh(*, sector: str, questionnaire: Questionnaire) -> SectorBenchmark | None:
    """Publish a new snapshot of the sector's aggregate when it is due (enough contributors,
    enough changed since the last one); None otherwise. Idempotent."""
    with transaction.atomic():
        SectorLock.objects.get_or_create(sector=sector)
        SectorLock.objects.select_for_update().get(sector=sector)
        last = (SectorBenchmark.objects.filter(sector=sector, version=questionnaire.version)
                .order_by("-published_at", "-pk").first())
        current = contributions(sector, questionnaire.version)
        ids = {org: a.pk for org, a in current.items()}
        published = ({int(k): int(v) for k, v in last.contributions.items()}
                     if last is not None else None)
        if not benchmark.due(published, ids):
            return None
        dimensions = [d.key for d in questionnaire.dimensions]
        values = benchmark.publishable({org: a.scores for org, a in current.items()},
                                       dimensions)
        return SectorBenchmark.objects.create(
            sector=sector, version=questionnaire.version,
            contributions={str(k): v for k, v in ids.items()}, values=values)


# ------------------------------------------------------------------------------- roadmap


@dataclass(frozen=True)
class UseCaseData:
    title: str
    objective: str
    kpi: str
    horizon_months: int
    roi_percent: int | None = None
    prerequisites: str = ""
    services: tuple[str, ...] = ()
    funding: tuple[str, ...] = ()
    gpu_hours: int | None = None


def _admin_of(access: Access, organisation_id: int) -> None:
    if not access.can_view_org(organisation_id):
        raise NotFound(_("Organisation not found."))
    if not access.is_org_admin(organisation_id):
        raise PermissionDenied(_("An administrator of the organisation edits its roadmap."))


def _clean(data: UseCaseData) -> UseCaseData:
    field = roadmap.check_figures(roi_percent=data.roi_percent,
                                  horizon_months=data.horizon_months, gpu_hours=data.gpu_hours)
    if field is not None:
        raise DomainError(_("This figure is out of bounds."), field=field)
    if not set(data.services) <= set(load_triage().services):
        raise DomainError(_("Choose services of the catalogue."), field="services")
    if not set(data.funding) <= {i.code for i in load_funding().instruments}:
        raise DomainError(_("Choose funding instruments of the catalogue."), field="funding")
    for name in ("title", "objective", "kpi"):
        if not getattr(data, name).strip():
            raise DomainError(_("This field is required."), field=name)
    return data


def _draft_use_case(latest: Assessment | None, given: UseCaseData | None,
                    questionnaire: Questionnaire, language: str) -> UseCaseData:
    """The first use case of a draft: what the organisation gave (a request to the factory)
    or a template to edit, with the prerequisites of its latest check."""
    needs = roadmap.prerequisites(latest.scores if latest else {}, questionnaire)
    steps = "\n".join(f"- {n.prerequisite.in_language(language)}" for n in needs)
    base = given or UseCaseData(
        title=_("First AI use case"), objective=_("Describe what the use case improves."),
        kpi=_("The indicator it moves, e.g. the share of parts rejected"), horizon_months=12,
        gpu_hours=None)
    return UseCaseData(
        title=base.title, objective=base.objective, kpi=base.kpi,
        horizon_months=base.horizon_months, roi_percent=base.roi_percent,
        prerequisites=base.prerequisites or steps,
        services=base.services or tuple(roadmap.services_for(needs, gpu=True)),
        funding=base.funding or roadmap.DEFAULT_FUNDING, gpu_hours=base.gpu_hours)


def roadmap_draft(*, access: Access, actor: Actor, organisation_id: int,
                  use_case: UseCaseData | None = None, language: str = "en") -> Roadmap:
    """Start the organisation's roadmap from its latest check (once; afterwards it is edited)."""
    _admin_of(access, organisation_id)
    questionnaire = load_questionnaire()
    with transaction.atomic():
        if Roadmap.objects.filter(organisation_id=organisation_id).exists():
            raise Conflict(_("The organisation has a roadmap already: edit it."))
        latest = (Assessment.objects.filter(organisation_id=organisation_id)
                  .order_by("-taken_at", "-pk").first())
        plan = Roadmap.objects.create(organisation_id=organisation_id, assessment=latest,
                                      updated_by_id=actor.user_id)
        first = _clean(_draft_use_case(latest, use_case, questionnaire, language))
        UseCase.objects.create(roadmap=plan, position=1, **_fields(first))
        audit_record(actor=actor, action="assess.roadmap_drafted", target=f"roadmap:{plan.pk}",
                     organisation_id=organisation_id,
                     detail={"assessment": latest.pk if latest else None})
    return plan


def _fields(data: UseCaseData) -> dict[str, object]:
    return {"title": data.title.strip(), "objective": data.objective.strip(),
            "kpi": data.kpi.strip(), "roi_percent": data.roi_percent,
            "horizon_months": data.horizon_months, "prerequisites": data.prerequisites.strip(),
            "services": list(data.services), "funding": list(data.funding),
            "gpu_hours": data.gpu_hours}


def use_case_save(*, access: Access, actor: Actor, organisation_id: int,
                  use_case_id: int | None, data: UseCaseData) -> UseCase:
    """Add a use case to the organisation's roadmap, or change one."""
    _admin_of(access, organisation_id)
    data = _clean(data)
    with transaction.atomic():
        plan = Roadmap.objects.select_for_update().filter(organisation_id=organisation_id).first()
        if plan is None:  # the first use case drafts the roadmap around it
            if use_case_id is not None:
                raise NotFound(_("No such use case."))
            drafted = roadmap_draft(access=access, actor=actor, organisation_id=organisation_id,
                                    use_case=data)
            return drafted.use_cases.get()
        if use_case_id is None:
            if plan.use_cases.count() >= roadmap.MAX_USE_CASES:
                raise Conflict(_("A roadmap holds at most %(n)d use cases.") % {
                    "n": roadmap.MAX_USE_CASES})
            last = plan.use_cases.order_by("-position").first()
            found = UseCase.objects.create(roadmap=plan, position=(last.position if last else 0)
                                           + 1, **_fields(data))
        else:
            existing = plan.use_cases.filter(pk=use_case_id).first()
            if existing is None:
                raise NotFound(_("No such use case."))
            found = existing
            for name, value in _fields(data).items():
                setattr(found, name, value)
            found.save()
        plan.updated_by_id = actor.user_id
        plan.save(update_fields=["updated_by", "updated_at"])
        audit_record(actor=actor, action="assess.use_case_saved", target=f"use_case:{found.pk}",
                     organisation_id=organisation_id)
    return found


def use_case_delete(*, access: Access, actor: Actor, organisation_id: int,
                    use_case_id: int) -> None:
    _admin_of(access, organisation_id)
    with transaction.atomic():
        deleted, _n = UseCase.objects.filter(roadmap__organisation_id=organisation_id,
                                             pk=use_case_id).delete()
        if not deleted:
            raise NotFound(_("No such use case."))
        audit_record(actor=actor, action="assess.use_case_deleted",
                     target=f"use_case:{use_case_id}", organisation_id=organisation_id)
