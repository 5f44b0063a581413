"""Writes of Upskill & Train. Every change to a session's seats (an enrolment, a cancellation, an
offer declined or expired, more seats) locks the session's row first, so two people taking the
last seat, or a cancellation racing the background fill, are served one after the other: one
seat, one offer. Each write is one transaction with its audit entry; notices and e-mails leave
after the commit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from laif.accounts.access import Access
from laif.accounts.audit import SYSTEM, Actor, audit_record
from laif.accounts.choices import StaffRoleName
from laif.accounts.errors import Conflict, DomainError, NotFound, PermissionDenied
from laif.accounts.notices import mail_on_commit
from laif.accounts.selectors import members_of, organisation_of, users_of
from laif.catalogue.train import DIMENSIONS, CourseSeed, load_train
from laif.sandbox import signing
from laif.train import seats
from laif.train.models import (
    ACTIVE,
    HOLDS_SEAT,
    Certificate,
    Course,
    Enrolment,
    EnrolmentStatus,
    TrainingSession,
)

MAX_SEATS = 1000
MAX_OFFER_HOURS = 24 * 14


def _trainer(access: Access) -> None:
    if StaffRoleName.TRAINER not in access.staff_roles:
        raise PermissionDenied(_("Only the factory's trainers do this."))


# ------------------------------------------------------------------------------ courses


@dataclass(frozen=True)
class CourseData:
    title_en: str
    title_fr: str
    summary_en: str
    summary_fr: str
    audience: str
    level: str
    language: str
    format: str
    provider: str
    duration_hours: int
    prerequisites_en: str = ""
    prerequisites_fr: str = ""
    dimensions: tuple[str, ...] = ()
    active: bool = True


def _check_course(data: CourseData) -> None:
    cat = load_train()
    for field, kind in (("audience", "audiences"), ("level", "levels"),
                        ("language", "languages"), ("format", "formats"),
                        ("provider", "providers")):
        if getattr(data, field) not in cat.keys(kind):
            raise DomainError(_("Choose one of the catalogue's values."), field=field)
    if not 1 <= data.duration_hours <= 200:
        raise DomainError(_("A course lasts between 1 and 200 hours."), field="duration_hours")
    for d in data.dimensions:
        if d not in DIMENSIONS:
            raise DomainError(_("Not a dimension of the maturity check."), field="dimensions")


def _course_fields(data: CourseData) -> dict[str, object]:
    return {"title_en": data.title_en, "title_fr": data.title_fr,
            "summary_en": data.summary_en, "summary_fr": data.summary_fr,
            "prerequisites_en": data.prerequisites_en, "prerequisites_fr": data.prerequisites_fr,
            "audience": data.audience, "level": data.level, "language": data.language,
            "format": data.format, "provider": data.provider,
            "duration_hours": data.duration_hours, "dimensions": list(dict.fromkeys(
                data.dimensions)), "active": data.active}


def course_create(*, access: Access, actor: Actor, key: str, data: CourseData) -> Course:
    _trainer(access)
    _check_course(data)
    with transaction.atomic():
        if Course.objects.filter(key=key).exists():
            raise Conflict(_("A course with this key exists."), field="key")
        course = Course.objects.create(key=key, updated_by_id=actor.user_id,
                                       **_course_fields(data))
        audit_record(actor=actor, action="train.course_created", target=f"course:{course.pk}",
                     detail={"key": key})
    return course


def course_update(*, access: Access, actor: Actor, course_id: int, data: CourseData) -> Course:
    _trainer(access)
    _check_course(data)
    with transaction.atomic():
        course = Course.objects.select_for_update().filter(pk=course_id).first()
        if course is None:
            raise NotFound(_("Course not found."))
        fields = _course_fields(data)
        changed = sorted(k for k, v in fields.items() if getattr(course, k) != v)
        for k, v in fields.items():
            setattr(course, k, v)
        course.updated_by_id = actor.user_id
        course.save()
        audit_record(actor=actor, action="train.course_updated", target=f"course:{course.pk}",
                     detail={"changed": changed})
    return course


def _seed_data(seed: CourseSeed) -> CourseData:
    return CourseData(title_en=seed.title_en, title_fr=seed.title_fr, summary_en=seed.summary_en,
                      summary_fr=seed.summary_fr, audience=seed.audience, level=seed.level,
                      language=seed.language, format=seed.format, provider=seed.provider,
                      duration_hours=seed.duration_hours, prerequisites_en=seed.prerequisites_en,
                      prerequisites_fr=seed.prerequisites_fr, dimensions=seed.dimensions)


def courses_sync_from_catalogue(*, actor: Actor = SYSTEM) -> list[Course]:
    """Add the catalogue's courses the platform does not have yet (by key); a course trainers
    have edited is left as they made it. Safe to run again."""
    cat = load_train()
    made: list[Course] = []
    with transaction.atomic():
        have = set(Course.objects.values_list("key", flat=True))
        for seed in cat.courses:
            if seed.key in have:
                continue
            made.append(Course.objects.create(key=seed.key, catalogue_version=cat.version,
                                              **_course_fields(_seed_data(seed))))
        if made:
            audit_record(actor=actor, action="train.catalogue_synced",
                         detail={"version": cat.version, "added": [c.key for c in made]})
    return made


# ------------------------------------------------------------------------------ sessions


def _check_times(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise DomainError(_("A session ends after it starts."), field="ends_at")
    if (ends_at - starts_at).days > 31:
        raise DomainError(_("A session lasts at most a month."), field="ends_at")


def _check_seats(capacity: int) -> None:
    if not 1 <= capacity <= MAX_SEATS:
        raise DomainError(_("Between 1 and %(n)d seats.") % {"n": MAX_SEATS}, field="capacity")


def session_create(*, access: Access, actor: Actor, course_id: int, starts_at: datetime,
                   ends_at: datetime, place: str, capacity: int,
                   offer_hours: int | None = None) -> TrainingSession:
    _trainer(access)
    _check_times(starts_at, ends_at)
    _check_seats(capacity)
    hours = offer_hours if offer_hours is not None else load_train().offer_hours
    if not 1 <= hours <= MAX_OFFER_HOURS:
        raise DomainError(_("An offer stays open between 1 hour and 14 days."),
                          field="offer_hours")
    if actor.user_id is None:
        raise PermissionDenied(_("Only the factory's trainers do this."))
    with transaction.atomic():
        course = Course.objects.filter(pk=course_id).first()
        if course is None:
            raise NotFound(_("Course not found."))
        session = TrainingSession.objects.create(
            course=course, starts_at=starts_at, ends_at=ends_at, place=place.strip(),
            capacity=capacity, offer_hours=hours, created_by_id=actor.user_id)
        audit_record(actor=actor, action="train.session_created",
                     target=f"training_session:{session.pk}",
                     detail={"course": course.key, "capacity": capacity})
    return session


def _locked_session(session_id: int) -> TrainingSession:
    session = (TrainingSession.objects.select_for_update().select_related("course")
               .filter(pk=session_id).first())
    if session is None:
        raise NotFound(_("Session not found."))
    return session


def _counts(session: TrainingSession) -> tuple[int, int]:
    """(seats held, people waiting), read under the session's lock."""
    row = session.enrolments.aggregate(
        held=Count("pk", filter=Q(status__in=HOLDS_SEAT)),
        waiting=Count("pk", filter=Q(status=EnrolmentStatus.WAITLISTED)))
    return int(row["held"]), int(row["waiting"])


def _session_link(session: TrainingSession) -> str:
    return settings.LAIF_SITE_URL + reverse("train_session", kwargs={"session_id": session.pk})


def _fill(session: TrainingSession, actor: Actor) -> list[Enrolment]:
    """Offer the free seats to the waitlist in its order (the session is locked)."""
    if session.cancelled_at is not None or session.starts_at <= timezone.now():
        return []
    held, waiting = _counts(session)
    n = seats.offers_to_make(session.capacity, held, waiting)
    if n == 0:
        return []
    now = timezone.now()
    deadline = seats.offer_deadline(now, session.offer_hours)
    chosen = list(session.enrolments.filter(status=EnrolmentStatus.WAITLISTED)
                  .select_related("person").order_by("queued_at", "pk")[:n])
    for e in chosen:
        e.status, e.offered_at, e.offer_expires_at = EnrolmentStatus.OFFERED, now, deadline
    Enrolment.objects.bulk_update(chosen, ["status", "offered_at", "offer_expires_at"])
    audit_record(actor=actor, action="train.offered", target=f"training_session:{session.pk}",
                 detail={"enrolments": [e.pk for e in chosen]})
    title = session.course
    for e in chosen:
        mail_on_commit(
            [e.person],
            lambda: _("A seat is free for you: %(course)s") % {"course": title.title_in(get_language() or "en")},
            lambda: _("A seat in %(course)s, starting %(start)s, is free. Accept it on %(link)s "
                      "before %(deadline)s, or it passes to the next person waiting.") % {
                "course": title.title_in(get_language() or "en"), "start": session.starts_at.date().isoformat(),
                "link": _session_link(session),
                "deadline": timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M")},
            kind="train.offer", link=_session_link(session))
    return chosen


def session_fill(*, session_id: int, actor: Actor = SYSTEM) -> list[Enrolment]:
    """Give the session's free seats to its waitlist: what a "seat freed" event asks. Running it
    twice makes no second offer."""
    with transaction.atomic():
        return _fill(_locked_session(session_id), actor)


def session_update(*, access: Access, actor: Actor, session_id: int, starts_at: datetime,
                   ends_at: datetime, place: str, capacity: int) -> TrainingSession:
    """Change a session's dates, place or seats; more seats go to the waitlist at once, fewer
    than are taken are refused."""
    _trainer(access)
    _check_times(starts_at, ends_at)
    _check_seats(capacity)
    with transaction.atomic():
        session = _locked_session(session_id)
        if session.cancelled_at is not None:
            raise Conflict(_("The session is cancelled."))
        held, _waiting = _counts(session)
        if capacity < held:
            raise Conflict(_("%(n)d seats are taken or offered: the session cannot have fewer.")
                           % {"n": held}, field="capacity")
        before = {"starts_at": session.starts_at.isoformat(), "ends_at": session.ends_at.isoformat(),
                  "place": session.place, "capacity": session.capacity}
        moved = (session.starts_at, session.ends_at, session.place) != (starts_at, ends_at,
                                                                          place.strip())
        session.starts_at, session.ends_at, session.place = starts_at, ends_at, place.strip()
        session.capacity = capacity
        if moved:
            session.sequence += 1
        session.save()
        audit_record(actor=actor, action="train.session_updated",
                     target=f"training_session:{session.pk}",
                     detail={"before": before, "capacity": capacity})
        _fill(session, actor)
        if moved:
            people = [e.person for e in session.enrolments.filter(
                status__in=HOLDS_SEAT).select_related("person")]
            mail_on_commit(people, lambda: _("A training session you are in has changed"),
                           lambda: _("%(course)s now takes place from %(start)s to %(end)s, "
                                     "%(place)s. Details and the calendar file: %(link)s") % {
                               "course": session.course.title_in(get_language() or "en"),
                               "start": timezone.localtime(session.starts_at).strftime(
                                   "%Y-%m-%d %H:%M"),
                               "end": timezone.localtime(session.ends_at).strftime(
                                   "%Y-%m-%d %H:%M"),
                               "place": session.place, "link": _session_link(session)},
                           kind="train.session_changed", link=_session_link(session))
    return session


def session_cancel(*, access: Access, actor: Actor, session_id: int) -> TrainingSession:
    _trainer(access)
    with transaction.atomic():
        session = _locked_session(session_id)
        if session.cancelled_at is not None:
            return session
        if session.attendance_recorded_at is not None:
            raise Conflict(_("The session took place: its attendance is recorded."))
        session.cancelled_at = timezone.now()
        session.sequence += 1
        session.save(update_fields=["cancelled_at", "sequence"])
        active = list(session.enrolments.filter(status__in=ACTIVE).select_related("person"))
        Enrolment.objects.filter(pk__in=[e.pk for e in active]).update(
            status=EnrolmentStatus.CANCELLED, decided_at=session.cancelled_at)
        audit_record(actor=actor, action="train.session_cancelled",
                     target=f"training_session:{session.pk}",
                     detail={"enrolments": len(active)})
        mail_on_commit([e.person for e in active],
                       lambda: _("A training session is cancelled: %(course)s") % {
                           "course": session.course.title_in(get_language() or "en")},
                       lambda: _("%(course)s of %(start)s is cancelled. Other sessions: "
                                 "%(link)s") % {
                           "course": session.course.title_in(get_language() or "en"),
                           "start": session.starts_at.date().isoformat(),
                           "link": settings.LAIF_SITE_URL + reverse(
                               "train_course", kwargs={"course_id": session.course_id})},
                       kind="train.session_cancelled", link=_session_link(session))
    return session


# ------------------------------------------------------------------------------ enrolments


def _may_enrol(access: Access, organisation_id: int, person_id: int) -> None:
    if organisation_id not in access.org_roles:
        raise PermissionDenied(_("Enrol as a member of your organisation."))
    if person_id != access.user_id and not members_of(
            access=access, organisation_id=organisation_id).filter(user_id=person_id).exists():
        raise DomainError(_("Enrol yourself or a colleague of your organisation."),
                          field="person_id")


def enrolment_create(*, access: Access, actor: Actor, session_id: int, organisation_id: int,
                     person_id: int | None = None) -> Enrolment:
    """Enrol yourself or a colleague: a seat when one is free and nobody waits, else a place on
    the waitlist."""
    if access.user_id is None:
        raise PermissionDenied(_("Log in first."))
    person = person_id if person_id is not None else access.user_id
    _may_enrol(access, organisation_id, person)
    try:
        with transaction.atomic():
            session = _locked_session(session_id)
            if session.cancelled_at is not None:
                raise Conflict(_("The session is cancelled."))
            if session.starts_at <= timezone.now():
                raise Conflict(_("The session has started: enrolment is closed."))
            if session.enrolments.filter(person_id=person, status__in=ACTIVE).exists():
                raise Conflict(_("Already enrolled in this session."), field="person_id")
            held, waiting = _counts(session)
            status = (EnrolmentStatus.CONFIRMED if seats.takes_seat(session.capacity, held,
                                                                   waiting)
                      else EnrolmentStatus.WAITLISTED)
            now = timezone.now()
            enrolment = Enrolment.objects.create(
                session=session, person_id=person, organisation_id=organisation_id,
                enrolled_by_id=access.user_id, status=status, queued_at=now,
                decided_at=now if status == EnrolmentStatus.CONFIRMED else None)
            audit_record(actor=actor, action="train.enrolled",
                         target=f"enrolment:{enrolment.pk}", organisation_id=organisation_id,
                         detail={"session": session.pk, "person": person, "status": status})
            if person != access.user_id:
                mail_on_commit(users_of([person]),
                               lambda: _("You are enrolled in %(course)s") % {
                                   "course": session.course.title_in(get_language() or "en")},
                               lambda: _("A colleague enrolled you in %(course)s, starting "
                                         "%(start)s (%(status)s). Details, and to cancel: "
                                         "%(link)s") % {
                                   "course": session.course.title_in(get_language() or "en"),
                                   "start": session.starts_at.date().isoformat(),
                                   "status": EnrolmentStatus(status).label,
                                   "link": _session_link(session)},
                               kind="train.enrolled", link=_session_link(session))
    except IntegrityError as exc:  # the same person enrolled twice at once: one row stands
        raise Conflict(_("Already enrolled in this session."), field="person_id") from exc
    return enrolment


def _locked_enrolment(access: Access, enrolment_id: int) -> tuple[TrainingSession, Enrolment]:
    found = Enrolment.objects.filter(pk=enrolment_id).values_list(
        "session_id", "person_id", "enrolled_by_id", "organisation_id").first()
    if found is None:
        raise NotFound(_("Enrolment not found."))
    session_id, person_id, enrolled_by, org_id = found
    if access.user_id not in (person_id, enrolled_by) and not access.is_org_admin(org_id):
        raise NotFound(_("Enrolment not found."))
    session = _locked_session(session_id)
    return session, Enrolment.objects.select_related("person").get(pk=enrolment_id)


def enrolment_accept(*, access: Access, actor: Actor, enrolment_id: int) -> Enrolment:
    """Take the seat offered, before its deadline (only the person it is for)."""
    with transaction.atomic():
        session, e = _locked_enrolment(access, enrolment_id)
        if e.person_id != access.user_id:
            raise PermissionDenied(_("Only the person the seat is offered to accepts it."))
        if e.status != EnrolmentStatus.OFFERED:
            raise Conflict(_("No seat is offered on this enrolment."))
        assert e.offer_expires_at is not None
        if not seats.offer_open(timezone.now(), e.offer_expires_at):
            raise Conflict(_("The offer has expired; the seat went to the next person."))
        e.status, e.decided_at = EnrolmentStatus.CONFIRMED, timezone.now()
        e.save(update_fields=["status", "decided_at"])
        audit_record(actor=actor, action="train.offer_accepted", target=f"enrolment:{e.pk}",
                     organisation_id=e.organisation_id, detail={"session": session.pk})
    return e


def _release(access: Access, actor: Actor, enrolment_id: int, *, decline: bool) -> Enrolment:
    with transaction.atomic():
        session, e = _locked_enrolment(access, enrolment_id)
        if decline and e.status != EnrolmentStatus.OFFERED:
            raise Conflict(_("No seat is offered on this enrolment."))
        if e.status not in ACTIVE:
            raise Conflict(_("This enrolment is no longer active."))
        if session.starts_at <= timezone.now():
            raise Conflict(_("The session has started."))
        freed = e.status in HOLDS_SEAT
        e.status = EnrolmentStatus.DECLINED if decline else EnrolmentStatus.CANCELLED
        e.decided_at = timezone.now()
        e.save(update_fields=["status", "decided_at"])
        audit_record(actor=actor, action="train.declined" if decline else "train.cancelled",
                     target=f"enrolment:{e.pk}", organisation_id=e.organisation_id,
                     detail={"session": session.pk, "freed_seat": freed})
        if freed:
            _fill(session, actor)
    return e


def enrolment_cancel(*, access: Access, actor: Actor, enrolment_id: int) -> Enrolment:
    """Leave a session (the person, whoever enrolled them, or their organisation's admin); a seat
    freed goes to the waitlist."""
    return _release(access, actor, enrolment_id, decline=False)


def enrolment_decline(*, access: Access, actor: Actor, enrolment_id: int) -> Enrolment:
    return _release(access, actor, enrolment_id, decline=True)


def offers_expire(*, now: datetime | None = None) -> int:
    """Close the offers past their deadline and pass each seat on (the background schedule);
    the number expired."""
    moment = now or timezone.now()
    session_ids = sorted(set(Enrolment.objects.filter(
        status=EnrolmentStatus.OFFERED, offer_expires_at__lt=moment).values_list(
        "session_id", flat=True)))
    expired = 0
    for session_id in session_ids:
        with transaction.atomic():
            session = _locked_session(session_id)
            late = list(session.enrolments.filter(status=EnrolmentStatus.OFFERED,
                                                  offer_expires_at__lt=moment))
            if not late:
                continue
            Enrolment.objects.filter(pk__in=[e.pk for e in late]).update(
                status=EnrolmentStatus.EXPIRED, decided_at=moment)
            audit_record(actor=SYSTEM, action="train.offers_expired",
                         target=f"training_session:{session.pk}",
                         detail={"enrolments": [e.pk for e in late]})
            expired += len(late)
            _fill(session, SYSTEM)
    return expired


# ------------------------------------------------------------------------------ attendance


def attendance_record(*, access: Access, actor: Actor, session_id: int,
                      marks: Mapping[int, int]) -> list[Certificate]:
    """A trainer's attendance for a session that has ended (percent per confirmed enrolment).
    A certificate is issued to each at or above the threshold; one corrected below it is
    revoked. Recording again corrects; the certificates newly issued come back."""
    _trainer(access)
    threshold = load_train().attendance_threshold_percent
    issued: list[Certificate] = []
    with transaction.atomic():
        session = _locked_session(session_id)
        if session.cancelled_at is not None:
            raise Conflict(_("The session is cancelled."))
        now = timezone.now()
        if session.ends_at > now:
            raise Conflict(_("Attendance is recorded once the session has ended."))
        confirmed = {e.pk: e for e in session.enrolments.filter(
            status=EnrolmentStatus.CONFIRMED).select_related("person")}
        for enrolment_id, percent in marks.items():
            if enrolment_id not in confirmed:
                raise DomainError(_("Not a confirmed participant of this session."),
                                  field="marks")
            if not 0 <= percent <= 100:
                raise DomainError(_("Attendance is between 0 and 100%."), field="marks")
        certified = {c.enrolment_id: c for c in Certificate.objects.filter(
            enrolment__session=session)}
        for enrolment_id, percent in marks.items():
            e = confirmed[enrolment_id]
            e.attendance_percent = percent
            earns = seats.earns_certificate(attendance_percent=percent,
                                            threshold_percent=threshold, session_over=True)
            cert = certified.get(e.pk)
            if earns and cert is None:
                issued.append(_certificate_issue(session, e, now))
            elif not earns and cert is not None and cert.revoked_at is None:
                cert.revoked_at, cert.revoked_by_id = now, actor.user_id
                cert.revoked_reason = "attendance corrected below the threshold"
                cert.save(update_fields=["revoked_at", "revoked_by", "revoked_reason"])
        Enrolment.objects.bulk_update([confirmed[i] for i in marks], ["attendance_percent"])
        session.attendance_recorded_at = now
        session.save(update_fields=["attendance_recorded_at"])
        audit_record(actor=actor, action="train.attendance", target=f"training_session:{session.pk}",
                     detail={"marks": {str(k): v for k, v in marks.items()},
                             "issued": [c.uid for c in issued]})
        for cert in issued:
            _mail_certificate(cert)
    return issued


def _mail_certificate(cert: Certificate) -> None:
    link = settings.LAIF_SITE_URL + reverse("train_certificate", kwargs={"uid": cert.uid})
    mail_on_commit([cert.enrolment.person],
                   lambda: _("Your certificate: %(course)s") % {
                       "course": cert.title_in(get_language() or "en")},
                   lambda: _("Congratulations: you completed %(course)s. Your certificate (PDF) "
                             "and its public verification page: %(link)s") % {
                       "course": cert.title_in(get_language() or "en"), "link": link},
                   kind="train.certificate",
                   link=reverse("train_certificate", kwargs={"uid": cert.uid}))


def _certificate_issue(session: TrainingSession, e: Enrolment, now: datetime) -> Certificate:
    course = session.course
    cat = load_train()
    provider = cat.label("providers", course.provider, "en")
    holder = e.person.get_full_name() or e.person.email
    for _attempt in range(5):
        uid = seats.new_uid()
        if not Certificate.objects.filter(uid=uid).exists():
            break
    start, end = timezone.localdate(session.starts_at), timezone.localdate(session.ends_at)
    record = {
        "type": ["VerifiableCredential", "LaifTrainingCertificate"],
        "id": uid, "issuer": {"name": "Luxembourg AI Factory", "url": settings.LAIF_SITE_URL},
        "issuanceDate": now.replace(microsecond=0).isoformat(),
        "credentialSubject": {
            "name": holder,
            "achievement": {"course": course.key, "title": course.title_en,
                            "title_fr": course.title_fr, "provider": provider,
                            "hours": course.duration_hours, "start": start.isoformat(),
                            "end": end.isoformat(), "attendance_percent": e.attendance_percent},
        },
    }
    assert e.attendance_percent is not None
    return Certificate.objects.create(
        enrolment=e, uid=uid, holder_name=holder, course_title_en=course.title_en,
        course_title_fr=course.title_fr, provider=provider, hours=course.duration_hours,
        session_start=start, session_end=end, attendance_percent=e.attendance_percent,
        issued_at=now, record=record, signature=signing.sign(record),
        signing_key_id=signing.key_id())


def certificate_revoke(*, access: Access, actor: Actor, uid: str, reason: str) -> Certificate:
    _trainer(access)
    if not reason.strip():
        raise DomainError(_("Say why the certificate is revoked."), field="reason")
    with transaction.atomic():
        cert = Certificate.objects.select_for_update().filter(uid=uid).first()
        if cert is None:
            raise NotFound(_("Certificate not found."))
        if cert.revoked_at is not None:
            raise Conflict(_("The certificate is already revoked."))
        cert.revoked_at, cert.revoked_by_id = timezone.now(), actor.user_id
        cert.revoked_reason = reason.strip()[:500]
        cert.save(update_fields=["revoked_at", "revoked_by", "revoked_reason"])
        org = organisation_of(Enrolment.objects.values_list("organisation_id", flat=True).get(
            pk=cert.enrolment_id))
        audit_record(actor=actor, action="train.certificate_revoked",
                     target=f"certificate:{cert.uid}",
                     organisation_id=org.pk if org else None, detail={"reason": cert.revoked_reason})
    return cert
