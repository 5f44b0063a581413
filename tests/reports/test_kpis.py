"""The factory's figures on the demo data equal what direct SQL over the tables gives (issue 24:
"the KPI figures equal a direct SQL count on the demo data"), in the API, the CSV and the
Prometheus metrics; and only operators, reviewers and auditors see them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from laif.accounts import demo as accounts_demo
from laif.accounts.access import access_for
from laif.accounts.models import User
from laif.billing.demo import billing_demo_load
from laif.fund.demo import fund_demo_load
from laif.fund.models import AidRecord
from laif.ops.metrics import exposition
from laif.reports.kpis import factory_kpis
from laif.train.demo import train_demo_load
from tests.api_support import client_as

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


def _sql(query: str, *params: date | datetime) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return list(cursor.fetchall())


def _bounds(year: int) -> tuple[datetime, datetime]:
    tz = ZoneInfo(settings.TIME_ZONE)
    return datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)


@pytest.fixture
def demo() -> User:
    accounts_demo.demo_load()
    billing_demo_load(now=NOW)
    fund_demo_load()
    train_demo_load()  # sessions of the current year, some delivered
    return User.objects.get(email=accounts_demo.OPERATOR)


def test_the_kpis_equal_direct_sql_on_the_demo_data(demo: User) -> None:
    year = 2026
    kpis = factory_kpis(access=access_for(demo), year=year)
    months = (date(year, 1, 1), date(year, 12, 1))

    pools = dict(_sql(
        "SELECT COALESCE(p.kind, ''), SUM(e.gpu_seconds) FROM compute_usageentry e "
        "LEFT JOIN compute_allocation a ON a.id = e.allocation_id "
        "LEFT JOIN compute_pool p ON p.id = a.pool_id "
        "WHERE e.month BETWEEN %s AND %s GROUP BY COALESCE(p.kind, '')", *months))
    assert kpis.total.national_gpu_s == pools.get("national", 0)
    assert kpis.total.eurohpc_gpu_s == pools.get("eurohpc", 0)
    assert kpis.total.unallocated_gpu_s == pools.get("", 0)
    assert kpis.total.gpu_s > 0  # the demo has usage this year: the check means something

    [(served,)] = _sql("SELECT COUNT(DISTINCT organisation_id) FROM compute_usageentry "
                       "WHERE month BETWEEN %s AND %s AND organisation_id IS NOT NULL", *months)
    assert kpis.organisations_served == served > 0
    sectors = dict(_sql(
        "SELECT o.sector, COUNT(DISTINCT o.id) FROM compute_usageentry e JOIN "
        "accounts_organisation o ON o.id = e.organisation_id WHERE e.month BETWEEN %s AND %s "
        "GROUP BY o.sector", *months))
    assert kpis.served_by_sector == sectors
    countries = dict(_sql(
        "SELECT o.country, COUNT(DISTINCT o.id) FROM compute_usageentry e JOIN "
        "accounts_organisation o ON o.id = e.organisation_id WHERE e.month BETWEEN %s AND %s "
        "GROUP BY o.country", *months))
    assert kpis.served_by_country == countries
    june = next(p for p in kpis.months if p.month == date(year, 6, 1))
    [(june_orgs,)] = _sql("SELECT COUNT(DISTINCT organisation_id) FROM compute_usageentry "
                          "WHERE month = %s AND organisation_id IS NOT NULL", date(year, 6, 1))
    assert june.organisations == june_orgs

    start, end = _bounds(year)
    [(submitted,)] = _sql("SELECT COUNT(*) FROM compute_allocationrequest WHERE created_at >= %s "
                          "AND created_at < %s", start, end)
    assert kpis.total.requests_submitted == submitted > 0
    [(pending,)] = _sql("SELECT COUNT(*) FROM compute_allocationrequest WHERE status IN "
                        "('submitted', 'changes_requested')")
    assert kpis.pending == pending
    [(decided,)] = _sql(
        "SELECT COUNT(*) FROM (SELECT request_id, MIN(at) AS first FROM compute_reviewevent "
        "WHERE decision IN ('approved', 'rejected') GROUP BY request_id) d "
        "WHERE d.first >= %s AND d.first < %s", start, end)
    assert kpis.total.requests_decided == decided

    [(paid,)] = _sql("SELECT COALESCE(SUM(amount_cents), 0) FROM fund_cashbackclaim "
                     "WHERE state = 'paid' AND paid_at >= %s AND paid_at < %s", start, end)
    assert kpis.total.cashback_paid_cents == paid
    aid_year = AidRecord.objects.order_by("granted_on").values_list(
        "granted_on", flat=True)[0].year  # the demo's aid: granted last year
    last = factory_kpis(access=access_for(demo), year=aid_year)
    [(granted,)] = _sql("SELECT COALESCE(SUM(amount_cents), 0) FROM fund_aidrecord "
                        "WHERE granted_on BETWEEN %s AND %s", date(aid_year, 1, 1),
                        date(aid_year, 12, 31))
    assert last.total.aid_granted_cents == granted > 0

    # energy: measured where reported, else GPU-s x 700 W x utilisation (0.5 on gpu-dev, 0.7
    # elsewhere) + CPU-s x 4 W; facility x PUE; location-based x 365.27 g (catalogue, 2023)
    [(measured, estimated)] = _sql(
        "SELECT COALESCE(SUM(energy_j), 0), COALESCE(SUM(CASE WHEN energy_j IS NULL THEN "
        "gpu_seconds * (CASE WHEN partition = 'gpu-dev' THEN 350 ELSE 490 END) "
        "+ cpu_seconds * 4 ELSE 0 END), 0) FROM compute_usageentry "
        "WHERE month BETWEEN %s AND %s", *months)
    facility = (Decimal(measured) + Decimal(estimated)) * settings.LAIF_PUE
    assert measured > 0
    assert estimated > 0
    assert kpis.total.energy.facility_kwh == (facility / 3_600_000).quantize(
        Decimal("0.001"), rounding=ROUND_HALF_UP)
    assert kpis.total.energy.location_kg == (facility / 3_600_000 * Decimal("365.27") / 1000
                                             ).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)

    body = client_as(demo).get(f"/api/staff/kpis?year={year}").json()
    assert body["total"]["gpu_hours_total"] == f"{kpis.total.gpu_s / 3600:.2f}"
    assert body["organisations_served"] == served
    assert body["requests_pending"] == pending
    [(held,)] = _sql("SELECT COUNT(*) FROM train_trainingsession WHERE cancelled_at IS NULL "
                     "AND ends_at >= %s AND ends_at < %s AND ends_at <= %s",
                     *_bounds(year), timezone.now())
    assert body["courses_delivered"] == kpis.courses_delivered == held
    assert held > 0 or timezone.localdate().year != year
    csv = client_as(demo).get(f"/api/staff/kpis/csv?year={year}").content.decode()
    year_row = csv.strip().splitlines()[-1].split(",")
    assert year_row[:2] == [str(year), "*"]
    assert year_row[5] == f"{kpis.total.gpu_s / 3600:.2f}"


def test_the_kpis_are_prometheus_metrics(demo: User) -> None:
    text = exposition().decode()
    kpis = factory_kpis(access=access_for(demo), year=timezone.localdate().year)
    assert f"laif_kpi_organisations_served_year {float(kpis.organisations_served)}" in text
    assert f"laif_kpi_allocation_requests_pending {float(kpis.pending)}" in text
    assert 'laif_kpi_gpu_hours_year{pool="national"}' in text
    assert 'laif_kpi_carbon_kg_year{method="location"}' in text


def test_only_client_facing_staff_see_the_kpis(demo: User) -> None:
    admin = User.objects.get(email=accounts_demo.ORG_ADMIN)
    assert client_as(admin).get("/staff/kpis/").status_code == 403
    assert client_as(admin).get("/api/staff/kpis").status_code == 403
    assert client_as(None).get("/api/staff/kpis").status_code == 401
    page = client_as(demo).get("/staff/kpis/?year=2026")
    assert page.status_code == 200
    html = page.content.decode()
    assert "The factory&#x27;s figures in 2026" in html or "The factory's figures in 2026" in html
    assert 'id="kpi-courses">' in html
    assert "target: 140 to 200 a year" in html  # from the training catalogue
    pdf = client_as(demo).get("/staff/kpis/pdf/?year=2026")
    assert pdf.content.startswith(b"%PDF")


def test_laif_kpis_from_the_command_line(demo: User, settings: Any, tmp_path: Any) -> None:
    from laif.accounts import services as account_services
    from laif.accounts.audit import Actor
    from tests.cli_support import run_cli

    settings.ALLOWED_HOSTS = ["localhost"]
    _row, token = account_services.api_token_create(actor=Actor.of(demo), user=demo, name="cli")
    csv = tmp_path / "kpis.csv"
    result = run_cli(["kpis", "--year", "2026", "--csv", str(csv), "--pdf",
                      str(tmp_path / "kpis.pdf")], token)
    assert result.exit_code == 0, result.output
    kpis = factory_kpis(access=access_for(demo), year=2026)
    assert "The factory's figures in 2026" in result.output
    assert f"{kpis.total.gpu_s / 3600:.2f}" in result.output
    words = " ".join(result.output.split())  # the console wraps at 80 columns
    assert f"organisations served {kpis.organisations_served}" in words
    assert csv.read_text().startswith("year,month,gpu_hours_national")
    assert (tmp_path / "kpis.pdf").read_bytes().startswith(b"%PDF")
    admin = User.objects.get(email=accounts_demo.ORG_ADMIN)
    _row, other = account_services.api_token_create(actor=Actor.of(admin), user=admin, name="c")
    refused = run_cli(["kpis"], other)
    assert refused.exit_code != 0
    assert "operators, reviewers and auditors" in refused.output
