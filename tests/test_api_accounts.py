"""What a user of the REST API notices: sign-up, invitations, roles, projects, tokens, login
throttling, SSH keys and the identity export, each through HTTP as a client would call it."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client
from pytest_django import DjangoCaptureOnCommitCallbacks

from laif.accounts import services
from laif.accounts.models import (
    AuditEntry,
    ClusterIdentity,
    Membership,
    Organisation,
    ProjectMembership,
    User,
)
from tests.api_support import BACKEND, JSON, Api, token_for
from tests.factories import PASSWORD, World, add_member
from tests.mail_support import link_path

pytestmark = pytest.mark.django_db

def signup_body(**overrides: Any) -> dict[str, Any]:
    organisation = {
        "name": "Initech", "country": "LU", "sector": "finance", "kind": "company",
        "staff_headcount": 12, "annual_turnover_eur": 3_000_000,
        "balance_sheet_eur": 2_500_000, "rcs_number": "", "vat_number": "",
    }
    organisation.update(overrides.pop("organisation", {}))
    body = {"organisation": organisation, "email": "Peter@Initech.lu", "password": PASSWORD,
            "first_name": "Peter", "last_name": "Gibbons"}
    body.update(overrides)
    return body


# ------------------------------------------------------------------------------------ sign-up


@pytest.mark.parametrize(
    ("headcount", "turnover", "balance", "sme_class"),
    [
        (9, 1_500_000, 5_000_000, "micro"),
        (12, 3_000_000, 2_500_000, "small"),
        (49, 60_000_000, 9_000_000, "small"),  # balance sheet alone may qualify
        (120, 49_000_000, 60_000_000, "medium"),
        (250, 1_000_000, 1_000_000, "large"),  # headcount alone disqualifies
    ],
)
def test_signup_creates_organisation_and_admin_with_sme_class(
    headcount: int, turnover: int, balance: int, sme_class: str,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    body = signup_body(organisation={"staff_headcount": headcount,
                                     "annual_turnover_eur": turnover,
                                     "balance_sheet_eur": balance})
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post("/api/signup", body, content_type=JSON)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["organisation"]["sme_class"] == sme_class
    assert data["user"]["email"] == "peter@initech.lu"
    assert data["email_verified"] is False
    assert "confirmation link was mailed to peter@initech.lu" in data["detail"]
    admin = User.objects.get(email="peter@initech.lu")
    assert admin.check_password(PASSWORD)
    assert not Organisation.objects.filter(name="Initech").exists()  # not before the link

    browser = Client()
    browser.force_login(admin, backend=BACKEND)
    (message,) = mail.outbox
    browser.get(link_path(message.body, "/verify-email/"))
    org = Organisation.objects.get(name="Initech")
    assert org.sme_class == sme_class
    assert Membership.objects.get(user=admin, organisation=org).role == "admin"

    me = Api(token_for(admin)).get("/api/me").json()
    assert me["email_verified"] is True
    assert me["organisations"] == [{"id": org.pk, "name": "Initech", "role": "admin"}]
    assert AuditEntry.objects.filter(action="organisation.signed_up").count() == 1


def test_sme_tool_agrees_with_signup() -> None:
    response = Client().post("/api/tools/sme-class", {
        "staff_headcount": 120, "annual_turnover_eur": 49_000_000,
        "balance_sheet_eur": 60_000_000}, content_type=JSON)
    assert response.json() == {"sme_class": "medium", "is_sme": True}


def test_signup_with_a_taken_email_is_409(world: World) -> None:
    response = Client().post("/api/signup", signup_body(email="ADMIN@acme.lu"),
                             content_type=JSON)
    assert response.status_code == 409
    assert response.json() == {
        "detail": "An account with this e-mail address already exists.", "field": "email",
    }
    assert not Organisation.objects.filter(name="Initech").exists()


def test_signup_with_a_bad_vat_number_is_400_naming_the_field() -> None:
    body = signup_body(organisation={"vat_number": "LU 1234 5678"})
    response = Client().post("/api/signup", body, content_type=JSON)
    assert response.status_code == 400
    data = response.json()
    assert data["field"] == "vat_number"
    assert "LU12345678" in data["detail"]
    assert "not valid" in data["detail"]
    assert not User.objects.filter(email="peter@initech.lu").exists()


def test_signup_normalises_a_good_vat_number(world: World) -> None:
    body = signup_body(organisation={"vat_number": "1502 7442", "rcs_number": "b 123456"})
    response = Client().post("/api/signup", body, content_type=JSON)
    assert response.status_code == 201, response.content
    org = response.json()["organisation"]
    assert (org["vat_number"], org["rcs_number"]) == ("LU15027442", "B123456")
    peter = User.objects.get(email="peter@initech.lu")
    services.email_verify(user=peter, token=services.verification_token(peter))
    assert Organisation.objects.get(name="Initech").vat_number == "LU15027442"

    again = signup_body(email="other@initech.lu", organisation={"vat_number": "LU15027442"})
    response = Client().post("/api/signup", again, content_type=JSON)
    assert response.status_code == 409
    assert "VAT" in response.json()["detail"]


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1x", "This password is too short. It must contain at least 10 characters."),
        ("password123", "This password is too common."),
        ("4815162342108", "This password is entirely numeric."),
    ],
)
def test_signup_with_a_weak_password_is_400_with_the_reason(password: str, message: str) -> None:
    response = Client().post("/api/signup", signup_body(password=password), content_type=JSON)
    assert response.status_code == 400
    data = response.json()
    assert data["field"] == "password"
    assert message in data["detail"]
    assert not User.objects.filter(email="peter@initech.lu").exists()


@pytest.mark.parametrize("field", ["first_name", "last_name"])
def test_signup_with_an_overlong_name_is_refused_not_a_crash(field: str) -> None:
    response = Client().post("/api/signup", signup_body(**{field: "N" * 180}), content_type=JSON)
    assert response.status_code == 422
    assert not User.objects.filter(email="peter@initech.lu").exists()


def test_signup_with_invalid_input_names_the_fields() -> None:
    body = signup_body(organisation={"sector": "mining", "staff_headcount": -1})
    response = Client().post("/api/signup", body, content_type=JSON)
    assert response.status_code == 422
    locations = {tuple(e["loc"][-2:]) for e in response.json()["errors"]}
    assert ("organisation", "sector") in locations
    assert ("organisation", "staff_headcount") in locations


# ------------------------------------------------------------------------------------ invitations


def _invite(admin_api: Api, world: World, email: str, role: str,
            capture: DjangoCaptureOnCommitCallbacks) -> str:
    with capture(execute=True):
        response = admin_api.post(f"/api/organisations/{world.org.pk}/invitations",
                                  {"email": email, "role": role})
    assert response.status_code == 201, response.content
    assert response.json()["email"] == email.lower()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [email.lower()]
    assert "Acme Vision" in message.subject
    match = re.search(rf"{re.escape(django_settings.LAIF_SITE_URL)}/invitations/([\w-]+)/",
                      str(message.body))
    assert match, message.body
    return match.group(1)


def test_invitation_sends_a_link_and_accepting_creates_the_membership(
    world: World, api_as: Callable[[User | None], Api],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    admin = api_as(world.org_admin)
    token = _invite(admin, world, "Nina@Example.lu", "member", django_capture_on_commit_callbacks)

    response = Api().post("/api/invitations/accept", {
        "token": token, "password": PASSWORD, "first_name": "Nina", "last_name": "Newcomer"})
    assert response.status_code == 201, response.content
    assert response.json()["role"] == "member"
    nina = User.objects.get(email="nina@example.lu")
    assert Membership.objects.get(user=nina, organisation=world.org).role == "member"
    members = admin.get(f"/api/organisations/{world.org.pk}/members").json()
    assert "nina@example.lu" in {m["user"]["email"] for m in members}
    assert Api(token_for(nina)).get("/api/me").json()["organisations"][0]["name"] == "Acme Vision"

    again = Api().post("/api/invitations/accept", {"token": token, "password": PASSWORD})
    assert again.status_code == 404


def test_existing_account_accepts_with_its_token(
    world: World, api_as: Callable[[User | None], Api],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    """Someone with an account (here: admin of another organisation) accepts from the CLI."""
    token = _invite(api_as(world.org_admin), world, world.other_member.email, "admin",
                    django_capture_on_commit_callbacks)
    response = api_as(world.other_member).post("/api/invitations/accept", {"token": token})
    assert response.status_code == 201, response.content
    assert Membership.objects.get(user=world.other_member, organisation=world.org).role == "admin"


def test_invitation_cannot_be_accepted_by_someone_else(
    world: World, api_as: Callable[[User | None], Api],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    token = _invite(api_as(world.org_admin), world, "nina@example.lu", "member",
                    django_capture_on_commit_callbacks)
    response = api_as(world.other_member).post("/api/invitations/accept", {"token": token})
    assert response.status_code == 403
    assert "nina@example.lu" in response.json()["detail"]
    anonymous = Api().post("/api/invitations/accept", {"token": token})
    assert anonymous.status_code == 400
    assert anonymous.json()["field"] == "password"


def test_session_acceptance_needs_csrf(
    world: World, api_as: Callable[[User | None], Api],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    token = _invite(api_as(world.org_admin), world, world.other_member.email, "member",
                    django_capture_on_commit_callbacks)
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.other_member, backend=BACKEND)
    response = client.post("/api/invitations/accept", {"token": token}, content_type=JSON)
    assert response.status_code == 403
    assert not Membership.objects.filter(user=world.other_member, organisation=world.org).exists()
    client.cookies[django_settings.CSRF_COOKIE_NAME] = "c" * 32
    response = client.post("/api/invitations/accept", {"token": token}, content_type=JSON,
                           headers={"X-CSRFToken": "c" * 32})
    assert response.status_code == 201, response.content


def test_only_admins_invite_and_staff_cannot_be_invited(
    world: World, api_as: Callable[[User | None], Api]
) -> None:
    url = f"/api/organisations/{world.org.pk}/invitations"
    response = api_as(world.member).post(url, {"email": "x@example.lu"})
    assert response.status_code == 403
    admin = api_as(world.org_admin)
    response = admin.post(url, {"email": world.operator.email})
    assert response.status_code == 409
    response = admin.post(url, {"email": world.member.email})
    assert response.status_code == 409
    assert world.member.email in response.json()["detail"]
    assert len(mail.outbox) == 0


# ------------------------------------------------------------------------------------ roles


def test_role_change_keeps_at_least_one_admin(
    world: World, api_as: Callable[[User | None], Api]
) -> None:
    admin = api_as(world.org_admin)
    base = f"/api/organisations/{world.org.pk}/members"

    response = admin.put(f"{base}/{world.org_admin.pk}", {"role": "member"})
    assert response.status_code == 409
    assert response.json()["detail"] == "The organisation must keep at least one admin."

    response = admin.put(f"{base}/{world.member.pk}", {"role": "admin"})
    assert response.status_code == 200
    assert response.json() == {"user": {"id": world.member.pk, "email": world.member.email,
                                         "first_name": world.member.first_name,
                                         "last_name": world.member.last_name},
                               "role": "admin"}
    response = admin.put(f"{base}/{world.org_admin.pk}", {"role": "member"})
    assert response.status_code == 200
    roles = {m["user"]["email"]: m["role"] for m in admin.get(base).json()}
    assert roles[world.org_admin.email] == "member"
    assert roles[world.member.email] == "admin"

    # The former admin's token now carries the member role.
    assert admin.put(f"{base}/{world.member.pk}", {"role": "member"}).status_code == 403


def test_role_change_of_a_non_member_is_404(
    world: World, api_as: Callable[[User | None], Api]
) -> None:
    admin = api_as(world.org_admin)
    url = f"/api/organisations/{world.org.pk}/members/{world.other_member.pk}"
    assert admin.put(url, {"role": "admin"}).status_code == 404
    assert admin.put(url, {"role": "owner"}).status_code == 422


# ------------------------------------------------------------------------------------ projects


def test_project_create_assigns_lead_and_allocates_identity(
    world: World, api_as: Callable[[User | None], Api]
) -> None:
    assert not ClusterIdentity.objects.filter(user=world.member).exists()
    response = api_as(world.org_admin).post(
        f"/api/organisations/{world.org.pk}/projects",
        {"name": "Predictive upkeep", "description": "  Bearings  ", "lead_id": world.member.pk},
    )
    assert response.status_code == 201, response.content
    project = response.json()
    assert project["code"] == "predictive-upkeep"
    assert project["description"] == "Bearings"
    assert [(m["user"]["id"], m["role"]) for m in project["members"]] == [
        (world.member.pk, "lead")]

    member = api_as(world.member)
    identity = member.get("/api/me/identity")
    assert identity.status_code == 200
    data = identity.json()
    assert data["username"]
    assert django_settings.LAIF_UID_MIN <= data["uid"] <= django_settings.LAIF_UID_MAX
    assert member.get(f"/api/projects/{project['id']}").status_code == 200
    me = member.get("/api/me").json()
    assert me["projects"][0]["role"] == "lead"
    assert me["identity"] == data


def test_project_lead_defaults_to_the_creator_and_codes_are_unique(
    world: World, api_as: Callable[[User | None], Api]
) -> None:
    admin = api_as(world.org_admin)
    url = f"/api/organisations/{world.org.pk}/projects"
    first = admin.post(url, {"name": "Twin"}).json()
    second = admin.post(url, {"name": "Twin"}).json()
    assert first["members"][0]["user"]["id"] == world.org_admin.pk
    assert first["code"] != second["code"]
    assert ClusterIdentity.objects.filter(user=world.org_admin).count() == 1


def test_project_lead_must_belong_to_the_organisation(
    world: World, api_as: Callable[[User | None], Api]
) -> None:
    response = api_as(world.org_admin).post(
        f"/api/organisations/{world.org.pk}/projects",
        {"name": "Spy", "lead_id": world.other_member.pk},
    )
    assert response.status_code == 400
    assert response.json()["field"] == "lead_id"


def test_adding_a_non_member_to_a_project_is_400(
    world: World, api_as: Callable[[User | None], Api]
) -> None:
    lead = api_as(world.project_lead)
    url = f"/api/projects/{world.project.pk}/members"
    response = lead.post(url, {"user_id": world.other_member.pk})
    assert response.status_code == 400
    assert response.json() == {"detail": "Only members of the organisation can join its projects.",
                               "field": "user_id"}
    assert response.status_code == 400
    assert lead.post(url, {"user_id": world.operator.pk}).status_code == 400
    assert not ProjectMembership.objects.filter(project=world.project,
                                                user=world.other_member).exists()


def test_project_lead_adds_and_removes_members(
    world: World, api_as: Callable[[User | None], Api]
) -> None:
    lead = api_as(world.project_lead)
    colleague = add_member(world.org, "colleague@acme.lu")
    response = lead.post(f"/api/projects/{world.project.pk}/members", {"user_id": colleague.pk})
    assert response.status_code == 201
    assert {m["user"]["email"]: m["role"] for m in response.json()["members"]} == {
        "lead@acme.lu": "lead", "colleague@acme.lu": "member"}
    assert ClusterIdentity.objects.filter(user=colleague).exists()

    response = lead.delete(f"/api/projects/{world.project.pk}/members/{world.project_lead.pk}")
    assert response.status_code == 409
    response = lead.delete(f"/api/projects/{world.project.pk}/members/{colleague.pk}")
    assert response.status_code == 204
    assert ClusterIdentity.objects.filter(user=colleague).exists()  # identities are never deleted
    assert api_as(colleague).get(f"/api/projects/{world.project.pk}").status_code == 404
