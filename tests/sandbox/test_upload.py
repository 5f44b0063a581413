"""Uploading sensitive tables into a project's sandbox, through the API, the pages and the CLI:
stored encrypted (no raw value in any file), refused whole with the malformed rows' line
numbers, classified by the validating detectors, reviewed by a data owner; what each role may do;
the master key rotated without re-encrypting the data."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.parquet as pq
import pytest
from django.conf import settings
from django.test import Client
from pytest_django import Settings

from laif.accounts.models import AuditEntry
from laif.sandbox import keys, services, storage
from laif.sandbox.envelope import EnvelopeError
from laif.sandbox.master_keys import FileMasterKey
from laif.sandbox.models import Dataset, DatasetVersion, ProjectKey
from tests.api_support import client_as, token_for
from tests.cli_support import run_cli
from tests.factories import World
from tests.sandbox.data import csv_bytes, customers, raw_forms


def _upload(client: Client, project_id: int, content: bytes, *, name: str = "customers",
            filename: str = "customers.csv", **extra: str) -> Any:
    upload = io.BytesIO(content)
    upload.name = filename
    return client.post(f"/api/projects/{project_id}/datasets", {"name": name, "file": upload,
                                                               **extra})


def _files(project_id: int) -> list[Path]:
    folder = Path(settings.LAIF_SANDBOX_DIR) / f"p{project_id}"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def _read(version_id: int) -> pl.DataFrame:
    version = DatasetVersion.objects.select_related("dataset").get(pk=version_id)
    with services.open_version(version) as reader:
        frame = pl.from_arrow(pq.read_table(reader))
    assert isinstance(frame, pl.DataFrame)
    return frame


def test_an_upload_is_stored_encrypted_classified_and_audited(world: World) -> None:
    table = customers(300)
    lead = client_as(world.project_lead)
    response = _upload(lead, world.project.pk, csv_bytes(table, separator=";"))
    assert response.status_code == 201, response.content
    out = response.json()
    assert (out["rows"], out["columns"], out["delimiter"], out["state"]) == (
        300, table.columns, ";", "proposed")
    kinds = {c["name"]: c["proposed_kind"] for c in out["classification"]}
    assert kinds == {"customer_id": "not_personal", "matricule": "lu_matricule", "iban": "iban",
                     "email": "email", "phone": "phone", "birth_date": "date_of_birth",
                     "postcode": "postcode_lu", "income_eur": "not_personal",
                     "segment": "not_personal"}
    # read back through the project's key: every value as uploaded, as text
    assert _read(out["id"]).equals(table)
    # on disk: one file, and not one raw value of the table in it, in any form
    files = _files(world.project.pk)
    assert len(files) == 1
    assert files[0].stat().st_mode & 0o077 == 0
    stored = files[0].read_bytes()
    for column in ("matricule", "iban", "email", "phone"):
        for value in table[column].head(50):
            assert not any(form in stored for form in raw_forms(value)), column
    # nor in the API's answer, nor in the audit entry
    body = response.content
    entry = AuditEntry.objects.get(action="sandbox.uploaded")
    for value in table["iban"].head(50):
        assert value.encode() not in body
        assert value not in str(entry.detail)
    assert entry.detail["rows"] == 300
    assert entry.detail["sha256"] == out["source_sha256"]


def test_a_malformed_file_is_refused_whole_with_the_line_numbers(world: World) -> None:
    lines = ["name;iban;amount"] + [f"n{i};LU000;{i}" for i in range(2, 12)]
    lines[3] = "n4;LU000;4;extra"      # line 4: a field too many
    lines[8] = "n9"                     # line 9: fields missing
    content = ("\n".join(lines) + "\n").encode()
    response = _upload(client_as(world.project_lead), world.project.pk, content)
    assert response.status_code == 400, response.content
    out = response.json()
    assert [p["line"] for p in out["problems"]] == [4, 9]
    assert out["problem_count"] == 2
    assert out["code"] == "malformed_rows"
    assert "n4" not in response.content.decode()  # the rows' content is never echoed
    assert not Dataset.objects.exists()
    assert not DatasetVersion.objects.exists()
    assert _files(world.project.pk) == []  # nothing half-written, no temporary file left


def test_a_second_upload_adds_a_version_and_parquet_is_accepted(world: World,
                                                                tmp_path: Path) -> None:
    lead = client_as(world.project_lead)
    first = _upload(lead, world.project.pk, csv_bytes(customers(20)))
    assert first.status_code == 201, first.content
    path = tmp_path / "c.parquet"
    customers(30).with_columns(pl.col("income_eur").cast(pl.Int64)).write_parquet(path)
    second = _upload(lead, world.project.pk, path.read_bytes(), filename="c.parquet")
    assert second.status_code == 201, second.content
    assert (second.json()["number"], second.json()["rows"], second.json()["file_format"]) == (
        2, 30, "parquet")
    assert _read(second.json()["id"])["income_eur"].dtype == pl.String
    found = client_as(world.project_lead).get(f"/api/projects/{world.project.pk}/datasets").json()
    assert [(d["name"], [v["number"] for v in d["versions"]]) for d in found] == [
        ("customers", [2, 1])]


def test_review_corrects_and_confirms_the_classification(world: World) -> None:
    lead = client_as(world.project_lead)
    out = _upload(lead, world.project.pk, csv_bytes(customers(50))).json()
    url = f"/api/dataset-versions/{out['id']}/review"
    bad = lead.post(url, {"kinds": {"nope": "iban"}}, content_type="application/json")
    assert (bad.status_code, bad.json()["field"]) == (400, "kinds")
    wrong = lead.post(url, {"kinds": {"segment": "secret"}}, content_type="application/json")
    assert wrong.status_code == 400
    done = lead.post(url, {"kinds": {"customer_id": "free_text"}},
                     content_type="application/json")
    assert done.status_code == 200, done.content
    classes = {c["name"]: (c["proposed_kind"], c["kind"]) for c in done.json()["classification"]}
    assert classes["customer_id"] == ("not_personal", "free_text")
    assert done.json()["state"] == "reviewed"
    assert done.json()["reviewed_by"] == "lead@acme.lu"
    entry = AuditEntry.objects.get(action="sandbox.classification_reviewed")
    assert entry.detail["changed"] == {"customer_id": {"from": "not_personal", "to": "free_text"}}


def test_who_may_upload_see_and_review(world: World) -> None:
    from laif.accounts import services as accounts
    from laif.accounts.access import access_for
    from laif.accounts.audit import Actor
    from tests.factories import add_member

    scientist = add_member(world.org, "scientist@acme.lu")
    accounts.project_member_add(access=access_for(world.org_admin), actor=Actor.of(world.org_admin),
                                project_id=world.project.pk, user_id=scientist.pk)
    content = csv_bytes(customers(10))
    assert _upload(client_as(scientist), world.project.pk, content).status_code == 403
    assert _upload(client_as(world.operator), world.project.pk, content).status_code == 403
    assert _upload(client_as(world.other_member), world.project.pk, content).status_code == 404
    assert _upload(client_as(world.org_admin), world.project.pk, content).status_code == 201
    version = DatasetVersion.objects.get()
    seen = client_as(scientist).get(f"/api/dataset-versions/{version.pk}")
    assert seen.status_code == 200  # what the dataset is, never its values
    assert client_as(world.other_member).get(
        f"/api/dataset-versions/{version.pk}").status_code == 404
    review = client_as(scientist).post(f"/api/dataset-versions/{version.pk}/review",
                                       {"kinds": {}}, content_type="application/json")
    assert review.status_code == 403


def test_rotating_the_master_key_rewraps_the_data_keys_only(world: World, settings: Settings,
                                                           tmp_path: Path) -> None:
    out = _upload(client_as(world.project_lead), world.project.pk,
                  csv_bytes(customers(40))).json()
    old = keys.master_key()
    before = {p: p.read_bytes() for p in _files(world.project.pk)}
    new_path = tmp_path / "new.key"
    new = FileMasterKey.create(new_path)
    settings.LAIF_SANDBOX_KEY_FILE = new_path
    assert keys.master_key_rotate(old=old, new=new) == 1
    row = ProjectKey.objects.get(project=world.project)
    assert row.master_key_id == new.key_id != old.key_id
    assert row.rewrapped_at is not None
    assert {p: p.read_bytes() for p in _files(world.project.pk)} == before  # data untouched
    assert _read(out["id"]).height == 40  # readable under the new master key


def test_a_tampered_file_is_refused(world: World) -> None:
    out = _upload(client_as(world.project_lead), world.project.pk,
                  csv_bytes(customers(40))).json()
    [path] = _files(world.project.pk)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(EnvelopeError):
        _read(out["id"])


def test_orphans_of_killed_uploads_are_swept(world: World) -> None:
    out = _upload(client_as(world.project_lead), world.project.pk,
                  csv_bytes(customers(10))).json()
    folder = storage.project_dir(world.project.pk)
    (folder / ".tmp-source-dead.lenc").write_bytes(b"partial")
    (folder / "source-unreferenced.lenc").write_bytes(b"no row")
    from laif.sandbox.selectors import referenced_files

    removed = storage.sweep(referenced_files(), older_than_s=-1)
    assert sorted(p.name for p in removed) == [".tmp-source-dead.lenc",
                                               "source-unreferenced.lenc"]
    assert _read(out["id"]).height == 10  # the referenced file stays


def test_the_pages_upload_show_the_problems_and_review(world: World) -> None:
    lead = client_as(world.project_lead)
    page = lead.get(f"/projects/{world.project.pk}/sandbox/")
    assert page.status_code == 200
    assert b'id="upload-form"' in page.content
    bad = io.BytesIO(b"a,b\n1,2\n3\n")
    bad.name = "bad.csv"
    refused = lead.post(f"/projects/{world.project.pk}/sandbox/", {"name": "t", "file": bad})
    assert refused.status_code == 400
    assert "line 3" in refused.content.decode()
    good = io.BytesIO(csv_bytes(customers(30)))
    good.name = "customers.csv"
    done = lead.post(f"/projects/{world.project.pk}/sandbox/", {"name": "customers", "file": good})
    assert done.status_code == 302
    version = DatasetVersion.objects.get()
    assert done["Location"] == f"/sandbox/versions/{version.pk}/"
    shown = lead.get(done["Location"])
    assert shown.status_code == 200
    text = shown.content.decode()
    assert "IBAN" in text
    for value in customers(30)["iban"].head(5):
        assert value not in text
    fields = {f"col_{i}": k for i, k in enumerate(
        ["not_personal", "lu_matricule", "iban", "email", "phone", "date_of_birth",
         "postcode_lu", "not_personal", "not_personal"])}
    confirmed = lead.post(done["Location"], fields)
    assert confirmed.status_code == 302
    version.refresh_from_db()
    assert version.state == "reviewed"
    member_view = client_as(world.member).get(done["Location"])
    assert member_view.status_code == 404  # an organisation member outside the project


def test_the_cli_uploads_lists_and_confirms(world: World, tmp_path: Path) -> None:
    token = token_for(world.project_lead)
    path = tmp_path / "customers.csv"
    path.write_bytes(csv_bytes(customers(25)))
    up = run_cli(["sandbox", "upload", str(path), "--project", str(world.project.pk),
                  "--name", "customers"], token)
    assert up.exit_code == 0, up.output
    assert "Uploaded customers version 1" in up.output
    assert "lu_matricule" in up.output
    version = DatasetVersion.objects.get()
    listed = run_cli(["sandbox", "list", "--project", str(world.project.pk)], token)
    assert listed.exit_code == 0
    assert "customers" in listed.output
    done = run_cli(["sandbox", "classify", str(version.pk), "--set", "segment=free_text",
                    "--confirm"], token)
    assert done.exit_code == 0, done.output
    version.refresh_from_db()
    assert version.state == "reviewed"
    assert version.column_classes.get(name="segment").kind == "free_text"
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"a,b\n1,2\n3\n4,5,6\n")
    refused = run_cli(["sandbox", "upload", str(bad), "--project", str(world.project.pk),
                       "--name", "bad"], token)
    assert refused.exit_code == 1
    assert "line 3" in refused.stderr
    assert "line 4" in refused.stderr


def test_a_large_upload_is_spooled_encrypted_never_in_clear(world: World,
                                                           settings: Settings) -> None:
    from laif.sandbox.uploads import EncryptedTemporaryFileUploadHandler

    content = csv_bytes(customers(400))
    handler = EncryptedTemporaryFileUploadHandler()
    handler.new_file("file", "customers.csv", "text/csv", len(content))
    for start in range(0, len(content), 1000):
        handler.receive_data_chunk(content[start:start + 1000], start)
    received = handler.file_complete(len(content))
    spool = handler._spool  # the temporary file on disk, as written
    spool_bytes = os.pread(spool.fileno(), 10 * len(content), 0)
    assert len(spool_bytes) > len(content)
    assert b"@example.lu" not in spool_bytes
    for value in customers(400)["iban"]:
        assert value.encode() not in spool_bytes
    received.seek(0)
    assert received.read() == content
    # and through the API: an upload past the in-memory size goes through the encrypted spool
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = _upload(client_as(world.project_lead), world.project.pk, content)
    assert response.status_code == 201, response.content
    assert response.json()["rows"] == 400


def test_the_master_key_command_creates_and_rotates(world: World, settings: Settings,
                                                     tmp_path: Path) -> None:
    from django.core.management import CommandError, call_command

    out = _upload(client_as(world.project_lead), world.project.pk,
                  csv_bytes(customers(10))).json()
    old_path = Path(settings.LAIF_SANDBOX_KEY_FILE)
    settings.LAIF_SANDBOX_KEY_FILE = tmp_path / "next.key"
    buffer = io.StringIO()
    call_command("sandbox_master_key", "create", stdout=buffer)
    assert "created master key file:" in buffer.getvalue()
    with pytest.raises(CommandError, match="never overwritten"):
        call_command("sandbox_master_key", "create")
    with pytest.raises(CommandError, match="name the old key"):
        call_command("sandbox_master_key", "rotate")
    call_command("sandbox_master_key", "rotate", "--old-file", str(old_path), stdout=buffer)
    assert "re-wrapped 1 data key(s)" in buffer.getvalue()
    assert _read(out["id"]).height == 10  # under the new key only
    settings.LAIF_SANDBOX_KEY_FILE = old_path
    with pytest.raises(keys.KeysUnavailable):
        _read(out["id"])  # the old key no longer opens the project's data key


def test_a_missing_master_key_makes_uploads_unavailable_not_broken(
        world: World, settings: Settings, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    settings.PRODUCTION = True  # no key file is created in production
    settings.LAIF_SANDBOX_KEY_FILE = tmp_path / "absent.key"
    response = _upload(client_as(world.project_lead), world.project.pk,
                       csv_bytes(customers(5)))
    assert response.status_code == 503
    assert "operators" in response.json()["detail"]
    assert str(tmp_path) not in response.content.decode()  # the path is for the log only
    assert "absent.key" in caplog.text
    assert not DatasetVersion.objects.exists()


def test_a_key_file_created_on_first_use_is_never_seen_half_written(tmp_path: Path) -> None:
    """Processes starting at once each create the key file if missing, then read it: a reader
    finds the whole key or no file, never an empty one (the first uploads of a fresh site)."""
    import threading
    from contextlib import suppress

    for round_ in range(30):
        path = tmp_path / f"master-{round_}.key"
        ids: list[str] = []
        errors: list[BaseException] = []
        barrier = threading.Barrier(4)

        def first_use(path: Path = path, ids: list[str] = ids,
                      errors: list[BaseException] = errors,
                      barrier: threading.Barrier = barrier) -> None:
            barrier.wait()
            try:
                with suppress(FileExistsError):
                    FileMasterKey.create(path)
                ids.append(FileMasterKey(path).key_id)
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=first_use) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors, errors
        assert len(set(ids)) == 1
