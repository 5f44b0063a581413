"""API schemas of Upskill & Train (validation only)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from ninja import Schema
from pydantic import Field

from laif.config.apitypes import Id, Name, NoNul

Key = Annotated[str, Field(min_length=1, max_length=30, pattern=r"^[a-z_]+$"), NoNul]
Slug = Annotated[str, Field(min_length=2, max_length=60, pattern=r"^[a-z0-9][a-z0-9-]*$"), NoNul]
Summary = Annotated[str, Field(min_length=1, max_length=2000), NoNul]
Prerequisites = Annotated[str, Field(max_length=500), NoNul]
Hours = Annotated[int, Field(ge=1, le=200)]
Seats = Annotated[int, Field(ge=1, le=1000)]
OfferHours = Annotated[int, Field(ge=1, le=336)]
Percent = Annotated[int, Field(ge=0, le=100)]
Year = Annotated[int, Field(ge=2000, le=2100)]


class CourseIn(Schema):
    title_en: Name
    title_fr: Name
    summary_en: Summary
    summary_fr: Summary
    prerequisites_en: Prerequisites = ""
    prerequisites_fr: Prerequisites = ""
    audience: Key = Field(description="executive, technical or translator")
    level: Key = Field(description="introductory, intermediate or advanced")
    language: Annotated[str, Field(pattern=r"^(en|fr|de|lb)$")]
    format: Key = Field(description="on_site, online or hybrid")
    provider: Key
    duration_hours: Hours
    dimensions: list[Key] = Field(default_factory=list, max_length=7,
                                  description="The maturity check's dimensions it strengthens")
    active: bool = True


class CourseCreateIn(CourseIn):
    key: Slug


class SessionOut(Schema):
    id: int
    course_id: int
    course: str
    starts_at: datetime
    ends_at: datetime
    place: str
    seats: int
    seats_free: int
    waiting: int
    offer_hours: int
    cancelled: bool
    calendar_url: str


class CourseOut(Schema):
    id: int
    key: str
    title: str
    title_en: str
    title_fr: str
    summary: str
    prerequisites: str
    audience: str
    level: str
    language: str
    format: str
    provider: str
    provider_name: str
    duration_hours: int
    dimensions: list[str]
    active: bool
    upcoming_sessions: int


class CourseDetailOut(CourseOut):
    sessions: list[SessionOut]


class SessionIn(Schema):
    starts_at: datetime
    ends_at: datetime
    place: Annotated[str, Field(min_length=1, max_length=200), NoNul]
    capacity: Seats
    offer_hours: OfferHours | None = Field(None, description="Hours a freed seat waits for its "
                                           "offer to be accepted (default: the catalogue's)")


class SessionUpdateIn(Schema):
    starts_at: datetime
    ends_at: datetime
    place: Annotated[str, Field(min_length=1, max_length=200), NoNul]
    capacity: Seats


class EnrolIn(Schema):
    organisation_id: Id
    person_id: Id | None = Field(None, description="A colleague of the organisation (default: "
                                 "yourself)")


class EnrolmentOut(Schema):
    id: int
    session_id: int
    course: str
    starts_at: datetime
    person_id: int
    person: str
    organisation_id: int
    status: str
    status_label: str
    waitlist_position: int | None = None
    offer_expires_at: datetime | None = None
    attendance_percent: int | None = None
    certificate: str | None = None


class Mark(Schema):
    enrolment_id: Id
    percent: Percent


class AttendanceIn(Schema):
    marks: list[Mark] = Field(max_length=1000)


class CertificateOut(Schema):
    uid: str
    holder: str
    course: str
    provider: str
    hours: int
    start: date
    end: date
    issued_at: datetime
    valid: bool
    revoked_at: datetime | None
    verification_url: str


class VerificationOut(Schema):
    """All the public page shows: nothing personal beyond the holder's name."""

    uid: str
    valid: bool
    holder: str
    course: str
    provider: str
    start: date
    end: date
    issued_at: datetime
    revoked_at: datetime | None


class RevokeIn(Schema):
    reason: Annotated[str, Field(min_length=1, max_length=500), NoNul]


class WeakDimension(Schema):
    dimension: str
    label: str
    score: int


class RecommendationOut(Schema):
    assessed_at: datetime | None
    weakest: list[WeakDimension]
    courses: list[CourseOut]


class Breakdown(Schema):
    key: str
    label: str
    sessions: int
    participants: int


class SummaryOut(Schema):
    year: int
    delivered: int
    scheduled: int
    participants: int
    attended: int
    attendance_percent: int | None
    certificates: int
    monthly: list[int]
    target_low: int
    target_high: int
    target_verified: bool
    target_source: str
    by_audience: list[Breakdown]
    by_language: list[Breakdown]

