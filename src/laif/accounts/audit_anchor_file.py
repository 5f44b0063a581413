"""Reading and appending the audit anchor file (``LAIF_AUDIT_ANCHOR_FILE``), and the optional
copy of each anchor to syslog (``LAIF_AUDIT_ANCHOR_SYSLOG``). The line format is in
``audit_anchors`` (pure)."""

from __future__ import annotations

import os
import syslog
from dataclasses import dataclass
from pathlib import Path

from laif.accounts.audit_anchors import (
    Anchor,
    AnchorFile,
    MacCheck,
    check_line,
    last_line,
    one_key,
    parse_anchors,
)

TAIL_BYTES = 4096  # an anchor line is under 200 bytes


@dataclass(frozen=True)
class LastAnchor:
    """The end of the anchor file: absent, unreadable (``damaged``), or its newest anchor."""

    exists: bool
    anchor: Anchor | None = None
    damaged: bool = False


def anchor_file_read(path: Path, key: bytes | MacCheck) -> AnchorFile | None:
    """Every anchor of the file, checked (``key``: one anchor sub-key, or a check that uses the
    key in force at each entry); None when there is no file."""
    try:
        with path.open("rb") as fh:
            text = fh.read().decode("utf-8", "replace")
    except FileNotFoundError:
        return None
    except OSError as exc:
        return AnchorFile(problems=[f"the anchor file cannot be read ({exc.strerror})"])
    *lines, rest = text.split("\n")  # ``rest``: after the last newline, normally nothing
    result = parse_anchors(key, lines)
    if rest:
        result.problems.append(
            f"anchor line {len(lines) + 1}: cut short (anchor file edited or a write interrupted)"
        )
    return result


def anchor_file_last(path: Path, key: bytes | MacCheck) -> LastAnchor:
    """The newest anchor, reading only the end of the file."""
    try:
        with path.open("rb") as fh:
            size = fh.seek(0, os.SEEK_END)
            fh.seek(max(0, size - TAIL_BYTES))
            tail = fh.read()
    except FileNotFoundError:
        return LastAnchor(exists=False)
    if not tail:
        return LastAnchor(exists=True)
    line = last_line(tail)
    check = one_key(key) if isinstance(key, bytes) else key
    anchor = (check_line(check, line)[0] if line is not None and tail.endswith(b"\n")
              else None)
    return LastAnchor(exists=True, anchor=anchor, damaged=anchor is None)


def anchor_file_append(path: Path, line: str, *, to_syslog: bool) -> None:
    """Append one line (opened ``O_APPEND``, written in one call, flushed to disk)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        data = line.encode()
        if os.write(fd, data) != len(data):
            raise OSError(f"short write to {path}")
        os.fsync(fd)
    finally:
        os.close(fd)
    if to_syslog:
        syslog.openlog("laif-audit", 0, syslog.LOG_AUTHPRIV)
        syslog.syslog(syslog.LOG_NOTICE, line.rstrip("\n"))
