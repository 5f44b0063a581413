"""SSH public keys as users paste them: what is accepted, what is refused and why, and
fingerprints identical to OpenSSH's (``ssh-keygen -lf``)."""

from __future__ import annotations

import base64
import hashlib
import shutil
import struct
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa

from laif.accounts.sshkeys import SshKeyError, parse_public_key

PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def openssh_public(key: PrivateKey, comment: str = "") -> str:
    line = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    ).decode()
    return f"{line} {comment}" if comment else line


def openssh_private(key: PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    ).decode()


def _rsa(bits: int) -> Callable[[], PrivateKey]:
    return lambda: rsa.generate_private_key(public_exponent=65537, key_size=bits)


def _ec(curve: ec.EllipticCurve) -> Callable[[], PrivateKey]:
    return lambda: ec.generate_private_key(curve)


ACCEPTED: list[tuple[str, Callable[[], PrivateKey], int, str]] = [
    ("ed25519", ed25519.Ed25519PrivateKey.generate, 256, "ssh-ed25519"),
    ("ecdsa-p256", _ec(ec.SECP256R1()), 256, "ecdsa-sha2-nistp256"),
    ("ecdsa-p384", _ec(ec.SECP384R1()), 384, "ecdsa-sha2-nistp384"),
    ("ecdsa-p521", _ec(ec.SECP521R1()), 521, "ecdsa-sha2-nistp521"),
    ("rsa-3072", _rsa(3072), 3072, "ssh-rsa"),
    ("rsa-4096", _rsa(4096), 4096, "ssh-rsa"),
]


def ssh_keygen_lf(tmp_path: Path, line: str) -> tuple[int, str]:
    """(bits, fingerprint) as OpenSSH itself reports them."""
    path = tmp_path / "key.pub"
    path.write_text(line + "\n")
    out = subprocess.run(["ssh-keygen", "-lf", str(path)], capture_output=True, text=True,
                         check=True, timeout=30).stdout.split()
    return int(out[0]), out[1]


@pytest.mark.parametrize(("name", "generate", "bits", "key_type"), ACCEPTED,
                         ids=[a[0] for a in ACCEPTED])
def test_accepted_keys_and_fingerprints(tmp_path: Path, name: str,
                                        generate: Callable[[], PrivateKey], bits: int,
                                        key_type: str) -> None:
    line = openssh_public(generate(), "marie@laptop")
    parsed = parse_public_key(line)
    assert parsed.key_type == key_type
    assert parsed.bits == bits
    assert parsed.comment == "marie@laptop"
    assert parsed.openssh == line
    blob = base64.b64decode(line.split()[1])
    expected = "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    assert parsed.fingerprint == expected
    assert len(parsed.fingerprint) == len("SHA256:") + 43
    if shutil.which("ssh-keygen"):
        assert ssh_keygen_lf(tmp_path, line) == (bits, parsed.fingerprint)


# Fixed keys and the fingerprints ``ssh-keygen -lf`` (OpenSSH 9.2p1) printed for them, so the
# comparison with OpenSSH holds on machines without ssh-keygen too.
KNOWN = [
    ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
     256, "SHA256:+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU"),
    ("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQDrWEJTJxPenRLmR58nFvUzoDzkLdnR1u6Qbqq365kM"
     "QGuU55ENgtuedGpSR1tEmWNSTn9JXFYp2AD34xFVurfBY0rW7Qvm11bnCQAUnFAwlMwhpnm+epi9uzBDAGC9r023"
     "nTDP7386ir4QYljodPpbtaA9x2Nf0Yl6KWHfeTFMaro+NtRxa2dLtH4TRtQf4pjooCvG2h4mr9ExSsP/vYEQKdU8"
     "nDGvJ60rWs/hCbge4zBumNe3H6rMcKslN50Hl7Q4FClmSBapv1qGW8ecPhBX/9gfXsUqnpR4b09GcIqOro68vYoC"
     "T+GVfg9yzRo+jSU4FkAl+oe0wewfkXt6E98zB+ygUNZxMmxAiuC7pNYxCCGyL5EnVOlmi8JAU9fmosKIigE/2wHD"
     "axyhEWNyjV2b6nJpegDwtwFds5zwbADopuiqO5nk3e2unKbIY1Fioah4VXzlAbsJ7YDOCy1R7zXrN8WmCnzkzOA3"
     "KomNuZWJU/g+Qg/m2LsbhBUPoDuwlHc=",
     3072, "SHA256:AwWw/30KuCsTMAsR8IWmwmehPIQtFDRZMdW1e/pAYBQ"),
]


@pytest.mark.parametrize(("line", "bits", "fingerprint"), KNOWN, ids=["ed25519", "rsa-3072"])
def test_fingerprint_of_known_keys(line: str, bits: int, fingerprint: str) -> None:
    parsed = parse_public_key(line + " fixed@host")
    assert (parsed.bits, parsed.fingerprint) == (bits, fingerprint)


def test_surrounding_whitespace_and_no_comment() -> None:
    line = openssh_public(ed25519.Ed25519PrivateKey.generate())
    parsed = parse_public_key(f"\n  {line}  \n\n")
    assert parsed.comment == ""
    assert parsed.openssh == line


def test_same_key_same_fingerprint_whatever_the_comment() -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    assert (parse_public_key(openssh_public(key, "a@b")).fingerprint
            == parse_public_key(openssh_public(key, "other comment")).fingerprint)


def test_rsa_2048_is_refused_with_its_size() -> None:
    with pytest.raises(SshKeyError) as info:
        parse_public_key(openssh_public(_rsa(2048)()))
    assert "2048" in str(info.value)
    assert "3072" in str(info.value)
    assert info.value.code == "rsa_too_small"
    assert info.value.params == {"bits": 2048, "min_bits": 3072}


@pytest.mark.parametrize(
    ("text", "code", "params"),
    [
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----",
         "private_key", {}),
        ("ssh-foo AAAA", "type_not_accepted",
         {"key_type": "ssh-foo", "allowed": "ssh-ed25519, ecdsa-sha2-nistp256, "
          "ecdsa-sha2-nistp384, ecdsa-sha2-nistp521, ssh-rsa"}),
        ("ssh-dss AAAA", "dsa", {}),
        ("", "not_one_line", {}),
        ("ssh-ed25519", "no_data", {}),
    ],
    ids=["private", "type", "dsa", "empty", "no-data"],
)
def test_errors_carry_a_stable_code_and_params(text: str, code: str,
                                               params: dict[str, object]) -> None:
    """Callers translate by code (``services.ssh_key_add``); the English message stays too."""
    with pytest.raises(SshKeyError) as info:
        parse_public_key(text)
    assert (info.value.code, info.value.params) == (code, params)
    assert str(info.value)


def test_dsa_is_refused() -> None:
    numbers = dsa.generate_private_key(key_size=1024).private_numbers().public_numbers
    params = numbers.parameter_numbers

    def mpint(n: int) -> bytes:
        return n.to_bytes(n.bit_length() // 8 + 1, "big")

    line = "ssh-dss " + _blob(b"ssh-dss", mpint(params.p), mpint(params.q), mpint(params.g),
                              mpint(numbers.y)) + " old@host"
    with pytest.raises(SshKeyError, match="DSA"):
        parse_public_key(line)


@pytest.mark.parametrize("generate", [ed25519.Ed25519PrivateKey.generate, _rsa(3072)])
def test_pasted_openssh_private_key_is_refused_clearly(generate: Callable[[], PrivateKey]) -> None:
    with pytest.raises(SshKeyError, match=r"PRIVATE key.*Never share it"):
        parse_public_key(openssh_private(generate()))


@pytest.mark.parametrize("fmt", [serialization.PrivateFormat.PKCS8,
                                 serialization.PrivateFormat.TraditionalOpenSSL])
def test_pasted_pem_private_key_is_refused_clearly(fmt: serialization.PrivateFormat) -> None:
    pem = _rsa(3072)().private_bytes(serialization.Encoding.PEM, fmt,
                                     serialization.NoEncryption()).decode()
    with pytest.raises(SshKeyError, match="PRIVATE key"):
        parse_public_key(pem)


def test_pasted_putty_private_key_is_refused_clearly() -> None:
    ppk = ("PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: me\n"
           "Public-Lines: 2\nAAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9\n"
           "GKJl\nPrivate-Lines: 1\nAAAAIBqu8Vn1BLRlCNyAdBz9o1oC8Hx3xLHt7nD8tNo5IHEf\n"
           "Private-MAC: 0123456789abcdef\n")
    with pytest.raises(SshKeyError, match="PRIVATE key"):
        parse_public_key(ppk)


def _pem_public() -> str:
    return ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def _rfc4716_public() -> str:
    data = openssh_public(ed25519.Ed25519PrivateKey.generate()).split()[1]
    return f"---- BEGIN SSH2 PUBLIC KEY ----\nComment: \"me\"\n{data}\n---- END SSH2 PUBLIC KEY ----\n"


@pytest.mark.parametrize("make", [_pem_public, _rfc4716_public], ids=["pem", "rfc4716"])
def test_public_key_in_another_format_is_not_called_private(make: Callable[[], str]) -> None:
    """A PEM or RFC 4716 *public* key is not a secret: say which format is needed instead of
    frightening the user with a private-key warning."""
    with pytest.raises(SshKeyError) as info:
        parse_public_key(make())
    assert "PRIVATE" not in str(info.value)
    assert "OpenSSH one-line form" in str(info.value)


def test_two_keys_on_two_lines_are_refused() -> None:
    a = openssh_public(ed25519.Ed25519PrivateKey.generate(), "a@host")
    b = openssh_public(ed25519.Ed25519PrivateKey.generate(), "b@host")
    with pytest.raises(SshKeyError, match="exactly one"):
        parse_public_key(f"{a}\n{b}\n")


def test_two_keys_on_one_line_are_refused() -> None:
    """Two keys glued on one line: the second must not slip in as the first one's 'comment'
    (the user would believe both are registered)."""
    a = openssh_public(ed25519.Ed25519PrivateKey.generate())
    b = openssh_public(_ec(ec.SECP256R1())(), "b@host")
    with pytest.raises(SshKeyError, match="one public key"):
        parse_public_key(f"{a} {b}")


def _blob(*fields: bytes) -> str:
    return base64.b64encode(b"".join(struct.pack(">I", len(f)) + f for f in fields)).decode()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "one public key"),
        ("hello world", "not accepted"),
        ("ssh-ed25519", "Expected 'type base64-data"),
        ("ssh-ed25519 !!!not-base64!!!", "not valid base64"),
        ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJ",
         "base64"),  # a character cut off: the padding no longer fits
        ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9",
         "corrupt"),  # truncated key bytes
        ("ssh-ed25519 " + _blob(b"ssh-ed25519", b"\x01" * 31), "corrupt"),  # 31-byte point
        ("ssh-ed25519 " + _blob(b"ssh-ed25519", b"\x01" * 32, b"extra"), "corrupt"),  # trailing
        ("ssh-foo AAAA", "not accepted"),
        ('from="10.0.0.1" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9o'
         "kWi0dh2l9GKJl", "not accepted"),  # authorized_keys options are not a key
        ("ssh-ed25519 AAAA\x00C3Nza", "NUL"),
        ("ssh-ed25519 " + "A" * 20_000, "too long"),
    ],
    ids=["empty", "garbage", "no-data", "bad-base64", "bad-padding", "truncated",
         "short-point", "trailing-data", "unknown-type", "options", "nul", "huge"],
)
def test_malformed_keys_are_refused(text: str, message: str) -> None:
    with pytest.raises(SshKeyError, match=message):
        parse_public_key(text)


@pytest.mark.parametrize(
    ("declared", "generate"),
    [("ssh-rsa", ed25519.Ed25519PrivateKey.generate),
     ("ssh-ed25519", _rsa(3072)),
     ("ecdsa-sha2-nistp256", _ec(ec.SECP384R1())),
     ("ecdsa-sha2-nistp384", ed25519.Ed25519PrivateKey.generate)],
)
def test_declared_type_must_match_the_key(declared: str,
                                          generate: Callable[[], PrivateKey]) -> None:
    data = openssh_public(generate()).split()[1]
    with pytest.raises(SshKeyError, match="does not match its type"):
        parse_public_key(f"{declared} {data} me@host")


def test_control_characters_in_the_comment_are_refused() -> None:
    """The comment ends up in exports and terminals: no escape sequences or other controls."""
    line = openssh_public(ed25519.Ed25519PrivateKey.generate())
    with pytest.raises(SshKeyError, match="control character"):
        parse_public_key(f"{line} evil\x1b[2Jcomment")


def test_nul_anywhere_is_refused() -> None:
    line = openssh_public(ed25519.Ed25519PrivateKey.generate(), "me@host")
    with pytest.raises(SshKeyError, match="NUL"):
        parse_public_key(line + "\x00")
