"""The canonical MLflow model zip of the registry (``laif.registry.mlflow_dir``): round trips of
zipped, foldered and tarred model directories and of single files, byte-identical output on any
sink, and each refusal of a hostile archive. Archives are built in memory; no Django, no database."""

from __future__ import annotations

import gzip
import hashlib
import io
import shutil
import struct
import subprocess
import tarfile
import time
import tracemalloc
import warnings
import zipfile
from pathlib import Path
from typing import Any, BinaryIO, cast

import pytest

from laif.registry.mlflow_dir import (
    MLMODEL,
    ArchiveError,
    Limits,
    Packed,
    mlmodel_of,
    pack,
    read_mlmodel,
)

SKLEARN_MLMODEL = b"""\
artifact_path: model
flavors:
  python_function:
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.sklearn
    model_path: model.pkl
    predict_fn: predict
    python_version: 3.11.7
  sklearn:
    code: null
    pickled_model: model.pkl
    serialization_format: cloudpickle
    sklearn_version: 1.5.1
metadata:
  owner: data-team
mlflow_version: 2.16.0
model_size_bytes: 812
model_uuid: 4b7f6c1e2a3d4e5f8a9b0c1d2e3f4a5b
run_id: 0c6f3b0e9e1a4d2b8f7c6d5e4f3a2b1c
signature:
  inputs: '[{"type": "double", "name": "x", "required": true}]'
  outputs: '[{"type": "long", "required": true}]'
  params: null
utc_time_created: '2024-09-02 10:11:12.123456'
"""
MODEL_FILES = {
    "model.pkl": b"\x80\x04pickled model bytes",
    "conda.yaml": b"name: mlflow-env\n",
    "python_env.yaml": b"python: 3.11.7\n",
    "requirements.txt": b"scikit-learn==1.5.1\n",
}
LAIF = {"model": "fraud-detector", "version": 3, "uploaded_by": "alice", "sources": ["run-1"]}
UUID = "00000000-0000-4000-8000-000000000001"
CREATED = "2025-01-02T03:04:05Z"
LIMITS = Limits(max_bytes=64 << 20)
MiB = 1 << 20


def zip_bytes(members: dict[str, bytes], *, dirs: tuple[str, ...] = (),
              compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buf, "w", compression) as zf:
        warnings.simplefilter("ignore")  # "Duplicate name", wanted by one test
        for name in dirs:
            zf.writestr(zipfile.ZipInfo(name), b"")
        for name, data in members.items():
            info = zipfile.ZipInfo(name)  # also an empty name, which writestr(str) refuses
            info.compress_type = compression
            zf.writestr(info, data)
    return buf.getvalue()


def tar_bytes(members: list[tarfile.TarInfo | tuple[str, bytes]], mode: str = "w:gz") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode, format=tarfile.PAX_FORMAT) as tf:  # type: ignore[call-overload]
        for member in members:
            if isinstance(member, tarfile.TarInfo):
                tf.addfile(member)
            else:
                info = tarfile.TarInfo(member[0])
                info.size = len(member[1])
                tf.addfile(info, io.BytesIO(member[1]))
    return buf.getvalue()


def model_dir(prefix: str = "") -> dict[str, bytes]:
    return {f"{prefix}{name}": data for name, data in {MLMODEL: SKLEARN_MLMODEL, **MODEL_FILES}.items()}


def run(data: bytes, filename: str = "model.zip", limits: Limits = LIMITS,
        sink: Any = None) -> tuple[Packed, bytes]:
    out = io.BytesIO() if sink is None else sink
    packed = pack(io.BytesIO(data), filename=filename, sink=cast(BinaryIO, out), laif=LAIF,
                  model_uuid=UUID, created=CREATED, limits=limits)
    return packed, (out.getvalue() if sink is None else bytes(sink.data))


def refused(data: bytes, filename: str = "model.zip", limits: Limits = LIMITS) -> ArchiveError:
    with pytest.raises(ArchiveError) as caught:
        run(data, filename, limits)
    error = caught.value
    assert error.message.isprintable()
    assert len(error.message) <= 100
    return error


def read_zip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        return {info.filename: zf.read(info) for info in zf.infolist()}


def patch_flags(data: bytes, bit: int) -> bytes:
    """``data`` with ``bit`` set in every local and central header's general purpose flags."""
    buf = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = buf.find(signature)
        while at >= 0:
            (flags,) = struct.unpack_from("<H", buf, at + offset)
            struct.pack_into("<H", buf, at + offset, flags | bit)
            at = buf.find(signature, at + 4)
    return bytes(buf)


class WriteOnly:
    """A sink like the encrypting writer: write and flush, no tell, no seek."""

    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, b: bytes) -> int:
        self.data += b
        return len(b)

    def flush(self) -> None:
        pass


# --- round trips ---------------------------------------------------------------------------------


def test_a_zipped_mlflow_directory_round_trips() -> None:
    packed, data = run(zip_bytes(model_dir()))

    stored = read_zip(data)
    assert list(stored) == [MLMODEL, "conda.yaml", "model.pkl", "python_env.yaml",
                            "requirements.txt"]
    assert {name: stored[name] for name in MODEL_FILES} == MODEL_FILES
    mlmodel = read_mlmodel(stored[MLMODEL])
    assert mlmodel == packed.mlmodel == mlmodel_of(io.BytesIO(data))
    assert packed.flavors == ("python_function", "sklearn")
    assert mlmodel["flavors"]["sklearn"]["pickled_model"] == "model.pkl"
    assert mlmodel["signature"]["inputs"] == '[{"type": "double", "name": "x", "required": true}]'
    assert mlmodel["metadata"] == {"owner": "data-team", "laif": LAIF}
    assert mlmodel["model_uuid"] == "4b7f6c1e2a3d4e5f8a9b0c1d2e3f4a5b"  # the user's, kept
    assert mlmodel["utc_time_created"] == "2024-09-02 10:11:12.123456"
    assert mlmodel["run_id"] == "0c6f3b0e9e1a4d2b8f7c6d5e4f3a2b1c"
    assert packed.imported is True
    assert packed.files == tuple(sorted(
        [(MLMODEL, len(stored[MLMODEL]))] + [(n, len(d)) for n, d in MODEL_FILES.items()]))
    with zipfile.ZipFile(io.BytesIO(data)) as zf:  # 0x08: streamed, sizes after the data
        assert {(i.date_time, i.compress_type, i.external_attr, i.flag_bits & 0x08)
                for i in zf.infolist()} == {((1980, 1, 1, 0, 0, 0), zipfile.ZIP_STORED,
                                             0o644 << 16, 0x08)}


def test_missing_uuid_and_time_are_filled_and_laif_replaced() -> None:
    text = b"flavors: {onnx: {data: model.onnx}}\nmetadata: {laif: forged, team: x}\n"
    packed, _ = run(zip_bytes({MLMODEL: text, "model.onnx": b"onnx"}))
    assert packed.mlmodel == {"flavors": {"onnx": {"data": "model.onnx"}},
                              "metadata": {"laif": LAIF, "team": "x"},
                              "model_uuid": UUID, "utc_time_created": CREATED}


def test_the_single_top_directory_of_a_zip_is_stripped() -> None:
    data = zip_bytes({**model_dir("my_model/"), "__MACOSX/my_model/._model.pkl": b"fork"},
                     dirs=("my_model/", "__MACOSX/"))
    packed, stored = run(data)
    assert list(read_zip(stored)) == [MLMODEL, *sorted(MODEL_FILES)]
    assert packed.flavors == ("python_function", "sklearn")


@pytest.mark.parametrize("mode", ["w:gz", "w:bz2", "w:xz", "w:"])
def test_a_tarred_mlflow_directory_round_trips(mode: str) -> None:
    root = tarfile.TarInfo(".")
    root.type = tarfile.DIRTYPE
    data = tar_bytes([root, *(("./" + n, d) for n, d in model_dir().items())], mode)
    packed, stored = run(data, "model.tar.gz")
    files = read_zip(stored)
    assert {name: files[name] for name in MODEL_FILES} == MODEL_FILES
    assert packed.flavors == ("python_function", "sklearn")
    assert packed.imported


def test_the_same_model_as_zip_or_tar_gives_the_same_bytes() -> None:
    from_zip = run(zip_bytes(model_dir("m/")))[1]
    from_tar = run(tar_bytes(list(model_dir().items())), "m.tgz")[1]
    assert from_zip == from_tar


def test_a_single_file_is_stored_under_model() -> None:
    packed, data = run(b"safetensors bytes", "C:\\Users\\me\\weights.safetensors")
    assert read_zip(data) == {MLMODEL: read_zip(data)[MLMODEL],
                              "model/weights.safetensors": b"safetensors bytes"}
    assert packed.mlmodel == {"artifact_path": "model", "flavors": {}, "model_uuid": UUID,
                              "utc_time_created": CREATED, "metadata": {"laif": LAIF}}
    assert mlmodel_of(io.BytesIO(data)) == packed.mlmodel
    assert packed.flavors == ()
    assert packed.imported is False


@pytest.mark.parametrize(("filename", "stored"), [
    ("../..", "model.bin"),
    ("", "model.bin"),
    ("dir/sub/", "model.bin"),
    ("a\x00b\x1b.onnx", "ab.onnx"),
    ("x" * 300 + ".safetensors", "x" * 88 + ".safetensors"),
])
def test_a_single_file_name_is_made_safe(filename: str, stored: str) -> None:
    packed, _ = run(b"weights", filename)
    assert packed.files[1] == (f"model/{stored}", 7)


def test_a_zip_without_mlmodel_not_named_an_archive_is_a_single_file() -> None:
    torch_pt = zip_bytes({"archive/data.pkl": b"pickle", "archive/version": b"3\n"})
    packed, data = run(torch_pt, "model.pt")
    assert read_zip(data)["model/model.pt"] == torch_pt
    assert packed.imported is False


@pytest.mark.parametrize(("data", "filename"), [
    (bytes(64 * MiB), "weights.bin"),  # read as a tar, it is an empty one
    (gzip.compress(b"not a tar"), "weights.gz"),
    (b"BZh9 not bzip2", "weights.bin"),
])
def test_files_that_are_no_archive_are_stored_whole_and_quickly(data: bytes, filename: str) -> None:
    started = time.perf_counter()
    packed, stored = run(data, filename, Limits(max_bytes=128 * MiB))
    assert time.perf_counter() - started < 3  # no LZMA format guessing over the whole file
    assert read_zip(stored)[f"model/{filename}"] == data
    assert packed.imported is False


def test_output_is_deterministic_and_the_same_on_any_sink() -> None:
    upload = zip_bytes(model_dir())
    first, second = run(upload)[1], run(upload)[1]
    streamed = run(upload, sink=WriteOnly())[1]
    assert first == second == streamed


def test_hash_and_size_are_those_of_the_bytes_written() -> None:
    sink = WriteOnly()
    packed, data = run(zip_bytes(model_dir()), sink=sink)
    assert packed.sha256 == hashlib.sha256(data).hexdigest()
    assert packed.size == len(data) > 0


def test_a_non_seekable_sink_gets_a_valid_zip() -> None:
    packed, data = run(tar_bytes(list(model_dir().items())), "m.tgz", sink=WriteOnly())
    assert read_zip(data)["model.pkl"] == MODEL_FILES["model.pkl"]
    assert mlmodel_of(io.BytesIO(data)) == packed.mlmodel


@pytest.mark.skipif(shutil.which("unzip") is None, reason="no unzip")
def test_info_zip_reads_the_canonical_zip(tmp_path: Path) -> None:
    (tmp_path / "m.zip").write_bytes(run(zip_bytes(model_dir()), sink=WriteOnly())[1])
    subprocess.run(["unzip", "-tq", str(tmp_path / "m.zip")], check=True, capture_output=True)


# --- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["", "../evil", "a/../../evil", "/abs", "a\\b", "C:/x", "a/./b",
                                  "a//b", "a\x1bb", "x" * 256])
def test_unsafe_member_paths_are_refused(name: str) -> None:
    assert refused(zip_bytes({**model_dir(), name: b"x"})).code == "unsafe_path"
    tarred = tar_bytes([*model_dir().items(), (name, b"x")])
    assert refused(tarred, "m.tgz").code == "unsafe_path"


def test_a_nul_in_a_member_name_is_refused() -> None:
    data = zip_bytes({**model_dir(), "evil_name": b"x"}).replace(b"evil_name", b"evil\x00name")
    error = refused(data)
    assert error.code == "unsafe_path"
    assert "\\x00" in error.message
    member = tarfile.TarInfo("placeholder")
    member.pax_headers = {"path": "a\x00b"}
    assert refused(tar_bytes([*model_dir().items(), member]), "m.tgz").code == "unsafe_path"


@pytest.mark.parametrize(("kind", "code"), [(tarfile.SYMTYPE, "symlink"),
                                            (tarfile.LNKTYPE, "symlink"),
                                            (tarfile.FIFOTYPE, "special"),
                                            (tarfile.CHRTYPE, "special")])
def test_tar_links_and_special_files_are_refused(kind: bytes, code: str) -> None:
    member = tarfile.TarInfo("model.pkl")
    member.type, member.linkname = kind, "/etc/passwd"
    data = tar_bytes([(MLMODEL, SKLEARN_MLMODEL), member])
    error = refused(data, "m.tgz")
    assert error.code == code
    assert "model.pkl" in error.message


def test_a_symlink_in_a_zip_is_refused() -> None:
    link = zipfile.ZipInfo("model.pkl")
    link.external_attr = 0o120777 << 16
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(MLMODEL, SKLEARN_MLMODEL)
        zf.writestr(link, "/etc/passwd")
    assert refused(buf.getvalue()).code == "symlink"


def test_an_mlmodel_that_is_a_directory_is_refused() -> None:
    data = zip_bytes({f"{MLMODEL}/x": b"x", "model.pkl": b"x"})
    assert refused(data).code == "bad_mlmodel"


def _zero_bomb(size: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr(MLMODEL, SKLEARN_MLMODEL)
        with zf.open("model.pkl", "w") as member:
            for _ in range(size // MiB):
                member.write(bytes(MiB))
    return buf.getvalue()


def test_a_zip_bomb_is_refused_quickly_in_little_memory() -> None:
    bomb = _zero_bomb(50 * MiB)
    assert len(bomb) < MiB
    tracemalloc.start()
    started = time.perf_counter()
    try:
        error = refused(bomb, limits=Limits(max_bytes=MiB))
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert error.code == "too_big"
    assert "model.pkl" in error.message
    assert elapsed < 5
    assert peak < 12 * MiB


def test_a_tar_gz_bomb_is_refused() -> None:
    data = tar_bytes([(MLMODEL, SKLEARN_MLMODEL), ("model.pkl", bytes(20 * MiB))])
    assert refused(data, "m.tgz", Limits(max_bytes=MiB, max_members=10)).code == "too_big"


def test_bzip2_or_lzma_zip_members_are_refused() -> None:
    data = zip_bytes(model_dir(), compression=zipfile.ZIP_BZIP2)
    assert refused(data).code == "unsupported"


def test_an_outsized_tar_extended_header_is_refused() -> None:
    member = tarfile.TarInfo("model.pkl")
    member.pax_headers = {"comment": "x" * 100_000}
    assert refused(tar_bytes([(MLMODEL, SKLEARN_MLMODEL), member]), "m.tgz").code == "bad_archive"


def test_too_many_members_are_refused() -> None:
    data = zip_bytes({**model_dir(), **{f"f{i}": b"" for i in range(10)}})
    assert refused(data, limits=Limits(max_bytes=MiB, max_members=12)).code == "too_many"
    tarred = tar_bytes([*model_dir().items(), *((f"f{i}", b"") for i in range(10))])
    assert refused(tarred, "m.tgz", Limits(max_bytes=MiB, max_members=12)).code == "too_many"


@pytest.mark.parametrize("members", [
    [("model.pkl", b"a"), ("model.pkl", b"b")],
    [("model.pkl", b"a"), ("MODEL.pkl", b"b")],
    [("data", b"a"), ("data/x", b"b")],
])
def test_duplicate_members_are_refused(members: list[tuple[str, bytes]]) -> None:
    buf = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buf, "w") as zf:
        warnings.simplefilter("ignore")
        zf.writestr(MLMODEL, SKLEARN_MLMODEL)
        for name, data in members:
            zf.writestr(name, data)
    assert refused(buf.getvalue()).code == "duplicate"


def test_an_archive_without_mlmodel_is_refused() -> None:
    error = refused(zip_bytes(MODEL_FILES), "model.zip")
    assert error.code == "no_mlmodel"
    assert "MLflow model directory" in error.message
    deeper = zip_bytes(model_dir("a/b/"))
    assert refused(deeper, "model.zip").code == "no_mlmodel"
    assert refused(tar_bytes(list(MODEL_FILES.items())), "model.tar.gz").code == "no_mlmodel"


@pytest.mark.parametrize("text", [
    b"- a\n- b\n",
    b"just a string\n",
    b"flavors: [python_function]\n",
    b"artifact_path: model\n",
    b"flavors: {}\nx: !!python/object/apply:os.system [echo pwned]\n",
    b"!!python/object:collections.OrderedDict {flavors: {}}\n",
    b"flavors: {}\ncreated: 2024-01-01 10:00:00\n",
    b"flavors: {}\nbad: 2024-13-45\n",
    b"flavors: {}\ns: !!set {a, b}\n",
    b"flavors: {}\nn: .nan\n",
    b"flavors: {}\n1: integer key\n",
    b"flavors: {\n",
    b"flavors: {}\n" + b"[" * 5000 + b"]" * 5000 + b"\n",
    b"a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    b"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
    b"e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nflavors: {}\n",
])
def test_bad_mlmodels_are_refused(text: bytes) -> None:
    with pytest.raises(ArchiveError) as caught:
        read_mlmodel(text)
    assert caught.value.code == "bad_mlmodel"
    assert refused(zip_bytes({MLMODEL: text, "model.pkl": b"x"})).code == "bad_mlmodel"


def test_an_mlmodel_over_its_limit_is_refused() -> None:
    text = SKLEARN_MLMODEL + b"# " + b"x" * 2000 + b"\n"
    limits = Limits(max_bytes=MiB, max_mlmodel_bytes=1000)
    assert refused(zip_bytes({MLMODEL: text, "model.pkl": b"x"}), limits=limits).code == "bad_mlmodel"
    with pytest.raises(ArchiveError, match="over 1000 bytes"):
        read_mlmodel(text, limits=limits)


def test_an_encrypted_zip_is_refused() -> None:
    data = patch_flags(zip_bytes(model_dir(), compression=zipfile.ZIP_STORED), 0x1)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert all(info.flag_bits & 0x1 for info in zf.infolist())
    assert refused(data).code == "encrypted"


@pytest.mark.parametrize(("data", "filename"), [
    (b"", "model.bin"),
    (zip_bytes({}), "model.zip"),
    (zip_bytes({}, dirs=("m/", "m/sub/")), "model.zip"),
    (bytes(10240), "model.tar"),
])
def test_empty_uploads_are_refused(data: bytes, filename: str) -> None:
    assert refused(data, filename).code == "empty"


def test_a_bad_local_header_offset_is_refused() -> None:
    data = bytearray(zip_bytes(model_dir()))
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 42, len(data) - 10)
    assert refused(bytes(data)).code == "bad_archive"


def test_a_corrupt_member_is_refused() -> None:
    data = zip_bytes(model_dir(), compression=zipfile.ZIP_STORED)
    corrupt = data.replace(MODEL_FILES["model.pkl"], b"\x80\x04PICKLED MODEL BYTES")
    assert refused(corrupt).code == "bad_archive"


def test_messages_are_printable_and_short() -> None:
    error = ArchiveError("unsafe_path", "bad \x1b[31m name \x00" + "y" * 200)
    assert error.code == "unsafe_path"
    assert error.message.isprintable()
    assert len(error.message) == 100
    assert str(error) == error.message
