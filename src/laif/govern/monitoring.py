"""Writes of drift monitoring: a monitor profiles an AI system's reference data once; each
current batch (a file, or rows posted as JSON) is tested against it with Evidently 0.7's
defaults (``govern.drift``). A drifted batch is a post-market monitoring event (Art. 72) and an
alert, in-app and by e-mail, to the organisation's admins and the system's project leads. The
admins, and the leads of the system's project, write; every write is audited."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, BinaryIO

import polars as pl
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from laif.accounts.access import Access
from laif.accounts.audit import Actor, audit_record
from laif.accounts.errors import DomainError
from laif.accounts.notices import mail_on_commit
from laif.govern import drift, performance, profiles, tables
from laif.govern.models import AiSystem, DriftBatch, DriftMonitor, EventKind, MonitoringEvent
from laif.govern.selectors import answerable, batch_get, monitor_get, system_to_change


def _table(src: BinaryIO, filename: str) -> pl.DataFrame:
    try:
        return tables.read_table(src, filename,
                                 max_bytes=settings.LAIF_DRIFT_MAX_UPLOAD_MB * 1024 * 1024)
    except tables.TableError as exc:
        raise DomainError(_("This file cannot be used: %(why)s.") % {"why": exc},
                          field="file") from exc


def drift_monitor_create(*, access: Access, actor: Actor, system_id: int, name: str,
                         src: BinaryIO, filename: str,
                         columns: Sequence[str] | None = None) -> DriftMonitor:
    """Profile the reference data (every column, or those named) once and keep the profile."""
    system = system_to_change(access=access, actor=actor, system_id=system_id)
    name = name.strip()
    if not name or "\x00" in name:
        raise DomainError(_("Give the monitor a name."), field="name")
    frame = _table(src, filename)
    chosen = list(columns) if columns else list(frame.columns)
    unknown = [c for c in chosen if c not in frame.columns]
    if unknown:
        raise DomainError(_("These columns are not in the file: %(names)s.") % {
            "names": ", ".join(unknown)[:300]}, field="columns")
    try:
        profile = drift.ReferenceProfile.build(frame, chosen)
    except (ValueError, KeyError) as exc:
        raise DomainError(_("This file cannot be used: %(why)s.") % {"why": exc},
                          field="file") from exc
    text = [c for c, s in profile.columns.items() if s.inferred_kind() == "text"]
    if text:
        raise DomainError(_("These columns hold free text, which is not tested for drift: "
                            "%(names)s. Leave them out.") % {"names": ", ".join(text)[:300]},
                          field="columns")
    digest, size = profiles.profile_store(profile)
    with transaction.atomic():
        monitor = DriftMonitor.objects.create(
            system=system, name=name[:200], created_by_id=actor.user_id,
            reference_name=filename[:200], reference_rows=frame.height, columns=chosen,
            profile_sha256=digest, profile_bytes=size)
        audit_record(actor=actor, action="govern.monitor_created",
                     target=f"drift_monitor:{monitor.pk}",
                     organisation_id=system.organisation_id,
                     detail={"system": system.pk, "rows": frame.height,
                             "columns": len(chosen), "profile": digest})
    return monitor


def _finite(value: Any) -> Any:
    """JSON that every database stores: no NaN or infinity (a chi-squared statistic can be
    infinite: its p-value is then 0), labels cut to a page's length."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return value[:tables.MAX_NAME]  # names are refused past it; a chart's values cut
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def drift_batch_submit(*, access: Access, actor: Actor, monitor_id: int,
                       src: BinaryIO | None = None, filename: str = "",
                       rows: Sequence[Mapping[str, object]] | None = None) -> DriftBatch:
    """Test a current batch (a file, or rows) against the monitor's reference profile."""
    monitor = monitor_get(access=access, actor=actor, monitor_id=monitor_id)
    system = system_to_change(access=access, actor=actor,
                              system_id=monitor.system_id)
    if src is not None:
        frame = _table(src, filename)
    else:
        try:
            frame = tables.rows_table(rows or [])
        except tables.TableError as exc:
            raise DomainError(_("These rows cannot be used: %(why)s.") % {"why": exc},
                              field="rows") from exc
    missing = [c for c in monitor.columns if c not in frame.columns]
    if missing:
        raise DomainError(_("The batch lacks these columns of the reference: %(names)s.") % {
            "names": ", ".join(missing)[:300]}, field="file" if src is not None else "rows")
    try:
        profile = profiles.profile_load(monitor.profile_sha256)
    except profiles.ProfileDamaged as exc:
        raise DomainError(_("The monitor's reference profile is damaged: create the monitor "
                            "again.")) from exc
    try:
        result = drift.dataset_drift(profile, frame.select(monitor.columns))
    except (drift.UnsupportedColumn, ValueError, KeyError) as exc:
        raise DomainError(_("This batch cannot be tested: %(why)s.") % {"why": exc},
                          field="file" if src is not None else "rows") from exc
    with transaction.atomic():
        batch = DriftBatch.objects.create(
            monitor=monitor, created_by_id=actor.user_id,
            source=(filename or "api")[:200], rows=frame.height, drifted=result.drifted,
            columns_total=result.number_of_columns,
            columns_drifted=result.number_of_drifted_columns,
            results=_finite(result.as_dict()))
        audit_record(actor=actor, action="govern.batch_tested",
                     target=f"drift_monitor:{monitor.pk}",
                     organisation_id=system.organisation_id,
                     detail={"batch": batch.pk, "rows": frame.height, "drifted": result.drifted,
                             "columns_drifted": result.number_of_drifted_columns})
        if result.drifted:
            _alert(system, monitor, batch)
    return batch


def _alert(system: AiSystem, monitor: DriftMonitor, batch: DriftBatch) -> None:
    """A post-market monitoring event, and word to the people who answer for the system."""
    MonitoringEvent.objects.create(system=system, kind=EventKind.DRIFT, batch=batch)
    drifted = [c["column"] for c in batch.results["columns"] if c["drifted"]]
    link = settings.LAIF_SITE_URL + reverse("drift_batch", kwargs={
        "monitor_id": monitor.pk, "batch_id": batch.pk})

    def subject() -> str:
        return _("Data drift in %(system)s: %(n)d of %(total)d columns") % {
            "system": system.name, "n": batch.columns_drifted, "total": batch.columns_total}

    def body() -> str:
        return _("The batch %(source)s sent to the monitor %(monitor)s drifted from its "
                 "reference in these columns: %(columns)s.\n\nIt is recorded as a post-market "
                 "monitoring event of the system (AI Act, Art. 72).\n\n%(link)s") % {
            "source": batch.source, "monitor": monitor.name,
            "columns": ", ".join(drifted), "link": link}

    mail_on_commit(answerable(system), subject, body, kind="govern.drift", link=link)


def batch_labels_submit(*, access: Access, actor: Actor, monitor_id: int, batch_id: int,
                        src: BinaryIO, filename: str, prediction: str = "prediction",
                        label: str = "label") -> DriftBatch:
    """The batch's predictions with the labels known since: its accuracy (and AUC for
    scores) are recorded on it, replacing an earlier count."""
    monitor = monitor_get(access=access, actor=actor, monitor_id=monitor_id)
    system = system_to_change(access=access, actor=actor, system_id=monitor.system_id)
    batch = batch_get(monitor, batch_id)
    frame = _table(src, filename)
    try:
        found = performance.score(frame, prediction.strip(), label.strip())
    except performance.PerformanceError as exc:
        raise DomainError(_("These labels cannot be scored: %(why)s.") % {"why": exc},
                          field="file") from exc
    with transaction.atomic():
        DriftBatch.objects.filter(pk=batch.pk).update(performance=found.as_dict(),
                                                      labelled_at=timezone.now())
        audit_record(actor=actor, action="govern.batch_labelled",
                     target=f"drift_monitor:{monitor.pk}",
                     organisation_id=system.organisation_id,
                     detail={"batch": batch.pk, **found.as_dict()})
    batch.refresh_from_db()
    return batch
