"""A balance people can read (issue 22, point 3): the home page and the project page show each
allocation's balance in GPU-hours with a burn-down chart and the day it runs out at the current
pace; the figure left is the same on the panel, the usage page, the API and the job pre-check."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from laif.accounts.errors import Conflict
from laif.allocations.models import Allocation
from laif.usage.balance import balances_of, hours_text
from tests.api_support import client_as
from tests.compute.billing_support import entry
from tests.compute.jobs_support import grant, submit_job
from tests.factories import World

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def html(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def used(world: World) -> Allocation:
    """100 GPU-hours from 20 days ago to 40 days ahead; 4 GPU-hours a day used in the last 10
    days: 60 left, at 40 GPU-hours in 21 days."""
    today = timezone.localdate()
    allocation = grant(world.project, world.project_lead, 100, today=today)
    Allocation.objects.filter(pk=allocation.pk).update(start=today - timedelta(days=20),
                                                       end=today + timedelta(days=40))
    allocation.refresh_from_db()
    for back in range(10):
        day = today - timedelta(days=back)
        ended = timezone.make_aware(datetime.combine(day, time(12)))
        entry(world.project, world.project_lead, day.replace(day=1), gpu_s=4 * 3600,
              allocation=allocation, ended=ended.astimezone(UTC))
    return allocation


def test_the_project_page_panel_shows_left_chart_and_the_day_it_runs_out(
        world: World, used: Allocation) -> None:
    client = client_as(world.project_lead)
    project_page = html(client.get(f"/projects/{world.project.pk}/"))
    assert f'hx-get="/projects/{world.project.pk}/balance/"' in project_page
    panel = html(client.get(f"/projects/{world.project.pk}/balance/", headers=HX))
    assert "<html" not in panel  # a fragment for htmx
    assert re.search(r'class="left-figure"><span [^>]*>60.00</span></strong> of <span [^>]*>'
                     r"100.00</span> GPU-hours left", panel)
    # 60 left at 40 in 21 days: 31.5 days, so the 32nd day from today, before the end
    runs_out = date_format(timezone.localdate() + timedelta(days=32))
    assert (f"At the current pace (13 GPU-hours a week), the grant runs out on "
            f"<strong>{runs_out}</strong>") in panel
    assert panel.count("<polyline") == 3  # what was left, the even use, the forecast
    full = html(client.get(f"/projects/{world.project.pk}/balance/"))
    assert "<html" in full  # without JavaScript, the link opens a page


def test_the_home_page_loads_the_panels_of_ones_projects(world: World,
                                                         used: Allocation) -> None:
    client = client_as(world.project_lead)
    assert 'hx-get="/compute/balance/"' in html(client.get("/"))
    panel = html(client.get("/compute/balance/", headers=HX))
    assert f'id="burndown-{used.pk}"' in panel
    staff = html(client_as(world.operator).get("/compute/balance/", headers=HX))
    assert "burndown-" not in staff  # staff see their own projects here, not every client's
    assert client_as(world.other_member).get(
        f"/projects/{world.project.pk}/balance/").status_code == 404


def test_the_panel_the_usage_page_the_api_and_the_pre_check_agree(world: World,
                                                                  used: Allocation) -> None:
    left = balances_of([used])[used.pk].left
    shown = hours_text(left)
    assert shown == "60.00"
    client = client_as(world.project_lead)
    panel = html(client.get(f"/projects/{world.project.pk}/balance/", headers=HX))
    assert f">{shown}</span></strong> of" in panel
    usage_page = html(client.get(f"/projects/{world.project.pk}/usage/"))
    assert f">{shown}</span></strong>" in usage_page
    api = client.get(f"/api/projects/{world.project.pk}/usage").json()
    assert [b["left_gpu_hours"] for b in api["balances"]] == [shown]
    with pytest.raises(Conflict) as refused:  # 2 GPUs x 31 hours do not fit in 60
        submit_job(world.project, world.project_lead, today=timezone.localdate(), gpus=2,
                   time_limit_minutes=31 * 60)
    assert f"only {shown} GPU-hours" in refused.value.message
