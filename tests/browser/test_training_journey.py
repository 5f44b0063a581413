"""Upskill & Train in a real Chromium: a member finds a course, joins the full session's
waitlist, gets the seat a colleague frees and accepts it; once the session has taken place the
trainer records attendance, a certificate is issued, anyone can verify it by its page, and once
revoked the same page says so."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.train import services
from laif.train.models import Course, Enrolment, TrainingSession
from tests.browser.test_journey import log_in, no_external_requests, shot
from tests.factories import World

pytestmark = pytest.mark.browser


def test_find_enrol_waitlist_offer_accept_attend_certificate_verify_revoke(
        page: Page, browser: Browser, live_server: Any, world: World, shots_dir: Path) -> None:
    base = live_server.url
    outside = no_external_requests(page, base)
    w = world
    services.courses_sync_from_catalogue()
    course = Course.objects.get(key="gpu-optimisation")
    start = timezone.now() + timedelta(days=12)
    t = services.session_create(access=access_for(w.trainer), actor=Actor.of(w.trainer),
                                course_id=course.pk, starts_at=start,
                                ends_at=start + timedelta(hours=7), place="LuxProvide, Bissen",
                                capacity=1)
    seat = services.enrolment_create(access=access_for(w.project_lead),
                                     actor=Actor.of(w.project_lead), session_id=t.pk,
                                     organisation_id=w.org.pk)

    # 1. the member finds the course and joins the full session's waitlist
    log_in(page, base, w.member.email)
    page.goto(f"{base}/training/")
    page.get_by_label("Audience").select_option("technical")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name="Optimising models for the GPU architecture").click()
    expect(page.locator("#sessions")).to_contain_text("0 / 1")
    page.get_by_role("link", name="Join the waitlist").click()
    page.get_by_label("Who takes part").select_option(label="Myself")
    page.locator("#enrol-form").get_by_role("button", name="Join the waitlist").click()
    expect(page.locator("#my-enrolment")).to_contain_text("You are on the waitlist, number 1")
    shot(page, shots_dir, "training-01-waitlisted")

    # 2. the colleague with the seat cancels: the member is offered it, and accepts
    services.enrolment_cancel(access=access_for(w.project_lead), actor=Actor.of(w.project_lead),
                              enrolment_id=seat.pk)
    page.reload()
    expect(page.locator("#my-enrolment")).to_contain_text("A seat is free for you")
    shot(page, shots_dir, "training-02-offer")
    page.get_by_role("button", name="Accept the seat").click()
    expect(page.locator("#my-enrolment")).to_contain_text("You have a seat.")
    page.locator("form.lang button[value=fr]").click()
    expect(page.locator("#my-enrolment")).to_contain_text("Vous avez une place.")
    shot(page, shots_dir, "training-03-seat-fr")
    page.locator("form.lang button[value=en]").click()

    # 3. the session took place: the trainer records attendance, a certificate is issued
    begun = timezone.now() - timedelta(days=1, hours=8)
    TrainingSession.objects.filter(pk=t.pk).update(starts_at=begun,
                                                   ends_at=begun + timedelta(hours=7))
    trainer = browser.new_context().new_page()
    log_in(trainer, base, w.trainer.email)
    trainer.goto(f"{base}/training/sessions/{t.pk}/")
    trainer.locator("#attendance-form input[type=number]").fill("90")
    trainer.get_by_role("button", name="Record attendance").click()
    link = trainer.locator("#roster a[href^='/certificates/']")
    expect(link).to_have_text(re.compile(r"^LAIF-"))
    uid = link.inner_text()
    shot(trainer, shots_dir, "training-04-roster")
    assert Enrolment.objects.get(person=w.member, session=t).attendance_percent == 90

    # 4. anyone verifies it by its page (what the PDF's QR code opens)
    visitor = browser.new_context().new_page()
    visitor.goto(f"{base}/certificates/{uid}/")
    expect(visitor.locator("h1")).to_have_text("This certificate is valid")
    expect(visitor.locator("#verification")).to_contain_text(w.member.get_full_name()
                                                           or w.member.email)
    expect(visitor.locator("#verification")).not_to_contain_text("Acme")
    shot(visitor, shots_dir, "training-05-valid")

    # the member finds it under their training and downloads the PDF
    page.goto(f"{base}/training/mine/")
    expect(page.locator("#certificates")).to_contain_text(uid)
    page.get_by_role("link", name=re.compile("Optimising models")).last.click()
    with page.expect_download() as got:
        page.get_by_role("link", name="Download the certificate (PDF)").click()
    assert got.value.suggested_filename == f"certificate-{uid}.pdf"

    # 5. the trainer revokes it; the public page now says so
    trainer.goto(f"{base}/certificates/{uid}/")
    trainer.get_by_label("Why").fill("attendance sheet forged")
    trainer.get_by_role("button", name="Revoke the certificate").click()
    visitor.reload()
    expect(visitor.locator("h1")).to_have_text("This certificate is revoked")
    shot(visitor, shots_dir, "training-06-revoked")
    visitor.set_viewport_size({"width": 390, "height": 844})
    shot(visitor, shots_dir, "training-07-revoked-390")
    assert outside == []
