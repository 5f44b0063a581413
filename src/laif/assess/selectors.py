"""Reads of the AI maturity check: an organisation's checks (its progress), one check's result
with the answers that drove each score, and the sector aggregate it may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from laif.accounts.access import Access
from laif.accounts.audit import Actor
from laif.accounts.errors import NotFound
from laif.accounts.selectors import organisation_get
from laif.assess import benchmark, scoring
from laif.assess import roadmap as roadmap_rules
from laif.assess.models import Assessment, Roadmap, SectorBenchmark, UseCase
from laif.catalogue.assess import load_questionnaire


def assessments_of(*, access: Access, actor: Actor | None, organisation_id: int) -> list[Assessment]:
    """The organisation's checks, oldest first (members and client-facing staff)."""
    if not access.can_view_org(organisation_id):
        raise NotFound(_("Organisation not found."))
    return list(Assessment.objects.filter(organisation_id=organisation_id))


def result_of(assessment: Assessment) -> scoring.Result:
    """A check's scores with their drivers, under the questionnaire version it was taken on
    (today's file: a check of an older version shows its stored scores without drivers)."""
    questionnaire = load_questionnaire()
    if assessment.version == questionnaire.version:
        return scoring.score(assessment.answers, questionnaire)
    return scoring.Result(tuple(scoring.DimensionScore(k, int(v), ())
                                for k, v in assessment.scores.items()),
                          assessment.overall, assessment.level)


@dataclass(frozen=True)
class BenchmarkView:
    sector: str
    values: dict[str, int | None] | None  # None: not shown (too few others)
    others: int  # organisations in the snapshot besides this one
    published_at: datetime | None


def benchmark_for(*, access: Access, organisation_id: int,
                  actor: Actor | None = None) -> BenchmarkView:
    """The sector aggregate this organisation may see: the latest snapshot, when at least five
    other organisations are in it."""
    if not access.can_view_org(organisation_id):
        raise NotFound(_("Organisation not found."))
    organisation = organisation_get(access=access, actor=actor or Actor(None, "system"),
                                    organisation_id=organisation_id)
    version = load_questionnaire().version
    last = (SectorBenchmark.objects.filter(sector=organisation.sector, version=version)
            .order_by("-published_at", "-pk").first())
    if last is None:
        return BenchmarkView(organisation.sector, None, 0, None)
    contributors = [int(k) for k in last.contributions]
    others = len(set(contributors) - {organisation_id})
    if not benchmark.visible_to(contributors, organisation_id):
        return BenchmarkView(organisation.sector, None, others, last.published_at)
    return BenchmarkView(organisation.sector, dict(last.values), others, last.published_at)


@dataclass(frozen=True)
class RoadmapView:
    roadmap: Roadmap | None
    use_cases: list[UseCase]
    needs: tuple[roadmap_rules.Need, ...]  # from the latest check


def roadmap_of(*, access: Access, organisation_id: int) -> RoadmapView:
    """The organisation's roadmap with its use cases, and the prerequisites its latest check
    calls for (members and client-facing staff)."""
    if not access.can_view_org(organisation_id):
        raise NotFound(_("Organisation not found."))
    plan = Roadmap.objects.filter(organisation_id=organisation_id).first()
    latest = (Assessment.objects.filter(organisation_id=organisation_id)
              .order_by("-taken_at", "-pk").first())
    needs = roadmap_rules.prerequisites(latest.scores, load_questionnaire()) if latest else ()
    return RoadmapView(plan, list(plan.use_cases.all()) if plan else [], needs)
