"""The pseudonym loop compiled (``pseudonyms.c``, OpenSSL's SHA-256; built by ``build.py``, which
``./dev setup`` runs), when it is built; ``laif.sandbox.policies`` falls back to hashlib, with the
same pseudonyms, when it is not. The call releases the GIL: threads run it on several cores.
ADR 0029."""

from __future__ import annotations

import importlib
from typing import Any

try:
    _compiled: Any = importlib.import_module("laif.sandbox.kernel._pseudonyms")
except ImportError:  # not built here (no compiler or no OpenSSL headers)
    _compiled = None

AVAILABLE = _compiled is not None
_INT64 = 8


def pseudonym_text(*, key: bytes, label: bytes, data: bytes, offsets: bytes, prefix: bytes,
                   digits: int) -> bytes:
    """For each value ``data[offsets[i]:offsets[i + 1]]`` (int64 offsets, native order):
    ``prefix`` and the first ``digits`` hex digits of HMAC-SHA256 under ``key`` (at most 64
    bytes) of ``label`` followed by the value, end to end."""
    if _compiled is None:
        raise RuntimeError("the pseudonym kernel is not built (src/laif/sandbox/kernel/build.py)")
    count = len(offsets) // _INT64 - 1
    if count <= 0:
        return b""
    out = bytearray(count * (len(prefix) + digits))
    ffi, lib = _compiled.ffi, _compiled.lib
    rc = lib.laif_pseudonyms(key, len(key), label, len(label), ffi.from_buffer(data), len(data),
                             ffi.from_buffer("int64_t[]", offsets), count, prefix, len(prefix),
                             digits, ffi.from_buffer(out))
    if rc != 0:
        raise ValueError("pseudonym kernel: a key over 64 bytes or too many digits" if rc == -1
                         else "pseudonym kernel: offsets outside the data")
    return bytes(out)
