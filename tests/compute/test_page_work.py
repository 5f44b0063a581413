"""The work of a page does not grow with the ledger (issue 17, load).

The statements list (with this month's draft) and a project's usage page read the ledger's
running totals, never its entries: the same queries at 10 and at 1,000 entries in the month, and
none of them on the entries' table. Every page asks for its requester's roles and unread notices
in one query.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.billing import services as statements
from laif.billing.models import Statement
from laif.usage import services as ledger
from laif.usage import totals as ledger_totals
from laif.usage.models import UsageEntry
from tests.api_support import client_as
from tests.compute.billing_support import issue
from tests.compute.jobs_support import grant
from tests.compute.ledger_support import as_fixture_team, cover, moved, with_jobs
from tests.factories import World

pytestmark = pytest.mark.django_db

TODAY = date(2026, 9, 20)
AUGUST, SEPTEMBER = date(2026, 8, 1), date(2026, 9, 1)
ENTRIES = "compute_usageentry"


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> date:
    """The pages' "today" (this month's draft is September's)."""
    real = timezone.localdate

    def localdate(value: datetime | None = None, timezone: Any = None) -> date:
        return TODAY if value is None else real(value, timezone)

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)
    return TODAY


def _ingest(count: int, *, first_id: int, day: int = 10) -> None:
    """``count`` one-hour runs of the fixtures' account ending on ``day`` September, through the
    real ingestion (``sacct --json``)."""
    base = int(datetime(2026, 9, day, 8, tzinfo=UTC).timestamp())
    jobs = []
    for k in range(count):
        job = moved("sacct_completed.json", submission=base + k, start=base + k,
                    end=base + k + 3600, elapsed=3600)
        job["job_id"] = first_id + k
        jobs.append(job)
    ledger.usage_ingest_sacct(data=with_jobs(jobs))


def _pages(world: World) -> dict[str, str]:
    return {"statements": f"/organisations/{world.org.pk}/statements/",
            "usage": f"/projects/{world.project.pk}/usage/"}


@pytest.mark.parametrize("page", ["statements", "usage"])
def test_a_page_does_the_same_work_at_10_and_1000_entries(world: World, today: date,
                                                          page: str) -> None:
    as_fixture_team(world)
    cover(grant(world.project, world.project_lead), date(2026, 9, 1), date(2026, 12, 31))
    client = client_as(world.org_admin)
    url = _pages(world)[page]
    queries = []
    for total, first_id in ((10, 1), (1000, 100)):
        _ingest(total - UsageEntry.objects.count(), first_id=first_id)
        assert UsageEntry.objects.filter(month=SEPTEMBER).count() == total
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        sql = [q["sql"] for q in captured.captured_queries]
        assert not [q for q in sql if ENTRIES in q], "the page summed the ledger's entries"
        queries.append(len(sql))
        if page == "usage":  # every entry counted
            assert response.context["usage"].total.entries == total
        else:
            assert response.context["draft"].entries_count == total
    assert queries[0] == queries[1]
    assert queries[1] <= 12


def test_one_query_for_the_requesters_roles_and_unread_notices(world: World) -> None:
    client = client_as(world.org_admin)
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/projects/").status_code == 200
    about_me = [q["sql"] for q in captured.captured_queries
                if "accounts_staffrole" in q["sql"] or "accounts_notice" in q["sql"]]
    assert len(about_me) == 1
    assert all(t in about_me[0] for t in ("accounts_staffrole", "accounts_membership",
                                          "accounts_projectmembership", "accounts_notice"))


def test_the_draft_and_the_statements_follow_the_totals_with_late_usage(world: World,
                                                                        today: date) -> None:
    as_fixture_team(world)
    cover(grant(world.project, world.project_lead), date(2026, 8, 1), date(2026, 12, 31))
    base = int(datetime(2026, 8, 10, 8, tzinfo=UTC).timestamp())
    august = [moved("sacct_completed.json", submission=base + k, start=base + k,
                    end=base + k + 7200, elapsed=7200) | {"job_id": 500 + k} for k in range(5)]
    ledger.usage_ingest_sacct(data=with_jobs(august))
    first = issue(world.operator, world.project, AUGUST)
    assert first.entries_count == 5
    late = [moved("sacct_completed.json", submission=base + 99, start=base + 99,
                  end=base + 99 + 3600, elapsed=3600) | {"job_id": 900}]
    ledger.usage_ingest_sacct(data=with_jobs(late))  # August usage after August was issued
    _ingest(3, first_id=700)
    assert ledger_totals.totals_differences() == []
    page = client_as(world.org_admin).get(f"/organisations/{world.org.pk}/statements/")
    draft = page.context["draft"]
    assert draft.entries_count == 4
    assert {ln.usage_month for ln in draft.lines if ln.is_adjustment} == {AUGUST}
    statement = statements.statement_issue(
        access=access_for(world.operator), actor=Actor.of(world.operator),
        organisation_id=world.org.pk, month=SEPTEMBER, now=datetime(2026, 10, 1, 12, tzinfo=UTC))
    assert (statement.total_cents, statement.entries_count) == (draft.total_cents, 4)
    assert statement.adjustment_cents == draft.adjustment_cents > 0
    assert ledger_totals.totals_differences() == []
    assert UsageEntry.objects.filter(billed__isnull=True).count() == 0
    assert Statement.objects.count() == 2


def test_a_server_keeps_its_database_connection_and_checks_it_before_reuse() -> None:
    from django.conf import settings

    database = settings.DATABASES["default"]
    assert database["CONN_MAX_AGE"] == 60  # LAIF_DB_CONN_MAX_AGE; 0 was one per request
    assert database["CONN_HEALTH_CHECKS"] is True
