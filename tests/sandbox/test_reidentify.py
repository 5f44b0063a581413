"""Re-identification of encrypted values: asked by a data owner with a reason, approved by
another data owner (never the requester), revealed once to the requester before the approval
expires; nothing revealed without an approval, a second time, after expiry or to anyone else;
every step audited without a value; through the API, the CLI and the pages."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import polars as pl
import pytest
from django.test import Client
from django.utils import timezone
from pytest_django import Settings

from laif.accounts import services as accounts
from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.models import AuditEntry
from laif.sandbox.models import Reidentification, Release
from laif.sandbox.releases import staged_path
from tests.api_support import client_as, token_for
from tests.cli_support import run_cli
from tests.factories import World, add_member
from tests.sandbox.data import csv_bytes, customers

JSON = "application/json"


@pytest.fixture
def released(world: World, settings: Settings) -> dict[str, Any]:
    """A release whose ``iban`` column is encrypted (reversible), with its original table."""
    settings.LAIF_SANDBOX_MIN_K = 1
    lead = client_as(world.project_lead)
    table = customers(50)
    upload = io.BytesIO(csv_bytes(table))
    upload.name = "customers.csv"
    version = lead.post(f"/api/projects/{world.project.pk}/datasets",
                        {"name": "customers", "file": upload}).json()["id"]
    lead.post(f"/api/dataset-versions/{version}/review", {"kinds": {}}, content_type=JSON)
    policy = lead.get(f"/api/dataset-versions/{version}/policy").json()["columns"]
    for c in policy:
        c.pop("kind")
        if c["column"] == "iban":
            c.update(action="encrypt", domain="iban-owner")
    saved = lead.put(f"/api/dataset-versions/{version}/policy", {"columns": policy},
                     content_type=JSON)
    assert saved.status_code == 200, saved.content
    out = lead.post(f"/api/dataset-versions/{version}/releases", {"suppress": True},
                    content_type=JSON).json()
    release = Release.objects.get(pk=out["id"])
    frame = pl.read_parquet(staged_path(release))
    return {"release": release, "frame": frame, "table": table}


def _ask(client: Client, release: Release, tokens: list[str], column: str = "iban") -> Any:
    return client.post(f"/api/releases/{release.pk}/reidentifications",
                       {"column": column, "tokens": tokens,
                        "reason": "Customers flagged by the fraud model in March."},
                       content_type=JSON)


def test_a_second_person_approves_and_the_requester_sees_the_values_once(
        world: World, released: dict[str, Any]) -> None:
    release, frame, table = released["release"], released["frame"], released["table"]
    rows = frame.with_row_index().filter(pl.col("customer_id").is_in(["C0000003", "C0000007"]))
    tokens = rows["iban"].to_list()
    assert all(t.startswith("enc_v1_") for t in tokens)
    lead, admin = client_as(world.project_lead), client_as(world.org_admin)
    asked = _ask(lead, release, [*tokens, "enc_v1_" + "A" * 40])
    assert asked.status_code == 201, asked.content
    request_id = asked.json()["id"]
    # nothing before an approval, and never approved by the one who asked
    assert lead.post(f"/api/reidentifications/{request_id}/reveal").status_code == 409
    assert lead.post(f"/api/reidentifications/{request_id}/approve").status_code == 403
    assert admin.post(f"/api/reidentifications/{request_id}/approve").status_code == 200
    # the approver does not see the values either
    assert admin.post(f"/api/reidentifications/{request_id}/reveal").status_code == 403
    shown = lead.post(f"/api/reidentifications/{request_id}/reveal")
    assert shown.status_code == 200, shown.content
    values = {v["token"]: v["value"] for v in shown.json()["values"]}
    originals = table.filter(pl.col("customer_id").is_in(["C0000003", "C0000007"]))["iban"]
    assert sorted(v for v in values.values() if v) == sorted(originals.to_list())
    assert values["enc_v1_" + "A" * 40] is None  # not a value of this release
    # once only
    assert lead.post(f"/api/reidentifications/{request_id}/reveal").status_code == 409
    # audited, never with a value
    actions = list(AuditEntry.objects.filter(action__startswith="sandbox.reidentification")
                   .values_list("action", flat=True).order_by("seq"))
    assert actions == ["sandbox.reidentification_requested", "sandbox.reidentification_approved",
                       "sandbox.reidentification_revealed"]
    details = str(list(AuditEntry.objects.values_list("detail", flat=True)))
    assert not any(v in details for v in originals.to_list())


def test_refused_expired_and_outsiders(world: World, released: dict[str, Any],
                                       settings: Settings) -> None:
    release, frame = released["release"], released["frame"]
    token = frame["iban"][0]
    lead, admin = client_as(world.project_lead), client_as(world.org_admin)
    refused = _ask(lead, release, [token]).json()["id"]
    assert admin.post(f"/api/reidentifications/{refused}/refuse").status_code == 200
    assert lead.post(f"/api/reidentifications/{refused}/reveal").status_code == 409
    assert admin.post(f"/api/reidentifications/{refused}/approve").status_code == 409
    late = _ask(lead, release, [token]).json()["id"]
    admin.post(f"/api/reidentifications/{late}/approve")
    Reidentification.objects.filter(pk=late).update(
        expires_at=timezone.now() - timedelta(seconds=1))
    expired = lead.post(f"/api/reidentifications/{late}/reveal")
    assert expired.status_code == 409
    assert "expired" in expired.json()["detail"]
    assert Reidentification.objects.get(pk=late).state == "expired"  # recorded
    # a data scientist of the project and staff neither ask nor decide
    scientist = add_member(world.org, "scientist@acme.lu")
    accounts.project_member_add(access=access_for(world.org_admin),
                                actor=Actor.of(world.org_admin), project_id=world.project.pk,
                                user_id=scientist.pk)
    assert _ask(client_as(scientist), release, [token]).status_code == 403
    assert _ask(client_as(world.operator), release, [token]).status_code == 403
    assert _ask(client_as(world.other_member), release, [token]).status_code == 404
    again = _ask(lead, release, [token]).json()["id"]
    assert client_as(world.operator).post(
        f"/api/reidentifications/{again}/approve").status_code == 403
    # only encrypted columns, only encrypted values
    assert _ask(lead, release, [token], column="email").status_code == 400
    assert _ask(lead, release, ["LU280019400644750000"]).status_code == 400


def test_the_cli_and_the_pages(world: World, released: dict[str, Any]) -> None:
    release, frame, table = released["release"], released["frame"], released["table"]
    token = frame.filter(pl.col("customer_id") == "C0000005")["iban"][0]
    lead_token = token_for(world.project_lead)
    asked = run_cli(["sandbox", "reidentify", "request", str(release.pk), "--column", "iban",
                     "--token", token, "--reason", "A complaint from this customer."],
                    lead_token)
    assert asked.exit_code == 0, asked.output
    found = Reidentification.objects.get()
    page = client_as(world.org_admin).get(f"/sandbox/releases/{release.pk}/").content.decode()
    assert 'id="reid-requests"' in page
    assert "A complaint from this customer." in page
    approved = client_as(world.org_admin).post(
        f"/sandbox/reidentifications/{found.pk}/approve/")
    assert approved.status_code == 302
    shown = client_as(world.project_lead).post(f"/sandbox/reidentifications/{found.pk}/reveal/")
    original = table.filter(pl.col("customer_id") == "C0000005")["iban"][0]
    assert shown.status_code == 200
    assert original in shown.content.decode()
    assert shown["Cache-Control"] == "no-store"
    again = client_as(world.project_lead).post(f"/sandbox/reidentifications/{found.pk}/reveal/")
    assert again.status_code == 302  # once only: back to the page with the reason
    listed = run_cli(["sandbox", "reidentify", "list", str(release.pk)], lead_token)
    assert listed.exit_code == 0
    assert "revealed" in listed.output
