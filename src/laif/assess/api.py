"""REST endpoints of the AI maturity check: the questionnaire (anyone), an organisation's checks
(its members and client-facing staff; its admins take one) and the sector aggregate it may
see."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Status

from laif.accounts.requestinfo import access_of, actor_of
from laif.assess import schemas as s
from laif.assess import selectors, services
from laif.assess.models import Assessment
from laif.catalogue.assess import load_questionnaire
from laif.config.apitypes import Id

router = Router(tags=["AI maturity check"])


def _out(a: Assessment) -> s.AssessmentOut:
    result = selectors.result_of(a)
    return s.AssessmentOut(
        id=a.pk, organisation_id=a.organisation_id, taken_at=a.taken_at, version=a.version,
        overall=a.overall, level=a.level,
        scores=[s.ScoreOut(dimension=d.dimension, score=d.score,
                           drivers=[s.DriverOut(question=x.question, answer=x.option,
                                                points=x.points, max_points=x.max_points)
                                    for x in d.drivers])
                for d in result.dimensions])


@router.get("/assess/questionnaire", auth=None, response=s.QuestionnaireOut,
            summary="The AI maturity questionnaire in force (dimensions, questions, answers)")
def questionnaire(request: HttpRequest,
                  language: Literal["en", "fr"] = "en") -> s.QuestionnaireOut:
    q = load_questionnaire()
    return s.QuestionnaireOut(
        version=q.version, source=q.source,
        levels=[s.LevelOut(level=lv.level, starts_at=lv.starts_at, title=lv.in_language(language),
                           summary=lv.summary(language)) for lv in q.levels],
        dimensions=[s.DimensionOut(key=d.key, title=d.in_language(language), questions=[
            s.QuestionOut(key=qu.key, text=qu.in_language(language), options=[
                s.OptionOut(key=o.key, points=o.points, text=o.in_language(language))
                for o in qu.options]) for qu in d.questions]) for d in q.dimensions])


@router.get("/organisations/{org_id}/assessments", response=list[s.AssessmentOut],
            summary="An organisation's maturity checks, oldest first")
def assessment_list(request: HttpRequest, org_id: Id) -> list[s.AssessmentOut]:
    return [_out(a) for a in selectors.assessments_of(access=access_of(request),
                                                      actor=actor_of(request),
                                                      organisation_id=org_id)]


@router.post("/organisations/{org_id}/assessments", response={201: s.AssessmentOut},
             summary="Take the maturity check for an organisation (its admins)")
def assessment_submit(request: HttpRequest, org_id: Id, data: s.AssessmentIn) -> Status[Any]:
    done = services.assessment_submit(access=access_of(request), actor=actor_of(request),
                                      organisation_id=org_id, answers=data.answers)
    return Status(201, _out(done))


@router.get("/organisations/{org_id}/benchmark", response=s.BenchmarkOut,
            summary="The sector aggregate the organisation may see")
def benchmark(request: HttpRequest, org_id: Id) -> s.BenchmarkOut:
    view = selectors.benchmark_for(access=access_of(request), organisation_id=org_id,
                                   actor=actor_of(request))
    return s.BenchmarkOut(sector=view.sector, shown=view.values is not None, others=view.others,
                          published_at=view.published_at, values=view.values or {})
