"""REST endpoints of the data sandboxes: upload a dataset (multipart, streamed to encrypted
storage), list a project's datasets, read a version's classification, review it."""

from __future__ import annotations

from typing import Any, BinaryIO, cast

from django.http import HttpRequest
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from laif.accounts.requestinfo import access_of, actor_of
from laif.config.apitypes import Id
from laif.sandbox import schemas as s
from laif.sandbox import selectors, services
from laif.sandbox.models import DataKind, DatasetVersion

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
