"""The sandbox's encryption at rest without an HSM (laif.sandbox.envelope, and the key-file master
key of laif.sandbox.master_keys): round trips, random access, Parquet and CSV read through the
decrypting stream, every kind of tampering refused, keys kept out of messages."""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import random
import shutil
import stat
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from laif.sandbox.envelope import (
    MAGIC,
    TAG_SIZE,
    DecryptingReader,
    EncryptingWriter,
    EnvelopeError,
    _Sealer,
    derive_key,
    new_data_key,
    read_header,
)
from laif.sandbox.master_keys import (
    FileMasterKey,
    MasterKey,
    MasterKeyError,
    MasterKeyExistsError,
    rewrap,
)

CS = 64  # a small chunk size keeps the tests fast and crosses many chunk boundaries
KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))


def seal(plaintext: bytes, *, key: bytes = KEY, aad: bytes = b"", chunk_size: int = CS,
         pieces: int | None = None) -> bytes:
    """The encrypted file of ``plaintext``, written in one go or in ``pieces`` random pieces."""
    out = io.BytesIO()
    writer = EncryptingWriter(out, key, key_id="p1.v1", aad=aad, chunk_size=chunk_size)
    if pieces is None:
        writer.write(plaintext)
    else:
        rng = random.Random(pieces)
        cuts = sorted(rng.randrange(len(plaintext) + 1) for _ in range(pieces))
        for start, end in zip([0, *cuts], [*cuts, len(plaintext)], strict=True):
            writer.write(memoryview(plaintext)[start:end])
    writer.close()
    assert writer.plaintext_size == len(plaintext)
    assert writer.plaintext_sha256 == hashlib.sha256(plaintext).hexdigest()
    return out.getvalue()


def reader(blob: bytes, *, key: bytes = KEY, aad: bytes = b"") -> DecryptingReader:
    return DecryptingReader(io.BytesIO(blob), key, aad=aad)


def opened(blob: bytes, *, key: bytes = KEY, aad: bytes = b"") -> bytes:
    """All the plaintext of ``blob``: raises if any of it fails."""
    with reader(blob, key=key, aad=aad) as stream:
        return stream.read()


def header_length(blob: bytes) -> int:
    return read_header(io.BytesIO(blob)).length


def chunk_span(blob: bytes, index: int) -> slice:
    """Where chunk ``index`` (a full one) lies in ``blob``."""
    start = header_length(blob) + index * (CS + TAG_SIZE)
    return slice(start, start + CS + TAG_SIZE)


# --- round trips and layout ---------------------------------------------------------------------

SIZES = [0, 1, CS - 1, CS, CS + 1, 3 * CS, 7 * CS + 13]


@pytest.mark.parametrize("size", SIZES)
def test_round_trip_of_every_size_around_the_chunk_boundaries(size: int) -> None:
    plaintext = os.urandom(size)
    for pieces in (None, 1, 5, 40):
        blob = seal(plaintext, pieces=pieces)
        with reader(blob) as stream:
            assert stream.size == size
            assert stream.read() == plaintext
            assert stream.read() == b""
            stream.seek(0)
            assert b"".join(iter(lambda: stream.read(7), b"")) == plaintext


@pytest.mark.parametrize("size", SIZES)
def test_the_file_length_follows_the_layout(size: int) -> None:
    blob = seal(b"x" * size)
    full, last = divmod(size, CS)  # the final chunk holds 0 .. CS-1 bytes
    assert len(blob) == header_length(blob) + full * (CS + TAG_SIZE) + last + TAG_SIZE
    assert blob.startswith(MAGIC)


def test_the_header_names_the_key_version_and_the_chunk_size() -> None:
    blob = seal(b"data", chunk_size=128)
    header = read_header(io.BytesIO(blob))
    assert (header.key_id, header.chunk_size, header.version) == ("p1.v1", 128, 1)
    assert len(header.file_id) == 16
    assert reader(blob).header == header


def test_two_encryptions_of_the_same_data_differ() -> None:
    plaintext = b"same data" * 50
    first, second = seal(plaintext), seal(plaintext)
    assert first != second
    assert read_header(io.BytesIO(first)).file_id != read_header(io.BytesIO(second)).file_id
    assert opened(first) == opened(second) == plaintext


def test_the_ciphertext_contains_no_plaintext() -> None:
    plaintext = b"CONFIDENTIAL patient 0001, date of birth 1970-01-01;" * 40
    blob = seal(plaintext)
    assert b"CONFIDENTIAL" not in blob
    assert b"patient" not in blob
    assert not any(plaintext[i:i + 8] in blob for i in range(len(plaintext) - 8))


def test_the_default_chunk_size_round_trips_a_few_chunks() -> None:
    plaintext = os.urandom(2 * 1024 * 1024 + 5)
    out = io.BytesIO()
    with EncryptingWriter(out, KEY, key_id="v1") as writer:
        shutil.copyfileobj(io.BytesIO(plaintext), writer)
    assert read_header(io.BytesIO(out.getvalue())).chunk_size == 1024 * 1024
    assert opened(out.getvalue()) == plaintext


# --- random access -------------------------------------------------------------------------------


def test_random_access_reads_equal_the_plaintext_slices() -> None:
    plaintext = os.urandom(20 * CS + 13)
    rng = random.Random(7)
    with reader(seal(plaintext)) as stream:
        for _ in range(500):
            offset = rng.randrange(len(plaintext) + 20)
            length = rng.choice([0, 1, 5, CS - 1, CS, CS + 1, 3 * CS, 10_000])
            assert stream.seek(offset) == offset
            assert stream.read(length) == plaintext[offset:offset + length]
            assert stream.tell() == min(offset + length, max(offset, len(plaintext)))


def test_seek_from_the_current_position_and_from_the_end_and_readinto() -> None:
    plaintext = os.urandom(5 * CS + 3)
    with reader(seal(plaintext)) as stream:
        assert stream.seekable()
        assert stream.readable()
        assert not stream.writable()
        assert stream.seek(-10, io.SEEK_END) == len(plaintext) - 10
        assert stream.read() == plaintext[-10:]
        stream.seek(CS + 2)
        assert stream.seek(-5, io.SEEK_CUR) == CS - 3
        buffer = bytearray(CS)
        assert stream.readinto(buffer) == CS
        assert bytes(buffer) == plaintext[CS - 3:2 * CS - 3]
        assert stream.seek(0, io.SEEK_END) == len(plaintext)
        assert stream.read(10) == b""
        with pytest.raises(ValueError, match="negative"):
            stream.seek(-1)
    with pytest.raises(ValueError, match="closed"):
        stream.read(1)


def test_the_streams_have_no_file_name_and_say_their_mode(tmp_path: Path) -> None:
    """No ``name``: a library given the stream must not open the encrypted file by its path."""
    path = tmp_path / "data.enc"
    with path.open("wb") as out, EncryptingWriter(out, KEY, key_id="v1") as writer:
        writer.write(b"abc")
        assert not hasattr(writer, "name")
        assert writer.mode == "wb"
    with path.open("rb") as src, DecryptingReader(src, KEY) as stream:
        assert not hasattr(stream, "name")
        assert stream.mode == "rb"
        assert pa.PythonFile(stream).read() == b"abc"


def test_the_reader_starts_where_the_source_is() -> None:
    plaintext = os.urandom(3 * CS)
    src = io.BytesIO(b"prefix" + seal(plaintext))
    src.seek(6)
    assert DecryptingReader(src, KEY).read() == plaintext


# --- Parquet and CSV through the streams ---------------------------------------------------------


def table(rows: int = 5000) -> pa.Table:
    return pa.table({"id": list(range(rows)), "name": [f"name-{i}" for i in range(rows)],
                     "score": [i / 7 for i in range(rows)]})


def write_parquet(path: Path, data: pa.Table, *, aad: bytes = b"") -> EncryptingWriter:
    with path.open("wb") as out:
        writer = EncryptingWriter(out, KEY, key_id="p1.v1", aad=aad, chunk_size=1024)
        sink = pa.PythonFile(writer, mode="w")
        parquet = pq.ParquetWriter(sink, data.schema)
        for batch in data.to_batches(max_chunksize=700):
            parquet.write_batch(batch)
        parquet.close()
        sink.close()  # closes the writer: seals the final chunk
    assert writer.closed
    return writer


def test_parquet_written_through_the_writer_is_read_by_pyarrow_and_polars(tmp_path: Path) -> None:
    data = table()
    path = tmp_path / "data.parquet.enc"
    writer = write_parquet(path, data, aad=b"dataset:1")
    assert b"name-1234" not in path.read_bytes()
    with path.open("rb") as src, DecryptingReader(src, KEY, aad=b"dataset:1") as stream:
        assert stream.size == writer.plaintext_size
        assert pq.ParquetFile(stream).read().equals(data)
        stream.seek(0)
        assert pq.read_table(stream, columns=["name"]).column("name").to_pylist() == \
            data.column("name").to_pylist()
        stream.seek(0)
        frame = pl.read_parquet(stream)
        assert frame.shape == (5000, 3)
        assert frame["score"].to_list() == data.column("score").to_pylist()
        stream.seek(0)
        only = pl.read_parquet(stream, columns=["id"])
        assert only.columns == ["id"]
        assert only["id"].to_list() == list(range(5000))


def test_pyarrow_reads_only_the_chunks_of_the_selected_column(tmp_path: Path) -> None:
    """Random access for real: one column of a wide file needs only some of the chunks."""
    rows = 20_000
    data = pa.table({"small": list(range(rows)), "big": [f"{i:08d}" * 20 for i in range(rows)]})
    path = tmp_path / "wide.parquet.enc"
    write_parquet(path, data)
    with path.open("rb") as src, DecryptingReader(src, KEY) as stream:
        touched: set[int] = set()
        original = stream._chunk

        def spy(index: int) -> bytes:
            touched.add(index)
            return original(index)

        stream._chunk = spy  # type: ignore[method-assign]
        assert pq.read_table(stream, columns=["small"]).column("small").to_pylist() == \
            list(range(rows))
        chunks = stream.size // 1024 + 1
    assert len(touched) < chunks / 2


def test_csv_copied_through_the_writer_is_read_by_pyarrow_csv() -> None:
    text = b"id,city\n" + b"".join(b"%d,City %d\n" % (i, i) for i in range(3000))
    out = io.BytesIO()
    with EncryptingWriter(out, KEY, key_id="v1", chunk_size=CS) as writer:
        shutil.copyfileobj(io.BytesIO(text), writer, length=100)
    with reader(out.getvalue()) as stream:
        read = pacsv.open_csv(stream).read_all()
    assert read.num_rows == 3000
    assert read.column("city")[2999].as_py() == "City 2999"


# --- tampering, truncation, reordering, wrong keys ----------------------------------------------

PLAINTEXT = bytes(range(256)) * 2 + b"tail"  # 8 full chunks and a final one of 4 bytes


def refused(blob: bytes, *, key: bytes = KEY, aad: bytes = b"") -> str:
    with pytest.raises(EnvelopeError) as caught:
        opened(blob, key=key, aad=aad)
    return str(caught.value)


def flipped(blob: bytes, position: int) -> bytes:
    changed = bytearray(blob)
    changed[position] ^= 0x01
    return bytes(changed)


def test_every_header_byte_is_protected() -> None:
    blob = seal(PLAINTEXT)
    for position in range(header_length(blob)):
        refused(flipped(blob, position))


def test_a_header_with_a_bad_magic_is_not_an_encrypted_file() -> None:
    assert "bad magic" in refused(b"PAR1" + seal(b"x")[4:])
    assert "bad magic" in refused(b"")


def test_a_changed_ciphertext_byte_is_refused_where_it_is_read() -> None:
    blob = seal(PLAINTEXT)
    tampered = flipped(blob, chunk_span(blob, 3).start + 5)
    message = refused(tampered)
    assert "chunk 3" in message
    with reader(tampered) as stream:  # the other chunks are still authentic
        assert stream.read(3 * CS) == PLAINTEXT[:3 * CS]
        with pytest.raises(EnvelopeError):
            stream.read(1)
        stream.seek(4 * CS)
        assert stream.read(CS) == PLAINTEXT[4 * CS:5 * CS]


def test_a_changed_tag_is_refused() -> None:
    blob = seal(PLAINTEXT)
    refused(flipped(blob, chunk_span(blob, 0).stop - 1))
    refused(flipped(blob, len(blob) - 1))  # the final chunk's tag: refused on opening


def test_dropping_the_final_chunk_is_refused_though_every_other_chunk_is_valid() -> None:
    blob = seal(PLAINTEXT)
    without_final = blob[:chunk_span(blob, 7).stop]
    with pytest.raises(EnvelopeError, match="truncated"):
        reader(without_final)
    # the same with an exact multiple of the chunk size, whose final chunk is empty
    exact = seal(PLAINTEXT[:8 * CS])
    with pytest.raises(EnvelopeError, match="truncated"):
        reader(exact[:-TAG_SIZE])


def test_dropping_the_final_chunk_and_more_is_refused() -> None:
    """Cutting the file at a chunk boundary and relabelling nothing: the last chunk left was
    sealed as not final, whatever length the cut leaves."""
    blob = seal(PLAINTEXT)
    for chunks_left in range(8):
        refused(blob[:chunk_span(blob, chunks_left).start])
        # a cut that leaves a piece long enough to pass for a final chunk
        refused(blob[:chunk_span(blob, chunks_left).start + TAG_SIZE + 3])


def test_the_last_chunk_must_be_sealed_as_final() -> None:
    """Even a well formed layout is refused when its last chunk was not sealed as final (or an
    earlier one was)."""
    blob = seal(PLAINTEXT)
    header = read_header(io.BytesIO(blob))
    sealer = _Sealer(KEY, header, b"")
    final_start = chunk_span(blob, 8).start
    not_final = blob[:final_start] + sealer.seal(8, b"tail", final=False)
    assert "final chunk 8" in refused(not_final)
    early_final = bytearray(blob)
    early_final[chunk_span(blob, 2)] = sealer.seal(2, PLAINTEXT[2 * CS:3 * CS], final=True)
    assert "chunk 2" in refused(bytes(early_final))
    assert opened(blob[:final_start] + sealer.seal(8, b"tail", final=True)) == PLAINTEXT


def test_every_truncation_is_refused() -> None:
    blob = seal(PLAINTEXT[:3 * CS + 9])
    for length in range(len(blob)):
        refused(blob[:length])


def test_bytes_appended_are_refused() -> None:
    blob = seal(PLAINTEXT)
    refused(blob + b"\x00")
    refused(blob + blob[chunk_span(blob, 0)])


def test_swapped_or_duplicated_chunks_are_refused() -> None:
    blob = seal(PLAINTEXT)
    first, second = chunk_span(blob, 1), chunk_span(blob, 2)
    swapped = bytearray(blob)
    swapped[first], swapped[second] = blob[second], blob[first]
    assert "chunk 1" in refused(bytes(swapped))
    duplicated = bytearray(blob)
    duplicated[second] = blob[first]
    assert "chunk 2" in refused(bytes(duplicated))


def test_a_chunk_from_another_file_under_the_same_key_is_refused() -> None:
    blob, other = seal(PLAINTEXT), seal(PLAINTEXT)
    mixed = bytearray(blob)
    mixed[chunk_span(blob, 2)] = other[chunk_span(other, 2)]
    refused(bytes(mixed))
    # the other file's header on this file's chunks
    refused(other[:header_length(other)] + blob[header_length(blob):])


def test_a_wrong_key_or_a_wrong_aad_is_refused() -> None:
    blob = seal(PLAINTEXT, aad=b"dataset:1")
    assert opened(blob, aad=b"dataset:1") == PLAINTEXT
    assert "authentication failed" in refused(blob, key=OTHER_KEY, aad=b"dataset:1")
    refused(blob, aad=b"dataset:2")
    refused(blob)
    src = io.BytesIO(blob)  # a reader that owns its source closes it when it cannot open
    with pytest.raises(EnvelopeError):
        DecryptingReader(src, OTHER_KEY, aad=b"dataset:1", close_src=True)
    assert src.closed


def test_an_empty_file_is_authenticated_too() -> None:
    blob = seal(b"")
    assert opened(blob) == b""
    refused(blob, key=OTHER_KEY)
    refused(flipped(blob, len(blob) - 1))


# --- the writer's life cycle ---------------------------------------------------------------------


def test_an_exception_in_the_writers_block_leaves_an_unreadable_file() -> None:
    out = io.BytesIO()
    writer = EncryptingWriter(out, KEY, key_id="v1", chunk_size=CS)

    def interrupted_upload() -> None:
        with writer:
            writer.write(PLAINTEXT)
            raise RuntimeError("upload interrupted")

    with pytest.raises(RuntimeError):
        interrupted_upload()
    assert writer.closed
    with pytest.raises(EnvelopeError, match="closed successfully"):
        writer.plaintext_sha256  # noqa: B018
    refused(out.getvalue())


def test_an_abandoned_writer_leaves_an_unreadable_file() -> None:
    out = io.BytesIO()
    writer = EncryptingWriter(out, KEY, key_id="v1", chunk_size=CS)
    writer.write(PLAINTEXT)
    del writer
    refused(out.getvalue())
    aborted = io.BytesIO()
    other = EncryptingWriter(aborted, KEY, key_id="v1", chunk_size=CS)
    other.write(b"partial")
    other.abort()
    refused(aborted.getvalue())


def test_a_closed_writer_refuses_to_write_and_reports_its_plaintext() -> None:
    out = io.BytesIO()
    writer = EncryptingWriter(out, KEY, key_id="v1", chunk_size=CS)
    assert writer.writable()
    assert not writer.readable()
    assert not writer.seekable()
    with pytest.raises(EnvelopeError, match="closed successfully"):
        writer.plaintext_size  # noqa: B018
    writer.write(b"abc")
    assert writer.tell() == 3
    writer.close()
    writer.close()  # twice is harmless
    with pytest.raises(ValueError, match="closed"):
        writer.write(b"more")
    assert writer.plaintext_size == 3
    assert writer.plaintext_sha256 == hashlib.sha256(b"abc").hexdigest()
    assert not out.closed


def test_a_failing_destination_makes_the_writer_unusable() -> None:
    class Full(io.BytesIO):
        def write(self, data: object, /) -> int:
            if self.tell() > 100:
                raise OSError("disk full")
            return super().write(data)  # type: ignore[arg-type]

    out = Full()
    writer = EncryptingWriter(out, KEY, key_id="v1", chunk_size=CS)
    with pytest.raises(OSError, match="disk full"):
        writer.write(PLAINTEXT)
    with pytest.raises(EnvelopeError, match="earlier write failed"):
        writer.write(b"x")
    writer.close()
    refused(out.getvalue())


@pytest.mark.parametrize(("make", "message"), [
    (lambda: EncryptingWriter(io.BytesIO(), KEY[:16], key_id="v1"), "32 bytes"),
    (lambda: EncryptingWriter(io.BytesIO(), KEY, key_id=""), "key id"),
    (lambda: EncryptingWriter(io.BytesIO(), KEY, key_id="é" * 200), "key id"),
    (lambda: EncryptingWriter(io.BytesIO(), KEY, key_id="v1", chunk_size=8), "chunk size"),
    (lambda: EncryptingWriter(io.BytesIO(), KEY, key_id="v1", chunk_size=2**27), "chunk size"),
    (lambda: DecryptingReader(io.BytesIO(seal(b"x")), KEY + b"!"), "32 bytes"),
])
def test_bad_arguments_are_refused(make: Callable[[], object], message: str) -> None:
    with pytest.raises(EnvelopeError, match=message):
        make()


def test_new_data_keys_are_random_32_bytes() -> None:
    keys = {new_data_key() for _ in range(20)}
    assert len(keys) == 20
    assert all(len(key) == 32 for key in keys)


# --- derived keys --------------------------------------------------------------------------------


def test_derived_keys_are_deterministic_and_separated_by_purpose_and_version() -> None:
    first = derive_key(KEY, purpose="exports", version=1)
    assert first == derive_key(KEY, purpose="exports", version=1)
    assert len(first) == 32
    assert len(derive_key(KEY, purpose="exports", version=1, length=16)) == 16
    others = {
        derive_key(KEY, purpose="exports", version=2),
        derive_key(KEY, purpose="export", version=1),
        derive_key(KEY, purpose="exports1", version=1),
        derive_key(KEY, purpose="pseudonyms", version=1),
        derive_key(OTHER_KEY, purpose="exports", version=1),
    }
    assert len(others) == 5
    assert first not in others
    assert KEY not in others


@pytest.mark.parametrize(("purpose", "version", "message"), [
    ("", 1, "purpose"), ("exports", 0, "version"), ("exports", -3, "version"),
    ("exports", True, "version"),
])
def test_derive_key_needs_a_purpose_and_a_positive_version(purpose: str, version: int,
                                                           message: str) -> None:
    with pytest.raises(EnvelopeError, match=message):
        derive_key(KEY, purpose=purpose, version=version)


# --- the key-file master key ---------------------------------------------------------------------

CONTEXT = b"laif-sandbox:project:42:v1"


def key_bytes(key: FileMasterKey) -> bytes:
    return key.path.read_bytes()


def test_create_writes_a_private_32_byte_key_and_load_finds_the_same_key(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    created = FileMasterKey.create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(path.read_bytes()) == 32
    loaded = FileMasterKey(path)
    assert isinstance(loaded, MasterKey)
    assert loaded.key_id == created.key_id
    assert loaded.key_id.startswith("file:")
    assert len(loaded.key_id) == len("file:") + 16
    assert path.read_bytes().hex()[:16] not in loaded.key_id
    data_key = new_data_key()
    assert loaded.unwrap(created.wrap(data_key, context=CONTEXT), context=CONTEXT) == data_key


def test_create_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    FileMasterKey.create(path)
    before = path.read_bytes()
    with pytest.raises(MasterKeyExistsError, match="refusing to overwrite"):
        FileMasterKey.create(path)
    with pytest.raises(FileExistsError):  # what callers racing to create the file catch
        FileMasterKey.create(path)
    assert path.read_bytes() == before


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o620, 0o644, 0o700])
def test_a_key_file_open_to_group_or_others_is_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "master.key"
    FileMasterKey.create(path)
    path.chmod(mode)
    expected = mode & 0o077
    if not expected:
        FileMasterKey(path)
        return
    with pytest.raises(MasterKeyError, match=r"group or others .*chmod 600") as caught:
        FileMasterKey(path)
    assert f"{mode:04o}" in str(caught.value)


@pytest.mark.parametrize("size", [0, 16, 31, 33, 64])
def test_a_key_file_of_the_wrong_size_is_refused(tmp_path: Path, size: int) -> None:
    path = tmp_path / "master.key"
    path.write_bytes(b"k" * size)
    path.chmod(0o600)
    with pytest.raises(MasterKeyError, match="exactly 32 bytes"):
        FileMasterKey(path)


def test_a_missing_key_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(MasterKeyError, match="cannot open master key file"):
        FileMasterKey(tmp_path / "none.key")


def test_unwrap_refuses_a_wrong_context_a_wrong_key_or_tampering(tmp_path: Path) -> None:
    master = FileMasterKey.create(tmp_path / "a.key")
    other = FileMasterKey.create(tmp_path / "b.key")
    data_key = new_data_key()
    wrapped = master.wrap(data_key, context=CONTEXT)
    assert data_key not in wrapped
    assert master.wrap(data_key, context=CONTEXT) != wrapped  # a fresh nonce each time
    attempts: list[Callable[[], bytes]] = [
        lambda: master.unwrap(wrapped, context=b"laif-sandbox:project:43:v1"),
        lambda: master.unwrap(wrapped, context=b"laif-sandbox:project:42:v2"),
        lambda: other.unwrap(wrapped, context=CONTEXT),
        lambda: master.unwrap(flipped(wrapped, 20), context=CONTEXT),
        lambda: master.unwrap(wrapped[:-1], context=CONTEXT),
    ]
    for attempt in attempts:
        with pytest.raises(MasterKeyError, match="cannot unwrap"):
            attempt()
    with pytest.raises(MasterKeyError, match="malformed"):
        master.unwrap(b"\x02" + wrapped[1:], context=CONTEXT)
    with pytest.raises(MasterKeyError, match="context"):
        master.wrap(data_key, context=b"")
    with pytest.raises(MasterKeyError, match="data key"):
        master.wrap(b"short", context=CONTEXT)


def test_rotation_rewraps_the_data_key_and_leaves_the_data_alone(tmp_path: Path) -> None:
    old = FileMasterKey.create(tmp_path / "old.key")
    new = FileMasterKey.create(tmp_path / "new.key")
    data_key = new_data_key()
    wrapped = old.wrap(data_key, context=CONTEXT)
    blob = seal(PLAINTEXT, key=data_key)
    rewrapped = rewrap(wrapped, context=CONTEXT, old=old, new=new)
    assert new.unwrap(rewrapped, context=CONTEXT) == data_key
    with pytest.raises(MasterKeyError):
        old.unwrap(rewrapped, context=CONTEXT)
    with pytest.raises(MasterKeyError):
        rewrap(wrapped, context=b"another context", old=old, new=new)
    with pytest.raises(MasterKeyError):
        rewrap(rewrapped, context=CONTEXT, old=old, new=new)
    assert opened(blob, key=new.unwrap(rewrapped, context=CONTEXT)) == PLAINTEXT


def test_no_message_or_repr_shows_a_key(tmp_path: Path) -> None:
    master = FileMasterKey.create(tmp_path / "master.key")
    secret = key_bytes(master)
    data_key = new_data_key()
    wrapped = master.wrap(data_key, context=CONTEXT)
    texts = [repr(master), str(master)]
    failures: list[Callable[[], object]] = [
        lambda: master.unwrap(flipped(wrapped, 30), context=CONTEXT),
        lambda: master.unwrap(wrapped, context=b"elsewhere"),
        lambda: FileMasterKey.create(master.path),
        lambda: opened(seal(PLAINTEXT, key=data_key), key=secret),
        lambda: opened(flipped(seal(PLAINTEXT, key=data_key), 100), key=data_key),
        lambda: pickle.dumps(master),
    ]
    master.path.chmod(0o644)
    failures.append(lambda: FileMasterKey(master.path))
    for failure in failures:
        with pytest.raises((MasterKeyError, EnvelopeError, TypeError)) as caught:
            failure()
        texts.append(str(caught.value))
        texts.append(repr(caught.value))
    assert repr(master) == f"FileMasterKey(key_id={master.key_id!r})"
    for text in texts:
        for key in (secret, data_key):
            assert key.hex() not in text
            assert key.hex().upper() not in text
            assert repr(key)[2:-1] not in text
            assert key.decode("latin-1") not in text
