"""Demo data of Upskill & Train: the catalogue's courses, the year's delivered sessions with
their attendance and certificates (the demo's lead holds one), and sessions to come, one of
them full with Acme's admin on its waitlist; idempotent, refused in production as every demo
loader."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from laif.accounts.access import access_for
from laif.accounts.audit import SYSTEM, Actor
from laif.accounts.selectors import organisations_for, user_by_email
from laif.train import services
from laif.train.models import Course, Enrolment, EnrolmentStatus, TrainingSession

PLACES = ("LuxProvide, Bissen", "Technoport, Esch-sur-Alzette", "House of Training, Luxembourg",
          "online")
PEOPLE = ("lead@acme.lu", "member@acme.lu", "admin@acme.lu", "admin@stellar.lu")


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, 0))


def train_demo_load() -> None:
    if settings.PRODUCTION:
        raise RuntimeError("demo data is refused in production (LAIF_ENV=production)")
    services.courses_sync_from_catalogue(actor=SYSTEM)
    if TrainingSession.objects.exists():
        return
    trainer = user_by_email("trainer@ai-factory.lu")
    staff = (access_for(trainer), Actor.of(trainer))
    people = [user_by_email(e) for e in PEOPLE]
    org_of = {p.pk: organisations_for(access_for(p)).first() for p in people}
    courses = list(Course.objects.order_by("key"))
    today = timezone.localdate()
    with transaction.atomic():
        # the year so far: about two sessions a month, each with some of the demo's people
        start = today.replace(month=1, day=8)
        n = 0
        day = start
        while day < today - timedelta(days=2):
            course = courses[n % len(courses)]
            hours = min(course.duration_hours, 8)
            t = services.session_create(access=staff[0], actor=staff[1], course_id=course.pk,
                                        starts_at=_at(day, 9), ends_at=_at(day, 9 + hours),
                                        place=PLACES[n % len(PLACES)], capacity=12)
            marks = {}
            for i, person in enumerate(people[:1 + n % 3]):
                org = org_of[person.pk]
                assert org is not None
                e = Enrolment.objects.create(
                    session=t, person=person, organisation=org, enrolled_by=person,
                    status=EnrolmentStatus.CONFIRMED, queued_at=t.starts_at - timedelta(days=20))
                marks[e.pk] = (100, 90, 70)[(n + i) % 3]
            services.attendance_record(access=staff[0], actor=staff[1], session_id=t.pk,
                                       marks=marks)
            n += 1
            day += timedelta(days=16)
        # to come: a full GPU course with Acme's admin waiting, and a few open ones
        by_key = {c.key: c for c in courses}
        soon = today + timedelta(days=10)
        full = services.session_create(
            access=staff[0], actor=staff[1], course_id=by_key["gpu-optimisation"].pk,
            starts_at=_at(soon, 9), ends_at=_at(soon + timedelta(days=1), 17),
            place="LuxProvide, Bissen", capacity=2)
        for email in ("lead@acme.lu", "member@acme.lu", "admin@acme.lu"):
            person = user_by_email(email)
            org = org_of[person.pk]
            assert org is not None
            services.enrolment_create(access=access_for(person), actor=Actor.of(person),
                                      session_id=full.pk, organisation_id=org.pk)
        for i, key in enumerate(("ai-for-leaders", "ia-dirigeants", "ai-translator",
                                 "llm-fine-tuning", "data-readiness", "ai-act-for-boards")):
            day = today + timedelta(days=18 + 9 * i)
            course = by_key[key]
            services.session_create(
                access=staff[0], actor=staff[1], course_id=course.pk, starts_at=_at(day, 9),
                ends_at=_at(day, 9 + min(course.duration_hours, 8)),
                place=PLACES[i % len(PLACES)], capacity=16)
