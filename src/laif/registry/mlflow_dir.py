"""Canonical MLflow model directories for the model registry (pure: stdlib and PyYAML, no Django).

An upload (an MLflow model directory packed as zip, tar or compressed tar, or any single file) is
read as hostile input and rewritten as one deterministic, uncompressed zip: an ``MLmodel`` YAML
file at the root, with the platform's lineage under ``metadata.laif``, then the model's files in
path order. The zip is streamed to a write-only sink; when :func:`pack` raises
:class:`ArchiveError` the sink may already hold partial bytes, which the caller discards.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import lzma
import math
import re
import struct
import tarfile
import tempfile
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import IO, Any, BinaryIO, Literal, Protocol

import yaml

MLMODEL = "MLmodel"
_CHUNK = 1 << 20
_EPOCH = (1980, 1, 1, 0, 0, 0)
_ARCHIVE_SUFFIXES = (".zip", ".tar", ".tgz", ".tar.gz", ".tbz2", ".tar.bz2", ".txz", ".tar.xz")
# by magic number: "r:*" would also try LZMA's FORMAT_AUTO, slow to give up on some files
_TarMode = Literal["r:", "r:gz", "r:bz2", "r:xz"]
_COMPRESSED: tuple[tuple[bytes, _TarMode], ...] = (
    (b"\x1f\x8b", "r:gz"), (b"BZh", "r:bz2"), (b"\xfd7zXZ\x00", "r:xz"))
_TAR_FILES = (tarfile.REGTYPE, tarfile.AREGTYPE, tarfile.CONTTYPE)
_TAR_EXTENDED = (tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK, tarfile.XHDTYPE,
                 tarfile.XGLTYPE, tarfile.SOLARIS_XHDTYPE)
_MAX_TAR_EXTENDED = 64 * 1024  # a pax or GNU long-name header, which tarfile reads into memory
_MAX_NODES, _MAX_DEPTH = 100_000, 64  # an MLmodel's loaded values (alias bombs, nesting)
_DRIVE = re.compile(r"[A-Za-z]:")
# what zipfile, tarfile and the decompressors raise on a malformed archive (ValueError: a
# negative seek; OSError: gzip, bz2, a seek on a file)
_CORRUPT = (zipfile.BadZipFile, tarfile.TarError, zlib.error, lzma.LZMAError, EOFError,
            NotImplementedError, RecursionError, struct.error, ValueError, OSError)


@dataclass(frozen=True)
class Limits:
    """Bounds on one upload; ``max_bytes`` counts the bytes actually decompressed."""

    max_bytes: int
    max_members: int = 10_000
    max_name: int = 255
    max_mlmodel_bytes: int = 1_048_576


class ArchiveError(Exception):
    """A refused upload: a stable ``code`` and a short English ``message`` naming the member."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = "".join(c for c in message if c.isprintable())[:100]
        super().__init__(self.message)


@dataclass(frozen=True)
class Packed:
    """What :func:`pack` wrote: the zip's hash and size, its files and its MLmodel."""

    sha256: str
    size: int
    files: tuple[tuple[str, int], ...]
    mlmodel: dict[str, Any]
    flavors: tuple[str, ...]
    imported: bool


class _Readable(Protocol):
    def read(self, n: int, /) -> bytes: ...


_Opener = Callable[[], AbstractContextManager[_Readable]]
_Entry = tuple[str, bool, _Opener]  # path, is a directory, opener


def _show(name: str) -> str:
    """A member name fit for a message: escaped, quoted, at most 60 characters."""
    text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in name)
    return f"'{text[:60]}…'" if len(text) > 60 else f"'{text}'"


class _Sink:
    """The sink as zipfile sees it: hashed, counted, ``tell`` but no ``seek``, so that zipfile
    streams (a data descriptor after each member) and the bytes never depend on the sink."""

    def __init__(self, sink: BinaryIO) -> None:
        self._sink, self.size, self.hash = sink, 0, hashlib.sha256()

    def write(self, data: bytes) -> int:
        self._sink.write(data)
        self.hash.update(data)
        self.size += len(data)
        return len(data)

    def tell(self) -> int:
        return self.size

    def flush(self) -> None:
        self._sink.flush()

    def close(self) -> None:
        """The caller closes its own sink."""


class _Budget:
    """Decompressed bytes, counted as they are read and refused as soon as they pass ``limit``."""

    def __init__(self, limit: int) -> None:
        self.limit, self.used = limit, 0

    def chunks(self, opener: _Opener, name: str) -> Iterator[bytes]:
        """The member opened and read 1 MiB at a time; a read error is ``bad_archive``."""
        try:
            with opener() as f:
                while chunk := f.read(_CHUNK):
                    self.used += len(chunk)
                    if self.used > self.limit:
                        raise ArchiveError("too_big", f"over {self.limit} bytes uncompressed at "
                                           f"{_show(name)}")
                    yield chunk  # the caller's own errors (the sink's) never come back here
        except _CORRUPT as exc:
            raise ArchiveError("bad_archive", f"cannot read {_show(name)}: {exc}") from exc


@contextlib.contextmanager
def _guard() -> Iterator[None]:
    """What a malformed archive makes zipfile or tarfile raise, as ``bad_archive``."""
    try:
        yield
    except _CORRUPT as exc:
        raise ArchiveError("bad_archive", f"unreadable archive: {exc}") from exc


def _clean(raw: str, is_dir: bool, limits: Limits) -> str | None:
    """A member's path once checked; None for the archive's root directory (``.``)."""
    name = raw[:-1] if is_dir and raw.endswith("/") else raw
    if name.startswith("./"):  # ``tar -C model -czf model.tgz .``
        name = name[2:]
    if is_dir and name in ("", "."):
        return None
    why = next((why for bad, why in (
        (not name, "empty name"),
        (len(name) > limits.max_name, f"name over {limits.max_name} characters"),
        (name.startswith("/") or _DRIVE.match(name), "absolute path"),
        ("\\" in name, "backslash in"),
        (not name.isprintable(), "control character in"),
        (any(part in ("", ".", "..") for part in name.split("/")), "'.', '..' or '' in"),
    ) if bad), None)
    if why:
        raise ArchiveError("unsafe_path", f"{why} {_show(raw)}")
    return name


def _zip_entries(zf: zipfile.ZipFile, limits: Limits) -> list[_Entry]:
    infos = zf.infolist()
    if len(infos) > limits.max_members:
        raise ArchiveError("too_many", f"over {limits.max_members} members")
    entries: list[_Entry] = []
    for info in infos:
        raw = info.orig_filename  # unlike filename, not cut at a NUL
        is_dir = raw.endswith("/")
        if info.flag_bits & 0x1:
            raise ArchiveError("encrypted", f"encrypted member {_show(raw)}")
        if (info.external_attr >> 16) & 0o170000 == 0o120000:
            raise ArchiveError("symlink", f"symbolic link {_show(raw)}")
        # zipfile inflates bzip2 and LZMA without an output bound: bombs in memory
        if not is_dir and info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ArchiveError("unsupported", f"compression {info.compress_type} of {_show(raw)}")
        path = _clean(raw, is_dir, limits)
        if path is not None:
            entries.append((path, is_dir, functools.partial(zf.open, info)))
    return entries


class _TarInfo(tarfile.TarInfo):
    """Refuses sparse files and outsized extended headers before tarfile reads them."""

    def _proc_member(self, tf: tarfile.TarFile) -> tarfile.TarInfo:
        if self.type == tarfile.GNUTYPE_SPARSE:
            raise ArchiveError("special", f"sparse file {_show(self.name)}")
        if self.type in _TAR_EXTENDED and self.size > _MAX_TAR_EXTENDED:
            raise ArchiveError("bad_archive", f"tar header of {self.size} bytes")
        member: tarfile.TarInfo = super()._proc_member(tf)  # type: ignore[misc]
        return member


def _open_tar(src: BinaryIO, stack: contextlib.ExitStack, limits: Limits) -> tarfile.TarFile | None:
    """``src`` opened as a tar for reading in any order; None when it is no tar.

    A compressed tar is first inflated, within bounds, into a temporary file: seeking back in
    a compressed stream decompresses it again from the start."""
    src.seek(0)
    head = src.read(6)
    mode: _TarMode = next((mode for magic, mode in _COMPRESSED if head.startswith(magic)), "r:")
    src.seek(0)
    try:
        tf = stack.enter_context(tarfile.open(fileobj=src, mode=mode, tarinfo=_TarInfo))  # noqa: SIM115
    except _CORRUPT:
        return None
    if tf.fileobj is src:
        return tf
    tf.fileobj.seek(0)
    tmp = stack.enter_context(tempfile.TemporaryFile())  # noqa: SIM115
    cap = limits.max_bytes + (limits.max_members + 1) * 4096 + _CHUNK  # the files, headers, padding
    inflated = tf.fileobj
    for chunk in _Budget(cap).chunks(lambda: contextlib.nullcontext(inflated), "the tar"):
        tmp.write(chunk)
    tmp.seek(0)
    return stack.enter_context(tarfile.open(fileobj=tmp, mode="r:", tarinfo=_TarInfo))


def _extract(tf: tarfile.TarFile, member: tarfile.TarInfo) -> IO[bytes]:
    f = tf.extractfile(member)
    if f is None:
        raise ArchiveError("special", f"unreadable member {_show(member.name)}")
    return f


def _tar_entries(tf: tarfile.TarFile, limits: Limits) -> list[_Entry]:
    entries: list[_Entry] = []
    for count, m in enumerate(iter(tf.next, None), 1):
        if count > limits.max_members:
            raise ArchiveError("too_many", f"over {limits.max_members} members")
        if m.issym() or m.islnk():
            raise ArchiveError("symlink", f"link {_show(m.name)}")
        if not m.isdir() and (m.type not in _TAR_FILES or m.sparse is not None):
            raise ArchiveError("special", f"special file {_show(m.name)}")
        path = _clean(m.name, m.isdir(), limits)
        if path is not None:
            entries.append((path, m.isdir(), functools.partial(_extract, tf, m)))
    return entries


def _fold(path: str) -> str:
    """The key under which two paths collide on a case-insensitive file system."""
    return unicodedata.normalize("NFC", path).casefold()


def _layout(entries: list[_Entry]) -> dict[str, _Opener] | None:
    """The files by path in the model directory; None when no MLmodel roots one."""
    files: dict[str, _Opener] = {}
    dirs: set[str] = set()  # explicit and implied
    folded: set[str] = set()
    for path, is_dir, opener in entries:
        if path.split("/", 1)[0] == "__MACOSX":  # resource forks of the macOS archiver
            continue
        if is_dir:
            dirs.add(path)
            continue
        if _fold(path) in folded:  # also a clash on a case-insensitive file system
            raise ArchiveError("duplicate", f"duplicate member {_show(path)}")
        folded.add(_fold(path))
        files[path] = opener
        parts = path.split("/")
        dirs.update("/".join(parts[:i]) for i in range(1, len(parts)))
    folded_dirs = {_fold(d) for d in dirs}
    for path in sorted(files):
        if _fold(path) in folded_dirs:
            raise ArchiveError("duplicate", f"both a file and a directory: {_show(path)}")
    if not files:
        raise ArchiveError("empty", "the archive holds no file")
    tops = {p.split("/", 1)[0] for p in (*files, *dirs)}
    for prefix in ("", *(f"{top}/" for top in tops if len(tops) == 1)):
        if prefix + MLMODEL in dirs:
            raise ArchiveError("bad_mlmodel", "MLmodel is a directory, not a file")
        if prefix + MLMODEL in files:
            return {p[len(prefix):]: opener for p, opener in files.items()}
    return None


def _archive(src: BinaryIO, filename: str, stack: contextlib.ExitStack,
             limits: Limits) -> dict[str, _Opener] | None:
    """The model directory's files when ``src`` is an archive; None for a single file."""
    # a PyTorch .pt, a .keras or an .npz file is a zip, a file starting with 512 zero bytes an
    # empty tar: stored whole unless named an archive
    named_archive = filename.lower().endswith(_ARCHIVE_SUFFIXES)
    with _guard():
        src.seek(0)
        if zipfile.is_zipfile(src):
            # the central directory ZipFile would parse whole before members can be counted
            end = zipfile._EndRecData(src)  # type: ignore[attr-defined]
            if end and end[5] > limits.max_members * (46 + 4 * limits.max_name + 512):
                raise ArchiveError("too_many", f"central directory of {end[5]} bytes")
            entries = _zip_entries(stack.enter_context(zipfile.ZipFile(src)), limits)
        else:
            tf = _open_tar(src, stack, limits)
            if tf is None:
                return None
            entries = _tar_entries(tf, limits)
        if not entries and not named_archive:
            return None
        files = _layout(entries)
    if files is None and named_archive:
        raise ArchiveError("no_mlmodel", "not an MLflow model directory: no MLmodel file at its root")
    return files


def _safe_name(filename: str) -> str:
    """The upload's base name, fit to store: printable, no separator, at most 100 characters."""
    name = "".join(c for c in re.split(r"[/\\]", filename)[-1] if c.isprintable()).strip()
    if len(name) > 100:
        stem, dot, ext = name.rpartition(".")
        name = stem[: 99 - len(ext)] + dot + ext if dot and 0 < len(ext) <= 20 else name[:100]
    return "model.bin" if name in ("", ".", "..") else name


def _check_plain(data: object) -> None:
    """Refuses what JSON cannot hold (dates, sets, binary, NaN, keys not strings), alias bombs."""
    stack: list[tuple[object, int]] = [(data, 0)]
    nodes = 0
    while stack:
        value, depth = stack.pop()
        nodes += 1
        if nodes > _MAX_NODES or depth > _MAX_DEPTH:
            raise ArchiveError("bad_mlmodel", "MLmodel is too large or too deeply nested")
        if isinstance(value, dict):
            if not all(isinstance(key, str) for key in value):
                raise ArchiveError("bad_mlmodel", "MLmodel has a key that is not a string")
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
        elif isinstance(value, float) and not math.isfinite(value):
            raise ArchiveError("bad_mlmodel", "MLmodel holds a number that is not finite")
        elif value is not None and not isinstance(value, str | int | float):
            raise ArchiveError("bad_mlmodel", f"MLmodel holds a {type(value).__name__} value")


def read_mlmodel(text: bytes, *, limits: Limits | None = None) -> dict[str, Any]:
    """An MLmodel file loaded safely: a mapping with a ``flavors`` mapping, plain JSON data."""
    if limits is not None and len(text) > limits.max_mlmodel_bytes:
        raise ArchiveError("bad_mlmodel", f"MLmodel over {limits.max_mlmodel_bytes} bytes")
    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError, OverflowError, RecursionError) as exc:
        raise ArchiveError("bad_mlmodel", f"MLmodel: {' '.join(str(exc).split())}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("flavors"), dict):
        raise ArchiveError("bad_mlmodel", "MLmodel is not a mapping with a 'flavors' mapping")
    _check_plain(data)
    return data


def mlmodel_of(zip_src: BinaryIO) -> dict[str, Any]:
    """The MLmodel of a canonical zip written by :func:`pack`."""
    with _guard(), zipfile.ZipFile(zip_src) as zf:
        try:
            text = zf.read(MLMODEL)
        except KeyError:
            raise ArchiveError("no_mlmodel", "the stored model has no MLmodel file") from None
    return read_mlmodel(text)


def _info(path: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(path, date_time=_EPOCH)
    info.create_system = 3  # Unix wherever this runs: the bytes must not depend on the host
    info.external_attr = 0o644 << 16
    return info


def _write(mlmodel: dict[str, Any], files: dict[str, _Opener], sink: BinaryIO, budget: _Budget,
           imported: bool) -> Packed:
    mlmodel = json.loads(json.dumps(mlmodel))  # a copy, without shared values (YAML aliases)
    text = yaml.safe_dump(mlmodel, sort_keys=True, allow_unicode=True, default_flow_style=False)
    data = text.encode()
    out = _Sink(sink)
    sizes = [(MLMODEL, len(data))]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        zf.writestr(_info(MLMODEL), data)
        for path in sorted(files):
            size = 0
            with zf.open(_info(path), "w", force_zip64=True) as w:
                for chunk in budget.chunks(files[path], path):
                    w.write(chunk)
                    size += len(chunk)
            sizes.append((path, size))
    return Packed(sha256=out.hash.hexdigest(), size=out.size, files=tuple(sorted(sizes)),
                  mlmodel=mlmodel, flavors=tuple(sorted(mlmodel["flavors"])), imported=imported)


def pack(src: BinaryIO, *, filename: str, sink: BinaryIO, laif: dict[str, Any], model_uuid: str,
         created: str, limits: Limits) -> Packed:
    """Checks the upload ``src`` (seekable) and writes it to ``sink`` as a canonical zip.

    An archive must hold an MLflow model directory (its MLmodel at the root or under one top
    directory, which is stripped); any other upload is stored as ``model/<name>`` under a
    generated MLmodel. ``laif`` (JSON data) replaces ``metadata.laif``. Raises
    :class:`ArchiveError` on a refused upload, after which the sink's bytes are to be discarded.
    """
    budget = _Budget(limits.max_bytes)
    with contextlib.ExitStack() as stack:
        files = _archive(src, filename, stack, limits)
        if files is None:
            if src.seek(0, io.SEEK_END) == 0:
                raise ArchiveError("empty", "the upload is empty")
            src.seek(0)
            mlmodel: dict[str, Any] = {
                "artifact_path": "model", "flavors": {}, "model_uuid": model_uuid,
                "utc_time_created": created, "metadata": {"laif": laif}}
            single: dict[str, _Opener] = {
                f"model/{_safe_name(filename)}": lambda: contextlib.nullcontext(src)}
            return _write(mlmodel, single, sink, budget, False)
        text = b""
        for chunk in budget.chunks(files.pop(MLMODEL), MLMODEL):
            text += chunk
            if len(text) > limits.max_mlmodel_bytes:
                break  # refused by read_mlmodel
        mlmodel = read_mlmodel(text, limits=limits)
        meta = mlmodel.get("metadata") or {}
        if not isinstance(meta, dict):
            raise ArchiveError("bad_mlmodel", "MLmodel metadata is not a mapping")
        mlmodel["metadata"] = {**meta, "laif": laif}
        for key, value in (("model_uuid", model_uuid), ("utc_time_created", created)):
            if mlmodel.get(key) is None:
                mlmodel[key] = value
        return _write(mlmodel, files, sink, budget, True)
