"""The staff dashboard's charts (issue 22, point 5): the geometry (pure) and the page, whose
figures come from the ledger's totals, the allocations and the organisations."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.utils import timezone

from laif.ops import charts
from laif.usage import services as ledger
from tests.api_support import client_as
from tests.compute.jobs_support import grant
from tests.compute.ledger_support import as_fixture_team, cover, moved, with_jobs
from tests.factories import World


def test_bars_scale_to_the_longest_and_keep_a_sliver_for_small_counts() -> None:
    drawn = charts.bars([("active", 1000), ("expired", 1), ("closed", 0)])
    widths = [b.width for b in drawn.bars]
    assert widths[0] == charts.WIDTH - charts.LABEL - 60
    assert widths[1] == 2.0  # 1 of 1000 would be under a unit: still seen
    assert widths[2] == 0.0
    assert [b.y for b in drawn.bars] == [0, charts.ROW, 2 * charts.ROW]
    assert drawn.total == 1001
    assert charts.bars([]).height == charts.ROW
    with pytest.raises(ValueError, match="negative"):
        charts.bars([("x", -1)])


def test_a_month_s_split_fills_the_bar_and_the_target_line_sits_at_the_share() -> None:
    drawn = charts.split([("Sep", 3 * 3600, 1 * 3600), ("Oct", 0, 0)], 50)
    sep, oct_ = drawn.rows
    assert sep.national_width == 3 * sep.eurohpc_width
    assert sep.national_width + sep.eurohpc_width == drawn.room
    assert sep.eurohpc_x == charts.LABEL + sep.national_width
    assert sep.national_percent == 75
    assert (oct_.national_width, oct_.eurohpc_width, oct_.national_percent) == (0, 0, None)
    assert drawn.target_x == charts.LABEL + drawn.room / 2
    assert charts.split([], 30).target_x == charts.LABEL + drawn.room * 0.3
    with pytest.raises(ValueError, match="share"):
        charts.split([], 101)


@pytest.mark.django_db
def test_the_page_draws_the_ledger_s_hours_by_pool_and_the_counts(world: World) -> None:
    as_fixture_team(world)
    today = timezone.localdate()
    month = today.replace(day=1)
    cover(grant(world.project, world.project_lead, today=today), month, date(2099, 1, 1))
    start = int(timezone.now().replace(day=1, hour=8, minute=0, second=0).timestamp())
    job = moved("sacct_completed.json", submission=start, start=start, end=start + 3600,
                elapsed=3600)
    ledger.usage_ingest_sacct(data=with_jobs([job]))
    page = client_as(world.operator).get("/staff/charts/")
    assert page.status_code == 200
    html = page.content.decode()
    pools = html.split('id="chart-pools"', 1)[1].split("</figure>", 1)[0]
    rows = re.findall(r"<tr><td>([^<]+)</td><td class=\"num\">([^<]+)</td>"
                      r"<td class=\"num\">([^<]+)</td><td class=\"num\">([^<]+)</td></tr>", pools)
    assert len(rows) == 12
    assert rows[-1][1:] == ("2.00", "0.00", "100 %")  # two GPUs for an hour, national pool
    assert all(r[1:] == ("0.00", "0.00", "—") for r in rows[:-1])
    states = html.split('id="chart-states"', 1)[1].split("</figure>", 1)[0]
    assert re.search(r">Active</text>.*?class=\"chart-value\">1</text>", states, re.S)
    sme = html.split('id="chart-sme"', 1)[1].split("</figure>", 1)[0]
    assert re.findall(r">([^<>]+)</text>", sme) == [
        "Micro enterprise", "0", "Small enterprise", "2", "Medium-sized enterprise", "0",
        "Large enterprise", "0", "Not declared", "0"]  # both organisations of the world are small
    # the dashboard loads it for the staff who see the pools, not for trainers or clients
    assert 'hx-get="/staff/charts/"' in client_as(world.reviewer).get("/").content.decode()
    assert 'hx-get="/staff/charts/"' not in client_as(world.trainer).get("/").content.decode()
    for who in (world.trainer, world.org_admin):
        assert client_as(who).get("/staff/charts/").status_code == 403
