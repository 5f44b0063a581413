"""Upskill & Train in the API tenancy matrix (tests/test_tenancy_matrix.py): the catalogue, its
sessions and a certificate's verification are public; company users enrol (in their own
organisation) and answer their own offers; the organisation's admin may decline or cancel for
a member but not accept for them; trainers run courses, sessions, attendance and revocations;
the year's summary is for staff; recommendations follow the organisation's tenancy."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils import timezone

from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.train import services
from laif.train.models import Certificate, Course, Enrolment, TrainingSession
from tests.factories import World

_R = ("anonymous", "other_member", "member", "project_lead", "org_admin", "operator",
      "reviewer", "trainer", "auditor")


def _row(*codes: int) -> dict[str, int]:
    return dict(zip(_R, codes, strict=True))


_PUBLIC = _row(*(200,) * 9)
_LOGGED_IN = _row(401, *(200,) * 8)
_TRAINER = _row(401, 403, 403, 403, 403, 403, 403, 200, 403)

TRAIN_MATRIX: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/api/courses"): _PUBLIC,
    ("GET", "/api/courses/{course_id}"): _PUBLIC,
    ("GET", "/api/training-sessions/{session_id}"): _PUBLIC,
    ("GET", "/api/certificates/{uid}/verification"): _PUBLIC,
    # enrolling in Acme: its members (staff are no company users)
    ("POST", "/api/training-sessions/{session_id}/enrolments"): _row(
        401, 403, 201, 201, 201, 403, 403, 403, 403),
    ("GET", "/api/me/enrolments"): _LOGGED_IN,
    ("GET", "/api/me/certificates"): _LOGGED_IN,
    # the member's offer: theirs to accept; their admin may decline or cancel it for them
    ("POST", "/api/enrolments/{enrolment_id}/accept"): _row(
        401, 404, 200, 404, 403, 404, 404, 404, 404),
    ("POST", "/api/enrolments/{enrolment_id}/decline"): _row(
        401, 404, 200, 404, 200, 404, 404, 404, 404),
    ("POST", "/api/enrolments/{enrolment_id}/cancel"): _row(
        401, 404, 200, 404, 200, 404, 404, 404, 404),
    ("GET", "/api/organisations/{org_id}/course-recommendations"): _row(
        401, 404, 200, 200, 200, 200, 200, 404, 200),
    ("POST", "/api/courses"): {**_TRAINER, "trainer": 201},
    ("PUT", "/api/courses/{course_id}"): _TRAINER,
    ("POST", "/api/courses/{course_id}/sessions"): {**_TRAINER, "trainer": 201},
    ("PUT", "/api/training-sessions/{session_id}"): _TRAINER,
    ("POST", "/api/training-sessions/{session_id}/cancel"): _TRAINER,
    ("GET", "/api/training-sessions/{session_id}/roster"): _row(
        401, 404, 404, 404, 404, 404, 404, 200, 404),
    ("POST", "/api/training-sessions/{session_id}/attendance"): _TRAINER,
    ("POST", "/api/certificates/{uid}/revocation"): _TRAINER,
    ("GET", "/api/training/summary"): _row(401, 404, 404, 404, 404, 200, 200, 200, 200),
}

_COURSE = {"title_en": "Edge AI on small devices", "title_fr": "L'IA embarquée",
           "summary_en": "Quantised models on microcontrollers.",
           "summary_fr": "Des modèles quantifiés sur microcontrôleurs.",
           "audience": "technical", "level": "intermediate", "language": "en",
           "format": "online", "provider": "list", "duration_hours": 6,
           "dimensions": ["infrastructure"]}


def _when(days: int) -> dict[str, str]:
    start = timezone.now() + timedelta(days=days)
    return {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=4)).isoformat()}


TRAIN_BODIES: dict[tuple[str, str], Callable[[Any], dict[str, Any]]] = {
    ("POST", "/api/training-sessions/{session_id}/enrolments"): lambda mw: {
        "organisation_id": mw.w.org.pk},
    ("POST", "/api/courses"): lambda mw: {**_COURSE, "key": "edge-ai"},
    ("PUT", "/api/courses/{course_id}"): lambda mw: {**_COURSE, "duration_hours": 8},
    ("POST", "/api/courses/{course_id}/sessions"): lambda mw: {
        **_when(40), "place": "online", "capacity": 10},
    ("PUT", "/api/training-sessions/{session_id}"): lambda mw: {
        **_when(30), "place": "Belval", "capacity": 12},
    ("POST", "/api/training-sessions/{session_id}/attendance"): lambda mw: {
        "marks": [{"enrolment_id": Enrolment.objects.get(session__place="Past hall").pk,
                   "percent": 90}]},
    ("POST", "/api/certificates/{uid}/revocation"): lambda mw: {"reason": "issued by mistake"},
}


def build_train(w: World) -> None:
    """An open session (nobody enrolled), one where the lead holds the seat and the member was
    offered the second, and one that took place yesterday: the lead attended (a certificate), a
    member of Globex too (their enrolment, yet to be marked)."""
    services.courses_sync_from_catalogue()
    trainer = access_for(w.trainer), Actor.of(w.trainer)
    course = Course.objects.get(key="gpu-optimisation")

    def make(days: int, place: str, seats: int) -> TrainingSession:
        start = timezone.now() + timedelta(days=days)
        return services.session_create(access=trainer[0], actor=trainer[1], course_id=course.pk,
                                       starts_at=start, ends_at=start + timedelta(hours=7),
                                       place=place, capacity=seats)

    make(20, "Open hall", 10)
    offered = make(10, "Offer hall", 1)
    for user in (w.project_lead, w.member):
        services.enrolment_create(access=access_for(user), actor=Actor.of(user),
                                  session_id=offered.pk, organisation_id=w.org.pk)
    services.session_update(access=trainer[0], actor=trainer[1], session_id=offered.pk,
                            starts_at=offered.starts_at, ends_at=offered.ends_at,
                            place=offered.place, capacity=2)
    past = make(5, "Past hall", 5)
    lead = services.enrolment_create(access=access_for(w.project_lead),
                                     actor=Actor.of(w.project_lead), session_id=past.pk,
                                     organisation_id=w.org.pk)
    start = timezone.now() - timedelta(days=1, hours=8)
    TrainingSession.objects.filter(pk=past.pk).update(starts_at=start,
                                                      ends_at=start + timedelta(hours=7))
    services.attendance_record(access=trainer[0], actor=trainer[1], session_id=past.pk,
                               marks={lead.pk: 100})


def train_path_ids(path: str) -> dict[str, int | str]:
    if "{course_id}" in path:
        return {"course_id": Course.objects.get(key="gpu-optimisation").pk}
    if "{session_id}" in path:
        place = "Past hall" if path.endswith("/attendance") else "Open hall"
        return {"session_id": TrainingSession.objects.get(place=place).pk}
    if "{enrolment_id}" in path:
        return {"enrolment_id": Enrolment.objects.get(status="offered").pk}
    if "{uid}" in path:
        return {"uid": Certificate.objects.get().uid}
    return {}
