"""Pages of statements and cashback claims, in English and French, inside the tenancy rules."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.test import Client

from laif.accounts.models import User
from laif.fund.models import CashbackClaim, ClaimState
from tests.compute.billing_support import entry, issue
from tests.factories import World

JULY = date(2026, 7, 1)


def test_statement_pages_and_the_claim_journey(
        world: World, client_for: Callable[[User | None], Client]) -> None:
    entry(world.project, world.member, JULY, gpu_s=36_000, energy_j=None)
    st = issue(world.operator, world.project, JULY)
    admin = client_for(world.org_admin)
    page = admin.get(f"/organisations/{world.org.pk}/statements/").content.decode()
    assert st.number in page
    assert "EUR 22.00" in page
    page = admin.get(f"/statements/{st.pk}/").content.decode()
    assert "EUR 22.00" in page
    assert "not reported" in page
    assert "reimbursement" in page
    assert admin.get(f"/statements/{st.pk}/pdf/")["Content-Type"] == "application/pdf"
    box = admin.get(f"/statements/{st.pk}/cashback/", HTTP_HX_REQUEST="true").content.decode()
    assert "EUR 17.60" in box
    assert "Claim the cashback" in box
    response = admin.post(f"/statements/{st.pk}/cashback/claim/")
    assert response.status_code == 302
    claim = CashbackClaim.objects.get()
    admin.post(f"/cashback/claims/{claim.pk}/submit/")
    claims = admin.get(f"/organisations/{world.org.pk}/cashback/").content.decode()
    assert "Submitted" in claims
    assert "De minimis" in claims
    operator = client_for(world.operator)
    assert "Mark paid" in operator.get(f"/organisations/{world.org.pk}/cashback/").content.decode()
    operator.post(f"/cashback/claims/{claim.pk}/paid/", {"payment_reference": "SEPA-9"})
    claim.refresh_from_db()
    assert claim.state == ClaimState.PAID
    french = client_for(world.org_admin)
    french.cookies["django_language"] = "fr"
    page = french.get(f"/statements/{st.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "remboursement" in page


def test_operators_issue_from_the_page_and_outsiders_see_nothing(
        world: World, client_for: Callable[[User | None], Client]) -> None:
    entry(world.project, world.member, JULY, gpu_s=3600)
    operator = client_for(world.operator)
    response = operator.post(f"/organisations/{world.org.pk}/statements/issue/",
                             {"month": "2026-07"})
    assert response.status_code == 302
    assert client_for(world.org_admin).post(
        f"/organisations/{world.org.pk}/statements/issue/",
        {"month": "2026-06"}).status_code == 403
    outsider = client_for(world.other_member)
    for url in (f"/organisations/{world.org.pk}/statements/",
                f"/organisations/{world.org.pk}/cashback/"):
        assert outsider.get(url).status_code == 404


def test_an_operator_refuses_from_the_page_and_the_admin_sees_why(
        world: World, client_for: Callable[[User | None], Client]) -> None:
    entry(world.project, world.member, JULY, gpu_s=36_000)
    st = issue(world.operator, world.project, JULY)
    admin = client_for(world.org_admin)
    admin.post(f"/statements/{st.pk}/cashback/claim/")
    claim = CashbackClaim.objects.get()
    admin.post(f"/cashback/claims/{claim.pk}/submit/")
    url = f"/organisations/{world.org.pk}/cashback/"
    assert "Refuse the claim" not in admin.get(url).content.decode()
    operator = client_for(world.operator)
    page = operator.get(url).content.decode()
    assert f'action="/cashback/claims/{claim.pk}/refuse/"' in page
    assert 'maxlength="1000"' in page
    assert admin.post(f"/cashback/claims/{claim.pk}/refuse/",
                      {"reason": "No"}).status_code == 403
    response = operator.post(f"/cashback/claims/{claim.pk}/refuse/", {"reason": "  "},
                             follow=True)
    assert "reason for the refusal" in response.content.decode()
    claim.refresh_from_db()
    assert claim.state == ClaimState.SUBMITTED
    response = operator.post(f"/cashback/claims/{claim.pk}/refuse/",
                             {"reason": "Outside the call <window>.\r\nSee art. 4."},
                             follow=True)
    assert "the organisation sees the reason" in response.content.decode()
    claim.refresh_from_db()
    assert (claim.state, claim.refusal_reason) == (
        ClaimState.REFUSED, "Outside the call <window>.\nSee art. 4.")
    page = admin.get(url).content.decode()
    assert "Refused" in page
    assert "Outside the call &lt;window&gt;.<br>See art. 4." in page
    assert "Mark paid" not in operator.get(url).content.decode()
    assert client_for(world.other_member).post(f"/cashback/claims/{claim.pk}/refuse/",
                                               {"reason": "x"}).status_code == 404
