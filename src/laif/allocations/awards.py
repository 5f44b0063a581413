"""EuroHPC awards files (JSON or CSV), parsed and checked. Pure Python (no Django).

EuroHPC access calls award GPU-hours on the EuroHPC share of the machine; the factory imports the
awards rather than reviewing them again. One award per row:

- JSON: ``{"awards": [{...}, ...]}`` or a bare list of objects;
- CSV: a header line, then one award per line (UTF-8, comma-separated).

Fields: ``reference`` (the EuroHPC award reference, unique), ``project`` (the project's code on
the platform), ``gpu_hours``, ``start`` and ``end`` (ISO dates, both included), ``access_type``
and an optional ``title``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

FIELDS = ("reference", "project", "gpu_hours", "start", "end", "access_type", "title")
REQUIRED = FIELDS[:-1]
REFERENCE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{2,63}$")
PROJECT_RE = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
ACCESS_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
MAX_AWARDS = 5_000
MAX_GPU_HOURS = 2_147_483_647
MAX_BYTES = 5_000_000
FIRST_DAY = date(2020, 1, 1)
LAST_DAY = date(2100, 12, 31)


class AwardFileError(ValueError):
    """The file cannot be imported; ``problems`` lists every problem found, with its row."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Award:
    reference: str
    project: str
    gpu_hours: int
    start: date
    end: date
    access_type: str
    title: str = ""


def _clean(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError("must be text")
    text = str(value).strip()
    if "\x00" in text or any(not c.isprintable() for c in text):
        raise ValueError("contains a control character")
    return text


def _award(row: Mapping[str, Any], where: str, problems: list[str]) -> Award | None:
    unknown = sorted(set(row) - set(FIELDS))
    if unknown:
        problems.append(f"{where}: unknown field(s) {', '.join(map(str, unknown))[:200]}")
        return None
    values: dict[str, str] = {}
    for name in FIELDS:
        try:
            values[name] = _clean(row.get(name))
        except ValueError as exc:
            problems.append(f"{where}: {name} {exc}")
            return None
    missing = [name for name in REQUIRED if not values[name]]
    if missing:
        problems.append(f"{where}: missing {', '.join(missing)}")
        return None
    before = len(problems)
    if not REFERENCE_RE.match(values["reference"]):
        problems.append(f"{where}: reference {values['reference'][:80]!r} is not an award "
                        "reference (3 to 64 letters, digits, '.', '_', '/', '-')")
    if not PROJECT_RE.match(values["project"]):
        problems.append(f"{where}: project {values['project'][:80]!r} is not a project code")
    if not ACCESS_RE.match(values["access_type"]):
        problems.append(f"{where}: access_type {values['access_type'][:80]!r} is not valid")
    hours = 0
    if not re.fullmatch(r"[0-9]{1,10}", values["gpu_hours"]) or not (
        1 <= int(values["gpu_hours"]) <= MAX_GPU_HOURS
    ):
        problems.append(f"{where}: gpu_hours must be a whole number from 1 to {MAX_GPU_HOURS}")
    else:
        hours = int(values["gpu_hours"])
    dates: list[date] = []
    for name in ("start", "end"):
        try:
            dates.append(date.fromisoformat(values[name]))
        except ValueError:
            problems.append(f"{where}: {name} must be a date such as 2026-03-01")
    if any(not FIRST_DAY <= day <= LAST_DAY for day in dates):
        problems.append(f"{where}: dates must lie between {FIRST_DAY} and {LAST_DAY}")
    elif len(dates) == 2 and dates[1] < dates[0]:
        problems.append(f"{where}: end is before start")
    if len(problems) > before:
        return None
    return Award(reference=values["reference"], project=values["project"], gpu_hours=hours,
                 start=dates[0], end=dates[1], access_type=values["access_type"],
                 title=values["title"][:200])


def parse_rows(rows: Iterable[Any], *, first_row: int = 1) -> list[Award]:
    """Check every row; raise ``AwardFileError`` listing all the problems, or return the awards."""
    problems: list[str] = []
    awards: list[Award] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=first_row):
        where = f"row {number}"
        if number - first_row >= MAX_AWARDS:
            problems.append(f"more than {MAX_AWARDS} awards: split the file")
            break
        if not isinstance(row, Mapping):
            problems.append(f"{where}: expected an object with the award's fields")
            continue
        award = _award(row, where, problems)
        if award is None:
            continue
        if award.reference in seen:
            problems.append(f"{where}: reference {award.reference} is already on row "
                            f"{seen[award.reference]}")
            continue
        seen[award.reference] = number
        awards.append(award)
    if not awards and not problems:
        problems.append("the file holds no award")
    if problems:
        raise AwardFileError(problems[:50] + ([f"... and {len(problems) - 50} more"]
                                              if len(problems) > 50 else []))
    return awards


def parse_json(text: str) -> list[Award]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise AwardFileError([f"not valid JSON: {exc}"]) from exc
    if isinstance(data, dict):
        if set(data) - {"awards", "source", "call"}:
            raise AwardFileError(["expected {\"awards\": [...]} (optionally with \"source\" "
                                  "and \"call\")"])
        data = data.get("awards")
    if not isinstance(data, list):
        raise AwardFileError(["expected a list of awards"])
    return parse_rows(data)


def parse_csv(text: str) -> list[Award]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")), strict=True)
    try:
        header = [name.strip() for name in (reader.fieldnames or [])]
        missing = [name for name in REQUIRED if name not in header]
        if missing:
            raise AwardFileError([f"the header line lacks {', '.join(missing)} "
                                  f"(expected: {','.join(FIELDS)})"])
        reader.fieldnames = header
        rows = []
        for row in reader:
            if None in row:
                raise AwardFileError([f"line {reader.line_num}: more values than columns"])
            rows.append(row)
    except csv.Error as exc:
        raise AwardFileError([f"not valid CSV: {exc}"]) from exc
    return parse_rows(rows, first_row=2)


def parse_file(content: bytes, name: str = "") -> list[Award]:
    """A JSON or CSV file by its name's extension (or its first character when unnamed)."""
    if len(content) > MAX_BYTES:
        raise AwardFileError([f"the file is larger than {MAX_BYTES // 1_000_000} MB"])
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AwardFileError(["the file is not UTF-8 text"]) from exc
    lower = name.lower()
    if lower.endswith(".json") or (not lower.endswith(".csv") and
                                   text.lstrip("\ufeff \t\r\n")[:1] in ("{", "[")):
        return parse_json(text)
    return parse_csv(text)
