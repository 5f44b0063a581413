"""The factory's KPIs of the current year as Prometheus metrics (``/metrics``), for the site's
monitoring: the same figures as the KPI page, from ``reports.kpis``."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from laif.accounts.access import Access
from laif.accounts.choices import StaffRoleName


class KpiCollector(Collector):
    """Read at each scrape, as an auditor would see them (aggregates only)."""

    def collect(self) -> Iterator[Metric]:
        from django.utils import timezone

        from laif.reports.kpis import factory_kpis

        auditor = Access(user_id=None, staff_roles=frozenset({StaffRoleName.AUDITOR}))
        kpis = factory_kpis(access=auditor, year=timezone.localdate().year)
        t = kpis.total
        gpu = GaugeMetricFamily("laif_kpi_gpu_hours_year", "GPU-hours delivered this year",
                                labels=["pool"])
        for pool, seconds in (("national", t.national_gpu_s), ("eurohpc", t.eurohpc_gpu_s),
                              ("none", t.unallocated_gpu_s)):
            gpu.add_metric([pool], seconds / 3600)
        yield gpu
        yield GaugeMetricFamily("laif_kpi_national_share_target_ratio",
                                "The national pool's share of the pools' GPU-hours, as agreed",
                                value=kpis.national_share_target / 100)
        yield GaugeMetricFamily(
            "laif_kpi_utilisation_ratio_year",
            "GPU-hours delivered / GPU-hours offered by the months begun this year",
            value=float(t.utilisation_percent or 0) / 100)
        yield GaugeMetricFamily("laif_kpi_allocation_requests_pending",
                                "Allocation requests waiting for a decision",
                                value=kpis.pending)
        yield GaugeMetricFamily("laif_kpi_allocation_requests_oldest_wait_days",
                                "Days the oldest waiting request has waited (0: none)",
                                value=float(kpis.pending_oldest_age_days or 0))
        yield GaugeMetricFamily("laif_kpi_organisations_served_year",
                                "Organisations with usage this year",
                                value=kpis.organisations_served)
        yield GaugeMetricFamily("laif_kpi_cashback_paid_eur_year", "Cashback paid this year",
                                value=t.cashback_paid_cents / 100)
        yield GaugeMetricFamily("laif_kpi_aid_granted_eur_year", "Aid granted this year",
                                value=t.aid_granted_cents / 100)
        yield GaugeMetricFamily("laif_kpi_energy_facility_kwh_year",
                                "Facility energy of the jobs this year (measured + estimated)",
                                value=float(t.energy.facility_kwh))
        carbon = GaugeMetricFamily("laif_kpi_carbon_kg_year",
                                   "Scope 2 carbon of the jobs this year", labels=["method"])
        carbon.add_metric(["location"], float(t.energy.location_kg or 0))
        carbon.add_metric(["market"], float(t.energy.market_kg))
        yield carbon
