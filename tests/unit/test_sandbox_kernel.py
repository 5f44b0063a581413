"""The compiled pseudonym loop (laif.sandbox.kernel, ADR 0029) computes exactly HMAC-SHA256 as the
standard library does, for values on every side of SHA-256's block boundaries, multi-byte text
and keys of every length up to a block; the platform's
pseudonyms are the same with it and without it (hashlib); offsets outside the data and keys it
cannot take are refused, never read past. Where a C compiler and OpenSSL's headers are installed
(CI), ``./dev setup`` must have built it."""

from __future__ import annotations

import hashlib
import hmac
import random
import shutil
import struct
from pathlib import Path

import polars as pl
import pytest

from laif.sandbox import kernel
from laif.sandbox.policies import (
    PURPOSE_PSEUDONYM,
    derive_domain_key,
    pseudonym_text,
    value_buffers,
)

compiled = pytest.mark.skipif(not kernel.AVAILABLE, reason="the pseudonym loop is not compiled here")

LABEL = b"email\x00"


def _buffers(values: list[bytes]) -> tuple[bytes, bytes]:
    offsets = [0]
    for v in values:
        offsets.append(offsets[-1] + len(v))
    return b"".join(values), struct.pack(f"={len(offsets)}q", *offsets)


def _expected(key: bytes, values: list[bytes], prefix: bytes, digits: int) -> bytes:
    return b"".join(prefix + hmac.new(key, LABEL + v, hashlib.sha256).hexdigest()[:digits].encode()
                    for v in values)


@compiled
def test_it_is_hmac_sha256_across_block_boundaries_and_key_lengths() -> None:
    rng = random.Random(7)
    # the label takes 6 bytes: values of 49, 50, 57, 58, 113, 114 bytes end near a block's end
    lengths = [0, 1, 31, 49, 50, 55, 56, 57, 58, 63, 64, 65, 113, 114, 119, 120, 500, 4097]
    values = [bytes(rng.randrange(256) for _ in range(n)) for n in lengths]
    values += ["Émile Müller ☃ 𝄞".encode(), b"\x00\x00", b"LU28 0019 4006 4475 0000"]
    data, offsets = _buffers(values)
    for key_length in (1, 16, 32, 63, 64):
        key = bytes(rng.randrange(256) for _ in range(key_length))
        for prefix, digits in ((b"em_", 32), (b"", 64), (b"x", 1), (b"", 0)):
            got = kernel.pseudonym_text(key=key, label=LABEL, data=data, offsets=offsets,
                                        prefix=prefix, digits=digits)
            assert got == _expected(key, values, prefix, digits), (key_length, prefix, digits)


@compiled
def test_the_platforms_pseudonyms_are_the_same_with_and_without_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    values = pl.Series([f"person{i}@example.lu" for i in range(3000)] + ["", "ß" * 70])
    for project_key in (b"k" * 32, b"a much longer project key " * 4):
        key = derive_domain_key(project_key, domain="crm", version=2, purpose=PURPOSE_PSEUDONYM)
        compiled = pseudonym_text(*value_buffers(values), kind="email", key=key)
        monkeypatch.setattr(kernel, "AVAILABLE", False)
        assert pseudonym_text(*value_buffers(values), kind="email", key=key) == compiled
        monkeypatch.setattr(kernel, "AVAILABLE", True)
        first = compiled[: len("email_") + 32].decode()
        assert first.endswith(hmac.digest(key.key, b"email\x00person0@example.lu",
                                          hashlib.sha256)[:16].hex())


@compiled
def test_offsets_outside_the_data_and_unusable_keys_are_refused() -> None:
    data, _ = _buffers([b"abc"])
    for offsets in ((0, 4), (2, 1), (-1, 2), (0, 2, 1)):
        with pytest.raises(ValueError, match="offsets outside the data"):
            kernel.pseudonym_text(key=b"k", label=LABEL, data=data,
                                  offsets=struct.pack(f"={len(offsets)}q", *offsets),
                                  prefix=b"", digits=32)
    good = struct.pack("=2q", 0, 3)
    with pytest.raises(ValueError, match="key over 64 bytes"):
        kernel.pseudonym_text(key=b"k" * 65, label=LABEL, data=data, offsets=good, prefix=b"",
                              digits=32)
    with pytest.raises(ValueError, match="too many digits"):
        kernel.pseudonym_text(key=b"k", label=LABEL, data=data, offsets=good, prefix=b"",
                              digits=65)
    assert kernel.pseudonym_text(key=b"k", label=LABEL, data=b"", offsets=struct.pack("=1q", 0),
                                 prefix=b"x", digits=4) == b""


def test_it_is_built_wherever_a_compiler_and_openssl_headers_are() -> None:
    """Never skipped with the module: a build that failed unnoticed would leave CI on hashlib."""
    if shutil.which("cc") is None or not Path("/usr/include/openssl/sha.h").exists():
        pytest.skip("no C compiler or OpenSSL headers here")
    assert kernel.AVAILABLE, "run ./dev setup (it builds src/laif/sandbox/kernel)"
