"""The factory's figures for its funders (EuroHPC JU and the State, 50/50), per month and year:
GPU-hours delivered by pool against the pools' split, utilisation against capacity, allocation
requests waiting and how long review takes, organisations served by SME class, sector and
country, cashback paid and aid granted, energy and carbon. Courses delivered come with the
training pillar (``train.selectors.delivered_in``: the sessions held, as the trainers' page of
the year counts them).

Each figure is read from the context that owns it (``usage``, ``allocations``, ``accounts``,
``fund``, ``green``) through its selectors; this module only puts them side by side. Seen by
operators, reviewers and auditors.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils import timezone

from laif.accounts import selectors as account_selectors
from laif.accounts.access import Access
from laif.allocations import selectors as allocation_selectors
from laif.allocations.capacity import add_months, gpu_hours
from laif.allocations.choices import PoolKind
from laif.fund import selectors as fund_selectors
from laif.green import footprint as fp
from laif.green import selectors as green_selectors
from laif.train import selectors as train_selectors
from laif.usage import selectors as usage_selectors

COURSES_TARGET = train_selectors.yearly_target()  # trainings a year (catalogue/train.json)
_DAY = Decimal(86_400)


def _percent(part: int, whole: int) -> Decimal | None:
    if whole <= 0:
        return None
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Period:
    """One month's figures, or the year's (``month`` None)."""

    month: date | None
    national_gpu_s: int
    eurohpc_gpu_s: int
    unallocated_gpu_s: int  # runs charged to no allocation
    capacity_gpu_s: int  # the partitions' GPUs x the period's seconds (months begun only)
    organisations: int  # organisations with usage
    requests_submitted: int
    requests_decided: int
    decided_wait_s: float
    cashback_paid_cents: int
    aid_granted_cents: int
    energy: fp.Footprint

    @property
    def gpu_s(self) -> int:
        return self.national_gpu_s + self.eurohpc_gpu_s + self.unallocated_gpu_s

    @property
    def national_percent(self) -> Decimal | None:
        """The national pool's share of the GPU-hours delivered from the pools."""
        return _percent(self.national_gpu_s, self.national_gpu_s + self.eurohpc_gpu_s)

    @property
    def utilisation_percent(self) -> Decimal | None:
        return _percent(self.gpu_s, self.capacity_gpu_s)

    @property
    def mean_wait_days(self) -> Decimal | None:
        if not self.requests_decided:
            return None
        return (Decimal(self.decided_wait_s) / self.requests_decided / _DAY).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Kpis:
    year: int
    months: list[Period]
    total: Period
    national_share_target: int  # percent of the pools' GPU-hours, from the cluster catalogue
    pending: int  # requests waiting for a decision now
    pending_mean_age_days: Decimal | None
    pending_oldest_age_days: Decimal | None
    served_by_sme_class: dict[str, int] = field(default_factory=dict)  # "": not declared
    served_by_sector: dict[str, int] = field(default_factory=dict)
    served_by_country: dict[str, int] = field(default_factory=dict)
    courses_delivered: int = 0  # training sessions held (train.selectors.delivered_in)

    @property
    def organisations_served(self) -> int:
        return sum(self.served_by_sector.values())


def _days(seconds: float | None) -> Decimal | None:
    if seconds is None:
        return None
    return (Decimal(seconds) / _DAY).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _capacity(month: date, today: date) -> int:
    """The GPU-seconds a month offers: every partition's GPUs for the whole month (the pools'
    own capacity rule, ``allocations.capacity.gpu_hours``), for months that have begun (0 for
    months to come, whose utilisation is not shown)."""
    if month > today.replace(day=1):
        return 0
    last_day = add_months(month, 1) - timedelta(days=1)
    return gpu_hours(settings.LAIF_CLUSTER.total_gpus, month, last_day) * 3600


def factory_kpis(*, access: Access, year: int) -> Kpis:
    green_selectors.check_year(year)
    first, last = date(year, 1, 1), date(year, 12, 1)
    use = usage_selectors.factory_use_by_month(access=access, month_from=first, month_to=last)
    flow = allocation_selectors.request_flow(access=access, month_from=first, month_to=last)
    aid = fund_selectors.aid_flow(access=access, month_from=first, month_to=last)
    footprint = green_selectors.factory_footprint(access=access, year=year)
    energy = dict(footprint.by_month)
    today = timezone.localdate()
    months = []
    for number in range(1, 13):
        month = date(year, number, 1)
        used = use.get(month, {})
        months.append(Period(
            month=month, national_gpu_s=used.get(PoolKind.NATIONAL, 0),
            eurohpc_gpu_s=used.get(PoolKind.EUROHPC, 0), unallocated_gpu_s=used.get("", 0),
            capacity_gpu_s=_capacity(month, today), organisations=used.get("organisations", 0),
            requests_submitted=flow.submitted.get(month, 0),
            requests_decided=flow.decided.get(month, 0),
            decided_wait_s=flow.decided_wait_s.get(month, 0.0),
            cashback_paid_cents=aid.cashback_paid_cents.get(month, 0),
            aid_granted_cents=sum(aid.aid_granted_cents.get(month, {}).values()),
            energy=energy[month]))
    served = usage_selectors.organisations_served(access=access, month_from=first, month_to=last)
    profiles = account_selectors.organisation_profiles(served)
    total = Period(
        month=None, national_gpu_s=sum(m.national_gpu_s for m in months),
        eurohpc_gpu_s=sum(m.eurohpc_gpu_s for m in months),
        unallocated_gpu_s=sum(m.unallocated_gpu_s for m in months),
        capacity_gpu_s=sum(m.capacity_gpu_s for m in months), organisations=len(served),
        requests_submitted=sum(m.requests_submitted for m in months),
        requests_decided=sum(m.requests_decided for m in months),
        decided_wait_s=sum(m.decided_wait_s for m in months),
        cashback_paid_cents=sum(m.cashback_paid_cents for m in months),
        aid_granted_cents=sum(m.aid_granted_cents for m in months),
        energy=footprint.total)
    share = settings.LAIF_CLUSTER.policy.pool_shares_percent.get(PoolKind.NATIONAL, 50)
    return Kpis(
        year=year, months=months, total=total, national_share_target=share,
        pending=flow.pending, pending_mean_age_days=_days(flow.pending_mean_age_s),
        pending_oldest_age_days=_days(flow.pending_oldest_age_s),
        served_by_sme_class=dict(Counter(p[0] for p in profiles)),
        served_by_sector=dict(Counter(p[1] for p in profiles)),
        served_by_country=dict(Counter(p[2] for p in profiles)),
        courses_delivered=train_selectors.delivered_in(year).count())
