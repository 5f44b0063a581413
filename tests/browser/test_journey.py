"""End-to-end journeys in a real Chromium against the live server.

A new organisation signs up, creates a project, adds an SSH key and finds the project on its home
page; the pages also work in French; htmx fragments (project members, audit verification) swap in
place, served from the site itself.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from playwright.sync_api import Page, expect

from tests.browser.conftest import FileMailbox
from tests.factories import PASSWORD, World

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Quiet-Harbour-Lantern-2026"


def ed25519_public_key(comment: str) -> tuple[str, str]:
    """A fresh OpenSSH ed25519 public key line and its SHA256 fingerprint."""
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    line = key.public_bytes(serialization.Encoding.OpenSSH,
                            serialization.PublicFormat.OpenSSH).decode()
    blob = base64.b64decode(line.split()[1])
    fingerprint = "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    return f"{line} {comment}", fingerprint


def shot(page: Page, shots_dir: Path, name: str) -> None:
    page.screenshot(path=str(shots_dir / f"{name}.png"), full_page=True)


def no_external_requests(page: Page, base_url: str) -> list[str]:
    """Record every request that leaves the live server (there must be none)."""
    outside: list[str] = []

    def check(request: Any) -> None:
        if not request.url.startswith(base_url) and not request.url.startswith("data:"):
            outside.append(request.url)

    page.on("request", check)
    return outside


def log_in(page: Page, base: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.locator("main").get_by_role("button", name="Log in").click()
    expect(page).not_to_have_url(re.compile(r"/login/"))


def test_sign_up_project_ssh_key_home(page: Page, live_server: Any, shots_dir: Path,
                                      mailbox: FileMailbox) -> None:
    base = live_server.url
    outside = no_external_requests(page, base)

    # Sign up a new organisation.
    page.goto(f"{base}/signup/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Register your organisation")
    shot(page, shots_dir, "signup")
    page.get_by_label("Legal name").fill("Moselle Vision S.A.")
    page.get_by_label("Country").select_option("LU")
    page.get_by_label("RCS number").fill("B234567")
    page.get_by_label("VAT number").fill("LU15027442")
    page.get_by_label("Sector").select_option("industry")
    page.get_by_label("Kind of organisation").select_option("startup")
    # the company figures are optional, in a closed section: this person gives them
    page.get_by_text("Company figures (optional)").click()
    page.get_by_label("Staff headcount").fill("8")
    page.get_by_label("Annual turnover (EUR)").fill("1500000")
    page.get_by_label("Balance sheet total (EUR)").fill("900000")
    page.get_by_label("First name").fill("Anne")
    page.get_by_label("Last name").fill("Kremer")
    page.get_by_label("E-mail address").fill("anne@moselle-vision.lu")
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Password (again)").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Register").click()

    # Logged in; the organisation is registered once the address is confirmed by the mailed link.
    expect(page.locator(".messages")).to_contain_text("we sent a link to anne@moselle-vision.lu")
    page.goto(mailbox.link("anne@moselle-vision.lu", "/verify-email/"))

    # At home: the six pillars and no project yet.
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Anne")
    expect(page.locator(".messages")).to_contain_text("Micro enterprise")
    expect(page.locator(".pillar")).to_have_count(6)
    expect(page.get_by_role("heading", name="Assess & Accelerate")).to_be_visible()
    shot(page, shots_dir, "home-new")

    # The organisation page shows the computed SME class.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Organisation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Moselle Vision S.A.")
    expect(page.locator("#sme-class")).to_contain_text("Micro enterprise")
    shot(page, shots_dir, "organisation")

    # Create a project.
    page.locator("main").get_by_role("link", name="New project").click()
    page.get_by_label("Project name").fill("Defect detection line 2")
    page.get_by_label("Description").fill("Computer vision on the bottling line.")
    page.get_by_role("button", name="Create the project").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Defect detection line 2")
    expect(page.locator("#project-members")).to_contain_text("anne@moselle-vision.lu")
    expect(page.locator("#project-members")).to_contain_text("Project lead")
    shot(page, shots_dir, "project")

    # Add an SSH key: a pasted private key is refused, the public key is accepted.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="SSH keys").click()
    expect(page.locator("#cluster-username")).to_have_text(re.compile(r"^[a-z][a-z0-9_-]+$"))
    page.get_by_label("Public key").fill(
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n"
        "-----END OPENSSH PRIVATE KEY-----\n"
    )
    page.get_by_role("button", name="Add the key").click()
    expect(page.locator(".field-errors")).to_contain_text("PRIVATE key")
    shot(page, shots_dir, "ssh-key-error")
    public_key, fingerprint = ed25519_public_key("anne@laptop")
    page.get_by_label("Title").fill("laptop")
    page.get_by_label("Public key").fill(public_key)
    page.get_by_role("button", name="Add the key").click()
    expect(page.locator(".keylist")).to_contain_text(fingerprint)
    expect(page.locator(".keylist")).to_contain_text("ssh-ed25519")
    shot(page, shots_dir, "account")

    # Back home: the project card is there.
    page.get_by_role("link", name="L-AIF, Luxembourg AI Factory: home").click()
    card = page.locator(".project-card")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Defect detection line 2")
    expect(card).to_contain_text("Project lead")
    shot(page, shots_dir, "home")

    # In French.
    page.get_by_role("button", name="FR").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", name="Vos projets")).to_be_visible()
    expect(page.get_by_role("heading", name="Les six piliers de l'AI Factory")).to_be_visible()
    shot(page, shots_dir, "home-fr")
    page.get_by_role("button", name="EN").click()
    expect(page.get_by_role("heading", name="Your projects")).to_be_visible()

    # Phone width.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.get_by_role("heading", name="Your projects")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot(page, shots_dir, "home-phone")

    assert outside == [], f"requests outside the site: {outside}"


def test_htmx_members_and_audit_verification(page: Page, live_server: Any, world: World,
                                             shots_dir: Path) -> None:
    base = live_server.url
    outside = no_external_requests(page, base)
    log_in(page, base, world.org_admin.email)
    page.goto(f"{base}/projects/{world.project.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Quality control line 3")
    marker = page.evaluate("window.__laif_marker = 42")
    assert marker == 42

    # Add a member through the htmx fragment: the page is not reloaded.
    members = page.locator("#project-members")
    page.get_by_label("Person").select_option(str(world.member.pk))
    members.get_by_role("button", name="Add").click()
    expect(members).to_contain_text("Member added.")
    expect(members).to_contain_text(world.member.email)
    assert page.evaluate("window.__laif_marker") == 42

    # Remove them again (htmx asks for confirmation first).
    page.once("dialog", lambda dialog: dialog.accept())
    members.get_by_role("button", name=f"Remove {world.member.email}").click()
    expect(members).to_contain_text("Member removed.")
    expect(members.locator(f"#pmember-{world.member.pk}")).to_have_count(0)
    assert page.evaluate("window.__laif_marker") == 42

    # Change a role inline on the organisation page.
    page.goto(f"{base}/organisations/{world.org.pk}/")
    row = page.locator(f"#member-{world.member.pk}")
    row.get_by_label(f"Role of {world.member.email}").select_option("admin")
    row.get_by_role("button", name="Change").click()
    expect(page.locator(f"#member-{world.member.pk}")).to_contain_text("Role changed.")

    # An auditor verifies the audit chain in place.
    page.context.clear_cookies()
    log_in(page, base, world.auditor.email)
    page.goto(f"{base}/staff/audit/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    page.get_by_role("button", name="Verify chain").click()
    expect(page.locator("#verify-result")).to_contain_text("OK")
    expect(page).to_have_url(f"{base}/staff/audit/")
    shot(page, shots_dir, "audit")
    page.goto(f"{base}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Operator dashboard")
    shot(page, shots_dir, "dashboard")

    assert outside == [], f"requests outside the site: {outside}"
