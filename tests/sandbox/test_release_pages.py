"""The sandbox pages a data owner goes through: the policy table starting from the proposal,
the risk report with its smallest groups, a refused release that keeps the form, a release and
its page (where jobs find it, the signed record, the download for the project's people only)."""

from __future__ import annotations

import io
import re

from laif.sandbox.models import DatasetVersion, Release
from tests.api_support import client_as
from tests.factories import World
from tests.sandbox.data import csv_bytes, customers


def test_policy_risk_and_release_through_the_pages(world: World) -> None:
    lead = client_as(world.project_lead)
    upload = io.BytesIO(csv_bytes(customers(400)))
    upload.name = "customers.csv"
    done = lead.post(f"/projects/{world.project.pk}/sandbox/", {"name": "customers",
                                                                 "file": upload})
    version = DatasetVersion.objects.get()
    page = lead.get(done["Location"]).content.decode()
    assert 'id="policy-form"' not in page  # the classification is reviewed first
    fields = {f"col_{c.position}": c.kind for c in version.column_classes.all()}
    lead.post(done["Location"], fields)
    page = lead.get(done["Location"]).content.decode()
    assert 'id="policy-form"' in page
    assert "Proposed from the classification" in page
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    assert title is not None
    assert title.group(1).strip().startswith("customers, version 1")
    assert "<" not in title.group(1)  # the page's title is text only
    assert 'id="risk"' not in page  # saved first
    policy = {}
    for i, c in enumerate(version.column_classes.all()):
        action = re.search(rf'name="action_{i}".*?<option value="(\w+)" selected', page, re.S)
        assert action is not None
        policy[f"action_{i}"] = action.group(1)
        domain = re.search(rf'name="domain_{i}"[^>]*value="([^"]*)"', page)
        policy[f"domain_{i}"] = domain.group(1) if domain else ""
        policy[f"granularity_{i}"] = "year" if c.name == "birth_date" else ""
        if c.name in ("birth_date", "postcode"):
            policy[f"qi_{i}"] = "on"
    saved = lead.post(f"/sandbox/versions/{version.pk}/policy/", policy)
    assert saved.status_code == 302, saved.content.decode()[:3000]
    risk = lead.get(f"/sandbox/versions/{version.pk}/?risk=1")
    text = risk.content.decode()
    assert 'id="risk-report"' in text
    assert "Does not pass" in text
    assert 'id="smallest-groups"' in text
    refused = lead.post(f"/sandbox/versions/{version.pk}/release/", {})
    assert refused.status_code == 400
    assert "k-anonymity" in refused.content.decode()
    released = lead.post(f"/sandbox/versions/{version.pk}/release/", {"suppress": "on"})
    assert released.status_code == 302
    release = Release.objects.get()
    assert released["Location"] == f"/sandbox/releases/{release.pk}/"
    shown = lead.get(released["Location"]).content.decode()
    assert "LAIF_DATASET_CUSTOMERS=" in shown
    assert release.signature in shown
    assert f'href="/api/releases/{release.pk}/file"' in shown
    staff_view = client_as(world.operator).get(released["Location"]).content.decode()
    assert release.signature in staff_view
    assert 'id="download"' not in staff_view
    assert client_as(world.other_member).get(released["Location"]).status_code == 404
    assert client_as(world.operator).post(f"/sandbox/versions/{version.pk}/release/",
                                          {"suppress": "on"}).status_code == 403
