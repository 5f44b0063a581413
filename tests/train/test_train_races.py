"""Concurrency on PostgreSQL, two connections at once: two people taking the last seat (one
seat, the other waitlisted), a cancellation racing the background fill (one offer), and the
same "seat freed" event delivered twice at once (one offer)."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.train import services
from laif.train.models import Course, Enrolment, TrainingSession
from tests.concurrency import in_threads, needs_postgres
from tests.factories import make_world

pytestmark = [pytest.mark.postgres, needs_postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def slow_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Widen the window between reading the seats and writing the enrolment or offer."""
    counts = services._counts

    def slow(session: TrainingSession) -> Any:
        found = counts(session)
        time.sleep(0.4)
        return found

    monkeypatch.setattr(services, "_counts", slow)


def _session(trainer: Any, seats: int) -> TrainingSession:
    services.courses_sync_from_catalogue()
    start = timezone.now() + timedelta(days=5)
    return services.session_create(access=access_for(trainer), actor=Actor.of(trainer),
                                   course_id=Course.objects.get(key="ai-translator").pk,
                                   starts_at=start, ends_at=start + timedelta(hours=4),
                                   place="online", capacity=seats)


def test_two_people_take_the_last_seat_one_wins_the_other_waits(slow_counts: None) -> None:
    w = make_world()
    t = _session(w.trainer, seats=1)
    people = (w.member, w.project_lead)

    def take(i: int) -> str:
        return services.enrolment_create(access=access_for(people[i]), actor=Actor.of(people[i]),
                                         session_id=t.pk, organisation_id=w.org.pk).status

    assert sorted(in_threads(2, take)) == ["confirmed", "waitlisted"]
    assert Enrolment.objects.filter(session=t, status="confirmed").count() == 1


def test_a_cancellation_racing_the_fill_makes_one_offer(slow_counts: None) -> None:
    w = make_world()
    t = _session(w.trainer, seats=1)
    holder, *waiting = (services.enrolment_create(
        access=access_for(u), actor=Actor.of(u), session_id=t.pk, organisation_id=w.org.pk)
        for u in (w.member, w.project_lead, w.org_admin))

    def act(i: int) -> object:
        if i == 0:
            return services.enrolment_cancel(access=access_for(w.member),
                                             actor=Actor.of(w.member), enrolment_id=holder.pk)
        return services.session_fill(session_id=t.pk)

    in_threads(2, act)
    statuses = [Enrolment.objects.get(pk=e.pk).status for e in waiting]
    assert statuses == ["offered", "waitlisted"]


def test_a_seat_freed_event_delivered_twice_at_once_makes_one_offer(slow_counts: None) -> None:
    w = make_world()
    t = _session(w.trainer, seats=1)
    for u in (w.member, w.project_lead, w.org_admin):
        services.enrolment_create(access=access_for(u), actor=Actor.of(u), session_id=t.pk,
                                  organisation_id=w.org.pk)
    TrainingSession.objects.filter(pk=t.pk).update(capacity=2)
    made = in_threads(2, lambda i: len(services.session_fill(session_id=t.pk)))
    assert sorted(made) == [0, 1]
    assert Enrolment.objects.filter(session=t, status="offered").count() == 1
