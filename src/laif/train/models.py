"""Courses (the catalogue's, then edited by trainers), their sessions with seats, enrolments with
the waitlist and its timed offers, and the certificates a completed enrolment earns."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Course(models.Model):
    key = models.SlugField(max_length=60, unique=True)
    title_en = models.CharField(_("title (English)"), max_length=200)
    title_fr = models.CharField(_("title (French)"), max_length=200)
    summary_en = models.TextField(_("summary (English)"), max_length=2000)
    summary_fr = models.TextField(_("summary (French)"), max_length=2000)
    prerequisites_en = models.CharField(_("prerequisites (English)"), max_length=500, blank=True)
    prerequisites_fr = models.CharField(_("prerequisites (French)"), max_length=500, blank=True)
    audience = models.CharField(_("audience"), max_length=20)
    level = models.CharField(_("level"), max_length=20)
    language = models.CharField(_("language"), max_length=2)
    format = models.CharField(_("format"), max_length=20)
    provider = models.CharField(_("provider"), max_length=30)
    duration_hours = models.PositiveSmallIntegerField(_("duration (hours)"))
    # the maturity check's dimensions the course strengthens (recommendations)
    dimensions = models.JSONField(default=list)
    active = models.BooleanField(default=True)
    catalogue_version = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+")

    class Meta:
        ordering: ClassVar[list[str]] = ["title_en"]

    def __str__(self) -> str:
        return self.title_en

    def title_in(self, language: str) -> str:
        return self.title_fr if language.startswith("fr") else self.title_en

    def summary_in(self, language: str) -> str:
        return self.summary_fr if language.startswith("fr") else self.summary_en

    def prerequisites_in(self, language: str) -> str:
        return self.prerequisites_fr if language.startswith("fr") else self.prerequisites_en


class TrainingSession(models.Model):
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="sessions")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(_("place"), max_length=200)
    capacity = models.PositiveIntegerField(_("seats"))
    offer_hours = models.PositiveSmallIntegerField(_("hours to accept a freed seat"))
    cancelled_at = models.DateTimeField(null=True, blank=True)
    attendance_recorded_at = models.DateTimeField(null=True, blank=True)
    sequence = models.PositiveIntegerField(default=0)  # iCalendar SEQUENCE: bumped on change
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["starts_at", "pk"]
        constraints: ClassVar[list[Any]] = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")),
                                   name="trainingsession_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="trainingsession_seats"),
        ]

    def __str__(self) -> str:
        return f"{self.course} {self.starts_at:%Y-%m-%d}"


class EnrolmentStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("On the waitlist")
    OFFERED = "offered", _("Seat offered")
    CANCELLED = "cancelled", _("Cancelled")
    DECLINED = "declined", _("Offer declined")
    EXPIRED = "expired", _("Offer expired")


ACTIVE = (EnrolmentStatus.CONFIRMED, EnrolmentStatus.WAITLISTED, EnrolmentStatus.OFFERED)
HOLDS_SEAT = (EnrolmentStatus.CONFIRMED, EnrolmentStatus.OFFERED)


class Enrolment(models.Model):
    session = models.ForeignKey(TrainingSession, on_delete=models.PROTECT,
                                related_name="enrolments")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="enrolments")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                                     related_name="+")
    enrolled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    status = models.CharField(max_length=12, choices=EnrolmentStatus.choices)
    queued_at = models.DateTimeField()  # the waitlist's order
    offered_at = models.DateTimeField(null=True, blank=True)
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    attendance_percent = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["queued_at", "pk"]
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["session", "person"],
                                    condition=Q(status__in=[s.value for s in ACTIVE]),
                                    name="enrolment_one_active_per_person"),
            models.CheckConstraint(condition=Q(attendance_percent__isnull=True)
                                   | Q(attendance_percent__lte=100),
                                   name="enrolment_attendance_percent"),
            models.CheckConstraint(condition=~Q(status=EnrolmentStatus.OFFERED)
                                   | Q(offer_expires_at__isnull=False),
                                   name="enrolment_offer_has_deadline"),
        ]
        indexes: ClassVar[list[Any]] = [
            models.Index(fields=["status", "offer_expires_at"], name="enrolment_offers"),
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.session} ({self.status})"


class Certificate(models.Model):
    """What a completed enrolment earned, as it was on the day (names and titles copied), with
    the platform's signature of its record; revoking keeps it, marked."""

    enrolment = models.OneToOneField(Enrolment, on_delete=models.PROTECT,
                                     related_name="certificate")
    uid = models.CharField(max_length=24, unique=True)
    holder_name = models.CharField(max_length=300)
    course_title_en = models.CharField(max_length=200)
    course_title_fr = models.CharField(max_length=200)
    provider = models.CharField(max_length=200)
    hours = models.PositiveSmallIntegerField()
    session_start = models.DateField()
    session_end = models.DateField()
    attendance_percent = models.PositiveSmallIntegerField()
    issued_at = models.DateTimeField()
    record = models.JSONField()
    signature = models.CharField(max_length=200)
    signing_key_id = models.CharField(max_length=64)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=500, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+")

    class Meta:
        ordering: ClassVar[list[str]] = ["-issued_at", "-pk"]

    def __str__(self) -> str:
        return self.uid

    def title_in(self, language: str) -> str:
        return self.course_title_fr if language.startswith("fr") else self.course_title_en
