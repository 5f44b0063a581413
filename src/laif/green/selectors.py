"""Energy and carbon reports of a project or an organisation for a calendar year, read from the
usage ledger's running totals (``usage.selectors.energy_basis``) and computed by
``green.footprint`` with the factors of ``catalogue/green.json`` and the site's PUE.

Who sees what is the usage's rule (``usage.selectors.viewable_*``): a project's figures, whoever
sees its usage; an organisation's, its admins and client-data staff (a staff read is audited).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from laif.accounts import selectors as account_selectors
from laif.accounts.access import Access
from laif.accounts.audit import Actor
from laif.accounts.errors import DomainError, PermissionDenied
from laif.allocations.permissions import sees_pools
from laif.catalogue.green import GreenCatalogue, GridIntensity, SupplyContract
from laif.green import footprint as fp
from laif.jobs import selectors as job_selectors
from laif.usage import selectors as usage_selectors

if TYPE_CHECKING:
    from laif.accounts.models import Organisation, Project
    from laif.jobs.models import Job
    from laif.usage.models import UsageRecord

FIRST_YEAR = 2020
LAST_YEAR = 2100


def catalogue() -> GreenCatalogue:
    """The factors in force (read and checked at start-up)."""
    green: GreenCatalogue | None = settings.LAIF_GREEN
    assert green is not None  # a broken green.json stops start-up
    return green


def this_year() -> int:
    return timezone.localdate().year


def recent_years() -> list[int]:
    """The years a page offers to choose: this one and the five before, newest first."""
    this = this_year()
    return list(range(this, max(FIRST_YEAR, this - 5) - 1, -1))


@dataclass(frozen=True)
class Factors:
    """What turns energy into carbon for a year, with where each figure comes from."""

    year: int
    pue: Decimal
    pue_set: bool  # False: the assumed default
    intensity: GridIntensity | None
    contract: SupplyContract

    def footprint(self, energy: fp.Energy) -> fp.Footprint:
        return fp.footprint(energy, pue=self.pue,
                            location_g_per_kwh=(self.intensity.g_co2e_per_kwh
                                                if self.intensity else None),
                            market_g_per_kwh=self.contract.g_co2e_per_kwh)


def factors_for(year: int) -> Factors:
    green = catalogue()
    return Factors(year=year, pue=settings.LAIF_PUE, pue_set=settings.LAIF_PUE_SET,
                   intensity=green.intensity(year), contract=green.market_based)


@dataclass(frozen=True)
class Line:
    """One project's runs in one month."""

    month: date
    project_id: int | None
    project_code: str
    figures: fp.Footprint


@dataclass(frozen=True)
class Report:
    """A year of energy and carbon: in total, per month (all twelve), per project, and per
    project and month."""

    year: int
    factors: Factors
    total: fp.Footprint
    by_month: list[tuple[date, fp.Footprint]]
    by_project: list[tuple[int | None, str, fp.Footprint]]
    lines: list[Line]
    organisation: Organisation | None = None
    project: Project | None = None


def _report(year: int, basis: list[usage_selectors.EnergyBasis], **subject: object) -> Report:
    green, factors = catalogue(), factors_for(year)
    by_line: dict[tuple[date, int | None, str], fp.Energy] = defaultdict(fp.Energy)
    for b in basis:
        by_line[(b.month, b.project_id, b.project_code)] += fp.energy_of(
            green.profile(b.partition), measured_j=b.energy_j, measured_runs=b.energy_reported,
            unreported_gpu_seconds=b.unreported_gpu_seconds,
            unreported_cpu_seconds=b.unreported_cpu_seconds, unreported_runs=b.unreported)
    months: dict[date, fp.Energy] = {date(year, m, 1): fp.Energy() for m in range(1, 13)}
    projects: dict[tuple[int | None, str], fp.Energy] = defaultdict(fp.Energy)
    for (month, project_id, code), energy in by_line.items():
        months[month] += energy
        projects[(project_id, code)] += energy
    return Report(
        year=year, factors=factors, total=factors.footprint(fp.total(by_line.values())),
        by_month=[(m, factors.footprint(e)) for m, e in sorted(months.items())],
        by_project=[(pid, code, factors.footprint(e))
                    for (pid, code), e in sorted(projects.items(), key=lambda i: i[0][1])],
        lines=[Line(month=m, project_id=pid, project_code=code, figures=factors.footprint(e))
               for (m, pid, code), e in sorted(by_line.items(), key=lambda i: (i[0][0],
                                                                               i[0][2]))],
        **subject)  # type: ignore[arg-type]


def year_from_text(text: str, field: str = "year") -> int | None:
    """A year as a page's query writes it (None when left out), checked."""
    text = text.strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and len(text) == 4):
        raise DomainError(_("The year must be written with four digits, such as 2026."),
                          field=field)
    return check_year(int(text))


def check_year(year: int) -> int:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise DomainError(_("The year must be between %(first)d and %(last)d.")
                          % {"first": FIRST_YEAR, "last": LAST_YEAR}, field="year")
    return year


def organisation_footprint(*, access: Access, actor: Actor, organisation_id: int,
                           year: int) -> Report:
    """An organisation's year: its admins and client-data staff."""
    org = usage_selectors.viewable_organisation(access=access, actor=actor,
                                                organisation_id=organisation_id,
                                                what="footprint")
    check_year(year)
    basis = usage_selectors.energy_basis(organisation_id=org.pk, month_from=date(year, 1, 1),
                                         month_to=date(year, 12, 1))
    return _report(year, basis, organisation=org)


def project_footprint(*, access: Access, actor: Actor, project_id: int, year: int) -> Report:
    """A project's year: whoever sees the project's usage."""
    project = usage_selectors.viewable_project(access=access, actor=actor, project_id=project_id,
                                               what="footprint")
    check_year(year)
    basis = usage_selectors.energy_basis(project_id=project.pk, month_from=date(year, 1, 1),
                                         month_to=date(year, 12, 1))
    return _report(year, basis, project=project)


def sibling_projects(*, access: Access, project: Project | None) -> list[Project]:
    """The other projects of a project's organisation that the requester sees (to compare)."""
    if project is None:
        return []
    return [p for p in account_selectors.projects_for(access,
                                                      organisation_id=project.organisation_id)
            .order_by("code") if p.pk != project.pk and access.can_view_project(
                p.pk, p.organisation_id)]


def factory_footprint(*, access: Access, year: int) -> Report:
    """The whole factory's year (aggregates: the factory's figures; client-facing staff)."""
    if not sees_pools(access):
        raise PermissionDenied(_("Only operators, reviewers and auditors see the pools."))
    check_year(year)
    return _report(year, usage_selectors.energy_basis(month_from=date(year, 1, 1),
                                                      month_to=date(year, 12, 1)))


@dataclass(frozen=True)
class RunFigures:
    """One job run's energy and carbon (the whole run, whichever months it ran in)."""

    record_id: int
    job: str  # the scheduler's id, ``1234_7`` for an array task
    cluster: str
    partition: str
    end_time: datetime
    gpu_seconds: int
    figures: fp.Footprint


RUNS_PAGE = 50


def _run_energy(green: GreenCatalogue, r: UsageRecord) -> fp.Energy:
    """One ledger record's energy: measured where Slurm reported it, estimated elsewhere."""
    measured = r.energy_j is not None
    return fp.energy_of(green.profile(r.partition), measured_j=r.energy_j or 0,
                        measured_runs=1 if measured else 0,
                        unreported_gpu_seconds=0 if measured else r.gpu_seconds,
                        unreported_cpu_seconds=0 if measured else r.cpu_seconds,
                        unreported_runs=0 if measured else 1)


@dataclass(frozen=True)
class JobFigures:
    """A platform job's GPU time, energy and carbon from the ledger (all its runs), with the
    factors of the year it ended."""

    gpu_seconds: int
    runs: int
    figures: fp.Footprint


def job_footprint(job: Job) -> JobFigures | None:
    """The job's figures, or None while the ledger has no record of it. The caller checked the
    job's project may be seen."""
    records = list(job_selectors.ledger_records_of(job))
    if not records:
        return None
    green = catalogue()
    energy = fp.total(_run_energy(green, r) for r in records)
    year = max(r.end_time or r.submit_time for r in records).year
    return JobFigures(gpu_seconds=sum(r.gpu_seconds for r in records), runs=len(records),
                      figures=factors_for(check_year(year)).footprint(energy))


def project_run_footprints(*, access: Access, actor: Actor, project_id: int, year: int,
                           offset: int = 0) -> tuple[list[RunFigures], int]:
    """The project's runs that ended in ``year``, newest first, a page of ``RUNS_PAGE`` from
    ``offset``, each measured or estimated as the reports count it; and how many there are."""
    project = usage_selectors.viewable_project(access=access, actor=actor, project_id=project_id,
                                               what="footprint")
    check_year(year)
    green, factors = catalogue(), factors_for(year)
    tz = timezone.get_current_timezone()
    runs = usage_selectors.project_records(project_id=project.pk).filter(
        end_time__gte=datetime(year, 1, 1, tzinfo=tz),
        end_time__lt=datetime(year + 1, 1, 1, tzinfo=tz))
    page = list(runs.order_by("-end_time", "-id")[offset:offset + RUNS_PAGE])
    found = []
    for r in page:
        energy = _run_energy(green, r)
        found.append(RunFigures(record_id=r.pk, job=usage_selectors.run_label(
            r.job_id, r.array_job_id, r.array_task_id), cluster=r.cluster,
                                partition=r.partition, end_time=r.end_time,
                                gpu_seconds=r.gpu_seconds, figures=factors.footprint(energy)))
    return found, runs.count()
