"""POSIX usernames for cluster identities (pure: no Django).

A username is 3-32 characters of ``[a-z0-9_-]``, starting with a letter, derived from the person's
name (``Marie Dupont`` -> ``mdupont``), transliterated to ASCII. Collisions get a numeric suffix.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

USERNAME_RE = re.compile(r"^[a-z][a-z0-9_-]{2,31}$")
RESERVED = frozenset(
    {"root", "admin", "daemon", "bin", "sys", "sync", "nobody", "slurm", "munge", "mysql",
     "postgres", "laif", "www-data", "operator", "games", "mail", "news", "sshd", "backup"}
)


# Latin letters that Unicode does not decompose into a base letter plus accents.
_TRANSLITERATE = str.maketrans({
    "ß": "ss", "ẞ": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ø": "o", "Ø": "o",
    "ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "þ": "th", "Þ": "th",
    "\u0131": "i", "ħ": "h", "Ħ": "h",
})


def _ascii(text: str) -> str:
    normalised = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATE))
    return "".join(c for c in normalised if c.isascii()).lower()


def username_base(first_name: str, last_name: str, email: str) -> str:
    first = re.sub(r"[^a-z]", "", _ascii(first_name))
    last = re.sub(r"[^a-z0-9]", "", _ascii(last_name))
    base = (first[:1] + last) if last else re.sub(r"[^a-z0-9]", "", _ascii(email.split("@")[0]))
    base = re.sub(r"^[^a-z]+", "", base)[:24]
    if len(base) < 3:
        base = (base + "usr")[:3] if base else "usr"
    return base


def choose_username(base: str, taken: Callable[[str], bool]) -> str:
    candidates = [base] if base not in RESERVED else []
    candidates += [f"{base}{n}" for n in range(2, 10_000)]
    for candidate in candidates:
        if USERNAME_RE.match(candidate) and not taken(candidate):
            return candidate
    raise RuntimeError(f"no free username for base {base!r}")
