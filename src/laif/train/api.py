"""REST endpoints of Upskill & Train: the catalogue and its sessions (public), enrolments and the
waitlist's offers (company users), certificates and their public verification, the courses a
maturity check recommends, and the trainers' side (courses, sessions, attendance, revocation,
the year against the target)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from ninja import Query, Router, Schema, Status

from laif.accounts.errors import NotFound
from laif.accounts.requestinfo import access_of, actor_of
from laif.config.apitypes import Id, Name
from laif.train import documents, selectors, services
from laif.train import schemas as s
from laif.train.models import Certificate, Course, Enrolment, EnrolmentStatus, TrainingSession

router = Router(tags=["Upskill & Train"])


def _lang() -> str:
    return (get_language() or "en")[:2]


def _course(c: Course) -> s.CourseOut:
    lang = _lang()
    return s.CourseOut(
        id=c.pk, key=c.key, title=c.title_in(lang), title_en=c.title_en, title_fr=c.title_fr,
        summary=c.summary_in(lang), prerequisites=c.prerequisites_in(lang), audience=c.audience,
        level=c.level, language=c.language, format=c.format, provider=c.provider,
        provider_name=selectors.catalogue().label("providers", c.provider, lang),
        duration_hours=c.duration_hours, dimensions=list(c.dimensions), active=c.active,
        upcoming_sessions=int(getattr(c, "upcoming", 0)))


def _session(t: TrainingSession) -> s.SessionOut:
    return s.SessionOut(
        id=t.pk, course_id=t.course_id, course=t.course.title_in(_lang()), starts_at=t.starts_at,
        ends_at=t.ends_at, place=t.place, seats=t.capacity,
        seats_free=selectors.free_seats(t) if hasattr(t, "held") else 0,
        waiting=int(getattr(t, "waiting", 0)), offer_hours=t.offer_hours,
        cancelled=t.cancelled_at is not None,
        calendar_url=reverse("train_session_ics", kwargs={"session_id": t.pk}))


def _enrolment(e: Enrolment, position: int | None = None) -> s.EnrolmentOut:
    cert = getattr(e, "certificate", None)  # none issued: Django raises an AttributeError
    return s.EnrolmentOut(
        id=e.pk, session_id=e.session_id, course=e.session.course.title_in(_lang()),
        starts_at=e.session.starts_at, person_id=e.person_id,
        person=e.person.get_full_name() or e.person.email, organisation_id=e.organisation_id,
        status=e.status, status_label=str(EnrolmentStatus(e.status).label),
        waitlist_position=position,
        offer_expires_at=e.offer_expires_at if e.status == EnrolmentStatus.OFFERED else None,
        attendance_percent=e.attendance_percent, certificate=cert.uid if cert else None)


def _certificate(c: Certificate) -> s.CertificateOut:
    return s.CertificateOut(
        uid=c.uid, holder=c.holder_name, course=c.title_in(_lang()), provider=c.provider,
        hours=c.hours, start=c.session_start, end=c.session_end, issued_at=c.issued_at,
        valid=c.revoked_at is None, revoked_at=c.revoked_at,
        verification_url=documents.verification_url(c.uid))


def _course_data(data: s.CourseIn) -> services.CourseData:
    return services.CourseData(
        title_en=data.title_en, title_fr=data.title_fr, summary_en=data.summary_en,
        summary_fr=data.summary_fr, prerequisites_en=data.prerequisites_en,
        prerequisites_fr=data.prerequisites_fr, audience=data.audience, level=data.level,
        language=data.language, format=data.format, provider=data.provider,
        duration_hours=data.duration_hours, dimensions=tuple(data.dimensions),
        active=data.active)


class CourseQuery(Schema):
    audience: s.Key | None = None
    level: s.Key | None = None
    language: s.Key | None = None
    format: s.Key | None = None
    q: s.Prerequisites | None = None


# ------------------------------------------------------------------------------ public


@router.get("/courses", auth=None, response=list[s.CourseOut], summary="The course catalogue")
def courses(request: HttpRequest, filters: Query[CourseQuery]) -> list[s.CourseOut]:
    f = selectors.CourseFilter(audience=filters.audience or "", level=filters.level or "",
                               language=filters.language or "", format=filters.format or "",
                               q=filters.q or "", language_of_page=_lang())
    return [_course(c) for c in selectors.courses(access_of(request), f)[:selectors.MAX_LIST]]


@router.get("/courses/{course_id}", auth=None, response=s.CourseDetailOut,
            summary="A course with its coming sessions")
def course(request: HttpRequest, course_id: Id) -> s.CourseDetailOut:
    c = selectors.course_get(access_of(request), course_id)
    return s.CourseDetailOut(**_course(c).dict(),
                             sessions=[_session(t) for t in selectors.sessions_of(c.pk)])


@router.get("/training-sessions/{session_id}", auth=None, response=s.SessionOut,
            summary="A session: its dates, place and seats")
def session(request: HttpRequest, session_id: Id) -> s.SessionOut:
    return _session(selectors.session_get(access_of(request), session_id))


@router.get("/certificates/{uid}/verification", auth=None, response=s.VerificationOut,
            summary="Whether a certificate is valid (public: what its QR code opens)")
def verification(request: HttpRequest, uid: Name) -> s.VerificationOut:
    c = selectors.certificate_public(uid)
    if c is None:
        raise NotFound("No certificate has this identifier.")
    return s.VerificationOut(uid=c.uid, valid=c.revoked_at is None, holder=c.holder_name,
                             course=c.title_in(_lang()), provider=c.provider,
                             start=c.session_start, end=c.session_end, issued_at=c.issued_at,
                             revoked_at=c.revoked_at)


# ------------------------------------------------------------------------------ company users


@router.post("/training-sessions/{session_id}/enrolments", response={201: s.EnrolmentOut},
             summary="Enrol yourself or a colleague (a seat, or the waitlist when it is full)")
def enrol(request: HttpRequest, session_id: Id, data: s.EnrolIn) -> Status[Any]:
    access = access_of(request)
    e = services.enrolment_create(access=access, actor=actor_of(request), session_id=session_id,
                                  organisation_id=data.organisation_id, person_id=data.person_id)
    mine = selectors.my_enrolment(access, session_id) if e.person_id == access.user_id else None
    return Status(201, _enrolment(selectors.enrolment_get(access, e.pk),
                                  mine.position if mine else None))


@router.get("/me/enrolments", response=list[s.EnrolmentOut],
            summary="Your enrolments and those you made for colleagues")
def my_enrolments(request: HttpRequest) -> list[s.EnrolmentOut]:
    access = access_of(request)
    out = []
    for e in selectors.enrolments_of(access):
        mine = selectors.my_enrolment(access, e.session_id) \
            if e.status == EnrolmentStatus.WAITLISTED and e.person_id == access.user_id else None
        out.append(_enrolment(e, mine.position if mine else None))
    return out


def _decided(request: HttpRequest, enrolment_id: int, act: Any) -> s.EnrolmentOut:
    access = access_of(request)
    act(access=access, actor=actor_of(request), enrolment_id=enrolment_id)
    return _enrolment(selectors.enrolment_get(access, enrolment_id))


@router.post("/enrolments/{enrolment_id}/accept", response=s.EnrolmentOut,
             summary="Take the seat you are offered, before its deadline")
def accept(request: HttpRequest, enrolment_id: Id) -> s.EnrolmentOut:
    return _decided(request, enrolment_id, services.enrolment_accept)


@router.post("/enrolments/{enrolment_id}/decline", response=s.EnrolmentOut,
             summary="Decline the seat you are offered (it passes to the next person)")
def decline(request: HttpRequest, enrolment_id: Id) -> s.EnrolmentOut:
    return _decided(request, enrolment_id, services.enrolment_decline)


@router.post("/enrolments/{enrolment_id}/cancel", response=s.EnrolmentOut,
             summary="Leave a session or its waitlist")
def cancel(request: HttpRequest, enrolment_id: Id) -> s.EnrolmentOut:
    return _decided(request, enrolment_id, services.enrolment_cancel)


@router.get("/me/certificates", response=list[s.CertificateOut], summary="Your certificates")
def my_certificates(request: HttpRequest) -> list[s.CertificateOut]:
    return [_certificate(c) for c in selectors.certificates_of(access_of(request))]


@router.get("/organisations/{org_id}/course-recommendations", response=s.RecommendationOut,
            summary="Courses for the weakest dimensions of the organisation's latest maturity "
            "check")
def recommendations(request: HttpRequest, org_id: Id) -> s.RecommendationOut:
    r = selectors.recommended(access_of(request), org_id, _lang())
    return s.RecommendationOut(
        assessed_at=r.assessed_at,
        weakest=[s.WeakDimension(dimension=k, label=label, score=v) for k, label, v in r.dimensions],
        courses=[_course(c) for c in r.courses])


# ------------------------------------------------------------------------------ trainers


@router.post("/courses", response={201: s.CourseOut}, summary="Add a course (trainers)")
def course_create(request: HttpRequest, data: s.CourseCreateIn) -> Status[Any]:
    c = services.course_create(access=access_of(request), actor=actor_of(request), key=data.key,
                               data=_course_data(data))
    return Status(201, _course(c))


@router.put("/courses/{course_id}", response=s.CourseOut, summary="Edit a course (trainers)")
def course_update(request: HttpRequest, course_id: Id, data: s.CourseIn) -> s.CourseOut:
    return _course(services.course_update(access=access_of(request), actor=actor_of(request),
                                          course_id=course_id, data=_course_data(data)))


@router.post("/courses/{course_id}/sessions", response={201: s.SessionOut},
             summary="Schedule a session (trainers)")
def session_create(request: HttpRequest, course_id: Id, data: s.SessionIn) -> Status[Any]:
    access = access_of(request)
    t = services.session_create(access=access, actor=actor_of(request), course_id=course_id,
                                starts_at=data.starts_at, ends_at=data.ends_at, place=data.place,
                                capacity=data.capacity, offer_hours=data.offer_hours)
    return Status(201, _session(selectors.session_get(access, t.pk)))


@router.put("/training-sessions/{session_id}", response=s.SessionOut,
            summary="Move a session or change its seats (more seats go to the waitlist)")
def session_update(request: HttpRequest, session_id: Id, data: s.SessionUpdateIn) -> s.SessionOut:
    access = access_of(request)
    services.session_update(access=access, actor=actor_of(request), session_id=session_id,
                            starts_at=data.starts_at, ends_at=data.ends_at, place=data.place,
                            capacity=data.capacity)
    return _session(selectors.session_get(access, session_id))


@router.post("/training-sessions/{session_id}/cancel", response=s.SessionOut,
             summary="Cancel a session (everyone enrolled is told)")
def session_cancel(request: HttpRequest, session_id: Id) -> s.SessionOut:
    access = access_of(request)
    services.session_cancel(access=access, actor=actor_of(request), session_id=session_id)
    return _session(selectors.session_get(access, session_id))


@router.get("/training-sessions/{session_id}/roster", response=list[s.EnrolmentOut],
            summary="Everyone enrolled, in the waitlist's order (trainers)")
def roster(request: HttpRequest, session_id: Id) -> list[s.EnrolmentOut]:
    access = access_of(request)
    selectors.session_get(access, session_id)
    return [_enrolment(e) for e in selectors.roster(access, session_id)]


@router.post("/training-sessions/{session_id}/attendance", response=list[s.CertificateOut],
             summary="Record attendance once the session has ended; certificates are issued "
             "at or above the threshold")
def attendance(request: HttpRequest, session_id: Id, data: s.AttendanceIn) -> list[s.CertificateOut]:
    issued = services.attendance_record(
        access=access_of(request), actor=actor_of(request), session_id=session_id,
        marks={m.enrolment_id: m.percent for m in data.marks})
    return [_certificate(c) for c in issued]


@router.post("/certificates/{uid}/revocation", response=s.CertificateOut,
             summary="Revoke a certificate (trainers); its verification page then says so")
def revoke(request: HttpRequest, uid: Name, data: s.RevokeIn) -> s.CertificateOut:
    return _certificate(services.certificate_revoke(
        access=access_of(request), actor=actor_of(request), uid=uid, reason=data.reason))


@router.get("/training/summary", response=s.SummaryOut,
            summary="The year's delivered sessions against the factory's target (staff)")
def summary(request: HttpRequest, year: s.Year | None = None) -> s.SummaryOut:
    y = selectors.year_summary(access_of(request), year or timezone.localdate().year)
    cat, lang = selectors.catalogue(), _lang()
    return s.SummaryOut(
        year=y.year, delivered=y.delivered, scheduled=y.scheduled, participants=y.participants,
        attended=y.attended, attendance_percent=y.attendance_percent, certificates=y.certificates,
        monthly=list(y.monthly), target_low=y.target_low, target_high=y.target_high,
        target_verified=y.target_verified, target_source=y.target_source,
        by_audience=[s.Breakdown(key=k, label=cat.label("audiences", k, lang), sessions=n,
                                 participants=p) for k, n, p in y.by_audience],
        by_language=[s.Breakdown(key=k, label=cat.label("languages", k, lang), sessions=n,
                                 participants=p) for k, n, p in y.by_language])
