"""Column policies that turn a company's sensitive table into a pseudonymised sandbox copy.
Pure (no Django), vectorised with polars.

A source table has string columns (any value may be null). Every column gets exactly one
:class:`ColumnPolicy`, whose ``action`` is one of these stable codes:

- ``keep``: the column is copied as it is. Only for the kind ``not_personal``.
- ``pseudonymise``: the value is normalised for its kind (below) and replaced by a keyed
  HMAC-SHA256 pseudonym. The key is derived per pseudonymisation *domain* and key *version*: the
  same value gives the same pseudonym in every table of the project that uses the same domain (so
  joins work), and a different one in another domain or under another (rotated) version. The
  kind is bound into the MAC input too, so equal values of different kinds do not correlate.
- ``encrypt``: reversible deterministic encryption with AES-SIV (RFC 5297, ``AESSIV`` of
  ``cryptography``, 64-byte key derived per domain and version, associated data binding the
  domain and version). The same plaintext gives the same ciphertext within a domain and version;
  only the key decrypts it (:func:`decrypt_values`, for approved re-identification: the caller
  enforces the approval). The exact value is encrypted (no normalisation), so decryption gives
  back exactly what was in the source. The ciphertext leaks the plaintext's length (16 + its
  UTF-8 length in bytes).
- ``generalise``: dates of birth (ISO ``YYYY-MM-DD``) to the month ``YYYY-MM`` or the year
  ``YYYY`` (``granularity``); Luxembourg postcodes to their region (below); numbers (kind
  ``not_personal`` with ``band_width``) to bands ``lo-hi`` of the given width, ``lo`` a multiple of
  the width: ``30000`` with width 10000 is ``30000-39999``. A band is ``[lo, lo + width)`` and is
  named by the integers it holds, so ``39999.5`` is in ``30000-39999`` too; a negative band reads
  ``-10--1``. A value that does not parse (a date that is not a valid ISO calendar date, a
  postcode that is not 4 digits after an optional ``L-``, a number that is not a finite decimal
  below 2**53 in absolute value, written with a ``.`` and no thousands separator) becomes null:
  it is never copied through.
- ``suppress``: the column is **dropped** from the output (not kept as a column of nulls), so a
  suppressed column cannot be mistaken for a column that happens to be empty.

Normalisation before pseudonymising, by kind, so that formatting variants give one pseudonym:
IBAN: every white space removed, upper case; e-mail: stripped, lower case (the whole address:
providers treat the local part case-insensitively in practice, although RFC 5321 allows
otherwise); Luxembourg matricule: the ASCII digits only; phone: the ASCII digits, with a leading
``+`` kept when the stripped value starts with one (no country-code normalisation: ``00352...``
and ``+352...`` differ); every other kind: stripped of surrounding white space. A value that
normalises to the empty string (blank, or a matricule with no digit) becomes null.

Nulls stay null under every action: a missing value is not a value to hide, and a pseudonym of
"missing" would only make all missing values look like one person.

Pseudonym format: ``<prefix>_<32 lower-case hex digits>``, the prefix naming the kind
(:data:`PSEUDONYM_PREFIXES`, e.g. ``iban_``), the digits the first 16 bytes (128 bits) of
``HMAC-SHA256(key, kind || 0x00 || normalised value in UTF-8)``. Hex rather than base32: it is
encoded vectorised by polars (Python 3.11's base32 is slow per value) and, like base32, survives
case-insensitive tools. Collision bound (birthday bound): among ``n`` distinct values of one kind
in one domain the probability that two share a pseudonym is at most ``n * (n - 1) / 2**129``:
below ``1.5e-21`` for a thousand million values. The output contains neither the key nor anything derived from it other than MAC
and ciphertext values.

Keys: :func:`domain_key` derives a domain key from the project's key with HKDF-SHA256 (RFC 5869),
``info`` binding the purpose (``pseudonym``: 32 bytes for HMAC; ``siv``: 64 bytes for AES-SIV),
the domain and the version; :class:`DomainKey` carries it and never shows it in its ``repr``.
:class:`PolicyError` messages name columns, domains, kinds and versions, never a data value or
key material.

Postcode regions: Luxembourg's postcodes are four digits and the first digit indicates the region
(which does not follow the districts and cantons): 1 and 2 the capital city, 3 south of the
capital, 4 the city of Esch-sur-Alzette, 5 the south-east, 6 the north-east, 7 north of the
capital, 8 the west, 9 the north; 0 is used by PackUp lockers, whose second digit is that of the
area's ordinary postcodes (0161 is in the city of Luxembourg). Source: Wikipedia, "Postal codes
in Luxembourg" (https://en.wikipedia.org/wiki/Postal_codes_in_Luxembourg), consulted December
2026, consistent with youbianku's Luxembourg page. The regions are coarse and uneven (4 is one
town); a finer mapping would need POST Luxembourg's code list. A PackUp code whose second digit is 0 has no documented region:
it becomes null. :data:`POSTCODE_REGIONS` is the table.

Vectorised: every action is polars expressions over the whole column, except the keyed ones,
which deduplicate first: the column is normalised, its distinct non-null values are MAC'd or
encrypted (a loop over the *distinct* values, in batches of :data:`BATCH_SIZE`), and the results
are put back by their codes (a dense rank, then a gather). No loop runs over the rows. A
pseudonymised column whose values are nearly all distinct (estimated, see :func:`mac_inputs`) is
not deduplicated: the rank would cost more than the few MACs it saves; the pseudonyms are the
same. The MAC loop is the one piece of per-value work, split out so that a caller may run it in
other processes (:func:`normalise_values`, :func:`mac_inputs`, :func:`value_buffers`,
:func:`pseudonym_text`, which needs neither polars nor pyarrow,
:func:`pseudonyms_from_text`, :func:`put_back`; the streamed
release of ``laif.sandbox.pipeline`` does): :func:`pseudonymise_values` is exactly their
composition. It computes HMAC-SHA256 from two precomputed SHA-256 states (RFC 2104's inner and
outer hashes): in a compiled loop over OpenSSL's SHA-256 when ``laif.sandbox.kernel`` is built
(about 150 ns a value), else with hashlib, the same MAC as ``hmac`` at about half its cost
(about 1 µs a value).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import polars as pl
import pyarrow as pa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from laif.sandbox import kernel

KEEP = "keep"
PSEUDONYMISE = "pseudonymise"
ENCRYPT = "encrypt"
GENERALISE = "generalise"
SUPPRESS = "suppress"
ACTIONS = (KEEP, PSEUDONYMISE, ENCRYPT, GENERALISE, SUPPRESS)
"""The stable action codes."""

KINDS = (
    "lu_matricule",
    "iban",
    "email",
    "phone",
    "person_name",
    "street_address",
    "postcode_lu",
    "date_of_birth",
    "free_text",
    "not_personal",
)
"""The column kinds (what a column holds), as detected or declared."""

GENERALISABLE_KINDS = ("date_of_birth", "postcode_lu", "not_personal")
"""Kinds ``generalise`` applies to: dates (``granularity``), postcodes, numbers (``band_width``)."""

GRANULARITIES = ("month", "year")

PURPOSE_PSEUDONYM = "pseudonym"
PURPOSE_SIV = "siv"
KEY_LENGTHS = {PURPOSE_PSEUDONYM: 32, PURPOSE_SIV: 64}
"""Bytes of a domain key by purpose: HMAC-SHA256 key; AES-SIV key (two AES-256 keys)."""

MIN_PROJECT_KEY_LENGTH = 32

PSEUDONYM_PREFIXES = {
    "lu_matricule": "mat",
    "iban": "iban",
    "email": "email",
    "phone": "tel",
    "person_name": "name",
    "street_address": "addr",
    "postcode_lu": "pc",
    "date_of_birth": "dob",
    "free_text": "txt",
    "not_personal": "id",
}
PSEUDONYM_BYTES = 16
"""Bytes of the HMAC kept in a pseudonym: 128 bits, 32 hex digits."""

ENCRYPTED_PREFIX = "enc_v"
"""An encrypted value reads ``enc_v<version>_<base64url of the AES-SIV output, no padding>``."""

POSTCODE_REGIONS = {
    "1": "luxembourg_city",
    "2": "luxembourg_city",
    "3": "south_of_capital",
    "4": "esch_sur_alzette",
    "5": "south_east",
    "6": "north_east",
    "7": "north_of_capital",
    "8": "west",
    "9": "north",
}
"""Region by a postcode's first digit (the second for PackUp codes starting with 0). Source:
https://en.wikipedia.org/wiki/Postal_codes_in_Luxembourg (see the module docstring)."""

BATCH_SIZE = 65_536
"""Distinct values MAC'd or encrypted per batch."""

DEDUPLICATE_BELOW = 0.75
"""Distinct values are MAC'd once only when they are estimated to be fewer than this share of the
non-null values; above it every non-null value is MAC'd (deduplicating would cost more than the
MACs it saves)."""

_OFFSET_BYTES = 8

MAX_BAND_WIDTH = 2**53
_MAX_NUMBER = 2.0**53

_DOMAIN_RE = re.compile(r"[a-z0-9_-]{1,40}")
_ENCRYPTED_RE = r"^enc_v([0-9]+)_([A-Za-z0-9_-]+)$"
_HKDF_SALT = b"laif-sandbox-policies/v1"


class PolicyError(ValueError):
    """A policy, key or encrypted value that cannot be used. The message never holds a data
    value or key material."""


@dataclass(frozen=True)
class ColumnPolicy:
    column: str
    action: str
    kind: str
    domain: str = "default"
    granularity: str | None = None
    """``month`` or ``year``: only for ``generalise`` of a ``date_of_birth``."""
    band_width: int | None = None
    """Band width (>= 1): only for ``generalise`` of a number (kind ``not_personal``)."""


@dataclass(frozen=True)
class DomainKey:
    """A key derived for one purpose in one pseudonymisation domain at one version."""

    domain: str
    version: int
    purpose: str
    key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        _check_key_params(domain=self.domain, version=self.version, purpose=self.purpose)
        if len(self.key) != KEY_LENGTHS[self.purpose]:
            raise PolicyError(
                f"a {self.purpose} key must be {KEY_LENGTHS[self.purpose]} bytes long"
            )


def _check_key_params(*, domain: str, version: int, purpose: str) -> None:
    if not _DOMAIN_RE.fullmatch(domain):
        raise PolicyError("a domain name must be 1 to 40 of a-z, 0-9, _ and -")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise PolicyError("a key version must be an integer >= 1")
    if purpose not in KEY_LENGTHS:
        raise PolicyError(f"unknown key purpose {purpose!r}: {', '.join(KEY_LENGTHS)}")


def domain_key(project_key: bytes, *, domain: str, version: int, purpose: str) -> bytes:
    """The key for ``purpose`` (``pseudonym``, ``siv``) in ``domain`` at ``version``: HKDF-SHA256
    of the project key, ``info`` = ``laif-sandbox|<purpose>|<domain>|v<version>`` (unambiguous:
    neither a purpose nor a domain holds ``|``)."""
    _check_key_params(domain=domain, version=version, purpose=purpose)
    if len(project_key) < MIN_PROJECT_KEY_LENGTH:
        raise PolicyError(f"a project key must be at least {MIN_PROJECT_KEY_LENGTH} bytes long")
    info = f"laif-sandbox|{purpose}|{domain}|v{version}".encode("ascii")
    hkdf = HKDF(algorithm=hashes.SHA256(), length=KEY_LENGTHS[purpose], salt=_HKDF_SALT, info=info)
    return hkdf.derive(project_key)


def derive_domain_key(project_key: bytes, *, domain: str, version: int, purpose: str) -> DomainKey:
    """:func:`domain_key` wrapped in a :class:`DomainKey`."""
    key = domain_key(project_key, domain=domain, version=version, purpose=purpose)
    return DomainKey(domain=domain, version=version, purpose=purpose, key=key)


# --- validation ---------------------------------------------------------------------------


def _allowed(action: str, kind: str) -> bool:
    if action == KEEP:
        return kind == "not_personal"
    if action == GENERALISE:
        return kind in GENERALISABLE_KINDS
    return True  # pseudonymise, encrypt, suppress: every kind


def _policy_problems(policy: ColumnPolicy) -> list[str]:
    name = policy.column
    if policy.action not in ACTIONS:
        return [f"column {name!r}: unknown action {policy.action!r}"]
    if policy.kind not in KINDS:
        return [f"column {name!r}: unknown kind {policy.kind!r}"]
    problems = []
    if not _allowed(policy.action, policy.kind):
        problems.append(
            f"column {name!r}: action {policy.action!r} is not valid for kind {policy.kind!r}"
        )
    if not isinstance(policy.domain, str) or not _DOMAIN_RE.fullmatch(policy.domain):
        problems.append(f"column {name!r}: a domain name must be 1 to 40 of a-z, 0-9, _ and -")
    dates = policy.action == GENERALISE and policy.kind == "date_of_birth"
    numbers = policy.action == GENERALISE and policy.kind == "not_personal"
    if dates and policy.granularity not in GRANULARITIES:
        problems.append(f"column {name!r}: generalising a date needs granularity month or year")
    if not dates and policy.granularity is not None:
        problems.append(f"column {name!r}: granularity only applies to generalised dates")
    width = policy.band_width
    if numbers and (
        width is None
        or isinstance(width, bool)
        or not isinstance(width, int)
        or not 1 <= width <= MAX_BAND_WIDTH
    ):
        problems.append(f"column {name!r}: generalising a number needs band_width from 1 to 2**53")
    if not numbers and width is not None:
        problems.append(f"column {name!r}: band_width only applies to generalised numbers")
    return problems


def validate_policies(columns: Sequence[str], policies: Sequence[ColumnPolicy]) -> None:
    """Every column has exactly one policy, every policy names a column, and each is valid:
    known action and kind, action allowed for the kind (``keep`` only for ``not_personal``,
    ``generalise`` only for dates, postcodes and numbers), the parameters its action needs and
    no other, a domain name of 1 to 40 of ``[a-z0-9_-]``. Raises :class:`PolicyError` listing
    every problem."""
    problems: list[str] = []
    known = set(columns)
    if len(known) != len(columns):
        problems.append("the table has duplicate column names")
    seen: set[str] = set()
    for policy in policies:
        if policy.column not in known:
            problems.append(f"policy for unknown column {policy.column!r}")
        elif policy.column in seen:
            problems.append(f"column {policy.column!r} has more than one policy")
        seen.add(policy.column)
        problems.extend(_policy_problems(policy))
    missing = [c for c in columns if c not in seen]
    if missing:
        problems.append("columns without a policy: " + ", ".join(repr(c) for c in missing))
    if problems:
        raise PolicyError("; ".join(problems))


# --- pseudonymisation ---------------------------------------------------------------------


def normalised(column: str, kind: str) -> pl.Expr:
    """The expression of column ``column`` normalised for ``kind`` before pseudonymising (see the
    module docstring); a value that normalises to the empty string becomes null. Several of them
    in one ``select`` run on several cores."""
    text = pl.col(column).cast(pl.String)
    if kind == "iban":
        out = text.str.replace_all(r"\s+", "").str.to_uppercase()
    elif kind == "email":
        out = text.str.strip_chars().str.to_lowercase()
    elif kind == "lu_matricule":
        out = text.str.replace_all(r"[^0-9]+", "")
    elif kind == "phone":
        digits = text.str.replace_all(r"[^0-9]+", "")
        plus = text.str.strip_chars().str.starts_with("+") & (digits != "")
        out = pl.when(plus).then(pl.lit("+") + digits).otherwise(digits)
    else:
        out = text.str.strip_chars()
    return pl.when(out == "").then(None).otherwise(out).alias(column)


def normalise_values(values: pl.Series, kind: str) -> pl.Series:
    """``values`` normalised for ``kind`` (:func:`normalised`)."""
    return values.to_frame().select(normalised(values.name, kind)).to_series()


def distinct_values(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    """The distinct non-null values of the string series ``values``, sorted, and for each value
    the position of its distinct value among them (null for a null): ``put_back(distinct,
    codes, name)`` is ``values`` again. Vectorised (a dense rank), cheaper than ``unique`` and
    ``replace_strict``."""
    codes = values.rank("dense") - 1
    distinct = (
        pl.DataFrame({"code": codes, "value": values})
        .drop_nulls("code")
        .unique("code")
        .sort("code")
        .get_column("value")
    )
    return distinct, codes


def mac_inputs(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    """The values of the string series ``values`` to MAC or encrypt, and each value's code among
    them (null for a null), for :func:`put_back`: the distinct values (:func:`distinct_values`)
    when enough values repeat for deduplicating to pay, else every non-null value in order (no
    per-row hashing of the strings, about a third of a MAC's cost). Which is decided on an
    estimate of the distinct count (HyperLogLog, ``approx_n_unique``); the images are the same
    either way."""
    present = values.len() - values.null_count()
    estimate = values.approx_n_unique()
    if not present or not isinstance(estimate, int) or estimate < DEDUPLICATE_BELOW * present:
        return distinct_values(values)
    non_null = values.is_not_null()
    codes = pl.select(
        pl.when(pl.lit(non_null)).then(pl.lit(non_null).cast(pl.UInt32).cum_sum() - 1)
    ).to_series()
    return values.drop_nulls(), codes


def put_back(images: pl.Series, codes: pl.Series, name: str) -> pl.Series:
    """The string series whose value ``i`` is ``images[codes[i]]`` (null where the code is null):
    the images of ``values`` given the ``codes`` of :func:`distinct_values` and the images of its
    distinct values, in their order."""
    return images.cast(pl.String).gather(codes).alias(name)


def _map_distinct(
    values: pl.Series, transform: Callable[[list[str]], pl.Series], name: str
) -> pl.Series:
    """``transform`` (a list of distinct values to a string series of their images, in order)
    applied to the distinct non-null values, batch by batch, and put back in place; nulls stay
    null."""
    distinct, codes = distinct_values(values)
    news = [
        transform(distinct.slice(start, BATCH_SIZE).to_list())
        for start in range(0, distinct.len(), BATCH_SIZE)
    ]
    return put_back(pl.concat(news) if news else pl.Series(dtype=pl.String), codes, name)


def _text(prefix: str, raw: list[bytes], encoding: Literal["hex", "base64"]) -> pl.Series:
    """``prefix`` followed by the hex or unpadded base64url text of each of ``raw``, vectorised."""
    encoded = pl.Series(raw, dtype=pl.Binary).bin.encode(encoding)
    if encoding == "base64":
        encoded = (
            encoded.str.replace_all("+", "-", literal=True)
            .str.replace_all("/", "_", literal=True)
            .str.strip_chars_end("=")
        )
    return pl.select(pl.lit(prefix) + encoded).to_series()


def value_buffers(values: pl.Series) -> tuple[bytes, bytes]:
    """The UTF-8 bytes of the string series ``values`` (no null) end to end, and the ``n + 1``
    offsets (int64, native byte order) where each value starts and the last ends: value ``i`` is
    ``data[offsets[i]:offsets[i + 1]]``. Plain bytes, so that another process can take them."""
    array = values.cast(pl.String).rechunk().to_arrow()
    if array.type != pa.large_string():
        array = array.cast(pa.large_string())
    if array.null_count:
        raise PolicyError("value_buffers takes no null")
    _validity, offsets, data = array.buffers()
    first = array.offset * _OFFSET_BYTES
    bounds = offsets.to_pybytes()[first : first + (len(array) + 1) * _OFFSET_BYTES]
    return (data.to_pybytes() if data is not None else b""), bounds


_SHA256_BLOCK = 64


def _block_key(key: bytes) -> bytes:
    """RFC 2104: a key longer than the hash's block is replaced by its hash."""
    return hashlib.sha256(key).digest() if len(key) > _SHA256_BLOCK else key


def _hmac_states(key: bytes, label: bytes) -> tuple[hashlib._Hash, hashlib._Hash]:
    """HMAC-SHA256 (RFC 2104) precomputed: the inner hash after ``key XOR ipad`` and ``label``,
    and the outer hash after ``key XOR opad``. Copying two SHA-256 states per value costs about
    half as much as copying an ``hmac`` object (which copies three OpenSSL contexts)."""
    padded = _block_key(key).ljust(_SHA256_BLOCK, b"\x00")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in padded))
    inner.update(label)
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in padded))
    return inner, outer


def pseudonym_text(data: bytes, offsets: bytes, *, kind: str, key: DomainKey) -> bytes:
    """The pseudonyms of the values held by ``data`` and ``offsets`` (as :func:`value_buffers`
    gives them, values already normalised) end to end, each ``<prefix>_<32 hex digits>`` in
    ASCII, all of the same length. No polars, no pyarrow: it may run in a forked worker process.
    The loop over the values is the only per-value work of pseudonymisation: compiled
    (``laif.sandbox.kernel``, GIL released) when built, else hashlib's, with the same result."""
    if kind not in KINDS:
        raise PolicyError(f"unknown kind {kind!r}")
    _require(key, PURPOSE_PSEUDONYM)
    label = kind.encode("ascii") + b"\x00"
    prefix = PSEUDONYM_PREFIXES[kind] + "_"
    if kernel.AVAILABLE:
        return kernel.pseudonym_text(key=_block_key(key.key), label=label, data=data,
                                     offsets=offsets, prefix=prefix.encode("ascii"),
                                     digits=2 * PSEUDONYM_BYTES)
    inner, outer = _hmac_states(key.key, label)
    inner_copy = inner.copy
    outer_copy = outer.copy
    hexes: list[str] = []
    append = hexes.append
    digits = 2 * PSEUDONYM_BYTES
    bounds = memoryview(offsets).cast("q")
    if len(bounds) < 2:
        return b""
    start = bounds[0]
    for end in bounds[1:]:
        mac = inner_copy()
        mac.update(data[start:end])
        out = outer_copy()
        out.update(mac.digest())
        append(out.hexdigest()[:digits])
        start = end
    # prefix + prefix.join(hexes) is every prefix + hex end to end, joined in C
    return (prefix + prefix.join(hexes)).encode("ascii")


def pseudonyms_from_text(text: bytes, *, kind: str) -> pl.Series:
    """The string series of the pseudonyms ``text`` holds (:func:`pseudonym_text`), without a
    copy per value."""
    width = len(PSEUDONYM_PREFIXES[kind]) + 1 + 2 * PSEUDONYM_BYTES
    count = len(text) // width
    if count * width != len(text):
        raise PolicyError("pseudonym text of an unexpected length")
    array = pa.Array.from_buffers(pa.binary(width), count, [None, pa.py_buffer(text)])
    return pl.Series(pl.from_arrow(array)).cast(pl.String)


def _require(key: DomainKey, purpose: str) -> None:
    if key.purpose != purpose:
        raise PolicyError(f"a {purpose} key is needed, not a {key.purpose} key")


def pseudonymise_values(values: pl.Series, *, kind: str, key: DomainKey) -> pl.Series:
    """The pseudonyms of ``values`` (normalised for ``kind``) under ``key`` (purpose
    ``pseudonym``); nulls and values that normalise to nothing become null."""
    if kind not in KINDS:
        raise PolicyError(f"unknown kind {kind!r}")
    _require(key, PURPOSE_PSEUDONYM)
    distinct, codes = mac_inputs(normalise_values(values, kind))
    return put_back(pseudonyms_of(distinct, kind=kind, key=key), codes, values.name)


def pseudonyms_of(distinct: pl.Series, *, kind: str, key: DomainKey) -> pl.Series:
    """The pseudonyms of ``distinct`` (normalised, no null), in this thread, in batches of
    :data:`BATCH_SIZE` values."""
    images = [
        pseudonyms_from_text(
            pseudonym_text(*value_buffers(distinct.slice(start, BATCH_SIZE)), kind=kind, key=key),
            kind=kind,
        )
        for start in range(0, distinct.len(), BATCH_SIZE)
    ]
    return pl.concat(images) if images else pl.Series(dtype=pl.String)


# --- encryption -----------------------------------------------------------------------------


def _associated_data(key: DomainKey) -> list[bytes]:
    return [f"laif-sandbox|encrypt|{key.domain}|v{key.version}".encode("ascii")]


def encrypt_values(values: pl.Series, *, key: DomainKey) -> pl.Series:
    """The AES-SIV encryption of ``values`` (exact, not normalised) under ``key`` (purpose
    ``siv``): ``enc_v<version>_<base64url, no padding>``; nulls stay null."""
    _require(key, PURPOSE_SIV)
    siv = AESSIV(key.key)
    associated = _associated_data(key)
    prefix = f"{ENCRYPTED_PREFIX}{key.version}_"

    def transform(batch: list[str]) -> pl.Series:
        return _text(
            prefix, [siv.encrypt(value.encode("utf-8"), associated) for value in batch], "base64"
        )

    return _map_distinct(values.cast(pl.String), transform, values.name)


def decrypt_values(values: pl.Series, key: DomainKey) -> pl.Series:
    """The inverse of ``encrypt`` (for approved re-identification only: the caller enforces the
    approval). Nulls stay null. Raises :class:`PolicyError` for a value that is not an encrypted
    value, one encrypted under another version, or one the key does not decrypt (another
    domain's key, a tampered value)."""
    _require(key, PURPOSE_SIV)
    text = values.cast(pl.String)
    parts = text.str.extract_groups(_ENCRYPTED_RE)
    versions = parts.struct.field("1")
    bodies = parts.struct.field("2")
    if bodies.null_count() != text.null_count():
        raise PolicyError("a value is not an encrypted value")
    if not (versions.drop_nulls() == str(key.version)).all():
        raise PolicyError(f"values were encrypted under another key version than v{key.version}")
    siv = AESSIV(key.key)
    associated = _associated_data(key)

    def transform(batch: list[str]) -> pl.Series:
        out = []
        for body in batch:
            try:
                raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
                out.append(siv.decrypt(raw, associated).decode("utf-8"))
            except (InvalidTag, ValueError):
                raise PolicyError(
                    f"a value does not decrypt under the {key.domain!r} v{key.version} key"
                ) from None
        return pl.Series(out, dtype=pl.String)

    return _map_distinct(bodies, transform, values.name)


# --- generalisation -------------------------------------------------------------------------


def _generalised(column: str, policy: ColumnPolicy) -> pl.Expr:
    text = pl.col(column).cast(pl.String).str.strip_chars()
    if policy.kind == "date_of_birth":
        pattern = "%Y-%m" if policy.granularity == "month" else "%Y"
        return text.str.to_date("%Y-%m-%d", strict=False).dt.strftime(pattern).alias(column)
    if policy.kind == "postcode_lu":
        code = text.str.to_uppercase().str.replace(r"^L\s*-?\s*", "")
        first = code.str.slice(0, 1)
        digit = pl.when(first == "0").then(code.str.slice(1, 1)).otherwise(first)
        region = digit.replace_strict(POSTCODE_REGIONS, default=None, return_dtype=pl.String)
        return pl.when(code.str.contains(r"^[0-9]{4}$")).then(region).alias(column)
    width = policy.band_width
    assert width is not None  # validated
    number = text.cast(pl.Float64, strict=False)
    whole = number.floor().cast(pl.Int64, strict=False)
    low = whole.floordiv(width) * width
    label = low.cast(pl.String) + pl.lit("-") + (low + (width - 1)).cast(pl.String)
    usable = number.is_finite() & (number.abs() < _MAX_NUMBER)
    return pl.when(usable).then(label).alias(column)


# --- the whole table --------------------------------------------------------------------------


def _key_for(
    policy: ColumnPolicy, purpose: str, keys: Mapping[tuple[str, str], DomainKey]
) -> DomainKey:
    key = keys.get((purpose, policy.domain))
    if key is None:
        raise PolicyError(
            f"column {policy.column!r}: no {purpose} key for domain {policy.domain!r}"
        )
    if key.purpose != purpose or key.domain != policy.domain:
        raise PolicyError(
            f"column {policy.column!r}: the key given for ({purpose!r}, {policy.domain!r}) is a "
            f"{key.purpose} key of domain {key.domain!r}"
        )
    return key


def apply_policies(
    frame: pl.DataFrame,
    policies: Sequence[ColumnPolicy],
    keys: Mapping[tuple[str, str], DomainKey],
) -> pl.DataFrame:
    """The pseudonymised copy of ``frame``: every column under its policy, ``keys`` indexed by
    ``(purpose, domain)`` (``pseudonym`` keys for ``pseudonymise``, ``siv`` keys for
    ``encrypt``). Output columns in input order, suppressed ones left out; every output column is
    a string column. Raises :class:`PolicyError` for invalid policies, a missing or mismatched
    key, or a column that is not a string column (an all-null column is accepted)."""
    validate_policies(frame.columns, policies)
    by_column = {p.column: p for p in policies}
    for name, dtype in frame.schema.items():
        if dtype not in (pl.String, pl.Null):
            raise PolicyError(f"column {name!r} is not a string column")
    needed = {
        p.column: _key_for(p, PURPOSE_PSEUDONYM if p.action == PSEUDONYMISE else PURPOSE_SIV, keys)
        for p in policies
        if p.action in (PSEUDONYMISE, ENCRYPT)
    }
    columns: list[pl.Series | pl.Expr] = []
    for name in frame.columns:
        policy = by_column[name]
        if policy.action == SUPPRESS:
            continue
        if policy.action == KEEP:
            columns.append(pl.col(name).cast(pl.String))
        elif policy.action == GENERALISE:
            columns.append(_generalised(name, policy))
        elif policy.action == PSEUDONYMISE:
            columns.append(
                pseudonymise_values(frame.get_column(name), kind=policy.kind, key=needed[name])
            )
        else:
            columns.append(encrypt_values(frame.get_column(name), key=needed[name]))
    if not columns:  # every column suppressed: no column, as many rows
        return pl.DataFrame(height=frame.height)
    return frame.select(columns)
