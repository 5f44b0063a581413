"""A statement as a real document (issue 22, point 6): the issuer and the customer with their
addresses and VAT numbers, the statement number, the issue and due dates, the period and the
payment terms, copied when it is issued (a later change alters no issued statement); the
project as its name with its code apart."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader
from pytest_django.fixtures import Settings as SettingsWrapper

from laif.accounts import services as account_services
from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.errors import DomainError
from laif.accounts.models import Organisation
from laif.billing.models import Statement
from laif.billing.pdf import statement_pdf
from tests.api_support import client_as
from tests.compute.billing_support import entry, issue
from tests.factories import World

pytestmark = pytest.mark.django_db

JULY = date(2026, 7, 1)


def pdf_text(content: bytes) -> str:
    return " ".join(" ".join((page.extract_text() or "").split())
                    for page in PdfReader(io.BytesIO(content)).pages)


def _issued(world: World, settings: SettingsWrapper) -> Statement:
    settings.LAIF_ISSUER_NAME = "Luxembourg AI Factory GIE"
    settings.LAIF_ISSUER_ADDRESS = ("1, rue de l'Exemple", "L-1234 Luxembourg")
    settings.LAIF_ISSUER_VAT = "LU26375245"
    settings.LAIF_PAYMENT_TERMS_DAYS = 30
    Organisation.objects.filter(pk=world.org.pk).update(
        address="12, rue de l'Industrie\nL-3895 Foetz", vat_number="LU15027442",
        rcs_number="B123456")
    entry(world.project, world.member, JULY, gpu_s=36_000)
    return issue(world.operator, world.project, JULY)


def test_the_page_and_the_pdf_name_both_parties_the_dates_and_the_terms(
        world: World, settings: SettingsWrapper) -> None:
    statement = _issued(world, settings)
    issued = timezone.localdate(statement.issued_at)
    assert statement.due_on == issued + timedelta(days=30)
    html = client_as(world.org_admin).get(f"/statements/{statement.pk}/").content.decode()
    parties = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.split('id="parties"', 1)[1]
                                         .split("</dl>", 1)[0]))
    for text in ("Luxembourg AI Factory GIE", "1, rue de l'Exemple", "L-1234 Luxembourg",
                 "VAT number LU26375245", "Acme Vision", "12, rue de l'Industrie",
                 "L-3895 Foetz", "VAT number LU15027442", "RCS number B123456",
                 statement.number, "30 days from the issue date", "1 July 2026 to 31 July 2026"):
        assert text in parties.replace("&#x27;", "'"), text
    assert "Due date" in parties
    text = pdf_text(statement_pdf(statement))
    for wanted in ("Luxembourg AI Factory GIE", "L-1234 Luxembourg", "LU26375245", "Foetz",
                   "LU15027442", "Due date", "30 days from the issue date", statement.number):
        assert wanted in text, wanted
    # the project as its name, its code apart (not "QUALITY-... Quality control line 3")
    line = html.split('<tbody>', 1)[1].split("</tr>", 1)[0]
    assert re.search(r"<td>Quality control line 3 <span class=\"project-code\">[^<]+</span>",
                     line), line


def test_an_issued_statement_keeps_the_parties_it_was_issued_with(
        world: World, settings: SettingsWrapper) -> None:
    statement = _issued(world, settings)
    settings.LAIF_ISSUER_ADDRESS = ("somewhere else",)
    org = world.org
    data = account_services.OrganisationData(
        name="Acme Vision", country="LU", sector=org.sector, kind=org.kind,
        staff_headcount=org.staff_headcount, annual_turnover_eur=org.annual_turnover_eur,
        balance_sheet_eur=org.balance_sheet_eur, address="Moved\nL-4000 Esch")
    account_services.organisation_update(access=access_for(world.org_admin),
                                         actor=Actor.of(world.org_admin),
                                         organisation_id=org.pk, data=data)
    html = client_as(world.org_admin).get(f"/statements/{statement.pk}/").content.decode()
    assert "L-3895 Foetz" in html
    assert "L-4000 Esch" not in html
    assert "somewhere else" not in html


def test_a_postal_address_is_cleaned_and_bounded(world: World) -> None:
    org = world.org

    def data(address: str) -> account_services.OrganisationData:
        return account_services.OrganisationData(
            name=org.name, country="LU", sector=org.sector, kind=org.kind,
            staff_headcount=org.staff_headcount, annual_turnover_eur=org.annual_turnover_eur,
            balance_sheet_eur=org.balance_sheet_eur, address=address)

    admin = world.org_admin
    updated = account_services.organisation_update(
        access=access_for(admin), actor=Actor.of(admin), organisation_id=org.pk,
        data=data("  12,  rue X \r\n\r\n  L-1234   Town  \n"))
    assert updated.address == "12, rue X\nL-1234 Town"
    with pytest.raises(DomainError, match="at most 6 lines"):
        account_services.organisation_update(
            access=access_for(admin), actor=Actor.of(admin), organisation_id=org.pk,
            data=data("a\nb\nc\nd\ne\nf\ng"))
    api = client_as(admin)
    got = api.get(f"/api/organisations/{org.pk}").json()
    assert got["address"] == "12, rue X\nL-1234 Town"
