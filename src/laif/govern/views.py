"""Pages of the AI system register: an organisation's systems (and registering one), a system
with its classification, the articles behind it and its obligations, and the AI Act
questionnaire."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO, TypeVar

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from laif.accounts.access import Access
from laif.accounts.errors import PermissionDenied
from laif.accounts.forms import BaseForm
from laif.accounts.language import active_language, offered
from laif.accounts.requestinfo import access_of, actor_of
from laif.accounts.selectors import organisation_get, projects_for
from laif.accounts.views import form_action, page
from laif.billing.pdf import attachment
from laif.catalogue.ai_act import article_in, load_ai_act
from laif.govern import annex_iv as annex_iv_module
from laif.govern import charts, forms, incidents, monitoring, selectors, services
from laif.govern.models import AiSystem, DriftMonitor, Incident, ObligationStatus

# The drift tests by name, as the pages write them (Evidently's own names in the API)
METHODS = {
    "ks": _l("Kolmogorov-Smirnov (p-value)"),
    "chisquare": _l("Chi-squared (p-value)"),
    "z": _l("Z-test for proportions (p-value)"),
    "wasserstein": _l("Wasserstein distance (normed)"),
    "jensenshannon": _l("Jensen-Shannon distance"),
    "psi": _l("Population stability index"),
}


def _projects(access: Access, org_id: int) -> list[tuple[int, str]]:
    """The organisation's projects this person may tie a system to."""
    return [(p.pk, p.name) for p in projects_for(access, organisation_id=org_id)
            if access.can_manage_project(p.pk, org_id)]


@page
@require_http_methods(["GET", "POST"])
def systems(request: HttpRequest, org_id: int) -> HttpResponse:
    access, actor = access_of(request), actor_of(request)
    org = organisation_get(access=access, actor=actor, organisation_id=org_id)
    found = selectors.systems_of(access=access, organisation_id=org_id)
    projects = _projects(access, org_id)
    may_register = access.is_org_admin(org_id) or bool(projects)
    form = forms.SystemForm(request.POST or None, projects=projects)
    if request.method == "POST":
        if not may_register:
            raise PermissionDenied(_("An administrator of the organisation, or a lead of the "
                                     "system's project, registers it."))
        made: list[AiSystem] = []
        if form_action(request, form, lambda d: made.append(services.ai_system_register(
                access=access, actor=actor, organisation_id=org_id, name=d["name"],
                purpose=d["purpose"], project_id=d["project_id"])),
                _("The AI system is registered: classify it now.")):
            return redirect("ai_system_classify", system_id=made[0].pk)
    return render(request, "govern/systems.html", {
        "org": org, "systems": found, "form": form, "may_register": may_register})


@dataclass(frozen=True)
class IncidentRow:
    incident: Incident
    kind: str  # in the page's language
    days_left: int  # to report it; negative: overdue
    late: bool  # ``Incident.late_on``
    form: forms.ReportedForm  # records its report

    @property
    def days(self) -> int:
        return abs(self.days_left)


def _incident_rows(system: AiSystem, bound: forms.ReportedForm | None = None,
                   bound_id: int | None = None) -> list[IncidentRow]:
    """The system's incidents for its page (``bound``: the form sent for ``bound_id``)."""
    book, language, today = load_ai_act(), active_language(), timezone.localdate()
    rows = []
    for incident in selectors.incidents_of(system):
        kind = book.incident_kind(incident.kind)
        form = (bound if bound is not None and incident.pk == bound_id
                else forms.ReportedForm(prefix=f"reported-{incident.pk}",
                                        initial={"reported_on": today}))
        rows.append(IncidentRow(incident, kind.in_language(language) if kind else incident.kind,
                                (incident.deadline - today).days, incident.late_on(today),
                                form))
    return rows


def _detail_context(request: HttpRequest, system: AiSystem) -> dict[str, Any]:
    access = access_of(request)
    history = selectors.classifications_of(system)
    language = active_language()
    latest = history[-1] if history else None
    context: dict[str, Any] = {
        "system": system, "org": system.organisation, "latest": latest,
        "conclusions": [(article_in(c["article"], language), c.get(language, c["en"]))
                        for c in (latest.conclusions if latest else [])],
        "history": list(reversed(history)),
        "rows": [(row, article_in(row.obligation.article, language),
                  row.rule.in_language(language) if row.rule else row.obligation.key,
                  forms.ObligationForm(initial={"status": row.obligation.status,
                                                "evidence": row.obligation.evidence},
                                       prefix=row.obligation.key))
                 for row in selectors.obligations_of(system)],
        "may_edit": selectors.may_edit(access, system),
        "monitors": selectors.monitors_of(system), "events": selectors.events_of(system),
        "monitor_form": forms.MonitorForm(),
        "incidents": _incident_rows(system),
        "incident_form": forms.IncidentForm(prefix="incident"),
    }
    required = [row for row, _article, _text, _form in context["rows"]
                if row.obligation.required]
    context["required"] = len(required)
    context["met"] = sum(row.obligation.status == ObligationStatus.MET for row in required)
    return context


@page
@require_GET
def system_detail(request: HttpRequest, system_id: int) -> HttpResponse:
    system = selectors.system_get(access=access_of(request), actor=actor_of(request),
                                  system_id=system_id)
    return render(request, "govern/system.html", _detail_context(request, system))


@page
@require_http_methods(["GET", "POST"])
def classify(request: HttpRequest, system_id: int) -> HttpResponse:
    access, actor = access_of(request), actor_of(request)
    system = selectors.system_to_change(access=access, actor=actor, system_id=system_id)
    history = selectors.classifications_of(system)
    form = forms.ClassifyForm(request.POST or None,
                              initial=history[-1].answers if history else {"roles": ["provider"]})
    if request.method == "POST" and form_action(
            request, form, lambda d: services.ai_system_classify(
                access=access, actor=actor, system_id=system_id, answers=form.answers()),
            _("The system is classified.")):
        return redirect("ai_system", system_id=system_id)
    return render(request, "govern/classify.html", {"system": system, "org": system.organisation,
                                                    "form": form, "book": form.book})


@page
@require_POST
def obligation(request: HttpRequest, system_id: int, key: str) -> HttpResponse:
    access, actor = access_of(request), actor_of(request)
    system = selectors.system_get(access=access, actor=actor, system_id=system_id)
    form = forms.ObligationForm(request.POST, prefix=key)
    if form_action(request, form, lambda d: services.obligation_update(
            access=access, actor=actor, system_id=system_id, key=key, status=d["status"],
            evidence=d["evidence"] or ""), _("The obligation is updated.")):
        return redirect(reverse("ai_system", kwargs={"system_id": system_id}) + f"#obligation-{key}")
    context = _detail_context(request, system)
    context["rows"] = [(row, article, text, form if row.obligation.key == key else f)
                       for row, article, text, f in context["rows"]]
    return render(request, "govern/system.html", context, status=400)


Made = TypeVar("Made")


def _with_upload(request: HttpRequest, form: BaseForm,
                 act: Callable[[dict[str, Any], BinaryIO, str], Made], done: str) -> Made | None:
    """Run ``act`` on a valid form's uploaded file (``form_action``: the service's errors on
    the form); what it made, or None."""
    made: list[Made] = []
    if form.is_valid():
        upload = form.cleaned_data["file"]
        with upload.open("rb") as src:
            form_action(request, form, lambda d: made.append(
                act(d, src, upload.name or "upload")), done)
    return made[0] if made else None


@page
@require_POST
def monitor_create(request: HttpRequest, system_id: int) -> HttpResponse:
    access, actor = access_of(request), actor_of(request)
    system = selectors.system_get(access=access, actor=actor, system_id=system_id)
    form = forms.MonitorForm(request.POST, request.FILES)
    made = _with_upload(request, form, lambda d, src, name: monitoring.drift_monitor_create(
        access=access, actor=actor, system_id=system_id, name=d["name"], src=src,
        filename=name, columns=form.column_names()),
        _("The monitor is ready: its reference is profiled."))
    if made is not None:
        return redirect("drift_monitor", monitor_id=made.pk)
    context = _detail_context(request, system)
    context["monitor_form"] = form
    return render(request, "govern/system.html", context, status=400)


def _monitor_context(request: HttpRequest, monitor: DriftMonitor,
                     form: forms.BatchForm | None = None) -> dict[str, Any]:
    access = access_of(request)
    batches = selectors.batches_of(monitor)
    return {
        "monitor": monitor, "system": monitor.system, "batches": list(reversed(batches)),
        "trend": charts.trend([(b.share, b.drifted) for b in batches]) if batches else None,
        "trend_width": charts.TREND_WIDTH, "trend_height": charts.TREND_HEIGHT,
        "may_edit": selectors.may_edit(access, monitor.system),
        "form": form or forms.BatchForm(),
    }


@page
@require_http_methods(["GET", "POST"])
def monitor_detail(request: HttpRequest, monitor_id: int) -> HttpResponse:
    access, actor = access_of(request), actor_of(request)
    monitor = selectors.monitor_get(access=access, actor=actor, monitor_id=monitor_id)
    if request.method == "GET":
        return render(request, "govern/monitor.html", _monitor_context(request, monitor))
    form = forms.BatchForm(request.POST, request.FILES)
    made = _with_upload(request, form, lambda d, src, name: monitoring.drift_batch_submit(
        access=access, actor=actor, monitor_id=monitor_id, src=src, filename=name),
        _("The batch is tested."))
    if made is not None:
        return redirect("drift_batch", monitor_id=monitor_id, batch_id=made.pk)
    return render(request, "govern/monitor.html", _monitor_context(request, monitor, form),
                  status=400)


@page
@require_http_methods(["GET", "POST"])
def batch_detail(request: HttpRequest, monitor_id: int, batch_id: int) -> HttpResponse:
    access, actor = access_of(request), actor_of(request)
    monitor = selectors.monitor_get(access=access, actor=actor, monitor_id=monitor_id)
    batch = selectors.batch_get(monitor, batch_id)
    form = forms.LabelsForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        done = _with_upload(request, form, lambda d, src, name: monitoring.batch_labels_submit(
            access=access, actor=actor, monitor_id=monitor_id, batch_id=batch_id, src=src,
            filename=name, prediction=d["prediction"], label=d["label"]),
            _("The batch's performance is recorded."))
        if done is not None:
            return redirect("drift_batch", monitor_id=monitor_id, batch_id=batch_id)
    columns = [(c, charts.histogram(c["histogram"]), METHODS.get(c["method"], c["method_label"]))
               for c in batch.results["columns"]]
    return render(request, "govern/batch.html", {
        "monitor": monitor, "system": monitor.system, "batch": batch, "columns": columns,
        "width": charts.WIDTH, "height": charts.HEIGHT, "form": form,
        "may_edit": selectors.may_edit(access, monitor.system),
        "skipped": batch.results.get("skipped", [])}, status=400 if form.errors else 200)


@page
@require_GET
def annex_iv(request: HttpRequest, system_id: int) -> HttpResponse:
    system = selectors.system_get(access=access_of(request), actor=actor_of(request),
                                  system_id=system_id)
    return render(request, "govern/annex_iv.html",
                  {"dossier": annex_iv_module.dossier(system=system)})


@page
@require_GET
def annex_iv_pdf(request: HttpRequest, system_id: int) -> HttpResponse:
    system = selectors.system_get(access=access_of(request), actor=actor_of(request),
                                  system_id=system_id)
    language = offered(request.GET.get("language")) or active_language()
    return attachment(annex_iv_module.dossier_pdf(system=system, language=language),
                      f"annex-iv-{system.pk}-{language}")


@page
@require_POST
def incident_record(request: HttpRequest, system_id: int) -> HttpResponse:
    access, actor = access_of(request), actor_of(request)
    system = selectors.system_to_change(access=access, actor=actor, system_id=system_id)
    form = forms.IncidentForm(request.POST, prefix="incident")
    made: list[Incident] = []
    if form_action(request, form, lambda d: made.append(incidents.incident_record(
            access=access, actor=actor, system_id=system_id, kind=d["kind"],
            description=d["description"], aware_on=d["aware_on"])),
            _("The incident is recorded, with its reporting deadline.")):
        return redirect(reverse("ai_system", kwargs={"system_id": system_id})
                        + f"#incident-{made[0].pk}")
    context = _detail_context(request, system)
    context["incident_form"] = form
    return render(request, "govern/system.html", context, status=400)


@page
@require_POST
def incident_reported(request: HttpRequest, incident_id: int) -> HttpResponse:
    access, actor = access_of(request), actor_of(request)
    form = forms.ReportedForm(request.POST, prefix=f"reported-{incident_id}")
    done: list[Incident] = []
    ok = form_action(request, form, lambda d: done.append(incidents.incident_reported(
        access=access, actor=actor, incident_id=incident_id, reported_on=d["reported_on"],
        reference=d["reference"] or "")), _("The report is recorded."))
    if ok:
        return redirect(reverse("ai_system", kwargs={"system_id": done[0].system_id})
                        + f"#incident-{incident_id}")
    system = selectors.system_get(access=access, actor=actor, system_id=selectors.incident_get(
        access=access, actor=actor, incident_id=incident_id).system_id)
    context = _detail_context(request, system)
    context["incidents"] = _incident_rows(system, form, incident_id)
    return render(request, "govern/system.html", context, status=400)
