"""Reads of the usage ledger, scoped by the requester's ``Access`` like ``compute.selectors``.

Everything is a sum of ``UsageEntry`` (one row per record and month, charged to a project, its
organisation, a person and an allocation), read from the ledger's running totals
(``UsageTotal``, ``usage.totals``: a few rows per project and month, kept by the ingestion), so
that no page sums every entry:

- allocation balances: granted, used, reserved and left (``usage.balance``);
- a project's usage (total, per month, per member), an organisation's (total, per month, per
  project), a pool's consumption (entries of its allocations);
- energy: a total over the entries that reported it, with the number of entries that did not.
  When no entry reported energy the total is ``None``, shown as "not reported", never as 0; when
  only some did, the total is shown with the count of those that did not.

Visibility: a project's usage is seen by whoever sees the project's jobs (its members, the
organisation's admins, client-data staff; a staff read is audited as data access); an
organisation's by its admins and client-data staff; pools by operators, reviewers and auditors.
Others get "not found" for what they cannot see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from laif.accounts import selectors as account_selectors
from laif.accounts.access import Access
from laif.accounts.audit import Actor
from laif.accounts.errors import NotFound, PermissionDenied
from laif.accounts.selectors import audit_staff_read
from laif.allocations import capacity
from laif.allocations.permissions import sees_pools
from laif.allocations.selectors import (
    allocations_for,
    first_allocation_start,
    in_scope,
    pool_grants,
)
from laif.catalogue.prices import PriceCatalogue
from laif.usage import pricing
from laif.usage.balance import balances_of
from laif.usage.budget import Balance
from laif.usage.models import IngestCheckpoint, IngestRun, UsageEntry, UsageRecord, UsageTotal
from laif.usage.outcome import Outcome

if TYPE_CHECKING:
    from laif.accounts.models import Organisation, Project
    from laif.allocations.models import Allocation, Pool

_HOUR = Decimal(3600)


def hours(seconds: int) -> Decimal:
    """Seconds as hours with two decimals (half up), for display."""
    return (Decimal(seconds) / _HOUR).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Usage:
    gpu_seconds: int = 0
    cpu_seconds: int = 0
    energy_j: int | None = None  # over the entries that reported it; None: none did
    energy_unreported: int = 0  # entries without energy
    entries: int = 0

    @property
    def gpu_hours(self) -> Decimal:
        return hours(self.gpu_seconds)

    @property
    def cpu_hours(self) -> Decimal:
        return hours(self.cpu_seconds)

    @property
    def energy_kwh(self) -> Decimal | None:
        if self.energy_j is None:
            return None
        return (Decimal(self.energy_j) / Decimal(3_600_000)).quantize(Decimal("0.001"))


_SUMS: dict[str, Any] = {
    "gpu": Sum("gpu_seconds"), "cpu": Sum("cpu_seconds"), "energy": Sum("energy_j"),
    "reported": Sum("energy_reported"), "n": Sum("entries"),
}
"""Sums over ``UsageTotal`` rows (the ledger's running totals, ``usage.totals``)."""


def _usage(row: dict[str, Any]) -> Usage:
    entries, reported = int(row["n"] or 0), int(row["reported"] or 0)
    return Usage(gpu_seconds=int(row["gpu"] or 0), cpu_seconds=int(row["cpu"] or 0),
                 energy_j=int(row["energy"] or 0) if reported else None,
                 energy_unreported=entries - reported, entries=entries)


def _grouped(qs: QuerySet[UsageTotal], *by: str) -> list[tuple[tuple[Any, ...], Usage]]:
    rows = qs.order_by().values(*by).annotate(**_SUMS).order_by(*by)
    return [(tuple(row[k] for k in by), _usage(row)) for row in rows]


def _months(qs: QuerySet[UsageTotal], month_from: date | None,
            month_to: date | None) -> QuerySet[UsageTotal]:
    if month_from is not None:
        qs = qs.filter(month__gte=month_from.replace(day=1))
    if month_to is not None:
        qs = qs.filter(month__lte=month_to.replace(day=1))
    return qs


def entries_for(access: Access, *, project_id: int | None = None) -> QuerySet[UsageEntry]:
    """Entries of the projects the requester sees (unassigned ones: client-data staff only)."""
    return in_scope(UsageEntry.objects.all(), access, project_id)


def price_catalogue() -> PriceCatalogue:
    """The prices in force (``catalogue/prices.json``, read and checked at start-up)."""
    catalogue: PriceCatalogue | None = settings.LAIF_PRICES
    assert catalogue is not None  # a broken price file stops start-up
    return catalogue


def gpu_cost_cents(*, partition: str, gpu_seconds: int, day: date) -> int | None:
    """What ``gpu_seconds`` on ``partition`` cost at the price in force on ``day``'s month (GPU
    time only, before cashback), as a statement line prices it; None without a price."""
    try:
        price = pricing.price_on(price_catalogue(), partition, day)
    except pricing.NoPrice:
        return None
    return pricing.amount_cents(gpu_seconds, pricing.unit_price(price, pricing.Resource.GPU))


def pool_use_by_month(*, access: Access, since: date) -> dict[date, dict[str, int]]:
    """GPU-seconds used from each pool kind (national, EuroHPC) by month since ``since``'s
    month, from the running totals (aggregates: the staff dashboard's chart)."""
    if not sees_pools(access):
        raise PermissionDenied(_("Only operators, reviewers and auditors see the pools."))
    found: dict[date, dict[str, int]] = {}
    for row in (UsageTotal.objects.filter(month__gte=since.replace(day=1),
                                          allocation__isnull=False).order_by()
                .values("month", "allocation__pool__kind").annotate(s=Sum("gpu_seconds"))):
        found.setdefault(row["month"], {})[row["allocation__pool__kind"]] = int(row["s"] or 0)
    return found


def factory_use_by_month(*, access: Access, month_from: date,
                         month_to: date) -> dict[date, dict[str, int]]:
    """GPU-seconds used per month by pool kind (national, EuroHPC; ``""``: runs charged to no
    allocation), and ``"organisations"``: how many organisations used any (aggregates: the
    factory's figures, operators, reviewers and auditors)."""
    if not sees_pools(access):
        raise PermissionDenied(_("Only operators, reviewers and auditors see the pools."))
    qs = _months(UsageTotal.objects.all(), month_from, month_to).order_by()
    found: dict[date, dict[str, int]] = {}
    for row in qs.values("month", "allocation__pool__kind").annotate(s=Sum("gpu_seconds")):
        found.setdefault(row["month"], {})[row["allocation__pool__kind"] or ""] = \
            int(row["s"] or 0)
    for count in (qs.filter(organisation__isnull=False).values("month")
                  .annotate(n=Count("organisation", distinct=True))):
        found.setdefault(count["month"], {})["organisations"] = int(count["n"])
    return found


def organisations_served(*, access: Access, month_from: date, month_to: date) -> list[int]:
    """The organisations with usage between two months (the factory's figures)."""
    if not sees_pools(access):
        raise PermissionDenied(_("Only operators, reviewers and auditors see the pools."))
    return sorted(int(pk) for pk in _months(UsageTotal.objects.filter(
        organisation__isnull=False), month_from, month_to).order_by()
        .values_list("organisation_id", flat=True).distinct())


# --- a project's runs, as the ledger has them -------------------------------------------------

def _outcome_q(outcome: Outcome) -> Q:
    """The ledger's records (finished runs, states in Slurm's capitals) of one outcome."""
    completed, cancelled = Q(state="COMPLETED"), Q(state__startswith="CANCELLED")
    return {Outcome.ACTIVE: Q(pk__in=[]), Outcome.COMPLETED: completed,
            Outcome.CANCELLED: cancelled, Outcome.FAILED: ~completed & ~cancelled}[outcome]


def project_records(*, project_id: int, user_id: int | None = None,
                    outcome: Outcome | None = None) -> QuerySet[UsageRecord]:
    """The ledger's runs charged to a project, each once (a run over two months has an entry in
    each), those of one person or one outcome if asked. The caller checked the project's
    access."""
    entries = UsageEntry.objects.filter(project_id=project_id)
    if user_id is not None:
        entries = entries.filter(user_id=user_id)
    records = UsageRecord.objects.filter(pk__in=entries.values("record_id"))
    return records.filter(_outcome_q(outcome)) if outcome is not None else records


def run_label(job_id: int, array_job_id: int | None, array_task_id: int | None) -> str:
    """How a run is named to people: Slurm's job id, ``1234_7`` for task 7 of array 1234."""
    if array_job_id is not None and array_task_id is not None:
        return f"{array_job_id}_{array_task_id}"
    return str(job_id)


def project_user_ids(project_id: int) -> set[int]:
    """The people the ledger charged runs of the project to (from its running totals)."""
    return set(UsageTotal.objects.filter(project_id=project_id, user_id__isnull=False)
               .order_by().values_list("user_id", flat=True).distinct())


@dataclass(frozen=True)
class LedgerRun:
    """One run as the ledger has it, with its cost at the price of each month it ran in (each
    month's part rounded to the cent, as a statement line is)."""

    record_id: int
    cluster: str
    job_id: int
    array_job_id: int | None
    array_task_id: int | None
    username: str
    user_id: int | None
    state: str
    submit_time: datetime
    start_time: datetime | None
    elapsed_s: int
    gpu_seconds: int
    cost_cents: int | None  # None: a month without a price for the partition


def ledger_runs(record_ids: list[int]) -> dict[int, LedgerRun]:
    """The runs of these records (a page of a list: two queries), by record id."""
    catalogue = price_catalogue()
    costs: dict[int, int | None] = {}
    users: dict[int, int | None] = {}
    for record_id, month, partition, gpu_s, cpu_s, user_id in (
            UsageEntry.objects.filter(record_id__in=record_ids).order_by().values_list(
                "record_id", "month", "partition", "gpu_seconds", "cpu_seconds", "user_id")):
        users[record_id] = users.get(record_id) or user_id
        try:
            price = pricing.price_on(catalogue, partition, month)
        except pricing.NoPrice:
            costs[record_id] = None
            continue
        if record_id not in costs or costs[record_id] is not None:
            costs[record_id] = (costs.get(record_id) or 0) + sum(
                pricing.amount_cents(seconds, pricing.unit_price(price, resource))
                for seconds, resource in ((gpu_s, pricing.Resource.GPU),
                                          (cpu_s, pricing.Resource.CPU)))
    return {r.pk: LedgerRun(
        record_id=r.pk, cluster=r.cluster, job_id=r.job_id, array_job_id=r.array_job_id,
        array_task_id=r.array_task_id, username=r.username, user_id=users.get(r.pk),
        state=r.state, submit_time=r.submit_time, start_time=r.start_time,
        elapsed_s=r.elapsed_s, gpu_seconds=r.gpu_seconds, cost_cents=costs.get(r.pk))
        for r in UsageRecord.objects.filter(pk__in=record_ids)}


@dataclass(frozen=True)
class AllocationBalance:
    """An allocation and its balance (``usage.balance``: the same figures everywhere)."""

    allocation: Allocation
    figures: Balance


def allocation_balances(*, access: Access, project_id: int | None = None
                        ) -> list[AllocationBalance]:
    """Granted, used, reserved and left GPU-hours of every allocation the requester sees."""
    allocations = list(allocations_for(access, project_id=project_id).order_by("start", "id"))
    figures = balances_of(allocations)
    return [AllocationBalance(allocation=a, figures=figures[a.pk]) for a in allocations]


def viewable_project(*, access: Access, actor: Actor, project_id: int,
                     what: str = "usage") -> Project:
    """The project whose usage the requester may see (its members, the organisation's admins,
    client-data staff, whose read is audited), else "not found"."""
    project = account_selectors.project_of(project_id)
    if project is None or not access.can_view_project(project.pk, project.organisation_id):
        raise NotFound(_("Project not found."))
    audit_staff_read(access, actor, f"{what}:project:{project.pk}", project.organisation_id)
    return project


def viewable_organisation(*, access: Access, actor: Actor, organisation_id: int,
                          what: str = "usage") -> Organisation:
    """The organisation whose usage the requester may see: its admins and client-data staff
    (audited); its other members are refused, outsiders get "not found"."""
    org = account_selectors.organisation_of(organisation_id)
    if org is None or not access.can_view_org(org.pk):
        raise NotFound(_("Organisation not found."))
    if not (access.is_org_admin(org.pk) or access.sees_all_clients):
        raise PermissionDenied(_("Only the organisation's admins see its usage."))
    audit_staff_read(access, actor, f"{what}:organisation:{org.pk}", org.pk)
    return org


@dataclass(frozen=True)
class EnergyBasis:
    """The ledger's sums from which ``green`` computes the energy of one project's runs on one
    partition in one month: what Slurm measured, and the seconds of the runs it did not."""

    month: date
    project_id: int | None
    project_code: str
    partition: str
    entries: int
    gpu_seconds: int
    energy_j: int  # over the entries that reported energy
    energy_reported: int  # entries that did
    unreported_gpu_seconds: int
    unreported_cpu_seconds: int

    @property
    def unreported(self) -> int:
        return self.entries - self.energy_reported


def energy_basis(*, project_id: int | None = None, organisation_id: int | None = None,
                 month_from: date, month_to: date) -> list[EnergyBasis]:
    """Per month, project and partition, the sums ``EnergyBasis`` names, from the running totals,
    for a project or an organisation the caller has already checked (``viewable_*``), or for the
    whole factory (neither: the caller checks the factory's figures may be seen)."""
    if project_id is not None and organisation_id is not None:
        raise ValueError("name a project or an organisation, or neither for the whole factory")
    qs = UsageTotal.objects.all()
    if project_id is not None:
        qs = qs.filter(project_id=project_id)
    elif organisation_id is not None:
        qs = qs.filter(organisation_id=organisation_id)
    rows = (_months(qs, month_from, month_to).order_by()
            .values("month", "project_id", "project__code", "partition")
            .annotate(n=Sum("entries"), gpu=Sum("gpu_seconds"), energy=Sum("energy_j"),
                      reported=Sum("energy_reported"), ugpu=Sum("unreported_gpu_seconds"),
                      ucpu=Sum("unreported_cpu_seconds"))
            .order_by("month", "project__code", "project_id", "partition"))
    return [EnergyBasis(month=r["month"], project_id=r["project_id"],
                        project_code=r["project__code"] or "", partition=r["partition"],
                        entries=int(r["n"] or 0), gpu_seconds=int(r["gpu"] or 0),
                        energy_j=int(r["energy"] or 0), energy_reported=int(r["reported"] or 0),
                        unreported_gpu_seconds=int(r["ugpu"] or 0),
                        unreported_cpu_seconds=int(r["ucpu"] or 0)) for r in rows]


@dataclass(frozen=True)
class ProjectUsage:
    project: Project
    total: Usage
    by_month: list[tuple[date, Usage]]
    by_member: list[tuple[int | None, str, Usage]]  # (user id, e-mail or "", usage)
    balances: list[AllocationBalance]


def project_usage(*, access: Access, actor: Actor, project_id: int,
                  month_from: date | None = None, month_to: date | None = None) -> ProjectUsage:
    project = viewable_project(access=access, actor=actor, project_id=project_id)
    qs = _months(UsageTotal.objects.filter(project_id=project.pk), month_from, month_to)
    total = _usage(qs.order_by().aggregate(**_SUMS))
    by_month = [(key[0], usage) for key, usage in _grouped(qs, "month")]
    by_member = [(key[0], key[1] or "", usage)
                 for key, usage in _grouped(qs, "user_id", "user__email")]
    return ProjectUsage(project=project, total=total, by_month=by_month, by_member=by_member,
                        balances=allocation_balances(access=access, project_id=project.pk))


@dataclass(frozen=True)
class OrganisationUsage:
    organisation: Organisation
    total: Usage
    by_month: list[tuple[date, Usage]]
    by_project: list[tuple[int, str, Usage]]  # (project id, code, usage)


def organisation_usage(*, access: Access, actor: Actor, organisation_id: int,
                       month_from: date | None = None,
                       month_to: date | None = None) -> OrganisationUsage:
    """The organisation's usage: its admins and client-data staff."""
    org = viewable_organisation(access=access, actor=actor, organisation_id=organisation_id)
    qs = _months(UsageTotal.objects.filter(organisation_id=org.pk), month_from, month_to)
    return OrganisationUsage(
        organisation=org, total=_usage(qs.order_by().aggregate(**_SUMS)),
        by_month=[(key[0], usage) for key, usage in _grouped(qs, "month")],
        by_project=[(key[0], key[1], usage)
                    for key, usage in _grouped(qs, "project_id", "project__code")],
    )


def pool_consumed_gpu_seconds(*, access: Access) -> dict[int, int]:
    """GPU-seconds consumed per pool (entries of the pool's allocations)."""
    if not sees_pools(access):
        raise PermissionDenied(_("Only operators, reviewers and auditors see the pools."))
    rows = (UsageTotal.objects.filter(allocation__isnull=False).order_by()
            .values_list("allocation__pool_id").annotate(total=Sum("gpu_seconds")))
    return {int(pool): int(total or 0) for pool, total in rows}



def records_exist(*, cluster: str, account: str, job_id_from: int = 0) -> bool:
    """Whether the ledger holds records of ``account`` on ``cluster`` from that job id on."""
    return UsageRecord.objects.filter(cluster=cluster, account=account,
                                      job_id__gte=job_id_from).exists()


def platform_start() -> datetime | None:
    """Where the first periodic ingestion (no checkpoint yet) reads from: the platform's own
    start, the earliest project creation or allocation start (local midnight); None without
    either. No job ran on a project's account before the project existed."""
    created = account_selectors.first_project_created_at()
    day = first_allocation_start()
    starts = [created] if created else []
    if day is not None:
        starts.append(datetime.combine(day, time(), tzinfo=ZoneInfo(settings.TIME_ZONE)))
    return min(starts) if starts else None


# --- pools: capacity and grants (allocations) with what the ledger consumed -----------------

@dataclass(frozen=True)
class PoolUsage:
    pool: Pool
    figures: capacity.PoolFigures
    pending_gpu_hours: int  # asked for in requests awaiting review
    allocations: int


def pool_usage(*, access: Access, period_id: int | None = None) -> list[PoolUsage]:
    """Capacity, granted, consumed and left per pool (of one period, or of all periods).
    Consumption is the GPU-hours (rounded) of the usage ledger's entries charged to the pool's
    allocations."""
    if not sees_pools(access):
        raise PermissionDenied(_("Only operators, reviewers and auditors see the pools."))
    consumed = pool_consumed_gpu_seconds(access=access)  # GPU-seconds from the usage ledger
    return [
        PoolUsage(
            pool=row.pool,
            figures=capacity.PoolFigures(
                capacity=row.pool.capacity_gpu_hours, overbooking=row.pool.overbooking_factor,
                granted=row.granted_gpu_hours,
                consumed=(consumed.get(row.pool.pk, 0) + 1800) // 3600,
            ),
            pending_gpu_hours=row.pending_gpu_hours,
            allocations=row.allocations,
        )
        for row in pool_grants(period_id=period_id)
    ]


# --- the unbilled part of the ledger, for billing (which owns what "issued" means) ---------

def _billable(month: date, issued_months: Any) -> Q:
    """Usage a statement of ``month`` bills: the month's, and that of earlier months in
    ``issued_months`` (months whose statement is issued: late usage, billed as adjustments).
    ``issued_months``: dates, or a query of them (one SQL statement then)."""
    return Q(month=month) | Q(month__lt=month, month__in=issued_months)


def entries_unbilled_for(org_id: int, month: date, issued_months: Any) -> QuerySet[UsageEntry]:
    """An organisation's entries on no statement yet that a statement of ``month`` bills."""
    return UsageEntry.objects.filter(organisation_id=org_id, billed__isnull=True).filter(
        _billable(month, issued_months))


def unbilled_groups(org_id: int, month: date, issued_months: Any) -> list[dict[str, Any]]:
    """The sums of ``entries_unbilled_for`` per project, member, partition and month, read from
    the running totals (``usage.totals``): a few rows whatever the number of entries."""
    rows = (
        UsageTotal.objects.filter(organisation_id=org_id, entries__gt=F("billed_entries"))
        .filter(_billable(month, issued_months)).order_by()
        .values("project_id", "user_id", "partition", "month")
        .annotate(gpu=Sum(F("gpu_seconds") - F("billed_gpu_seconds")),
                  cpu=Sum(F("cpu_seconds") - F("billed_cpu_seconds")),
                  energy=Sum(F("energy_j") - F("billed_energy_j")),
                  reported=Sum(F("energy_reported") - F("billed_energy_reported")),
                  n=Sum(F("entries") - F("billed_entries")))
        .order_by("month", "project_id", "user_id", "partition"))
    return [dict(row) for row in rows]


def entries_billed_on_line(line_id: int) -> QuerySet[UsageEntry]:
    """The entries a statement line bills, with their accounting records, oldest first."""
    return UsageEntry.objects.select_related("record").filter(
        Q(billed__gpu_line_id=line_id) | Q(billed__cpu_line_id=line_id)
    ).order_by("record__end_time", "id")


# --- the ingestion's runs and checkpoints, for the operators' pages and metrics -------------

def ingest_runs_latest(limit: int) -> list[IngestRun]:
    return list(IngestRun.objects.order_by("-started_at", "-id")[:limit])


def ingest_runs_running(*, limit: int) -> list[IngestRun]:
    """Runs recorded as running (some may be interrupted: their process is gone)."""
    return list(IngestRun.objects.filter(state=IngestRun.State.RUNNING)[:limit])


def ingest_last_done_at() -> datetime | None:
    last: datetime | None = IngestRun.objects.filter(state=IngestRun.State.DONE).aggregate(
        t=Max("finished_at"))["t"]
    return last


def ingest_checkpoints() -> list[tuple[str, str, datetime]]:
    """``(source, cluster, ingested until)`` of every checkpoint."""
    return list(IngestCheckpoint.objects.values_list("source", "cluster", "ingested_until"))
