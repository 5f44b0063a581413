"""EuroHPC awards files (laif.allocations.awards): JSON and CSV, every problem reported with its row.
Pure: no database."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from laif.allocations.awards import (
    Award,
    AwardFileError,
    parse_csv,
    parse_file,
    parse_json,
    parse_rows,
)

ROW = {"reference": "EHPC-AIF-2026A01-001", "project": "vision-3", "gpu_hours": 20000,
       "start": "2026-02-01", "end": "2026-04-30", "access_type": "fast_lane",
       "title": "Vision transformer"}
AWARD = Award(reference="EHPC-AIF-2026A01-001", project="vision-3", gpu_hours=20000,
              start=date(2026, 2, 1), end=date(2026, 4, 30), access_type="fast_lane",
              title="Vision transformer")
CSV = ("reference,project,gpu_hours,start,end,access_type,title\n"
       "EHPC-AIF-2026A01-001,vision-3,20000,2026-02-01,2026-04-30,fast_lane,Vision transformer\n"
       "EHPC-AIF-2026A01-002,aml-fed,5000,2026-03-01,2026-03-31,development,\n")


def test_json_object_and_list() -> None:
    assert parse_json(json.dumps({"awards": [ROW], "call": "AIF 2026-A"})) == [AWARD]
    assert parse_json(json.dumps([ROW])) == [AWARD]


def test_csv() -> None:
    awards = parse_csv(CSV)
    assert awards[0] == AWARD
    assert awards[1].title == ""
    assert awards[1].gpu_hours == 5000


def test_csv_with_a_byte_order_mark_and_file_detection() -> None:
    assert parse_file(("\ufeff" + CSV).encode(), "awards.csv")[0] == AWARD
    assert parse_file(CSV.encode())[0] == AWARD
    assert parse_file(json.dumps([ROW]).encode(), "awards.json") == [AWARD]
    assert parse_file(json.dumps({"awards": [ROW]}).encode()) == [AWARD]


@pytest.mark.parametrize(("change", "words"), [
    ({"reference": "x"}, "is not an award reference"),
    ({"reference": "EHPC 001"}, "is not an award reference"),
    ({"project": "Vision 3"}, "is not a project code"),
    ({"gpu_hours": 0}, "gpu_hours must be a whole number"),
    ({"gpu_hours": "1e5"}, "gpu_hours must be a whole number"),
    ({"gpu_hours": 2**31}, "gpu_hours must be a whole number"),
    ({"gpu_hours": True}, "gpu_hours must be text"),
    ({"start": "01/02/2026"}, "start must be a date"),
    ({"end": "2026-01-31"}, "end is before start"),
    ({"end": "9999-12-31"}, "dates must lie between"),
    ({"access_type": "Fast Lane"}, "access_type"),
    ({"title": "a\u0000b"}, "control character"),
    ({"title": ["list"]}, "title must be text"),
    ({"reference": ""}, "missing reference"),
    ({"extra": "1"}, "unknown field(s) extra"),
])
def test_bad_rows_name_the_row_and_the_problem(change: dict[str, Any], words: str) -> None:
    with pytest.raises(AwardFileError) as caught:
        parse_rows([ROW, {**ROW, "reference": "EHPC-2", **change}])
    assert any(p.startswith("row 2: ") and words in p for p in caught.value.problems), (
        caught.value.problems)


def test_every_problem_is_reported_at_once() -> None:
    rows = [{**ROW, "gpu_hours": 0}, {**ROW, "reference": "EHPC-3", "project": "X"}, "text"]
    with pytest.raises(AwardFileError) as caught:
        parse_rows(rows)
    assert len(caught.value.problems) == 3


def test_duplicate_references_in_one_file() -> None:
    with pytest.raises(AwardFileError, match="already on row 1"):
        parse_rows([ROW, ROW])


@pytest.mark.parametrize(("text", "words"), [
    ("", "the header line lacks"),
    ("reference,project\nA-1,p\n", "the header line lacks gpu_hours"),
    ("reference,project,gpu_hours,start,end,access_type\n", "no award"),
    ('reference,project,gpu_hours,start,end,access_type\n"EHPC-1,p,1,2026-01-01,2026-01-02,x\n',
     "not valid CSV"),
    ("reference,project,gpu_hours,start,end,access_type\nEHPC-1,p,1,2026-01-01,2026-01-02,x,y,z\n",
     "more values than columns"),
])
def test_broken_csv(text: str, words: str) -> None:
    with pytest.raises(AwardFileError) as caught:
        parse_csv(text)
    assert words in str(caught.value)


@pytest.mark.parametrize(("text", "words"), [
    ("{", "not valid JSON"),
    ('{"awards": 3}', "expected a list"),
    ('{"rows": []}', "expected {\"awards\""),
    ("[]", "no award"),
])
def test_broken_json(text: str, words: str) -> None:
    with pytest.raises(AwardFileError) as caught:
        parse_json(text)
    assert words in str(caught.value)


def test_files_that_are_not_text_or_too_large() -> None:
    with pytest.raises(AwardFileError, match="not UTF-8"):
        parse_file(b"\xff\xfe\x00", "awards.csv")
    with pytest.raises(AwardFileError, match="larger than"):
        parse_file(b" " * 5_000_001, "awards.csv")
