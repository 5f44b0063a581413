"""Upskill & Train as its users meet it: seats and the waitlist with timed offers, enrolling a
colleague, attendance and certificates (issued, corrected, revoked, verified in public, signed,
as a PDF with its QR code), the calendar file, recommendations from a maturity check and the
year against the target."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pypdfium2
import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.errors import Conflict, DomainError, PermissionDenied
from laif.accounts.models import Notice, User
from laif.assess import services as assess_services
from laif.sandbox import signing
from laif.train import selectors, services
from laif.train.models import Course, Enrolment, TrainingSession
from tests.assess.assess_matrix import every_answer
from tests.factories import World, add_member
from tests.views_support import html

pytestmark = pytest.mark.django_db


def _as(user: User) -> dict[str, Any]:
    return {"access": access_for(user), "actor": Actor.of(user)}


def course(key: str = "gpu-optimisation") -> Course:
    services.courses_sync_from_catalogue()
    return Course.objects.get(key=key)


def session(w: World, *, seats: int = 2, days: int = 10, key: str = "gpu-optimisation",
            offer_hours: int | None = None) -> TrainingSession:
    start = timezone.now() + timedelta(days=days)
    return services.session_create(**_as(w.trainer), course_id=course(key).pk, starts_at=start,
                                   ends_at=start + timedelta(hours=7), place="LuxProvide, Bissen",
                                   capacity=seats, offer_hours=offer_hours)


def enrol(w: World, t: TrainingSession, user: User, *, org_id: int | None = None,
          **kw: Any) -> Enrolment:
    return services.enrolment_create(**_as(user), session_id=t.pk,
                                     organisation_id=org_id or w.org.pk, **kw)


def status(e: Enrolment) -> str:
    e.refresh_from_db()
    return e.status


def finish(t: TrainingSession) -> None:
    """Time passes: the session took place yesterday."""
    start = timezone.now() - timedelta(days=1, hours=8)
    TrainingSession.objects.filter(pk=t.pk).update(starts_at=start,
                                                   ends_at=start + timedelta(hours=7))


def test_the_last_seat_goes_to_one_the_next_waits_and_gets_a_timed_offer_when_it_frees(
        world: World, django_capture_on_commit_callbacks: Any) -> None:
    w = world
    t = session(w, seats=2, offer_hours=24)
    first, second = enrol(w, t, w.member), enrol(w, t, w.project_lead)
    third = enrol(w, t, w.org_admin)
    assert [status(e) for e in (first, second, third)] == ["confirmed", "confirmed", "waitlisted"]
    assert selectors.my_enrolment(access_for(w.org_admin), t.pk).position == 1  # type: ignore[union-attr]

    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_cancel(**_as(w.member), enrolment_id=first.pk)
    third.refresh_from_db()
    assert third.status == "offered"
    assert third.offer_expires_at is not None
    assert abs((third.offer_expires_at - timezone.now()) - timedelta(hours=24)) < timedelta(minutes=1)
    assert [m.to for m in mail.outbox] == [["admin@acme.lu"]]
    assert "accept it" in mail.outbox[0].body.lower()
    assert Notice.objects.filter(recipient=w.org_admin, kind="train.offer").count() == 1

    # an offered seat is held: a newcomer queues behind
    newcomer = add_member(w.org, "new@acme.lu")
    late = enrol(w, t, newcomer)
    assert status(late) == "waitlisted"

    services.enrolment_accept(**_as(w.org_admin), enrolment_id=third.pk)
    assert status(third) == "confirmed"
    assert selectors.session_get(access_for(w.member), t.pk).held == 2  # type: ignore[attr-defined]


def test_an_offer_not_accepted_in_time_passes_to_the_next_person(world: World) -> None:
    w = world
    t = session(w, seats=1, offer_hours=2)
    holder = enrol(w, t, w.member)
    waiting = [enrol(w, t, w.project_lead), enrol(w, t, w.org_admin)]
    services.enrolment_cancel(**_as(w.member), enrolment_id=holder.pk)
    assert [status(e) for e in waiting] == ["offered", "waitlisted"]

    # the person offered is too late: refused, even before the sweep ran
    Enrolment.objects.filter(pk=waiting[0].pk).update(
        offer_expires_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(Conflict, match="expired"):
        services.enrolment_accept(**_as(w.project_lead), enrolment_id=waiting[0].pk)

    assert services.offers_expire() == 1
    assert [status(e) for e in waiting] == ["expired", "offered"]
    assert services.offers_expire() == 0  # nothing more to do: the sweep is idempotent


def test_a_seat_freed_twice_makes_one_offer_and_more_seats_go_to_the_waitlist(
        world: World) -> None:
    w = world
    t = session(w, seats=1)
    enrol(w, t, w.member)
    waiting = [enrol(w, t, w.project_lead), enrol(w, t, w.org_admin)]
    # a "seat freed" event with no seat free: nothing
    assert services.session_fill(session_id=t.pk) == []
    TrainingSession.objects.filter(pk=t.pk).update(capacity=2)  # as if a seat had freed
    assert len(services.session_fill(session_id=t.pk)) == 1
    assert services.session_fill(session_id=t.pk) == []  # delivered twice: one offer
    assert [status(e) for e in waiting] == ["offered", "waitlisted"]

    services.session_update(**_as(w.trainer), session_id=t.pk, starts_at=t.starts_at,
                            ends_at=t.ends_at, place=t.place, capacity=3)
    assert [status(e) for e in waiting] == ["offered", "offered"]
    with pytest.raises(Conflict, match="cannot have fewer"):
        services.session_update(**_as(w.trainer), session_id=t.pk, starts_at=t.starts_at,
                                ends_at=t.ends_at, place=t.place, capacity=2)


def test_declining_passes_the_seat_on_and_a_cancelled_session_tells_everyone(
        world: World, django_capture_on_commit_callbacks: Any) -> None:
    w = world
    t = session(w, seats=1)
    holder = enrol(w, t, w.member)
    nxt = enrol(w, t, w.project_lead)
    services.enrolment_cancel(**_as(w.member), enrolment_id=holder.pk)
    last = enrol(w, t, w.org_admin)
    services.enrolment_decline(**_as(w.project_lead), enrolment_id=nxt.pk)
    assert (status(nxt), status(last)) == ("declined", "offered")
    with django_capture_on_commit_callbacks(execute=True):
        services.session_cancel(**_as(w.trainer), session_id=t.pk)
    assert status(last) == "cancelled"
    assert ["admin@acme.lu"] in [m.to for m in mail.outbox]
    with pytest.raises(Conflict, match="cancelled"):
        enrol(w, t, w.member)


def test_a_colleague_is_enrolled_by_a_member_but_nobody_outside_the_organisation(
        world: World, django_capture_on_commit_callbacks: Any) -> None:
    w = world
    t = session(w, seats=5)
    with django_capture_on_commit_callbacks(execute=True):
        e = enrol(w, t, w.org_admin, person_id=w.member.pk)
    assert (e.person_id, e.enrolled_by_id, status(e)) == (w.member.pk, w.org_admin.pk, "confirmed")
    assert [m.to for m in mail.outbox] == [["member@acme.lu"]]
    with pytest.raises(Conflict, match="Already enrolled"):
        enrol(w, t, w.member)
    with pytest.raises(DomainError, match="colleague"):
        enrol(w, t, w.org_admin, person_id=w.other_member.pk)
    with pytest.raises(PermissionDenied):
        enrol(w, t, w.member, org_id=w.other_org.pk)
    with pytest.raises(PermissionDenied):  # staff are not company users
        enrol(w, t, w.trainer)
    # the enroller may cancel for them; someone else of the organisation may not see it
    services.enrolment_cancel(**_as(w.org_admin), enrolment_id=e.pk)
    again = enrol(w, t, w.member)  # and they can come back
    assert status(again) == "confirmed"


def test_only_trainers_schedule_sessions_and_record_attendance(world: World) -> None:
    w = world
    start = timezone.now() + timedelta(days=3)
    for user in (w.member, w.org_admin, w.operator):
        with pytest.raises(PermissionDenied):
            services.session_create(**_as(user), course_id=course().pk, starts_at=start,
                                    ends_at=start + timedelta(hours=2), place="x", capacity=3)
    with pytest.raises(DomainError, match="ends after"):
        services.session_create(**_as(w.trainer), course_id=course().pk, starts_at=start,
                                ends_at=start, place="x", capacity=3)
    with pytest.raises(DomainError, match="seats"):
        services.session_create(**_as(w.trainer), course_id=course().pk, starts_at=start,
                                ends_at=start + timedelta(hours=1), place="x", capacity=0)


def test_attendance_issues_certificates_above_the_threshold_and_a_correction_revokes(
        world: World, django_capture_on_commit_callbacks: Any) -> None:
    w = world
    t = session(w, seats=5)
    good, poor = enrol(w, t, w.project_lead), enrol(w, t, w.member)
    with pytest.raises(Conflict, match="ended"):
        services.attendance_record(**_as(w.trainer), session_id=t.pk, marks={good.pk: 100})
    finish(t)
    with pytest.raises(DomainError):
        services.attendance_record(**_as(w.trainer), session_id=t.pk, marks={good.pk: 101})
    with django_capture_on_commit_callbacks(execute=True):
        issued = services.attendance_record(**_as(w.trainer), session_id=t.pk,
                                            marks={good.pk: 85, poor.pk: 50})
    assert [c.enrolment_id for c in issued] == [good.pk]
    cert = issued[0]
    assert cert.holder_name == "Luc Lead"
    assert any(cert.uid in m.body for m in mail.outbox)
    # signed: the record checks with the platform's public key, and not once altered
    assert signing.verify(cert.record, cert.signature, signing.public_pem())
    assert not signing.verify({**cert.record, "id": "LAIF-0000-0000-0000"}, cert.signature,
                              signing.public_pem())
    # recording again issues nothing new; a correction below the threshold revokes
    assert services.attendance_record(**_as(w.trainer), session_id=t.pk,
                                      marks={good.pk: 85}) == []
    services.attendance_record(**_as(w.trainer), session_id=t.pk, marks={good.pk: 60})
    cert.refresh_from_db()
    assert cert.revoked_at is not None


def test_the_verification_page_is_public_shows_valid_then_revoked_and_nothing_personal(
        world: World, client_for: Callable[[User | None], Client]) -> None:
    w = world
    w.project_lead.email = "luc.private@acme.lu"
    w.project_lead.save()
    t = session(w, seats=5)
    e = enrol(w, t, w.project_lead)
    finish(t)
    cert = services.attendance_record(**_as(w.trainer), session_id=t.pk, marks={e.pk: 95})[0]
    anonymous = client_for(None)
    page = html(anonymous.get(f"/certificates/{cert.uid}/"))
    assert "This certificate is valid" in page
    assert "Luc Lead" in page
    assert "Optimising models for the GPU architecture" in page
    for private in ("luc.private@acme.lu", "Acme Vision", "95 %", "95%", "Attendance"):
        assert private not in page
    assert "certificate.pdf" not in page  # the PDF is the holder's
    # typed from paper in lower case, O for 0: found, sent to the canonical address
    typed = cert.uid.lower().replace("0", "o")
    assert anonymous.get(f"/certificates/{typed}/").status_code in (200, 302)
    assert anonymous.get("/certificates/LAIF-0000-0000-0000/").status_code == 404
    api = anonymous.get(f"/api/certificates/{cert.uid}/verification").json()
    assert api["valid"] is True
    assert api["holder"] == "Luc Lead"
    assert "email" not in str(api)

    trainer = client_for(w.trainer)
    response = trainer.post(f"/certificates/{cert.uid}/", {"reason": "identity fraud"})
    assert response.status_code == 302
    page = html(anonymous.get(f"/certificates/{cert.uid}/"))
    assert "This certificate is revoked" in page
    assert "identity fraud" not in page
    assert anonymous.get(f"/api/certificates/{cert.uid}/verification").json()["valid"] is False
    # a member cannot revoke
    assert client_for(w.member).post(f"/certificates/{cert.uid}/",
                                     {"reason": "x"}).status_code == 403


def test_the_certificate_pdf_names_the_holder_and_carries_the_qr_of_its_page(
        world: World, client_for: Callable[[User | None], Client],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from laif.train import documents

    w = world
    t = session(w, seats=5)
    e = enrol(w, t, w.project_lead)
    finish(t)
    cert = services.attendance_record(**_as(w.trainer), session_id=t.pk, marks={e.pk: 90})[0]
    drawn: list[str] = []
    real = documents.qr_svg
    def spy(url: str) -> str:
        drawn.append(url)
        return real(url)

    monkeypatch.setattr(documents, "qr_svg", spy)
    response = client_for(w.project_lead).get(f"/certificates/{cert.uid}/certificate.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = pypdfium2.PdfDocument(io.BytesIO(response.content))
    text = pdf[0].get_textpage().get_text_range()
    assert "Luc Lead" in text
    assert cert.uid in text
    assert drawn == [f"http://testserver/certificates/{cert.uid}/"] or drawn[0].endswith(
        f"/certificates/{cert.uid}/")
    assert '<svg' in real(drawn[0])
    assert "path" in real(drawn[0])
    assert client_for(w.member).get(f"/certificates/{cert.uid}/certificate.pdf").status_code == 404
    assert client_for(w.trainer).get(f"/certificates/{cert.uid}/certificate.pdf").status_code == 200


def test_the_calendar_file_keeps_its_uid_and_says_when_a_session_moves_or_is_cancelled(
        world: World, client_for: Callable[[User | None], Client]) -> None:
    w = world
    t = session(w)
    client = client_for(None)

    def event() -> Any:
        response = client.get(f"/training/sessions/{t.pk}/calendar.ics")
        assert response["Content-Type"].startswith("text/calendar")
        return Calendar.from_ical(response.content).walk("VEVENT")[0]

    first = event()
    assert first["SUMMARY"] == "Optimising models for the GPU architecture"
    assert first.decoded("DTSTART") == t.starts_at.replace(microsecond=0)
    assert first["LOCATION"] == "LuxProvide, Bissen"
    later = t.starts_at + timedelta(days=1)
    services.session_update(**_as(w.trainer), session_id=t.pk, starts_at=later,
                            ends_at=later + timedelta(hours=3), place="online", capacity=2)
    moved = event()
    assert moved["UID"] == first["UID"]
    assert int(moved["SEQUENCE"]) == int(first["SEQUENCE"]) + 1
    assert moved["LOCATION"] == "online"
    services.session_cancel(**_as(w.trainer), session_id=t.pk)
    assert event()["STATUS"] == "CANCELLED"


def test_courses_recommended_from_the_weakest_dimensions_of_the_latest_check(
        world: World, client_for: Callable[[User | None], Client]) -> None:
    w = world
    services.courses_sync_from_catalogue()
    answers = every_answer(4)
    # weakest where the answers score 0: data readiness and governance
    for key in ("data_access", "data_quality", "personal_data", "inventory", "ai_act", "ethics"):
        answers[key] = every_answer(0)[key]
    assess_services.assessment_submit(**_as(w.org_admin), organisation_id=w.org.pk,
                                      answers=answers)
    r = selectors.recommended(access_for(w.member), w.org.pk, "en")
    assert {k for k, _l, _s in r.dimensions} == {"data", "governance"}
    assert r.courses
    assert all({"data", "governance"} & set(c.dimensions) for c in r.courses)
    # the courses strengthening both come first
    assert set(r.courses[0].dimensions) >= {"data", "governance"}
    page = html(client_for(w.member).get("/training/"))
    assert "Recommended for your organisation" in page
    assert "Data readiness" in page
    # another organisation's check is not theirs to read
    assert client_for(w.other_member).get(
        f"/api/organisations/{w.org.pk}/course-recommendations").status_code == 404


def test_a_trainer_edits_a_course_and_the_catalogue_sync_leaves_the_edit(
        world: World, client_for: Callable[[User | None], Client]) -> None:
    w = world
    c = course()
    data = services.CourseData(
        title_en="GPU optimisation, hands-on", title_fr=c.title_fr, summary_en=c.summary_en,
        summary_fr=c.summary_fr, audience=c.audience, level=c.level, language="fr",
        format=c.format, provider=c.provider, duration_hours=21, dimensions=("infrastructure",))
    services.course_update(**_as(w.trainer), course_id=c.pk, data=data)
    assert services.courses_sync_from_catalogue() == []
    c.refresh_from_db()
    assert (c.title_en, c.language, c.duration_hours) == ("GPU optimisation, hands-on", "fr", 21)
    with pytest.raises(DomainError):
        services.course_update(**_as(w.trainer), course_id=c.pk,
                               data=services.CourseData(**{**data.__dict__, "audience": "kids"}))
    with pytest.raises(PermissionDenied):
        services.course_update(**_as(w.operator), course_id=c.pk, data=data)
    # a course off the catalogue is hidden from everyone but trainers
    services.course_update(**_as(w.trainer), course_id=c.pk,
                           data=services.CourseData(**{**data.__dict__, "active": False}))
    assert client_for(None).get(f"/training/courses/{c.pk}/").status_code == 404
    assert client_for(w.trainer).get(f"/training/courses/{c.pk}/").status_code == 200
    assert "GPU optimisation, hands-on" not in html(client_for(w.member).get("/training/"))


def test_the_year_counts_delivered_sessions_attendance_and_breakdowns(
        world: World, client_for: Callable[[User | None], Client]) -> None:
    w = world
    t1, t2 = session(w, seats=5), session(w, seats=5, key="ia-dirigeants")
    session(w, key="ai-translator")  # to come
    e1, e2 = enrol(w, t1, w.member), enrol(w, t1, w.project_lead)
    e3 = enrol(w, t2, w.org_admin)
    for t in (t1, t2):
        finish(t)
    services.attendance_record(**_as(w.trainer), session_id=t1.pk, marks={e1.pk: 100, e2.pk: 40})
    services.attendance_record(**_as(w.trainer), session_id=t2.pk, marks={e3.pk: 90})
    year = timezone.localdate().year
    cancelled = session(w, key="green-ai")
    services.session_cancel(**_as(w.trainer), session_id=cancelled.pk)
    y = selectors.year_summary(access_for(w.trainer), year)
    assert (y.delivered, y.participants, y.attended, y.certificates) == (2, 3, 2, 2)
    assert y.scheduled == (1 if (timezone.now() + timedelta(days=10)).year == year else 0)
    assert {k: (n, p) for k, n, p in y.by_audience}["technical"] == (1, 2)
    assert {k: (n, p) for k, n, p in y.by_language}["fr"] == (1, 1)
    assert (y.target_low, y.target_high, y.target_verified) == (140, 200, False)
    page = html(client_for(w.trainer).get(f"/staff/training/?year={year}"))
    assert "2 sessions delivered, against a target of 140 to 200 a year." in page
    assert "known only from the factory" in page
    assert client_for(w.member).get("/staff/training/").status_code == 404
    api = client_for(w.operator).get(f"/api/training/summary?year={year}").json()
    assert api["delivered"] == 2
    assert sum(api["monthly"]) == 2


def test_the_journey_through_the_api(world: World,
                                     api_as: Callable[[User | None], Any]) -> None:
    w = world
    t = session(w, seats=1)
    member, lead = api_as(w.member), api_as(w.project_lead)
    listed = api_as(None).get("/api/courses?audience=technical").json()
    assert listed
    assert all(c["audience"] == "technical" for c in listed)
    detail = api_as(None).get(f"/api/courses/{t.course_id}").json()
    assert detail["sessions"][0]["seats_free"] == 1
    mine = member.post(f"/api/training-sessions/{t.pk}/enrolments",
                       {"organisation_id": w.org.pk}).json()
    assert mine["status"] == "confirmed"
    waiting = lead.post(f"/api/training-sessions/{t.pk}/enrolments",
                        {"organisation_id": w.org.pk}).json()
    assert (waiting["status"], waiting["waitlist_position"]) == ("waitlisted", 1)
    member.post(f"/api/enrolments/{mine['id']}/cancel", {})
    offered = lead.get("/api/me/enrolments").json()[0]
    assert offered["status"] == "offered"
    assert offered["offer_expires_at"]
    assert lead.post(f"/api/enrolments/{offered['id']}/accept", {}).json()["status"] == "confirmed"
