"""Reads of the model registry: a project's models, a model with its versions, aliases, requests
and deployment ledger, a version with its lineage.

Who: the project's members and its organisation's admins read and write (register a version,
ask for an alias); its leads and the organisation's admins approve an alias (never their own
request) and record deployments; the client-facing staff read, each read audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Max, Prefetch, QuerySet
from django.utils.translation import gettext as _

from laif.accounts.access import Access
from laif.accounts.audit import Actor
from laif.accounts.errors import NotFound, PermissionDenied
from laif.accounts.selectors import (
    audit_staff_read,
    audited_values,
    org_admins,
    project_lead_ids,
    project_of,
    users_of,
)
from laif.green import footprint as fp
from laif.green import selectors as green_selectors
from laif.registry import chain
from laif.registry.models import (
    Alias,
    AliasRequest,
    DeploymentEvent,
    ModelVersion,
    RegisteredModel,
    RequestState,
)
from laif.sandbox import signing
from laif.usage import selectors as usage_selectors

if TYPE_CHECKING:
    from laif.accounts.models import Project, User
    from laif.jobs.models import Job


def project_visible(access: Access, project_id: int) -> Project:
    project = project_of(project_id)
    if project is None or not access.can_view_project(project_id, project.organisation_id):
        raise NotFound(_("Project not found."))
    return project


def may_write(access: Access, project: Project) -> bool:
    """Register versions and ask for aliases: the project's members, its organisation's admins."""
    return project.pk in access.project_roles or access.is_org_admin(project.organisation_id)


def may_approve(access: Access, project: Project) -> bool:
    """Approve aliases and record deployments: the project's leads, its organisation's admins."""
    return access.can_manage_project(project.pk, project.organisation_id)


def writable_project(access: Access, project_id: int) -> Project:
    project = project_visible(access, project_id)
    if not may_write(access, project):
        raise PermissionDenied(_("The project's members register its models."))
    return project


def project_visible_to_job(job: Job, project_id: int) -> Project:
    """The job's project, when it is the one named: a job's token acts for it only."""
    project = project_of(project_id) if job.project_id == project_id else None
    if project is None:
        raise NotFound(_("Project not found."))
    return project


def models_of(*, access: Access, actor: Actor, project_id: int) -> list[RegisteredModel]:
    """The project's models, each with ``latest`` (its newest version's number, or None),
    ``version_count`` and its aliases."""
    project = project_visible(access, project_id)
    audit_staff_read(access, actor, f"project:{project.pk}:models", project.organisation_id)
    return list(RegisteredModel.objects.filter(project_id=project.pk)
                .annotate(latest=Max("versions__number"), version_count=Count("versions"))
                .prefetch_related(Prefetch("aliases",
                                           queryset=Alias.objects.select_related("version"))))


def model_get(*, access: Access, actor: Actor, model_id: int) -> RegisteredModel:
    model = (RegisteredModel.objects.select_related("project", "project__organisation")
             .filter(pk=model_id).first())
    if model is None or not access.can_view_project(model.project_id,
                                                    model.project.organisation_id):
        raise NotFound(_("No such model."))
    audit_staff_read(access, actor, f"model:{model.pk}", model.project.organisation_id)
    return model


def _versions() -> QuerySet[ModelVersion]:
    return (ModelVersion.objects.select_related("model", "model__project", "job",
                                                "registered_by")
            .prefetch_related("releases", "releases__version", "releases__version__dataset",
                              "aliases"))


def version_get(*, access: Access, actor: Actor, version_id: int) -> ModelVersion:
    version = _versions().filter(pk=version_id).first()
    if version is None or not access.can_view_project(
            version.model.project_id, version.model.project.organisation_id):
        raise NotFound(_("No such model version."))
    audit_staff_read(access, actor, f"model_version:{version.pk}",
                     version.model.project.organisation_id)
    return version


def versions_of(model: RegisteredModel) -> list[ModelVersion]:
    return list(_versions().filter(model=model))


def aliases_of(model: RegisteredModel) -> dict[str, ModelVersion]:
    return {a.name: a.version for a in Alias.objects.filter(model=model).select_related("version")}


def requests_of(model: RegisteredModel) -> list[AliasRequest]:
    return list(AliasRequest.objects.filter(model=model).select_related(
        "version", "requested_by", "decided_by"))


def request_get(*, access: Access, actor: Actor, request_id: int) -> AliasRequest:
    found = (AliasRequest.objects.select_related("model", "model__project", "version")
             .filter(pk=request_id).first())
    if found is None:
        raise NotFound(_("No such request."))
    model_get(access=access, actor=actor, model_id=found.model_id)
    return found


def approver_of(version: ModelVersion) -> AliasRequest | None:
    """The latest approval of the version for an alias: what lets it be deployed."""
    return (AliasRequest.objects.filter(version=version, state=RequestState.APPROVED)
            .select_related("decided_by").order_by("-decided_at", "-pk").first())


def ledger_of(model: RegisteredModel) -> list[DeploymentEvent]:
    return list(DeploymentEvent.objects.filter(model=model).order_by("seq").select_related(
        "version", "recorded_by", "approved_by"))


LEDGER_ACTION = "registry.deployment_recorded"


def _columns(e: DeploymentEvent) -> dict[str, object]:
    """What the pages read of a ledger line, as its hashed content must say it too."""
    return {"seq": e.seq, "kind": e.kind, "environment": e.environment, "target": e.target,
            "version": e.version.number if e.version else None,
            "sha256": e.version.sha256 if e.version else None,
            "effective_at": e.effective_at.isoformat(), "note": e.note,
            "approved_by": e.approved_by.email if e.approved_by else None}


def ledger_check(events: list[DeploymentEvent]) -> int | None:
    """The first ledger line that does not hold, or None: each line chains to the one before
    (``chain.first_broken``) and its hash is the one the keyed audit log kept when it was
    written, so a tail rewritten with fresh hashes shows too."""
    broken = chain.first_broken(chain.Link(e.seq, e.content, e.prev_hash, e.hash)
                                for e in events)
    if not events:
        return broken
    differs = next((e.seq for e in events for shown in [_columns(e)]
                    if shown != {k: e.content.get(k) for k in shown}), None)
    audited = audited_values(action=LEDGER_ACTION, target=f"model:{events[0].model_id}",
                             key="hash")
    unaudited = next((e.seq for e in events if e.hash not in audited), None)
    found = [n for n in (broken, differs, unaudited) if n is not None]
    return min(found) if found else None


def events_of(events: list[DeploymentEvent]) -> list[chain.Event]:
    return [chain.Event(seq=e.seq, kind=e.kind, environment=e.environment, target=e.target,
                        version=e.version.number if e.version else None, at=e.effective_at,
                        approved_by=e.approved_by.email if e.approved_by else "")
            for e in events]


@dataclass(frozen=True)
class ModelPage:
    model: RegisteredModel
    versions: list[ModelVersion]
    aliases: dict[str, ModelVersion]
    requests: list[AliasRequest]
    ledger: list[DeploymentEvent]
    broken_at: int | None
    timeline: list[chain.Stint]
    running: dict[str, int]
    may_write: bool
    may_approve: bool


def model_page(*, access: Access, actor: Actor, model_id: int) -> ModelPage:
    model = model_get(access=access, actor=actor, model_id=model_id)
    ledger = ledger_of(model)
    events = events_of(ledger)
    return ModelPage(model=model, versions=versions_of(model), aliases=aliases_of(model),
                     requests=requests_of(model), ledger=ledger, broken_at=ledger_check(ledger),
                     timeline=chain.timeline(events), running=chain.running(events),
                     may_write=may_write(access, model.project),
                     may_approve=may_approve(access, model.project))


def approvers(project: Project) -> list[User]:
    """Who is asked to approve an alias: the project's leads and its organisation's admins."""
    people = {u.pk: u for u in org_admins(project.organisation_id)}
    people.update({u.pk: u for u in users_of(project_lead_ids(project.pk))})
    return list(people.values())


@dataclass(frozen=True)
class Training:
    """The job that trained a version, with its figures from the usage ledger (None until the
    ledger has read it)."""

    job: Job
    figures: green_selectors.JobFigures | None

    @property
    def gpu_hours(self) -> Decimal | None:
        return usage_selectors.hours(self.figures.gpu_seconds) if self.figures else None

    @property
    def energy_kwh(self) -> Decimal | None:
        return fp.kwh(self.figures.figures.energy.it_j) if self.figures else None

    @property
    def measurement(self) -> str:
        """How the energy is known: "measured" (all of it), "partly" or "estimated"."""
        energy = self.figures.figures.energy if self.figures else None
        if energy is None or not energy.measured_j:
            return "estimated"
        return "partly" if energy.estimated_j else "measured"

    @property
    def measured_share(self) -> float | None:
        if self.figures is None or not self.figures.figures.energy.it_j:
            return None
        energy = self.figures.figures.energy
        return float(energy.measured_j / energy.it_j)


def training_of(version: ModelVersion) -> Training | None:
    if version.job is None:
        return None
    return Training(version.job, green_selectors.job_footprint(version.job))


def signed(version: ModelVersion) -> dict[str, Any]:
    """The version's record with the platform's signature and the key to check it, as a company
    keeps it beside the artefact (``laif models verify``)."""
    return {"record": version.record, "signature": version.signature,
            "key_id": version.signing_key_id, "public_key_pem": signing.public_pem()}


def referenced_files() -> set[tuple[int, str]]:
    return {(p, n) for p, n in ModelVersion.objects.values_list("model__project_id",
                                                                "stored_name")}


@dataclass(frozen=True)
class ModelEvidence:
    """What the AI Act's technical documentation cites of one model: the version in service
    (the champion, else the newest, ``champion`` saying which), how it was trained, its versions
    and its deployment ledger."""

    model: RegisteredModel
    version: ModelVersion | None
    champion: bool
    training: Training | None
    versions: list[ModelVersion]
    ledger: list[DeploymentEvent]
    broken_at: int | None
    stints: list[chain.Stint]


def evidence_of_project(project_id: int) -> list[ModelEvidence]:
    """Each model of the project, for a caller that checked the project may be seen."""
    found = []
    for model in RegisteredModel.objects.filter(project_id=project_id).order_by("name"):
        versions = versions_of(model)
        champion = aliases_of(model).get("champion")
        version = champion or (versions[0] if versions else None)
        ledger = ledger_of(model)
        found.append(ModelEvidence(
            model=model, version=version, champion=champion is not None,
            training=training_of(version) if version else None, versions=versions,
            ledger=ledger, broken_at=ledger_check(ledger),
            stints=chain.timeline(events_of(ledger))))
    return found
