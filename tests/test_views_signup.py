"""Login and sign-up pages: the address confirmed before the organisation is registered, errors on
their field, throttling, OIDC, expired sessions, CSRF, logout."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from laif.accounts.models import (
    Membership,
    Organisation,
)
from tests.factories import PASSWORD, World
from tests.mail_support import link_path
from tests.views_support import ClientFor, fast_hashers, html  # noqa: F401  (autouse)

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Quiet-Harbour-Lantern-2026"


# ----------------------------------------------------------------------------- login, sign-up


def _signup_data(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Moselle Vision S.A.", "country": "LU", "rcs_number": "B234567",
        "vat_number": "LU15027442", "sector": "industry", "kind": "startup",
        "staff_headcount": "8", "annual_turnover_eur": "1500000",
        "balance_sheet_eur": "900000", "first_name": "Anne", "last_name": "Kremer",
        "email": "anne@moselle-vision.lu", "password": NEW_PASSWORD, "password2": NEW_PASSWORD,
    }
    data.update(overrides)
    return data


def test_sign_up_confirms_the_address_then_registers_the_organisation(
        client: Client, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/signup/", _signup_data(), follow=True)
    assert response.redirect_chain[-1][0] == "/"
    page = html(response)
    assert "Welcome, Anne" in page
    assert "One more step: we sent a link to anne@moselle-vision.lu." in page
    assert "Send the link again" in page
    assert not Organisation.objects.filter(name="Moselle Vision S.A.").exists()
    (message,) = mail.outbox
    assert message.to == ["anne@moselle-vision.lu"]
    assert "Moselle Vision S.A." in message.body

    page = html(client.get(link_path(message.body, "/verify-email/"), follow=True))
    assert "Micro enterprise" in page
    assert "Send the link again" not in page
    org = Organisation.objects.get(name="Moselle Vision S.A.")
    assert org.sme_class == "micro"
    assert Membership.objects.get(organisation=org).role == "admin"
    org_page = html(client.get(f"/organisations/{org.pk}/"))
    assert "Micro enterprise" in org_page
    assert "LU15027442" in org_page


@pytest.mark.parametrize(("field", "value", "message"), [
    ("vat_number", "LU12345678", "VAT number LU12345678 is not valid"),
    ("password", "password", "This password is too short"),
    ("rcs_number", "123", "RCS number must look like B123456"),
    ("password2", "something-else-entirely", "The two passwords differ."),
    ("staff_headcount", "-3", "greater than or equal to 0"),
])
def test_sign_up_shows_errors_on_the_field(client: Client, field: str, value: str,
                                           message: str) -> None:
    data = _signup_data(**{field: value})
    if field == "password":
        data["password2"] = value
    response = client.post("/signup/", data)
    assert response.status_code == 200
    page = html(response)
    errors = re.search(rf'<ul class="field-errors" id="id_{field}_error">(.*?)</ul>', page, re.S)
    assert errors is not None, page
    assert message in errors.group(1)
    assert 'aria-invalid="true"' in page
    assert not Organisation.objects.filter(name="Moselle Vision S.A.").exists()
    assert "_auth_user_id" not in client.session


def test_sign_up_with_a_known_email_is_refused(world: World, client: Client) -> None:
    page = html(client.post("/signup/", _signup_data(email=world.member.email)))
    assert "An account with this e-mail address already exists." in page


def test_login_errors_throttling_and_safe_next(world: World, client: Client,
                                               settings: Any) -> None:
    settings.LAIF_LOGIN_MAX_FAILURES = 3
    page = html(client.get("/login/"))
    assert 'name="email"' in page
    assert "Log in with" not in page
    for _ in range(2):
        page = html(client.post("/login/", {"email": world.member.email, "password": "nope"}))
        assert "Wrong e-mail address or password." in page
    page = html(client.post("/login/", {"email": world.member.email, "password": "nope"}))
    assert "Too many failed logins" in page  # the third failure reaches the limit
    page = html(client.post("/login/", {"email": world.member.email, "password": PASSWORD}))
    assert "Too many failed logins" in page
    assert "_auth_user_id" not in client.session

    other = Client()
    response = other.post("/login/?next=https://evil.example/", {
        "email": world.project_lead.email, "password": PASSWORD,
        "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    other.post("/logout/")
    response = other.post("/login/", {"email": world.project_lead.email, "password": PASSWORD,
                                      "next": f"/projects/{world.project.pk}/"})
    assert response["Location"] == f"/projects/{world.project.pk}/"


def test_login_page_offers_oidc_when_configured(client: Client, settings: Any) -> None:
    settings.LAIF_OIDC_ISSUER = "http://127.0.0.1:9/realm"
    settings.LAIF_OIDC_NAME = "MyAccessID"
    page = html(client.get("/login/"))
    assert "Log in with MyAccessID" in page
    assert f'action="{reverse("social:begin", args=["oidc"])}"' in page


def test_htmx_request_after_the_session_expired_reloads_to_login(world: World,
                                                                  client: Client) -> None:
    response = client.post(f"/projects/{world.project.pk}/members/", {"user_id": "1"},
                           HTTP_HX_REQUEST="true",
                           HTTP_HX_CURRENT_URL=f"http://testserver/projects/{world.project.pk}/")
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/login/?next=%2Fprojects%2F{world.project.pk}%2F"


def test_csrf_failure_page(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"email": world.member.email, "password": PASSWORD})
    assert response.status_code == 403
    assert "This form has expired" in html(response)


def test_logout_is_post_only(world: World, client_for: ClientFor) -> None:
    client = client_for(world.member)
    kept = client.get("/logout/")  # a link cannot log someone out: the page above instead
    assert (kept.status_code, kept["Location"]) == (302, "/")
    assert "_auth_user_id" in client.session
    assert client.post("/logout/").status_code == 302
    assert "_auth_user_id" not in client.session
