"""Master keys of the sandbox: they wrap the per-project data keys (pure: no Django).

A data key (``laif.sandbox.envelope``) is stored only wrapped, beside the ``key_id`` of the
master key that wrapped it; ``rewrap`` moves a wrapped data key from one master key to another
(rotation) without touching the data it encrypts. Two adapters share one wrapped format::

    1 byte   format version (1)
    12 bytes nonce (random, from the host's CSPRNG)
    n bytes  AES-256-GCM ciphertext of the data key
    16 bytes GCM tag

with the additional data ``b"laif-master-wrap-v1\\x00" || context``. The context names what the
data key belongs to (e.g. ``b"project:42/data-key:3"``): a wrapped key copied to another project
or version, or unwrapped with another master key, fails instead of yielding a key.

* ``FileMasterKey``: the AES-256 key is 32 raw bytes in a file of mode 0600 (``create`` makes one
  and never overwrites; loading refuses a file that group or others may read or write, or of the
  wrong size). For development and small installations: anyone who can read the file (or the
  process's memory) holds the master key.
* ``Pkcs11MasterKey``: the AES-256 key lives in a PKCS#11 token (an HSM; SoftHSM2 in the tests),
  generated there as sensitive and non-extractable (``CKA_SENSITIVE`` true, ``CKA_EXTRACTABLE``
  false, usable only to encrypt and decrypt), so its value never leaves the token: wrapping is
  ``C_Encrypt`` and unwrapping ``C_Decrypt`` with ``CKM_AES_GCM`` inside the token, the context
  passed as the GCM additional data. Why GCM and not ``CKM_AES_KEY_WRAP_PAD``: the data key is
  already in the host's memory (the host encrypts the data with it), so wrapping it as a token
  object brings nothing, while GCM authenticates the context in the same single call, and
  SoftHSM 2.6 implements it with additional data (``CKM_AES_KEY_WRAP_PAD`` has no additional
  data, so the context would need a second key and a MAC). The 96-bit nonce is drawn at random by
  the host (SoftHSM, like most tokens under PKCS#11 2.40, takes the caller's IV); random nonces
  keep within GCM's bounds while a master key wraps fewer than 2**32 keys (NIST SP 800-38D), far
  more than it will before it is rotated. Each operation opens a session, logs in, works and
  logs out, holding a lock per library and process: python-pkcs11 initialises the library with
  ``C_Initialize(NULL)``, which promises it no concurrent calls (SoftHSM then takes no locks of
  its own, and threads calling it at once crash the process), and the login state of a token is
  shared by all the sessions of a process (one key's logout would log out another's session).
  Simple and stateless, at the cost of a login per wrap/unwrap, which happens when a dataset is
  opened, not per chunk. Nothing in this process should call the same PKCS#11 library outside
  this class.

Threat model: the master key protects the data keys at rest, in the database and its backups. It
does not protect a data key in the memory of the process that uses it, nor against someone who
can make that process (or one holding the PIN) unwrap for them. Messages, ``repr`` and logs name a
master key by its ``key_id`` only, never by its value or its PIN.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Final, NoReturn, Protocol, runtime_checkable

import pkcs11
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pkcs11 import Attribute, KeyType, Mechanism, MechanismFlag, ObjectClass
from pkcs11.exceptions import (
    MultipleObjectsReturned,
    NoSuchKey,
    NoSuchToken,
    PinIncorrect,
    PKCS11Error,
)
from pkcs11.mechanisms import GCMParams
from pkcs11.types import DecryptMixin, EncryptMixin, Session

MASTER_KEY_SIZE: Final = 32
WRAP_FORMAT_VERSION: Final = 1
NONCE_SIZE: Final = 12
TAG_SIZE: Final = 16
MIN_DATA_KEY_SIZE: Final = 16
MAX_DATA_KEY_SIZE: Final = 64
_AAD_PREFIX: Final = b"laif-master-wrap-v1\x00"
_KEY_ID_LABEL: Final = b"laif-master-key-id-v1\x00"


def write_new_file(target: Path, data: bytes) -> None:
    """``data`` in a new file ``target`` (mode 0600) that appears whole or not at all: written and
    fsynced under a temporary name beside it, then hard-linked into place, which fails with
    ``FileExistsError`` when ``target`` exists (never overwritten, never followed if a link).
    A process that finds ``target`` reads all of ``data``, never a half-written file."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | os.O_NOFOLLOW,
                 0o600)
    try:
        try:
            os.fchmod(fd, 0o600)
            written = 0
            while written < len(data):
                written += os.write(fd, data[written:])
            os.fsync(fd)
        finally:
            os.close(fd)
        os.link(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


class MasterKeyError(Exception):
    """A master key cannot be loaded, created or used. Messages never contain key material."""


class MasterKeyExistsError(MasterKeyError, FileExistsError):
    """``create``/``generate`` found a key (or anything else) where the new key would go; it is
    never overwritten. Also a ``FileExistsError``, for callers racing to create the key file."""


@runtime_checkable
class MasterKey(Protocol):
    @property
    def key_id(self) -> str:
        """A stable identifier, stored beside each wrapped key; reveals nothing of the key."""
        ...

    def wrap(self, data_key: bytes, *, context: bytes) -> bytes: ...

    def unwrap(self, wrapped: bytes, *, context: bytes) -> bytes:
        """The data key; ``MasterKeyError`` for a wrong key or context, or tampered bytes."""
        ...


def rewrap(wrapped: bytes, *, context: bytes, old: MasterKey, new: MasterKey) -> bytes:
    """Rotation: the data key wrapped by ``old``, wrapped by ``new`` (same context). The data it
    encrypts is not touched; store the result with ``new.key_id``."""
    return new.wrap(old.unwrap(wrapped, context=context), context=context)


def _aad(context: bytes) -> bytes:
    if not isinstance(context, bytes) or not context:
        raise MasterKeyError("a non-empty context (bytes) must bind the wrapped key to its owner")
    return _AAD_PREFIX + context


def _check_data_key(data_key: bytes) -> None:
    size = len(data_key) if isinstance(data_key, bytes) else 0
    if not MIN_DATA_KEY_SIZE <= size <= MAX_DATA_KEY_SIZE:
        raise MasterKeyError(
            f"a data key must be {MIN_DATA_KEY_SIZE} to {MAX_DATA_KEY_SIZE} bytes")


def _split(wrapped: bytes, key_id: str) -> tuple[bytes, bytes]:
    """(nonce, ciphertext and tag) of a wrapped key."""
    if (not isinstance(wrapped, bytes)
            or len(wrapped) < 1 + NONCE_SIZE + TAG_SIZE + MIN_DATA_KEY_SIZE
            or wrapped[0] != WRAP_FORMAT_VERSION):
        raise MasterKeyError(f"malformed wrapped key (for {key_id})")
    return wrapped[1:1 + NONCE_SIZE], wrapped[1 + NONCE_SIZE:]


def _unwrap_failed(key_id: str) -> NoReturn:
    raise MasterKeyError(
        f"cannot unwrap with master key {key_id}: wrong master key or context, or the wrapped key "
        "was tampered with")


class FileMasterKey:
    """An AES-256 master key read from a file (32 raw bytes, mode 0600)."""

    __slots__ = ("_aead", "_key_id", "path")

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError as exc:
            raise MasterKeyError(
                f"cannot open master key file {self.path}: {exc.strerror}") from None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise MasterKeyError(f"master key file {self.path} is not a regular file")
            if info.st_mode & 0o077:
                raise MasterKeyError(
                    f"master key file {self.path} is accessible to group or others (mode "
                    f"{stat.S_IMODE(info.st_mode):04o}): make it 0600 (chmod 600) or 0400")
            key = os.read(fd, MASTER_KEY_SIZE + 1)
        finally:
            os.close(fd)
        if len(key) != MASTER_KEY_SIZE:
            raise MasterKeyError(
                f"master key file {self.path} must hold exactly {MASTER_KEY_SIZE} bytes, "
                f"it holds {'more' if len(key) > MASTER_KEY_SIZE else len(key)}")
        self._aead = AESGCM(key)
        self._key_id = "file:" + hashlib.sha256(_KEY_ID_LABEL + key).hexdigest()[:16]

    @classmethod
    def create(cls, path: str | os.PathLike[str]) -> FileMasterKey:
        """Write a fresh random key to a new file of mode 0600; refuse an existing path."""
        target = Path(path)
        try:
            write_new_file(target, os.urandom(MASTER_KEY_SIZE))
        except FileExistsError:
            raise MasterKeyExistsError(
                f"refusing to overwrite {target}: a master key file (or something else) is "
                "already there") from None
        except OSError as exc:
            raise MasterKeyError(
                f"cannot create master key file {target}: {exc.strerror}") from None
        return cls(target)

    @property
    def key_id(self) -> str:
        return self._key_id

    def wrap(self, data_key: bytes, *, context: bytes) -> bytes:
        _check_data_key(data_key)
        nonce = os.urandom(NONCE_SIZE)
        sealed = self._aead.encrypt(nonce, data_key, _aad(context))
        return bytes([WRAP_FORMAT_VERSION]) + nonce + sealed

    def unwrap(self, wrapped: bytes, *, context: bytes) -> bytes:
        aad = _aad(context)
        nonce, sealed = _split(wrapped, self._key_id)
        try:
            return self._aead.decrypt(nonce, sealed, aad)
        except InvalidTag:
            _unwrap_failed(self._key_id)

    def __repr__(self) -> str:
        return f"FileMasterKey(key_id={self._key_id!r})"

    def __reduce__(self) -> NoReturn:
        raise TypeError("master keys cannot be pickled")


_LIBRARY_LOCKS: dict[str, threading.Lock] = {}
_LIBRARY_LOCKS_LOCK = threading.Lock()


def _library_lock(library_path: str) -> threading.Lock:
    """The lock that serialises this process's calls into one PKCS#11 library (see above)."""
    with _LIBRARY_LOCKS_LOCK:
        return _LIBRARY_LOCKS.setdefault(library_path, threading.Lock())


class Pkcs11MasterKey:
    """An AES-256 master key held, non-extractable, in a PKCS#11 token; wrap and unwrap run in
    the token (``CKM_AES_GCM``). ``key_id`` is ``"pkcs11:<token label>/<key label>"``."""

    __slots__ = ("_key_id", "_pin", "key_label", "library_path", "token_label")

    def __init__(self, library_path: str, token_label: str, pin: str, key_label: str) -> None:
        if not token_label or not key_label:
            raise MasterKeyError("a PKCS#11 master key needs a token label and a key label")
        self.library_path = str(library_path)
        self.token_label = token_label
        self.key_label = key_label
        self._pin = pin
        self._key_id = f"pkcs11:{token_label}/{key_label}"

    @classmethod
    def generate(cls, library_path: str, token_label: str, pin: str,
                 key_label: str) -> Pkcs11MasterKey:
        """Generate the key in the token (sensitive, non-extractable, encrypt/decrypt only);
        refuse if an object with that label is already there."""
        master = cls(library_path, token_label, pin, key_label)
        with master._session(rw=True) as session:
            try:
                if any(True for _ in session.get_objects({Attribute.LABEL: key_label})):
                    raise MasterKeyExistsError(
                        f"refusing to generate {master.key_id}: an object with that label is "
                        "already in the token")
                key = session.generate_key(
                    KeyType.AES, 256, label=key_label, store=True,
                    capabilities=MechanismFlag.ENCRYPT | MechanismFlag.DECRYPT,
                    template={Attribute.EXTRACTABLE: False, Attribute.SENSITIVE: True,
                              Attribute.PRIVATE: True, Attribute.MODIFIABLE: False,
                              Attribute.COPYABLE: False})
                if key[Attribute.EXTRACTABLE] or not key[Attribute.SENSITIVE]:
                    key.destroy()
                    raise MasterKeyError(
                        f"the token did not keep {master.key_id} sensitive and non-extractable")
            except PKCS11Error as exc:
                raise MasterKeyError(
                    f"cannot generate {master.key_id}: {type(exc).__name__}") from None
        return master

    @property
    def key_id(self) -> str:
        return self._key_id

    @contextmanager
    def _session(self, *, rw: bool = False) -> Iterator[Session]:
        """A logged-in session, alone in this library in this process while it lasts."""
        with _library_lock(self.library_path):
            try:
                library = pkcs11.lib(self.library_path)
            except PKCS11Error as exc:
                raise MasterKeyError(
                    f"cannot load the PKCS#11 library {self.library_path} (for {self.key_id}): "
                    f"{type(exc).__name__}") from None
            try:
                token = library.get_token(token_label=self.token_label)
            except NoSuchToken:
                raise MasterKeyError(
                    f"no PKCS#11 token labelled {self.token_label!r} (for {self.key_id})") from None
            except PKCS11Error as exc:
                raise MasterKeyError(
                    f"cannot find the token {self.token_label!r} (for {self.key_id}): "
                    f"{type(exc).__name__}") from None
            try:
                session = token.open(rw=rw, user_pin=self._pin)
            except PinIncorrect:
                raise MasterKeyError(
                    f"the token {self.token_label!r} refused the PIN (for {self.key_id})") from None
            except PKCS11Error as exc:
                raise MasterKeyError(
                    f"cannot log in to the token {self.token_label!r} (for {self.key_id}): "
                    f"{type(exc).__name__}") from None
            try:
                yield session
            finally:
                with suppress(PKCS11Error):
                    session.close()

    def _key(self, session: Session) -> EncryptMixin | DecryptMixin:
        try:
            key = session.get_key(object_class=ObjectClass.SECRET_KEY, key_type=KeyType.AES,
                                  label=self.key_label)
        except NoSuchKey:
            raise MasterKeyError(
                f"no AES key labelled {self.key_label!r} in the token {self.token_label!r}"
            ) from None
        except MultipleObjectsReturned:
            raise MasterKeyError(
                f"several AES keys are labelled {self.key_label!r} in the token "
                f"{self.token_label!r}") from None
        if not isinstance(key, EncryptMixin | DecryptMixin):
            raise MasterKeyError(f"{self.key_id} cannot encrypt or decrypt")
        return key

    def wrap(self, data_key: bytes, *, context: bytes) -> bytes:
        _check_data_key(data_key)
        aad = _aad(context)
        nonce = os.urandom(NONCE_SIZE)
        with self._session() as session:
            key = self._key(session)
            if not isinstance(key, EncryptMixin):
                raise MasterKeyError(f"{self.key_id} cannot encrypt")
            try:
                sealed = key.encrypt(data_key, mechanism=Mechanism.AES_GCM,
                                     mechanism_param=GCMParams(nonce, aad, TAG_SIZE * 8))
            except PKCS11Error as exc:
                raise MasterKeyError(
                    f"the token could not wrap with {self.key_id}: {type(exc).__name__}") from None
        if not isinstance(sealed, bytes) or len(sealed) != len(data_key) + TAG_SIZE:
            raise MasterKeyError(f"the token returned a malformed result for {self.key_id}")
        return bytes([WRAP_FORMAT_VERSION]) + nonce + sealed

    def unwrap(self, wrapped: bytes, *, context: bytes) -> bytes:
        aad = _aad(context)
        nonce, sealed = _split(wrapped, self._key_id)
        with self._session() as session:
            key = self._key(session)
            if not isinstance(key, DecryptMixin):
                raise MasterKeyError(f"{self.key_id} cannot decrypt")
            try:
                data_key = key.decrypt(sealed, mechanism=Mechanism.AES_GCM,
                                       mechanism_param=GCMParams(nonce, aad, TAG_SIZE * 8))
            except PKCS11Error:
                _unwrap_failed(self._key_id)
        if not isinstance(data_key, bytes) or len(data_key) != len(sealed) - TAG_SIZE:
            _unwrap_failed(self._key_id)
        return data_key

    def __repr__(self) -> str:
        return f"Pkcs11MasterKey(key_id={self._key_id!r})"

    def __reduce__(self) -> NoReturn:
        raise TypeError("master keys cannot be pickled")
