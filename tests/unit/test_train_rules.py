"""The pure rules of Upskill & Train: seats and offers, certificate identifiers, the calendar
file and the year's pace chart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from laif.train import calendar, chart, seats


def test_free_seats_go_to_the_waitlist_and_a_newcomer_queues_behind_it() -> None:
    assert seats.offers_to_make(capacity=3, held=1, waiting=5) == 2
    assert seats.offers_to_make(capacity=3, held=3, waiting=5) == 0
    assert seats.offers_to_make(capacity=2, held=3, waiting=1) == 0  # fewer seats than held
    assert seats.offers_to_make(capacity=3, held=0, waiting=1) == 1
    assert seats.takes_seat(capacity=3, held=1, waiting=0)
    assert not seats.takes_seat(capacity=3, held=1, waiting=1)  # someone waits: queue
    assert not seats.takes_seat(capacity=1, held=1, waiting=0)
    with pytest.raises(ValueError, match="negative"):
        seats.offers_to_make(capacity=1, held=-1, waiting=0)


def test_an_offer_is_open_until_its_deadline_and_a_certificate_needs_the_threshold() -> None:
    now = datetime(2026, 12, 7, 10, tzinfo=UTC)
    deadline = seats.offer_deadline(now, 48)
    assert deadline == now + timedelta(hours=48)
    assert seats.offer_open(deadline, deadline)
    assert not seats.offer_open(
        deadline + timedelta(seconds=1), deadline)
    with pytest.raises(ValueError, match="at least an hour"):
        seats.offer_deadline(now, 0)
    assert seats.earns_certificate(attendance_percent=80, threshold_percent=80, session_over=True)
    assert not seats.earns_certificate(attendance_percent=79, threshold_percent=80,
                                       session_over=True)
    assert not seats.earns_certificate(attendance_percent=100, threshold_percent=80,
                                       session_over=False)
    assert not seats.earns_certificate(attendance_percent=None, threshold_percent=80,
                                       session_over=True)


def test_certificate_identifiers_are_random_readable_and_typed_back_forgivingly() -> None:
    uid = seats.new_uid(bytes(range(8)))
    assert seats.UID_RE.match(uid)
    assert uid.startswith("LAIF-")
    assert uid == seats.new_uid(bytes(range(8)))  # the same bits, the same identifier
    assert len({seats.new_uid() for _ in range(200)}) == 200
    assert not set(uid[5:]) & set("ILOU")
    assert seats.normalise_uid(uid.lower()) == uid
    assert seats.normalise_uid(" " + uid.replace("0", "O") + " ") == uid
    assert seats.normalise_uid("LAIF-1234") is None
    assert seats.normalise_uid("XAIF-0000-0000-0000") is None
    assert seats.normalise_uid("../etc/passwd") is None


def test_the_calendar_event_is_rfc5545_and_says_cancelled() -> None:
    start = datetime(2027, 1, 12, 8, tzinfo=UTC)
    event = calendar.SessionEvent(
        uid="training-session-7@laif.example", title="Optimiser les modèles; GPU, H200",
        description="Line one\nline two", place="LuxProvide, Bissen", starts_at=start,
        ends_at=start + timedelta(hours=7), sequence=2, cancelled=False,
        url="https://laif.example/training/sessions/7/", stamp=start)
    parsed = Calendar.from_ical(calendar.session_ics(event))
    vevent = parsed.walk("VEVENT")[0]
    assert str(vevent["SUMMARY"]) == "Optimiser les modèles; GPU, H200"  # escaped and back
    assert vevent.decoded("DTSTART") == start
    assert vevent.decoded("SEQUENCE") == 2
    assert parsed["METHOD"] == "PUBLISH"
    assert vevent["STATUS"] == "CONFIRMED"
    cancelled = Calendar.from_ical(calendar.session_ics(
        calendar.SessionEvent(**{**event.__dict__, "cancelled": True})))
    assert cancelled.walk("VEVENT")[0]["STATUS"] == "CANCELLED"
    with pytest.raises(ValueError, match="aware"):
        calendar.session_ics(calendar.SessionEvent(**{**event.__dict__,
                                                      "starts_at": datetime(2027, 1, 1)}))


def test_the_pace_chart_accumulates_the_months_against_the_target() -> None:
    months = [(f"m{i}", n) for i, n in enumerate([10, 12, 15, 0, 8, 9, 3, 0, 14, 16, 18, 11])]
    c = chart.pace(months, 140, 200)
    assert c.total == 116
    assert [m.running for m in c.months][:3] == [10, 22, 37]
    assert c.scale_max == 200
    assert c.band_high_y < c.band_low_y < c.plot_bottom  # higher targets are drawn higher
    assert c.months[3].height == 0
    assert c.months[2].height > c.months[1].height
    over = chart.pace([("m", 30)] * 12, 140, 200)
    assert over.scale_max == 360
    assert over.months[-1].running_y == pytest.approx(8.0)
    with pytest.raises(ValueError, match="twelve"):
        chart.pace(months[:11], 140, 200)
