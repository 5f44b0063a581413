"""A sink for ``pyarrow.PythonFile`` over the caller's binary stream, which may only have
``write()`` (an encrypting writer, a socket): short writes finished, buffers copied (pyarrow
reuses its own), the SHA-256 and size of what went through kept. Once ``abandoned`` it writes
nothing more. Pure (no Django)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, BinaryIO


class DigestingSink:
    """What ``pa.PythonFile`` needs of the caller's sink (which may only have ``write()``), with
    the SHA-256 and size of what goes through. Once abandoned it writes nothing more."""

    closed = False

    def __init__(self, sink: BinaryIO) -> None:
        self._sink = sink
        self._hash = hashlib.sha256()
        self.size = 0
        self.abandoned = False

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    def write(self, data: Any) -> int:
        chunk = bytes(data)  # the sink may keep it: pyarrow reuses its buffer
        size = len(chunk)
        if self.abandoned:
            return size
        self._hash.update(chunk)
        self.size += size
        done = self._sink.write(chunk)
        while isinstance(done, int) and done < len(chunk):  # a raw file's short write
            if done <= 0:
                raise OSError("The sink accepted no bytes.")
            chunk = chunk[done:]
            done = self._sink.write(chunk)
        return size

    def tell(self) -> int:
        return self.size

    def flush(self) -> None:
        flush: Callable[[], object] | None = getattr(self._sink, "flush", None)
        if flush is not None and not self.abandoned:
            flush()

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return False

    def seekable(self) -> bool:
        return False

    def close(self) -> None:
        self.flush()
