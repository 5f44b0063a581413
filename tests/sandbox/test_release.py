"""Releasing a pseudonymised copy: the policy proposed from the classification, the risk check
under the site's floors (refused, then passing with the small groups left out), the copy staged
for the project's jobs and read by a real local job, downloaded by the project's members only,
its record signed and audited; keyed pseudonyms that join across tables within a domain and
change with the domain's key version; no raw value anywhere in a release, in any normalised
form."""

from __future__ import annotations

import io
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from django.test import Client, override_settings
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings

from laif.accounts import services as accounts
from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.models import AuditEntry
from laif.accounts.selectors import identity_of
from laif.jobs import state as job_state
from laif.jobs.files import job_output
from laif.sandbox import acl, signing
from laif.sandbox.models import DatasetVersion, Release
from tests.api_support import client_as, token_for
from tests.cli_support import run_cli
from tests.compute.jobs_support import grant, submit_job
from tests.factories import World, add_member
from tests.sandbox.data import csv_bytes, customers, raw_forms

JSON = "application/json"
IDENTIFYING = ("matricule", "iban", "email", "phone")


def _upload(client: Client, project_id: int, frame: pl.DataFrame, name: str) -> dict[str, Any]:
    upload = io.BytesIO(csv_bytes(frame))
    upload.name = f"{name}.csv"
    response = client.post(f"/api/projects/{project_id}/datasets", {"name": name, "file": upload})
    assert response.status_code == 201, response.content
    out: dict[str, Any] = response.json()
    reviewed = client.post(f"/api/dataset-versions/{out['id']}/review", {"kinds": {}},
                           content_type=JSON)
    assert reviewed.status_code == 200, reviewed.content
    return out


def _save_policy(client: Client, version_id: int, **changes: dict[str, Any]) -> dict[str, Any]:
    policy = client.get(f"/api/dataset-versions/{version_id}/policy").json()
    columns = []
    for c in policy["columns"]:
        c.pop("kind")
        c.update(changes.get(c["column"], {}))
        columns.append(c)
    saved = client.put(f"/api/dataset-versions/{version_id}/policy", {"columns": columns},
                       content_type=JSON)
    assert saved.status_code == 200, saved.content
    out: dict[str, Any] = saved.json()
    return out


def _release(client: Client, version_id: int, **body: Any) -> Any:
    return client.post(f"/api/dataset-versions/{version_id}/releases", body, content_type=JSON)


@pytest.fixture
def low_floor(settings: Settings) -> None:
    """A site whose floor is k = 1 (these tests are about something else than the risk)."""
    settings.LAIF_SANDBOX_MIN_K = 1
    settings.LAIF_SANDBOX_MIN_L = 1


def _released(release_id: int) -> pl.DataFrame:
    release = Release.objects.select_related("version__dataset").get(pk=release_id)
    from laif.sandbox.releases import staged_path

    return pl.read_parquet(staged_path(release))


def test_proposed_policy_risk_refusal_then_release_with_small_groups_left_out(
        world: World) -> None:
    lead = client_as(world.project_lead)
    table = customers(600)
    version = _upload(lead, world.project.pk, table, "customers")["id"]
    proposed = lead.get(f"/api/dataset-versions/{version}/policy").json()
    assert not proposed["saved"]
    actions = {c["column"]: (c["action"], c["domain"], c["quasi_identifier"])
               for c in proposed["columns"]}
    assert actions["iban"] == ("pseudonymise", "iban", False)
    assert actions["birth_date"] == ("generalise", "", True)
    assert actions["postcode"] == ("generalise", "", True)
    assert actions["segment"] == ("keep", "", False)
    # releasing needs a saved policy
    assert _release(lead, version).status_code == 409
    _save_policy(lead, version)
    risk = lead.get(f"/api/dataset-versions/{version}/risk").json()
    assert risk["required_k"] == 5
    assert not risk["passes"]
    assert risk["k"] < 5
    assert risk["smallest_groups"][0]["size"] == risk["k"]
    refused = _release(lead, version)
    assert refused.status_code == 400, refused.content
    assert refused.json()["field"] == "risk"
    assert refused.json()["risk"]["k"] == risk["k"]
    assert not Release.objects.exists()
    done = _release(lead, version, suppress=True)
    assert done.status_code == 201, done.content
    out = done.json()
    assert out["k"] >= 5
    assert out["suppressed_rows"] > 0
    assert out["rows"] + out["suppressed_rows"] == 600
    released = _released(out["id"])
    assert released.height == out["rows"]
    assert released.columns == table.columns  # nothing left out by this policy
    assert released["birth_date"].str.len_chars().max() == 4  # years
    assert released["segment"].to_list()[:5] != []  # kept columns kept
    assert out["env_var"] == "LAIF_DATASET_CUSTOMERS"


def test_no_raw_value_of_a_classified_column_anywhere_in_a_release(world: World,
                                                                   sandbox_dir: Path) -> None:
    lead = client_as(world.project_lead)
    table = customers(300).with_columns(
        pl.Series("iban", [f"{v[:4]} {v[4:8]} {v[8:]}" for v in customers(300)["iban"]]))
    version = _upload(lead, world.project.pk, table, "customers")["id"]
    _save_policy(lead, version)
    out = _release(lead, version, suppress=True).json()
    release = Release.objects.get(pk=out["id"])
    from laif.sandbox.releases import staged_path

    places = {
        "staged file": staged_path(release).read_bytes(),
        "encrypted copy": next(p for p in sandbox_dir.rglob("release-*.lenc")).read_bytes(),
        "record": str(release.record).encode(),
        "api answer": str(out).encode(),
        "audit": str(AuditEntry.objects.get(action="sandbox.released").detail).encode(),
    }
    for column in IDENTIFYING:
        for value in table[column]:
            forms = raw_forms(value) | raw_forms(value.replace(" ", ""))
            if column == "matricule":
                forms |= raw_forms(f"{value[:4]}.{value[4:8]}.{value[8:]}")
            for where, data in places.items():
                found = [f for f in forms if f in data]
                assert not found, f"{column} value in the {where}"


@pytest.mark.usefixtures("low_floor")
def test_pseudonyms_join_across_tables_in_a_domain_and_change_with_its_key_version(
        world: World) -> None:
    lead = client_as(world.project_lead)
    everyone = customers(200)
    first = _upload(lead, world.project.pk, everyone, "customers")["id"]
    loans = everyone.select("iban", "postcode", "birth_date").with_columns(
        pl.col("iban").str.to_lowercase())  # the same accounts, written otherwise
    second = _upload(lead, world.project.pk, loans, "loans")["id"]
    for v in (first, second):
        _save_policy(lead, v)
    a = _released(_release(lead, first, suppress=True, required_k=1).json()["id"])
    b = _released(_release(lead, second, suppress=True, required_k=1).json()["id"])
    assert set(a["iban"]) == set(b["iban"])  # joins work within the domain
    assert a["iban"].n_unique() == 200
    # another domain: other pseudonyms for the same values
    _save_policy(lead, second, iban={"domain": "iban-loans"})
    c = _released(_release(lead, second, suppress=True, required_k=1).json()["id"])
    assert not set(c["iban"]) & set(a["iban"])
    # the domain's key rotated: new pseudonyms, and the record says which version
    rotated = lead.post(f"/api/projects/{world.project.pk}/domains/iban/rotate")
    assert rotated.json() == {"domain": "iban", "version": 2}
    d_out = _release(lead, first, suppress=True, required_k=1).json()
    d = _released(d_out["id"])
    assert not set(d["iban"]) & set(a["iban"])
    assert d_out["record"]["domain_key_versions"]["iban"] == 2
    first_record = Release.objects.filter(version_id=first).order_by("number")[0].record
    assert first_record["domain_key_versions"]["iban"] == 1


@pytest.mark.usefixtures("low_floor")
def test_the_record_is_signed_and_audited(world: World) -> None:
    lead = client_as(world.project_lead)
    version = _upload(lead, world.project.pk, customers(100), "customers")["id"]
    _save_policy(lead, version)
    out = _release(lead, version, suppress=True, required_k=1).json()
    key = Client().get("/api/sandbox/signing-key").json()  # public: anyone verifies
    assert key["key_id"] == out["signing_key_id"]
    assert signing.verify(out["record"], out["signature"], key["public_key_pem"])
    assert not signing.verify({**out["record"], "k": 99}, out["signature"],
                              key["public_key_pem"])
    record = out["record"]
    assert record["approved_by"] == "lead@acme.lu"
    assert record["source_sha256"] == DatasetVersion.objects.get(pk=version).source_sha256
    assert set(record) >= {"policy", "data_key_version", "domain_key_versions", "k", "l",
                           "output_sha256", "rows"}
    entry = AuditEntry.objects.get(action="sandbox.released")
    assert entry.detail["signature"] == out["signature"]


@pytest.mark.usefixtures("low_floor")
def test_members_download_staff_and_outsiders_do_not(world: World) -> None:
    lead = client_as(world.project_lead)
    version = _upload(lead, world.project.pk, customers(100), "customers")["id"]
    _save_policy(lead, version)
    out = _release(lead, version, suppress=True, required_k=1).json()
    scientist = add_member(world.org, "scientist@acme.lu")
    accounts.project_member_add(access=access_for(world.org_admin),
                                actor=Actor.of(world.org_admin), project_id=world.project.pk,
                                user_id=scientist.pk)
    got = client_as(scientist).get(f"/api/releases/{out['id']}/file")
    assert got.status_code == 200
    body = got.getvalue()
    assert body == Path(out["staged_path"]).read_bytes()
    assert body[:4] == b"PAR1"
    assert client_as(world.operator).get(f"/api/releases/{out['id']}/file").status_code == 403
    assert client_as(world.other_member).get(
        f"/api/releases/{out['id']}/file").status_code == 404
    assert AuditEntry.objects.filter(action="sandbox.release_downloaded").count() == 1
    # a data scientist neither sets the policy nor releases
    assert client_as(scientist).put(f"/api/dataset-versions/{version}/policy", {"columns": []},
                                    content_type=JSON).status_code == 403
    assert _release(client_as(scientist), version).status_code == 403


@pytest.fixture
def traversable_releases(settings: Settings) -> Iterator[Path]:
    """A releases folder whose parents a job's uid can traverse (tmp_path's are root's own)."""
    root = Path(tempfile.mkdtemp(prefix="laif-releases-", dir="/tmp"))
    root.chmod(0o711)
    settings.LAIF_SANDBOX_RELEASES_DIR = root / "releases"
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _run(project: Any, by: Any, script: str) -> str:
    job = submit_job(project, by, gpus=0, time_limit_minutes=1, script="#!/bin/bash\n" + script)
    deadline = time.monotonic() + 30
    while not job.is_finished:
        assert time.monotonic() < deadline, job.state
        time.sleep(0.1)
        job_state.job_refresh([job], fresh=True)
    return str(job_output(job).text)


@pytest.mark.usefixtures("low_floor", "traversable_releases")
def test_a_job_of_the_project_reads_the_release_and_no_one_else_does(
        world: World, tmp_path: Path,
        django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks) -> None:
    lead = client_as(world.project_lead)
    version = _upload(lead, world.project.pk, customers(100), "customers")["id"]
    _save_policy(lead, version)
    out = _release(lead, version, suppress=True, required_k=1).json()
    staged = Path(out["staged_path"])
    with override_settings(LAIF_EXECUTOR="local", LAIF_JOBS_DIR=tmp_path / "jobs"):
        grant(world.project, world.project_lead, 100)
        text = _run(world.project, world.project_lead,
                    'echo "dir=$LAIF_DATASETS_DIR"\nhead -c 4 "$LAIF_DATASET_CUSTOMERS"; echo\n'
                    'wc -c < "$LAIF_DATASET_CUSTOMERS"\n'
                    'echo tamper >> "$LAIF_DATASET_CUSTOMERS" || echo read-only\n')
        assert f"dir={staged.parent}" in text
        assert "PAR1" in text
        assert str(staged.stat().st_size) in text
        assert "read-only" in text  # the staged file is read-only
        assert staged.stat().st_mode & 0o007 == 0  # nothing for others
        # a job of another project, knowing the path, is refused by the file system
        other_lead = world.other_project.memberships.get(role="lead").user
        grant(world.other_project, other_lead, 100)
        other = _run(world.other_project, other_lead,
                     f'head -c 4 "{staged}" || echo refused\n'
                     f'ls "{staged.parent}" || echo no-listing\n')
        assert "PAR1" not in other
        assert "refused" in other
        assert "no-listing" in other
    # a member who leaves the project loses read access
    identity = identity_of(world.project_lead.pk)
    assert identity is not None
    assert identity.uid in acl.readers(staged)
    teammate = add_member(world.org, "teammate@acme.lu")
    with django_capture_on_commit_callbacks(execute=True):
        accounts.project_member_add(access=access_for(world.org_admin),
                                    actor=Actor.of(world.org_admin),
                                    project_id=world.project.pk, user_id=teammate.pk)
    mate = identity_of(teammate.pk)
    assert mate is not None
    assert mate.uid in acl.readers(staged)
    with django_capture_on_commit_callbacks(execute=True):
        accounts.project_member_remove(access=access_for(world.org_admin),
                                       actor=Actor.of(world.org_admin),
                                       project_id=world.project.pk, user_id=teammate.pk)
    assert mate.uid not in acl.readers(staged)


def test_the_cli_sets_the_policy_checks_the_risk_releases_and_downloads(
        world: World, tmp_path: Path) -> None:
    token = token_for(world.project_lead)
    lead = client_as(world.project_lead)
    version = _upload(lead, world.project.pk, customers(300), "customers")["id"]
    shown = run_cli(["sandbox", "policy", str(version)], token)
    assert shown.exit_code == 0
    assert "proposed, not saved" in shown.output
    saved = run_cli(["sandbox", "policy", str(version), "--set", "segment=suppress",
                     "--qi", "postcode", "--qi", "birth_date", "--save"], token)
    assert saved.exit_code == 0, saved.output
    risk = run_cli(["sandbox", "risk", str(version)], token)
    assert risk.exit_code == 0
    assert "does not pass" in risk.output
    refused = run_cli(["sandbox", "release", str(version)], token)
    assert refused.exit_code == 1
    assert "k-anonymity" in refused.stderr
    done = run_cli(["sandbox", "release", str(version), "--suppress"], token)
    assert done.exit_code == 0, done.output
    assert "LAIF_DATASET_CUSTOMERS=" in done.output
    release = Release.objects.get()
    target = tmp_path / "out.parquet"
    got = run_cli(["sandbox", "download", str(release.pk), "-o", str(target)], token)
    assert got.exit_code == 0, got.output
    frame = pl.read_parquet(target)
    assert "segment" not in frame.columns
    assert frame.height == release.rows

