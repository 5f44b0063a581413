"""A certificate as a PDF (WeasyPrint, through billing's renderer: system fonts, the platform's
own static files only) with a QR code (``segno``, inline SVG) that opens its public verification
page, and a session's calendar file."""

from __future__ import annotations

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from laif.billing.pdf import html_pdf
from laif.train import calendar
from laif.train.models import Certificate, TrainingSession


def verification_url(uid: str) -> str:
    return settings.LAIF_SITE_URL + reverse("train_certificate", kwargs={"uid": uid})


def qr_svg(url: str) -> str:
    """The QR code of ``url`` as an SVG element (error correction M: survives a crease)."""
    return segno.make(url, error="m").svg_inline(scale=3, dark="#0b1f3a", omitsize=False)


def certificate_pdf(cert: Certificate, language: str) -> bytes:
    url = verification_url(cert.uid)
    with translation.override(language):
        html = render_to_string("train/certificate_pdf.html", {
            "cert": cert, "title": cert.title_in(language), "url": url,
            "qr": mark_safe(qr_svg(url)),  # noqa: S308 - segno's own SVG of our URL
        })
    return html_pdf(html)


def session_ics(session: TrainingSession, language: str) -> bytes:
    course = session.course
    link = settings.LAIF_SITE_URL + reverse("train_session", kwargs={"session_id": session.pk})
    host = settings.LAIF_SITE_URL.split("://", 1)[-1].split("/", 1)[0] or "laif"
    return calendar.session_ics(calendar.SessionEvent(
        uid=f"training-session-{session.pk}@{host}", title=course.title_in(language),
        description=f"{course.summary_in(language)}\n\n{link}", place=session.place,
        starts_at=session.starts_at, ends_at=session.ends_at, sequence=session.sequence,
        cancelled=session.cancelled_at is not None, url=link,
        stamp=session.cancelled_at or timezone.now()))
