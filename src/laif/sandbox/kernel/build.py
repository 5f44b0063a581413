"""Builds ``laif.sandbox.kernel._pseudonyms`` (cffi, API mode) from ``pseudonyms.c`` against the system's
libcrypto: ``.venv/bin/python src/laif/sandbox/kernel/build.py`` (``./dev setup`` runs it). It
needs a C compiler and OpenSSL's headers (Debian: ``gcc``, ``libssl-dev``). Without the module
the platform computes the same pseudonyms with hashlib, about 6 times slower (ADR 0029)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from cffi import FFI

HERE = Path(__file__).resolve().parent

DECLARATIONS = """
int laif_pseudonyms(const char *key, size_t key_len, const char *label, size_t label_len,
                    const char *data, size_t data_len, const int64_t *offsets, size_t count,
                    const char *prefix, size_t prefix_len, size_t digits, char *out);
"""


def builder() -> FFI:
    ffi = FFI()
    ffi.cdef(DECLARATIONS)
    ffi.set_source("laif.sandbox.kernel._pseudonyms", (HERE / "pseudonyms.c").read_text(),
                   libraries=["crypto"], extra_compile_args=["-O2"])
    return ffi


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="laif-kernel-") as tmp:
        built = Path(builder().compile(tmpdir=tmp, verbose=False))
        target = HERE / built.name
        built.replace(target)
    print(f"built {target.relative_to(HERE.parents[3])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
