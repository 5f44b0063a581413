"""Streamed ingest of an uploaded CSV or Parquet file into a normalised Parquet file (pure Python
and pyarrow, no Django).

A company uploads a tabular dataset (possibly several GB) into its data sandbox. The file is read
as a stream, never whole in memory, and is either accepted WHOLE or refused WHOLE: a refusal is an
``IngestError`` whose ``code`` is a stable string and whose ``str()`` is an English sentence for
the user. When rows are malformed the error lists them (``problems``, sorted by line, at most
``Limits.max_problems_listed``) and counts them all (``problem_count``); nothing is silently
dropped. The caller discards whatever was written to the sink before a refusal.

**Nothing in an error or a problem contains a cell value** (the data is sensitive): a problem is a
line number and a reason (a stable code and a short English text, such as
``too_many_fields: expected 5 fields, found 7``); pyarrow's own messages, which may quote values,
are never passed on, nor chained (a refusal is raised outside the ``except`` block that caught
them, so that it has no ``__context__``). A header error names the column
by its position only, since a file without a header would have data there; a Parquet type error
also names the column (a Parquet column name is schema, not data).

CSV
  - **Encoding**, detected on the first 64 KiB (``detect_csv``) unless the caller gives one: a BOM
    (``utf-8-sig``, ``utf-16-le``, ``utf-16-be``), else UTF-16 without a BOM if every other byte of
    the sample is NUL, else ``utf-8`` if the sample is valid UTF-8, else ``cp1252`` (the data is
    Western European: Windows-1252 is what Excel writes there, a superset of Latin-1's printable
    characters with ``€``). The BOM is not data and is not part of the first column's name. The
    whole file is decoded here in chunks with an incremental decoder and re-encoded as UTF-8 for
    pyarrow; a byte sequence that is invalid in the encoding is a problem ``invalid_encoding`` on
    its physical line (one per line), and so is a NUL character (``nul_character``).
  - **Delimiter** among ``,`` ``;`` tab ``|`` (``csv.Sniffer`` restricted to those, checked, with
    a fallback on the candidate that gives the same number of fields on every line of the
    sample; ``,`` when nothing fits, as in a one-column file), unless the caller gives one. Quotes
    are ``"``, doubled inside a quoted field; a quoted field may contain delimiters, quotes and
    line breaks.
  - **Header** on line 1, on one line: every name non-empty once stripped, without NUL, at most
    200 characters, unique ignoring case and surrounding spaces, at most ``Limits.max_columns``
    names. The names are kept as written.
  - **Rows** are parsed by pyarrow's streaming reader, every column read as text: ``007`` stays
    ``007``. An empty field is the empty string ``""``, never null (CSV cannot tell the two
    apart). A row with too many or too few fields is a problem (``too_many_fields``,
    ``too_few_fields``; the text says when a quoted field seems not to be closed), and so is a
    field longer than ``Limits.max_field_bytes`` bytes of UTF-8 (``field_too_large``) or a row
    longer than the reader's block (``row_too_large``, which ends the reading). A row with no data
    at all (a blank line, or only delimiters) is not imported; ``IngestReport.empty_rows`` counts
    them. In a one-column file a blank line therefore cannot be an empty value.
  - **Line numbers** are 1-based physical lines of the file, the header being line 1; a line ends
    at ``\\n``, ``\\r\\n`` or a lone ``\\r`` (as for pyarrow), so a quoted field over three lines
    makes its row take three lines. pyarrow's ``InvalidRow.number`` is not a line number: it is
    the 1-based number of the *record* (header included, a multi-line record counting once, a
    blank line counting once), and ``None`` when the reader uses threads. The reader therefore
    runs without threads and ``_LineTracker`` turns record numbers into lines by adding up how
    many lines each record spans (one plus the line breaks inside its fields, counted with a
    vectorised kernel per column, and only once a quote has been seen in the file).

Parquet
  Read with ``pyarrow.parquet.ParquetFile`` batch by batch. Text, integers, floats, decimals,
  booleans, dates, times and timestamps are converted to text (numbers in their shortest form,
  dates ``2024-01-31``, times ``12:05:06``, timestamps ``2024-01-31T12:05:06`` and, with a time
  zone, in UTC with ``Z``); a null stays null. Other types (binary, nested, durations...) are
  refused. The column names follow the header rules; a problem's ``line`` is the 1-based row
  number (there is no header line): a NUL, a value too long, text that is not UTF-8 (Parquet's
  reader does not check it). The hash needs a first sequential pass over the file, as the
  Parquet reader seeks.

Limits: more than ``max_bytes`` bytes (``too_large``) or ``max_rows`` rows (``too_many_rows``)
stop the reading at once. After ``_PROBLEM_FLOOD`` problems the file is plainly not what it
claims to be: the reading stops and ``problem_count`` is a lower bound (``stopped_early``).

Memory: pyarrow reads the CSV in blocks of ``2 * max_field_bytes + 64 KiB`` (at least 1 MiB; a
row may not be longer) and would read up to 32 blocks ahead of its parsing on a thread of its
own; ``_Utf8Stream`` holds it to one block past the last batch, so the memory is a few blocks
whatever the size of the file (measured on 50 and 150 MB files: Python and Arrow allocations
together at their peak about 25 MB with the default limits, 12 MB with blocks of 1 MiB). Parquet
is read in batches of ``_PARQUET_BATCH_ROWS`` rows, one row group's pages at a time.

Output: one Parquet file, zstd, every column ``string`` named as in the source, written batch by
batch (``ParquetWriter``) to the caller's sink, which only needs ``write()`` and is not closed
here; no key-value metadata is written. ``source_sha256`` is the SHA-256 of the raw input bytes.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import heapq
import io
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from laif.sandbox.sinks import DigestingSink

SAMPLE_BYTES = 64 * 1024
CANDIDATE_DELIMITERS = (",", ";", "\t", "|")
MAX_NAME_LENGTH = 200
_CHUNK = 1 << 20  # raw bytes read from the source at a time
_PROBLEM_FLOOD = 10_000
_PARQUET_BATCH_ROWS = 16_384
_READ_AHEAD = 1  # blocks pyarrow may read past the last batch without waiting...
_READ_AHEAD_FIRST = 2  # ...and before the first (a block's last row is completed by the next)
_STALL_SECONDS = 0.05
_DRAIN_BATCHES = 64  # at most a few blocks are read ahead; a bound all the same
_SNIFF_LINES = 50
_SNIFF_CHARS = 8192
_UTF8_BOM = codecs.BOM_UTF8
_BOMS = (  # longest first: the UTF-32 LE BOM starts with the UTF-16 LE one
    ("utf-32-le", codecs.BOM_UTF32_LE),
    ("utf-32-be", codecs.BOM_UTF32_BE),
    ("utf-8", _UTF8_BOM),
    ("utf-16-le", codecs.BOM_UTF16_LE),
    ("utf-16-be", codecs.BOM_UTF16_BE),
)
_LINE_BREAK = re.compile(r"[\r\n]")
_LINE_BREAK_RE2 = r"\r\n|\r|\n"  # for pyarrow's kernels (RE2)


class IngestError(Exception):
    """A refusal: ``str()`` is a message for the user, ``code`` a stable string. For malformed
    rows (``code == "malformed_rows"``), ``problems`` lists the first of them by line and
    ``problem_count`` counts them all (a lower bound when ``stopped_early``)."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        problems: Iterable[RowProblem] = (),
        problem_count: int = 0,
        stopped_early: bool = False,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.problems: list[RowProblem] = list(problems)
        self.problem_count = problem_count
        self.stopped_early = stopped_early


@dataclass(frozen=True)
class RowProblem:
    """A malformed row: its line (for Parquet, its row number) and ``"<code>: <text>"``, never
    any of its content."""

    line: int
    reason: str

    @property
    def code(self) -> str:
        return self.reason.partition(":")[0]


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_rows: int
    max_columns: int = 500
    max_problems_listed: int = 100
    max_field_bytes: int = 1 << 20


@dataclass(frozen=True)
class IngestReport:
    format: str  # "csv" | "parquet"
    columns: tuple[str, ...]
    rows: int  # rows written
    encoding: str | None  # CSV only: the encoding used, as detected or given
    delimiter: str | None  # CSV only
    source_sha256: str  # of the raw input bytes
    source_bytes: int
    empty_rows: int = 0  # CSV rows without any data (blank lines), not written


# -- problems ------------------------------------------------------------------------------------


class _Problems:
    """The problems found so far: the ``keep`` with the lowest lines, and how many in all."""

    def __init__(self, keep: int, unit: str = "line") -> None:
        self._unit = unit  # what RowProblem.line counts: "line" (CSV) or "row" (Parquet)
        self._keep = max(keep, 0)
        self._heap: list[tuple[int, int, str]] = []  # (-line, -seq, reason): a max-heap on line
        self._seq = 0
        self.count = 0
        self._lock = threading.Lock()  # the CSV stream adds from pyarrow's reading thread

    def add(self, line: int, reason: str) -> None:
        with self._lock:
            self.count += 1
            self._seq += 1
            item = (-line, -self._seq, reason)
            if len(self._heap) < self._keep:
                heapq.heappush(self._heap, item)
            elif self._heap and item > self._heap[0]:
                heapq.heapreplace(self._heap, item)

    def add_unlisted(self, count: int) -> None:
        """Problems counted, not listed: they come after listed ones of the same batch."""
        with self._lock:
            self.count += count

    @property
    def flooded(self) -> bool:
        return self.count >= _PROBLEM_FLOOD

    def error(self) -> IngestError:
        listed = sorted(
            (RowProblem(-neg_line, reason) for neg_line, _seq, reason in self._heap),
            key=lambda p: p.line,
        )
        if self.flooded:
            found = f"at least {self.count} problems were found in its rows (reading stopped)"
        elif self.count == 1:
            found = "1 problem was found in its rows"
        else:
            found = f"{self.count} problems were found in its rows"
        shown = "; ".join(
            f"{self._unit} {p.line}: {p.reason.partition(': ')[2]}" for p in listed[:10]
        )
        hidden = self.count - min(len(listed), 10)
        more = "" if hidden <= 0 else " and more" if self.flooded else f" and {hidden} more"
        message = f"The file was refused and nothing was imported: {found}."
        if shown:
            message += f" {shown[0].upper()}{shown[1:]}{more}."  # "Line 4: ...; line 9: ..."
        return IngestError(
            "malformed_rows",
            message,
            problems=listed,
            problem_count=self.count,
            stopped_early=self.flooded,
        )


def _problem(code: str, text: str) -> str:
    return f"{code}: {text}"


# -- raw bytes -----------------------------------------------------------------------------------


class _HashingReader:
    """Reads the source once, hashing and counting its bytes; over ``max_bytes`` is a refusal."""

    def __init__(self, src: BinaryIO, max_bytes: int) -> None:
        self._src = src
        self._max = max_bytes
        self._sha = hashlib.sha256()
        self.count = 0

    def read(self, size: int) -> bytes:
        data = self._src.read(size)
        if not data:
            return b""
        self.count += len(data)
        if self.count > self._max:
            raise _too_large(self._max)
        self._sha.update(data)
        return bytes(data)

    def read_at_least(self, size: int) -> bytes:
        parts: list[bytes] = []
        got = 0
        while got < size:
            data = self.read(size - got)
            if not data:
                break
            parts.append(data)
            got += len(data)
        return b"".join(parts)

    def hexdigest(self) -> str:
        return self._sha.hexdigest()


def _too_large(max_bytes: int) -> IngestError:
    return IngestError(
        "too_large", f"The file is larger than the {_size_text(max_bytes)} allowed."
    )


def _size_text(n: int) -> str:
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            value = n / size
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{n} bytes"


# -- encoding and delimiter ----------------------------------------------------------------------


def detect_csv(sample: bytes) -> tuple[str, str]:
    """The encoding and the delimiter of a CSV file, from its first bytes (about 64 KiB)."""
    encoding = _detect_encoding(sample)
    codec, bom = _codec(encoding, sample)
    decoder = codecs.getincrementaldecoder(codec)("replace")
    text = decoder.decode(sample[len(bom) :], False)
    return encoding, _detect_delimiter(text)


def _detect_encoding(sample: bytes) -> str:
    for name, bom in _BOMS:
        if name.startswith("utf-16") and sample.startswith(bom):
            return name
    if sample.startswith(_UTF8_BOM):
        return "utf-8-sig"
    if len(sample) >= 4:
        even, odd = sample[0::2], sample[1::2]
        if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
            return "utf-16-le"
        if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
            return "utf-16-be"
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(sample, False)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _codec(encoding: str, head: bytes) -> tuple[str, bytes]:
    """The codec to decode with (one without a BOM of its own) and the BOM to skip."""
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        raise IngestError("bad_encoding", f"Unknown encoding {encoding[:40]!r}.") from None
    if not getattr(info, "_is_text_encoding", True):
        raise IngestError("bad_encoding", f"{encoding[:40]!r} is not a text encoding.")
    name = info.name
    if name == "utf-8-sig":
        name = "utf-8"
    if name in ("utf-16", "utf-32"):
        for candidate, bom in _BOMS:
            if candidate.startswith(name) and head.startswith(bom):
                return candidate, bom
        return f"{name}-le", b""
    for candidate, bom in _BOMS:
        if candidate == name and head.startswith(bom):
            return name, bom
    return name, b""


def _detect_delimiter(text: str) -> str:
    lines = text.splitlines(keepends=True)
    if len(lines) > 1 and not lines[-1].endswith(("\n", "\r")):
        lines = lines[:-1]  # most likely cut by the end of the sample
    complete = "".join(lines)
    counts = {d: _field_counts(complete, d) for d in CANDIDATE_DELIMITERS}

    def consistent(d: str) -> bool:
        found = counts[d]
        return bool(found) and found[0] > 1 and all(n == found[0] for n in found)

    sniff_text = "".join(lines[:_SNIFF_LINES])[:_SNIFF_CHARS]  # the Sniffer is quadratic
    try:
        sniffed: str | None = csv.Sniffer().sniff(sniff_text, delimiters="".join(counts)).delimiter
    except csv.Error:
        sniffed = None
    if sniffed in counts and consistent(sniffed):
        return sniffed
    fitting = [d for d in CANDIDATE_DELIMITERS if consistent(d)]
    if fitting:
        return max(fitting, key=lambda d: counts[d][0])  # the most columns; ties: the first
    if sniffed in counts and counts[sniffed] and counts[sniffed][0] > 1:
        return sniffed
    # no delimiter fits every line (malformed rows, to be reported): the one that splits the
    # header row into the most columns
    header = {d: counts[d][0] for d in CANDIDATE_DELIMITERS if counts[d]}
    best = max(CANDIDATE_DELIMITERS, key=lambda d: header.get(d, 0))
    return best if header.get(best, 0) > 1 else ","


def _field_counts(text: str, delimiter: str) -> list[int]:
    try:
        return [len(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter) if r]
    except csv.Error:
        return []


def _check_delimiter(delimiter: str) -> str:
    if len(delimiter) != 1 or delimiter in '"\r\n\x00' or not (
        delimiter == "\t" or 32 <= ord(delimiter) < 127
    ):
        raise IngestError(
            "bad_delimiter",
            "The delimiter must be one printable ASCII character or a tab, not a quote.",
        )
    return delimiter


# -- lines ---------------------------------------------------------------------------------------


def _breaks(text: str, after_cr: bool = False) -> int:
    """Line breaks in ``text`` (``\\r\\n``, ``\\r``, ``\\n``); ``after_cr``: the text before it
    ended with ``\\r``, so a leading ``\\n`` finishes that break."""
    n = text.count("\n") + text.count("\r") - text.count("\r\n")
    if after_cr and text.startswith("\n"):
        n -= 1
    return n


class _Utf8Stream:
    """The file pyarrow reads: the source decoded in chunks and re-encoded as UTF-8, counting
    physical lines to put invalid bytes and NUL characters on theirs.

    pyarrow reads it from a background thread that would run up to 32 blocks ahead of the
    parsing (its ``MakeBackgroundGenerator``), the whole of a smaller file: ``read`` therefore
    waits once it has handed over ``_READ_AHEAD`` block since the last batch came out (pyarrow
    parses a block once it has the next one, to complete its last row), unless the caller has
    been waiting for a batch for ``_STALL_SECONDS`` without its thread using any CPU time, so
    without pyarrow parsing on it (a block without any valid row yields no batch); ``release``
    ends the reading early."""

    closed = False

    def __init__(
        self, raw: _HashingReader, codec: str, head: bytes, problems: _Problems
    ) -> None:
        self._raw = raw
        self._decoder = codecs.getincrementaldecoder(codec)("strict")
        self._problems = problems
        self._head = head
        self._out = bytearray()
        self._eof = False
        self.line = 1  # the line the next decoded character is on
        self._after_cr = False
        self.saw_quote = False
        self.failure: BaseException | None = None
        self._emitted = False
        self._last_break = False
        self._last_line: dict[str, int] = {}
        self._turn = threading.Condition()
        self._reads_since_batch = _READ_AHEAD - _READ_AHEAD_FIRST
        self._consumer_waiting = False
        self._consumer_clock: int | None = None
        self._released = False

    # the file interface pyarrow uses
    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def writable(self) -> bool:
        return False

    def close(self) -> None:
        pass

    def read(self, size: int = -1) -> bytes:
        self._wait_turn()
        if self._released:
            return b""
        try:
            while (size < 0 or len(self._out) < size) and not self._eof:
                self._fill()
        except BaseException as exc:
            self.failure = exc
            raise
        if size < 0 or size > len(self._out):
            size = len(self._out)
        with memoryview(self._out) as view:
            data = bytes(view[:size])
        del self._out[:size]
        return data

    def _wait_turn(self) -> None:
        with self._turn:
            while self._reads_since_batch >= _READ_AHEAD and not self._released:
                if not self._consumer_waiting:
                    self._turn.wait()
                    continue
                before = self._consumer_cpu()
                timed_out = not self._turn.wait(_STALL_SECONDS)
                if timed_out and self._consumer_waiting and self._starved(before):
                    break
            self._reads_since_batch += 1

    def _starved(self, cpu_before: float | None) -> bool:
        after = self._consumer_cpu()
        if cpu_before is None or after is None:
            return True  # no thread clock here: the time alone decides
        return after - cpu_before < _STALL_SECONDS / 10

    def _consumer_cpu(self) -> float | None:
        """CPU time of the thread waiting for a batch (pyarrow parses on it without threads):
        while it grows, pyarrow is parsing what it has, not waiting for more."""
        if self._consumer_clock is None:
            return None
        try:
            return time.clock_gettime(self._consumer_clock)
        except OSError:
            return None

    @contextlib.contextmanager
    def waiting_for_batch(self) -> Iterator[None]:
        """Around each call that waits for pyarrow: a read may go ahead if it stalls."""
        with self._turn:
            self._consumer_waiting = True
            if self._consumer_clock is None and hasattr(time, "pthread_getcpuclockid"):
                with contextlib.suppress(OSError):
                    self._consumer_clock = time.pthread_getcpuclockid(threading.get_ident())
            self._turn.notify_all()
        try:
            yield
        finally:
            with self._turn:
                self._consumer_waiting = False

    def batch_delivered(self) -> None:
        with self._turn:
            self._reads_since_batch = 0
            self._turn.notify_all()

    def release(self) -> None:
        """No more reading: a read waiting or to come ends the file."""
        with self._turn:
            self._released = True
            self._turn.notify_all()

    def at_end(self) -> bool:
        return self._eof and not self._out

    def first_line(self, limit: int) -> tuple[bytes, bool]:
        """The first line (UTF-8, without its line break), not consumed; whether it ended."""
        while not self._eof:
            if _LINE_BREAK.search(self._out.decode("utf-8", "replace")):
                break
            if len(self._out) > limit:
                return bytes(self._out), False
            self._fill()
        text = self._out.decode("utf-8", "replace")
        found = _LINE_BREAK.search(text)
        if found is None:
            return bytes(self._out), True
        return text[: found.start()].encode("utf-8"), True

    def _fill(self) -> None:
        if self._head:
            data, self._head = self._head, b""
        else:
            data = self._raw.read(_CHUNK)
        final = not data
        text, invalid_at = self._decode(data, final)
        if final:
            self._eof = True
            if self._emitted and not self._last_break:
                text += "\n"  # the last line ended (pyarrow wants a line break after a lone header)
        if not text:
            return
        self._emitted = True
        self._last_break = text[-1] in "\r\n"
        events = [(i, "invalid_encoding") for i in invalid_at]
        if "\x00" in text:
            events.extend((i, "nul_character") for i in _first_per_line(text, "\x00"))
        if events:
            self._locate(text, sorted(events))
        if not self.saw_quote and '"' in text:
            self.saw_quote = True
        self.line += _breaks(text, self._after_cr)
        self._after_cr = text.endswith("\r")
        self._out += text.encode("utf-8")

    def _decode(self, data: bytes, final: bool) -> tuple[str, list[int]]:
        pieces: list[str] = []
        invalid_at: list[int] = []
        length = 0
        while True:
            try:
                pieces.append(self._decoder.decode(data, final))
                return "".join(pieces), invalid_at
            except UnicodeDecodeError as exc:
                seen = bytes(exc.object)  # the decoder's own buffer, then ``data``
                self._decoder.reset()
                good = self._decoder.decode(seen[: exc.start], False)
                self._decoder.reset()
                pieces.append(good)
                length += len(good)
                invalid_at.append(length)
                pieces.append("\ufffd")
                length += 1
                data = seen[exc.end :]

    def _locate(self, text: str, events: list[tuple[int, str]]) -> None:
        line, pos, after_cr = self.line, 0, self._after_cr
        last = self._last_line  # one problem of each kind per line, across chunks too
        for index, code in events:
            line += _breaks(text[pos:index], after_cr)
            after_cr = text[index - 1] == "\r" if index > pos else after_cr
            pos = index
            if last.get(code) == line:
                continue
            last[code] = line
            if code == "invalid_encoding":
                self._problems.add(line, _problem(code, "bytes that are not valid in the encoding"))
            else:
                self._problems.add(line, _problem(code, "a NUL character"))
            if self._problems.flooded:
                return


def _first_per_line(text: str, char: str) -> Iterator[int]:
    at = text.find(char)
    while at >= 0:
        yield at
        end = _LINE_BREAK.search(text, at)
        if end is None:
            return
        at = text.find(char, end.end())


class _LineTracker:
    """Turns pyarrow's record numbers (header = 1) into physical lines (header = line 1).

    The records come in order, each either valid (a row of a batch) or invalid (a call of the
    invalid-row handler, with its record number; such calls may come before the batch of the rows
    around them). A record spans one line plus the line breaks inside its fields."""

    def __init__(self) -> None:
        self.next_record = 2
        self.next_line = 2
        self._pending: dict[int, tuple[int, str]] = {}  # record number -> (span, reason)

    def invalid(self, number: int, span: int, reason: str) -> None:
        self._pending[number] = (span, reason)

    def advance(
        self,
        rows: int,
        spans: pa.Array | None,
        flagged: list[tuple[int, str]],
        problems: _Problems,
        final: bool = False,
    ) -> None:
        """Account for the next ``rows`` valid rows (``spans``: the lines of each, None when each
        takes one), the invalid records before and among them, and problems on the valid rows
        (``flagged``: index in the batch, reason). ``final``: no more rows will come, every
        invalid record left is placed (valid rows that pyarrow read but did not hand over, when
        it stopped, are taken to be one line each)."""
        inside: list[tuple[int, int, str]] = []  # (record number, span, reason)
        for number in sorted(self._pending):
            if not final and number >= self.next_record + rows + len(inside):
                break
            span, reason = self._pending.pop(number)
            inside.append((number, span, reason))
        cumulative = None
        if spans is not None and rows and (inside or flagged):
            cumulative = pc.cumulative_sum(spans)
        spans_total = rows if spans is None else int(pc.sum(spans).as_py() or 0)

        def valid_lines_before(i: int) -> int:
            """Lines taken by the first ``i`` valid rows from here."""
            if cumulative is None or i <= 0:
                return max(i, 0)
            if i > rows:
                return spans_total + i - rows
            return int(cumulative[i - 1].as_py())

        invalid_lines = 0
        boundaries: list[tuple[int, int]] = []  # (valid rows before, lines of invalid up to here)
        for j, (number, span, reason) in enumerate(inside):
            valid_before = number - self.next_record - j
            problems.add(self.next_line + valid_lines_before(valid_before) + invalid_lines, reason)
            invalid_lines += span
            boundaries.append((valid_before, invalid_lines))
        for index, reason in flagged:
            invalid_before = max(
                (lines for before, lines in boundaries if before <= index), default=0
            )
            problems.add(self.next_line + valid_lines_before(index) + invalid_before, reason)
        valid_rows = max(rows, boundaries[-1][0]) if final and boundaries else rows
        self.next_line += valid_lines_before(valid_rows) + invalid_lines
        self.next_record += valid_rows + len(inside)


# -- header --------------------------------------------------------------------------------------


def _check_names(names: list[str], limits: Limits) -> None:
    if not names:
        raise IngestError("header_missing", "The file has no columns.")
    if len(names) > limits.max_columns:
        raise IngestError(
            "too_many_columns",
            f"The file has {len(names)} columns; at most {limits.max_columns} are allowed.",
        )
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        if "\x00" in name:
            raise IngestError(
                "header_nul", f"The name of column {position} contains a NUL character."
            )
        key = name.strip().casefold()
        if not key:
            raise IngestError("header_empty_name", f"Column {position} has no name.")
        if len(name) > MAX_NAME_LENGTH:
            raise IngestError(
                "header_name_too_long",
                f"The name of column {position} is longer than {MAX_NAME_LENGTH} characters.",
            )
        if key in seen:
            raise IngestError(
                "header_duplicate_name",
                f"Columns {seen[key]} and {position} have the same name "
                "(names must differ, ignoring case).",
            )
        seen[key] = position


def _csv_header(line: bytes, delimiter: str) -> list[str]:
    if not line.strip():
        raise IngestError(
            "header_missing",
            "Line 1 is empty: the first line must be the header row with the column names.",
        )
    table = None
    # a failure is raised below, out of the handler: pyarrow's message may quote the line
    with contextlib.suppress(pa.ArrowException, ValueError):
        table = pcsv.read_csv(
            io.BytesIO(line + b"\n"),
            read_options=pcsv.ReadOptions(
                use_threads=False, block_size=max(1 << 16, 2 * len(line))
            ),
            parse_options=pcsv.ParseOptions(
                delimiter=delimiter, quote_char='"', double_quote=True, newlines_in_values=False
            ),
        )
    if table is None:
        raise IngestError(
            "header_unreadable",
            "The header row on line 1 could not be read: it must be one line of column names "
            "(a quoted name may not be closed).",
        )
    return [str(name) for name in table.schema.names]


# -- CSV -----------------------------------------------------------------------------------------


def _field_text(expected: int, actual: int, text: str) -> str:
    code = "too_many_fields" if actual > expected else "too_few_fields"
    hint = " (a quoted field may not be closed)" if text.count('"') % 2 else ""
    return _problem(code, f"expected {_fields(expected)}, found {actual}{hint}")


def _fields(n: int) -> str:
    return "1 field" if n == 1 else f"{n} fields"


class _Output:
    def __init__(self, sink: BinaryIO, names: list[str]) -> None:
        self.schema = pa.schema([pa.field(name, pa.string()) for name in names])
        self._file = pa.PythonFile(DigestingSink(sink), mode="w")
        self._writer = pq.ParquetWriter(
            self._file, self.schema, compression="zstd", store_schema=False
        )
        self.rows = 0

    def write(self, batch: pa.RecordBatch) -> None:
        if batch.num_rows:
            self._writer.write_batch(batch)
            self.rows += batch.num_rows

    def close(self) -> None:
        self._writer.close()

    def abandon(self) -> None:
        with contextlib.suppress(Exception):
            self._writer.close()


def ingest_csv(
    src: BinaryIO,
    sink: BinaryIO,
    *,
    limits: Limits,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> IngestReport:
    """Read a CSV file from ``src`` as a stream and write it to ``sink`` as Parquet (all columns
    text), or refuse it whole with an ``IngestError``."""
    raw = _HashingReader(src, limits.max_bytes)
    sample = raw.read_at_least(SAMPLE_BYTES)
    if not sample:
        raise IngestError("empty", "The file is empty.")
    if encoding is None:
        encoding = _detect_encoding(sample)
    codec, bom = _codec(encoding, sample)
    used_encoding = "utf-8-sig" if codec == "utf-8" and bom else codec
    if delimiter is None:
        delimiter = _sniff(sample, codec, bom)
    delimiter = _check_delimiter(delimiter)

    problems = _Problems(limits.max_problems_listed)
    stream = _Utf8Stream(raw, codec, sample[len(bom) :], problems)
    header, ended = stream.first_line(limit=limits.max_columns * 1024 + SAMPLE_BYTES)
    if not ended:
        raise IngestError(
            "header_unreadable", "Line 1 is too long to be a header row of column names."
        )
    if not header and stream.at_end():
        raise IngestError("empty", "The file is empty.")
    names = _csv_header(header, delimiter)
    _check_names(names, limits)

    try:
        return _parse_csv(stream, sink, names, delimiter, limits, problems, used_encoding, raw)
    finally:
        stream.release()


def _parse_csv(
    stream: _Utf8Stream,
    sink: BinaryIO,
    names: list[str],
    delimiter: str,
    limits: Limits,
    problems: _Problems,
    used_encoding: str,
    raw: _HashingReader,
) -> IngestReport:
    block_size = _block_size(limits)
    tracker = _LineTracker()
    counts = {"valid": 0, "invalid": 0}
    stopped: list[IngestError | None] = []  # the handler stops pyarrow by answering "error"

    def on_invalid(row: Any) -> str:
        # pyarrow calls this for each row with too many or too few fields; an exception raised
        # here would only be printed, so a reason to stop is kept and the answer is "error"
        counts["invalid"] += 1
        if counts["valid"] + counts["invalid"] > limits.max_rows:
            stopped.append(_too_many_rows(limits.max_rows))
            return "error"
        if counts["invalid"] + problems.count >= _PROBLEM_FLOOD:
            stopped.append(None)  # flooded: the problems so far are the answer
            return "error"
        if row.number is None:  # only when pyarrow uses threads, which it does not here
            stopped.append(_unreadable_csv())
            return "error"
        text = str(row.text)
        tracker.invalid(
            int(row.number),
            1 + _breaks(text),
            _field_text(int(row.expected_columns), int(row.actual_columns), text),
        )
        return "skip"

    reader = None
    try:
        with stream.waiting_for_batch():
            reader = pcsv.open_csv(
                pa.PythonFile(stream, mode="r"),
                read_options=pcsv.ReadOptions(
                    use_threads=False, block_size=block_size, encoding="utf8"
                ),
                parse_options=pcsv.ParseOptions(
                    delimiter=delimiter,
                    quote_char='"',
                    double_quote=True,
                    escape_char=False,
                    newlines_in_values=True,
                    ignore_empty_lines=False,
                    invalid_row_handler=on_invalid,
                ),
                convert_options=pcsv.ConvertOptions(
                    column_types={name: pa.string() for name in names},
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                    check_utf8=True,
                ),
            )
    except (pa.ArrowException, ValueError, OSError):
        pass  # raised below, out of the handler: pyarrow's message may quote values
    if reader is None:
        _raise_stream_failure(stream)
        if not stopped:
            raise _unreadable_csv()

    output: _Output | None = None
    empty_rows = 0
    try:
        output = _Output(sink, names)
        if reader is not None and list(reader.schema.names) != names:  # the same parser: never
            raise _unreadable_csv()
        while reader is not None and not problems.flooded:
            failed = ""
            try:
                with stream.waiting_for_batch():
                    batch = reader.read_next_batch()
                stream.batch_delivered()
            except StopIteration:
                break
            except (pa.ArrowException, ValueError, OSError) as exc:
                # raised below, out of the handler: pyarrow's message may quote values
                failed = "row_too_large" if "straddl" in str(exc) else "unreadable"
            if failed:
                _raise_stream_failure(stream)
                if stopped:
                    break
                if failed == "unreadable":
                    raise _unreadable_csv()
                tracker.advance(0, None, [], problems, final=True)
                problems.add(
                    tracker.next_line,
                    _problem(
                        "row_too_large",
                        f"the row is longer than {_size_text(block_size)}, the most the "
                        "reader takes in one piece (a quoted field may not be closed)",
                    ),
                )
                break
            counts["valid"] += batch.num_rows
            if counts["valid"] + counts["invalid"] > limits.max_rows:
                raise _too_many_rows(limits.max_rows)
            kept, empties = _check_csv_batch(batch, stream.saw_quote, tracker, problems, limits)
            empty_rows += empties
            if problems.count == 0:
                output.write(kept)
        if stopped and stopped[0] is not None:
            raise stopped[0]
        tracker.advance(0, None, [], problems, final=True)
        if stopped:
            problems.add_unlisted(max(0, _PROBLEM_FLOOD - problems.count))
        if problems.count:
            raise problems.error()
        output.close()
        rows = output.rows
    except BaseException:
        if output is not None:
            output.abandon()
        raise
    finally:
        _finish(stream, reader)
    return IngestReport(
        format="csv",
        columns=tuple(names),
        rows=rows,
        encoding=used_encoding,
        delimiter=delimiter,
        source_sha256=raw.hexdigest(),
        source_bytes=raw.count,
        empty_rows=empty_rows,
    )


def _sniff(sample: bytes, codec: str, bom: bytes) -> str:
    text = codecs.getincrementaldecoder(codec)("replace").decode(sample[len(bom) :], False)
    return _detect_delimiter(text)


def _block_size(limits: Limits) -> int:
    """pyarrow's block: the most memory a row may take, twice a field of the largest size."""
    return max(1 << 20, min(64 << 20, 2 * limits.max_field_bytes + (1 << 16)))


def _too_many_rows(max_rows: int) -> IngestError:
    return IngestError("too_many_rows", f"The file has more than the {max_rows} rows allowed.")


def _unreadable_csv() -> IngestError:
    return IngestError("unreadable", "The file could not be read as CSV.")


def _finish(stream: _Utf8Stream, reader: Any) -> None:
    """End pyarrow's reading thread before returning: ``read`` gives the end of the file, and the
    reader is read to its end (the blocks already read, at most a few). A reading thread left
    blocked in ``read``, or calling it later, would call into Python after it has gone when the
    interpreter exits while the reader is still referenced (by a traceback, say), which aborts
    the process."""
    stream.release()
    if reader is None:
        return
    for _ in range(_DRAIN_BATCHES):
        try:
            reader.read_next_batch()
        except StopIteration:
            break
        except (pa.ArrowException, ValueError, OSError):
            break
    with contextlib.suppress(pa.ArrowException, ValueError, OSError, AttributeError):
        reader.close()


def _raise_stream_failure(stream: _Utf8Stream) -> None:
    """The source's own error (too large, or an I/O error) if that is why pyarrow failed."""
    if stream.failure is not None:
        raise stream.failure


def _check_csv_batch(
    batch: pa.RecordBatch,
    saw_quote: bool,
    tracker: _LineTracker,
    problems: _Problems,
    limits: Limits,
) -> tuple[pa.RecordBatch, int]:
    """Problems on the batch's rows (fields too long), their lines; the batch without empty rows
    and how many there were."""
    spans = None
    total_length = None
    too_long: pa.Array | None = None
    for column in batch.columns:
        lengths = pc.binary_length(column)
        total_length = lengths if total_length is None else pc.add(total_length, lengths)
        longest = pc.max(lengths).as_py()
        if longest is not None and longest > limits.max_field_bytes:
            over = pc.greater(lengths, limits.max_field_bytes)
            too_long = over if too_long is None else pc.or_(too_long, over)
        if saw_quote:
            inside = pc.count_substring_regex(column, _LINE_BREAK_RE2)
            spans = inside if spans is None else pc.add(spans, inside)
    if spans is not None:
        spans = pc.add(pc.cast(spans, pa.int64()), 1)
    flagged: list[tuple[int, str]] = []
    if too_long is not None:
        reason = _problem(
            "field_too_large", f"a field is longer than {_size_text(limits.max_field_bytes)}"
        )
        indices = pc.indices_nonzero(too_long)
        over_count = len(indices)
        keep = indices.slice(0, limits.max_problems_listed).to_pylist()
        flagged = [(int(i), reason) for i in keep]
        problems.add_unlisted(over_count - len(keep))
    tracker.advance(batch.num_rows, spans, flagged, problems)
    if total_length is None or batch.num_rows == 0:
        return batch, 0
    not_empty = pc.not_equal(total_length, 0)
    kept = int(pc.sum(not_empty).as_py() or 0)
    if kept == batch.num_rows:
        return batch, 0
    return batch.filter(not_empty), batch.num_rows - kept


# -- Parquet -------------------------------------------------------------------------------------


def ingest_parquet(src: BinaryIO, sink: BinaryIO, *, limits: Limits) -> IngestReport:
    """Read a Parquet file from ``src`` (seekable) batch by batch and write it to ``sink`` as
    Parquet with every column as text, or refuse it whole with an ``IngestError``."""
    src.seek(0, io.SEEK_END)
    size = src.tell()
    if size > limits.max_bytes:
        raise _too_large(limits.max_bytes)
    src.seek(0)
    raw = _HashingReader(src, limits.max_bytes)
    while raw.read(_CHUNK):
        pass
    if raw.count == 0:
        raise IngestError("empty", "The file is empty.")
    src.seek(0)
    parquet = None
    try:
        parquet = pq.ParquetFile(src, pre_buffer=False, buffer_size=_CHUNK)
        schema = parquet.schema_arrow
        num_rows = parquet.metadata.num_rows
    except (pa.ArrowException, ValueError, OSError):
        parquet = None  # raised below, out of the handler: pyarrow's message may quote values
    if parquet is None:
        raise _unreadable_parquet()
    names = [str(name) for name in schema.names]
    _check_names(names, limits)
    converters = [
        _converter(position, field) for position, field in enumerate(schema, start=1)
    ]
    if num_rows > limits.max_rows:
        raise _too_many_rows(limits.max_rows)

    problems = _Problems(limits.max_problems_listed, unit="row")
    output = _Output(sink, names)
    seen = 0
    try:
        batches = parquet.iter_batches(batch_size=_PARQUET_BATCH_ROWS, use_threads=False)
        while not problems.flooded:
            text_batch = None
            try:
                batch = next(batches)
                columns = [
                    convert(column)
                    for convert, column in zip(converters, batch.columns, strict=True)
                ]
                text_batch = pa.RecordBatch.from_arrays(columns, schema=output.schema)
            except StopIteration:
                break
            except (pa.ArrowException, ValueError, OSError):
                pass  # raised below, out of the handler: pyarrow's message may quote values
            if text_batch is None:
                raise _unreadable_parquet()
            if seen + text_batch.num_rows > limits.max_rows:
                raise _too_many_rows(limits.max_rows)
            _check_parquet_batch(text_batch, seen, problems, limits)
            seen += batch.num_rows
            if problems.count == 0:
                output.write(text_batch)
        if problems.count:
            raise problems.error()
        output.close()
    except BaseException:
        output.abandon()
        raise
    return IngestReport(
        format="parquet",
        columns=tuple(names),
        rows=output.rows,
        encoding=None,
        delimiter=None,
        source_sha256=raw.hexdigest(),
        source_bytes=raw.count,
    )


def _unreadable_parquet() -> IngestError:
    return IngestError("unreadable", "The file could not be read as Parquet.")


_Converter = Callable[[pa.Array], pa.Array]


def _converter(position: int, field: pa.Field) -> _Converter:
    """How to turn a column of this type into text; a refusal for the types that have none."""
    kind = field.type
    if pa.types.is_dictionary(kind):
        inner = _converter(position, pa.field(field.name, kind.value_type))

        def decode(array: pa.Array) -> pa.Array:
            return inner(array.dictionary_decode())

        return decode
    if pa.types.is_timestamp(kind):
        if kind.tz is None:
            return lambda a: pc.strftime(a, format="%Y-%m-%dT%H:%M:%S")
        utc = pa.timestamp(kind.unit, tz="UTC")
        return lambda a: pc.strftime(pc.cast(a, utc), format="%Y-%m-%dT%H:%M:%SZ")
    simple = (
        pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or pa.types.is_string_view(kind)
        or pa.types.is_boolean(kind)
        or pa.types.is_integer(kind)
        or pa.types.is_floating(kind)
        or pa.types.is_decimal(kind)
        or pa.types.is_date(kind)
        or pa.types.is_time(kind)
        or pa.types.is_null(kind)
    )
    if simple:
        return lambda a: pc.cast(a, pa.string())
    raise IngestError(
        "unsupported_type",
        f"Column {position} ({field.name!r}) has the type {kind}, which cannot be imported: "
        "only columns of text, numbers, booleans, dates, times and timestamps are accepted.",
    )


def _check_parquet_batch(
    batch: pa.RecordBatch, first_row: int, problems: _Problems, limits: Limits
) -> None:
    too_long = None
    nul = None
    invalid: list[int] = []
    for column in batch.columns:
        if not _valid(column):  # Parquet's reader does not check that text is UTF-8
            invalid.extend(_invalid_rows(column, 0))
        longest = pc.max(pc.binary_length(column)).as_py()
        if longest is not None and longest > limits.max_field_bytes:
            over = pc.fill_null(pc.greater(pc.binary_length(column), limits.max_field_bytes), False)
            too_long = over if too_long is None else pc.or_(too_long, over)
        has_nul = pc.fill_null(pc.match_substring(column, "\x00"), False)
        if pc.any(has_nul).as_py():
            nul = has_nul if nul is None else pc.or_(nul, has_nul)
    for mask, reason in (
        (too_long, _problem(
            "field_too_large", f"a value is longer than {_size_text(limits.max_field_bytes)}"
        )),
        (nul, _problem("nul_character", "a NUL character")),
    ):
        if mask is None:
            continue
        indices = pc.indices_nonzero(mask)
        for index in indices.slice(0, limits.max_problems_listed).to_pylist():
            problems.add(first_row + int(index) + 1, reason)
        problems.add_unlisted(max(0, len(indices) - limits.max_problems_listed))
    reason = _problem("invalid_encoding", "text that is not valid UTF-8")
    for index in sorted(set(invalid)):
        problems.add(first_row + index + 1, reason)


def _valid(array: pa.Array) -> bool:
    try:
        array.validate(full=True)
    except (pa.ArrowException, ValueError):
        return False
    return True


def _invalid_rows(array: pa.Array, offset: int) -> list[int]:
    """The rows of an array of text that are not UTF-8, by halving (a few per batch at most
    before the problems flood)."""
    if len(array) == 1:
        return [offset]
    half = len(array) // 2
    found: list[int] = []
    for start, part in ((0, array.slice(0, half)), (half, array.slice(half))):
        if len(part) and not _valid(part):
            found.extend(_invalid_rows(part, offset + start))
    return found
