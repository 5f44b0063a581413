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
    assert "EUR\xa022.00" in page
    page = admin.get(f"/statements/{st.pk}/").content.decode()
    assert "EUR\xa022.00" in page
    assert "not reported" in page
    assert "reimbursement" in page
    assert admin.get(f"/statements/{st.pk}/pdf/")["Content-Type"] == "application/pdf"
    box = admin.get(f"/statements/{st.pk}/cashback/", HTTP_HX_REQUEST="true").content.decode()
    assert "EUR\xa017.60" in box
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


def test_aid_is_recorded_from_the_page_and_a_claim_past_the_ceiling_is_granted_reduced(
        world: World, client_for: Callable[[User | None], Client]) -> None:
    admin, operator = client_for(world.org_admin), client_for(world.operator)
    url = f"/organisations/{world.org.pk}/cashback/"
    refused = admin.post(f"/organisations/{world.org.pk}/aid/", {
        "amount_eur": "299999", "granted_on": "2999-01-01", "legal_basis": "de_minimis",
        "source": "Luxinnovation"})
    assert refused.status_code == 400
    assert "between" in refused.content.decode()
    assert 'value="299999"' in refused.content.decode()  # the input is kept
    done = admin.post(f"/organisations/{world.org.pk}/aid/", {
        "amount_eur": "299999", "granted_on": "2026-02-01", "legal_basis": "de_minimis",
        "source": "Luxinnovation, Fit 4 AI 2026-3", "recipient": "Luxinvest Holding S.A."})
    assert done.status_code == 302
    page = admin.get(url).content.decode()
    assert "Luxinvest Holding S.A." in page
    assert "EUR\xa0299,999.00" in page
    entry(world.project, world.member, JULY, gpu_s=36_000)
    st = issue(world.operator, world.project, JULY)
    admin.post(f"/statements/{st.pk}/cashback/claim/")
    claim = CashbackClaim.objects.get()
    assert claim.amount_cents == 1760  # not trimmed to the EUR\xa01.00 left
    admin.post(f"/cashback/claims/{claim.pk}/submit/")
    page = operator.get(url).content.decode()
    assert "cannot be granted under de minimis: the headroom is EUR\xa01.00" in page
    assert "Grant reduced and mark paid" in page
    operator.post(f"/cashback/claims/{claim.pk}/paid/", {"payment_reference": "SEPA-9"})
    assert CashbackClaim.objects.get().state == ClaimState.SUBMITTED  # refused: over
    operator.post(f"/cashback/claims/{claim.pk}/paid/", {
        "payment_reference": "SEPA-9", "reduced_to_eur": "1.00",
        "reduction_reason": "Board decision 2026-14"})
    claim.refresh_from_db()
    assert (claim.state, claim.amount_cents, claim.reduced_from_cents) == ("paid", 100, 1760)
    page = admin.get(url).content.decode()
    assert "Reduced grant (claimed EUR\xa017.60): Board decision 2026-14" in page
