"""Reads of Upskill & Train: the catalogue (public), a session with its seats and the reader's own
enrolment, the roster (trainers), a person's enrolments and certificates, a certificate's public
verification, the courses a maturity check recommends, and the year's sessions against the
factory's target."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from laif.accounts.access import Access
from laif.accounts.choices import StaffRoleName
from laif.accounts.errors import NotFound
from laif.assess import selectors as assess_selectors
from laif.catalogue.assess import load_questionnaire
from laif.catalogue.train import TrainCatalogue, load_train
from laif.train import seats
from laif.train.models import (
    HOLDS_SEAT,
    Certificate,
    Course,
    Enrolment,
    EnrolmentStatus,
    TrainingSession,
)

MAX_LIST = 200
WEAKEST = 2  # the dimensions a recommendation is drawn from


def is_trainer(access: Access) -> bool:
    return StaffRoleName.TRAINER in access.staff_roles


def catalogue() -> TrainCatalogue:
    return load_train()


@dataclass(frozen=True)
class CourseFilter:
    audience: str = ""
    level: str = ""
    language: str = ""
    format: str = ""
    q: str = ""
    language_of_page: str = "en"  # the titles are sorted in it


def courses(access: Access, filters: CourseFilter | None = None) -> QuerySet[Course]:
    """The catalogue (anyone); trainers also see the courses taken off it."""
    f = filters or CourseFilter()
    qs = Course.objects.all() if is_trainer(access) else Course.objects.filter(active=True)
    for field in ("audience", "level", "language", "format"):
        value = getattr(f, field)
        if value:
            qs = qs.filter(**{field: value})
    if f.q.strip():
        term = f.q.strip()
        qs = qs.filter(Q(title_en__icontains=term) | Q(title_fr__icontains=term)
                       | Q(summary_en__icontains=term) | Q(summary_fr__icontains=term))
    upcoming = Q(sessions__starts_at__gt=timezone.now(), sessions__cancelled_at__isnull=True)
    title = "title_fr" if f.language_of_page.startswith("fr") else "title_en"
    return qs.annotate(upcoming=Count("sessions", filter=upcoming)).order_by(title, "pk")


def course_get(access: Access, course_id: int) -> Course:
    course = Course.objects.filter(pk=course_id).first()
    if course is None or (not course.active and not is_trainer(access)):
        raise NotFound(_("Course not found."))
    return course


def _with_seats(qs: QuerySet[TrainingSession]) -> QuerySet[TrainingSession]:
    return qs.select_related("course").annotate(
        held=Count("enrolments", filter=Q(enrolments__status__in=HOLDS_SEAT)),
        waiting=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.WAITLISTED)))


def sessions_of(course_id: int, *, upcoming_only: bool = True) -> list[TrainingSession]:
    """A course's sessions with ``held`` and ``waiting`` counts, soonest first."""
    qs = TrainingSession.objects.filter(course_id=course_id)
    if upcoming_only:
        qs = qs.filter(ends_at__gt=timezone.now())
    return list(_with_seats(qs).order_by("starts_at", "pk")[:MAX_LIST])


def session_get(access: Access, session_id: int) -> TrainingSession:
    session = _with_seats(TrainingSession.objects.filter(pk=session_id)).first()
    if session is None or (not session.course.active and not is_trainer(access)):
        raise NotFound(_("Session not found."))
    return session


def free_seats(session: TrainingSession) -> int:
    return seats.free_seats(session.capacity, int(session.held))  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Mine:
    """The reader's enrolment in a session, with their place on the waitlist."""

    enrolment: Enrolment
    position: int | None  # 1 = next to be offered a seat


def my_enrolment(access: Access, session_id: int) -> Mine | None:
    if access.user_id is None:
        return None
    e = (Enrolment.objects.filter(session_id=session_id, person_id=access.user_id)
         .select_related("session").order_by("-queued_at", "-pk").first())
    if e is None:
        return None
    position = None
    if e.status == EnrolmentStatus.WAITLISTED:
        position = Enrolment.objects.filter(
            session_id=session_id, status=EnrolmentStatus.WAITLISTED).filter(
            Q(queued_at__lt=e.queued_at) | Q(queued_at=e.queued_at, pk__lt=e.pk)).count() + 1
    return Mine(e, position)


def roster(access: Access, session_id: int) -> list[Enrolment]:
    """Everyone enrolled in a session, in the waitlist's order (trainers)."""
    if not is_trainer(access):
        raise NotFound(_("Session not found."))
    return list(Enrolment.objects.filter(session_id=session_id)
                .select_related("person", "organisation", "certificate")
                .order_by("queued_at", "pk")[:2000])


def enrolments_of(access: Access) -> list[Enrolment]:
    """The reader's enrolments and those they made for colleagues, newest session first."""
    if access.user_id is None:
        return []
    return list(Enrolment.objects.filter(Q(person_id=access.user_id)
                                         | Q(enrolled_by_id=access.user_id))
                .select_related("session__course", "person", "certificate")
                .order_by("-session__starts_at", "-pk")[:MAX_LIST])


def enrolment_get(access: Access, enrolment_id: int) -> Enrolment:
    e = (Enrolment.objects.filter(pk=enrolment_id)
         .select_related("session__course", "person").first())
    if e is None or (access.user_id not in (e.person_id, e.enrolled_by_id)
                     and not access.is_org_admin(e.organisation_id) and not is_trainer(access)):
        raise NotFound(_("Enrolment not found."))
    return e


def certificates_of(access: Access) -> list[Certificate]:
    if access.user_id is None:
        return []
    return list(Certificate.objects.filter(enrolment__person_id=access.user_id)
                .order_by("-issued_at", "-pk")[:MAX_LIST])


def certificate_public(uid: str) -> Certificate | None:
    """A certificate by its identifier, for the public verification page (None: no such
    certificate; the page says so)."""
    canonical = seats.normalise_uid(uid)
    if canonical is None:
        return None
    return Certificate.objects.filter(uid=canonical).first()


def certificate_for_download(access: Access, uid: str) -> Certificate:
    """The PDF: its holder, their organisation's admins and trainers."""
    cert = Certificate.objects.filter(uid=uid).select_related("enrolment").first()
    if cert is None or (access.user_id != cert.enrolment.person_id
                        and not access.is_org_admin(cert.enrolment.organisation_id)
                        and not is_trainer(access)):
        raise NotFound(_("Certificate not found."))
    return cert


# ------------------------------------------------------------------------------ recommendations


@dataclass(frozen=True)
class Recommendation:
    dimensions: tuple[tuple[str, str, int], ...]  # (key, label, score) of the weakest
    courses: tuple[Course, ...]
    assessed_at: datetime | None


def recommended(access: Access, organisation_id: int, language: str) -> Recommendation:
    """Courses for the organisation's weakest dimensions in its latest maturity check: those
    that strengthen the most of them first, then those in the reader's language, then those
    with a session soonest."""
    checks = assess_selectors.assessments_of(access=access, actor=None,
                                             organisation_id=organisation_id)
    if not checks:
        return Recommendation((), (), None)
    latest = max(checks, key=lambda a: (a.taken_at, a.pk))
    scores = assess_selectors.result_of(latest).scores()
    names = {d.key: d.in_language(language) for d in load_questionnaire().dimensions}
    weakest = sorted(scores.items(), key=lambda kv: (kv[1], kv[0]))[:WEAKEST]
    keys = {k for k, _v in weakest}
    found = [c for c in courses(Access(user_id=None)) if keys & set(c.dimensions)]
    found.sort(key=lambda c: (-len(keys & set(c.dimensions)), c.language != language[:2],
                              c.upcoming == 0, c.title_en))  # type: ignore[attr-defined]
    return Recommendation(tuple((k, names.get(k, k), v) for k, v in weakest), tuple(found[:6]),
                          latest.taken_at)


# ------------------------------------------------------------------------------ the year


@dataclass(frozen=True)
class YearSummary:
    year: int
    delivered: int  # sessions held (not cancelled, ended within the year)
    scheduled: int  # sessions still to come this year
    participants: int  # confirmed enrolments of the delivered sessions
    attended: int  # of them, at or above the attendance threshold
    certificates: int
    monthly: tuple[int, ...]  # delivered by month
    by_audience: tuple[tuple[str, int, int], ...]  # (key, sessions, participants)
    by_language: tuple[tuple[str, int, int], ...]
    target_low: int
    target_high: int
    target_verified: bool
    target_source: str

    @property
    def attendance_percent(self) -> int | None:
        return round(100 * self.attended / self.participants) if self.participants else None


def delivered_in(year: int) -> QuerySet[TrainingSession]:
    """The sessions that took place in ``year``: not cancelled, ended within it, by now. The one
    count of "courses delivered" (the year's page here, the factory's figures in ``reports``)."""
    return TrainingSession.objects.filter(cancelled_at__isnull=True, ends_at__year=year,
                                          ends_at__lte=timezone.now())


def yearly_target() -> tuple[int, int]:
    target = load_train().target
    return target.low, target.high


def year_summary(access: Access, year: int) -> YearSummary:
    """The year's delivered sessions against the factory's target (staff)."""
    if not access.is_staff:
        raise NotFound(_("Page not found."))
    cat = load_train()
    now = timezone.now()
    delivered = list(delivered_in(year).values("pk", "ends_at", "course__audience",
                                               "course__language"))
    scheduled = TrainingSession.objects.filter(cancelled_at__isnull=True, ends_at__year=year,
                                               ends_at__gt=now).count()
    ids = [r["pk"] for r in delivered]
    people = Counter(Enrolment.objects.filter(
        session_id__in=ids, status=EnrolmentStatus.CONFIRMED).values_list(
        "session_id", flat=True))
    threshold = cat.attendance_threshold_percent
    attended = Enrolment.objects.filter(session_id__in=ids, status=EnrolmentStatus.CONFIRMED,
                                        attendance_percent__gte=threshold).count()
    monthly = [0] * 12
    audience: dict[str, list[int]] = {k: [0, 0] for k in cat.keys("audiences")}
    language: dict[str, list[int]] = {k: [0, 0] for k in cat.keys("languages")}
    for r in delivered:
        monthly[timezone.localtime(r["ends_at"]).month - 1] += 1
        for table, key in ((audience, r["course__audience"]), (language, r["course__language"])):
            slot = table.setdefault(key, [0, 0])
            slot[0] += 1
            slot[1] += people[r["pk"]]
    return YearSummary(
        year=year, delivered=len(delivered), scheduled=scheduled,
        participants=sum(people.values()), attended=attended,
        certificates=Certificate.objects.filter(enrolment__session_id__in=ids,
                                                revoked_at__isnull=True).count(),
        monthly=tuple(monthly),
        by_audience=tuple((k, v[0], v[1]) for k, v in audience.items()),
        by_language=tuple((k, v[0], v[1]) for k, v in language.items()),
        target_low=cat.target.low, target_high=cat.target.high,
        target_verified=cat.target.verified, target_source=cat.target.source)
