"""SSH public key validation and fingerprints (pure: no Django).

Accepts one OpenSSH public key line (``type base64 [comment]``). Refuses a pasted private key, DSA,
RSA under 3072 bits, malformed data, control characters, two keys on one line, and a key whose
declared type does not match its content.
Fingerprints are the OpenSSH ``SHA256:`` form (unpadded base64 of the SHA-256 of the key blob).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_ssh_public_key

MIN_RSA_BITS = 3072
MAX_KEY_TEXT = 16_384
ALLOWED_TYPES = (
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "ssh-rsa",
)

# Control characters other than the tab separator (escape sequences would reach exports/terminals).
_CONTROL_RE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
# A second key glued after the first on the same line ("ssh-ed25519 AAAA... ssh-rsa AAAA...").
_KEY_IN_COMMENT_RE = re.compile(r"(?:^|\s)(?:ssh-[a-z0-9]+|ecdsa-sha2-\S+|sk-\S+)\s+AAAA")


class SshKeyError(ValueError):
    """The text is not an acceptable SSH public key; the message says why, in English.

    ``code`` names the reason (stable: callers translate it) and ``params`` hold the values its
    message mentions (``rsa_too_small``: ``bits`` and ``min_bits``; ``type_not_accepted``:
    ``key_type`` and ``allowed``).
    """

    def __init__(self, message: str, *, code: str, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class SshPublicKey:
    key_type: str
    bits: int
    blob_b64: str
    comment: str
    fingerprint: str

    @property
    def openssh(self) -> str:
        return f"{self.key_type} {self.blob_b64}" + (f" {self.comment}" if self.comment else "")


def fingerprint_sha256(blob: bytes) -> str:
    digest = hashlib.sha256(blob).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def parse_public_key(text: str) -> SshPublicKey:
    if "\x00" in text:
        raise SshKeyError("The key contains a NUL character.", code="nul")
    if len(text) > MAX_KEY_TEXT:
        raise SshKeyError("The key is too long to be an SSH public key.", code="too_long")
    stripped = text.strip()
    if "PRIVATE KEY" in stripped or "PuTTY-User-Key-File" in stripped or "Private-Lines:" in stripped:
        raise SshKeyError(
            "This is a PRIVATE key. Never share it: paste the public key "
            "(the .pub file, e.g. ~/.ssh/id_ed25519.pub) and keep the private key secret.",
            code="private_key",
        )
    if stripped.startswith(("-----BEGIN", "---- BEGIN")):
        raise SshKeyError(
            "This public key is in PEM or RFC 4716 format; paste the OpenSSH one-line form "
            "('ssh-ed25519 AAAA... me@host'; 'ssh-keygen -i -f key.pub' converts it).",
            code="other_format",
        )
    lines = [line for line in stripped.splitlines() if line.strip()]
    if len(lines) != 1:
        raise SshKeyError("Paste exactly one public key, on one line.", code="not_one_line")
    if _CONTROL_RE.search(lines[0]):
        raise SshKeyError("The key contains a control character.", code="control_character")
    parts = lines[0].split(None, 2)
    if len(parts) < 2:
        raise SshKeyError(
            "Expected 'type base64-data [comment]', e.g. 'ssh-ed25519 AAAA... me@host'.",
            code="no_data",
        )
    key_type, data = parts[0], parts[1]
    comment = parts[2].strip() if len(parts) == 3 else ""
    if _KEY_IN_COMMENT_RE.search(comment):
        raise SshKeyError("Paste exactly one public key: this line holds more than one.",
                          code="several_keys")
    if key_type == "ssh-dss":
        raise SshKeyError("DSA keys are obsolete and refused; use ssh-ed25519.", code="dsa")
    if key_type not in ALLOWED_TYPES:
        raise SshKeyError(
            f"Key type {key_type[:40]!r} is not accepted; use one of: {', '.join(ALLOWED_TYPES)}.",
            code="type_not_accepted", key_type=key_type[:40], allowed=", ".join(ALLOWED_TYPES),
        )
    try:
        blob = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SshKeyError("The key data is not valid base64.", code="base64") from exc
    try:
        key = load_ssh_public_key(f"{key_type} {data}".encode())
    except (ValueError, TypeError) as exc:
        raise SshKeyError("The key data is corrupt or does not match its type.",
                          code="corrupt") from exc
    if isinstance(key, rsa.RSAPublicKey):
        bits = key.key_size
        if bits < MIN_RSA_BITS:
            raise SshKeyError(
                f"RSA keys need at least {MIN_RSA_BITS} bits; this one has {bits}. "
                "Prefer ssh-ed25519.",
                code="rsa_too_small", bits=bits, min_bits=MIN_RSA_BITS,
            )
    elif isinstance(key, ec.EllipticCurvePublicKey):
        bits = key.curve.key_size
    elif isinstance(key, ed25519.Ed25519PublicKey):
        bits = 256
    else:  # pragma: no cover - ALLOWED_TYPES admits nothing else
        raise SshKeyError("Unsupported key type.", code="unsupported")
    return SshPublicKey(
        key_type=key_type,
        bits=bits,
        blob_b64=base64.b64encode(blob).decode(),
        comment=comment[:200],
        fingerprint=fingerprint_sha256(blob),
    )
