"""REST endpoints of the data sandboxes: upload a dataset (multipart, streamed to encrypted
storage), list a project's datasets, read a version's classification, review it."""

from __future__ import annotations

from typing import Annotated, Any, BinaryIO, cast

from django.http import HttpRequest, StreamingHttpResponse
from ninja import File, Form, Path, Query, Router, Status
from ninja.files import UploadedFile

from laif.accounts.requestinfo import access_of, actor_of
from laif.config.apitypes import Id
from laif.sandbox import reidentify, releases, selectors, services, signing
from laif.sandbox import schemas as s
from laif.sandbox.models import DataKind, DatasetVersion, Reidentification, Release

router = Router(tags=["data sandboxes"])


def _version(v: DatasetVersion) -> s.VersionOut:
    labels = dict(DataKind.choices)
    return s.VersionOut(
        id=v.pk, dataset_id=v.dataset_id, dataset=v.dataset.name, project_id=v.dataset.project_id,
        number=v.number, state=v.state, file_format=v.file_format, original_name=v.original_name,
        rows=v.rows, columns=list(v.columns), encoding=v.encoding, delimiter=v.delimiter,
        source_sha256=v.source_sha256, source_bytes=v.source_bytes, uploaded_at=v.uploaded_at,
        uploaded_by=v.uploaded_by.email if v.uploaded_by else "",
        reviewed_at=v.reviewed_at, reviewed_by=v.reviewed_by.email if v.reviewed_by else "",
        classification=[s.ColumnOut(
            position=c.position, name=c.name, proposed_kind=c.proposed_kind, kind=c.kind,
            kind_label=str(labels.get(c.kind, c.kind)), confidence=c.confidence,
            sampled=c.sampled, matched=c.matched, reason=c.reason,
            found_in_text=dict(c.found_in_text)) for c in selectors.columns_of(v)])


@router.post("/projects/{project_id}/datasets", response={201: s.VersionOut},
             summary="Upload a CSV or Parquet file as a new version of a dataset (data owners)",
             description="Streamed into the project's sandbox, encrypted at rest. Refused whole "
             "(400, with `problems`: each malformed row's line number and why, never its content) "
             "when any row is malformed. The columns' kinds of personal data are proposed, to be "
             "reviewed before any release.")
def dataset_upload(request: HttpRequest, project_id: Id, data: Form[s.UploadIn],
                   file: File[UploadedFile]) -> Status[Any]:
    with file.open("rb") as opened:
        src = cast(BinaryIO, opened)
        done = services.dataset_upload(
            access=access_of(request), actor=actor_of(request), project_id=project_id,
            name=data.name, src=src, filename=file.name or "upload",
            file_format=data.file_format or None, encoding=data.encoding or None,
            delimiter=data.delimiter or None)
    return Status(201, _version(selectors.version_get(access=access_of(request),
                                                      version_id=done.version.pk)))


@router.get("/projects/{project_id}/datasets", response=list[s.DatasetOut],
            summary="A project's datasets and their versions")
def dataset_list(request: HttpRequest, project_id: Id) -> list[s.DatasetOut]:
    return [s.DatasetOut(id=d.pk, name=d.name, project_id=d.project_id, created_at=d.created_at,
                         versions=[s.VersionBriefOut(id=v.pk, number=v.number, state=v.state,
                                                     rows=v.rows, uploaded_at=v.uploaded_at)
                                   for v in d.versions.all()])
            for d in selectors.datasets_of(access=access_of(request), project_id=project_id)]


@router.get("/dataset-versions/{version_id}", response=s.VersionOut,
            summary="A dataset version: its columns and their classification")
def version_show(request: HttpRequest, version_id: Id) -> s.VersionOut:
    return _version(selectors.version_get(access=access_of(request), version_id=version_id))


@router.post("/dataset-versions/{version_id}/review", response=s.VersionOut,
             summary="Confirm a version's classification, correcting the kinds named (data owners)",
             description="`kinds` maps column names to a kind code (lu_matricule, iban, email, "
             "phone, person_name, street_address, postcode_lu, date_of_birth, free_text, "
             "not_personal); columns not named keep the proposed kind.")
def version_review(request: HttpRequest, version_id: Id, data: s.ReviewIn) -> s.VersionOut:
    services.classification_review(access=access_of(request), actor=actor_of(request),
                                   version_id=version_id, kinds=dict(data.kinds))
    return _version(selectors.version_get(access=access_of(request), version_id=version_id))


def _policy(v: DatasetVersion, saved: bool) -> s.PolicyOut:
    kinds = {c.name: c.kind for c in v.column_classes.all()}
    return s.PolicyOut(version_id=v.pk, saved=saved, columns=[
        s.PolicyColumnOut(column=r.column, action=r.action, domain=r.domain,
                          granularity=r.granularity, band_width=r.band_width,
                          quasi_identifier=r.quasi_identifier, sensitive=r.sensitive,
                          kind=kinds.get(r.column, "")) for r in releases.policy_of(v)])


@router.get("/dataset-versions/{version_id}/policy", response=s.PolicyOut,
            summary="A version's release policy (as saved, or as proposed from the classification)")
def policy_show(request: HttpRequest, version_id: Id) -> s.PolicyOut:
    v = selectors.version_get(access=access_of(request), version_id=version_id)
    return _policy(v, v.policies.exists())


@router.put("/dataset-versions/{version_id}/policy", response=s.PolicyOut,
            summary="Set a version's release policy, one entry per column (data owners)",
            description="Actions: keep (not personal data only), pseudonymise (keyed, in a "
            "domain: the same value gets the same pseudonym in every table of the project using "
            "that domain), encrypt (reversible by the data owner with a second person's "
            "approval), generalise (dates of birth to a month or year, postcodes to the region, "
            "numbers to bands of `band_width`), suppress (the column is left out). Mark the "
            "quasi-identifiers and sensitive columns for the risk check.")
def policy_put(request: HttpRequest, version_id: Id, data: s.PolicyIn) -> s.PolicyOut:
    v = releases.policy_set(access=access_of(request), actor=actor_of(request),
                            version_id=version_id, rows=[releases.PolicyRow(
                                column=c.column, action=c.action, domain=c.domain,
                                granularity=c.granularity, band_width=c.band_width,
                                quasi_identifier=c.quasi_identifier, sensitive=c.sensitive)
                                for c in data.columns])
    return _policy(v, True)


@router.get("/dataset-versions/{version_id}/risk", response=s.RiskOut,
            summary="Re-identification risk of a release under the policy (data owners)",
            description="k-anonymity over the quasi-identifiers and l-diversity of the sensitive "
            "columns, after the policy; a missing value is a value of its own. The floors are "
            "the site's (LAIF_SANDBOX_MIN_K, LAIF_SANDBOX_MIN_L) or higher ones asked for.")
def risk_show(request: HttpRequest, version_id: Id, query: Query[s.ReleaseIn]) -> s.RiskOut:
    report = releases.release_risk(access=access_of(request), version_id=version_id,
                                   required_k=query.required_k, required_l=query.required_l,
                                   suppress=query.suppress)
    return s.RiskOut(**releases.risk_out(report))  # type: ignore[arg-type]


def _release(r: Release) -> s.ReleaseOut:
    return s.ReleaseOut(
        id=r.pk, number=r.number, dataset=r.version.dataset.name,
        dataset_version=r.version.number, project_id=r.version.dataset.project_id,
        rows=r.rows, suppressed_rows=r.suppressed_rows, k=r.k, l=r.l_diversity,
        output_sha256=r.output_sha256, released_at=r.released_at,
        approved_by=r.approved_by.email if r.approved_by else "",
        staged_path=str(releases.staged_path(r)), env_var=selectors.env_var(r.version.dataset.name),
        record=r.record, signature=r.signature, signing_key_id=r.signing_key_id)


@router.post("/dataset-versions/{version_id}/releases", response={201: s.ReleaseOut},
             summary="Release the pseudonymised copy to the project's jobs (data owners)",
             description="Refused (400, with `risk`) under the k and l floors. The copy is "
             "staged read-only where the project's jobs read it (its path is in the job's "
             "environment) and its record is signed by the platform and audited.")
def release_create(request: HttpRequest, version_id: Id, data: s.ReleaseIn) -> Status[Any]:
    r = releases.release_create(access=access_of(request), actor=actor_of(request),
                                version_id=version_id, required_k=data.required_k,
                                required_l=data.required_l, suppress=data.suppress)
    return Status(201, _release(selectors.release_get(access=access_of(request),
                                                      release_id=r.pk)))


@router.get("/projects/{project_id}/releases", response=list[s.ReleaseOut],
            summary="A project's releases")
def release_list(request: HttpRequest, project_id: Id) -> list[s.ReleaseOut]:
    return [_release(r) for r in selectors.releases_of(access=access_of(request),
                                                       project_id=project_id)]


@router.get("/releases/{release_id}", response=s.ReleaseOut, summary="A release and its record")
def release_show(request: HttpRequest, release_id: Id) -> s.ReleaseOut:
    return _release(selectors.release_get(access=access_of(request), release_id=release_id))


@router.get("/releases/{release_id}/file", response={200: None},
            summary="Download a release's Parquet file (the project's members and admins)")
def release_file(request: HttpRequest, release_id: Id) -> StreamingHttpResponse:
    return releases.release_download(access=access_of(request), actor=actor_of(request),
                                     release_id=release_id)


@router.get("/sandbox/signing-key", auth=None, response=s.SigningKeyOut,
            summary="The platform's public key that signs release records (Ed25519, PEM)")
def signing_key(request: HttpRequest) -> s.SigningKeyOut:
    return s.SigningKeyOut(key_id=signing.key_id(), public_key_pem=signing.public_pem())


@router.post("/projects/{project_id}/domains/{domain}/rotate", response=s.DomainRotatedOut,
             summary="Start a new key version for a pseudonymisation domain (data owners)")
def domain_rotate(request: HttpRequest, project_id: Id,
                  domain: Annotated[str, Path(max_length=40, pattern=r"^[a-z0-9_-]+$")]
                  ) -> s.DomainRotatedOut:
    version = releases.domain_key_rotate(access=access_of(request), actor=actor_of(request),
                                         project_id=project_id, domain=domain)
    return s.DomainRotatedOut(domain=domain, version=version)


def _reid(r: Reidentification) -> s.ReidentificationOut:
    return s.ReidentificationOut(
        id=r.pk, release_id=r.release_id, column=r.column, tokens=list(r.tokens), reason=r.reason,
        state=r.state, requested_by=r.requested_by.email, requested_at=r.requested_at,
        decided_by=r.decided_by.email if r.decided_by else "", decided_at=r.decided_at,
        expires_at=r.expires_at, revealed_at=r.revealed_at)


@router.post("/releases/{release_id}/reidentifications", response={201: s.ReidentificationOut},
             summary="Ask to see the original values behind encrypted values (data owners)",
             description="Only for a column released with the `encrypt` action. Another data "
             "owner approves or refuses; the requester then reveals the values once, within "
             "LAIF_SANDBOX_REID_MINUTES of the approval.")
def reid_request(request: HttpRequest, release_id: Id,
                 data: s.ReidentificationIn) -> Status[Any]:
    found = reidentify.reidentification_request(
        access=access_of(request), actor=actor_of(request), release_id=release_id,
        column=data.column, tokens=list(data.tokens), reason=data.reason)
    return Status(201, _reid(selectors.reidentification_get(access=access_of(request),
                                                            request_id=found.pk)))


@router.get("/releases/{release_id}/reidentifications", response=list[s.ReidentificationOut],
            summary="A release's re-identification requests (data owners)")
def reid_list(request: HttpRequest, release_id: Id) -> list[s.ReidentificationOut]:
    return [_reid(r) for r in selectors.reidentifications_of(access=access_of(request),
                                                            release_id=release_id)]


@router.post("/reidentifications/{reidentification_id}/approve",
             response=s.ReidentificationOut,
             summary="Approve a re-identification (another data owner than the requester)")
def reid_approve(request: HttpRequest, reidentification_id: Id) -> s.ReidentificationOut:
    return _reid(reidentify.reidentification_decide(
        access=access_of(request), actor=actor_of(request), request_id=reidentification_id,
        approve=True))


@router.post("/reidentifications/{reidentification_id}/refuse",
             response=s.ReidentificationOut,
             summary="Refuse a re-identification (another data owner than the requester)")
def reid_refuse(request: HttpRequest, reidentification_id: Id) -> s.ReidentificationOut:
    return _reid(reidentify.reidentification_decide(
        access=access_of(request), actor=actor_of(request), request_id=reidentification_id,
        approve=False))


@router.post("/reidentifications/{reidentification_id}/reveal", response=s.RevealOut,
             summary="Reveal the original values, once (the requester, once approved)")
def reid_reveal(request: HttpRequest, reidentification_id: Id) -> s.RevealOut:
    values = reidentify.reidentification_reveal(access=access_of(request),
                                                actor=actor_of(request),
                                                request_id=reidentification_id)
    return s.RevealOut(id=reidentification_id, values=[s.RevealedOut(token=v.token, value=v.value)
                                              for v in values])
