"""Server-rendered pages: who sees which page, forms show the services' errors, nothing external.

Each page is rendered through Django's test client for each role of the tenancy matrix; a page of
another tenant is a 404 (never a hint that it exists), a page the role may not use is a 403.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from laif.accounts import services
from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.models import (
    AuditEntry,
    Invitation,
    Membership,
    ProjectMembership,
    User,
)
from laif.catalogue import load_pillars
from tests.factories import PASSWORD, World
from tests.views_support import ClientFor, fast_hashers, html  # noqa: F401  (autouse)

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "other_member", "member", "project_lead", "org_admin", "operator",
         "reviewer", "trainer", "auditor")
NEW_PASSWORD = "Quiet-Harbour-Lantern-2026"


# ----------------------------------------------------------------------------- who sees what

# page -> {role: expected status}; any role not listed gets the default of the row.
LOGIN = 302


def _pages(w: World) -> dict[str, tuple[int, dict[str, int]]]:
    org, other_org, project = w.org.pk, w.other_org.pk, w.project.pk
    client_data = {"operator": 200, "reviewer": 200, "auditor": 200}
    own_org = {"member": 200, "project_lead": 200, "org_admin": 200}
    return {
        "/": (200, {}),  # the front page is public
        "/login/": (302, {"anonymous": 200}),
        "/signup/": (302, {"anonymous": 200}),
        "/organisations/": (200, {"anonymous": LOGIN, "trainer": 403}),
        f"/organisations/{org}/": (404, {"anonymous": LOGIN, **own_org, **client_data}),
        f"/organisations/{other_org}/": (404, {"anonymous": LOGIN, "other_member": 200,
                                               **client_data}),
        f"/organisations/{org}/projects/new/": (
            404, {"anonymous": LOGIN, "org_admin": 200, "member": 403, "project_lead": 403,
                  "operator": 403, "reviewer": 403, "auditor": 403}),
        "/projects/": (200, {"anonymous": LOGIN, "trainer": 403}),
        f"/projects/{project}/": (404, {"anonymous": LOGIN, "project_lead": 200,
                                        "org_admin": 200, **client_data}),
        "/account/": (200, {"anonymous": LOGIN}),
        "/account/tokens/": (200, {"anonymous": LOGIN}),
        "/staff/audit/": (403, {"anonymous": LOGIN, "auditor": 200}),
        "/staff/audit/verify/": (403, {"anonymous": LOGIN, "auditor": 200}),
        "/staff/identities/": (403, {"anonymous": LOGIN, "operator": 200, "auditor": 200}),
        "/invitations/not-a-real-token/": (404, {}),
        "/no-such-page/": (404, {}),
    }


@pytest.mark.parametrize("role", ROLES)
def test_each_page_for_each_role(world: World, client_for: ClientFor, role: str) -> None:
    client = client_for(world.user(role))
    failures = []
    for path, (default, overrides) in _pages(world).items():
        expected = overrides.get(role, default)
        response = client.get(path)
        if response.status_code != expected:
            failures.append(f"{path}: {response.status_code}, expected {expected}")
        elif expected == LOGIN and role == "anonymous":
            assert response["Location"].startswith("/login/?next="), path
    assert not failures, f"{role}: " + "; ".join(failures)


def test_error_pages_are_the_sites_own(world: World, client_for: ClientFor) -> None:
    client = client_for(world.other_member)
    page = html(client.get(f"/projects/{world.project.pk}/"))
    assert "Page not found" in page
    assert world.project.name not in page
    forbidden = client_for(world.member).get("/staff/audit/")
    assert forbidden.status_code == 403
    assert "Access denied" in html(forbidden)
    assert "Only auditors can read the audit log." in html(forbidden)


def test_home_for_a_company_user_shows_pillars_and_projects(world: World,
                                                            client_for: ClientFor) -> None:
    page = html(client_for(world.project_lead).get("/"))
    for pillar in load_pillars().pillars:
        assert pillar.title.replace("&", "&amp;") in page
    assert world.project.name in page
    assert world.project.code in page
    assert "Project lead" in page
    assert "New project" not in page  # not an org admin
    assert world.other_project.name not in page
    admin_page = html(client_for(world.org_admin).get("/"))
    assert reverse("project_create", args=[world.org.pk]) in admin_page


@pytest.mark.parametrize(("page", "current"), [
    ("project", "Projects"), ("compute_usage", "Projects"), ("compute_jobs", "Projects"),
    ("organisation", "Organisation"), ("statement_list", "Organisation"),
])
def test_the_main_navigation_marks_the_section_of_the_page(
        world: World, client_for: ClientFor, page: str, current: str) -> None:
    arg = world.org.pk if page in ("organisation", "statement_list") else world.project.pk
    text = html(client_for(world.org_admin).get(reverse(page, args=[arg])))
    marked = re.findall(r'aria-current="page">([^<]+)</a>', text)
    assert marked == [current]


def test_home_for_a_person_without_organisation(client_for: ClientFor) -> None:
    loner = User.objects.create_user("loner@example.lu", PASSWORD, first_name="Lou")
    page = html(client_for(loner).get("/"))
    assert "You are not a member of any organisation yet." in page
    assert "Welcome, Lou" in page


def test_home_for_staff_is_the_operator_dashboard(world: World, client_for: ClientFor) -> None:
    page = html(client_for(world.auditor).get("/"))
    assert "Operator dashboard" in page
    assert reverse("audit") in page
    assert reverse("identities") in page
    assert reverse("organisations") in page
    trainer = html(client_for(world.trainer).get("/"))
    assert "Operator dashboard" in trainer
    for name in ("audit", "identities", "organisations"):
        assert reverse(name) not in trainer
    operator = html(client_for(world.operator).get("/"))
    assert reverse("identities") in operator
    assert reverse("audit") not in operator


def test_organisation_list_is_scoped(world: World, client_for: ClientFor) -> None:
    page = html(client_for(world.member).get("/organisations/"))
    assert world.org.name in page
    assert world.other_org.name not in page
    staff = html(client_for(world.reviewer).get("/organisations/"))
    assert world.org.name in staff
    assert world.other_org.name in staff


def test_staff_view_of_client_data_is_audited(world: World, client_for: ClientFor) -> None:
    before = AuditEntry.objects.filter(action="data.accessed").count()
    assert client_for(world.operator).get(f"/organisations/{world.org.pk}/").status_code == 200
    assert AuditEntry.objects.filter(action="data.accessed").count() == before + 1


# ----------------------------------------------------------------------------- organisation


def test_invite_sends_mail_and_shows_success(world: World, client_for: ClientFor,
                                             django_capture_on_commit_callbacks: Any) -> None:
    client = client_for(world.org_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/organisations/{world.org.pk}/invitations/",
                               {"email": "new.person@acme.lu", "role": "member"}, follow=True)
    assert "Invitation sent to new.person@acme.lu." in html(response)
    assert len(mail.outbox) == 1
    assert "/invitations/" in str(mail.outbox[0].body)
    page = html(client.post(f"/organisations/{world.org.pk}/invitations/",
                            {"email": world.member.email, "role": "member"}))
    assert f"{world.member.email} is already a member." in page
    page = html(client.post(f"/organisations/{world.org.pk}/invitations/",
                            {"email": "not an address", "role": "member"}))
    assert "Enter a valid email address." in page


def test_invite_and_role_change_are_refused_outside_the_role(world: World,
                                                             client_for: ClientFor) -> None:
    url = f"/organisations/{world.org.pk}/invitations/"
    data = {"email": "x@acme.lu", "role": "member"}
    assert client_for(world.member).post(url, data).status_code == 403
    assert client_for(world.other_member).post(url, data).status_code == 404
    role_url = f"/organisations/{world.org.pk}/members/{world.member.pk}/role/"
    assert client_for(world.member).post(role_url, {"role": "admin"}).status_code == 403
    assert client_for(world.other_member).post(role_url, {"role": "admin"}).status_code == 404
    assert not Invitation.objects.filter(email="x@acme.lu").exists()


def test_role_change_with_htmx_returns_the_row(world: World, client_for: ClientFor) -> None:
    client = client_for(world.org_admin)
    url = f"/organisations/{world.org.pk}/members/{world.member.pk}/role/"
    response = client.post(url, {"role": "admin"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    row = html(response)
    assert row.startswith(f'<tr id="member-{world.member.pk}">')
    assert "Role changed." in row
    assert "<html" not in row
    assert Membership.objects.get(user=world.member, organisation=world.org).role == "admin"
    # The last admin cannot step down: the error shows in the row, not as an error page.
    client.post(url, {"role": "member"}, HTTP_HX_REQUEST="true")
    own = f"/organisations/{world.org.pk}/members/{world.org_admin.pk}/role/"
    row = html(client.post(own, {"role": "member"}, HTTP_HX_REQUEST="true"))
    assert "The organisation must keep at least one admin." in row
    # Without htmx: a redirect and a message.
    response = client.post(url, {"role": "member"}, follow=True)
    assert "Role changed." in html(response)


def test_invitation_accept_anonymous_creates_the_account(world: World, client: Client) -> None:
    admin = world.org_admin
    invitation = services.invitation_create(
        access=access_for(admin), actor=Actor.of(admin), organisation_id=world.org.pk,
        email="newcomer@acme.lu", role="member")
    url = f"/invitations/{invitation.plain_token}/"  # type: ignore[attr-defined]
    page = html(client.get(url))
    assert "Join Acme Vision" in page
    assert "newcomer@acme.lu" in page
    page = html(client.post(url, {"first_name": "Nina", "last_name": "New",
                                  "password": "short", "password2": "short"}))
    assert "This password is too short" in page
    response = client.post(url, {"first_name": "Nina", "last_name": "New",
                                 "password": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == f"/organisations/{world.org.pk}/"
    user = User.objects.get(email="newcomer@acme.lu")
    assert Membership.objects.filter(user=user, organisation=world.org).exists()
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get(url).status_code == 404  # used


def test_invitation_accept_logged_in(world: World, client_for: ClientFor) -> None:
    admin = world.org_admin
    invitation = services.invitation_create(
        access=access_for(admin), actor=Actor.of(admin), organisation_id=world.org.pk,
        email=world.other_member.email, role="member")
    url = f"/invitations/{invitation.plain_token}/"  # type: ignore[attr-defined]
    page = html(client_for(world.project_lead).post(url))
    assert f"This invitation was sent to {world.other_member.email}" in page
    response = client_for(world.other_member).post(url)
    assert response.status_code == 302
    assert Membership.objects.filter(user=world.other_member, organisation=world.org).exists()


# ----------------------------------------------------------------------------- projects


def test_project_create(world: World, client_for: ClientFor) -> None:
    client = client_for(world.org_admin)
    url = f"/organisations/{world.org.pk}/projects/new/"
    page = html(client.get(url))
    assert world.member.email in page  # lead chosen among org members
    assert world.other_member.email not in page
    page = html(client.post(url, {"name": "", "description": "", "lead_id": world.member.pk}))
    assert "This field is required." in page
    page = html(client.post(url, {"name": "X", "lead_id": world.other_member.pk}))
    assert "Select a valid choice." in page
    response = client.post(url, {"name": "Predictive maintenance", "description": "Pumps.",
                                 "lead_id": world.member.pk}, follow=True)
    page = html(response)
    assert "Predictive maintenance" in page
    assert "created (code" in page
    project = world.org.projects.get(name="Predictive maintenance")
    assert ProjectMembership.objects.get(project=project, user=world.member).role == "lead"
    assert client_for(world.member).post(url, {"name": "Y", "lead_id": world.member.pk}
                                         ).status_code == 403


def test_project_members_with_htmx(world: World, client_for: ClientFor) -> None:
    client = client_for(world.project_lead)
    project = world.project.pk
    page = html(client.get(f"/projects/{project}/"))
    assert 'hx-post="/projects/' in page
    assert world.member.email in page
    fragment = html(client.post(f"/projects/{project}/members/",
                                {"user_id": world.member.pk, "role": "member"},
                                HTTP_HX_REQUEST="true"))
    assert fragment.startswith('<div id="project-members">')
    assert "Member added." in fragment
    assert world.member.email in fragment
    fragment = html(client.post(f"/projects/{project}/members/{world.project_lead.pk}/remove/",
                                HTTP_HX_REQUEST="true"))
    assert "Name another project lead before removing the current one." in fragment
    fragment = html(client.post(f"/projects/{project}/members/{world.member.pk}/remove/",
                                HTTP_HX_REQUEST="true"))
    assert "Member removed." in fragment
    assert not ProjectMembership.objects.filter(project_id=project, user=world.member).exists()
    # Someone of another organisation cannot be added (not even offered).
    response = client.post(f"/projects/{project}/members/",
                           {"user_id": world.other_member.pk, "role": "member"},
                           HTTP_HX_REQUEST="true")
    assert "Select a valid choice." in html(response)
    # A plain member may see nothing here; another tenant gets 404.
    other = client_for(world.other_member)
    assert other.post(f"/projects/{project}/members/",
                      {"user_id": world.member.pk}).status_code == 404
    staff = client_for(world.operator)
    assert staff.post(f"/projects/{project}/members/",
                      {"user_id": world.member.pk}).status_code == 403


