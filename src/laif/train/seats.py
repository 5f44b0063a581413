"""The rules of seats, the waitlist and certificates, statable without a database (pure Python,
no Django).

- A session's seats are held by confirmed enrolments and by open offers; a seat is free when
  fewer than the capacity hold one.
- Free seats go to the waitlist in its order (who asked first), one timed offer each; so filling
  a session twice in a row makes no second offer: there is no free seat the second time. That is
  what makes a "seat freed" event delivered twice harmless.
- A newcomer takes a free seat only when nobody waits: otherwise they queue behind.
- A certificate needs the session to be over and an attendance at or above the threshold.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

# Crockford's base32: no I, L, O, U (nothing to misread when typed from paper)
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
UID_PREFIX = "LAIF"
UID_GROUPS = 3
UID_RE = re.compile(rf"^{UID_PREFIX}(-[{ALPHABET}]{{4}}){{{UID_GROUPS}}}$")


def free_seats(capacity: int, held: int) -> int:
    return max(capacity - held, 0)


def offers_to_make(capacity: int, held: int, waiting: int) -> int:
    """How many of the waitlist get an offer now: as many as there are free seats and people
    waiting."""
    if capacity < 0 or held < 0 or waiting < 0:
        raise ValueError("counts cannot be negative")
    return min(free_seats(capacity, held), waiting)


def takes_seat(capacity: int, held: int, waiting: int) -> bool:
    """Whether a newcomer is confirmed at once (a free seat and nobody ahead of them)."""
    return waiting == 0 and free_seats(capacity, held) > 0


def offer_deadline(now: datetime, hours: int) -> datetime:
    if hours < 1:
        raise ValueError("an offer stays open at least an hour")
    return now + timedelta(hours=hours)


def offer_open(now: datetime, deadline: datetime) -> bool:
    return now <= deadline


def earns_certificate(*, attendance_percent: int | None, threshold_percent: int,
                      session_over: bool) -> bool:
    return (session_over and attendance_percent is not None
            and attendance_percent >= threshold_percent)


def new_uid(token: bytes | None = None) -> str:
    """A certificate's public identifier, ``LAIF-XXXX-XXXX-XXXX``: 60 random bits in Crockford's
    base32 (not guessable: the verification page is public)."""
    raw = token if token is not None else secrets.token_bytes(8)
    number = int.from_bytes(raw[:8], "big") >> 4  # 60 bits
    chars = []
    for _ in range(4 * UID_GROUPS):
        number, digit = divmod(number, 32)
        chars.append(ALPHABET[digit])
    text = "".join(reversed(chars))
    return "-".join([UID_PREFIX, *(text[i:i + 4] for i in range(0, len(text), 4))])


def normalise_uid(text: str) -> str | None:
    """A typed identifier made canonical (case, the letters people confuse with digits), or
    None when it cannot be one."""
    head, _sep, rest = text.strip().upper().partition("-")
    if head != UID_PREFIX:
        return None
    body = rest.replace("O", "0").replace("I", "1").replace("L", "1")
    cleaned = f"{UID_PREFIX}-{body}"
    return cleaned if UID_RE.match(cleaned) else None
