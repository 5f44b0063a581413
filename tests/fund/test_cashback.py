"""Cashback claims: full-price statement, separate 80% claim, cap, de minimis, states."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from laif.accounts import services as accounts_services
from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.errors import Conflict, DomainError, NotFound, PermissionDenied
from laif.accounts.models import AuditEntry, Notice, Organisation, SmeDeclaration
from laif.billing.models import Statement
from laif.fund import selectors, services
from laif.fund.models import AidInstrument, AidRecord, CashbackClaim, ClaimState
from tests.api_support import client_as
from tests.compute.billing_support import NOW, entry, issue
from tests.concurrency import in_threads
from tests.factories import World, make_world, sme_verified

JULY = date(2026, 7, 1)


def _statement(world: World, gpu_s: int = 36_000, month: date = JULY) -> Statement:
    entry(world.project, world.member, month, gpu_s=gpu_s)
    return issue(world.operator, world.project, month)


def _claim(world: World, statement: Statement):  # type: ignore[no-untyped-def]
    return services.cashback_claim_compute(access=access_for(world.org_admin),
                                           actor=Actor.of(world.org_admin),
                                           statement_id=statement.pk, now=NOW)


def test_full_price_statement_and_a_separate_claim_through_paid(world: World) -> None:
    statement = _statement(world)  # 10 GPU-hours at 2.20
    claim = _claim(world, statement)
    statement.refresh_from_db()
    assert statement.total_cents == 2200  # full price on the statement
    assert (claim.eligible_cents, claim.amount_cents, claim.state) == (2200, 1760, "computed")
    admin, operator = access_for(world.org_admin), access_for(world.operator)
    with pytest.raises(Conflict, match="Only a submitted"):
        services.cashback_claim_mark_paid(access=operator, actor=Actor.of(world.operator),
                                          claim_id=claim.pk, payment_reference="x")
    with pytest.raises(PermissionDenied):
        services.cashback_claim_submit(access=access_for(world.member),
                                       actor=Actor.of(world.member), claim_id=claim.pk)
    services.cashback_claim_submit(access=admin, actor=Actor.of(world.org_admin),
                                   claim_id=claim.pk, now=NOW)
    with pytest.raises(PermissionDenied):
        services.cashback_claim_mark_paid(access=admin, actor=Actor.of(world.org_admin),
                                          claim_id=claim.pk, payment_reference="x")
    assert selectors.de_minimis_total(world.org.pk, date(2026, 9, 15)).pending_cents == 1760
    granted_at = datetime(2026, 9, 22, 10, tzinfo=UTC)
    for paid_on in (date(2026, 9, 14), date(2026, 9, 23)):  # before submission, after today
        with pytest.raises(DomainError, match="payment date"):
            services.cashback_claim_mark_paid(access=operator, actor=Actor.of(world.operator),
                                              claim_id=claim.pk, payment_reference="SEPA-1",
                                              paid_on=paid_on, now=granted_at)
    claim = services.cashback_claim_mark_paid(access=operator, actor=Actor.of(world.operator),
                                              claim_id=claim.pk, payment_reference="SEPA-1",
                                              paid_on=date(2026, 9, 20), now=granted_at)
    assert claim.state == ClaimState.PAID
    aid = AidRecord.objects.get(claim=claim)
    assert (aid.amount_cents, aid.instrument) == (1760, AidInstrument.COMPUTE_CASHBACK)
    # granted the day the factory decided, paid on the date given: de minimis
    assert (aid.granted_on, aid.paid_on, aid.legal_basis) == (date(2026, 9, 22),
                                                              date(2026, 9, 20), "de_minimis")
    total = selectors.de_minimis_total(world.org.pk, date(2026, 9, 30))
    assert (total.received_cents, total.pending_cents) == (1760, 0)
    assert total.left_cents == 300_000 * 100 - 1760
    assert {"cashback.computed", "cashback.submitted", "cashback.paid"} <= set(
        AuditEntry.objects.values_list("action", flat=True))


def test_one_claim_per_statement_and_only_the_admins(world: World) -> None:
    statement = _statement(world)
    with pytest.raises(PermissionDenied):
        services.cashback_claim_compute(access=access_for(world.member),
                                        actor=Actor.of(world.member), statement_id=statement.pk)
    with pytest.raises(NotFound):
        services.cashback_claim_compute(access=access_for(world.other_member),
                                        actor=Actor.of(world.other_member),
                                        statement_id=statement.pk)
    _claim(world, statement)
    with pytest.raises(Conflict, match="already has"):
        _claim(world, statement)


def _reopen(world: World) -> None:
    """The world's verified declaration (last year, small) rejected by an operator."""
    declaration = SmeDeclaration.objects.get(organisation=world.org, state="verified")
    accounts_services.sme_declaration_reject(
        access=access_for(world.operator), actor=Actor.of(world.operator),
        declaration_id=declaration.pk, note="accounts show 300 staff")


def test_a_verified_large_company_is_not_eligible(world: World) -> None:
    _reopen(world)
    assert sme_verified(world.org, world.operator, staff_awu=300) == "large"
    with pytest.raises(Conflict, match=r"verified status \(accounting year \d+\) is Large"):
        _claim(world, _statement(world))


def test_without_a_verified_status_there_is_no_claim(world: World) -> None:
    _reopen(world)
    with pytest.raises(Conflict, match="not verified yet"):
        _claim(world, _statement(world))


def test_the_claim_rests_on_the_verified_status_never_on_typed_figures(world: World) -> None:
    # the organisation's own figures say large: the verified status (small) decides
    Organisation.objects.filter(pk=world.org.pk).update(sme_class="large", staff_headcount=900)
    claim = _claim(world, _statement(world))
    declaration = SmeDeclaration.objects.get(organisation=world.org, state="verified")
    assert (claim.sme_class, claim.sme_declaration_id) == ("small", declaration.pk)
    computed = AuditEntry.objects.get(action="cashback.computed")
    assert computed.detail["sme_declaration"] == declaration.pk


@override_settings(LAIF_CASHBACK_CAP_EUR=20)
def test_the_cap_limits_then_refuses_with_the_figures(world: World) -> None:
    claim = _claim(world, _statement(world))  # 80% of 22.00 = 17.60; cap 20.00
    assert claim.amount_cents == 1760
    entry(world.project, world.member, date(2026, 8, 1), gpu_s=36_000)
    august = issue(world.operator, world.project, date(2026, 8, 1))
    claim = _claim(world, august)
    assert (claim.amount_cents, claim.limited_by) == (240, "cap")
    entry(world.project, world.member, date(2026, 6, 1), gpu_s=3600)
    june = issue(world.operator, world.project, date(2026, 6, 1))
    with pytest.raises(Conflict, match=r"EUR 0\.00"):
        _claim(world, june)


def _aid(world: World, cents: int, granted_on: date, basis: str = "de_minimis",
         recipient: str = "") -> AidRecord:
    return services.aid_declare(access=access_for(world.org_admin),
                                actor=Actor.of(world.org_admin), organisation_id=world.org.pk,
                                amount_cents=cents, granted_on=granted_on, legal_basis=basis,
                                source="Luxinnovation, Fit 4 AI 2025-17", recipient=recipient,
                                today=date(2026, 9, 15))


def _pay(world: World, claim: CashbackClaim, **kw: Any) -> CashbackClaim:
    return services.cashback_claim_mark_paid(access=access_for(world.operator),
                                             actor=Actor.of(world.operator), claim_id=claim.pk,
                                             payment_reference="SEPA-9", **kw)


def test_a_claim_past_the_de_minimis_ceiling_is_never_trimmed(world: World) -> None:
    _aid(world, 300_000 * 100 - 100, date(2025, 3, 1))
    claim = _claim(world, _statement(world))
    # the full 80% is claimed; the claim says how far it goes past the headroom of EUR 1.00
    assert (claim.amount_cents, claim.limited_by, claim.de_minimis_left_cents) == (1760, "", 100)
    computed = AuditEntry.objects.get(action="cashback.computed")
    assert computed.detail["over_de_minimis_cents"] == 1660
    claim = services.cashback_claim_submit(access=access_for(world.org_admin),
                                           actor=Actor.of(world.org_admin), claim_id=claim.pk)
    with pytest.raises(Conflict, match=r"full amount, EUR 17\.60, cannot be granted under de "
                                       r"minimis: .* headroom under the ceiling is EUR 1\.00"):
        _pay(world, claim)
    with pytest.raises(Conflict, match="at most the headroom"):
        _pay(world, claim, reduced_to_cents=101, reduction_reason="board decision")
    with pytest.raises(Conflict, match="Say why"):
        _pay(world, claim, reduced_to_cents=100)
    paid = _pay(world, claim, reduced_to_cents=100, reduction_reason="board decision 2026-14")
    assert (paid.amount_cents, paid.reduced_from_cents, paid.reduction_reason) == (
        100, 1760, "board decision 2026-14")
    assert AidRecord.objects.get(claim=paid).amount_cents == 100
    reduced = AuditEntry.objects.get(action="cashback.reduced")
    assert (reduced.detail["from_cents"], reduced.detail["to_cents"]) == (1760, 100)
    assert selectors.de_minimis_total(world.org.pk, timezone.localdate()).left_cents == 0


def test_a_reduction_is_refused_when_the_full_amount_fits(world: World) -> None:
    claim = _submitted(world)
    with pytest.raises(Conflict, match="nothing to reduce"):
        _pay(world, claim, reduced_to_cents=100, reduction_reason="why not")
    assert _pay(world, claim).amount_cents == 1760


def test_only_de_minimis_aid_counts_and_for_three_years_from_its_grant(world: World) -> None:
    on = date(2026, 9, 15)
    _aid(world, 100_000 * 100, date(2023, 9, 15))  # three years ago to the day: out
    _aid(world, 50_000 * 100, date(2023, 9, 16))  # in
    _aid(world, 200_000 * 100, date(2026, 1, 10), basis="block_exemption")  # not de minimis
    _aid(world, 10_000 * 100, date(2025, 5, 1), recipient="Luxinvest Holding S.A.")  # linked
    total = selectors.de_minimis_total(world.org.pk, on)
    assert total.received_cents == (50_000 + 10_000) * 100
    assert total.left_cents == (300_000 - 60_000) * 100
    later = selectors.de_minimis_total(world.org.pk, date(2026, 9, 16))
    assert later.received_cents == 10_000 * 100  # the 2023-09-16 grant has left the window


def test_the_ceiling_is_checked_again_at_payment(world: World) -> None:
    claim = _submitted(world)  # fits when computed and submitted
    _aid(world, 300_000 * 100 - 1000, date(2026, 9, 1))  # declared afterwards
    # the API and the claims page say the same today: EUR 10.00 of headroom, EUR 7.60 over
    listed = client_as(world.org_admin).get(
        f"/api/organisations/{world.org.pk}/cashback-claims").json()
    assert listed[0]["over_de_minimis_cents"] == 760
    page = client_as(world.org_admin).get(f"/organisations/{world.org.pk}/cashback/")
    assert "the headroom is EUR 10.00" in page.content.decode()
    with pytest.raises(Conflict, match="cannot be granted under de minimis"):
        _pay(world, claim)
    assert CashbackClaim.objects.get(pk=claim.pk).state == ClaimState.SUBMITTED
    assert not AidRecord.objects.filter(claim=claim).exists()


@pytest.mark.parametrize(("kw", "field"), [
    ({"granted_on": date(2026, 9, 16)}, "granted_on"),  # after "today" (2026-09-15)
    ({"granted_on": date(2015, 12, 31)}, "granted_on"),  # more than ten years back
    ({"cents": 0}, "amount_cents"),
    ({"basis": "gift"}, "legal_basis"),
    ({"recipient": "x" * 201}, "recipient"),
])
def test_declared_aid_is_bounded(world: World, kw: dict[str, Any], field: str) -> None:
    values: dict[str, Any] = {"cents": 100, "granted_on": date(2026, 1, 1), **kw}
    with pytest.raises(DomainError) as caught:
        _aid(world, **values)
    assert caught.value.field == field
    assert not AidRecord.objects.exists()


def test_only_admins_and_operators_record_aid(world: World) -> None:
    for person, error in ((world.member, PermissionDenied), (world.reviewer, PermissionDenied),
                          (world.other_member, NotFound)):
        with pytest.raises(error):
            services.aid_declare(access=access_for(person), actor=Actor.of(person),
                                 organisation_id=world.org.pk, amount_cents=100,
                                 granted_on=date(2026, 1, 1), legal_basis="de_minimis",
                                 source="x")
    aid = services.aid_declare(access=access_for(world.operator), actor=Actor.of(world.operator),
                               organisation_id=world.org.pk, amount_cents=100,
                               granted_on=date(2026, 1, 1), legal_basis="de_minimis",
                               source="Ministry of the Economy, ref 12")
    assert AuditEntry.objects.get(action="aid.declared").target == f"aid:{aid.pk}"


def _submitted(world: World, month: date = JULY) -> CashbackClaim:
    claim = _claim(world, _statement(world, month=month))
    return services.cashback_claim_submit(access=access_for(world.org_admin),
                                          actor=Actor.of(world.org_admin), claim_id=claim.pk)


def _refuse(world: World, claim: CashbackClaim, reason: str = "Not eligible: late",
            by: str = "operator") -> CashbackClaim:
    user = getattr(world, by)
    return services.cashback_claim_refuse(access=access_for(user), actor=Actor.of(user),
                                          claim_id=claim.pk, reason=reason, now=NOW)


def test_an_operator_refuses_a_submitted_claim_with_the_reason(
        world: World, django_capture_on_commit_callbacks: Callable[..., Any]) -> None:
    claim = _submitted(world)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        claim = _refuse(world, claim, reason="  Statement outside the call window.\r\nSee art. 4. ")
    claim.refresh_from_db()
    assert (claim.state, claim.refused_at, claim.refused_by_id) == (
        ClaimState.REFUSED, NOW, world.operator.pk)
    assert claim.refusal_reason == "Statement outside the call window.\nSee art. 4."
    audit = AuditEntry.objects.get(action="cashback.refused")
    assert (audit.target, audit.organisation_id_ref) == (f"cashback_claim:{claim.pk}",
                                                         world.org.pk)
    assert audit.detail["reason"] == claim.refusal_reason
    assert not AidRecord.objects.exists()
    notice = Notice.objects.get(kind="cashback.refused")  # the organisation's admin is told
    assert notice.recipient == world.org_admin
    assert "2026-07" in notice.text
    assert "call window" in notice.text
    assert notice.link == f"/organisations/{world.org.pk}/cashback/"
    sent = [m for m in mail.outbox if m.to == [world.org_admin.email]]
    assert len(sent) == 1
    assert "2026-07" in sent[0].subject
    assert "See art. 4." in sent[0].body
    with pytest.raises(Conflict, match="Only a submitted"):  # final: never paid afterwards
        services.cashback_claim_mark_paid(access=access_for(world.operator),
                                          actor=Actor.of(world.operator), claim_id=claim.pk,
                                          payment_reference="x")
    with pytest.raises(Conflict, match="Refused"):
        _refuse(world, claim)


def test_only_a_submitted_claim_is_refused(world: World) -> None:
    claim = _claim(world, _statement(world))
    with pytest.raises(Conflict, match="Computed"):
        _refuse(world, claim)
    services.cashback_claim_submit(access=access_for(world.org_admin),
                                   actor=Actor.of(world.org_admin), claim_id=claim.pk)
    services.cashback_claim_mark_paid(access=access_for(world.operator),
                                      actor=Actor.of(world.operator), claim_id=claim.pk,
                                      payment_reference="SEPA-1")
    with pytest.raises(Conflict, match="Paid"):
        _refuse(world, claim)
    claim.refresh_from_db()
    assert (claim.state, claim.refusal_reason) == (ClaimState.PAID, "")
    assert not AuditEntry.objects.filter(action="cashback.refused").exists()


def test_only_factory_operators_refuse(world: World) -> None:
    claim = _submitted(world)
    for role in ("org_admin", "member", "reviewer", "auditor"):
        with pytest.raises(PermissionDenied):
            _refuse(world, claim, by=role)
    for role in ("other_member", "trainer"):
        with pytest.raises(NotFound):
            _refuse(world, claim, by=role)
    with pytest.raises(NotFound):
        services.cashback_claim_refuse(access=access_for(world.operator),
                                       actor=Actor.of(world.operator), claim_id=claim.pk + 999,
                                       reason="x")
    claim.refresh_from_db()
    assert claim.state == ClaimState.SUBMITTED


@pytest.mark.parametrize(("reason", "message"), [
    ("", "reason"), (" \n\t ", "reason"), ("x" * 1001, "1000"), ("no\x00nul", "control"),
    ("bell\x07", "control"), ("esc\x1b[31m", "control"), ("c1\x85end", "control")])
def test_a_bad_reason_changes_nothing(world: World, reason: str, message: str) -> None:
    claim = _submitted(world)
    with pytest.raises(DomainError, match=message) as raised:
        _refuse(world, claim, reason=reason)
    assert raised.value.field == "reason"
    claim.refresh_from_db()
    assert (claim.state, claim.refusal_reason, claim.refused_at) == (
        ClaimState.SUBMITTED, "", None)
    assert not AuditEntry.objects.filter(action="cashback.refused").exists()
    assert not Notice.objects.filter(kind="cashback.refused").exists()
    assert _refuse(world, claim, reason="x" * 1000 + "  ").refusal_reason == "x" * 1000


@override_settings(LAIF_CASHBACK_CAP_EUR=20)
def test_a_refused_claim_frees_the_cap_and_the_de_minimis_ceiling(world: World) -> None:
    july = _submitted(world)  # 17.60 of the 20.00 cap
    on = date(2026, 9, 15)
    assert selectors.claimed_in_year(world.org.pk, 2026) == 1760
    assert selectors.de_minimis_total(world.org.pk, on).pending_cents == 1760
    entry(world.project, world.member, date(2026, 8, 1), gpu_s=36_000)
    august = issue(world.operator, world.project, date(2026, 8, 1))
    preview = selectors.claim_preview_of(august, on)
    assert preview.figures is not None
    assert (preview.figures.amount_cents, preview.figures.limited_by) == (240, "cap")
    _refuse(world, july)
    assert selectors.claimed_in_year(world.org.pk, 2026) == 0
    total = selectors.de_minimis_total(world.org.pk, on)
    assert (total.pending_cents, total.received_cents) == (0, 0)
    assert total.left_cents == total.ceiling_cents
    claim = _claim(world, august)  # the whole 80% again: the cap is free
    assert (claim.amount_cents, claim.limited_by) == (1760, "")


def test_the_api_records_aid_and_grants_a_reduced_claim(world: World) -> None:
    admin, operator = client_as(world.org_admin), client_as(world.operator)
    created = admin.post(f"/api/organisations/{world.org.pk}/aid", {
        "amount_cents": 300_000 * 100 - 100, "granted_on": "2026-02-01",
        "legal_basis": "de_minimis", "source": "Luxinnovation"}, content_type="application/json")
    assert created.status_code == 201, created.content
    bad = admin.post(f"/api/organisations/{world.org.pk}/aid", {
        "amount_cents": 1, "granted_on": "2026-02-01", "legal_basis": "de_minimis",
        "source": "a\x00"}, content_type="application/json")
    assert bad.status_code == 422
    claim = _submitted(world)
    response = operator.post(f"/api/cashback-claims/{claim.pk}/paid", {},
                             content_type="application/json")
    assert response.status_code == 409
    assert "EUR 1.00" in response.json()["detail"]
    listed = admin.get(f"/api/organisations/{world.org.pk}/cashback-claims").json()
    assert (listed[0]["over_de_minimis_cents"], listed[0]["de_minimis_left_cents"]) == (1660, 100)
    response = operator.post(f"/api/cashback-claims/{claim.pk}/paid", {
        "reduced_to_cents": 100, "reduction_reason": "Board decision"},
        content_type="application/json")
    assert response.status_code == 200, response.content
    assert (response.json()["amount_cents"], response.json()["reduced_from_cents"]) == (100, 1760)
    aid = admin.get(f"/api/organisations/{world.org.pk}/aid").json()
    assert sorted(a["amount_cents"] for a in aid) == [100, 300_000 * 100 - 100]


needs_postgres = pytest.mark.skipif(connection.vendor != "postgresql",
                                    reason="row locks need PostgreSQL (DATABASE_URL)")


@pytest.mark.postgres
@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_grants_at_once_never_pass_the_ceiling() -> None:
    world = make_world()
    first = _submitted(world)
    second = _submitted(world, month=date(2026, 8, 1))
    # EUR 20.00 left under the ceiling; each claim (EUR 17.60) would fit alone, but a pending
    # claim reserves its amount: each sees the other's, so neither fits in full
    _aid(world, 300_000 * 100 - 2000, date(2026, 9, 1))
    claims = [first, second]
    results = in_threads(2, lambda i: _pay(world, claims[i]), expected=(Conflict,))
    assert [type(r).__name__ for r in results] == ["Conflict", "Conflict"]
    total = selectors.de_minimis_total(world.org.pk, timezone.localdate())
    assert total.received_cents == 300_000 * 100 - 2000
    # the first granted reduced (EUR 2.40) frees the rest of its reservation: the second then
    # fits in full, and the two reach the ceiling exactly
    _pay(world, first, reduced_to_cents=240, reduction_reason="board decision 1")
    assert _pay(world, second).amount_cents == 1760
    total = selectors.de_minimis_total(world.org.pk, timezone.localdate())
    assert (total.received_cents, total.left_cents) == (total.ceiling_cents, 0)
