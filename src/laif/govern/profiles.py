"""Where drift reference profiles live: one file per profile under ``LAIF_GOVERN_DIR/profiles``,
named by its SHA-256 and written whole (a temporary file, flushed, then renamed), so a killed
process leaves either the whole file or none; a file whose bytes no longer match its name is
refused on reading, never used."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from django.conf import settings

from laif.govern.drift import ReferenceProfile


class ProfileDamaged(Exception):
    """The stored profile is missing or its bytes do not match its checksum."""


def _folder() -> Path:
    folder = Path(settings.LAIF_GOVERN_DIR) / "profiles"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def profile_store(profile: ReferenceProfile) -> tuple[str, int]:
    """Write the profile (once per content); its SHA-256 and size."""
    data = profile.to_bytes()
    digest = hashlib.sha256(data).hexdigest()
    folder = _folder()
    target = folder / f"{digest}.npz"
    if target.exists() and hashlib.sha256(target.read_bytes()).hexdigest() == digest:
        return digest, len(data)
    with tempfile.NamedTemporaryFile(dir=folder, prefix=".part-", delete=False) as part:
        part.write(data)
        part.flush()
        os.fsync(part.fileno())
    os.replace(part.name, target)
    return digest, len(data)


def profile_load(digest: str) -> ReferenceProfile:
    try:
        data = (_folder() / f"{digest}.npz").read_bytes()
    except FileNotFoundError as exc:
        raise ProfileDamaged(digest) from exc
    if hashlib.sha256(data).hexdigest() != digest:
        raise ProfileDamaged(digest)
    return ReferenceProfile.from_bytes(data)
