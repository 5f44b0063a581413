"""Editing an organisation's legal data in the portal: only its admins, the SME class recomputed and
shown, the services' refusals (VAT, RCS, a VAT number already registered) shown on the form."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from laif.accounts.models import AuditEntry, Organisation, User
from tests.factories import World, sign_up

pytestmark = pytest.mark.django_db

ClientFor = Callable[[User | None], Client]


def html(response: Any) -> str:
    return str(response.content.decode())


def edit_url(org: Organisation) -> str:
    return f"/organisations/{org.pk}/edit/"


def form_data(org: Organisation, **overrides: str) -> dict[str, str]:
    data = {
        "name": org.name, "country": org.country, "rcs_number": org.rcs_number,
        "vat_number": org.vat_number, "sector": org.sector, "kind": org.kind,
        "staff_headcount": str(org.staff_headcount),
        "annual_turnover_eur": str(org.annual_turnover_eur),
        "balance_sheet_eur": str(org.balance_sheet_eur),
    }
    data.update(overrides)
    return data


def field_errors(page: str, field: str) -> str:
    errors = re.search(rf'<ul class="field-errors" id="id_{field}_error">(.*?)</ul>', page, re.S)
    assert errors is not None, page
    return errors.group(1)


@pytest.mark.parametrize(("role", "expected"), [
    ("anonymous", 302), ("other_member", 404), ("trainer", 404), ("member", 403),
    ("project_lead", 403), ("operator", 403), ("reviewer", 403), ("auditor", 403),
    ("org_admin", 200),
])
def test_only_the_admins_may_edit(world: World, client_for: ClientFor, role: str,
                                  expected: int) -> None:
    client = client_for(world.user(role))
    response = client.get(edit_url(world.org))
    assert response.status_code == expected
    if role == "anonymous":
        assert response["Location"].startswith("/login/?next=")
    if expected != 200:
        before = Organisation.objects.get(pk=world.org.pk).staff_headcount
        response = client.post(edit_url(world.org), form_data(world.org, staff_headcount="3"))
        assert response.status_code == expected
        assert Organisation.objects.get(pk=world.org.pk).staff_headcount == before
    if expected == 404:
        assert world.org.name not in html(response)


def test_edit_link_only_for_admins(world: World, client_for: ClientFor) -> None:
    url = f"/organisations/{world.org.pk}/"
    assert edit_url(world.org) in html(client_for(world.org_admin).get(url))
    assert edit_url(world.org) not in html(client_for(world.member).get(url))
    assert edit_url(world.org) not in html(client_for(world.operator).get(url))


def test_the_form_is_filled_with_the_current_data(world: World, client_for: ClientFor) -> None:
    page = html(client_for(world.org_admin).get(edit_url(world.org)))
    assert 'value="Acme Vision"' in page
    assert 'name="staff_headcount" value="12"' in page
    assert '<option value="industry" selected>' in page


def test_saving_recomputes_and_shows_the_sme_class(world: World, client_for: ClientFor) -> None:
    client = client_for(world.org_admin)
    assert world.org.sme_class == "small"
    response = client.post(edit_url(world.org), form_data(
        world.org, name="Acme Vision S.A.", staff_headcount="8",
        annual_turnover_eur="1500000", balance_sheet_eur="900000",
        rcs_number="b 234567", vat_number="15027442"), follow=True)
    assert response.redirect_chain[-1][0] == f"/organisations/{world.org.pk}/"
    page = html(response)
    assert ("Acme Vision S.A. updated. Its EU SME class changed from Small enterprise to "
            "Micro enterprise.") in page
    assert 'id="sme-class">EU SME class: Micro enterprise' in page
    org = Organisation.objects.get(pk=world.org.pk)
    assert (org.name, org.staff_headcount, org.sme_class) == ("Acme Vision S.A.", 8, "micro")
    assert (org.rcs_number, org.vat_number) == ("B234567", "LU15027442")  # normalised
    entry = AuditEntry.objects.filter(action="organisation.updated").get()
    assert entry.actor_ref == world.org_admin.pk
    assert entry.organisation_id_ref == org.pk
    assert entry.detail == {"sme_class_before": "small", "sme_class": "micro"}

    response = client.post(edit_url(world.org), form_data(org, sector="finance"), follow=True)
    assert "Its EU SME class is still: Micro enterprise." in html(response)
    assert Organisation.objects.get(pk=org.pk).sector == "finance"


@pytest.mark.parametrize(("field", "value", "message"), [
    ("vat_number", "LU12345678", "VAT number LU12345678 is not valid"),
    ("rcs_number", "123", "RCS number must look like B123456"),
    ("staff_headcount", "-1", "greater than or equal to 0"),
    ("name", "", "This field is required."),
])
def test_refusals_are_shown_on_the_field(world: World, client_for: ClientFor, field: str,
                                         value: str, message: str) -> None:
    overrides = {"staff_headcount": "300", field: value}  # a larger company, if it were saved
    response = client_for(world.org_admin).post(edit_url(world.org),
                                                form_data(world.org, **overrides))
    assert response.status_code == 200
    page = html(response)
    assert message in field_errors(page, field)
    assert 'aria-invalid="true"' in page
    org = Organisation.objects.get(pk=world.org.pk)
    assert (org.staff_headcount, org.sme_class) == (12, "small")  # nothing saved
    assert not AuditEntry.objects.filter(action="organisation.updated").exists()


def test_a_vat_number_of_another_organisation_is_refused(world: World,
                                                         client_for: ClientFor) -> None:
    sign_up("Registered S.A.", vat_number="LU15027442")
    page = html(client_for(world.org_admin).post(
        edit_url(world.org), form_data(world.org, vat_number="LU15027442")))
    assert "Another organisation is registered with this VAT number." in field_errors(
        page, "vat_number")
    assert Organisation.objects.get(pk=world.org.pk).vat_number == ""


def test_edit_page_in_french(world: World, client_for: ClientFor) -> None:
    client = client_for(world.org_admin)
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    page = html(client.get(edit_url(world.org)))
    assert "Modifier les données légales" in page
    page = html(client.post(edit_url(world.org), form_data(world.org, rcs_number="123")))
    assert "Le numéro RCS" in field_errors(page, "rcs_number")
    response = client.post(edit_url(world.org), form_data(world.org, staff_headcount="300"),
                           follow=True)
    assert "Grande entreprise" in html(response)
