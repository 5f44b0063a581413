"""The funding applications' part of the API tenancy matrix (tests/test_tenancy_matrix.py): a
draft and a submitted application of Acme. Its members and client-facing staff read them; its
admins draft and submit; operators grant and refuse; trainers see no client data (404)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone

from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.fund import applications
from laif.fund.instruments import as_data, instrument_in_force
from laif.fund.models import ApplicationState, FundingApplication
from tests.factories import World

ROLES = ("anonymous", "other_member", "member", "project_lead", "org_admin", "operator",
         "reviewer", "trainer", "auditor")


def _row(*statuses: int) -> dict[str, int]:
    return dict(zip(ROLES, statuses, strict=True))


APPLICATIONS_MATRIX: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/api/organisations/{org_id}/funding-applications"): _row(
        401, 404, 200, 200, 200, 200, 200, 404, 200),
    ("POST", "/api/organisations/{org_id}/funding-applications"): _row(
        401, 404, 403, 403, 201, 403, 403, 404, 403),
    ("POST", "/api/funding-applications/{application_id}/submit"): _row(
        401, 404, 403, 403, 200, 403, 403, 404, 403),
    ("POST", "/api/funding-applications/{application_id}/grant"): _row(
        401, 404, 403, 403, 403, 200, 403, 404, 403),
    ("POST", "/api/funding-applications/{application_id}/refuse"): _row(
        401, 404, 403, 403, 403, 200, 403, 404, 403),
    # the funding rules: read by anyone logged in, published by operators
    ("GET", "/api/funding/instruments"): _row(401, 200, 200, 200, 200, 200, 200, 200, 200),
    ("POST", "/api/funding/instruments/{code}/versions"): _row(
        401, 403, 403, 403, 403, 201, 403, 403, 403),
}

APPLICATIONS_BODIES: dict[tuple[str, str], Callable[[Any], dict[str, Any]]] = {
    ("POST", "/api/organisations/{org_id}/funding-applications"): lambda mw: {
        "instrument": "fit4ai", "title": "Vision on line 3", "amount_cents": 10_000},
    ("POST", "/api/funding-applications/{application_id}/grant"): lambda mw: {
        "granted_cents": 10_000, "granted_on": timezone.localdate().isoformat(),
        "legal_basis": "de_minimis", "reference": "LUXI-1"},
    ("POST", "/api/funding-applications/{application_id}/refuse"): lambda mw: {
        "reason": "Started before the application."},
    ("POST", "/api/funding/instruments/{code}/versions"): lambda mw: {
        "effective_from": timezone.localdate().isoformat(), "note": "Verified",
        "instrument": {**as_data(instrument_in_force("fit4ai")), "status": "verified"}},
}


def build_applications(w: World) -> None:
    admin = access_for(w.org_admin), Actor.of(w.org_admin)
    for title in ("Draft one", "Submitted one"):
        found = applications.application_create(
            access=admin[0], actor=admin[1], organisation_id=w.org.pk, instrument="fit4ai",
            title=title, amount_cents=10_000)
    applications.application_submit(access=admin[0], actor=admin[1], application_id=found.pk)


def applications_path_ids(path: str) -> dict[str, int | str]:
    if "{code}" in path:
        return {"code": "fit4ai"}
    if "{application_id}" not in path:
        return {}
    state = ApplicationState.DRAFT if path.endswith("/submit") else ApplicationState.SUBMITTED
    return {"application_id": FundingApplication.objects.get(state=state,
                                                             organisation__name="Acme Vision").pk}
