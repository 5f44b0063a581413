"""``laif courses`` and ``laif experts`` against the API: the catalogue, enrolling onto a full
session's waitlist, the offer accepted from the terminal, verifying a certificate (exit 3 once
revoked), and a French need matched and an introduction asked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.train import services
from laif.train.models import Course, Enrolment, TrainingSession
from tests.api_support import token_for
from tests.cli_support import run_cli
from tests.factories import World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")  # rich wraps tables at the terminal's width


def test_courses_from_the_terminal(world: World) -> None:
    w = world
    services.courses_sync_from_catalogue()
    course = Course.objects.get(key="gpu-optimisation")
    start = timezone.now() + timedelta(days=4)
    t = services.session_create(access=access_for(w.trainer), actor=Actor.of(w.trainer),
                                course_id=course.pk, starts_at=start,
                                ends_at=start + timedelta(hours=6), place="Bissen", capacity=1)
    lead, member = token_for(w.project_lead), token_for(w.member)
    listed = run_cli(["courses", "list", "--audience", "technical"], member)
    assert listed.exit_code == 0, listed.output
    assert "Optimising models for the GPU" in listed.output
    assert "1/1" in run_cli(["courses", "show", str(course.pk)], member).output
    assert "Confirmed" in run_cli(["courses", "enrol", str(t.pk), "--org", str(w.org.pk)],
                                  lead).output
    waiting = run_cli(["courses", "enrol", str(t.pk), "--org", str(w.org.pk)], member)
    assert "On the waitlist, number 1" in waiting.output
    seat = Enrolment.objects.get(session=t, person=w.project_lead)
    assert "Cancelled" in run_cli(["courses", "cancel", str(seat.pk)], lead).output
    mine = run_cli(["courses", "mine"], member)
    assert "Seat offered" in mine.output
    offered = Enrolment.objects.get(session=t, person=w.member)
    assert "Confirmed" in run_cli(["courses", "accept", str(offered.pk)], member).output
    # someone else's enrolment: not found, said clearly, non-zero exit
    refused = run_cli(["courses", "accept", str(offered.pk)], lead)
    assert refused.exit_code != 0

    begun = timezone.now() - timedelta(days=1, hours=7)
    TrainingSession.objects.filter(pk=t.pk).update(starts_at=begun,
                                                   ends_at=begun + timedelta(hours=6))
    [cert] = services.attendance_record(access=access_for(w.trainer), actor=Actor.of(w.trainer),
                                        session_id=t.pk, marks={offered.pk: 100})
    assert cert.uid in run_cli(["courses", "certificates"], member).output
    ok = run_cli(["courses", "verify", cert.uid], lead)
    assert ok.exit_code == 0
    assert "valid" in ok.output
    services.certificate_revoke(access=access_for(w.trainer), actor=Actor.of(w.trainer),
                                uid=cert.uid, reason="error")
    revoked = run_cli(["courses", "verify", cert.uid], lead)
    assert revoked.exit_code == 3
    assert "REVOKED" in revoked.output


def test_experts_from_the_terminal(world: World) -> None:
    w = world
    token = token_for(w.member)
    found = run_cli(["experts", "match", "Nous voulons prévoir les pannes de nos presses à "
                     "partir des vibrations.", "--sector", "manufacturing"], token)
    assert found.exit_code == 0, found.output
    assert "read as fr" in found.output
    assert "list_industrial_ai" in found.output
    asked = run_cli(["experts", "introduce", "list_industrial_ai", "--org", str(w.org.pk),
                     "--need", "Predictive maintenance of presses."], token)
    assert "requested" in asked.output
    listed = run_cli(["experts", "introductions", "--org", str(w.org.pk)], token)
    assert "LIST — industrial AI" in listed.output
    assert "requested" in listed.output
