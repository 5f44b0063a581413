"""De minimis (Regulation (EU) 2023/2831): only de minimis aid counts, from each grant for three
years; aid received elsewhere is recorded; a claim is never trimmed to the ceiling, the grant is
checked again and may only be reduced by a decision."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.utils import timezone

from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.errors import Conflict, DomainError, NotFound, PermissionDenied
from laif.accounts.models import AuditEntry
from laif.fund import selectors, services
from laif.fund.models import AidRecord, CashbackClaim, ClaimState
from tests.api_support import client_as
from tests.concurrency import in_threads, needs_postgres
from tests.factories import World, make_world
from tests.fund.cashback_support import claim_of, statement_of, submitted_claim


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
    claim = claim_of(world, statement_of(world))
    # the full 80% is claimed; the claim says how far it goes past the headroom of EUR\xa01.00
    assert (claim.amount_cents, claim.limited_by, claim.de_minimis_left_cents) == (1760, "", 100)
    computed = AuditEntry.objects.get(action="cashback.computed")
    assert computed.detail["over_de_minimis_cents"] == 1660
    claim = services.cashback_claim_submit(access=access_for(world.org_admin),
                                           actor=Actor.of(world.org_admin), claim_id=claim.pk)
    with pytest.raises(Conflict, match=r"full amount, EUR\xa017\.60, cannot be granted under de "
                                       r"minimis: .* headroom under the ceiling is EUR\xa01\.00"):
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
    claim = submitted_claim(world)
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
    claim = submitted_claim(world)  # fits when computed and submitted
    _aid(world, 300_000 * 100 - 1000, date(2026, 9, 1))  # declared afterwards
    # the API and the claims page say the same today: EUR\xa010.00 of headroom, EUR\xa07.60 over
    listed = client_as(world.org_admin).get(
        f"/api/organisations/{world.org.pk}/cashback-claims").json()
    assert listed[0]["over_de_minimis_cents"] == 760
    page = client_as(world.org_admin).get(f"/organisations/{world.org.pk}/cashback/")
    assert "the headroom is EUR\xa010.00" in page.content.decode()
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
    claim = submitted_claim(world)
    response = operator.post(f"/api/cashback-claims/{claim.pk}/paid", {},
                             content_type="application/json")
    assert response.status_code == 409
    assert "EUR\xa01.00" in response.json()["detail"]
    listed = admin.get(f"/api/organisations/{world.org.pk}/cashback-claims").json()
    assert (listed[0]["over_de_minimis_cents"], listed[0]["de_minimis_left_cents"]) == (1660, 100)
    response = operator.post(f"/api/cashback-claims/{claim.pk}/paid", {
        "reduced_to_cents": 100, "reduction_reason": "Board decision"},
        content_type="application/json")
    assert response.status_code == 200, response.content
    assert (response.json()["amount_cents"], response.json()["reduced_from_cents"]) == (100, 1760)
    aid = admin.get(f"/api/organisations/{world.org.pk}/aid").json()
    assert sorted(a["amount_cents"] for a in aid) == [100, 300_000 * 100 - 100]


@pytest.mark.postgres
@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_grants_at_once_never_pass_the_ceiling() -> None:
    world = make_world()
    first = submitted_claim(world)
    second = submitted_claim(world, month=date(2026, 8, 1))
    # EUR\xa020.00 left under the ceiling; each claim (EUR\xa017.60) would fit alone, but a pending
    # claim reserves its amount: each sees the other's, so neither fits in full
    _aid(world, 300_000 * 100 - 2000, date(2026, 9, 1))
    claims = [first, second]
    results = in_threads(2, lambda i: _pay(world, claims[i]), expected=(Conflict,))
    assert [type(r).__name__ for r in results] == ["Conflict", "Conflict"]
    total = selectors.de_minimis_total(world.org.pk, timezone.localdate())
    assert total.received_cents == 300_000 * 100 - 2000
    # the first granted reduced (EUR\xa02.40) frees the rest of its reservation: the second then
    # fits in full, and the two reach the ceiling exactly
    _pay(world, first, reduced_to_cents=240, reduction_reason="board decision 1")
    assert _pay(world, second).amount_cents == 1760
    total = selectors.de_minimis_total(world.org.pk, timezone.localdate())
    assert (total.received_cents, total.left_cents) == (total.ceiling_cents, 0)
