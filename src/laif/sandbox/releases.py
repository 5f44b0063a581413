"""Policies, risk and releases of the data sandboxes (services).

- ``policy_set``: a data owner sets what a release does with each column of a reviewed version
  (keep, pseudonymise in a domain, encrypt, generalise, leave out) and which columns are
  quasi-identifiers and sensitive; ``policy_proposed`` is the starting point from the
  classification.
- ``domain_key_rotate``: a domain's key gets a new version (derived from the project's data key,
  never stored); later releases say which version they used.
- ``release_risk``: k-anonymity and l-diversity of the release as it would be, streamed.
- ``release_create``: the pseudonymised copy, refused under the site's k and l floors (and the
  owner's own, when higher), stored encrypted and staged read-only where the project's jobs read
  it, with a signed record in the audit log.
"""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from laif.accounts.access import Access
from laif.accounts.audit import Actor, audit_record
from laif.accounts.errors import Conflict, DomainError, NotFound, PermissionDenied
from laif.accounts.selectors import project_identities, project_of
from laif.sandbox import acl, keys, pipeline, policies, selectors, signing, storage
from laif.sandbox.envelope import DecryptingReader, EncryptingWriter
from laif.sandbox.models import (
    ColumnPolicy,
    DataKind,
    Dataset,
    DatasetVersion,
    DomainKeyVersion,
    PolicyAction,
    Release,
    VersionState,
)
from laif.sandbox.risk import RiskReport
from laif.sandbox.selectors import data_owner
from laif.sandbox.services import aad_of, open_stored, open_version

logger = logging.getLogger(__name__)

DOMAINS: dict[str, str] = {DataKind.LU_MATRICULE: "matricule", DataKind.IBAN: "iban", DataKind.EMAIL: "email",
           DataKind.PHONE: "phone", DataKind.PERSON_NAME: "name"}


@dataclass(frozen=True)
class PolicyRow:
    column: str
    action: str
    domain: str = ""
    granularity: str = ""
    band_width: int | None = None
    quasi_identifier: bool = False
    sensitive: bool = False


def policy_proposed(version: DatasetVersion) -> list[PolicyRow]:
    """The policy a release starts from: identifiers pseudonymised in the domain of their kind
    (joinable across the project's tables), dates of birth to the year and postcodes to the
    region (both quasi-identifiers), addresses and free text left out, the rest kept."""
    rows = []
    for c in version.column_classes.all():
        kind = c.kind
        if kind in DOMAINS:
            rows.append(PolicyRow(c.name, PolicyAction.PSEUDONYMISE, DOMAINS[kind]))
        elif kind == DataKind.DATE_OF_BIRTH:
            rows.append(PolicyRow(c.name, PolicyAction.GENERALISE, granularity="year",
                                  quasi_identifier=True))
        elif kind == DataKind.POSTCODE_LU:
            rows.append(PolicyRow(c.name, PolicyAction.GENERALISE, quasi_identifier=True))
        elif kind in (DataKind.STREET_ADDRESS, DataKind.FREE_TEXT):
            rows.append(PolicyRow(c.name, PolicyAction.SUPPRESS))
        else:
            rows.append(PolicyRow(c.name, PolicyAction.KEEP))
    return rows


def policy_of(version: DatasetVersion) -> list[PolicyRow]:
    """The policy set for the version, or the proposed one."""
    found = list(version.policies.all())
    if not found:
        return policy_proposed(version)
    return [PolicyRow(p.name, p.action, p.domain, p.granularity, p.band_width,
                      p.quasi_identifier, p.sensitive) for p in found]


def _engine_policies(version: DatasetVersion, rows: Sequence[PolicyRow]
                     ) -> list[policies.ColumnPolicy]:
    kinds = {c.name: c.kind for c in version.column_classes.all()}
    return [policies.ColumnPolicy(column=r.column, action=r.action, kind=kinds.get(r.column, ""),
                                  domain=r.domain or "default",
                                  granularity=r.granularity or None, band_width=r.band_width)
            for r in rows]


def _check(version: DatasetVersion, rows: Sequence[PolicyRow]) -> None:
    names = [c.name for c in version.column_classes.all()]
    try:
        policies.validate_policies(names, _engine_policies(version, rows))
    except policies.PolicyError as exc:
        raise DomainError(_("The policy cannot be applied: %(why)s") % {"why": str(exc)},
                          field="policy") from None
    for r in rows:
        if r.action == PolicyAction.SUPPRESS and (r.quasi_identifier or r.sensitive):
            raise DomainError(_("A column left out cannot be a quasi-identifier or sensitive: "
                                "%(name)s.") % {"name": r.column}, field="policy")
        if r.quasi_identifier and r.sensitive:
            raise DomainError(_("A column is a quasi-identifier or sensitive, not both: "
                                "%(name)s.") % {"name": r.column}, field="policy")


def _owned_version(access: Access, version_id: int, *, lock: bool = False
                   ) -> tuple[DatasetVersion, int]:
    rows = DatasetVersion.objects.select_related("dataset")
    found = (rows.select_for_update() if lock else rows).filter(pk=version_id).first()
    if found is None:
        raise NotFound(_("No such dataset version."))
    return found, data_owner(access, found.dataset.project_id)


def policy_set(*, access: Access, actor: Actor, version_id: int,
               rows: Sequence[PolicyRow]) -> DatasetVersion:
    """Set the version's release policy (every column once); the classification must be
    reviewed first."""
    with transaction.atomic():
        version, organisation_id = _owned_version(access, version_id, lock=True)
        if version.state != VersionState.REVIEWED:
            raise Conflict(_("Review the classification of the columns first."))
        _check(version, rows)
        position = {c.name: c.position for c in version.column_classes.all()}
        version.policies.all().delete()
        ColumnPolicy.objects.bulk_create(ColumnPolicy(
            version=version, position=position[r.column], name=r.column, action=r.action,
            domain=r.domain if r.action in (PolicyAction.PSEUDONYMISE, PolicyAction.ENCRYPT)
            else "", granularity=r.granularity, band_width=r.band_width,
            quasi_identifier=r.quasi_identifier, sensitive=r.sensitive) for r in rows)
        audit_record(actor=actor, action="sandbox.policy_set",
                     target=f"dataset_version:{version.pk}", organisation_id=organisation_id,
                     detail={"policy": [r.__dict__ for r in rows]})
    return version


def domain_version(project_id: int, domain: str) -> int:
    found = (DomainKeyVersion.objects.filter(project_id=project_id, domain=domain)
             .order_by("-version").values_list("version", flat=True).first())
    return int(found or 1)


def domain_key_rotate(*, access: Access, actor: Actor, project_id: int, domain: str) -> int:
    """Start a new key version for a pseudonymisation domain: later releases get other
    pseudonyms (and say which version); earlier releases keep theirs."""
    organisation_id = data_owner(access, project_id)
    if not re.fullmatch(r"[a-z0-9_-]{1,40}", domain or ""):
        raise DomainError(_("A domain is 1 to 40 of a-z, 0-9, '_' and '-'."), field="domain")
    with transaction.atomic():
        current = domain_version(project_id, domain)
        try:
            with transaction.atomic():
                DomainKeyVersion.objects.create(project_id=project_id, domain=domain,
                                                version=current + 1, created_by_id=actor.user_id)
        except IntegrityError:
            raise Conflict(_("The domain's key was rotated at the same moment; try again.")) \
                from None
        audit_record(actor=actor, action="sandbox.domain_key_rotated", target=f"project:{project_id}",
                     organisation_id=organisation_id,
                     detail={"domain": domain, "version": current + 1})
    return current + 1


@dataclass(frozen=True)
class Floors:
    k: int
    l_diversity: int | None


def floors(required_k: int | None = None, required_l: int | None = None,
           sensitive: bool = False) -> Floors:
    """The site's floors, or the owner's when higher; l applies when a column is sensitive."""
    k = max(settings.LAIF_SANDBOX_MIN_K, required_k or 0)
    lv = max(settings.LAIF_SANDBOX_MIN_L, required_l or 0) if sensitive else None
    return Floors(k, lv)


def _plan(version: DatasetVersion, *, required_k: int | None, required_l: int | None,
          suppress: bool) -> tuple[pipeline.ReleasePlan, dict[str, int], int]:
    rows = policy_of(version)
    _check(version, rows)
    project_id = version.dataset.project_id
    key_version, project_key = keys.data_key(project_id)
    engine = _engine_policies(version, rows)
    domain_keys: dict[tuple[str, str], policies.DomainKey] = {}
    versions: dict[str, int] = {}
    for p in engine:
        purposes: dict[str, str] = {PolicyAction.PSEUDONYMISE: policies.PURPOSE_PSEUDONYM,
                                    PolicyAction.ENCRYPT: policies.PURPOSE_SIV}
        purpose = purposes.get(p.action)
        if purpose is None:
            continue
        versions[p.domain] = domain_version(project_id, p.domain)
        domain_keys[(purpose, p.domain)] = policies.derive_domain_key(
            project_key, domain=p.domain, version=versions[p.domain], purpose=purpose)
    qi = tuple(r.column for r in rows if r.quasi_identifier)
    sensitive = tuple(r.column for r in rows if r.sensitive)
    if not qi:
        raise DomainError(_("Mark the quasi-identifiers (the columns someone could link to "
                            "another source: birth year, region, ...) so that the risk can be "
                            "measured."), field="policy")
    limits = floors(required_k, required_l, bool(sensitive))
    plan = pipeline.ReleasePlan(policies=tuple(engine), keys=domain_keys, quasi_identifiers=qi,
                                sensitive=sensitive, required_k=limits.k,
                                required_l=limits.l_diversity, suppress_below_k=suppress)
    return plan, versions, key_version


def release_risk(*, access: Access, version_id: int, required_k: int | None = None,
                 required_l: int | None = None, suppress: bool = False) -> RiskReport:
    """The risk report of a release of this version under its policy, as it would be."""
    version, _org = _owned_version(access, version_id)
    plan, _versions, _kv = _plan(version, required_k=required_k, required_l=required_l,
                                 suppress=suppress)
    with open_version(version) as source:
        return pipeline.assess_stream(source, plan)


def staged_path(release: Release) -> Path:
    return selectors.releases_dir(release.version.dataset.project_id) / release.staged_name


def _stage(project_id: int, name: str, source: DecryptingReader) -> Path:
    """A read-only copy where the project's jobs read it, written whole then renamed."""
    folder = selectors.releases_dir(project_id)
    folder.parent.mkdir(mode=0o711, parents=True, exist_ok=True)
    folder.parent.chmod(0o711)  # members traverse it to their project's folder, never list it
    folder.mkdir(mode=0o700, exist_ok=True)
    with storage.whole(folder / name, mode=0o440) as out:
        shutil.copyfileobj(source, out, 1 << 20)
    return folder / name


def release_create(*, access: Access, actor: Actor, version_id: int,
                   required_k: int | None = None, required_l: int | None = None,
                   suppress: bool = False) -> Release:
    """Release the version's pseudonymised copy to the project (see the module)."""
    version, organisation_id = _owned_version(access, version_id)
    if version.state != VersionState.REVIEWED:
        raise Conflict(_("Review the classification of the columns first."))
    if not version.policies.exists():
        raise Conflict(_("Set and save the release policy first."))
    plan, versions, key_version = _plan(version, required_k=required_k, required_l=required_l,
                                        suppress=suppress)
    project_id = version.dataset.project_id
    _kv, data_key = keys.data_key(project_id, version=key_version)
    stored = storage.new_name("release")
    staged_name = ""
    try:
        with (storage.writing(project_id, stored) as out, open_version(version) as source,
              EncryptingWriter(out, data_key, key_id=f"p{project_id}.v{key_version}",
                               aad=aad_of(project_id, stored)) as sink):
            result = pipeline.release_stream(source, sink, plan)
    except pipeline.ReleaseRefused as exc:
        raise DomainError(_refusal(exc.report), field="risk",
                          extra={"risk": risk_out(exc.report)}) from None
    try:
        with transaction.atomic():
            # releases are numbered per dataset: its row's lock orders two releases of it
            Dataset.objects.select_for_update().get(pk=version.dataset_id)
            last = (Release.objects.filter(version__dataset_id=version.dataset_id)
                    .order_by("-number").values_list("number", flat=True).first())
            number = (last or 0) + 1
            for domain, v in versions.items():
                DomainKeyVersion.objects.get_or_create(project_id=project_id, domain=domain,
                                                       version=v)
            staged_name = f"{version.dataset.name}-r{number}.parquet"
            record = {
                "release": number, "dataset": version.dataset.name, "project_id": project_id,
                "dataset_version": version.number, "source_sha256": version.source_sha256,
                "output_sha256": result.output_sha256, "output_bytes": result.output_bytes,
                "rows": result.rows_out, "suppressed_rows": result.risk.suppressed_rows,
                "columns": list(result.columns),
                "policy": [r.__dict__ for r in policy_of(version)],
                "data_key_version": key_version, "domain_key_versions": versions,
                "quasi_identifiers": list(plan.quasi_identifiers),
                "sensitive": list(plan.sensitive), "k": result.risk.k, "l": result.risk.l,
                "required_k": plan.required_k, "required_l": plan.required_l,
                "approved_by": actor.label,
                "released_at": timezone.now().isoformat(timespec="seconds"),
            }
            signature = signing.sign(record)
            release = Release.objects.create(
                version=version, number=number, stored_name=stored, staged_name=staged_name,
                key_version=key_version, rows=result.rows_out,
                suppressed_rows=result.risk.suppressed_rows, k=result.risk.k,
                l_diversity=result.risk.l, output_sha256=result.output_sha256,
                output_bytes=result.output_bytes, record=record, signature=signature,
                signing_key_id=signing.key_id(), approved_by_id=actor.user_id)
            audit_record(actor=actor, action="sandbox.released", target=f"release:{release.pk}",
                         organisation_id=organisation_id,
                         detail={"record": record, "signature": signature,
                                 "signing_key_id": release.signing_key_id})
            with open_stored(project_id, stored, data_key) as copy:
                _stage(project_id, staged_name, copy)
            release_access_sync(project_id)
    except BaseException:
        storage.remove(project_id, stored)
        if staged_name:
            (selectors.releases_dir(project_id) / staged_name).unlink(missing_ok=True)
        raise
    return release


def _refusal(report: RiskReport) -> str:
    if report.l is not None and report.required_l is not None and report.l < report.required_l:
        return _("Release refused: l-diversity %(l)s is below the %(required)s required (a group "
                 "of rows shares too few values of a sensitive column).") % {
                     "l": report.l, "required": report.required_l}
    return _("Release refused: k-anonymity %(k)s is below the %(required)s required (a group of "
             "rows is that small on the quasi-identifiers). Generalise them further, or leave "
             "out the rows of the smallest groups.") % {"k": report.k,
                                                        "required": report.required_k}


def risk_out(report: RiskReport) -> dict[str, object]:
    """The report as data (the API's and the pages' one shape)."""
    return {"rows": report.rows, "k": report.k, "l": report.l, "groups": report.groups,
            "required_k": report.required_k, "required_l": report.required_l,
            "passes": report.passes, "suppressed_rows": report.suppressed_rows,
            "suppressed_groups": report.suppressed_groups,
            "quasi_identifiers": list(report.quasi_identifiers),
            "sensitive": list(report.sensitive),
            "smallest_groups": [{"values": list(g.values), "size": g.size}
                                for g in report.smallest_groups]}


def release_download(*, access: Access, actor: Actor, release_id: int) -> FileResponse:
    """The release's Parquet file, decrypted from the platform's copy as it is sent; the
    project's members and admins only, each download audited."""
    release = selectors.release_get(access=access, release_id=release_id)
    project_id = release.version.dataset.project_id
    project = project_of(project_id)
    assert project is not None
    if not selectors.can_read_releases(access, project_id, project.organisation_id):
        raise PermissionDenied(_("The project's members and its organisation's administrators "
                                 "download its releases."))
    _kv, data_key = keys.data_key(project_id, version=release.key_version)
    reader = open_stored(project_id, release.stored_name, data_key)
    audit_record(actor=actor, action="sandbox.release_downloaded", target=f"release:{release.pk}",
                 organisation_id=project.organisation_id, detail={"sha256": release.output_sha256})
    return FileResponse(reader, as_attachment=True, filename=release.staged_name,
                        content_type="application/vnd.apache.parquet")


def release_access_sync(project_id: int) -> None:
    """Give the project's members (their cluster identities) read access to its staged
    releases, and take it from those who left (idempotent; on release, on a change of members
    and before each job of the project is submitted). Without ACL support, only the platform
    reads them: logged once per call."""
    folder = selectors.releases_dir(project_id)
    if not folder.is_dir():
        return
    uids = [i.uid for i in project_identities(project_id)]
    try:
        for path in [folder, *sorted(p for p in folder.iterdir()
                                     if p.is_file() and not p.name.startswith("."))]:
            if acl.readers(path) != set(uids) or path == folder:
                acl.grant_read(path, uids)
    except acl.AclUnsupported as exc:
        logger.warning("releases of project %s: %s; the project's jobs cannot read them",
                       project_id, exc)
