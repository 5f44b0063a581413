"""EuroHPC awards imported into the EuroHPC pools (ADR 0005): the service behind
``manage.py eurohpc_import``, the operators' import page and ``POST /api/compute/eurohpc-import``.
Award files are read by ``awards`` (pure)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from laif.accounts import selectors as account_selectors
from laif.accounts.access import Access
from laif.accounts.audit import Actor, audit_record
from laif.accounts.errors import Conflict, DomainError, PermissionDenied
from laif.accounts.notices import mail_on_commit, site_link
from laif.allocations import capacity
from laif.allocations.awards import Award
from laif.allocations.choices import PoolKind
from laif.allocations.hooks import grants_changed
from laif.allocations.models import Allocation, Pool
from laif.allocations.notices import project_people
from laif.allocations.permissions import can_import_awards
from laif.allocations.services import (
    allocation_period_ensure,
    capacity_message,
    cluster,
    granted_in,
    hours,
)

if TYPE_CHECKING:
    from laif.accounts.models import Project


@dataclass
class ImportResult:
    created: list[Allocation] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _same_award(allocation: Allocation, award: Award, project: Project) -> bool:
    return (allocation.project_id == project.pk and allocation.start == award.start
            and allocation.end == award.end and allocation.granted_gpu_hours == award.gpu_hours
            and allocation.access_type == award.access_type)


def eurohpc_import(*, access: Access, actor: Actor, awards: Sequence[Award]) -> ImportResult:
    """Import GPU-hours awarded by EuroHPC access calls into the EuroHPC pools (operators).

    Idempotent by award reference: an award imported before with the same figures is left as
    it is; with other figures the whole import is refused. All or nothing: refused when the new
    awards would take a pool past capacity x overbooking, with the figures."""
    if not can_import_awards(access):
        raise PermissionDenied(_("Only operators can import EuroHPC awards."))
    if not awards:
        raise DomainError(_("The file holds no award."))
    problems: list[str] = []
    for award in awards:
        if cluster().access_type(award.access_type) is None:
            problems.append(_("%(ref)s: unknown access type %(key)s.")
                            % {"ref": award.reference, "key": award.access_type})
    codes = {a.project for a in awards}
    projects = account_selectors.projects_by_code(codes)
    for code in sorted(codes - set(projects)):
        problems.append(_("No project has the code %(code)s.") % {"code": code})
    if problems:
        raise DomainError(" ".join(problems[:20]))
    result = ImportResult()
    try:
        with transaction.atomic():
            periods = {a.reference: allocation_period_ensure(day=a.start) for a in awards}
            for award in awards:
                period = periods[award.reference]
                if award.end > period.end:
                    problems.append(
                        _("%(ref)s ends on %(end)s, after its allocation period (%(start)s to "
                          "%(period_end)s): split it into one award per period.")
                        % {"ref": award.reference, "end": date_format(award.end),
                           "start": date_format(period.start),
                           "period_end": date_format(period.end)})
            if problems:
                raise DomainError(" ".join(problems[:20]))
            pools = {
                pool.period_id: pool for pool in Pool.objects.select_for_update()
                .select_related("period")
                .filter(kind=PoolKind.EUROHPC, period__in={p.pk for p in periods.values()})
                .order_by("pk")
            }
            existing = {a.eurohpc_reference: a for a in Allocation.objects.filter(
                eurohpc_reference__in=[a.reference for a in awards])}
            new: dict[int, list[Award]] = defaultdict(list)
            for award in awards:
                before = existing.get(award.reference)
                if before is None:
                    new[periods[award.reference].pk].append(award)
                elif _same_award(before, award, projects[award.project]):
                    result.unchanged.append(award.reference)
                else:
                    problems.append(_("%(ref)s was imported before with other figures; correct "
                                      "it by hand, not by a new import.")
                                    % {"ref": award.reference})
            if problems:
                raise Conflict(" ".join(problems[:20]))
            for period_id, batch in sorted(new.items()):
                pool = pools[period_id]
                try:
                    capacity.check_grant(
                        capacity=pool.capacity_gpu_hours, overbooking=pool.overbooking_factor,
                        granted=granted_in(pool), requested=sum(a.gpu_hours for a in batch))
                except capacity.CapacityExceeded as exc:
                    raise Conflict(capacity_message(exc, pool)) from exc
                for award in batch:
                    project = projects[award.project]
                    allocation = Allocation.objects.create(
                        eurohpc_reference=award.reference, project=project, pool=pool,
                        access_type=award.access_type, title=award.title,
                        granted_gpu_hours=award.gpu_hours, start=award.start, end=award.end,
                        created_by_id=actor.user_id,
                    )
                    result.created.append(allocation)
                    grants_changed(project.pk)
                    audit_record(
                        actor=actor, action="allocation.imported",
                        target=f"allocation:{allocation.pk}",
                        organisation_id=project.organisation_id,
                        detail={"reference": award.reference, "project": project.code,
                                "gpu_hours": award.gpu_hours, "pool": pool.pk,
                                "start": award.start.isoformat(), "end": award.end.isoformat()},
                    )
                    _notify_award(allocation, project)
            audit_record(actor=actor, action="eurohpc.awards_imported",
                         detail={"created": len(result.created),
                                 "unchanged": len(result.unchanged)})
    except IntegrityError as exc:  # a concurrent import of the same award won the race
        raise Conflict(_("Another import of these awards ran at the same time; import the file "
                         "again.")) from exc
    return result


def _notify_award(allocation: Allocation, project: Project) -> None:
    def subject() -> str:
        return _("EuroHPC award %(ref)s is available") % {"ref": allocation.eurohpc_reference}

    def body() -> str:
        return _("%(hours)s GPU-hours awarded by EuroHPC to %(project)s can be used from "
                 "%(start)s to %(end)s.") % {
            "hours": hours(allocation.granted_gpu_hours), "project": project.name,
            "start": date_format(allocation.start), "end": date_format(allocation.end)}

    mail_on_commit(project_people(project), subject, body, kind="allocation.award",
                   link=site_link("compute"))
