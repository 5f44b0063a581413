"""Requests say what was granted (issue 22, point 4): the duration a project asks for is refused
at the form when the access type or the period cannot hold it, never shortened behind its back;
the requests list shows what was asked and what was granted side by side; the reviewer sees the
project's allocations with their usage, the flags and the dates the allocation would have."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from laif.accounts.errors import DomainError
from laif.allocations.models import Allocation, AllocationRequest
from laif.allocations.review import review_flags
from tests.api_support import JSON, client_as
from tests.compute.support import TODAY, review, submit
from tests.factories import World

pytestmark = pytest.mark.django_db

CASE = "Eight GPUs for 250 hours each on the images of line 3."


def html(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_six_months_on_a_three_month_access_type_is_refused_with_the_rule(world: World) -> None:
    with pytest.raises(DomainError) as refused:
        submit(world.project, world.project_lead, access_type="fast_lane", requested_months=6)
    assert refused.value.field == "requested_months"
    assert refused.value.message == ("Fast lane allocations last at most 3 months: ask for 1 to "
                                     "3 months, or choose an access type that lasts longer.")
    assert not AllocationRequest.objects.exists()


def test_the_form_refuses_it_and_keeps_what_was_typed(world: World) -> None:
    client = client_as(world.project_lead)
    url = f"/projects/{world.project.pk}/allocation-requests/new/"
    body = {"title": "Vision", "access_type": "fast_lane", "requested_gpu_hours": "6000",
            "requested_months": "6", "justification": CASE, "expected_outputs": "A model.",
            "data_sensitivity": "internal", "period": "next"}
    text = html(client.post(url, body))
    assert "Fast lane allocations last at most 3 months" in text
    assert 'name="requested_months" value="6"' in text
    assert not AllocationRequest.objects.exists()
    missing = html(client.post(url, {**body, "requested_months": ""}))
    assert "Duration (months)" in missing
    assert not AllocationRequest.objects.exists()
    assert client.post(url, {**body, "requested_months": "3"}).status_code == 302
    assert AllocationRequest.objects.get().requested_months == 3


def test_a_duration_the_current_period_cannot_hold_is_refused(world: World) -> None:
    # on 15 September, the period ending on 31 December holds 4 months, the 4th cut short
    with pytest.raises(DomainError) as refused:
        submit(world.project, world.project_lead, access_type="large_scale",
               requested_gpu_hours=100_000, requested_months=5)
    assert refused.value.field == "requested_months"
    assert refused.value.message == (
        "This period ends on 31 December 2026: an allocation starting on 15 September 2026 can "
        "last 4 months at most, the last one ending with the period. Ask for fewer months, or "
        "for the next period.")
    req = submit(world.project, world.project_lead, access_type="large_scale",
                 requested_gpu_hours=100_000, requested_months=6, period="next")
    assert req.requested_months == 6


def test_the_allocation_lasts_the_months_asked_for(world: World) -> None:
    req = submit(world.project, world.project_lead, requested_months=2)
    review(req, world.reviewer, "approve", today=TODAY)
    allocation = Allocation.objects.get(request=req)
    assert (allocation.start, allocation.end) == (TODAY, date(2026, 11, 14))
    # left out (the API's default): as long as the access type allows, as before
    other = submit(world.project, world.project_lead)
    review(other, world.reviewer, "approve", today=TODAY)
    assert Allocation.objects.get(request=other).end == date(2026, 12, 14)


def test_the_api_takes_the_duration_and_refuses_it_with_the_field(world: World) -> None:
    client = client_as(world.project_lead)
    url = f"/api/projects/{world.project.pk}/allocation-requests"
    body = {"title": "Vision", "access_type": "fast_lane", "requested_gpu_hours": 6000,
            "justification": CASE, "expected_outputs": "A model.",
            "data_sensitivity": "internal", "period": "next"}
    refused = client.post(url, {**body, "requested_months": 6}, content_type=JSON)
    assert (refused.status_code, refused.json()["field"]) == (400, "requested_months")
    assert client.post(url, {**body, "requested_months": 0},
                       content_type=JSON).status_code == 422
    made = client.post(url, {**body, "requested_months": 2}, content_type=JSON)
    assert made.status_code == 201, made.content
    assert made.json()["requested_months"] == 2


def test_the_list_shows_asked_and_granted_side_by_side(world: World) -> None:
    req = submit(world.project, world.project_lead, requested_gpu_hours=20_000,
                 requested_months=3)
    review(req, world.reviewer, "approve", gpu_hours=600, today=TODAY)
    page = html(client_as(world.project_lead).get("/compute/"))
    row = re.search(r"<tr>(?:(?!</tr>).)*Fine-tune a vision model(?:(?!</tr>).)*</tr>", page)
    assert row is not None
    asked = re.search(r'class="asked">(.*?)</td>', row.group(0))
    granted = re.search(r'class="granted">(.*?)</td>', row.group(0))
    assert asked is not None
    assert granted is not None
    assert "20,000 GPU-hours" in asked.group(1)
    assert "3 months" in asked.group(1)
    assert "600 GPU-hours" in granted.group(1)
    assert "15/09/2026 \u2013 14/12/2026" in granted.group(1)


def test_the_reviewer_sees_the_projects_allocations_flags_and_dates(world: World) -> None:
    first = submit(world.project, world.project_lead, requested_gpu_hours=1_000,
                   requested_months=3)
    review(first, world.reviewer, "approve", today=TODAY)
    req = submit(world.project, world.project_lead, title="Patients", requested_months=1,
                 data_sensitivity="personal")
    page = html(client_as(world.reviewer).get(f"/compute/requests/{req.pk}/"))
    flags = re.search(r'id="review-flags">(.*?)</ul>', page)
    assert flags is not None
    assert "Personal data: the jobs may read it only through a data sandbox" in flags.group(1)
    allocations = re.search(r'id="project-allocations">(.*?)</table>', page)
    assert allocations is not None
    assert "Fine-tune a vision model" in allocations.group(1)
    assert "1,000" in allocations.group(1)  # granted, beside used and left
    assert re.search(r'id="dates-if-approved">\s*If approved today, the allocation runs from '
                     r"<strong>\d", page)
    # the project lead does not get the reviewer's panel
    assert "review-flags" not in html(client_as(world.project_lead).get(
        f"/compute/requests/{req.pk}/"))


def test_a_review_late_in_the_period_is_flagged(world: World) -> None:
    req = submit(world.project, world.project_lead, requested_months=3)
    assert review_flags(req, today=TODAY) == []
    assert review_flags(req, today=date(2026, 10, 15)) == [
        "Approved today, the allocation would end on 31 December 2026 with its period, before "
        "the 3 months asked for."]
