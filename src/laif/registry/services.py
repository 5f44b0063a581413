"""Writes of the model registry: a version registered (its artefact stored encrypted and signed,
by a person or from inside its training job), an alias asked for and approved by another
person, a deployment recorded in the model's hash-chained ledger. Each in one transaction with
its audit entry; the people told hear of it after the commit."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, BinaryIO

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from laif.accounts.access import Access
from laif.accounts.audit import Actor, audit_record
from laif.accounts.errors import Conflict, DomainError, NotFound, PermissionDenied
from laif.accounts.notices import mail_on_commit, site_link
from laif.accounts.selectors import users_of
from laif.jobs import selectors as job_selectors
from laif.registry import artefacts, chain, mlflow_dir, rules, selectors
from laif.registry.models import (
    Alias,
    AliasName,
    AliasRequest,
    DeploymentEvent,
    DeploymentKind,
    ModelVersion,
    RegisteredModel,
    RequestState,
)
from laif.sandbox import selectors as sandbox_selectors
from laif.sandbox import signing

if TYPE_CHECKING:
    from laif.accounts.models import Project
    from laif.jobs.models import Job
    from laif.sandbox.models import Release

_RULE_TEXT = {
    "model_name": lambda: _("Name the model with letters, digits, '.', '_' or '-' (at most 100, "
                            "starting with a letter or digit)."),
    "environment": lambda: _("Name the environment with letters, digits, '.', '_' or '-' (at "
                             "most 60, starting with a letter or digit)."),
    "code_ref": lambda: _("The code reference is a commit, a tag or a checksum: at most 200 "
                          "printable characters without spaces."),
}


def _rule_error(exc: rules.RuleError) -> DomainError:
    text = _RULE_TEXT.get(exc.code)
    if text is not None:
        return DomainError(text(), field=exc.field)
    return DomainError(_("At most 100 entries, each a name of up to 100 printable characters and "
                         "a value (metrics: a finite number; parameters: also a text of up to "
                         "500 characters or true/false)."), field=exc.field)


_ARCHIVE_TEXT = {
    "no_mlmodel": lambda: _("The archive holds no MLmodel file: upload an MLflow model directory "
                            "(zip or tar) or a single model file."),
    "too_big": lambda: _("The model is larger than this site accepts (%(mb)s MB unpacked).")
    % {"mb": settings.LAIF_MODEL_MAX_UPLOAD_MB},
    "too_many": lambda: _("The archive holds too many files."),
    "empty": lambda: _("The archive holds no file."),
}


def _archive_error(exc: mlflow_dir.ArchiveError) -> DomainError:
    text = _ARCHIVE_TEXT.get(exc.code)
    message = text() if text else _("The model's archive was refused: %(why)s") % {
        "why": exc.message}
    return DomainError(message, field="file", extra={"code": exc.code})


def _lineage(releases: Mapping[str, Release]) -> list[dict[str, Any]]:
    return [{"dataset": r.version.dataset.name, "dataset_version": r.version.number,
             "release": r.number, "file": r.staged_name, "sha256": r.output_sha256,
             "k": r.k, "l_diversity": r.l_diversity, "suppressed_rows": r.suppressed_rows}
            for r in sorted(releases.values(), key=lambda r: (r.version.dataset.name, r.number))]


def _job_of(access: Access, actor: Actor, project: Project, job_id: int | None,
            by_job: Job | None) -> Job | None:
    if by_job is not None:
        if by_job.project_id != project.pk:
            raise NotFound(_("Project not found."))
        return by_job
    if job_id is None:
        return None
    job = job_selectors.job_get(access=access, actor=actor, job_id=job_id)
    if job.project_id != project.pk:
        raise DomainError(_("The training job is a job of the model's project."), field="job_id")
    return job


def model_version_register(*, access: Access, actor: Actor, project_id: int, name: str,
                           src: BinaryIO, filename: str, job_id: int | None = None,
                           by_job: Job | None = None, datasets: list[str] | None = None,
                           code_ref: str = "", params: Mapping[str, Any] | None = None,
                           metrics: Mapping[str, Any] | None = None) -> ModelVersion:
    """A new version of the project's model ``name`` (created with its first version): the
    artefact packed as an MLflow model directory, encrypted, checksummed and signed with its
    lineage. ``by_job``: registered from inside that job with its token (``jobs.tokens``), never
    a person's; the project is then the job's."""
    if by_job is not None:
        project = selectors.project_visible_to_job(by_job, project_id)
    else:
        project = selectors.writable_project(access, project_id)
    try:
        rules.model_name(name)
        cleaned_code = rules.code_ref(code_ref)
        cleaned_params = rules.entries("params", params)
        cleaned_metrics = rules.entries("metrics", metrics, numbers=True)
    except rules.RuleError as exc:
        raise _rule_error(exc) from exc
    names = list(dict.fromkeys(datasets or []))
    if len(names) > rules.MAX_ENTRIES:
        raise DomainError(_("At most 100 datasets."), field="datasets")
    releases = sandbox_selectors.releases_named(project.pk, names)
    unknown = [n for n in names if n not in releases]
    if unknown:
        raise DomainError(_("The project has no released dataset %(name)s.")
                          % {"name": repr(unknown[0][:100])}, field="datasets")
    job = _job_of(access, actor, project, job_id, by_job)
    now = timezone.now()
    lineage = _lineage(releases)
    laif = {"site": settings.LAIF_SITE_URL, "project": project.code, "model": name,
            "job": job.pk if job else None, "datasets": lineage, "code_ref": cleaned_code,
            "params": cleaned_params, "metrics": cleaned_metrics}
    try:
        stored, key_version, packed = artefacts.store(
            project_id=project.pk, src=src, filename=filename, laif=laif,
            model_uuid=uuid.uuid4().hex, created=now.isoformat())
    except mlflow_dir.ArchiveError as exc:
        raise _archive_error(exc) from exc
    try:
        with transaction.atomic():
            model, _created = RegisteredModel.objects.get_or_create(project=project, name=name)
            model = RegisteredModel.objects.select_for_update().get(pk=model.pk)
            last = model.versions.order_by("-number").values_list("number", flat=True).first()
            number = (last or 0) + 1
            record = {
                "kind": "laif.model_version", "project": project.code, "project_id": project.pk,
                "model": name, "version": number,
                "artefact": {"sha256": packed.sha256, "bytes": packed.size,
                             "format": "mlflow-model-zip", "flavors": list(packed.flavors)},
                "datasets": lineage,
                "job": {"id": job.pk, "scheduler_id": job.scheduler_id, "name": job.name}
                if job else None,
                "code_ref": cleaned_code, "params": cleaned_params, "metrics": cleaned_metrics,
                "registered_at": now.isoformat(), "registered_by": actor.label,
            }
            version = ModelVersion.objects.create(
                model=model, number=number, stored_name=stored, key_version=key_version,
                original_name=_display_name(filename), sha256=packed.sha256, size=packed.size,
                files=[list(f) for f in packed.files], flavors=list(packed.flavors),
                imported=packed.imported, code_ref=cleaned_code, params=cleaned_params,
                metrics=cleaned_metrics, job=job, registered_by_id=actor.user_id,
                by_job=by_job is not None, record=record, signature=signing.sign(record),
                signing_key_id=signing.key_id())
            version.releases.set(list(releases.values()))
            audit_record(actor=actor, action="registry.version_registered",
                         target=f"model_version:{version.pk}",
                         organisation_id=project.organisation_id,
                         detail={"model": name, "version": number, "sha256": packed.sha256,
                                 "job": job.pk if job else None})
    except BaseException:
        artefacts.remove(project_id=project.pk, name=stored)
        raise
    return version


def _display_name(filename: str) -> str:
    last = filename.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in last if ch.isprintable()).strip()[:200] or "model"


def version_download(*, access: Access, actor: Actor, version_id: int) -> FileResponse:
    """The version's artefact (its MLflow model directory, zipped), decrypted as it is sent;
    the project's members and its organisation's admins only, each download audited."""
    version = selectors.version_get(access=access, actor=actor, version_id=version_id)
    project = version.model.project
    if not selectors.may_write(access, project):
        raise PermissionDenied(_("The project's members and its organisation's administrators "
                                 "download its models."))
    reader = artefacts.open_plain(project_id=project.pk, name=version.stored_name,
                                  key_version=version.key_version)
    audit_record(actor=actor, action="registry.artefact_downloaded",
                 target=f"model_version:{version.pk}", organisation_id=project.organisation_id,
                 detail={"sha256": version.sha256})
    return FileResponse(reader, as_attachment=True,
                        filename=f"{version.model.name}-v{version.number}.zip",
                        content_type="application/zip")


def alias_request(*, access: Access, actor: Actor, version_id: int, alias: str,
                  reason: str = "") -> AliasRequest:
    """Ask that ``alias`` point at the version; the project's leads and its organisation's
    admins are told, and one of them other than the asker decides."""
    version = selectors.version_get(access=access, actor=actor, version_id=version_id)
    project = version.model.project
    if actor.user_id is None or not selectors.may_write(access, project):
        raise PermissionDenied(_("The project's members ask for a model's aliases."))
    if alias not in AliasName.values:
        raise DomainError(_("The alias is champion or challenger."), field="alias")
    if Alias.objects.filter(model=version.model, name=alias, version=version).exists():
        raise Conflict(_("Version %(n)d already is the %(alias)s.")
                       % {"n": version.number, "alias": AliasName(alias).label}, field="alias")
    try:
        with transaction.atomic():
            request = AliasRequest.objects.create(model=version.model, alias=alias,
                                                  version=version, reason=reason[:2000],
                                                  requested_by_id=actor.user_id)
            audit_record(actor=actor, action="registry.alias_requested",
                         target=f"model_version:{version.pk}",
                         organisation_id=project.organisation_id, detail={"alias": alias})
            link = site_link("registry_model", model_id=version.model_id)
            asked = [u for u in selectors.approvers(project) if u.pk != actor.user_id]
            mail_on_commit(
                asked, lambda: _("Approval asked: %(model)s version %(n)d as %(alias)s") % {
                    "model": version.model.name, "n": version.number,
                    "alias": AliasName(alias).label},
                lambda: _("%(who)s asks that version %(n)d of the model %(model)s become its "
                          "%(alias)s. Another person than the asker approves or rejects it: "
                          "%(link)s") % {"who": actor.label, "n": version.number,
                                         "model": version.model.name,
                                         "alias": AliasName(alias).label, "link": link},
                kind="registry.alias", link=link)
    except IntegrityError:
        raise Conflict(_("A request for this alias already waits for a decision: approve or "
                         "reject it first."), field="alias") from None
    return request


def alias_decide(*, access: Access, actor: Actor, request_id: int, approve: bool,
                 note: str = "") -> AliasRequest:
    """Approve (the alias then points at the version) or reject a waiting request: the
    project's leads or its organisation's admins, never the person who asked."""
    found = selectors.request_get(access=access, actor=actor, request_id=request_id)
    project = found.model.project
    if not selectors.may_approve(access, project):
        raise PermissionDenied(_("The project's leads and its organisation's administrators "
                                 "approve a model's aliases."))
    if found.requested_by_id == actor.user_id:
        raise PermissionDenied(_("Another person than the one who asked approves or rejects "
                                 "the request."))
    with transaction.atomic():
        request = AliasRequest.objects.select_for_update().select_related("version").get(
            pk=found.pk)
        if request.state != RequestState.PENDING:
            raise Conflict(_("The request was already decided."))
        request.state = RequestState.APPROVED if approve else RequestState.REJECTED
        request.decided_by_id, request.decided_at = actor.user_id, timezone.now()
        request.note = note[:2000]
        request.save(update_fields=["state", "decided_by", "decided_at", "note"])
        if approve:
            Alias.objects.update_or_create(model_id=request.model_id, name=request.alias,
                                           defaults={"version": request.version,
                                                     "request": request})
        audit_record(actor=actor, action="registry.alias_decided",
                     target=f"model_version:{request.version_id}",
                     organisation_id=project.organisation_id,
                     detail={"alias": request.alias, "approved": approve})
        link = site_link("registry_model", model_id=request.model_id)
        mail_on_commit(
            users_of([request.requested_by_id]),
            lambda: (_("Approved: %(model)s version %(n)d as %(alias)s") if approve
                     else _("Rejected: %(model)s version %(n)d as %(alias)s")) % {
                "model": found.model.name, "n": request.version.number,
                "alias": AliasName(request.alias).label},
            lambda: _("%(who)s decided your request. %(note)s %(link)s") % {
                "who": actor.label, "note": note[:500], "link": link},
            kind="registry.alias", link=link)
    return request


LATE_RECORDING = timedelta(days=366)


def deployment_record(*, access: Access, actor: Actor, model_id: int, environment: str,
                      version_id: int | None = None, target: str = "",
                      effective_at: datetime | None = None, note: str = "") -> DeploymentEvent:
    """Append to the model's deployment ledger: ``version_id`` deployed to ``environment`` (a
    rollback when an older version than the one running there), or, without a version, the
    environment retired. Only a version a second person approved for an alias is deployed;
    the approver is written with it. The project's leads and its organisation's admins."""
    model = selectors.model_get(access=access, actor=actor, model_id=model_id)
    project = model.project
    if actor.user_id is None or not selectors.may_approve(access, project):
        raise PermissionDenied(_("The project's leads and its organisation's administrators "
                                 "record a model's deployments."))
    try:
        rules.environment(environment)
    except rules.RuleError as exc:
        raise _rule_error(exc) from exc
    if len(target) > 200 or not target.isprintable():
        raise DomainError(_("Name the system in at most 200 printable characters."),
                          field="target")
    now = timezone.now()
    at = effective_at or now
    if timezone.is_naive(at):  # the site's time
        at = timezone.make_aware(at)
    at = at.astimezone(UTC)  # as the database gives it back, for the check
    if at > now + timedelta(minutes=5) or at < now - LATE_RECORDING:
        raise DomainError(_("A deployment is recorded from when it happened: not in the future, "
                            "nor over a year ago."), field="effective_at")
    version = None
    if version_id is not None:
        version = ModelVersion.objects.filter(pk=version_id, model=model).first()
        if version is None:
            raise DomainError(_("No such version of this model."), field="version_id")
    with transaction.atomic():
        RegisteredModel.objects.select_for_update().get(pk=model.pk)
        ledger = selectors.ledger_of(model)
        if selectors.ledger_check(ledger) is not None:
            raise Conflict(_("The model's deployment ledger does not hold: the operators are "
                             "told; nothing is added to it until it is checked."))
        last = ledger[-1] if ledger else None
        if last is not None and at < last.effective_at:
            raise DomainError(_("The ledger's last line is from %(at)s: a deployment is "
                                "recorded in order.") % {"at": last.effective_at.isoformat()},
                              field="effective_at")
        running = chain.running(selectors.events_of(ledger))
        approved_by = None
        if version is None:
            if environment not in running:
                raise Conflict(_("No version runs in %(env)s.") % {"env": environment},
                               field="environment")
            kind = DeploymentKind.RETIRED
        else:
            if running.get(environment) == version.number:
                raise Conflict(_("Version %(n)d already runs in %(env)s.")
                               % {"n": version.number, "env": environment}, field="version_id")
            approval = selectors.approver_of(version)
            if approval is None or approval.decided_by is None:
                raise Conflict(_("Version %(n)d was never approved as champion or challenger: "
                                 "a second person approves it before it is deployed.")
                               % {"n": version.number}, field="version_id")
            approved_by = approval.decided_by
            kind = DeploymentKind(chain.kind_of(running.get(environment), version.number))
        seq = (last.seq if last else 0) + 1
        prev = last.hash if last else chain.GENESIS
        content = {
            "model": model.pk, "model_name": model.name, "project": project.code, "seq": seq,
            "kind": str(kind), "environment": environment, "target": target,
            "version": version.number if version else None,
            "sha256": version.sha256 if version else None, "effective_at": at.isoformat(),
            "recorded_at": now.isoformat(), "recorded_by": actor.label,
            "approved_by": approved_by.email if approved_by else None, "note": note[:2000],
        }
        event = DeploymentEvent.objects.create(
            model=model, seq=seq, kind=kind, environment=environment, target=target,
            version=version, effective_at=at, note=note[:2000], recorded_by_id=actor.user_id,
            approved_by=approved_by, recorded_at=now, content=content, prev_hash=prev,
            hash=chain.event_hash(prev, content))
        audit_record(actor=actor, action=selectors.LEDGER_ACTION,
                     target=f"model:{model.pk}", organisation_id=project.organisation_id,
                     detail={"seq": seq, "kind": str(kind), "environment": environment,
                             "hash": event.hash})
    return event
