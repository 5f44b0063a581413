"""The national-pool workflow: submit, ask for changes, resubmit, approve with fewer hours;
the history, the audit trail, the notices and the capacity limit."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail

from laif.accounts.access import access_for
from laif.accounts.audit import Actor, audit_verify
from laif.accounts.errors import Conflict, DomainError, NotFound, PermissionDenied
from laif.accounts.models import AuditEntry
from laif.allocations import services
from laif.allocations.models import (
    Allocation,
    AllocationPeriod,
    AllocationRequest,
    Pool,
    ReviewEvent,
)
from tests.compute.support import TODAY, data, pool_of, review, set_capacity, submit
from tests.factories import World, create_project, staff

pytestmark = pytest.mark.django_db

Capture = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]


@pytest.fixture(autouse=True)
def _locmem_mail(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_submit_changes_resubmit_approve_with_fewer_hours(
        world: World, django_capture_on_commit_callbacks: Capture) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        req = submit(world.project, world.project_lead)
    assert req.status == "submitted"
    assert req.pool.kind == "national"
    assert (req.period.start, req.period.end) == (date(2026, 7, 1), date(2026, 12, 31))
    assert [m.to for m in mail.outbox] == [[world.reviewer.email]]
    assert "20,000 GPU-hours" in mail.outbox[0].body
    assert f"/compute/requests/{req.pk}/" in mail.outbox[0].body

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        review(req, world.reviewer, "request_changes",
               comment="Show the scaling test on 8 GPUs.")
    req.refresh_from_db()
    assert req.status == "changes_requested"
    assert [m.to for m in mail.outbox] == [[world.project_lead.email]]
    assert "Show the scaling test on 8 GPUs." in mail.outbox[0].body

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.allocation_request_resubmit(
            access=access_for(world.org_admin), actor=Actor.of(world.org_admin), request_id=req.pk,
            data=data(requested_gpu_hours=15_000,
                      justification="Scaling test attached: 92% efficiency on 8 GPUs, "
                                    "so 15,000 GPU-hours are enough."))
    req.refresh_from_db()
    assert (req.status, req.requested_gpu_hours) == ("submitted", 15_000)
    assert "resubmitted" in mail.outbox[0].subject

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        review(req, world.reviewer, "approve", gpu_hours=12_000, comment="12,000 for a start.")
    req.refresh_from_db()
    assert req.status == "approved"
    allocation = Allocation.objects.get(request=req)
    assert allocation.granted_gpu_hours == 12_000
    assert allocation.pool == req.pool
    assert allocation.project == world.project
    assert (allocation.start, allocation.end) == (TODAY, date(2026, 12, 14))  # 3 months
    # The submitter (org admin resubmitted, lead submitted) and the lead are told.
    assert sorted(m.to[0] for m in mail.outbox) == [world.project_lead.email]
    assert "12,000 GPU-hours are granted" in mail.outbox[0].body

    history = list(ReviewEvent.objects.filter(request=req).order_by("at", "id"))
    assert [(e.decision, e.gpu_hours, e.actor_label) for e in history] == [
        ("submitted", 20_000, world.project_lead.email),
        ("changes_requested", None, world.reviewer.email),
        ("resubmitted", 15_000, world.org_admin.email),
        ("approved", 12_000, world.reviewer.email),
    ]
    assert history[1].comment == "Show the scaling test on 8 GPUs."
    actions = list(AuditEntry.objects.filter(action__startswith="allocation_request.")
                   .values_list("action", flat=True))
    assert actions == ["allocation_request.submitted", "allocation_request.changes_requested",
                       "allocation_request.resubmitted", "allocation_request.approved"]
    approved = AuditEntry.objects.get(action="allocation_request.approved")
    assert approved.organisation_id_ref == world.org.pk
    assert approved.detail["granted"] == 12_000
    result = audit_verify()
    assert result.ok, result.problems


def test_reject_and_withdraw_close_the_request(world: World) -> None:
    rejected = submit(world.project, world.project_lead)
    review(rejected, world.reviewer, "reject", comment="Not an AI workload.")
    rejected.refresh_from_db()
    assert rejected.status == "rejected"
    with pytest.raises(Conflict, match="not awaiting review"):
        review(rejected, world.reviewer, "approve")
    with pytest.raises(Conflict, match="only an open request"):
        services.allocation_request_withdraw(access=access_for(world.project_lead),
                                             actor=Actor.of(world.project_lead),
                                             request_id=rejected.pk)
    withdrawn = submit(world.project, world.project_lead)
    services.allocation_request_withdraw(access=access_for(world.org_admin),
                                         actor=Actor.of(world.org_admin), request_id=withdrawn.pk)
    withdrawn.refresh_from_db()
    assert withdrawn.status == "withdrawn"
    with pytest.raises(Conflict):
        review(withdrawn, world.reviewer, "approve")
    with pytest.raises(Conflict, match="changes can be resubmitted"):
        services.allocation_request_resubmit(access=access_for(world.project_lead),
                                             actor=Actor.of(world.project_lead),
                                             request_id=withdrawn.pk, data=data())
    assert not Allocation.objects.exists()


@pytest.mark.parametrize(("decision", "hours", "comment", "field"), [
    ("reject", None, "", "comment"),
    ("request_changes", None, "  ", "comment"),
    ("approve", 20_001, "", "gpu_hours"),
    ("approve", 0, "", "gpu_hours"),
    ("maybe", None, "", "decision"),
])
def test_review_input_is_checked(world: World, decision: str, hours: int | None, comment: str,
                                 field: str) -> None:
    req = submit(world.project, world.project_lead)
    with pytest.raises(DomainError) as caught:
        review(req, world.reviewer, decision, gpu_hours=hours, comment=comment)
    assert caught.value.field == field
    req.refresh_from_db()
    assert req.status == "submitted"


def test_who_may_submit_review_and_withdraw(world: World) -> None:
    with pytest.raises(NotFound):  # not in the project
        submit(world.project, world.member)
    with pytest.raises(NotFound):
        submit(world.project, world.other_member)
    with pytest.raises(NotFound):
        submit(world.project, world.trainer)
    for person in (world.operator, world.reviewer, world.auditor):
        with pytest.raises(PermissionDenied):  # staff see client projects but manage none
            submit(world.project, person)
    req = submit(world.project, world.project_lead)
    assert req.submitted_by == world.project_lead
    for person in (world.project_lead, world.org_admin, world.operator, world.auditor):
        with pytest.raises(PermissionDenied):
            review(req, person, "approve")
    for person in (world.other_member, world.member, world.trainer):
        with pytest.raises(NotFound):
            review(req, person, "approve")
    for person in (world.reviewer, world.operator):
        with pytest.raises(PermissionDenied):
            services.allocation_request_withdraw(access=access_for(person), actor=Actor.of(person),
                                                 request_id=req.pk)
    with pytest.raises(NotFound):
        services.allocation_request_withdraw(access=access_for(world.other_member),
                                             actor=Actor.of(world.other_member), request_id=req.pk)


@pytest.mark.parametrize(("changes", "field"), [
    ({"title": "   "}, "title"),
    ({"access_type": "gigafactory"}, "access_type"),
    ({"requested_gpu_hours": 50_001}, "requested_gpu_hours"),  # fast lane: up to 50,000
    ({"requested_gpu_hours": 0}, "requested_gpu_hours"),
    ({"justification": "GPUs please"}, "justification"),
    ({"expected_outputs": ""}, "expected_outputs"),
    ({"data_sensitivity": "secret"}, "data_sensitivity"),
])
def test_submit_input_is_checked(world: World, changes: dict[str, Any], field: str) -> None:
    with pytest.raises(DomainError) as caught:
        submit(world.project, world.project_lead, **changes)
    assert caught.value.field == field
    assert not AllocationRequest.objects.exists()


def test_access_type_limit_is_the_catalogue_s(world: World) -> None:
    req = submit(world.project, world.project_lead, access_type="large_scale",
                 requested_gpu_hours=500_000)
    assert req.requested_gpu_hours == 500_000
    with pytest.raises(DomainError, match="1 to 5,000 GPU-hours"):
        submit(world.project, world.project_lead, access_type="development",
               requested_gpu_hours=5_001)


def test_next_period(world: World) -> None:
    req = submit(world.project, world.project_lead, period="next")
    assert (req.period.start, req.period.end) == (date(2027, 1, 1), date(2027, 6, 30))
    allocation_req = review(req, world.reviewer, "approve")
    allocation = Allocation.objects.get(request=allocation_req)
    assert allocation.start == date(2027, 1, 1)  # not before its period
    assert allocation.end == date(2027, 3, 31)
    with pytest.raises(DomainError):
        submit(world.project, world.project_lead, period="someday")


def test_a_request_of_an_ended_period_cannot_be_approved(world: World) -> None:
    req = submit(world.project, world.project_lead)
    with pytest.raises(Conflict, match="ended on 31 December 2026"):
        review(req, world.reviewer, "approve", today=date(2027, 1, 2))


# ------------------------------------------------------------------ capacity


def test_over_capacity_grant_is_refused_with_the_figures(world: World) -> None:
    first = submit(world.project, world.project_lead, requested_gpu_hours=1_000)
    second = submit(world.project, world.project_lead, requested_gpu_hours=300)
    set_capacity(first, 1_000)  # can grant 1,200
    review(first, world.reviewer, "approve")
    with pytest.raises(Conflict) as caught:
        review(second, world.reviewer, "approve")
    message = caught.value.message
    assert caught.value.field == "gpu_hours"
    for words in ("national pool of 1 July 2026 to 31 December 2026", "capacity 1,000",
                  "overbooking 1.2", "= 1,200 GPU-hours", "already granted 1,000",
                  "requested 300", "only 200 are left"):
        assert words in message, (words, message)
    second.refresh_from_db()
    assert second.status == "submitted"
    # Approving fewer hours, within what is left, works.
    review(second, world.reviewer, "approve", gpu_hours=200)
    assert sum(Allocation.objects.values_list("granted_gpu_hours", flat=True)) == 1_200


def test_the_refusal_is_in_the_reviewer_s_language(world: World) -> None:
    from django.utils import translation

    req = submit(world.project, world.project_lead, requested_gpu_hours=5_000)
    set_capacity(req, 1_000, "1.5")
    with translation.override("fr"), pytest.raises(Conflict) as caught:
        review(req, world.reviewer, "approve")
    message = caught.value.message
    assert "1\u00a0500" in message or "1 500" in message, message
    assert "1,5" in message


def test_capacity_of_a_pool_is_per_pool(world: World) -> None:
    """Grants of the EuroHPC pool and of another period do not count against this pool."""
    req = submit(world.project, world.project_lead, requested_gpu_hours=1_000)
    set_capacity(req, 1_000)
    other = submit(world.project, world.project_lead, requested_gpu_hours=1_000, period="next")
    set_capacity(other, 1_000)
    review(other, world.reviewer, "approve")
    review(req, world.reviewer, "approve")
    assert Allocation.objects.count() == 2


# ------------------------------------------------------------------ periods and pools


def test_periods_and_pools_come_from_the_policy(db: None) -> None:
    period = services.allocation_period_ensure(day=date(2026, 3, 10))
    assert (period.start, period.end, period.total_gpus) == (date(2026, 1, 1),
                                                             date(2026, 6, 30), 2100)
    pools = {p.kind: p for p in Pool.objects.filter(period=period)}
    assert set(pools) == {"national", "eurohpc"}
    assert pools["national"].capacity_gpu_hours == 2100 * 181 * 24 // 2 == 4_561_200
    assert pools["eurohpc"].capacity_gpu_hours == 4_561_200
    assert pools["national"].overbooking_factor == Decimal("1.20")
    assert pools["national"].share_percent == 50
    assert services.allocation_period_ensure(day=date(2026, 6, 30)) == period
    assert AllocationPeriod.objects.count() == 1
    assert AuditEntry.objects.filter(action="allocation_period.created").count() == 1


def test_a_changed_policy_applies_from_the_next_period(settings: Any, db: None) -> None:
    from laif.catalogue.cluster import with_policy

    first = services.allocation_period_ensure(day=date(2026, 2, 1))  # Jan-Jun under 6 months
    settings.LAIF_CLUSTER = with_policy(settings.LAIF_CLUSTER, period_months=12,
                                        national_percent=70, overbooking_factor=Decimal("1.5"))
    second = services.allocation_period_ensure(day=date(2026, 8, 1))
    # A 12-month period would be 2026-01-01..2026-12-31: trimmed to start after the first.
    assert (second.start, second.end) == (date(2026, 7, 1), date(2026, 12, 31))
    national = Pool.objects.get(period=second, kind="national")
    assert national.share_percent == 70
    assert national.overbooking_factor == Decimal("1.50")
    assert Pool.objects.get(period=first, kind="national").overbooking_factor == Decimal("1.20")
    third = services.allocation_period_ensure(day=date(2027, 5, 1))
    assert (third.start, third.end) == (date(2027, 1, 1), date(2027, 12, 31))


def test_a_small_test_cluster_gives_small_pools(settings: Any, db: None) -> None:
    from dataclasses import replace

    from laif.catalogue.cluster import Partition

    cluster = settings.LAIF_CLUSTER
    settings.LAIF_CLUSTER = replace(cluster, partitions=(Partition(
        name="debug", purpose="tests", nodes=1, gpus_per_node=8, gpu_model="fake",
        gpu_memory_gb=1, max_walltime_hours=1, announced=False),))
    pool = pool_of(date(2026, 2, 1))
    assert pool.capacity_gpu_hours == 8 * 181 * 24 // 2


def test_mail_failure_does_not_undo_the_action(
        world: World, settings: Any, django_capture_on_commit_callbacks: Capture,
        caplog: pytest.LogCaptureFixture) -> None:
    settings.EMAIL_BACKEND = "tests.compute.test_workflow.BrokenBackend"
    with django_capture_on_commit_callbacks(execute=True):
        req = submit(world.project, world.project_lead)
    assert AllocationRequest.objects.get(pk=req.pk).status == "submitted"
    assert "could not send" in caplog.text


class BrokenBackend:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def send_messages(self, messages: Any) -> int:
        raise OSError("mail server down")

    def open(self) -> bool:
        return True

    def close(self) -> None:
        pass


def test_notices_are_in_each_recipient_s_language(
        world: World, django_capture_on_commit_callbacks: Capture) -> None:
    world.project_lead.language = "fr"
    world.project_lead.save()
    second = staff("reviewer")
    req = submit(world.project, world.project_lead)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        review(req, second, "reject", comment="Hors du champ de l'IA.")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [world.project_lead.email]
    assert "rejet" in mail.outbox[0].subject.lower(), mail.outbox[0].subject


def test_project_of_another_organisation_is_never_mixed_in(world: World) -> None:
    other_lead = world.other_member  # admin of Globex, lead of its project
    req = submit(world.other_project, other_lead)
    assert req.project.organisation == world.other_org
    project = create_project(world.org, "Second line")
    mine = submit(project, world.org_admin)
    assert mine.project.organisation == world.org
