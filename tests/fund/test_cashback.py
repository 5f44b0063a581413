"""Cashback claims: full-price statement, separate 80% claim, the verified SME status, cap, states
(the de minimis ceiling: test_de_minimis.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.core import mail
from django.test import override_settings

from laif.accounts import services as accounts_services
from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.errors import Conflict, DomainError, NotFound, PermissionDenied
from laif.accounts.models import AuditEntry, Notice, Organisation, SmeDeclaration
from laif.fund import selectors, services
from laif.fund.models import AidInstrument, AidRecord, CashbackClaim, ClaimState
from tests.compute.billing_support import NOW, entry, issue
from tests.factories import World, sme_verified
from tests.fund.cashback_support import claim_of, statement_of, submitted_claim


def test_full_price_statement_and_a_separate_claim_through_paid(world: World) -> None:
    statement = statement_of(world)  # 10 GPU-hours at 2.20
    claim = claim_of(world, statement)
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
    statement = statement_of(world)
    with pytest.raises(PermissionDenied):
        services.cashback_claim_compute(access=access_for(world.member),
                                        actor=Actor.of(world.member), statement_id=statement.pk)
    with pytest.raises(NotFound):
        services.cashback_claim_compute(access=access_for(world.other_member),
                                        actor=Actor.of(world.other_member),
                                        statement_id=statement.pk)
    claim_of(world, statement)
    with pytest.raises(Conflict, match="already has"):
        claim_of(world, statement)


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
        claim_of(world, statement_of(world))


def test_without_a_verified_status_there_is_no_claim(world: World) -> None:
    _reopen(world)
    with pytest.raises(Conflict, match="not verified yet"):
        claim_of(world, statement_of(world))


def test_the_claim_rests_on_the_verified_status_never_on_typed_figures(world: World) -> None:
    # the organisation's own figures say large: the verified status (small) decides
    Organisation.objects.filter(pk=world.org.pk).update(sme_class="large", staff_headcount=900)
    claim = claim_of(world, statement_of(world))
    declaration = SmeDeclaration.objects.get(organisation=world.org, state="verified")
    assert (claim.sme_class, claim.sme_declaration_id) == ("small", declaration.pk)
    computed = AuditEntry.objects.get(action="cashback.computed")
    assert computed.detail["sme_declaration"] == declaration.pk


@override_settings(LAIF_CASHBACK_CAP_EUR=20)
def test_the_cap_limits_then_refuses_with_the_figures(world: World) -> None:
    claim = claim_of(world, statement_of(world))  # 80% of 22.00 = 17.60; cap 20.00
    assert claim.amount_cents == 1760
    entry(world.project, world.member, date(2026, 8, 1), gpu_s=36_000)
    august = issue(world.operator, world.project, date(2026, 8, 1))
    claim = claim_of(world, august)
    assert (claim.amount_cents, claim.limited_by) == (240, "cap")
    entry(world.project, world.member, date(2026, 6, 1), gpu_s=3600)
    june = issue(world.operator, world.project, date(2026, 6, 1))
    with pytest.raises(Conflict, match=r"EUR\xa00\.00"):
        claim_of(world, june)


def _refuse(world: World, claim: CashbackClaim, reason: str = "Not eligible: late",
            by: str = "operator") -> CashbackClaim:
    user = getattr(world, by)
    return services.cashback_claim_refuse(access=access_for(user), actor=Actor.of(user),
                                          claim_id=claim.pk, reason=reason, now=NOW)


def test_an_operator_refuses_a_submitted_claim_with_the_reason(
        world: World, django_capture_on_commit_callbacks: Callable[..., Any]) -> None:
    claim = submitted_claim(world)
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
    claim = claim_of(world, statement_of(world))
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
    claim = submitted_claim(world)
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
    claim = submitted_claim(world)
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
    july = submitted_claim(world)  # 17.60 of the 20.00 cap
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
    claim = claim_of(world, august)  # the whole 80% again: the cap is free
    assert (claim.amount_cents, claim.limited_by) == (1760, "")
