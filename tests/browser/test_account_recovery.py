"""Account recovery in a real Chromium against the live server, the mail read from the files of
Django's file backend: sign up, confirm the address by the mailed link, log out, reset the
password by the mailed link, log in with the new one. Screenshots of the new pages in English and
French, 1366 px wide (LAIF_SHOTS_DIR)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Page, ViewportSize, expect

from tests.browser.conftest import FileMailbox
from tests.factories import PASSWORD, World

pytestmark = pytest.mark.browser

FIRST_PASSWORD = "Quiet-Harbour-Lantern-2026"
NEW_PASSWORD = "Misty-Orchard-Compass-7"
WIDE: ViewportSize = {"width": 1366, "height": 900}


def shot(page: Page, shots_dir: Path, name: str) -> None:
    page.screenshot(path=str(shots_dir / f"{name}.png"), full_page=True)


def sign_up(page: Page, base: str) -> None:
    page.goto(f"{base}/signup/")
    page.get_by_label("Legal name").fill("Kirchberg Robotics S.A.")
    page.get_by_label("Country").select_option("LU")
    page.get_by_label("Sector").select_option("industry")
    page.get_by_label("Kind of organisation").select_option("startup")
    # no company figures: they are optional at sign-up
    page.get_by_label("First name").fill("Lea")
    page.get_by_label("Last name").fill("Wagner")
    page.get_by_label("E-mail address").fill("lea@kirchberg-robotics.lu")
    page.get_by_label("Password", exact=True).fill(FIRST_PASSWORD)
    page.get_by_label("Password (again)").fill(FIRST_PASSWORD)
    page.get_by_role("button", name="Register").click()


def test_sign_up_confirm_log_out_reset_and_log_in(page: Page, live_server: Any,
                                                  mailbox: FileMailbox, shots_dir: Path) -> None:
    base = live_server.url
    page.set_viewport_size(WIDE)
    email = "lea@kirchberg-robotics.lu"

    # Sign up: logged in, told to confirm the address; no organisation yet.
    sign_up(page, base)
    expect(page.locator(".messages")).to_contain_text(f"we sent a link to {email}")
    banner = page.locator(".verify-banner")
    expect(banner).to_contain_text("Confirm your e-mail address")
    shot(page, shots_dir, "verify-banner")

    # The confirmation mail's link registers the organisation.
    page.goto(mailbox.link(email, "/verify-email/"))
    expect(page.locator(".messages")).to_contain_text("Kirchberg Robotics S.A. is registered")
    expect(page.locator(".verify-banner")).to_have_count(0)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Organisation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kirchberg Robotics S.A.")

    # Log out, then forget the password.
    page.locator(".usermenu summary").click()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login/$"))
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reset your password")
    shot(page, shots_dir, "password-reset")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_role("button", name="Send me the link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your mailbox")
    shot(page, shots_dir, "password-reset-sent")

    # The reset mail's link: a new password.
    page.goto(mailbox.link(email, "/password-reset/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    expect(page.locator("main")).to_contain_text("revokes all its API tokens")
    shot(page, shots_dir, "password-reset-confirm")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set the new password").click()
    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(page.locator(".messages")).to_contain_text("Your password is changed.")

    # The old password no longer works; the new one does.
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(FIRST_PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()
    expect(page.locator(".notice-error")).to_contain_text("Wrong e-mail address or password.")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Lea")

    # Changing it while logged in.
    page.goto(f"{base}/account/")
    page.get_by_role("link", name="Change your password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change your password")
    shot(page, shots_dir, "password-change")


def test_recovery_pages_and_lockout_in_french(page: Page, live_server: Any, world: World,
                                              mailbox: FileMailbox, shots_dir: Path) -> None:
    base = live_server.url
    page.set_viewport_size(WIDE)
    page.goto(f"{base}/login/")
    page.get_by_role("button", name="FR").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")

    page.get_by_role("link", name="Mot de passe oublié ?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Réinitialiser votre mot de passe")
    shot(page, shots_dir, "password-reset-fr")
    page.get_by_label("Adresse e-mail").fill(world.member.email)
    page.get_by_role("button", name="M'envoyer le lien").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Consultez votre boîte aux lettres")
    shot(page, shots_dir, "password-reset-sent-fr")
    page.goto(mailbox.link(world.member.email, "/password-reset/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Choisissez un nouveau mot de passe")
    shot(page, shots_dir, "password-reset-confirm-fr")

    # Too many failures from this browser's address: the page says until when, in French.
    page.goto(f"{base}/login/")
    for _ in range(settings.LAIF_LOGIN_MAX_FAILURES):
        page.get_by_label("Adresse e-mail").fill(world.project_lead.email)
        page.get_by_label("Mot de passe").fill("pas-le-bon")
        page.locator("main").get_by_role("button", name="Se connecter").click()
    expect(page.locator(".notice-error")).to_contain_text(
        re.compile(r"Réessayez dans \d+ minutes \(à \d\d:\d\d\)"))
    shot(page, shots_dir, "login-locked-fr")

    # Logged in: the change page and the confirmation banner of an unconfirmed account.
    page.get_by_label("Adresse e-mail").fill(world.member.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Se connecter").click()
    page.get_by_role("button", name="FR").click()  # the account's saved language was English
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.goto(f"{base}/account/password/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Changer votre mot de passe")
    shot(page, shots_dir, "password-change-fr")
    type(world.member).objects.filter(pk=world.member.pk).update(email_verified_at=None)
    page.goto(f"{base}/")
    expect(page.locator(".verify-banner")).to_contain_text("Confirmez votre adresse e-mail")
    shot(page, shots_dir, "verify-banner-fr")
