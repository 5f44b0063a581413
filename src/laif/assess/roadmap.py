"""A roadmap's rules that need no database (pure Python, no Django): the prerequisites a draft
starts from (each dimension of the latest maturity check below its threshold, weakest first,
with the factory service that helps), the services and funding a use case proposes, and the
bounds of a use case's figures."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from laif.catalogue.assess import Prerequisite, Questionnaire

MAX_ROI_PERCENT = 1000
MAX_HORIZON_MONTHS = 60
MAX_USE_CASES = 20
# a use case's funding, proposed until staff or the organisation choose: the instruments for
# the costs of a first AI project and of its compute (catalogue/funding.json codes)
DEFAULT_FUNDING = ("fit4ai", "compute_cashback")


@dataclass(frozen=True)
class Need:
    """A prerequisite a check calls for: the dimension, its score, what to do, who helps."""

    dimension: str
    score: int
    prerequisite: Prerequisite


def prerequisites(scores: Mapping[str, int], questionnaire: Questionnaire) -> tuple[Need, ...]:
    """The prerequisites of the dimensions scoring below their threshold, weakest first."""
    found = [Need(p.dimension, int(scores[p.dimension]), p)
             for p in questionnaire.prerequisites
             if p.dimension in scores and int(scores[p.dimension]) < p.below]
    return tuple(sorted(found, key=lambda n: (n.score, n.dimension)))


def services_for(needs: tuple[Need, ...], *, gpu: bool) -> list[str]:
    """The services a use case proposes: those of its prerequisites, and a GPU allocation when
    it trains or runs a model on MeluXina-AI; each once."""
    keys = [n.prerequisite.service for n in needs]
    if gpu:
        keys.append("gpu_allocation")
    return list(dict.fromkeys(keys))


def check_figures(*, roi_percent: int | None, horizon_months: int,
                  gpu_hours: int | None) -> str | None:
    """The field of the first figure out of bounds, or None."""
    if roi_percent is not None and not 0 <= roi_percent <= MAX_ROI_PERCENT:
        return "roi_percent"
    if not 1 <= horizon_months <= MAX_HORIZON_MONTHS:
        return "horizon_months"
    if gpu_hours is not None and not 1 <= gpu_hours <= 10_000_000:
        return "gpu_hours"
    return None
