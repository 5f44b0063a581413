"""The usage ledger: finished job runs as accounting recorded them, split by month.

- ``IngestRun`` is one ingestion (a window of ``sacct``, a replayed file, the local runner's jobs);
- ``IngestCheckpoint`` is the high-water mark of the periodic ingestion of one source and cluster;
- ``UsageRecord`` is one finished job allocation run (``sacct -X -D`` level), unique by
  ``(cluster, job_id, submit_time)``, a key that survives job-id reuse; immutable once written;
- ``UsageEntry`` is the part of a record that fell in one calendar month of the site's time zone
  (``split``), with the project, organisation, member and allocation it is charged to copied
  onto it, so that balances and statements are single-table sums.

Records and entries are never updated or deleted: a correction is a credit note on a statement,
never an edit of what accounting reported. Quantities are exact integers (seconds, joules);
``energy_j`` is null where the scheduler did not report energy ("not reported", never 0).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _


class UsageSource(models.TextChoices):
    SLURM = "slurm", _("Slurm accounting")
    FILE = "file", _("Replayed sacct file")
    LOCAL = "local", _("Local runner")


class IngestRun(models.Model):
    """One ingestion: what was read, what was new, and how it ended."""

    class State(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    source = models.CharField(max_length=8, choices=UsageSource.choices)
    cluster = models.CharField(max_length=64)
    window_start = models.DateTimeField(null=True, blank=True)
    window_end = models.DateTimeField(null=True, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.RUNNING)
    records_read = models.PositiveBigIntegerField(default=0)
    records_new = models.PositiveBigIntegerField(default=0)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    # who runs it and its last sign of life: a run left "running" by a killed process is shown
    # as interrupted (laif.ops.liveness), not as running forever
    host = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "compute_ingestrun"  # the name from before the split (ADR 0020)
        ordering: ClassVar[list[str]] = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"ingest run {self.pk} ({self.source}, {self.state})"


class IngestCheckpoint(models.Model):
    """Up to which end time the periodic ingestion of a source has committed every record; the
    next run reads from there minus an overlap (records that reach accounting late)."""

    source = models.CharField(max_length=8, choices=UsageSource.choices)
    cluster = models.CharField(max_length=64)
    ingested_until = models.DateTimeField()
    run = models.ForeignKey(IngestRun, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "compute_ingestcheckpoint"  # the name from before the split (ADR 0020)
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["source", "cluster"], name="ingestcheckpoint_once"),
        ]

    def __str__(self) -> str:
        return f"{self.source}/{self.cluster} until {self.ingested_until:%Y-%m-%d %H:%M}"


class UsageRecord(models.Model):
    """One finished job allocation run, as the scheduler's accounting recorded it."""

    source = models.CharField(max_length=8, choices=UsageSource.choices)
    cluster = models.CharField(max_length=64)
    job_id = models.BigIntegerField()
    submit_time = models.DateTimeField()
    array_job_id = models.BigIntegerField(null=True, blank=True)
    array_task_id = models.BigIntegerField(null=True, blank=True)
    username = models.CharField(max_length=64)
    account = models.CharField(max_length=64)
    partition = models.CharField(max_length=64)
    state = models.CharField(max_length=24)
    start_time = models.DateTimeField(null=True, blank=True)
    end_time = models.DateTimeField()
    elapsed_s = models.BigIntegerField()
    cpus = models.IntegerField()
    gpus = models.IntegerField()
    cpu_seconds = models.BigIntegerField()
    gpu_seconds = models.BigIntegerField()
    energy_j = models.BigIntegerField(null=True, blank=True)
    # project and user are resolved from the platform's own rows when the record is written
    # (never deleted: PROTECT); like the entries' copies below they carry no database foreign
    # key or index, which bulk ingestion would otherwise check and maintain row by row (ADR 0007)
    project = models.ForeignKey("accounts.Project", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", db_constraint=False, db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                             blank=True, related_name="+", db_constraint=False, db_index=False)
    run = models.ForeignKey(IngestRun, on_delete=models.PROTECT, related_name="records",
                            db_index=False)

    class Meta:
        db_table = "compute_usagerecord"  # the name from before the split (ADR 0020)
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["cluster", "job_id", "submit_time"],
                                    name="usagerecord_key"),
        ]

    def __str__(self) -> str:
        return f"{self.cluster} job {self.job_id} submitted {self.submit_time:%Y-%m-%d %H:%M}"


class UsageEntry(models.Model):
    """The part of a usage record in one calendar month (site time zone), charged to a project
    (null when the account belongs to no project: kept, shown to staff as unassigned)."""

    # record, project and organisation need no index of their own: the unique (record, month)
    # and the (project, month) and (organisation, month) indexes lead with them (bulk ingestion
    # maintains every index of every row: ADR 0007). project, organisation, user and allocation
    # are copies, resolved in the ingesting transaction from rows that are never deleted
    # (PROTECT): no database foreign key, which PostgreSQL would check row by row at commit.
    record = models.ForeignKey(UsageRecord, on_delete=models.PROTECT, related_name="entries",
                               db_index=False)
    month = models.DateField()  # the first day of the month, in the site's time zone
    project = models.ForeignKey("accounts.Project", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", db_index=False, db_constraint=False)
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="+", db_index=False,
                                     db_constraint=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                             blank=True, related_name="+", db_index=False, db_constraint=False)
    allocation = models.ForeignKey("allocations.Allocation", on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="usage_entries",
                                   db_constraint=False)
    partition = models.CharField(max_length=64)
    elapsed_s = models.BigIntegerField()
    cpu_seconds = models.BigIntegerField()
    gpu_seconds = models.BigIntegerField()
    energy_j = models.BigIntegerField(null=True, blank=True)

    class Meta:
        db_table = "compute_usageentry"  # the name from before the split (ADR 0020)
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["record", "month"], name="usageentry_once"),
        ]
        indexes: ClassVar[list[Any]] = [
            models.Index(fields=["organisation", "month"], name="usageentry_org_month"),
            models.Index(fields=["project", "month"], name="usageentry_project_month"),
        ]

    def __str__(self) -> str:
        return f"usage of record {self.record_id} in {self.month:%Y-%m}"


class UsageTotal(models.Model):
    """The ledger's running totals: its entries summed per organisation, project, member,
    allocation, partition and month, with the part of them billed on issued statements.

    Written only in the transactions that write entries (the ingestion, ``usage.totals``) and
    bill them (``statement_issue``), by adding to the sums in SQL: a committed state always equals
    ``GROUP BY`` over the entries (and their ``BilledEntry``). Pages and balances read these few
    rows instead of summing every entry, so their work does not grow with the month's entries
    (issue 17). ``manage.py usage_totals --check`` compares them with the entries, ``--rebuild``
    makes them again from the entries. ``energy_j`` is summed over the entries that reported
    energy (``energy_reported`` of them): none reported is "not reported", never 0. The GPU- and
    CPU-seconds of the entries that did not report energy are summed apart
    (``unreported_gpu_seconds``, ``unreported_cpu_seconds``): ``green`` estimates their energy
    from them, so that a total is measured where Slurm measured and estimated only elsewhere."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="+", db_index=False,
                                     db_constraint=False)
    project = models.ForeignKey("accounts.Project", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", db_index=False, db_constraint=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                             blank=True, related_name="+", db_index=False, db_constraint=False)
    allocation = models.ForeignKey("allocations.Allocation", on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+", db_constraint=False)
    partition = models.CharField(max_length=64)
    month = models.DateField()
    entries = models.BigIntegerField()
    gpu_seconds = models.BigIntegerField()
    cpu_seconds = models.BigIntegerField()
    energy_j = models.BigIntegerField()
    energy_reported = models.BigIntegerField()
    unreported_gpu_seconds = models.BigIntegerField(default=0)
    unreported_cpu_seconds = models.BigIntegerField(default=0)
    billed_entries = models.BigIntegerField()
    billed_gpu_seconds = models.BigIntegerField()
    billed_cpu_seconds = models.BigIntegerField()
    billed_energy_j = models.BigIntegerField()
    billed_energy_reported = models.BigIntegerField()

    class Meta:
        db_table = "compute_usagetotal"  # the name from before the split (ADR 0020)
        constraints: ClassVar[list[Any]] = [
            # one row per key; a missing project, member or allocation is a key of its own
            models.UniqueConstraint(
                Coalesce("organisation", 0), Coalesce("project", 0), Coalesce("user", 0),
                Coalesce("allocation", 0), "partition", "month", name="usagetotal_key"),
        ]
        indexes: ClassVar[list[Any]] = [
            models.Index(fields=["organisation", "month"], name="usagetotal_org_month"),
            models.Index(fields=["project", "month"], name="usagetotal_project_month"),
        ]

    def __str__(self) -> str:
        return f"usage totals of project {self.project_id} in {self.month:%Y-%m}"
