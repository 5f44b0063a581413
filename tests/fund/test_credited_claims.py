"""A credit note issued after a claim was computed: the claim's eligible amount is too high, so
it cannot be submitted until it is computed again, and everyone sees by how much."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.test import Client

from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.errors import Conflict, PermissionDenied
from laif.accounts.models import AuditEntry, User
from laif.billing import services as statements
from laif.billing.models import Statement
from laif.fund import selectors, services
from laif.fund.models import CashbackClaim, ClaimState
from tests.compute.billing_support import NOW, entry, issue
from tests.factories import World

JULY = date(2026, 7, 1)
ClientFor = Callable[[User | None], Client]


def _credited_claim(world: World, cents: int = 500) -> tuple[Statement, CashbackClaim]:
    """July: 10 GPU-hours at 2.20 (EUR\xa022.00), its claim computed, then ``cents`` credited."""
    entry(world.project, world.member, JULY, gpu_s=36_000)
    statement = issue(world.operator, world.project, JULY)
    claim = services.cashback_claim_compute(access=access_for(world.org_admin),
                                            actor=Actor.of(world.org_admin),
                                            statement_id=statement.pk, now=NOW)
    statements.credit_note_issue(access=access_for(world.operator), actor=Actor.of(world.operator),
                                 statement_id=statement.pk, reason="Node failure",
                                 credits=[(statement.lines.get().pk, cents)])
    return statement, claim


def test_a_claim_credited_since_cannot_be_submitted_until_computed_again(world: World) -> None:
    statement, claim = _credited_claim(world)
    assert (claim.eligible_cents, claim.amount_cents) == (2200, 1760)
    assert selectors.credited_since(claim) == 500
    admin = access_for(world.org_admin), Actor.of(world.org_admin)
    with pytest.raises(Conflict, match=r"credited by EUR\xa05\.00 after this claim"):
        services.cashback_claim_submit(access=admin[0], actor=admin[1], claim_id=claim.pk)
    assert CashbackClaim.objects.get().state == ClaimState.COMPUTED
    fresh = services.cashback_claim_recompute(access=admin[0], actor=admin[1], claim_id=claim.pk,
                                              now=NOW)
    assert (fresh.eligible_cents, fresh.amount_cents) == (1700, 1360)  # 80% of 22.00 - 5.00
    assert selectors.credited_since(fresh) == 0
    assert list(CashbackClaim.objects.values_list("pk", flat=True)) == [fresh.pk]
    services.cashback_claim_submit(access=admin[0], actor=admin[1], claim_id=fresh.pk)
    recomputed = AuditEntry.objects.get(action="cashback.recomputed")
    assert recomputed.detail["previous"]["amount_cents"] == 1760
    assert recomputed.detail["amount_cents"] == 1360
    assert statement.pk == fresh.statement_id


def test_only_the_admins_recompute_and_only_a_computed_claim(world: World) -> None:
    _, claim = _credited_claim(world)
    for person in (world.member, world.project_lead, world.operator):
        with pytest.raises(PermissionDenied):
            services.cashback_claim_recompute(access=access_for(person),
                                              actor=Actor.of(person), claim_id=claim.pk)
    admin = access_for(world.org_admin), Actor.of(world.org_admin)
    fresh = services.cashback_claim_recompute(access=admin[0], actor=admin[1], claim_id=claim.pk)
    services.cashback_claim_submit(access=admin[0], actor=admin[1], claim_id=fresh.pk)
    with pytest.raises(Conflict, match="already"):
        services.cashback_claim_recompute(access=admin[0], actor=admin[1], claim_id=fresh.pk)


def test_when_nothing_is_left_the_old_claim_stays(world: World) -> None:
    statement, claim = _credited_claim(world, cents=2200)  # the whole statement credited
    admin = access_for(world.org_admin), Actor.of(world.org_admin)
    with pytest.raises(Conflict):
        services.cashback_claim_recompute(access=admin[0], actor=admin[1], claim_id=claim.pk)
    kept = CashbackClaim.objects.get()
    assert (kept.pk, kept.amount_cents, kept.statement_id) == (claim.pk, 1760, statement.pk)


def test_the_claims_page_and_the_api_show_the_credit_and_offer_to_compute_again(
        world: World, client_for: ClientFor) -> None:
    _, claim = _credited_claim(world)
    admin = client_for(world.org_admin)
    page = admin.get(f"/organisations/{world.org.pk}/cashback/").content.decode()
    assert "credited by EUR\xa05.00 after this claim was computed" in page
    assert "Compute the claim again" in page
    assert "Submit the claim" not in page
    listed = admin.get(f"/api/organisations/{world.org.pk}/cashback-claims").json()
    assert listed[0]["credited_since_cents"] == 500
    response = admin.post(f"/cashback/claims/{claim.pk}/recompute/")
    assert response.status_code == 302
    page = admin.get(f"/organisations/{world.org.pk}/cashback/").content.decode()
    assert "Submit the claim" in page
    assert "EUR\xa013.60" in page
    assert admin.get(f"/api/organisations/{world.org.pk}/cashback-claims").json()[0][
        "credited_since_cents"] == 0
