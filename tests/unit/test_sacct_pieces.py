"""A large ``sacct --json`` document read in pieces cut between jobs (laif.usage.sacct_pieces)
and in batches (``iter_sacct_json``): the same records as read whole. Pure: no database."""

from __future__ import annotations

import copy

import polars as pl
import pytest

from laif.usage import sacct, sacct_pieces
from laif.usage.sacct import (
    SacctFormatError,
    SacctReportedError,
    parse_sacct_json,
)
from tests.unit.sacct_support import SACCT_FILES, Doc, doc, dump

# --- large documents: parsed in pieces ---------------------------------------------------------

def _many_jobs(n: int) -> Doc:
    document = doc("sacct_completed.json")
    templates = [j for name in SACCT_FILES[:-1] for j in doc(name)["jobs"]]
    jobs = []
    for i in range(n):
        job = copy.deepcopy(templates[i % len(templates)])
        job["job_id"] = 1000 + i
        job["name"] = "x" * (i % 7)  # pieces of varied lengths
        jobs.append(job)
    document["jobs"] = jobs
    return document


def test_a_large_document_is_parsed_in_pieces_with_the_same_result(
        monkeypatch: pytest.MonkeyPatch) -> None:
    data = dump(_many_jobs(200))
    whole = parse_sacct_json(data)
    monkeypatch.setattr(sacct_pieces, "CHUNK_BYTES", 5000)
    assert len(sacct_pieces.pieces(data)) > 20
    assert parse_sacct_json(data).equals(whole)
    assert whole.height == 200
    # sacct's own bytes (with its "\/" escapes) cut the same way
    slurm_bytes = data.replace(b"/", b"\\/")
    assert len(sacct_pieces.pieces(slurm_bytes)) > 20
    assert parse_sacct_json(slurm_bytes).equals(whole)


def test_pieces_with_the_envelope_after_the_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    document = _many_jobs(60)
    reordered = {"jobs": document["jobs"], "errors": [], "meta": document["meta"]}
    monkeypatch.setattr(sacct_pieces, "CHUNK_BYTES", 5000)
    data = dump(reordered)
    assert parse_sacct_json(data).equals(parse_sacct_json(dump(document)))


def test_a_truncated_large_document_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    data = dump(_many_jobs(60))
    monkeypatch.setattr(sacct_pieces, "CHUNK_BYTES", 5000)
    with pytest.raises(SacctFormatError):
        parse_sacct_json(data[: len(data) * 2 // 3])
    with pytest.raises(SacctFormatError):
        parse_sacct_json(data[:-30] + b"\n  ]\n}")  # cut inside a job, yet ends like a document


# --- batches: parsed one at a time -------------------------------------------------------------

def test_batches_cover_the_document_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    data = dump(_many_jobs(200))
    monkeypatch.setattr(sacct_pieces, "CHUNK_BYTES", 5000)
    batches = list(sacct.iter_sacct_json(data, batch_bytes=20_000))
    assert len(batches) > 5
    assert pl.concat(batches).equals(parse_sacct_json(data))


def test_batches_check_the_envelope_before_the_first_one_whatever_its_place(
        monkeypatch: pytest.MonkeyPatch) -> None:
    document = _many_jobs(60)
    monkeypatch.setattr(sacct_pieces, "CHUNK_BYTES", 5000)
    document["meta"]["Slurm"]["release"] = "99.01.0"
    after = {"jobs": document["jobs"], "errors": [], "meta": document["meta"]}
    for layout in (document, after):
        batches = sacct.iter_sacct_json(dump(layout), batch_bytes=20_000)
        with pytest.raises(SacctFormatError, match=r"99\.01\.0"):
            next(batches)
    reported = {"jobs": document["jobs"], "errors": [{"error": "boom"}],
                "meta": doc("sacct_completed.json")["meta"]}
    with pytest.raises(SacctReportedError, match="boom"):
        next(sacct.iter_sacct_json(dump(reported), batch_bytes=20_000))


def test_a_key_repeated_in_two_batches_is_found_by_check_unique_keys(
        monkeypatch: pytest.MonkeyPatch) -> None:
    document = _many_jobs(60)
    document["jobs"][-1] = copy.deepcopy(document["jobs"][0])
    monkeypatch.setattr(sacct_pieces, "CHUNK_BYTES", 5000)
    data = dump(document)
    batches = list(sacct.iter_sacct_json(data, batch_bytes=20_000))
    assert len(batches) > 1  # each batch alone is fine
    with pytest.raises(SacctFormatError, match="same key"):
        sacct.check_unique_keys(pl.concat(batches))
    with pytest.raises(SacctFormatError, match="same key"):
        parse_sacct_json(data)
