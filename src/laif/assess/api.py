"""REST endpoints of the AI maturity check: the questionnaire (anyone), an organisation's checks
(its members and client-facing staff; its admins take one) and the sector aggregate it may
see."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language
from ninja import Router, Status

from laif.accounts.requestinfo import access_of, actor_of
from laif.assess import schemas as s
from laif.assess import selectors, services
from laif.assess.models import Assessment, UseCase
from laif.assess.roadmap_views import roadmap_pdf_bytes
from laif.billing.pdf import attachment
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


# ------------------------------------------------------------------------------- roadmap


def _roadmap(request: HttpRequest, org_id: int) -> s.RoadmapOut:
    view = selectors.roadmap_of(access=access_of(request), organisation_id=org_id)
    language = get_language() or "en"
    plan = view.roadmap
    return s.RoadmapOut(
        organisation_id=org_id, exists=plan is not None,
        assessment_id=plan.assessment_id if plan else None,
        updated_at=plan.updated_at if plan else None,
        prerequisites_from_check=[n.prerequisite.in_language(language) for n in view.needs],
        use_cases=[_use_case(u) for u in view.use_cases])


def _use_case(u: UseCase) -> s.UseCaseOut:
    return s.UseCaseOut(id=u.pk, position=u.position, title=u.title, objective=u.objective,
                        kpi=u.kpi, roi_percent=u.roi_percent, horizon_months=u.horizon_months,
                        prerequisites=u.prerequisites, services=list(u.services),
                        funding=list(u.funding), gpu_hours=u.gpu_hours)


def _data(data: s.UseCaseIn) -> services.UseCaseData:
    return services.UseCaseData(
        title=data.title, objective=data.objective, kpi=data.kpi,
        horizon_months=data.horizon_months, roi_percent=data.roi_percent,
        prerequisites=data.prerequisites, services=tuple(data.services),
        funding=tuple(data.funding), gpu_hours=data.gpu_hours)


@router.get("/organisations/{org_id}/roadmap", response=s.RoadmapOut,
            summary="The organisation's AI roadmap (members and client-facing staff)")
def roadmap_get(request: HttpRequest, org_id: Id) -> s.RoadmapOut:
    return _roadmap(request, org_id)


@router.post("/organisations/{org_id}/roadmap", response={201: s.RoadmapOut},
             summary="Draft the roadmap from the latest maturity check (its admins, once)")
def roadmap_draft(request: HttpRequest, org_id: Id) -> Status[Any]:
    services.roadmap_draft(access=access_of(request), actor=actor_of(request),
                           organisation_id=org_id, language=get_language() or "en")
    return Status(201, _roadmap(request, org_id))


@router.post("/organisations/{org_id}/roadmap/use-cases", response={201: s.UseCaseOut},
             summary="Add a use case (drafts the roadmap around it when there is none)")
def use_case_add(request: HttpRequest, org_id: Id, data: s.UseCaseIn) -> Status[Any]:
    found = services.use_case_save(access=access_of(request), actor=actor_of(request),
                                   organisation_id=org_id, use_case_id=None, data=_data(data))
    return Status(201, _use_case(found))


@router.put("/organisations/{org_id}/roadmap/use-cases/{use_case_id}", response=s.UseCaseOut,
            summary="Change a use case")
def use_case_change(request: HttpRequest, org_id: Id, use_case_id: Id,
                    data: s.UseCaseIn) -> s.UseCaseOut:
    return _use_case(services.use_case_save(access=access_of(request), actor=actor_of(request),
                                            organisation_id=org_id, use_case_id=use_case_id,
                                            data=_data(data)))


@router.delete("/organisations/{org_id}/roadmap/use-cases/{use_case_id}",
               response={204: None}, summary="Remove a use case")
def use_case_remove(request: HttpRequest, org_id: Id, use_case_id: Id) -> Status[Any]:
    services.use_case_delete(access=access_of(request), actor=actor_of(request),
                             organisation_id=org_id, use_case_id=use_case_id)
    return Status(204, None)


@router.get("/organisations/{org_id}/roadmap/pdf",
            summary="The roadmap as a PDF (application/pdf)")
def roadmap_pdf(request: HttpRequest, org_id: Id) -> HttpResponse:
    return attachment(roadmap_pdf_bytes(request, org_id), f"roadmap-{org_id}")
