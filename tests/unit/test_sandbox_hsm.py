"""The sandbox's master key in an HSM (laif.sandbox.master_keys.Pkcs11MasterKey), against a real
software HSM: SoftHSM2 through PKCS#11.

The library comes from ``LAIF_TEST_PKCS11_LIB`` (default: Debian's softhsm2). Without it these
tests fail, they are not skipped: install softhsm2.

Each test has its own token directory under ``tmp_path``, with two fresh tokens. SoftHSM reads
``SOFTHSM2_CONF`` (and so its token directory) when the library is initialised, and python-pkcs11
loads a library once per process: the fixture sets the variable, creates the tokens with
``softhsm2-util``, then re-initialises the library (``C_Finalize`` + ``C_Initialize``) so that it
reads them, and finalises it afterwards. ``Pkcs11MasterKey`` holds no session between calls, so
nothing it holds outlives a re-initialisation.
"""

from __future__ import annotations

import io
import os
import pickle
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pkcs11
import pytest
from pkcs11 import Attribute, KeyType, Mechanism, MechanismFlag, ObjectClass
from pkcs11.exceptions import AttributeSensitive, PKCS11Error
from pkcs11.types import WrapMixin

from laif.sandbox.envelope import DecryptingReader, EncryptingWriter, new_data_key
from laif.sandbox.master_keys import (
    FileMasterKey,
    MasterKey,
    MasterKeyError,
    MasterKeyExistsError,
    Pkcs11MasterKey,
    rewrap,
)

DEFAULT_LIB = "/usr/lib/softhsm/libsofthsm2.so"
PIN = "4711-user"
SO_PIN = "4711-so"
CONTEXT = b"laif-sandbox:project:42:v1"
TOKENS = ("laif-a", "laif-b")


@dataclass(frozen=True)
class Hsm:
    library: str

    def key(self, label: str = "master", *, token: str = TOKENS[0], pin: str = PIN
            ) -> Pkcs11MasterKey:
        return Pkcs11MasterKey(self.library, token, pin, label)

    def generate(self, label: str = "master", *, token: str = TOKENS[0]) -> Pkcs11MasterKey:
        return Pkcs11MasterKey.generate(self.library, token, PIN, label)

    def session(self, token: str = TOKENS[0]) -> pkcs11.Session:
        return pkcs11.lib(self.library).get_token(token_label=token).open(user_pin=PIN, rw=True)


def _library() -> str:
    library = os.environ.get("LAIF_TEST_PKCS11_LIB", DEFAULT_LIB)
    if not Path(library).is_file():
        pytest.fail(f"no PKCS#11 library at {library}: install softhsm2 (apt-get install softhsm2) "
                    "or point LAIF_TEST_PKCS11_LIB at a PKCS#11 library", pytrace=False)
    if shutil.which("softhsm2-util") is None:
        pytest.fail("softhsm2-util is missing: install softhsm2 (apt-get install softhsm2)",
                    pytrace=False)
    return library


@pytest.fixture
def hsm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Hsm]:
    library = _library()
    tokens = tmp_path / "tokens"
    tokens.mkdir()
    conf = tmp_path / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\n"
                    "log.level = ERROR\nslots.removable = false\n")
    monkeypatch.setenv("SOFTHSM2_CONF", str(conf))
    for label in TOKENS:
        subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", label,
                        "--so-pin", SO_PIN, "--pin", PIN],
                       check=True, capture_output=True,
                       env={**os.environ, "SOFTHSM2_CONF": str(conf)})
    lib = pkcs11.lib(library)
    lib.reinitialize()  # SoftHSM reads SOFTHSM2_CONF, and finds the tokens, in C_Initialize
    assert sorted(t.label for t in lib.get_tokens() if t.label) == sorted(TOKENS)
    yield Hsm(library)
    lib.finalize()


def test_a_generated_key_wraps_and_unwraps_inside_the_token(hsm: Hsm) -> None:
    master = hsm.generate()
    assert isinstance(master, MasterKey)
    assert master.key_id == "pkcs11:laif-a/master"
    data_key = new_data_key()
    wrapped = master.wrap(data_key, context=CONTEXT)
    assert data_key not in wrapped
    assert len(wrapped) == 1 + 12 + 32 + 16
    assert master.wrap(data_key, context=CONTEXT) != wrapped  # a fresh nonce each time
    # another object for the same key (another process, after a restart) unwraps it
    assert hsm.key().unwrap(wrapped, context=CONTEXT) == data_key


def test_the_key_is_sensitive_and_never_leaves_the_token(hsm: Hsm) -> None:
    hsm.generate()
    with hsm.session() as session:
        key = session.get_key(object_class=ObjectClass.SECRET_KEY, label="master")
        assert key[Attribute.KEY_TYPE] == KeyType.AES
        assert key[Attribute.VALUE_LEN] == 32
        assert key[Attribute.SENSITIVE] is True
        assert key[Attribute.EXTRACTABLE] is False
        assert key[Attribute.ALWAYS_SENSITIVE] is True
        assert key[Attribute.NEVER_EXTRACTABLE] is True
        assert key[Attribute.TOKEN] is True
        assert (key[Attribute.ENCRYPT], key[Attribute.DECRYPT]) == (True, True)
        assert (key[Attribute.WRAP], key[Attribute.UNWRAP], key[Attribute.DERIVE]) == \
            (False, False, False)
        with pytest.raises(AttributeSensitive):
            key[Attribute.VALUE]
        # nor wrapped out by another key of the token
        wrapping = session.generate_key(KeyType.AES, 256,
                                        capabilities=MechanismFlag.WRAP | MechanismFlag.UNWRAP)
        assert isinstance(wrapping, WrapMixin)
        with pytest.raises(PKCS11Error):
            wrapping.wrap_key(key, mechanism=Mechanism.AES_KEY_WRAP_PAD)
        # nor made extractable afterwards
        with pytest.raises(PKCS11Error):
            key[Attribute.EXTRACTABLE] = True
    with hsm.session() as session:  # a private object: invisible without logging in
        assert list(session.get_objects({Attribute.LABEL: "master"}))
    with pkcs11.lib(hsm.library).get_token(token_label=TOKENS[0]).open() as anonymous:
        assert not list(anonymous.get_objects({Attribute.LABEL: "master"}))


def test_generate_refuses_a_label_already_in_the_token(hsm: Hsm) -> None:
    master = hsm.generate()
    wrapped = master.wrap(new_data_key(), context=CONTEXT)
    with pytest.raises(MasterKeyExistsError, match="refusing to generate pkcs11:laif-a/master"):
        hsm.generate()
    assert len(master.unwrap(wrapped, context=CONTEXT)) == 32  # the key is still the same


def test_a_wrong_context_or_tampering_is_refused(hsm: Hsm) -> None:
    master = hsm.generate()
    data_key = new_data_key()
    wrapped = master.wrap(data_key, context=CONTEXT)
    changed = bytearray(wrapped)
    changed[-1] ^= 1
    for wrong, context in ((wrapped, b"laif-sandbox:project:43:v1"),
                           (wrapped, b"laif-sandbox:project:42:v2"),
                           (bytes(changed), CONTEXT),
                           (wrapped[:-1], CONTEXT)):
        with pytest.raises(MasterKeyError, match="cannot unwrap with master key pkcs11:laif-a/"):
            master.unwrap(wrong, context=context)
    with pytest.raises(MasterKeyError, match="malformed"):
        master.unwrap(wrapped[:20], context=CONTEXT)
    with pytest.raises(MasterKeyError, match="context"):
        master.wrap(data_key, context=b"")


def test_another_key_or_another_token_cannot_unwrap(hsm: Hsm) -> None:
    master = hsm.generate()
    same_token = hsm.generate("master-2")
    other_token = hsm.generate(token=TOKENS[1])  # same label, another token
    assert other_token.key_id == "pkcs11:laif-b/master"
    wrapped = master.wrap(new_data_key(), context=CONTEXT)
    for other in (same_token, other_token):
        with pytest.raises(MasterKeyError, match="cannot unwrap"):
            other.unwrap(wrapped, context=CONTEXT)


def test_rotation_from_a_key_file_to_the_hsm_and_back(hsm: Hsm, tmp_path: Path) -> None:
    file_key = FileMasterKey.create(tmp_path / "master.key")
    in_hsm = hsm.generate()
    data_key = new_data_key()
    encrypted = io.BytesIO()
    with EncryptingWriter(encrypted, data_key, key_id="p42.v1", aad=b"dataset:7") as writer:
        writer.write(b"id,name\n1,Ada\n" * 1000)
    wrapped = file_key.wrap(data_key, context=CONTEXT)

    to_hsm = rewrap(wrapped, context=CONTEXT, old=file_key, new=in_hsm)
    assert in_hsm.unwrap(to_hsm, context=CONTEXT) == data_key
    with pytest.raises(MasterKeyError):
        file_key.unwrap(to_hsm, context=CONTEXT)
    with DecryptingReader(io.BytesIO(encrypted.getvalue()),
                          hsm.key().unwrap(to_hsm, context=CONTEXT), aad=b"dataset:7") as reader:
        assert reader.read() == b"id,name\n1,Ada\n" * 1000

    back = FileMasterKey.create(tmp_path / "master-2.key")
    to_file = rewrap(to_hsm, context=CONTEXT, old=in_hsm, new=back)
    assert back.unwrap(to_file, context=CONTEXT) == data_key
    with pytest.raises(MasterKeyError):
        in_hsm.unwrap(to_file, context=CONTEXT)
    # and between two keys of the same token
    second = hsm.generate("master-2")
    assert second.unwrap(rewrap(to_hsm, context=CONTEXT, old=in_hsm, new=second),
                         context=CONTEXT) == data_key


def test_keys_work_side_by_side_in_threads(hsm: Hsm) -> None:
    """python-pkcs11 promises SoftHSM no concurrent calls, and login state is shared by a
    process's sessions on a token: keys of one token and of another, used from several threads at
    once, must neither crash the process nor log each other out."""
    keys = [hsm.generate(), hsm.generate("master-2"), hsm.generate(token=TOKENS[1])]
    errors: list[BaseException] = []

    def work(master: Pkcs11MasterKey) -> None:
        try:
            for _ in range(15):
                data_key = new_data_key()
                assert master.unwrap(master.wrap(data_key, context=CONTEXT), context=CONTEXT) == \
                    data_key
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(keys[i % 3],)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_clear_errors_for_a_wrong_pin_token_or_label_without_the_pin(hsm: Hsm) -> None:
    hsm.generate()
    data_key = new_data_key()
    cases = [
        (hsm.key(pin="not-the-pin"), "refused the PIN"),
        (hsm.key(token="laif-none"), "no PKCS#11 token labelled 'laif-none'"),
        (hsm.key("missing"), "no AES key labelled 'missing'"),
        (Pkcs11MasterKey("/nonexistent/libpkcs11.so", TOKENS[0], PIN, "master"),
         "cannot load the PKCS#11 library"),
    ]
    for master, message in cases:
        with pytest.raises(MasterKeyError, match=message) as caught:
            master.wrap(data_key, context=CONTEXT)
        for text in (str(caught.value), repr(caught.value), repr(master)):
            assert PIN not in text
            assert "not-the-pin" not in text
            assert data_key.hex() not in text


def test_the_repr_shows_only_the_key_id_and_the_key_cannot_be_pickled(hsm: Hsm) -> None:
    master = hsm.generate()
    assert repr(master) == "Pkcs11MasterKey(key_id='pkcs11:laif-a/master')"
    assert PIN not in repr(master)
    with pytest.raises(TypeError, match="pickled"):
        pickle.dumps(master)
