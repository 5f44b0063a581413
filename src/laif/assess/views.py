"""Pages of the AI maturity check: an organisation's result (each dimension's score and the
answers that drove it, the level, the progress over its checks as a chart, the sector
aggregate it may see) and the questionnaire its admins fill in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from laif.accounts.errors import DomainError, NotFound, PermissionDenied
from laif.accounts.requestinfo import access_of, actor_of
from laif.accounts.selectors import organisation_get
from laif.accounts.views import page
from laif.assess import chart, forms, selectors, services
from laif.assess.models import Assessment
from laif.catalogue.assess import load_questionnaire


@dataclass(frozen=True)
class Row:
    key: str
    title: str
    score: int
    sector: int | None
    drivers: list[tuple[str, str, int, int]]  # question, answer, points, max


def _rows(assessment: Assessment, benchmark: selectors.BenchmarkView) -> list[Row]:
    questionnaire = load_questionnaire()
    language = get_language() or "en"
    questions = questionnaire.questions()
    rows = []
    for d in selectors.result_of(assessment).dimensions:
        dimension = questionnaire.dimension(d.dimension)
        drivers = []
        for driver in d.drivers:
            question = questions[driver.question]
            option = question.option(driver.option)
            drivers.append((question.in_language(language),
                            option.in_language(language) if option else driver.option,
                            driver.points, driver.max_points))
        rows.append(Row(d.dimension, dimension.in_language(language), d.score,
                        (benchmark.values or {}).get(d.dimension), drivers))
    return rows


@page
@require_GET
def maturity(request: HttpRequest, org_id: int) -> HttpResponse:
    access, actor = access_of(request), actor_of(request)
    org = organisation_get(access=access, actor=actor, organisation_id=org_id)
    checks = selectors.assessments_of(access=access, actor=actor, organisation_id=org_id)
    benchmark = selectors.benchmark_for(access=access, organisation_id=org_id, actor=actor)
    questionnaire = load_questionnaire()
    language = get_language() or "en"
    latest = checks[-1] if checks else None
    context: dict[str, Any] = {
        "org": org, "checks": checks, "latest": latest, "benchmark": benchmark,
        "is_admin": access.is_org_admin(org_id), "questionnaire": questionnaire,
        "grid": chart.grid(), "width": chart.WIDTH, "height": chart.HEIGHT,
    }
    if latest is not None:
        context["rows"] = _rows(latest, benchmark)
        context["level"] = questionnaire.level(latest.level)
        context["level_title"] = context["level"].in_language(language)
        context["level_summary"] = context["level"].summary(language)
        context["overall_line"] = chart.series("overall", [c.overall for c in checks])
        context["dimension_lines"] = [
            (d.in_language(language), chart.series(d.key, [int(c.scores.get(d.key, 0))
                                                            for c in checks]))
            for d in questionnaire.dimensions]
        previous = checks[-2] if len(checks) > 1 else None
        context["previous"] = previous
    return render(request, "assess/maturity.html", context)


@page
@require_http_methods(["GET", "POST"])
def take(request: HttpRequest, org_id: int) -> HttpResponse:
    access, actor = access_of(request), actor_of(request)
    org = organisation_get(access=access, actor=actor, organisation_id=org_id)
    if not access.is_org_admin(org_id):
        raise PermissionDenied(_("An administrator of the organisation takes the check for it."))
    checks = selectors.assessments_of(access=access, actor=actor, organisation_id=org_id)
    initial = dict(checks[-1].answers) if checks else None
    form = forms.AssessmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            done = services.assessment_submit(access=access, actor=actor,
                                              organisation_id=org_id, answers=form.answers())
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("Your check is recorded: overall score %(score)d, "
                                        "level %(level)d.") % {"score": done.overall,
                                                                "level": done.level})
            return redirect("maturity", org_id=org_id)
    return render(request, "assess/take.html", {"org": org, "form": form,
                                                "questionnaire": load_questionnaire()})
