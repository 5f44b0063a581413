"""The platform's signature on what it releases: an Ed25519 key in a file (mode 0600, created on
first use outside production), the record signed as canonical JSON (sorted keys, no spaces,
UTF-8). Anyone holding the public key (``GET /api/sandbox/signing-key``) verifies a release
record offline."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import stat
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.utils.translation import gettext as _

from laif.accounts.errors import DomainError
from laif.sandbox.master_keys import write_new_file

logger = logging.getLogger(__name__)


class SigningKeyError(DomainError):
    """The signing key cannot be used: releases wait (503); the detail goes to the log."""

    status = 503

    def __init__(self, detail: str) -> None:
        logger.error("release signing unavailable: %s", detail)
        super().__init__(_("Releases cannot be signed on this site right now; the operators see "
                           "why in the log."))
        self.detail = detail


def canonical(record: dict[str, Any]) -> bytes:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _path() -> Path:
    return Path(settings.LAIF_SIGNING_KEY_FILE)


def create(path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    write_new_file(path, raw)


def _private() -> Ed25519PrivateKey:
    path = _path()
    if not path.exists() and not settings.PRODUCTION:
        with contextlib.suppress(FileExistsError):
            create(path)
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode) or info.st_mode & 0o077:
            raise SigningKeyError(f"{path} must be a regular file readable by its owner only "
                                  "(chmod 600)")
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise SigningKeyError(f"the signing key {path} cannot be read") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{path} is not an Ed25519 key")
    return key


def public_pem() -> str:
    return _private().public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def key_id() -> str:
    raw = _private().public_key().public_bytes(serialization.Encoding.Raw,
                                               serialization.PublicFormat.Raw)
    return "ed25519:" + hashlib.sha256(raw).hexdigest()[:16]


def sign(record: dict[str, Any]) -> str:
    return _private().sign(canonical(record)).hex()


def verify(record: dict[str, Any], signature: str, public_key_pem: str) -> bool:
    key = serialization.load_pem_public_key(public_key_pem.encode())
    if not isinstance(key, Ed25519PublicKey):
        return False
    try:
        key.verify(bytes.fromhex(signature), canonical(record))
    except (InvalidSignature, ValueError):
        return False
    return True
