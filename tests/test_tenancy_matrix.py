"""Tenancy matrix: every API endpoint x every role -> the expected status code.

The table (``tenancy_table.MATRIX``) is the access policy of the REST API written out in full (rules: see the docstring
of ``laif.accounts.access``). Paths with ``{org_id}``/``{project_id}`` target the organisation and
project of the world's members (``Acme Vision``), so ``other_member`` (admin of another
organisation) must get 404 there: never the data, never even a hint that it exists.

``test_every_endpoint_has_a_row`` fails when the OpenAPI schema gains an endpoint that has no row
in the table: a new endpoint is not done until its access policy is written down.

The world is built once per module inside an outer transaction; every case runs in a savepoint
that is rolled back, so writes of one case never leak into the next.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone
from pytest_django import DjangoDbBlocker, Settings

from laif.accounts import services
from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.models import (
    ApiToken,
    Invitation,
    Notice,
    Project,
    SmeDeclaration,
    SshKey,
    User,
)
from laif.cluster.scheduler.fake import FakeScheduler
from laif.cluster.selectors import use_scheduler
from tests.api_support import client_as, ssh_public_key
from tests.assess.assess_matrix import ASSESS_BODIES, assess_path_ids, build_assess
from tests.compute.billing_matrix import (
    BILLING_BODIES,
    billing_path_ids,
    build_billing,
)
from tests.compute.matrix_support import COMPUTE_BODIES, build_compute, compute_path_ids
from tests.compute.usage_matrix import USAGE_BODIES
from tests.connect.connect_matrix import CONNECT_BODIES, build_connect, connect_path_ids
from tests.entry.entry_matrix import ENTRY_BODIES, build_entry, entry_path_ids
from tests.factories import PASSWORD, World, add_member, make_world
from tests.fund.applications_matrix import (
    APPLICATIONS_BODIES,
    applications_path_ids,
    build_applications,
)
from tests.govern.govern_matrix import GOVERN_BODIES, build_govern, govern_path_ids
from tests.network.network_matrix import NETWORK_BODIES, build_network, network_path_ids
from tests.registry.registry_matrix import REGISTRY_BODIES, build_registry, registry_path_ids
from tests.sandbox.sandbox_matrix import SANDBOX_BODIES, build_sandbox, sandbox_path_ids
from tests.tenancy_table import MATRIX
from tests.train.train_matrix import TRAIN_BODIES, build_train, train_path_ids

ROLES = (
    "anonymous",
    "other_member",
    "member",
    "project_lead",
    "org_admin",
    "operator",
    "reviewer",
    "trainer",
    "auditor",
)

# ------------------------------------------------------------------------------------ the world


@dataclass
class MatrixWorld:
    """``make_world`` plus the objects the paths point at."""

    w: World
    teammate: User  # org member and (non-lead) member of the project
    member_key: SshKey
    member_token: ApiToken
    invitation: Invitation  # open, to newcomer@example.lu
    invitation_token: str
    spare_key: str  # a valid public key nobody has registered
    sme_declaration: SmeDeclaration  # Acme's, submitted (the world's verified one is a year later)

    def user(self, role: str) -> User | None:
        return self.w.user(role)


def _build() -> MatrixWorld:
    w = make_world()
    admin = w.org_admin
    teammate = add_member(w.org, "teammate@acme.lu", first_name="Tom", last_name="Mate")
    services.project_member_add(access=access_for(admin), actor=Actor.of(admin),
                                project_id=w.project.pk, user_id=teammate.pk)
    key = services.ssh_key_add(actor=Actor.of(w.member), user=w.member, title="laptop",
                               public_key=ssh_public_key())
    token, _secret = services.api_token_create(actor=Actor.of(w.member), user=w.member, name="cli")
    invitation = services.invitation_create(
        access=access_for(admin), actor=Actor.of(admin), organisation_id=w.org.pk,
        email="newcomer@example.lu", role="member",
    )
    declaration = services.sme_declaration_submit(
        access=access_for(admin), actor=Actor.of(admin), organisation_id=w.org.pk,
        data=services.SmeDeclarationData(year=timezone.localdate().year - 2,
                                         staff_awu=Decimal(11), turnover_eur=Decimal(2_000_000),
                                         balance_sheet_eur=Decimal(2_000_000)))
    build_compute(w)
    build_billing(w)
    build_entry(w)
    build_assess(w)
    build_applications(w)
    build_sandbox(w)
    build_govern(w)
    build_registry(w)
    build_train(w)
    build_connect(w)
    build_network(w)
    return MatrixWorld(w=w, teammate=teammate, member_key=key, member_token=token,
                       invitation=invitation, invitation_token=invitation.plain_token,  # type: ignore[attr-defined]
                       spare_key=ssh_public_key("spare"), sme_declaration=declaration)


@pytest.fixture(scope="module")
def mworld(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[MatrixWorld]:
    """Built once for the module in an outer transaction, rolled back at the end."""
    with (tempfile.TemporaryDirectory() as jobs_dir, override_settings(LAIF_JOBS_DIR=Path(jobs_dir)),
          override_settings(LAIF_GOVERN_DIR=Path(jobs_dir) / "govern",
                            LAIF_REGISTRY_DIR=Path(jobs_dir) / "registry"),
          override_settings(**_sandbox_dirs(Path(jobs_dir))),
          use_scheduler(FakeScheduler()), django_db_blocker.unblock(), transaction.atomic()):
        yield _build()
        transaction.set_rollback(True)


def _sandbox_dirs(root: Path) -> dict[str, Path]:
    return {"LAIF_SANDBOX_DIR": root / "sandbox", "LAIF_SANDBOX_RELEASES_DIR": root / "releases"}


@pytest.fixture(autouse=True)
def _world_sandbox_files(sandbox_dir: Path, govern_dir: Path, registry_dir: Path,
                        settings: Settings) -> None:
    """Each case reads the files of the module's world (not the test's own empty folder)."""
    settings.LAIF_SANDBOX_DIR = Path(settings.LAIF_JOBS_DIR) / "sandbox"
    settings.LAIF_SANDBOX_RELEASES_DIR = Path(settings.LAIF_JOBS_DIR) / "releases"
    settings.LAIF_GOVERN_DIR = Path(settings.LAIF_JOBS_DIR) / "govern"
    settings.LAIF_REGISTRY_DIR = Path(settings.LAIF_JOBS_DIR) / "registry"


def _url(path: str, mw: MatrixWorld) -> str:
    values: dict[str, int | str] = {
        "org_id": mw.w.org.pk,
        "project_id": mw.w.project.pk,
        "user_id": mw.teammate.pk,
        "key_id": mw.member_key.pk,
        "token_id": mw.member_token.pk,
        "invitation_id": mw.invitation.pk,
        "declaration_id": mw.sme_declaration.pk,
    }
    values.update(compute_path_ids(path))
    values.update(billing_path_ids(path))
    values.update(entry_path_ids(path))
    values.update(assess_path_ids(path))
    values.update(applications_path_ids(path))
    values.update(sandbox_path_ids(path))
    values.update(govern_path_ids(path))
    values.update(registry_path_ids(path))
    values.update(train_path_ids(path))
    values.update(connect_path_ids(path))
    values.update(network_path_ids(path))
    if "{notice_id}" in path:
        values["notice_id"] = Notice.objects.filter(recipient=mw.w.project_lead).order_by("id")[0].pk
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)


ORG_BODY = {
    "name": "Acme Vision", "country": "LU", "sector": "industry", "kind": "company",
    "staff_headcount": 12, "annual_turnover_eur": 3_000_000, "balance_sheet_eur": 2_500_000,
}

BODIES: dict[tuple[str, str], Callable[[MatrixWorld], dict[str, Any]]] = {
    ("POST", "/api/signup"): lambda mw: {
        "organisation": {**ORG_BODY, "name": "Initech"}, "email": "founder@initech.lu",
        "password": PASSWORD, "first_name": "Peter", "last_name": "Gibbons",
    },
    ("POST", "/api/auth/token"): lambda mw: {"email": mw.w.member.email, "password": PASSWORD},
    ("POST", "/api/tools/sme-class"): lambda mw: {
        "staff_headcount": 8, "annual_turnover_eur": 1_000_000, "balance_sheet_eur": 900_000,
    },
    ("POST", "/api/invitations/accept"): lambda mw: {
        "token": mw.invitation_token, "password": PASSWORD, "first_name": "Nina",
        "last_name": "Newcomer",
    },
    ("POST", "/api/me/ssh-keys"): lambda mw: {"title": "laptop", "public_key": mw.spare_key},
    ("POST", "/api/tokens"): lambda mw: {"name": "ci", "expires_days": 7},
    ("PUT", "/api/organisations/{org_id}"): lambda mw: {**ORG_BODY, "staff_headcount": 15},
    ("PUT", "/api/organisations/{org_id}/members/{user_id}"): lambda mw: {"role": "member"},
    ("POST", "/api/organisations/{org_id}/invitations"): lambda mw: {
        "email": "someone.else@example.lu", "role": "member",
    },
    ("POST", "/api/organisations/{org_id}/projects"): lambda mw: {"name": "Predictive upkeep"},
    ("POST", "/api/organisations/{org_id}/sme-declarations"): lambda mw: {
        "year": timezone.localdate().year - 3, "staff_awu": "12.5", "turnover_eur": 3_000_000,
        "balance_sheet_eur": 2_500_000,
        "stakes": [{"name": "Holding S.A.", "direction": "upstream", "capital_percent": 30,
                    "votes_percent": 30, "staff_awu": 8, "turnover_eur": 1_000_000}],
    },
    ("POST", "/api/sme-declarations/{declaration_id}/reject"): lambda mw: {
        "note": "the accounts show other figures"},
    ("POST", "/api/projects/{project_id}/members"): lambda mw: {
        "user_id": mw.w.member.pk, "role": "member",
    },
    **COMPUTE_BODIES,
    **BILLING_BODIES,
    **USAGE_BODIES,
    **ENTRY_BODIES,
    **ASSESS_BODIES,
    **APPLICATIONS_BODIES,
    **SANDBOX_BODIES,
    **GOVERN_BODIES,
    **REGISTRY_BODIES,
    **TRAIN_BODIES,
    **CONNECT_BODIES,
    **NETWORK_BODIES,
}


def call(client: Client, method: str, url: str, body: dict[str, Any] | None,
         **headers: str) -> Any:
    if method == "GET":
        return client.get(url, headers=headers)
    if method == "DELETE":
        return client.delete(url, headers=headers)
    if method == "POST" and body and any(hasattr(v, "read") for v in body.values()):
        return client.post(url, body, headers=headers)  # multipart: a file upload
    send = client.post if method == "POST" else client.put
    return send(url, body or {}, content_type="application/json", headers=headers)


# ------------------------------------------------------------------------------------ tests

CASES = [
    pytest.param(method, path, role, status, id=f"{method} {path} {role}")
    for (method, path), row in MATRIX.items()
    for role, status in row.items()
]


@pytest.mark.parametrize(("method", "path", "role", "expected"), CASES)
def test_matrix(mworld: MatrixWorld, db: None, method: str, path: str, role: str,
                expected: int) -> None:
    body_of = BODIES.get((method, path))
    body = body_of(mworld) if body_of else None
    response = call(client_as(mworld.user(role)), method, _url(path, mworld), body)
    assert response.status_code == expected, response.content
    if response.status_code in (401, 403, 404) and role in ("other_member", "trainer",
                                                                  "anonymous"):
        # Denied: nothing of the organisation or its project comes back.
        text = response.content.decode()
        assert mworld.w.org.name not in text
        assert mworld.w.project.name not in text
        assert mworld.w.project.code not in text


def test_every_role_has_a_column() -> None:
    for endpoint, row in MATRIX.items():
        assert tuple(row) == ROLES, f"{endpoint}: roles must be exactly {ROLES}"


def test_every_endpoint_has_a_row(db: None) -> None:
    schema = Client().get("/api/openapi.json").json()
    endpoints = {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in ("get", "post", "put", "patch", "delete")
    }
    missing = sorted(endpoints - set(MATRIX))
    stale = sorted(set(MATRIX) - endpoints)
    assert not missing, f"endpoints without a row in the tenancy matrix: {missing}"
    assert not stale, f"rows for endpoints that no longer exist: {stale}"


def test_other_organisation_never_reaches_tenant_paths() -> None:
    """Policy guard: a path into the tenant's organisation or project is 404 for outsiders."""
    for (method, path), row in MATRIX.items():
        if "{org_id}" in path or "{project_id}" in path:
            assert row["other_member"] == 404, (method, path)
            assert row["anonymous"] == 401, (method, path)
            assert row["trainer"] == 404, (method, path)


@pytest.mark.parametrize(
    ("role", "orgs", "projects"),
    [
        ("other_member", {"Globex Finance"}, {"AML federated"}),
        ("member", {"Acme Vision"}, set()),
        ("project_lead", {"Acme Vision"}, {"Quality control line 3"}),
        ("org_admin", {"Acme Vision"}, {"Quality control line 3"}),
        ("operator", {"Acme Vision", "Globex Finance"}, {"Quality control line 3",
                                                          "AML federated"}),
        ("auditor", {"Acme Vision", "Globex Finance"}, {"Quality control line 3",
                                                         "AML federated"}),
        ("trainer", set(), set()),
    ],
)
def test_lists_are_scoped(mworld: MatrixWorld, db: None, role: str, orgs: set[str],
                          projects: set[str]) -> None:
    client = client_as(mworld.user(role))
    assert {o["name"] for o in client.get("/api/organisations").json()} == orgs
    assert {p["name"] for p in client.get("/api/projects").json()} == projects


def test_staff_read_of_client_data_is_audited(mworld: MatrixWorld, db: None) -> None:
    client = client_as(mworld.w.operator)
    assert client.get(f"/api/projects/{mworld.w.project.pk}").status_code == 200
    auditor = client_as(mworld.w.auditor)
    entries = auditor.get("/api/audit", {"action": "data.accessed"}).json()
    assert entries[0]["actor_label"] == mworld.w.operator.email
    assert entries[0]["target"] == f"project:{mworld.w.project.pk}"


# ------------------------------------------------------------------------------------ auth modes


def _bearer(user: User) -> str:
    _token, secret = services.api_token_create(actor=Actor.of(user), user=user, name="test")
    return f"Bearer {secret}"


def test_bearer_token_carries_the_role(mworld: MatrixWorld, db: None) -> None:
    client = Client()
    auditor = _bearer(mworld.w.auditor)
    member = _bearer(mworld.w.member)
    assert client.get("/api/audit", headers={"Authorization": auditor}).status_code == 200
    assert client.get("/api/audit", headers={"Authorization": member}).status_code == 403
    org_url = f"/api/organisations/{mworld.w.org.pk}"
    assert client.get(org_url, headers={"Authorization": member}).status_code == 200
    other = _bearer(mworld.w.other_member)
    response = client.get(org_url, headers={"Authorization": other})
    assert response.status_code == 404
    assert mworld.w.org.name not in response.content.decode()


@pytest.mark.parametrize(
    "header", ["Bearer laif_not-a-token", "Bearer ", "Bearer x" * 300, "Basic dXNlcjpwYXNz"]
)
def test_bad_bearer_token_is_401(mworld: MatrixWorld, db: None, header: str) -> None:
    response = Client().get("/api/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert "detail" in response.json()


def test_bearer_post_needs_no_csrf(mworld: MatrixWorld, db: None) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        f"/api/organisations/{mworld.w.org.pk}/projects", {"name": "Token project"},
        content_type="application/json", headers={"Authorization": _bearer(mworld.w.org_admin)},
    )
    assert response.status_code == 201, response.content


def test_session_post_needs_csrf(mworld: MatrixWorld, db: None) -> None:
    client = client_as(mworld.w.org_admin, enforce_csrf_checks=True)
    url = f"/api/organisations/{mworld.w.org.pk}/projects"
    response = client.post(url, {"name": "Forged"}, content_type="application/json")
    assert response.status_code == 403
    assert not Project.objects.filter(name="Forged").exists()

    secret = "a" * 32  # a CSRF secret, as the CSRF cookie carries it
    client.cookies[settings.CSRF_COOKIE_NAME] = secret
    response = client.post(url, {"name": "Forged"}, content_type="application/json",
                           headers={"X-CSRFToken": "b" * 32})
    assert response.status_code == 403
    response = client.post(url, {"name": "Legit"}, content_type="application/json",
                           headers={"X-CSRFToken": secret})
    assert response.status_code == 201, response.content


def test_session_get_needs_no_csrf(mworld: MatrixWorld, db: None) -> None:
    client = client_as(mworld.w.member, enforce_csrf_checks=True)
    assert client.get("/api/me").status_code == 200


def test_invitation_still_open_after_matrix(mworld: MatrixWorld, db: None) -> None:
    """Each matrix case ran in a rolled-back savepoint: the shared world is untouched."""
    assert Invitation.objects.filter(email="newcomer@example.lu", accepted_at__isnull=True,
                                     revoked_at__isnull=True).exists()
    assert SshKey.objects.filter(pk=mworld.member_key.pk).exists()
    assert ApiToken.objects.get(pk=mworld.member_token.pk).revoked_at is None
