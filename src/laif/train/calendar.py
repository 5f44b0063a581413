"""A training session as an iCalendar file (RFC 5545, with the ``icalendar`` package): one
event whose UID stays the same for the session's life and whose SEQUENCE grows when it changes,
so a calendar that imported it updates the event instead of adding a second one; a cancelled
session is sent as ``STATUS:CANCELLED``. Pure Python (no Django)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from icalendar import Calendar, Event

PRODID = "-//Luxembourg AI Factory//laif//EN"


@dataclass(frozen=True)
class SessionEvent:
    uid: str
    title: str
    description: str
    place: str
    starts_at: datetime
    ends_at: datetime
    sequence: int
    cancelled: bool
    url: str
    stamp: datetime  # when the session was last changed


def session_ics(event: SessionEvent) -> bytes:
    if event.starts_at.tzinfo is None or event.ends_at.tzinfo is None:
        raise ValueError("a session's times must be aware")
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "CANCEL" if event.cancelled else "PUBLISH")
    vevent = Event()
    vevent.add("uid", event.uid)
    vevent.add("dtstamp", event.stamp.astimezone(UTC))
    vevent.add("dtstart", event.starts_at.astimezone(UTC))
    vevent.add("dtend", event.ends_at.astimezone(UTC))
    vevent.add("summary", event.title)
    vevent.add("description", event.description)
    vevent.add("location", event.place)
    vevent.add("sequence", event.sequence)
    vevent.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    if event.url:
        vevent.add("url", event.url)
    cal.add_component(vevent)
    return bytes(cal.to_ical())
