"""Renewal, extension and top-up: change requests reviewed like new ones, with their history,
the pool's capacity checked again, the scheduler's limit re-synced and usage reset at renewal."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.errors import Conflict, DomainError, NotFound, PermissionDenied
from laif.accounts.models import User
from laif.accounts.services import project_member_add
from laif.allocations import changes
from laif.allocations.choices import AllocationState, Decision, RequestKind, RequestStatus
from laif.allocations.expiry import allocations_tick
from laif.allocations.models import Allocation, AllocationChange, AllocationRequest
from laif.allocations.services import RequestData, allocation_request_resubmit
from laif.cluster.scheduler.fake import FakeScheduler
from laif.jobs.accounts_sync import slurm_account_name, slurm_account_sync
from tests.compute.jobs_support import fake, grant, submit_job
from tests.compute.support import TODAY, review, set_capacity
from tests.factories import World, staff

__all__ = ["fake"]

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _locmem_mail(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def change(allocation: Allocation, by: User, kind: str, *, today: date = TODAY,
           **fields: Any) -> AllocationRequest:
    values: dict[str, Any] = {
        "justification": "The model needs two more epochs on the full data set of line 3.",
        **fields}
    return changes.allocation_change_submit(
        access=access_for(by), actor=Actor.of(by), allocation_id=allocation.pk,
        data=changes.ChangeData(kind=kind, **values), today=today)


def test_a_top_up_reviewed_with_fewer_hours_adds_them_with_its_history(
        world: World, django_capture_on_commit_callbacks: Any) -> None:
    allocation = grant(world.project, world.project_lead, 1_000)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        req = change(allocation, world.project_lead, "top_up", gpu_hours=500)
    assert (req.kind, req.status, req.amends_id, req.pool_id) == (
        RequestKind.TOP_UP, RequestStatus.SUBMITTED, allocation.pk, allocation.pool_id)
    assert any("Top-up requested" in m.subject for m in mail.outbox)  # reviewers are told

    with django_capture_on_commit_callbacks(execute=True):
        review(req, world.reviewer, "approve", gpu_hours=300, comment="300 for now.")
    allocation.refresh_from_db()
    assert allocation.granted_gpu_hours == 1_300
    history = AllocationChange.objects.get(allocation=allocation)
    assert (history.kind, history.gpu_hours_before, history.gpu_hours_after) == (
        "top_up", 1_000, 1_300)
    assert [e.decision for e in req.events.all()] == [Decision.SUBMITTED, Decision.APPROVED]
    assert any("300 more GPU-hours" in m.body for m in mail.outbox)
    # the scheduler's GPU-minute limit follows the grant
    fake = FakeScheduler()
    slurm_account_sync(project_id=world.project.pk, scheduler=fake, today=TODAY)
    assert fake.accounts[slurm_account_name(world.project)].gpu_minutes_limit == 1_300 * 60


def test_a_top_up_past_the_pool_is_refused_with_the_figures(world: World) -> None:
    allocation = grant(world.project, world.project_lead, 1_000)
    set_capacity(allocation.pool, 1_000, overbooking="1.1")  # ceiling 1,100
    req = change(allocation, world.project_lead, "top_up", gpu_hours=500)
    with pytest.raises(Conflict, match=r"already granted 1,000, requested 500; only 100"):
        review(req, world.reviewer, "approve")
    allocation.refresh_from_db()
    req.refresh_from_db()
    assert (allocation.granted_gpu_hours, req.status) == (1_000, RequestStatus.SUBMITTED)


def test_an_extension_brings_an_allocation_in_grace_back_into_force(
        world: World, fake: FakeScheduler) -> None:
    allocation = grant(world.project, world.project_lead, 1_000)
    after_end = allocation.end + timedelta(days=2)
    allocations_tick(after_end)
    allocation.refresh_from_db()
    assert allocation.state == AllocationState.GRACE
    with pytest.raises(Conflict, match="accepts no new job"):
        submit_job(world.project, world.project_lead, today=after_end)

    new_end = date(2026, 12, 31)
    req = change(allocation, world.project_lead, "extension", end=new_end, today=after_end)
    assert (req.requested_gpu_hours, req.requested_end) == (0, new_end)
    review(req, world.reviewer, "approve", today=after_end)
    allocation.refresh_from_db()
    assert (allocation.end, allocation.state, allocation.granted_gpu_hours) == (
        new_end, AllocationState.EXPIRING, 1_000)
    assert submit_job(world.project, world.project_lead, today=after_end).pk
    change_row = AllocationChange.objects.get(allocation=allocation)
    assert (change_row.end_before, change_row.end_after) == (date(2026, 12, 14), new_end)

    # the notices start again for the new end: the 14-day one before 2026-12-31
    tick = allocations_tick(date(2026, 12, 17))
    assert (allocation.pk, 14) in tick.notices
    assert allocations_tick(date(2026, 12, 17)).notices == []


@pytest.mark.parametrize(("end", "message"), [
    (date(2027, 1, 31), "at the latest 31 December 2026"),
    (date(2026, 12, 1), "after 14 December 2026"),
    (None, "Choose a new end date"),
])
def test_an_extension_stays_inside_its_period(world: World, end: date | None,
                                              message: str) -> None:
    allocation = grant(world.project, world.project_lead, 1_000)
    with pytest.raises(DomainError, match=message):
        change(allocation, world.project_lead, "extension", end=end)
    assert not AllocationRequest.objects.filter(amends=allocation).exists()


def test_a_renewal_starts_after_the_allocation_with_its_whole_grant(world: World) -> None:
    allocation = grant(world.project, world.project_lead, 1_000)
    req = change(allocation, world.project_lead, "renewal", gpu_hours=2_000,
                 today=date(2026, 12, 1))
    # from the national pool of the period that holds the day after the allocation's end
    assert (req.period.start, req.pool.kind) == (date(2026, 7, 1), "national")
    review(req, world.reviewer, "approve", today=date(2026, 12, 2))
    renewal = Allocation.objects.get(renews=allocation)
    assert (renewal.start, renewal.end) == (date(2026, 12, 15), date(2026, 12, 31))
    assert renewal.granted_gpu_hours == 2_000

    fake = FakeScheduler()
    account = slurm_account_name(world.project)
    # before the renewal starts: the old grant alone
    slurm_account_sync(project_id=world.project.pk, scheduler=fake, today=date(2026, 12, 10))
    assert fake.accounts[account].gpu_minutes_limit == 1_000 * 60
    fake.accounts[account].used = 40_000  # what Slurm counted under the old allocation
    # from its first day (the old one in its grace): the renewal's whole grant on top of what
    # Slurm counted, which is never reset
    result = slurm_account_sync(project_id=world.project.pk, scheduler=fake,
                                today=date(2026, 12, 15))
    assert result.changed
    assert (fake.accounts[account].used, fake.accounts[account].gpu_minutes_limit) == (
        40_000, 40_000 + 2_000 * 60)
    again = slurm_account_sync(project_id=world.project.pk, scheduler=fake,
                               today=date(2026, 12, 16))
    assert not again.changed
    assert "reset_usage" not in fake.calls

    with pytest.raises(Conflict, match="already been renewed"):
        change(allocation, world.project_lead, "renewal", gpu_hours=100,
               today=date(2026, 12, 3))


def test_who_may_ask_for_a_change(world: World) -> None:
    allocation = grant(world.project, world.project_lead, 1_000)
    project_member_add(access=access_for(world.org_admin), actor=Actor.of(world.org_admin),
                       project_id=world.project.pk, user_id=world.member.pk)
    with pytest.raises(PermissionDenied):
        change(allocation, world.member, "top_up", gpu_hours=10)
    with pytest.raises(NotFound):
        change(allocation, world.other_member, "top_up", gpu_hours=10)
    change(allocation, world.org_admin, "top_up", gpu_hours=10)
    with pytest.raises(Conflict, match="already open"):
        change(allocation, world.project_lead, "top_up", gpu_hours=20)


def test_a_change_on_which_changes_were_requested_is_resubmitted(world: World) -> None:
    allocation = grant(world.project, world.project_lead, 1_000)
    req = change(allocation, world.project_lead, "extension", end=date(2026, 12, 20))
    review(req, world.reviewer, "request_changes", comment="Explain the delay.")
    allocation_request_resubmit(
        access=access_for(world.project_lead), actor=Actor.of(world.project_lead),
        request_id=req.pk, data=RequestData(
            title="ignored", access_type="large_scale", requested_gpu_hours=99,
            justification="The data of line 3 arrived four weeks late; see the attached plan.",
            expected_outputs="The same model, four weeks later.", data_sensitivity="public"))
    req.refresh_from_db()
    assert (req.status, req.requested_gpu_hours, req.access_type, req.requested_end) == (
        RequestStatus.SUBMITTED, 0, "fast_lane", date(2026, 12, 20))
    review(req, world.reviewer, "approve")
    allocation.refresh_from_db()
    assert allocation.end == date(2026, 12, 20)


def test_a_eurohpc_award_is_not_topped_up_here(world: World) -> None:
    allocation = grant(world.project, world.project_lead, 1_000)
    from laif.allocations.choices import PoolKind
    from laif.allocations.models import Pool

    eurohpc = Pool.objects.get(period=allocation.pool.period, kind=PoolKind.EUROHPC)
    Allocation.objects.filter(pk=allocation.pk).update(pool=eurohpc)
    with pytest.raises(Conflict, match="EuroHPC award"):
        change(allocation, world.project_lead, "top_up", gpu_hours=10)


def test_an_expired_allocation_is_renewed_not_extended(world: World) -> None:
    allocation = grant(world.project, world.project_lead, 1_000)
    late = allocation.end + timedelta(days=40)
    allocations_tick(late)
    with pytest.raises(Conflict, match="request a renewal"):
        change(allocation, world.project_lead, "extension", end=late, today=late)
    req = change(allocation, world.project_lead, "renewal", gpu_hours=500, today=late)
    review(req, staff("reviewer"), "approve", today=late)
    assert Allocation.objects.get(renews=allocation).start == late


def test_the_allocation_page_shows_the_history_and_takes_a_change(
        world: World, client_for: Any) -> None:
    allocation = grant(world.project, world.project_lead, 1_000, today=timezone.localdate())
    url = f"/compute/allocations/{allocation.pk}/"
    lead = client_for(world.project_lead)
    page = lead.get(url)
    assert page.status_code == 200
    assert "Ask for a renewal, an extension or a top-up" in page.content.decode()
    response = lead.post(url, {"kind": "top_up", "gpu_hours": "250",
                               "justification": "More images arrived from line 4 this month."})
    req = AllocationRequest.objects.get(amends=allocation)
    assert response.status_code == 302
    assert response["Location"] == f"/compute/requests/{req.pk}/"
    review(req, world.reviewer, "approve", today=timezone.localdate())
    text = lead.get(url).content.decode()
    assert "1,000 → 1,250" in text
    # a refused change comes back on the form, with the reason
    refused = lead.post(url, {"kind": "extension", "end": "2020-01-01",
                              "justification": "We need two more weeks for the last runs."})
    assert refused.status_code == 200
    assert "already ends with its period" in refused.content.decode()
    assert client_for(world.other_member).get(url).status_code == 404
    assert client_for(world.trainer).get(url).status_code == 403
    assert client_for(world.reviewer).post(url, {"kind": "top_up"}).status_code == 403
