"""The statements and cashback part of the API tenancy matrix (tests/test_tenancy_matrix.py):
three issued statements of the tenant (May with a submitted claim, to pay or refuse, June with a
computed claim, July without one), a credit note on July; the rows and the request bodies."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.billing import services as statements
from laif.billing.models import CreditNote, Statement
from laif.fund import services as fund
from laif.fund.models import CashbackClaim, ClaimState
from tests.compute.billing_support import NOW, entry, issue
from tests.factories import World

MAY, JUNE, JULY = date(2026, 5, 1), date(2026, 6, 1), date(2026, 7, 1)


def build_billing(w: World) -> None:
    admin = access_for(w.org_admin), Actor.of(w.org_admin)
    issued = {}
    for month in (MAY, JUNE, JULY):
        entry(w.project, w.member, month, gpu_s=36_000, cpu_s=3600, energy_j=5_000_000)
        issued[month] = issue(w.operator, w.project, month)
    for month in (MAY, JUNE):
        claim = fund.cashback_claim_compute(access=admin[0], actor=admin[1],
                                            statement_id=issued[month].pk, now=NOW)
    fund.cashback_claim_submit(access=admin[0], actor=admin[1],
                               claim_id=CashbackClaim.objects.get(month=MAY).pk)
    statements.credit_note_issue(access=access_for(w.operator), actor=Actor.of(w.operator),
                                 statement_id=issued[JULY].pk, reason="Matrix correction",
                                 credits=[(issued[JULY].lines.first().pk, 1)])  # type: ignore[union-attr]
    assert claim.state == ClaimState.COMPUTED


def billing_path_ids(path: str) -> dict[str, int]:
    july = Statement.objects.get(month=JULY, organisation__name="Acme Vision")
    values: dict[str, int] = {}
    if "{statement_id}" in path:
        values["statement_id"] = july.pk
    if "{line_id}" in path:
        values["line_id"] = july.lines.order_by("id")[0].pk
    if "{credit_note_id}" in path:
        values["credit_note_id"] = CreditNote.objects.get(statement=july).pk
    if "{claim_id}" in path:
        state = (ClaimState.SUBMITTED if path.endswith(("/paid", "/refuse"))
                 else ClaimState.COMPUTED)
        values["claim_id"] = CashbackClaim.objects.get(state=state).pk
    return values


_R = ("anonymous", "other_member", "member", "project_lead", "org_admin", "operator",
      "reviewer", "trainer", "auditor")


def _row(*codes: int) -> dict[str, int]:
    return dict(zip(_R, codes, strict=True))


READ = _row(401, 404, 200, 200, 200, 200, 200, 404, 200)  # members and client-facing staff
# the organisation's statements and cashback: its admins and client-facing staff (issue 22,
# point 6); its other members are refused (403: they know the organisation), outsiders 404
STATEMENTS = _row(401, 404, 403, 403, 200, 200, 200, 404, 200)
BY_OPERATOR = _row(401, 404, 403, 403, 403, 201, 403, 404, 403)
BY_ADMIN = _row(401, 404, 403, 403, 201, 403, 403, 404, 403)

BILLING_MATRIX: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/api/organisations/{org_id}/statements"): STATEMENTS,
    ("GET", "/api/organisations/{org_id}/statements/draft"): STATEMENTS,
    ("POST", "/api/organisations/{org_id}/statements"): BY_OPERATOR,
    ("GET", "/api/statements/{statement_id}"): STATEMENTS,
    ("GET", "/api/statements/{statement_id}/pdf"): STATEMENTS,
    ("GET", "/api/statements/{statement_id}/lines/{line_id}/entries"): STATEMENTS,
    ("GET", "/api/statements/{statement_id}/credit-notes"): STATEMENTS,
    ("POST", "/api/statements/{statement_id}/credit-notes"): BY_OPERATOR,
    ("GET", "/api/credit-notes/{credit_note_id}/pdf"): STATEMENTS,
    ("GET", "/api/organisations/{org_id}/cashback-claims"): STATEMENTS,
    ("POST", "/api/statements/{statement_id}/cashback-claim"): BY_ADMIN,
    ("POST", "/api/cashback-claims/{claim_id}/submit"): _row(401, 404, 403, 403, 200, 403, 403,
                                                             404, 403),
    ("POST", "/api/cashback-claims/{claim_id}/recompute"): _row(401, 404, 403, 403, 200, 403,
                                                                403, 404, 403),
    ("POST", "/api/cashback-claims/{claim_id}/paid"): _row(401, 404, 403, 403, 403, 200, 403,
                                                           404, 403),
    ("POST", "/api/cashback-claims/{claim_id}/refuse"): _row(401, 404, 403, 403, 403, 200, 403,
                                                             404, 403),
    ("GET", "/api/organisations/{org_id}/de-minimis"): READ,
    # aid received elsewhere: read like the claims; recorded by the admins and operators
    ("GET", "/api/organisations/{org_id}/aid"): READ,
    ("POST", "/api/organisations/{org_id}/aid"): _row(401, 404, 403, 403, 201, 201, 403, 404,
                                                      403),
    # the funding check records nothing: read like the claims
    ("POST", "/api/organisations/{org_id}/funding-check"): READ,
}

BILLING_BODIES: dict[tuple[str, str], Callable[[Any], dict[str, Any]]] = {
    ("POST", "/api/organisations/{org_id}/statements"): lambda mw: {"month": "2026-01"},
    ("POST", "/api/statements/{statement_id}/credit-notes"): lambda mw: {
        "reason": "Node failure on 3 July", "lines": [{
            "line_id": Statement.objects.get(month=JULY, organisation=mw.w.org)
            .lines.order_by("id")[0].pk, "amount_cents": 100}]},
    ("POST", "/api/cashback-claims/{claim_id}/paid"): lambda mw: {
        "payment_reference": "SEPA-2026-0001"},
    ("POST", "/api/cashback-claims/{claim_id}/refuse"): lambda mw: {
        "reason": "Outside the call window"},
    ("POST", "/api/organisations/{org_id}/funding-check"): lambda mw: {
        "costs_eur": 150_000, "compute_eur": 20_000, "start_on": "2099-01-01"},
    ("POST", "/api/organisations/{org_id}/aid"): lambda mw: {
        "amount_cents": 500_000, "granted_on": "2026-02-01", "legal_basis": "de_minimis",
        "source": "Luxinnovation, Fit 4 AI 2026-3"},
}
