"""The anchor file of the audit log (pure: no Django). ADR 0012.

Every few minutes the sealed head of the audit chain is appended to a file outside the database,
one line per anchor::

    laif-audit-anchor/1 <seq> <hash> <time> <mac>

where ``mac`` is an HMAC-SHA-256, under the anchor sub-key of the audit key in force at entry
``seq`` (``LAIF_AUDIT_KEY``, or a retired key before the rotation that retired it, ADR 0018), of
the rest of the line. Someone who can write to the database but not to this file cannot make the log
forget a head it had: every anchored (seq, hash) must still be in the chain.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

VERSION = "laif-audit-anchor/1"
_LINE = re.compile(
    r"laif-audit-anchor/1 (?P<seq>[1-9][0-9]{0,18}) (?P<hash>[0-9a-f]{64}) "
    r"(?P<at>[0-9T:+.Z-]{10,40}) (?P<mac>[0-9a-f]{64})"
)
MALFORMED = "malformed or its seal is invalid (anchor file edited)"


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str
    at: str  # ISO 8601, for the auditor's eyes


MacCheck = Callable[[Anchor, str, str], str | None]
"""Checks the MAC of a well-formed line (the anchor, the signed body, the MAC): None when valid,
else what is wrong."""


@dataclass
class AnchorFile:
    """What an anchor file says: its valid anchors in order, and what is wrong with it."""

    anchors: list[Anchor] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def last(self) -> Anchor | None:
        return self.anchors[-1] if self.anchors else None


def _mac(key: bytes, body: str) -> str:
    return hmac.digest(key, body.encode(), "sha256").hex()


def anchor_line(key: bytes, anchor: Anchor) -> str:
    """The line (with its newline) that records ``anchor``."""
    body = f"{VERSION} {anchor.seq} {anchor.hash} {anchor.at}"
    return f"{body} {_mac(key, body)}\n"


def line_mac_valid(key: bytes, body: str, mac: str) -> bool:
    return hmac.compare_digest(mac, _mac(key, body))


def one_key(key: bytes) -> MacCheck:
    """Every line checked with the same anchor sub-key."""
    return lambda _anchor, body, mac: None if line_mac_valid(key, body, mac) else MALFORMED


def split_line(line: str) -> tuple[Anchor, str, str] | None:
    """A well-formed line's anchor, signed body and MAC (not checked); None when malformed."""
    text = line.rstrip("\n")
    match = _LINE.fullmatch(text)
    if match is None:
        return None
    anchor = Anchor(seq=int(match["seq"]), hash=match["hash"], at=match["at"])
    return anchor, text.rsplit(" ", 1)[0], match["mac"]


def check_line(check: MacCheck, line: str) -> tuple[Anchor | None, str | None]:
    """The anchor a line records and None, or None and what is wrong with it."""
    parts = split_line(line)
    if parts is None:
        return None, MALFORMED
    problem = check(*parts)
    return (None, problem) if problem else (parts[0], None)


def parse_line(key: bytes, line: str) -> Anchor | None:
    """The anchor a line records, or None when it is malformed or its MAC is wrong."""
    return check_line(one_key(key), line)[0]


def parse_anchors(key: bytes | MacCheck, lines: Iterable[str]) -> AnchorFile:
    """Check every line of an anchor file: well formed, a valid MAC (under ``key``, or as
    ``key`` checks it: the key in force at each entry), sequence numbers strictly increasing.
    Lines that fail are reported and left out of ``anchors``."""
    check = one_key(key) if isinstance(key, bytes) else key
    result = AnchorFile()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            result.problems.append(f"anchor line {number}: empty (anchor file edited)")
            continue
        anchor, problem = check_line(check, line)
        if anchor is None:
            result.problems.append(f"anchor line {number}: {problem}")
            continue
        last = result.last
        if last is not None and anchor.seq <= last.seq:
            result.problems.append(
                f"anchor line {number}: entry #{anchor.seq} after entry #{last.seq} "
                "(anchors out of order: anchor file edited)"
            )
            continue
        result.anchors.append(anchor)
    return result


def last_line(tail: bytes) -> str | None:
    """The last complete line of the end of a file (``tail``: its last few kilobytes)."""
    lines = tail.decode("utf-8", "replace").splitlines()
    return lines[-1] if lines else None
