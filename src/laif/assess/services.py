"""Writes of the AI maturity check: an organisation admin takes the check (scored by
``assess.scoring``); each check may publish a new snapshot of its sector's aggregate
(``assess.benchmark``), under the sector's lock."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.utils.translation import gettext as _

from laif.accounts.access import Access
from laif.accounts.audit import Actor, audit_record
from laif.accounts.errors import DomainError, NotFound, PermissionDenied
from laif.accounts.selectors import organisation_get
from laif.assess import benchmark, scoring
from laif.assess.models import Assessment, SectorBenchmark, SectorLock
from laif.catalogue.assess import Questionnaire, load_questionnaire


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
