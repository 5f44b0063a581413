"""E-mail verification at sign-up (ADR 0016): an address counts only once the person proves they
receive mail there; until then the account registers no organisation and joins none, so nobody
can squat a colleague's address."""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail, signing
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from pytest_django import DjangoCaptureOnCommitCallbacks

from laif.accounts import services
from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.errors import PermissionDenied
from laif.accounts.models import AuditEntry, Membership, Organisation, PendingOrganisation, User
from laif.accounts.services import _email_links
from tests.factories import PASSWORD, World, org_data
from tests.mail_support import link_path

pytestmark = pytest.mark.django_db

Capture = DjangoCaptureOnCommitCallbacks


def text(response: Any) -> str:
    return html.unescape(response.content.decode())


def sign_up(captured: Capture, email: str = "anne@moselle.lu", **org: object) -> User:
    with captured(execute=True):
        _pending, user = services.organisation_sign_up(
            organisation=org_data("Moselle Vision", **org), email=email, password=PASSWORD,
            first_name="Anne", last_name="Kremer")
    return user


def link_for(email: str) -> str:
    (message,) = [m for m in mail.outbox if m.to == [email]]
    return link_path(message.body, "/verify-email/")


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


# ------------------------------------------------------------------ sign-up and the link


def test_the_organisation_is_registered_only_by_the_link(
        django_capture_on_commit_callbacks: Capture) -> None:
    user = sign_up(django_capture_on_commit_callbacks)
    assert user.email_verified_at is None
    assert not Organisation.objects.exists()
    (message,) = mail.outbox
    assert message.subject == "Confirm your e-mail address for the Luxembourg AI Factory"
    assert "the registration of Moselle Vision" in message.body
    assert "If you did not sign up, ignore this mail" in message.body

    client = logged_in(user)
    page = client.get(link_for(user.email), follow=True)
    assert "Moselle Vision is registered" in text(page)
    user.refresh_from_db()
    assert user.email_verified_at is not None
    org = Organisation.objects.get(name="Moselle Vision")
    assert Membership.objects.get(organisation=org).user == user
    assert not PendingOrganisation.objects.exists()
    assert AuditEntry.objects.filter(action="user.email_verified",
                                     detail__method="link").count() == 1

    again = client.get(link_for(user.email), follow=True)  # following it again changes nothing
    assert "already confirmed" in text(again)
    assert Organisation.objects.count() == 1


def test_the_link_needs_the_account_logged_in(
        django_capture_on_commit_callbacks: Capture, world: World) -> None:
    """A mail scanner opening the link, or the owner of the mailbox who did not sign up,
    confirms nothing."""
    user = sign_up(django_capture_on_commit_callbacks)
    link = link_for(user.email)
    anonymous = Client().get(link)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/login/?next=/verify-email/")
    other = logged_in(world.member).get(link)
    assert other.status_code == 403
    assert "sent for another account" in text(other)
    assert not Organisation.objects.filter(name="Moselle Vision").exists()


@pytest.mark.parametrize("break_it", ["tamper", "expire"])
def test_a_forged_or_expired_link_is_refused_with_a_way_out(
        django_capture_on_commit_callbacks: Capture, monkeypatch: pytest.MonkeyPatch,
        settings: Any, break_it: str) -> None:
    user = sign_up(django_capture_on_commit_callbacks)
    link = link_for(user.email)
    if break_it == "tamper":
        link = link.replace("/verify-email/", "/verify-email/x")
    else:  # a link made more than LAIF_EMAIL_VERIFICATION_DAYS ago
        settings.LAIF_EMAIL_VERIFICATION_DAYS = 2
        made = int(time.time()) - 2 * 86400 - 5
        with monkeypatch.context() as patch:
            patch.setattr(signing.TimestampSigner, "timestamp",
                          lambda self: signing.b62_encode(made))
            link = "/verify-email/" + _email_links.verification_token(user) + "/"
    page = logged_in(user).get(link)
    assert page.status_code == 400
    assert ("expired" if break_it == "expire" else "not valid") in text(page)
    assert "Send me a new link" in text(page)
    assert not Organisation.objects.exists()


def test_a_link_for_an_address_the_account_no_longer_has_is_refused(
        django_capture_on_commit_callbacks: Capture) -> None:
    user = sign_up(django_capture_on_commit_callbacks)
    link = link_for(user.email)
    User.objects.filter(pk=user.pk).update(email="anne.kremer@moselle.lu")
    user.refresh_from_db()
    page = logged_in(user).get(link)
    assert "an address this account no longer uses" in text(page)


def test_the_link_can_be_sent_again_once_a_minute(
        django_capture_on_commit_callbacks: Capture) -> None:
    user = sign_up(django_capture_on_commit_callbacks)
    client = logged_in(user)
    home = text(client.get("/"))
    assert ("Confirm your e-mail address: open the link we mailed to <strong>anne@moselle.lu"
            "</strong>") in home
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post("/account/email/resend/", follow=True)
    assert "less than a minute ago" in text(page)
    assert len(mail.outbox) == 1
    User.objects.filter(pk=user.pk).update(email_verification_sent_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post("/account/email/resend/", follow=True)
    assert "We sent a new confirmation link to anne@moselle.lu." in text(page)
    assert len(mail.outbox) == 2
    client.get(link_path(mail.outbox[1].body, "/verify-email/"))
    assert Organisation.objects.filter(name="Moselle Vision").exists()


def test_an_unverified_account_cannot_register_an_organisation_directly(
        django_capture_on_commit_callbacks: Capture) -> None:
    user = sign_up(django_capture_on_commit_callbacks)
    with pytest.raises(PermissionDenied):
        services.organisation_register(admin=user, data=org_data("Squat S.A."))
    assert not Organisation.objects.exists()


def test_a_vat_number_taken_meanwhile_is_told_and_the_address_still_verified(
        django_capture_on_commit_callbacks: Capture, world: World) -> None:
    first = sign_up(django_capture_on_commit_callbacks, vat_number="LU15027442")
    second = sign_up(django_capture_on_commit_callbacks, email="b@moselle.lu",
                     vat_number="LU15027442")  # both pending: the number is not taken yet
    logged_in(second).get(link_for(second.email))
    page = logged_in(first).get(link_for(first.email), follow=True)
    assert "Moselle Vision could not be registered" in text(page)
    first.refresh_from_db()
    assert first.email_verified_at is not None
    assert Organisation.objects.filter(vat_number="LU15027442").count() == 1


# ------------------------------------------------------------------ squatting a colleague's address


def test_a_squatted_address_gets_no_invitation_and_the_owner_takes_it_back(
        django_capture_on_commit_callbacks: Capture, world: World,
        client_for: Callable[[User | None], Client]) -> None:
    """Someone signs up with a colleague's address before the colleague does."""
    squatter = sign_up(django_capture_on_commit_callbacks, email="colleague@acme.lu")
    squatter_browser = client_for(squatter)
    invitation = services.invitation_create(
        access=access_for(world.org_admin), actor=Actor.of(world.org_admin),
        organisation_id=world.org.pk, email="colleague@acme.lu", role="member")
    token = invitation.plain_token  # type: ignore[attr-defined]
    # Even holding the invitation's link (leaked, forwarded...), the unverified account cannot
    # join with it.
    page = squatter_browser.post(f"/invitations/{token}/")
    assert "Confirm your e-mail address first" in text(page)
    assert not Membership.objects.filter(user=squatter).exists()

    # The colleague, who reads the mailbox, resets the password: the account is theirs now,
    # the squatter is logged out, and the squatter's organisation is not registered.
    Client().post("/password-reset/", {"email": "colleague@acme.lu"})
    (reset,) = [m for m in mail.outbox if "/password-reset/" in m.body]
    colleague = Client()
    form = colleague.get(link_path(reset.body, "/password-reset/"), follow=True)
    colleague.post(form.redirect_chain[-1][0],
                   {"new_password1": "Colleague-Owns-It-99", "new_password2": "Colleague-Owns-It-99"})
    assert squatter_browser.get("/account/")["Location"].startswith("/login/")
    assert colleague.post("/login/", {"email": "colleague@acme.lu",
                                      "password": "Colleague-Owns-It-99"}).status_code == 302
    joined = colleague.post(f"/invitations/{token}/", follow=True)
    assert "Welcome to Acme Vision." in text(joined)
    assert not Organisation.objects.filter(name="Moselle Vision").exists()


def test_accepting_an_invitation_by_its_link_verifies_a_new_account(world: World) -> None:
    invitation = services.invitation_create(
        access=access_for(world.org_admin), actor=Actor.of(world.org_admin),
        organisation_id=world.org.pk, email="new@acme.lu", role="member")
    _membership, person = services.invitation_accept(
        token=invitation.plain_token,  # type: ignore[attr-defined]
        user=None, password=PASSWORD, first_name="New", last_name="Person")
    assert person.email_verified_at is not None


def test_a_verified_account_accepts_invitations(world: World) -> None:
    invitation = services.invitation_create(
        access=access_for(world.org_admin), actor=Actor.of(world.org_admin),
        organisation_id=world.org.pk, email=world.other_member.email, role="member")
    membership, _person = services.invitation_accept(
        token=invitation.plain_token,  # type: ignore[attr-defined]
        user=world.other_member)
    assert membership.organisation == world.org


def test_the_account_page_shows_whether_the_address_is_confirmed(
        django_capture_on_commit_callbacks: Capture, world: World) -> None:
    assert "confirmed" in text(logged_in(world.member).get("/account/"))
    user = sign_up(django_capture_on_commit_callbacks)
    assert "not confirmed" in text(logged_in(user).get("/account/"))


def test_the_api_says_whether_the_address_is_verified(
        django_capture_on_commit_callbacks: Capture) -> None:
    user = sign_up(django_capture_on_commit_callbacks)
    me = logged_in(user).get("/api/me").json()
    assert me["email_verified"] is False
    assert me["organisations"] == []


# ------------------------------------------------------------------ accounts from before the rule


@pytest.mark.django_db(transaction=True)
def test_the_migration_marks_existing_accounts_verified() -> None:
    executor = MigrationExecutor(connection)
    before = [("accounts", "0003_notice")]
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    old_apps.get_model("accounts", "User").objects.create(email="old@acme.lu", password="!")
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert User.objects.get(email="old@acme.lu").email_verified_at is not None


def test_links_are_bound_to_the_account(django_capture_on_commit_callbacks: Capture) -> None:
    user = sign_up(django_capture_on_commit_callbacks)
    token = _email_links.verification_token(user)
    assert user.email not in signing.b64_decode(token.split(":")[0].encode()).decode(
        errors="replace")  # the address is not readable in the link
