"""Writes of the data sandboxes: an upload accepted whole (streamed through the parser into an
encrypted file renamed into place only when complete, then its row and its proposed column
classification in one transaction) and the review of a version's classification by a data owner.

Who: a project's data owners (its leads and its organisation's admins) upload and review; the
project's members and client-facing staff see what a dataset is (columns, rows, classification),
never its values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import BinaryIO

import polars as pl
import pyarrow.parquet as pq
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from laif.accounts.access import Access
from laif.accounts.audit import Actor, audit_record
from laif.accounts.errors import Conflict, DomainError, NotFound
from laif.sandbox import detectors, ingest, keys, storage
from laif.sandbox.envelope import DecryptingReader, EncryptingWriter
from laif.sandbox.models import (
    ColumnClass,
    DataKind,
    Dataset,
    DatasetVersion,
    FileFormat,
    VersionState,
)
from laif.sandbox.selectors import data_owner
from laif.sandbox.texts import ingest_message, problem_text

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,59}")
CLASSIFY_SAMPLE_ROWS = 2000
FORMATS = {".csv": FileFormat.CSV, ".tsv": FileFormat.CSV, ".txt": FileFormat.CSV,
           ".parquet": FileFormat.PARQUET, ".pq": FileFormat.PARQUET}


def format_of(filename: str, declared: str | None = None) -> str:
    if declared:
        if declared not in FileFormat.values:
            raise DomainError(_("The format is csv or parquet."), field="file_format")
        return declared
    lower = filename.lower()
    for suffix, found in FORMATS.items():
        if lower.endswith(suffix):
            return found
    raise DomainError(_("Upload a CSV file (.csv, .tsv, .txt) or a Parquet file (.parquet)."),
                      field="file")


def display_name(filename: str) -> str:
    """The file's name as shown (never used as a path): its last part, printable, 200 at most."""
    last = re.split(r"[\\/]", filename)[-1]
    cleaned = "".join(ch for ch in last if ch.isprintable()).strip()
    return cleaned[:200] or "upload"


@dataclass(frozen=True)
class Upload:
    version: DatasetVersion
    created_dataset: bool


def _limits() -> ingest.Limits:
    return ingest.Limits(max_bytes=settings.LAIF_SANDBOX_MAX_UPLOAD_MB * 1024 * 1024,
                         max_rows=settings.LAIF_SANDBOX_MAX_ROWS)


def aad_of(project_id: int, stored_name: str) -> bytes:
    """Binds an encrypted file to its project and name: a file moved or swapped fails to open."""
    return f"laif-sandbox:{project_id}:{stored_name}".encode()


def dataset_upload(*, access: Access, actor: Actor, project_id: int, name: str, src: BinaryIO,
                   filename: str, file_format: str | None = None, encoding: str | None = None,
                   delimiter: str | None = None) -> Upload:
    """Add a version to the project's dataset ``name`` (created on its first upload) from a CSV
    or Parquet stream; refused whole, with every malformed row's line number, when any row is
    malformed. The columns' classification is proposed at once, to be reviewed."""
    organisation_id = data_owner(access, project_id)
    if not NAME.fullmatch(name or ""):
        raise DomainError(_("Name the dataset with letters, digits, '.', '_' or '-' (at most 60, "
                            "starting with a letter or digit)."), field="name")
    fmt = format_of(filename, file_format)
    key_version, key = keys.data_key(project_id)
    stored = storage.new_name("source")
    try:
        with storage.writing(project_id, stored) as out:
            with EncryptingWriter(out, key, key_id=f"p{project_id}.v{key_version}",
                                  aad=aad_of(project_id, stored)) as sink:
                if fmt == FileFormat.CSV:
                    report = ingest.ingest_csv(src, sink, limits=_limits(), encoding=encoding,
                                               delimiter=delimiter)
                else:
                    report = ingest.ingest_parquet(src, sink, limits=_limits())
            stored_bytes = out.tell()
    except ingest.IngestError as exc:
        problems = [{"line": p.line, "reason": problem_text(p)} for p in exc.problems]
        raise DomainError(ingest_message(exc), field="file",
                          extra={"code": exc.code, "problems": problems,
                                 "problem_count": exc.problem_count}) from exc
    try:
        proposals = _classify(project_id, stored, key, report.columns)
        with transaction.atomic():
            dataset, created = Dataset.objects.get_or_create(
                project_id=project_id, name=name, defaults={"created_by_id": actor.user_id})
            dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
            last = dataset.versions.order_by("-number").values_list("number", flat=True).first()
            version = DatasetVersion.objects.create(
                dataset=dataset, number=(last or 0) + 1, file_format=fmt,
                original_name=display_name(filename), stored_name=stored, key_version=key_version,
                source_sha256=report.source_sha256, source_bytes=report.source_bytes,
                stored_bytes=stored_bytes, rows=report.rows, columns=list(report.columns),
                encoding=report.encoding or "", delimiter=report.delimiter or "",
                uploaded_by_id=actor.user_id)
            ColumnClass.objects.bulk_create(
                ColumnClass(version=version, position=i, name=p.column, proposed_kind=p.kind.value,
                            kind=p.kind.value, confidence=p.confidence, sampled=p.sampled,
                            matched=p.matched, reason=p.reason, found_in_text=p.found_in_text)
                for i, p in enumerate(proposals))
            audit_record(actor=actor, action="sandbox.uploaded", target=f"dataset_version:{version.pk}",
                         organisation_id=organisation_id,
                         detail={"project_id": project_id, "dataset": name, "version": version.number,
                                 "rows": report.rows, "columns": len(report.columns),
                                 "sha256": report.source_sha256, "format": fmt})
    except BaseException:
        storage.remove(project_id, stored)
        raise
    return Upload(version=version, created_dataset=created)


def open_stored(project_id: int, stored_name: str, key: bytes) -> DecryptingReader:
    """One of the project's encrypted files, decrypted as it is read (random access); closing
    the reader closes the file."""
    src = storage.path_of(project_id, stored_name).open("rb")
    return DecryptingReader(src, key, aad=aad_of(project_id, stored_name), close_src=True)


def open_version(version: DatasetVersion) -> DecryptingReader:
    """The version's normalised Parquet, decrypted as it is read (random access)."""
    project_id = version.dataset.project_id
    _, key = keys.data_key(project_id, version=version.key_version)
    return open_stored(project_id, version.stored_name, key)


def _classify(project_id: int, stored: str, key: bytes, columns: tuple[str, ...]
              ) -> list[detectors.Proposal]:
    if not columns:
        return []
    with open_stored(project_id, stored, key) as reader:
        batches = pq.ParquetFile(reader).iter_batches(batch_size=CLASSIFY_SAMPLE_ROWS)
        first = next(batches, None)
        sample = pl.DataFrame({c: pl.Series(c, [], dtype=pl.String) for c in columns}) \
            if first is None else pl.from_arrow(first)
    assert isinstance(sample, pl.DataFrame)
    return detectors.classify_frame(sample, today=timezone.localdate(),
                                    sample_rows=CLASSIFY_SAMPLE_ROWS)


def classification_review(*, access: Access, actor: Actor, version_id: int,
                          kinds: dict[str, str]) -> DatasetVersion:
    """A data owner confirms the version's classification, correcting the kinds given (column
    name -> kind); the columns not named keep the proposal. Nothing is released before this."""
    with transaction.atomic():
        version = (DatasetVersion.objects.select_for_update().select_related("dataset")
                   .filter(pk=version_id).first())
        if version is None:
            raise NotFound(_("No such dataset version."))
        organisation_id = data_owner(access, version.dataset.project_id)
        columns = {c.name: c for c in version.column_classes.all()}
        unknown = sorted(set(kinds) - set(columns))
        if unknown:
            raise DomainError(_("No such column: %(names)s.") % {"names": ", ".join(unknown[:5])},
                              field="kinds")
        bad = sorted(n for n, k in kinds.items() if k not in DataKind.values)
        if bad:
            raise DomainError(_("Unknown kind of data for: %(names)s.") % {
                "names": ", ".join(bad[:5])}, field="kinds")
        if version.state == VersionState.REVIEWED and not kinds:
            raise Conflict(_("This classification is already reviewed."))
        changed = {}
        for name, kind in kinds.items():
            column = columns[name]
            if column.kind != kind:
                changed[name] = {"from": column.kind, "to": kind}
                column.kind = kind
                column.save(update_fields=["kind"])
        version.state, version.reviewed_at = VersionState.REVIEWED, timezone.now()
        version.reviewed_by_id = actor.user_id
        version.save(update_fields=["state", "reviewed_at", "reviewed_by"])
        audit_record(actor=actor, action="sandbox.classification_reviewed",
                     target=f"dataset_version:{version.pk}", organisation_id=organisation_id,
                     detail={"changed": changed,
                             "personal": sorted(n for n, c in columns.items()
                                                if c.kind != DataKind.NOT_PERSONAL)})
    return version
