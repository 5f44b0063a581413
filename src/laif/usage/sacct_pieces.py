"""A large ``sacct --json`` document read in pieces (pure): cut between two jobs where sacct's own
layout allows it, each piece made a document of its own and parsed by pyarrow in a thread of its
own. ``sacct`` turns the pieces into records."""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.json as pa_json

from laif.usage.sacct_errors import SacctFormatError

SNIFF_BYTES = 64 * 1024
"""How much of a document's start (and end) is read to find its layout and its jobs list."""

_PLUGIN = re.compile(rb'"plugins?"\s*:\s*\{([^{}]*)\}')
_PLUGIN_KEY = re.compile(rb'"(type|data_parser)"\s*:\s*"((?:[^"\\]|\\.)*)"')


def sniff_layout(data: bytes | bytearray) -> str:
    """The layout the envelope names (``meta.plugin.type`` up to 22.05, ``meta.plugin(s)
    .data_parser`` after), read from the start (22.05) or the end (24.11 prints the envelope after
    the jobs) of the document to choose a schema. The parsed envelope is checked again: this is
    only a dispatch hint."""
    head = bytes(data[:SNIFF_BYTES])
    if not head.strip():
        raise SacctFormatError("empty sacct output")
    if not head.lstrip().startswith(b"{"):
        raise SacctFormatError("sacct --json output must be a JSON object")
    for part in (head, bytes(data[-SNIFF_BYTES:])):
        for plugin in _PLUGIN.finditer(part):
            keys: dict[bytes, bytes] = {k: v for k, v in _PLUGIN_KEY.findall(plugin.group(1)) if v}
            name = keys.get(b"type") or keys.get(b"data_parser")
            if name:
                return name.replace(b"\\/", b"/").decode("utf-8", "replace")
    raise SacctFormatError("no meta.plugin.type or meta.plugin.data_parser: not sacct --json output")


CHUNK_BYTES = 8 * 1024 * 1024
MAX_BLOCK = 2**31 - 2  # pyarrow's JSON block size is a 32-bit int
# sacct's own layout (json-c pretty printing, two-space indent): the jobs list is a member of the
# top-level object, two of its elements are separated by "\n    },\n    {" and the document ends
# with "]\n}". A raw newline cannot occur inside a JSON string, so that sequence is structure, never
# data, and at that indent it can only separate two jobs.
_JOBS_OPEN = b'\n  "jobs": ['
_JOB_SEP = b"\n    },\n    {"
_LAYOUT_END = re.compile(rb"\]\s*\}\s*\Z")


@dataclass(frozen=True)
class Piece:
    """A document to parse: ``head + body + tail`` (made only when it is parsed)."""

    body: bytes | bytearray | memoryview
    head: bytes = b""
    tail: bytes = b""

    def __len__(self) -> int:
        return len(self.head) + len(self.body) + len(self.tail)

    def document(self) -> bytes | bytearray | memoryview:
        if not self.head and not self.tail:
            return self.body
        return b"".join((self.head, self.body, self.tail))


def pieces(data: bytes | bytearray) -> list[Piece]:
    """The document itself, or, when it is large and in sacct's layout, pieces cut between two
    jobs, each made a document of its own: the first keeps the envelope, the others are
    ``{"jobs":[...]}``. Parsing every piece checks the cuts: a wrong cut does not parse."""
    size = len(data)
    open_at = data.find(_JOBS_OPEN, 0, SNIFF_BYTES) if size > CHUNK_BYTES else -1
    if open_at < 0 or not _LAYOUT_END.search(data[-64:]):
        if size > MAX_BLOCK:
            raise SacctFormatError(
                f"sacct output of {size} bytes is too large to parse in one piece and is not in "
                "sacct's own layout; query shorter windows"
            )
        return [Piece(data)]
    cuts: list[int] = []
    pos = open_at + CHUNK_BYTES
    while pos < size:  # a loop over chunks of megabytes, not over records
        found = data.find(_JOB_SEP, pos)
        if found < 0:
            break
        cuts.append(found + 6)  # just after the "}" that closes a job; data[cut] is the ","
        pos = found + 6 + CHUNK_BYTES
    view = memoryview(data)
    bounds = [0, *cuts, size]
    last = len(bounds) - 2
    found_pieces = [
        Piece(
            view[bounds[i] + (1 if i else 0):bounds[i + 1]],  # skip the "," between two jobs
            head=b'{"jobs":[' if i else b"",
            tail=b"]}" if i < last else b"",
        )
        for i in range(last + 1)
    ]
    if max(len(piece) for piece in found_pieces) > MAX_BLOCK:
        raise SacctFormatError("a sacct record of more than 2 GiB")
    return found_pieces


def read_pieces(pieces: list[Piece], schema: pa.Schema) -> list[pa.Table]:
    def read(piece: Piece) -> pa.Table:
        return _read_one(piece.document(), schema)

    workers = min(len(pieces), _cpu_count())
    if workers <= 1:
        return [read(piece) for piece in pieces]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(read, pieces))


def _read_one(doc: bytes | bytearray | memoryview, schema: pa.Schema) -> pa.Table:
    options = pa_json.ParseOptions(
        explicit_schema=schema, unexpected_field_behavior="ignore", newlines_in_values=True
    )
    read = pa_json.ReadOptions(use_threads=False, block_size=max(len(doc) + 1, 1 << 16))
    try:
        table = pa_json.read_json(pa.BufferReader(doc), read_options=read, parse_options=options)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        raise SacctFormatError(f"malformed sacct --json output: {exc}") from exc
    if table.num_rows != 1:
        raise SacctFormatError(
            f"sacct --json output must be one JSON object, found {table.num_rows}"
        )
    return table


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1

