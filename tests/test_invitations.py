"""Pending invitations: the admins list and revoke them (API and portal); a revoked invitation can
no longer be accepted; inviting an address whose invitation is still open is refused clearly."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks

from laif.accounts import selectors, services
from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.errors import Conflict, NotFound, PermissionDenied
from laif.accounts.models import AuditEntry, Invitation, Membership, User
from tests.api_support import client_as
from tests.factories import PASSWORD, World
from tests.views_support import ClientFor, html

pytestmark = pytest.mark.django_db

JSON = "application/json"


def invite(world: World, email: str, role: str = "member") -> tuple[Invitation, str]:
    admin = world.org_admin
    invitation = services.invitation_create(access=access_for(admin), actor=Actor.of(admin),
                                            organisation_id=world.org.pk, email=email, role=role)
    return invitation, invitation.plain_token  # type: ignore[attr-defined]


def revoke(world: World, invitation: Invitation, user: User | None = None) -> Invitation:
    who = user or world.org_admin
    return services.invitation_revoke(access=access_for(who), actor=Actor.of(who),
                                      organisation_id=invitation.organisation_id,
                                      invitation_id=invitation.pk)


# ------------------------------------------------------------------------------------ services


def test_the_list_holds_only_open_invitations(world: World) -> None:
    invite(world, "pending@example.lu", "admin")
    revoked, _ = invite(world, "revoked@example.lu")
    revoke(world, revoked)
    expired, _ = invite(world, "expired@example.lu")
    Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(1))
    _accepted, token = invite(world, "accepted@example.lu")
    services.invitation_accept(token=token, user=None, password=PASSWORD)
    other_admin = world.other_member
    services.invitation_create(access=access_for(other_admin), actor=Actor.of(other_admin),
                               organisation_id=world.other_org.pk, email="globex@example.lu",
                               role="member")
    listed = selectors.invitations_open(access=access_for(world.org_admin),
                                        organisation_id=world.org.pk)
    assert [i.email for i in listed] == ["pending@example.lu"]


def test_only_the_admins_list_and_revoke(world: World) -> None:
    invitation, _ = invite(world, "pending@example.lu")
    for user, error in [(world.member, PermissionDenied), (world.operator, PermissionDenied),
                        (world.auditor, PermissionDenied), (world.other_member, NotFound),
                        (world.trainer, NotFound)]:
        with pytest.raises(error):
            selectors.invitations_open(access=access_for(user), organisation_id=world.org.pk)
        with pytest.raises(error):
            revoke(world, invitation, user)
    assert Invitation.objects.get(pk=invitation.pk).revoked_at is None


def test_revoked_invitation_cannot_be_accepted(world: World, client: Client) -> None:
    invitation, token = invite(world, "nina@example.lu")
    revoke(world, invitation)
    with pytest.raises(NotFound):
        services.invitation_accept(token=token, user=None, password=PASSWORD)
    assert client.get(f"/invitations/{token}/").status_code == 404
    response = client.post("/api/invitations/accept", {"token": token, "password": PASSWORD},
                           content_type=JSON)
    assert response.status_code == 404
    assert not User.objects.filter(email="nina@example.lu").exists()


def test_revoke_is_audited_once_and_idempotent(world: World) -> None:
    invitation, _ = invite(world, "nina@example.lu", "admin")
    first = revoke(world, invitation).revoked_at
    assert first is not None
    assert revoke(world, invitation).revoked_at == first
    [entry] = AuditEntry.objects.filter(action="invitation.revoked")
    assert entry.actor_ref == world.org_admin.pk
    assert entry.organisation_id_ref == world.org.pk
    assert entry.target == f"invitation:{invitation.pk}"
    assert entry.detail == {"email": "nina@example.lu", "role": "admin"}


def test_an_accepted_invitation_cannot_be_revoked(world: World) -> None:
    invitation, token = invite(world, "nina@example.lu")
    services.invitation_accept(token=token, user=None, password=PASSWORD)
    with pytest.raises(Conflict, match="has already accepted"):
        revoke(world, invitation)


def test_an_invitation_of_another_organisation_is_not_found(world: World) -> None:
    other_admin = world.other_member
    theirs = services.invitation_create(
        access=access_for(other_admin), actor=Actor.of(other_admin),
        organisation_id=world.other_org.pk, email="x@example.lu", role="member")
    with pytest.raises(NotFound):  # through the admin's own organisation
        services.invitation_revoke(access=access_for(world.org_admin),
                                   actor=Actor.of(world.org_admin),
                                   organisation_id=world.org.pk, invitation_id=theirs.pk)
    assert Invitation.objects.get(pk=theirs.pk).revoked_at is None


def test_reinviting_an_open_invitation_is_refused_until_revoked_or_expired(world: World) -> None:
    invitation, _ = invite(world, "nina@example.lu")
    with pytest.raises(Conflict) as info:
        invite(world, "Nina@Example.lu")
    assert info.value.message == ("An invitation to nina@example.lu is still open; revoke it "
                                  "first to send a new one.")
    assert info.value.field == "email"
    assert Invitation.objects.filter(email="nina@example.lu").count() == 1

    revoke(world, invitation)
    second, _ = invite(world, "nina@example.lu")  # allowed once revoked
    Invitation.objects.filter(pk=second.pk).update(expires_at=timezone.now() - timedelta(1))
    invite(world, "nina@example.lu")  # and once expired
    # Another organisation may invite the same person meanwhile.
    other_admin = world.other_member
    services.invitation_create(access=access_for(other_admin), actor=Actor.of(other_admin),
                               organisation_id=world.other_org.pk, email="nina@example.lu",
                               role="member")


# ------------------------------------------------------------------------------------ API


def test_api_lists_and_revokes(world: World) -> None:
    invitation, token = invite(world, "nina@example.lu", "admin")
    admin = client_as(world.org_admin)
    url = f"/api/organisations/{world.org.pk}/invitations"
    response = admin.get(url)
    assert response.status_code == 200
    [row] = response.json()
    assert row["id"] == invitation.pk
    assert (row["email"], row["role"], row["invited_by"]) == (
        "nina@example.lu", "admin", world.org_admin.email)
    assert row["created_at"]
    assert row["expires_at"]

    response = admin.delete(f"{url}/{invitation.pk}")
    assert response.status_code == 204
    assert admin.get(url).json() == []
    assert admin.delete(f"{url}/{invitation.pk}").status_code == 204  # idempotent
    assert admin.delete(f"{url}/999999").status_code == 404
    assert admin.delete(f"{url}/0").status_code == 422  # bounded ids
    assert admin.delete(f"{url}/{2**31}").status_code == 422
    accept = Client().post("/api/invitations/accept", {"token": token, "password": PASSWORD},
                           content_type=JSON)
    assert accept.status_code == 404


def test_api_reinvite_is_409_and_revoking_an_accepted_one_is_409(world: World) -> None:
    admin = client_as(world.org_admin)
    url = f"/api/organisations/{world.org.pk}/invitations"
    assert admin.post(url, {"email": "nina@example.lu"}, content_type=JSON).status_code == 201
    response = admin.post(url, {"email": "nina@example.lu"}, content_type=JSON)
    assert response.status_code == 409
    assert response.json() == {
        "detail": "An invitation to nina@example.lu is still open; revoke it first to send a "
                  "new one.",
        "field": "email",
    }
    invitation, token = invite(world, "tom@example.lu")
    services.invitation_accept(token=token, user=None, password=PASSWORD)
    response = admin.delete(f"{url}/{invitation.pk}")
    assert response.status_code == 409
    assert response.json()["detail"] == "tom@example.lu has already accepted this invitation."


# ------------------------------------------------------------------------------------ portal


def test_organisation_page_lists_pending_invitations_for_admins(world: World,
                                                                client_for: ClientFor) -> None:
    invitation, _ = invite(world, "nina@example.lu")
    url = f"/organisations/{world.org.pk}/"
    page = html(client_for(world.org_admin).get(url))
    assert 'id="pending-invitations"' in page
    assert "nina@example.lu" in page
    assert f"invited by {world.org_admin.email}" in page
    assert f'hx-post="/organisations/{world.org.pk}/invitations/{invitation.pk}/revoke/"' in page
    for user in (world.member, world.operator):
        other = html(client_for(user).get(url))
        assert "pending-invitations" not in other
        assert "nina@example.lu" not in other
    revoke(world, invitation)
    assert "No pending invitations." in html(client_for(world.org_admin).get(url))


def test_revoke_with_htmx_returns_the_list(world: World, client_for: ClientFor) -> None:
    invitation, _ = invite(world, "nina@example.lu")
    keep, _ = invite(world, "tom@example.lu")
    url = f"/organisations/{world.org.pk}/invitations/{invitation.pk}/revoke/"
    fragment = html(client_for(world.org_admin).post(url, HTTP_HX_REQUEST="true"))
    assert fragment.startswith('<div id="pending-invitations">')
    assert "<html" not in fragment
    assert "The invitation of nina@example.lu is revoked; its link no longer works." in fragment
    assert f'id="invitation-{invitation.pk}"' not in fragment
    assert f'id="invitation-{keep.pk}"' in fragment
    assert Invitation.objects.get(pk=invitation.pk).revoked_at is not None


def test_revoke_without_htmx_redirects_with_a_message(world: World,
                                                      client_for: ClientFor) -> None:
    invitation, token = invite(world, "nina@example.lu")
    services.invitation_accept(token=token, user=None, password=PASSWORD)
    client = client_for(world.org_admin)
    url = f"/organisations/{world.org.pk}/invitations/{invitation.pk}/revoke/"
    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == f"/organisations/{world.org.pk}/"
    assert "nina@example.lu has already accepted this invitation." in html(response)
    fresh, _ = invite(world, "tom@example.lu")
    response = client.post(f"/organisations/{world.org.pk}/invitations/{fresh.pk}/revoke/",
                           follow=True)
    assert "The invitation of tom@example.lu is revoked" in html(response)


def test_revoke_outside_the_role(world: World, client_for: ClientFor) -> None:
    invitation, _ = invite(world, "nina@example.lu")
    url = f"/organisations/{world.org.pk}/invitations/{invitation.pk}/revoke/"
    assert client_for(world.member).post(url).status_code == 403
    assert client_for(world.operator).post(url).status_code == 403
    response = client_for(world.other_member).post(url)
    assert response.status_code == 404
    assert world.org.name not in html(response)
    assert client_for(world.org_admin).get(url)["Location"] == (
        f"/organisations/{world.org.pk}/invitations/")  # a GET revokes nothing
    anonymous = Client().post(url)
    assert anonymous.status_code == 302
    assert Invitation.objects.get(pk=invitation.pk).revoked_at is None


def test_reinvite_in_the_portal_says_so_on_the_field(
    world: World, client_for: ClientFor,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    client = client_for(world.org_admin)
    url = f"/organisations/{world.org.pk}/invitations/"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"email": "nina@example.lu", "role": "member"})
        page = html(client.post(url, {"email": "nina@example.lu", "role": "admin"}))
    assert len(mail.outbox) == 1
    assert '<ul class="field-errors" id="id_email_error">' in page
    assert "An invitation to nina@example.lu is still open; revoke it first" in page
    assert not Membership.objects.filter(user__email="nina@example.lu").exists()
