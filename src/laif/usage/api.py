"""REST endpoints of the usage ledger: a project's and an organisation's usage (GPU-hours,
CPU-hours, energy; per month, per member or project; allocation balances), and the ingestion of
``sacct --json`` output by operators."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from ninja import File, Router
from ninja.files import UploadedFile

from laif.accounts.requestinfo import access_of, actor_of
from laif.config.apitypes import Id
from laif.usage import schemas as s
from laif.usage import selectors, services
from laif.usage.budget import Balance
from laif.usage.selectors import Usage

if TYPE_CHECKING:
    from laif.allocations.models import Allocation

router = Router(tags=["usage"])


def _usage(u: Usage) -> dict[str, Any]:
    return {"gpu_seconds": u.gpu_seconds, "cpu_seconds": u.cpu_seconds,
            "gpu_hours": str(u.gpu_hours), "cpu_hours": str(u.cpu_hours), "energy_j": u.energy_j,
            "energy_unreported": u.energy_unreported, "entries": u.entries}


def balance_out(allocation: Allocation, b: Balance) -> s.BalanceOut:
    return s.BalanceOut(allocation_id=allocation.pk, pool=allocation.pool.kind,
                        start=allocation.start, end=allocation.end, **s.balance_fields(b))


def _month(text: str | None) -> date | None:
    return date(int(text[:4]), int(text[5:7]), 1) if text else None


@router.get("/projects/{project_id}/usage", response=s.ProjectUsageOut,
            summary="A project's usage from the ledger: total, per month, per member, balances",
            description="Months are calendar months of the site's time zone; a job across a "
            "month boundary is split by time. Energy is null (not reported) where the scheduler "
            "did not report it.")
def project_usage(request: HttpRequest, project_id: Id, month_from: s.Month | None = None,
                  month_to: s.Month | None = None) -> s.ProjectUsageOut:
    u = selectors.project_usage(
        access=access_of(request), actor=actor_of(request), project_id=project_id,
        month_from=_month(month_from), month_to=_month(month_to))
    return s.ProjectUsageOut(
        project_id=u.project.pk, project_code=u.project.code, total=s.UsageOut(**_usage(u.total)),
        by_month=[s.MonthUsageOut(month=m, **_usage(x)) for m, x in u.by_month],
        by_member=[s.MemberUsageOut(user_id=i, email=e, **_usage(x)) for i, e, x in u.by_member],
        balances=[balance_out(b.allocation, b.figures) for b in u.balances],
    )


@router.get("/organisations/{org_id}/usage", response=s.OrganisationUsageOut,
            summary="An organisation's usage from the ledger (its admins; staff)")
def organisation_usage(request: HttpRequest, org_id: Id,
                       month_from: s.Month | None = None,
                       month_to: s.Month | None = None) -> s.OrganisationUsageOut:
    u = selectors.organisation_usage(
        access=access_of(request), actor=actor_of(request), organisation_id=org_id,
        month_from=_month(month_from), month_to=_month(month_to))
    return s.OrganisationUsageOut(
        organisation_id=u.organisation.pk, total=s.UsageOut(**_usage(u.total)),
        by_month=[s.MonthUsageOut(month=m, **_usage(x)) for m, x in u.by_month],
        by_project=[s.ProjectRowOut(project_id=i, project_code=c or "", **_usage(x))
                    for i, c, x in u.by_project],
    )


@router.post("/compute/usage/ingest", response=s.IngestOut,
             summary="Ingest sacct --json output into the usage ledger (operators)",
             description="The file is the output of `sacct --json -X -D` (Slurm 22.05). Records "
             "already in the ledger are skipped, so a file can be sent again. Malformed input is "
             "refused (400) with nothing written.")
def usage_ingest(request: HttpRequest, sacct_json: File[UploadedFile]) -> s.IngestOut:
    result = services.usage_ingest_upload(access=access_of(request), actor=actor_of(request),
                                        upload=sacct_json)
    return s.IngestOut(run_id=result.run_id, records_read=result.records_read,
                       records_new=result.records_new, entries_new=result.entries_new)
