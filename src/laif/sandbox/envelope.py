"""Encryption at rest of the sandbox's datasets: a chunked, seekable AES-256-GCM file format
(pure: no Django).

Each dataset file is encrypted under the DATA KEY of its project (32 random bytes, see
``new_data_key``); data keys are wrapped by a master key (``laif.sandbox.master_keys``) and
stored wrapped beside the files, so the data key never sits on disk in clear. A file is cut into
chunks of a fixed plaintext size, each sealed on its own, so that a file of many GB is never whole
in memory and can be read with random access (``DecryptingReader`` is seekable: pyarrow and polars
read Parquet through it, which jumps to the footer first).

Byte layout (all integers big-endian)::

    offset  size  field
    0       8     magic b"LAIFENC1"
    8       1     format version (1)
    9       1     flags (0; reserved, anything else is refused)
    10      2     header length H, in bytes, magic included (= 33 + k in version 1)
    12      4     chunk size C: plaintext bytes per chunk (16 .. 64 MiB; default 1 MiB)
    16      16    file id: random, fresh for each file
    32      1     k: length of the key id
    33      k     key id (UTF-8): which data-key version sealed the file (a hint, see below)
    H       ...   chunks: chunk i (0-based) starts at H + i * (C + 16) and is its ciphertext
                  (as long as its plaintext) followed by the 16-byte GCM tag

Every chunk but the last holds exactly C plaintext bytes; the last one (the "final" chunk) holds
0 .. C-1 bytes, so a file whose size is a multiple of C ends with an empty final chunk, an empty
file is the header and one empty final chunk (16 bytes of tag), and the plaintext size follows
from the file length alone: with B = file length - H, ``n, r = divmod(B, C + 16)``, a well formed
file has r >= 16, n full chunks and a final chunk of r - 16 bytes.

Keys and nonces: each file is sealed under its own key, ``HKDF-SHA256(data key, salt=file id,
info="laif-envelope-v1/chunk-key")``, 36 bytes of which the first 32 are the AES-256 key and the
last 4 the nonce prefix; chunk i is sealed with the 96-bit nonce ``prefix || uint64(i)``. Nonces
are unique within a file by construction, and files never share a key unless two of them draw the
same 128-bit file id, so the random-nonce limits of GCM do not bound how many files a data key
may seal. The additional data of chunk i is ``header bytes || uint64(i) || final flag (1 byte,
1 on the last chunk, 0 otherwise) || caller's aad``; the caller's aad (e.g. the dataset's id) is
not stored in the file and must be given again to read it.

Threat model: someone who can read and write the stored files (the storage, its backups, a
stolen disk) but holds neither the data key nor the master key. Detected, always as an
``EnvelopeError`` before any byte of the damaged chunk is returned:

* any change to the header (the key id included), a ciphertext byte or a tag;
* truncation anywhere, including the loss of whole trailing chunks (the chunk that ends the file
  must be sealed as final at its index; ``DecryptingReader`` checks it when it opens the file, so
  the size it reports is authenticated), and bytes appended after the final chunk;
* chunks reordered, duplicated, or moved from another file (even one under the same data key: the
  file id changes the key);
* a whole file moved to another dataset, when the caller binds its identity through ``aad``;
* a wrong data key.

Not detected, or not protected:

* rollback: an older file of the same dataset, sealed under the same data key with the same aad,
  put back in place of the current one. The caller should record ``header.file_id`` and
  ``plaintext_sha256`` of the current file with the dataset and compare them;
* sizes: the plaintext size (to the byte) and the chunk size are visible, and so are the key id and
  the file id, which are not secret;
* a reader that stops at the first error has already handed out the authentic chunks before it:
  an ``EnvelopeError`` means the whole read failed, not that the bytes read so far are the file;
* the data key in the memory of the process that uses it, and anyone who holds it (or the master
  key and the wrapped data key);
* a file that ``EncryptingWriter`` did not close (abandoned, or left by an exception inside its
  ``with`` block) has no final chunk and is refused as truncated: that is by design.
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
from collections import OrderedDict
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, BinaryIO, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer, WriteableBuffer

MAGIC: Final = b"LAIFENC1"
FORMAT_VERSION: Final = 1
DEFAULT_CHUNK_SIZE: Final = 1024 * 1024
MIN_CHUNK_SIZE: Final = 16
MAX_CHUNK_SIZE: Final = 64 * 1024 * 1024
DATA_KEY_SIZE: Final = 32
TAG_SIZE: Final = 16
FILE_ID_SIZE: Final = 16
MAX_KEY_ID_BYTES: Final = 255

# magic, version, flags, header length, chunk size, file id, key id length
_FIXED = struct.Struct(">8sBBHI16sB")
_CHUNK_KEY_INFO: Final = b"laif-envelope-v1/chunk-key"
_DERIVE_INFO: Final = b"laif-derive-key-v1"
_CACHED_CHUNKS: Final = 4


class EnvelopeError(Exception):
    """The file is not a well formed, authentic LAIF encrypted file for this key and aad, or the
    envelope was used wrongly. Messages never contain key material or plaintext."""


@dataclass(frozen=True)
class Header:
    """The parsed header of an encrypted file. Reading it authenticates nothing: ``key_id`` only
    says which data key to try; a tampered header is detected when the first chunk is opened."""

    version: int
    chunk_size: int
    file_id: bytes
    key_id: str
    raw: bytes  # the header's exact bytes, bound into every chunk's additional data

    @property
    def length(self) -> int:
        return len(self.raw)


def new_data_key() -> bytes:
    """A fresh random AES-256 data key."""
    return os.urandom(DATA_KEY_SIZE)


def derive_key(parent: bytes, *, purpose: str, version: int, length: int = 32) -> bytes:
    """A key for one purpose and version derived from ``parent`` with HKDF-SHA256; the info binds
    both (length-prefixed, so no two (purpose, version) pairs share an info string)."""
    if not isinstance(parent, bytes) or len(parent) < 16:
        raise EnvelopeError("derive_key needs a parent key of at least 16 bytes")
    if not purpose:
        raise EnvelopeError("derive_key needs a non-empty purpose")
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version < 2**32:
        raise EnvelopeError("derive_key needs a version between 1 and 2**32 - 1")
    if not 16 <= length <= 64:
        raise EnvelopeError("derive_key derives keys of 16 to 64 bytes")
    label = purpose.encode("utf-8")
    info = _DERIVE_INFO + struct.pack(">H", len(label)) + label + struct.pack(">I", version)
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(parent)


def _check_data_key(data_key: bytes) -> None:
    if not isinstance(data_key, bytes) or len(data_key) != DATA_KEY_SIZE:
        raise EnvelopeError(f"the data key must be {DATA_KEY_SIZE} bytes (AES-256)")


def _check_chunk_size(chunk_size: int) -> None:
    if not MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE:
        raise EnvelopeError(
            f"chunk size {chunk_size} is outside {MIN_CHUNK_SIZE} .. {MAX_CHUNK_SIZE} bytes")


def _read_exactly(src: BinaryIO, size: int) -> bytes:
    """``size`` bytes from ``src`` (a raw file may return fewer per read), or fewer at its end."""
    parts: list[bytes] = []
    left = size
    while left > 0:
        part = src.read(left)
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def _pack_header(*, chunk_size: int, file_id: bytes, key_id: str) -> bytes:
    key_id_bytes = key_id.encode("utf-8")
    if not 1 <= len(key_id_bytes) <= MAX_KEY_ID_BYTES:
        raise EnvelopeError(f"the key id must be 1 to {MAX_KEY_ID_BYTES} bytes of UTF-8")
    length = _FIXED.size + len(key_id_bytes)
    fixed = _FIXED.pack(MAGIC, FORMAT_VERSION, 0, length, chunk_size, file_id, len(key_id_bytes))
    return fixed + key_id_bytes


def read_header(src: BinaryIO) -> Header:
    """Parse the header at ``src``'s current position and leave ``src`` just after it."""
    fixed = _read_exactly(src, _FIXED.size)
    if len(fixed) < len(MAGIC) or fixed[: len(MAGIC)] != MAGIC:
        raise EnvelopeError("not a LAIF encrypted file (bad magic)")
    if len(fixed) < _FIXED.size:
        raise EnvelopeError("truncated header")
    _magic, version, flags, length, chunk_size, file_id, key_id_len = _FIXED.unpack(fixed)
    if version != FORMAT_VERSION:
        raise EnvelopeError(f"unsupported format version {version}")
    if flags != 0:
        raise EnvelopeError("unsupported header flags")
    if key_id_len == 0 or length != _FIXED.size + key_id_len:
        raise EnvelopeError("malformed header (inconsistent lengths)")
    _check_chunk_size(chunk_size)
    key_id_bytes = _read_exactly(src, key_id_len)
    if len(key_id_bytes) < key_id_len:
        raise EnvelopeError("truncated header")
    try:
        key_id = key_id_bytes.decode("utf-8")
    except UnicodeDecodeError:
        raise EnvelopeError("malformed header (key id is not UTF-8)") from None
    return Header(version=version, chunk_size=chunk_size, file_id=file_id, key_id=key_id,
                  raw=fixed + key_id_bytes)


class _Sealer:
    """The per-file AEAD of one header: chunk keys, nonces and additional data."""

    def __init__(self, data_key: bytes, header: Header, aad: bytes) -> None:
        _check_data_key(data_key)
        material = HKDF(algorithm=hashes.SHA256(), length=DATA_KEY_SIZE + 4, salt=header.file_id,
                        info=_CHUNK_KEY_INFO).derive(data_key)
        self._aead = AESGCM(material[:DATA_KEY_SIZE])
        self._prefix = material[DATA_KEY_SIZE:]
        self._header = header.raw
        self._aad = bytes(aad)

    def _nonce_and_aad(self, index: int, final: bool) -> tuple[bytes, bytes]:
        counter = struct.pack(">Q", index)
        flag = b"\x01" if final else b"\x00"
        return self._prefix + counter, self._header + counter + flag + self._aad

    def seal(self, index: int, plaintext: bytes | bytearray | memoryview, *, final: bool) -> bytes:
        nonce, aad = self._nonce_and_aad(index, final)
        return self._aead.encrypt(nonce, plaintext, aad)

    def open(self, index: int, sealed: bytes, *, final: bool) -> bytes:
        nonce, aad = self._nonce_and_aad(index, final)
        try:
            return self._aead.decrypt(nonce, sealed, aad)
        except InvalidTag:
            where = "final chunk" if final else "chunk"
            raise EnvelopeError(
                f"authentication failed at {where} {index}: wrong key or aad, or the file was "
                "modified, truncated or reordered") from None


class EncryptingWriter(io.RawIOBase, BinaryIO):
    """A write-only stream that encrypts what is written to it into ``dst`` (a ``BinaryIO`` for
    the type checker, so that it can stand where a binary file is expected).

    The header goes out at once, each full chunk as soon as it is complete, the final chunk at
    ``close()``, which must be called for the file to be readable: leaving a ``with`` block by an
    exception, ``abort()``, or dropping the writer unclosed writes no final chunk, and the partial
    file is refused as truncated. ``dst`` is flushed but not closed (unless ``close_dst``).
    ``plaintext_sha256`` (hex) and ``plaintext_size`` are available after a successful close.
    """

    def __init__(self, dst: BinaryIO, data_key: bytes, *, key_id: str, aad: bytes = b"",
                 chunk_size: int = DEFAULT_CHUNK_SIZE, close_dst: bool = False) -> None:
        super().__init__()
        _check_chunk_size(chunk_size)
        raw = _pack_header(chunk_size=chunk_size, file_id=os.urandom(FILE_ID_SIZE), key_id=key_id)
        self._header = read_header(io.BytesIO(raw))
        self._sealer = _Sealer(data_key, self._header, aad)
        self._dst = dst
        self._close_dst = close_dst
        self._chunk_size = chunk_size
        self._buffer = bytearray()
        self._index = 0
        self._size = 0
        self._hash = hashlib.sha256()
        self._failed = False
        self._sealed = False
        self._emit(raw)

    # --- state -----------------------------------------------------------------------------

    @property
    def header(self) -> Header:
        return self._header

    @property
    def plaintext_size(self) -> int:
        self._check_sealed()
        return self._size

    @property
    def plaintext_sha256(self) -> str:
        self._check_sealed()
        return self._hash.hexdigest()

    def _check_sealed(self) -> None:
        if not self._sealed:
            raise EnvelopeError("available only after the writer was closed successfully")

    def _check_writable(self) -> None:
        if self.closed:
            raise ValueError("I/O operation on closed file")
        if self._failed:
            raise EnvelopeError("an earlier write failed; this file is unusable")

    # --- io --------------------------------------------------------------------------------

    @property
    def mode(self) -> str:
        return "wb"

    @property
    def name(self) -> str:
        raise AttributeError("an encrypting stream has no file name")

    def readable(self) -> bool:
        return False

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def tell(self) -> int:
        """Plaintext bytes written so far."""
        if self.closed:
            raise ValueError("I/O operation on closed file")
        return self._size

    def _emit(self, data: bytes) -> None:
        try:
            self._dst.write(data)
        except BaseException:
            self._failed = True
            raise

    def _seal(self, plaintext: bytes | bytearray | memoryview, *, final: bool) -> None:
        self._emit(self._sealer.seal(self._index, plaintext, final=final))
        self._index += 1

    def write(self, b: ReadableBuffer, /) -> int:
        self._check_writable()
        view = memoryview(b).cast("B")
        count = view.nbytes
        self._hash.update(view)
        self._size += count
        cs = self._chunk_size
        if self._buffer:
            take = min(cs - len(self._buffer), count)
            self._buffer += view[:take]
            view = view[take:]
            if len(self._buffer) < cs:
                return count
            self._seal(self._buffer, final=False)
            self._buffer.clear()
        while len(view) >= cs:
            self._seal(view[:cs], final=False)
            view = view[cs:]
        self._buffer += view
        return count

    def flush(self) -> None:
        if not self.closed and not self._failed:
            self._dst.flush()

    def close(self) -> None:
        """Seal the final chunk, flush ``dst`` and close."""
        if self.closed:
            return
        try:
            if not self._failed:
                self._seal(self._buffer, final=True)
                self._dst.flush()
                self._sealed = True
        except BaseException:
            self._failed = True
            raise
        finally:
            self._finish()

    def abort(self) -> None:
        """Close without sealing the final chunk: what was written stays unreadable."""
        if self.closed:
            return
        self._failed = True
        self._finish()

    def _finish(self) -> None:
        self._buffer.clear()
        try:
            if self._close_dst:
                self._dst.close()
        finally:
            super().close()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def __del__(self) -> None:
        # io.IOBase would close() (and so seal) an abandoned writer; an abandoned file must stay
        # unreadable instead.
        try:
            if not self.closed:
                self._failed = True
                io.RawIOBase.close(self)
        except Exception:  # noqa: S110 -- nothing can be reported from a finalizer
            pass


class DecryptingReader(io.RawIOBase, BinaryIO):
    """A read-only, seekable stream of the plaintext of the encrypted file ``src`` (a
    ``BinaryIO`` for the type checker).

    ``src`` must be seekable; the file starts at its position when the reader is made. Opening
    checks the header and authenticates the final chunk (so ``size`` is authentic and a truncated
    file is refused at once); reads decrypt only the chunks they touch (a few are cached) and
    never return a byte of a chunk that failed authentication. ``src`` is not closed unless
    ``close_src``.
    """

    def __init__(self, src: BinaryIO, data_key: bytes, *, aad: bytes = b"",
                 close_src: bool = False) -> None:
        super().__init__()
        self._src = src
        self._close_src = close_src
        self._cache: OrderedDict[int, bytes] = OrderedDict()
        self._pos = 0
        try:
            _check_data_key(data_key)
            self._base = src.tell()
            self._header = read_header(src)
            self._sealer = _Sealer(data_key, self._header, aad)
            self._chunk_size = self._header.chunk_size
            self._stride = self._chunk_size + TAG_SIZE
            end = src.seek(0, io.SEEK_END)
            body = end - self._base - self._header.length
            full, rest = divmod(body, self._stride) if body >= 0 else (0, -1)
            if rest < TAG_SIZE:
                raise EnvelopeError("truncated file: it does not end with a final chunk")
            self._final_index = full
            self._size = full * self._chunk_size + (rest - TAG_SIZE)
            self._chunk(self._final_index)  # authenticates the size, refuses a truncated file
        except BaseException:
            self.close()
            raise

    @property
    def header(self) -> Header:
        return self._header

    @property
    def size(self) -> int:
        """The plaintext size in bytes."""
        return self._size

    def _check_open(self) -> None:
        if self.closed:
            raise ValueError("I/O operation on closed file")

    def _chunk(self, index: int) -> bytes:
        cached = self._cache.get(index)
        if cached is not None:
            self._cache.move_to_end(index)
            return cached
        final = index == self._final_index
        length = (self._size - index * self._chunk_size if final else self._chunk_size) + TAG_SIZE
        self._src.seek(self._base + self._header.length + index * self._stride)
        sealed = _read_exactly(self._src, length)
        if len(sealed) != length:
            raise EnvelopeError(f"truncated file: chunk {index} is short")
        plaintext = self._sealer.open(index, sealed, final=final)
        self._cache[index] = plaintext
        if len(self._cache) > _CACHED_CHUNKS:
            self._cache.popitem(last=False)
        return plaintext

    # --- io --------------------------------------------------------------------------------

    @property
    def mode(self) -> str:
        return "rb"

    @property
    def name(self) -> str:
        # like io.BytesIO: no name, lest a library open the (encrypted) file by its path
        raise AttributeError("a decrypting stream has no file name")

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return False

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        self._check_open()
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET, /) -> int:
        self._check_open()
        if whence == io.SEEK_SET:
            position = offset
        elif whence == io.SEEK_CUR:
            position = self._pos + offset
        elif whence == io.SEEK_END:
            position = self._size + offset
        else:
            raise ValueError(f"invalid whence ({whence})")
        if position < 0:
            raise ValueError(f"negative seek position {position}")
        self._pos = position
        return position

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        self._check_open()
        view = memoryview(buffer).cast("B")
        done = 0
        while done < len(view) and self._pos < self._size:
            index, offset = divmod(self._pos, self._chunk_size)
            chunk = self._chunk(index)
            take = min(len(chunk) - offset, len(view) - done)
            view[done:done + take] = chunk[offset:offset + take]
            done += take
            self._pos += take
        return done

    def read(self, size: int | None = -1, /) -> bytes:
        self._check_open()
        if size is None or size < 0:
            size = max(self._size - self._pos, 0)
        out = bytearray(min(size, max(self._size - self._pos, 0)))
        count = self.readinto(out)
        return bytes(out[:count])

    def readall(self) -> bytes:
        return self.read(-1)

    def close(self) -> None:
        if self.closed:
            return
        self._cache.clear()
        try:
            if self._close_src:
                self._src.close()
        finally:
            super().close()
