"""Sign-up asks for the company figures only if the person wants to give them (issue 22,
point 9): the cashback and funding decisions use the verified SME declaration, so an
organisation may register without headcount, turnover or balance sheet (no EU SME class then,
"not declared"), give all three later, and never a part of them."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client
from pytest_django import DjangoCaptureOnCommitCallbacks

from laif.accounts.models import Organisation, User
from tests.api_support import BACKEND, JSON, client_as
from tests.factories import PASSWORD
from tests.mail_support import link_path
from tests.test_api_accounts import signup_body

pytestmark = pytest.mark.django_db

FORM = {"name": "Quiet Labs", "country": "LU", "sector": "research", "kind": "startup",
        "address": "", "rcs_number": "", "vat_number": "", "first_name": "Quinn",
        "last_name": "Labs", "email": "quinn@quiet.lu", "password": PASSWORD,
        "password2": PASSWORD}


def _confirm(email: str) -> Client:
    browser = Client()
    browser.force_login(User.objects.get(email=email), backend=BACKEND)
    (message,) = mail.outbox
    browser.get(link_path(message.body, "/verify-email/"))
    return browser


def test_the_form_registers_an_organisation_without_figures(
        django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks) -> None:
    page = Client().get("/signup/").content.decode()
    assert '<details class="figures" id="company-figures">' in page  # closed at first
    assert "Company figures (optional)" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post("/signup/", FORM)
    assert response.status_code == 302, response.content.decode()[-2000:]
    browser = _confirm("quinn@quiet.lu")
    org = Organisation.objects.get(name="Quiet Labs")
    assert (org.staff_headcount, org.annual_turnover_eur, org.balance_sheet_eur,
            org.sme_class) == (None, None, None, "")
    detail = browser.get(f"/organisations/{org.pk}/").content.decode()
    assert "SME class not declared" in detail
    # the figures given later: the class is worked out then
    edit = browser.post(f"/organisations/{org.pk}/edit/", {
        **{k: FORM[k] for k in ("name", "country", "sector", "kind", "address", "rcs_number",
                                "vat_number")},
        "staff_headcount": "8", "annual_turnover_eur": "900000",
        "balance_sheet_eur": "700000"}, follow=True)
    assert "changed from not declared to Micro enterprise" in edit.content.decode()
    org.refresh_from_db()
    assert (org.staff_headcount, org.sme_class) == (8, "micro")


def test_a_part_of_the_figures_is_refused_and_the_section_stays_open() -> None:
    response = Client().post("/signup/", {**FORM, "staff_headcount": "8"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Give the three figures (headcount, turnover, balance sheet) or none of them." in page
    assert '<details class="figures" id="company-figures" open>' in page
    assert not User.objects.filter(email="quinn@quiet.lu").exists()


def test_the_api_signs_up_without_figures_and_refuses_a_part() -> None:
    body: dict[str, Any] = signup_body()
    for key in ("staff_headcount", "annual_turnover_eur", "balance_sheet_eur"):
        del body["organisation"][key]
    response = Client().post("/api/signup", body, content_type=JSON)
    assert response.status_code == 201, response.content
    organisation = response.json()["organisation"]
    assert (organisation["staff_headcount"], organisation["sme_class"]) == (None, "")
    partial = signup_body(email="other@initech.lu")
    del partial["organisation"]["balance_sheet_eur"]
    refused = Client().post("/api/signup", partial, content_type=JSON)
    assert refused.status_code == 400
    assert "Give the three figures" in refused.content.decode()
    assert client_as(None).get("/signup/").status_code == 200
