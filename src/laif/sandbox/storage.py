"""Where the sandbox's encrypted files lie: ``LAIF_SANDBOX_DIR/p<project id>/<name>``, names
chosen by the platform (a user's file name is never a path). A file is written under a temporary
name, flushed to disk and renamed into place only when whole, so a killed upload leaves at most a
temporary file, which ``sweep`` removes, and never a partial dataset; the database row that makes
a file a dataset version is written after the rename (a file without a row is swept too)."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from django.conf import settings

TMP_PREFIX = ".tmp-"
SUFFIX = ".lenc"


def project_dir(project_id: int) -> Path:
    path = Path(settings.LAIF_SANDBOX_DIR) / f"p{int(project_id)}"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def new_name(kind: str) -> str:
    return f"{kind}-{secrets.token_hex(12)}{SUFFIX}"


def path_of(project_id: int, name: str) -> Path:
    if "/" in name or name.startswith(".") or not name.endswith(SUFFIX):
        raise ValueError("not a sandbox file name")
    return project_dir(project_id) / name


@contextmanager
def whole(final: Path, *, mode: int) -> Iterator[BinaryIO]:
    """``final`` written under a temporary name beside it (created with ``mode``, never through a
    link) and renamed into place when the block ends without an error, after fsync of the file
    and its folder; the temporary file is removed otherwise."""
    tmp = final.with_name(TMP_PREFIX + final.name)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, final)
        dir_fd = os.open(final.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def writing(project_id: int, name: str) -> Iterator[BinaryIO]:
    """The project's encrypted file ``name``, written whole (``whole``), readable by the
    platform only."""
    with whole(path_of(project_id, name), mode=0o600) as out:
        yield out


def remove(project_id: int, name: str) -> None:
    path_of(project_id, name).unlink(missing_ok=True)


def sweep(referenced: set[tuple[int, str]], *, older_than_s: float) -> list[Path]:
    """Remove what no row refers to: temporary files of uploads that died and files whose row
    was never written, once older than ``older_than_s`` (an upload in progress is younger)."""
    root = Path(settings.LAIF_SANDBOX_DIR)
    if not root.is_dir():
        return []
    removed = []
    limit = time.time() - older_than_s
    for folder in root.glob("p*"):
        if not folder.is_dir() or not folder.name[1:].isdigit():
            continue
        project_id = int(folder.name[1:])
        for path in folder.iterdir():
            if not path.is_file() or path.is_symlink():
                continue
            name = path.name
            orphan = name.startswith(TMP_PREFIX) or (project_id, name) not in referenced
            if orphan and path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
                removed.append(path)
    return removed
