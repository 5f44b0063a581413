"""REST endpoints of the model registry: a project's models, a version registered (by a person,
or from inside its training job with the job's token), its artefact (an MLflow model directory,
zipped) and signed record, aliases asked for and approved by another person, the deployment
ledger."""

from __future__ import annotations

import json
from typing import Any, BinaryIO, cast

from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile
from ninja.security import HttpBearer, django_auth

from laif.accounts.access import Access, access_for
from laif.accounts.audit import Actor
from laif.accounts.errors import DomainError
from laif.accounts.requestinfo import access_of, actor_of, client_ip
from laif.accounts.services import api_token_authenticate
from laif.config.apitypes import Id
from laif.jobs.tokens import PREFIX as JOB_TOKEN_PREFIX
from laif.jobs.tokens import job_of_token
from laif.registry import schemas as s
from laif.registry import selectors, services
from laif.registry.models import AliasRequest, DeploymentEvent, ModelVersion, RegisteredModel

router = Router(tags=["Model registry"])


class JobOrPersonToken(HttpBearer):
    """``Authorization: Bearer laifjob_...``: the token the platform gives a job
    (``LAIF_JOB_TOKEN``), worth something for its project only and while the job lives; or a
    person's API token, as everywhere else."""

    def authenticate(self, request: HttpRequest, token: str) -> object | None:
        if token.startswith(JOB_TOKEN_PREFIX):
            job = job_of_token(token)
            if job is not None:
                request.laif_job = job  # type: ignore[attr-defined]
            return job
        user = api_token_authenticate(secret=token)
        if user is not None:
            request.user = user
            request.laif_access = access_for(user)  # type: ignore[attr-defined]
        return user


def _version(v: ModelVersion, training: selectors.Training | None = None) -> s.VersionOut:
    t = training
    return s.VersionOut(
        id=v.pk, model_id=v.model_id, model=v.model.name, project_id=v.model.project_id,
        number=v.number, sha256=v.sha256, size=v.size, original_name=v.original_name,
        flavors=v.flavors, imported_from_mlflow=v.imported,
        files=[(str(p), int(n)) for p, n in v.files], code_ref=v.code_ref, params=v.params,
        metrics=v.metrics,
        datasets=[s.DatasetOut(**d) for d in v.record.get("datasets", [])],
        training=s.TrainingOut(
            job_id=t.job.pk, name=t.job.name, scheduler_id=t.job.scheduler_id, state=t.job.state,
            in_ledger=t.figures is not None,
            gpu_hours=float(t.gpu_hours) if t.gpu_hours is not None else None,
            energy_kwh=float(t.energy_kwh) if t.energy_kwh is not None else None,
            energy_measured_share=t.measured_share) if t else None,
        registered_by=v.record.get("registered_by", ""), by_job=v.by_job,
        aliases=sorted(a.name for a in v.aliases.all()), created_at=v.created_at,
        signing_key_id=v.signing_key_id)


def _request(r: AliasRequest) -> s.RequestOut:
    return s.RequestOut(id=r.pk, alias=r.alias, version=r.version.number,
                        version_id=r.version_id, state=r.state, reason=r.reason,
                        requested_by=r.requested_by.email, requested_at=r.requested_at,
                        decided_by=r.decided_by.email if r.decided_by else None,
                        decided_at=r.decided_at, note=r.note)


def _deployment(e: DeploymentEvent) -> s.DeploymentOut:
    return s.DeploymentOut(seq=e.seq, kind=e.kind, environment=e.environment, target=e.target,
                           version=e.version.number if e.version else None,
                           effective_at=e.effective_at, recorded_by=e.recorded_by.email,
                           approved_by=e.approved_by.email if e.approved_by else None,
                           note=e.note, prev_hash=e.prev_hash, hash=e.hash)


def _model(m: RegisteredModel) -> s.ModelOut:
    return s.ModelOut(id=m.pk, project_id=m.project_id, name=m.name,
                      latest_version=getattr(m, "latest", None),
                      versions=getattr(m, "version_count", 0),
                      aliases=[s.AliasOut(alias=a.name, version=a.version.number,
                                          version_id=a.version_id) for a in m.aliases.all()])


@router.get("/projects/{project_id}/models", response=list[s.ModelOut],
            summary="The project's registered models")
def models(request: HttpRequest, project_id: Id) -> list[s.ModelOut]:
    return [_model(m) for m in selectors.models_of(access=access_of(request),
                                                    actor=actor_of(request),
                                                    project_id=project_id)]


def _json_object(text: str, field: str) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        found = json.loads(text)
    except ValueError:
        found = None
    if not isinstance(found, dict):
        raise DomainError(_("Give a JSON object, e.g. {\"lr\": 0.001}."), field=field)
    return found


@router.post("/projects/{project_id}/models/{name}/versions", response={201: s.VersionOut},
             auth=[JobOrPersonToken(), django_auth],
             summary="Register a model version (from inside its job: with LAIF_JOB_TOKEN)",
             description="The file is an MLflow model directory packed as zip or tar (its "
             "`MLmodel` is kept, the platform's lineage added under `metadata.laif`) or a "
             "single model file. Sent with the job's own token (`LAIF_JOB_TOKEN`), the version "
             "is the job's: its project only, its training job set to it.")
def version_register(request: HttpRequest, project_id: Id, name: s.ModelName,
                     data: Form[s.VersionIn], file: File[UploadedFile]) -> Status[Any]:
    job = getattr(request, "laif_job", None)
    if job is not None:
        access = Access(user_id=None)
        actor = Actor(None, f"job {job.pk} of {job.submitted_by.email}"[:254], client_ip(request))
    else:
        access, actor = access_of(request), actor_of(request)
    with file.open("rb") as opened:
        version = services.model_version_register(
            access=access, actor=actor, project_id=project_id, name=name,
            src=cast(BinaryIO, opened), filename=file.name or "model", job_id=data.job_id,
            by_job=job, datasets=[d.strip() for d in data.datasets.split(",") if d.strip()],
            code_ref=data.code_ref, params=_json_object(data.params, "params"),
            metrics=_json_object(data.metrics, "metrics"))
    return Status(201, _version(version, selectors.training_of(version)))


@router.get("/models/{model_id}", response=s.ModelDetailOut,
            summary="A model: its versions, aliases, requests and deployment ledger")
def model_detail(request: HttpRequest, model_id: Id) -> s.ModelDetailOut:
    page = selectors.model_page(access=access_of(request), actor=actor_of(request),
                                model_id=model_id)
    m = page.model
    return s.ModelDetailOut(
        id=m.pk, project_id=m.project_id, name=m.name,
        versions=[_version(v) for v in page.versions],
        aliases=[s.AliasOut(alias=name, version=v.number, version_id=v.pk)
                 for name, v in sorted(page.aliases.items())],
        requests=[_request(r) for r in page.requests],
        deployments=[_deployment(e) for e in page.ledger], ledger_holds=page.broken_at is None,
        timeline=[s.StintOut(environment=t.environment, target=t.target, version=t.version,
                             start=t.start, end=t.end, rollback=t.rollback,
                             approved_by=t.approved_by) for t in page.timeline],
        running=page.running, may_write=page.may_write, may_approve=page.may_approve)


@router.get("/model-versions/{model_version_id}", response=s.VersionOut,
            summary="A model version: checksum, lineage, training job's GPU time and energy")
def version_detail(request: HttpRequest, model_version_id: Id) -> s.VersionOut:
    version = selectors.version_get(access=access_of(request), actor=actor_of(request),
                                    version_id=model_version_id)
    return _version(version, selectors.training_of(version))


@router.get("/model-versions/{model_version_id}/signature", response=s.SignedOut,
            summary="The version's signed record, to check its artefact offline",
            description="Check offline: the SHA-256 of the artefact equals "
            "`record.artefact.sha256`, and the Ed25519 `signature` over the record as canonical "
            "JSON verifies under `public_key_pem` (`laif models verify`).")
def version_signature(request: HttpRequest, model_version_id: Id) -> s.SignedOut:
    version = selectors.version_get(access=access_of(request), actor=actor_of(request),
                                    version_id=model_version_id)
    return s.SignedOut(**selectors.signed(version))


@router.get("/model-versions/{model_version_id}/artefact",
            summary="The version's artefact: its MLflow model directory, zipped")
def version_artefact(request: HttpRequest, model_version_id: Id) -> FileResponse:
    return services.version_download(access=access_of(request), actor=actor_of(request),
                                     version_id=model_version_id)


@router.post("/model-versions/{model_version_id}/alias-requests", response={201: s.RequestOut},
             summary="Ask that an alias (champion, challenger) point at the version")
def alias_request(request: HttpRequest, model_version_id: Id, data: s.RequestIn) -> Status[Any]:
    done = services.alias_request(access=access_of(request), actor=actor_of(request),
                                  version_id=model_version_id, alias=data.alias,
                                  reason=data.reason)
    return Status(201, _request(done))


@router.post("/alias-requests/{alias_request_id}/decision", response=s.RequestOut,
             summary="Approve or reject a request for an alias (another person than the asker)")
def alias_decide(request: HttpRequest, alias_request_id: Id, data: s.DecisionIn
                 ) -> s.RequestOut:
    return _request(services.alias_decide(access=access_of(request), actor=actor_of(request),
                                          request_id=alias_request_id, approve=data.approve,
                                          note=data.note))


@router.post("/models/{model_id}/deployments", response={201: s.DeploymentOut},
             summary="Record a deployment (or, without a version, a retirement) in the ledger")
def deployment_record(request: HttpRequest, model_id: Id, data: s.DeploymentIn) -> Status[Any]:
    event = services.deployment_record(
        access=access_of(request), actor=actor_of(request), model_id=model_id,
        environment=data.environment, version_id=data.version_id, target=data.target,
        effective_at=data.effective_at, note=data.note)
    return Status(201, _deployment(event))


@router.get("/models/{model_id}/ledger", response=s.LedgerOut,
            summary="The model's deployment ledger as hashed, to check it offline")
def ledger(request: HttpRequest, model_id: Id) -> s.LedgerOut:
    model = selectors.model_get(access=access_of(request), actor=actor_of(request),
                                model_id=model_id)
    lines = selectors.ledger_of(model)
    broken = selectors.ledger_check(lines)
    return s.LedgerOut(holds=broken is None, broken_at=broken,
                       lines=[s.LedgerLineOut(seq=e.seq, content=e.content,
                                              prev_hash=e.prev_hash, hash=e.hash)
                              for e in lines])
