"""REST endpoints of the AI system register: the AI Act rulebook (anyone), an organisation's
systems (its members and client-facing staff), registering and classifying one and keeping its
obligations (its admins, or the leads of the system's project)."""

from __future__ import annotations

from datetime import date
from typing import Any, BinaryIO, Literal, cast

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from laif.accounts.language import active_language
from laif.accounts.requestinfo import access_of, actor_of
from laif.billing.pdf import attachment
from laif.catalogue.ai_act import Rule, load_ai_act
from laif.config.apitypes import Id
from laif.govern import annex_iv, incidents, monitoring, selectors, services
from laif.govern import schemas as s
from laif.govern.models import AiSystem, Classification, DriftBatch, DriftMonitor, Incident

router = Router(tags=["AI governance"])


def _rule(r: Rule, language: str) -> s.RuleOut:
    return s.RuleOut(key=r.key, article=r.article, text=r.in_language(language), who=r.who)


@router.get("/govern/ai-act", auth=None, response=s.RulebookOut,
            summary="The EU AI Act rulebook in force: the questionnaire's keys and each article")
def rulebook(request: HttpRequest, language: Literal["en", "fr"] = "en") -> s.RulebookOut:
    book = load_ai_act()
    return s.RulebookOut(
        version=book.version, effective_date=book.effective_date.isoformat(),
        source=book.source_fr if language == "fr" and book.source_fr else book.source,
        prohibited=[_rule(r, language) for r in book.prohibited],
        high_risk_areas=[s.AreaOut(key=a.key, article=a.article, text=a.in_language(language),
                                   exception=_rule(a.exception, language) if a.exception
                                   else None) for a in book.areas],
        exemptions=[_rule(r, language) for r in book.exemptions],
        transparency=[_rule(r, language) for r in book.transparency],
        obligations=[_rule(r, language) for r in book.obligations],
        exemption_duties=[_rule(r, language) for r in book.exemption_duties],
        gpai=[_rule(r, language) for r in book.gpai],
        serious_incidents=[s.IncidentKindOut(key=k.key, article=k.article,
                                             text=k.in_language(language), days=k.days)
                           for k in book.incident_kinds])


def _system(a: AiSystem) -> s.SystemOut:
    return s.SystemOut(id=a.pk, organisation_id=a.organisation_id, project_id=a.project_id,
                       name=a.name, purpose=a.purpose, category=a.category,
                       created_at=a.created_at)


def _classification(c: Classification, language: str) -> s.ClassificationOut:
    return s.ClassificationOut(
        id=c.pk, created_at=c.created_at, rulebook_version=c.rulebook_version,
        category=c.category, answers=s.AnswersIn(**c.answers),
        conclusions=[s.ConclusionOut(article=x["article"], text=x.get(language, x["en"]))
                     for x in c.conclusions])


def _detail(request: HttpRequest, system_id: int) -> s.SystemDetailOut:
    access, language = access_of(request), active_language()
    system = selectors.system_get(access=access, actor=actor_of(request), system_id=system_id)
    return s.SystemDetailOut(
        **_system(system).dict(), may_edit=selectors.may_edit(access, system),
        classifications=[_classification(c, language)
                         for c in selectors.classifications_of(system)],
        obligations=[_obligation(row, language) for row in selectors.obligations_of(system)])


def _obligation(row: selectors.ObligationRow, language: str) -> s.ObligationOut:
    o = row.obligation
    return s.ObligationOut(key=o.key, article=o.article, who=o.who,
                           text=row.rule.in_language(language) if row.rule else o.key,
                           required=o.required, status=o.status, evidence=o.evidence,
                           updated_at=o.updated_at)


@router.get("/organisations/{org_id}/ai-systems", response=list[s.SystemOut],
            summary="The organisation's AI systems and their latest category")
def system_list(request: HttpRequest, org_id: Id) -> list[s.SystemOut]:
    return [_system(a) for a in selectors.systems_of(access=access_of(request),
                                                     organisation_id=org_id)]


@router.post("/organisations/{org_id}/ai-systems", response={201: s.SystemDetailOut},
             summary="Register an AI system (the organisation's admins or the project's leads)")
def system_register(request: HttpRequest, org_id: Id, data: s.SystemIn) -> Status[Any]:
    done = services.ai_system_register(access=access_of(request), actor=actor_of(request),
                                       organisation_id=org_id, name=data.name,
                                       purpose=data.purpose, project_id=data.project_id)
    return Status(201, _detail(request, done.pk))


@router.get("/ai-systems/{system_id}", response=s.SystemDetailOut,
            summary="An AI system: its classifications (oldest first) and its obligations")
def system_detail(request: HttpRequest, system_id: Id) -> s.SystemDetailOut:
    return _detail(request, system_id)


@router.post("/ai-systems/{system_id}/classifications", response={201: s.SystemDetailOut},
             summary="Classify the system under the EU AI Act from the questionnaire's answers")
def system_classify(request: HttpRequest, system_id: Id, data: s.AnswersIn) -> Status[Any]:
    services.ai_system_classify(access=access_of(request), actor=actor_of(request),
                                system_id=system_id, answers=data.dict())
    return Status(201, _detail(request, system_id))


@router.put("/ai-systems/{system_id}/obligations/{key}", response=s.ObligationOut,
            summary="Set an obligation's status and evidence")
def obligation_update(request: HttpRequest, system_id: Id, key: s.Key,
                      data: s.ObligationIn) -> s.ObligationOut:
    done = services.obligation_update(access=access_of(request), actor=actor_of(request),
                                      system_id=system_id, key=key, status=data.status,
                                      evidence=data.evidence)
    return _obligation(selectors.ObligationRow(done, load_ai_act().duty(key)), active_language())


# ------------------------------------------------------------------------------- drift


def _brief(b: DriftBatch) -> s.BatchBriefOut:
    return s.BatchBriefOut(id=b.pk, created_at=b.created_at, source=b.source, rows=b.rows,
                           drifted=b.drifted, columns_total=b.columns_total,
                           columns_drifted=b.columns_drifted,
                           performance=s.PerformanceOut(**b.performance) if b.performance
                           else None)


def _monitor(m: DriftMonitor) -> s.MonitorOut:
    return s.MonitorOut(id=m.pk, system_id=m.system_id, name=m.name, created_at=m.created_at,
                        reference_name=m.reference_name, reference_rows=m.reference_rows,
                        columns=list(m.columns), profile_sha256=m.profile_sha256,
                        batches=[_brief(b) for b in selectors.batches_of(m)])


def _batch(b: DriftBatch) -> s.BatchOut:
    r = b.results
    return s.BatchOut(**_brief(b).dict(), monitor_id=b.monitor_id,
                      share_of_drifted_columns=r["share_of_drifted_columns"],
                      share_threshold=r["share_threshold"], skipped=r.get("skipped", []),
                      columns=[s.ColumnDriftOut(**{k: v for k, v in c.items()
                                                   if k not in ("psi", "psi_drifted")})
                               for c in r["columns"]])


def _columns(text: str) -> list[str]:
    return [c.strip() for c in text.split(",") if c.strip()]


@router.get("/ai-systems/{system_id}/monitors", response=list[s.MonitorOut],
            summary="The system's drift monitors and their batches")
def monitor_list(request: HttpRequest, system_id: Id) -> list[s.MonitorOut]:
    system = selectors.system_get(access=access_of(request), actor=actor_of(request),
                                  system_id=system_id)
    return [_monitor(row.monitor) for row in selectors.monitors_of(system)]


@router.post("/ai-systems/{system_id}/monitors", response={201: s.MonitorOut},
             summary="Create a drift monitor: profile the reference data (CSV or Parquet) once")
def monitor_create(request: HttpRequest, system_id: Id, data: Form[s.MonitorIn],
                   file: File[UploadedFile]) -> Status[Any]:
    with file.open("rb") as opened:
        done = monitoring.drift_monitor_create(
            access=access_of(request), actor=actor_of(request), system_id=system_id,
            name=data.name, src=cast(BinaryIO, opened), filename=file.name or "reference",
            columns=_columns(data.columns))
    return Status(201, _monitor(done))


@router.get("/monitors/{monitor_id}", response=s.MonitorOut, summary="A drift monitor")
def monitor_detail(request: HttpRequest, monitor_id: Id) -> s.MonitorOut:
    return _monitor(selectors.monitor_get(access=access_of(request), actor=actor_of(request),
                                          monitor_id=monitor_id))


@router.post("/monitors/{monitor_id}/batches", response={201: s.BatchOut},
             summary="Test a current batch (CSV or Parquet) against the reference",
             description="Per column the test and threshold of Evidently 0.7's defaults; the "
             "batch drifts when at least half of its columns do. A drifted batch is a "
             "post-market monitoring event and an alert (notice and e-mail).")
def batch_submit(request: HttpRequest, monitor_id: Id, file: File[UploadedFile]) -> Status[Any]:
    with file.open("rb") as opened:
        done = monitoring.drift_batch_submit(
            access=access_of(request), actor=actor_of(request), monitor_id=monitor_id,
            src=cast(BinaryIO, opened), filename=file.name or "batch")
    return Status(201, _batch(done))


@router.post("/monitors/{monitor_id}/batches/rows", response={201: s.BatchOut},
             summary="Test a current batch posted as JSON rows (at most 10,000)")
def batch_rows(request: HttpRequest, monitor_id: Id, data: s.RowsIn) -> Status[Any]:
    done = monitoring.drift_batch_submit(access=access_of(request), actor=actor_of(request),
                                         monitor_id=monitor_id, rows=data.rows)
    return Status(201, _batch(done))


@router.post("/monitors/{monitor_id}/batches/{batch_id}/labels", response=s.BatchOut,
             summary="Score a batch once its labels are known: accuracy, and AUC for scores",
             description="A CSV or Parquet file with the batch's predictions and their labels "
             "(columns named by `prediction` and `label`); scores between 0 and 1 against 0/1 "
             "or false/true labels also give the AUC.")
def batch_labels(request: HttpRequest, monitor_id: Id, batch_id: Id, data: Form[s.LabelsIn],
                 file: File[UploadedFile]) -> s.BatchOut:
    with file.open("rb") as opened:
        done = monitoring.batch_labels_submit(
            access=access_of(request), actor=actor_of(request), monitor_id=monitor_id,
            batch_id=batch_id, src=cast(BinaryIO, opened), filename=file.name or "labels",
            prediction=data.prediction, label=data.label)
    return _batch(done)


@router.get("/monitors/{monitor_id}/batches/{batch_id}", response=s.BatchOut,
            summary="A tested batch: the verdict and each column's test")
def batch_detail(request: HttpRequest, monitor_id: Id, batch_id: Id) -> s.BatchOut:
    monitor = selectors.monitor_get(access=access_of(request), actor=actor_of(request),
                                    monitor_id=monitor_id)
    return _batch(selectors.batch_get(monitor, batch_id))


# ------------------------------------------------------------------------------- Annex IV


@router.get("/ai-systems/{system_id}/annex-iv", response=s.AnnexIvOut,
            summary="The system's technical documentation (Annex IV): what the platform holds, "
                    "point by point, and the gaps")
def annex_iv_detail(request: HttpRequest, system_id: Id,
                    language: Literal["en", "fr"] = "en") -> s.AnnexIvOut:
    system = selectors.system_get(access=access_of(request), actor=actor_of(request),
                                  system_id=system_id)
    with translation.override(language):
        found = annex_iv.dossier(system=system)
        return s.AnnexIvOut(
            system_id=system.pk, category=found.category, gaps=found.gaps,
            sections=[s.SectionOut(point=x.point, title=x.title, gaps=list(x.gaps),
                                   items=[s.ItemOut(label=i.label, text=i.text)
                                          for i in x.items]) for x in found.sections])


@router.get("/ai-systems/{system_id}/annex-iv/pdf",
            summary="The technical documentation (Annex IV) as a PDF (application/pdf)")
def annex_iv_pdf(request: HttpRequest, system_id: Id,
                 language: Literal["en", "fr"] = "en") -> HttpResponse:
    system = selectors.system_get(access=access_of(request), actor=actor_of(request),
                                  system_id=system_id)
    return attachment(annex_iv.dossier_pdf(system=system, language=language),
                      f"annex-iv-{system.pk}-{language}")


# ------------------------------------------------------------------------------- incidents


def _incident(i: Incident, today: date) -> s.IncidentOut:
    return s.IncidentOut(id=i.pk, system_id=i.system_id, kind=i.kind, article=i.article,
                         description=i.description, aware_on=i.aware_on, deadline=i.deadline,
                         reported_on=i.reported_on, authority_reference=i.authority_reference,
                         late=i.late_on(today))


@router.get("/ai-systems/{system_id}/incidents", response=list[s.IncidentOut],
            summary="The system's serious incidents, the latest first")
def incident_list(request: HttpRequest, system_id: Id) -> list[s.IncidentOut]:
    system = selectors.system_get(access=access_of(request), actor=actor_of(request),
                                  system_id=system_id)
    today = timezone.localdate()
    return [_incident(i, today) for i in selectors.incidents_of(system)]


@router.post("/ai-systems/{system_id}/incidents", response={201: s.IncidentOut},
             summary="Record a serious incident: its reporting deadline follows (Art. 73)")
def incident_record(request: HttpRequest, system_id: Id, data: s.IncidentIn) -> Status[Any]:
    done = incidents.incident_record(access=access_of(request), actor=actor_of(request),
                                     system_id=system_id, kind=data.kind,
                                     description=data.description, aware_on=data.aware_on)
    return Status(201, _incident(done, timezone.localdate()))


@router.post("/incidents/{incident_id}/report", response=s.IncidentOut,
             summary="Record that the incident was reported to the authority")
def incident_reported(request: HttpRequest, incident_id: Id,
                      data: s.ReportedIn) -> s.IncidentOut:
    return _incident(incidents.incident_reported(
        access=access_of(request), actor=actor_of(request), incident_id=incident_id,
        reported_on=data.reported_on, reference=data.reference), timezone.localdate())
