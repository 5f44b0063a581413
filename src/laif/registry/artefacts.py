"""Where model artefacts lie: ``LAIF_REGISTRY_DIR/p<project id>/<name>``, encrypted under the
project's data key (``sandbox.keys``, as the sandbox's data), each bound to its project and name,
written whole or not at all (``sandbox.storage.whole``); names chosen by the platform."""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings

from laif.registry import mlflow_dir
from laif.sandbox import keys, storage
from laif.sandbox.envelope import DecryptingReader, EncryptingWriter

SUFFIX = ".lenc"


def _project_dir(project_id: int) -> Path:
    path = Path(settings.LAIF_REGISTRY_DIR) / f"p{int(project_id)}"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _path(project_id: int, name: str) -> Path:
    if "/" in name or name.startswith(".") or not name.endswith(SUFFIX):
        raise ValueError("not a registry file name")
    return _project_dir(project_id) / name


def _aad(project_id: int, name: str) -> bytes:
    return f"laif-registry:{project_id}:{name}".encode()


def limits() -> mlflow_dir.Limits:
    return mlflow_dir.Limits(max_bytes=settings.LAIF_MODEL_MAX_UPLOAD_MB * 1024 * 1024)


def store(*, project_id: int, src: BinaryIO, filename: str, laif: dict[str, Any],
          model_uuid: str, created: str) -> tuple[str, int, mlflow_dir.Packed]:
    """The upload packed as an MLflow model directory (``mlflow_dir.pack``) into a new encrypted
    file: its name, the data key's version and what was packed. Nothing stays of a refused one."""
    key_version, key = keys.data_key(project_id)
    name = f"model-{secrets.token_hex(12)}{SUFFIX}"
    with storage.whole(_path(project_id, name), mode=0o600) as out, \
            EncryptingWriter(out, key, key_id=f"p{project_id}.v{key_version}",
                             aad=_aad(project_id, name)) as sink:
        packed = mlflow_dir.pack(src, filename=filename, sink=sink, laif=laif,
                                 model_uuid=model_uuid, created=created, limits=limits())
    return name, key_version, packed


def open_plain(*, project_id: int, name: str, key_version: int) -> DecryptingReader:
    """The artefact's zip, decrypted as it is read; the reader closes the file."""
    _, key = keys.data_key(project_id, version=key_version)
    return DecryptingReader(_path(project_id, name).open("rb"), key,
                            aad=_aad(project_id, name), close_src=True)


def remove(*, project_id: int, name: str) -> None:
    _path(project_id, name).unlink(missing_ok=True)


def sweep(referenced: set[tuple[int, str]], *, older_than_s: float) -> list[Path]:
    """Remove the files no version refers to (an upload that died before its row was written),
    once older than ``older_than_s``."""
    root = Path(settings.LAIF_REGISTRY_DIR)
    if not root.is_dir():
        return []
    limit, removed = time.time() - older_than_s, []
    for folder in root.glob("p*"):
        if not folder.is_dir() or not folder.name[1:].isdigit():
            continue
        for path in folder.iterdir():
            if (path.is_file() and not path.is_symlink()
                    and (int(folder.name[1:]), path.name) not in referenced
                    and path.stat().st_mtime < limit):
                path.unlink(missing_ok=True)
                removed.append(path)
    return removed
