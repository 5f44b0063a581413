"""Benchmark of the data sandbox's streamed release (issue 20): pseudonymisation speed against
Microsoft Presidio's ``presidio-structured``, and peak memory at 1 M and 10 M rows.

    .venv/bin/python bench/sandbox_release.py [--rows 1000000] [--big-rows 10000000]
        [--skip-presidio] [--skip-big] [--batch-rows 262144] [--workers N] [--seed 1]

Presidio is in the ``bench`` dependency group (not ``dev``): ``.tools/bin/uv sync --group bench``.
It needs no spaCy model here: given an explicit ``StructuredAnalysis(entity_mapping=...)``,
presidio-structured never builds an ``AnalyzerEngine`` (importing presidio-analyzer imports spaCy
but loads no model).

Data (generated, not timed, streamed to Parquet in a temporary folder, all columns strings): 4
identifying columns (13-digit matricules, some written with spaces; IBANs, half of them in groups
of four; e-mail addresses; phone numbers), each about 96% unique, and 10 other columns
(categories, numbers and dates as strings). The Parquet file is encrypted at rest as the sandbox
stores it (``envelope.EncryptingWriter``, random data key).

- ours: ``pipeline.release_stream`` from the encrypted file (``envelope.DecryptingReader``: the
  decryption is included) to a plain Parquet file, with ``pseudonymise`` on the 4 identifying
  columns (keyed HMAC-SHA256) and ``keep`` on the 10 others, and a trivially passing risk plan
  (quasi-identifier ``segment``, ``required_k=1``, no suppression): both passes (risk, release),
  reading, decrypting, writing (zstd), end to end; timed in a fresh subprocess from opening the
  file to closing the output (the interpreter's start and imports left out), which also reports
  its peak RSS (``VmHWM``) and that of its worker processes (``RUSAGE_CHILDREN``). Run twice at
  1 M rows when the compiled MAC loop is built (``laif.sandbox.kernel``): with it, then with
  hashlib's MACs in worker processes (what runs where it is not built), each with its ratio;
- presidio: ``StructuredEngine().anonymize`` (``PandasDataProcessor``) with the ``hash`` operator
  (sha256, a fixed 32-byte salt so that equal values give equal hashes, as a pseudonym must; without
  one it draws a random salt per cell) on the same 4 columns of the same data, loaded as a pandas
  DataFrame beforehand (loading not timed: only the anonymisation call is). The columns are given
  as ``object`` dtype: with pandas 3's default ``str`` dtype, presidio-structured's per-cell
  ``DataFrame.at`` assignment copies the column each time (quadratic: measured here on a small
  sample and printed, not used for the ratio). Presidio's hash is not keyed: the comparison is of
  speed, not of protection.

The 10 M run is ours only, in its own subprocess, to compare peak memory with the 1 M run (goal:
at most 1.5x). Exit status 1 when a check fails (row counts, pseudonyms equal to
``policies.pseudonymise_values`` on a sample).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from laif.sandbox import envelope, kernel, pipeline, policies

IDENTIFYING = {"matricule": "lu_matricule", "iban": "iban", "email": "email", "phone": "phone"}
OTHERS = (
    "segment",
    "country",
    "status",
    "product",
    "channel",
    "amount",
    "balance",
    "score",
    "opened",
    "updated",
)
COLUMNS = (*IDENTIFYING, *OTHERS)
GENERATION_ROWS = 262_144
FIRST_NAMES = ["anna", "jean", "marie", "luc", "sophie", "paul", "claire", "marc", "julie", "tom"]
LAST_NAMES = ["muller", "weber", "schmit", "hoffmann", "wagner", "klein", "meyer", "becker"]
DOMAINS = ["example.lu", "mail.lu", "post.lu", "example.com", "firma.lu"]
KEY_ID = "bench"
PRESIDIO_INSTALL = "presidio-structured is not installed: .tools/bin/uv sync --group bench"


# --- data ------------------------------------------------------------------------------------------


def _pick(options: list[str], hashed: pl.Expr) -> pl.Expr:
    return hashed.mod(len(options)).replace_strict(dict(enumerate(options)), return_dtype=pl.String)


def _digits(value: pl.Expr, width: int) -> pl.Expr:
    return value.cast(pl.String).str.zfill(width)


def _chunk(start: int, rows: int, seed: int) -> pl.DataFrame:
    """Rows ``start`` to ``start + rows`` of the generated table (deterministic for a seed)."""
    i = pl.col("i")

    def rand(k: int) -> pl.Expr:
        return i.hash(seed=seed * 100 + k)

    # about 4% of the rows repeat another row's person: the identifying columns are ~96% unique
    idx = pl.col("person")

    def person_rand(k: int) -> pl.Expr:
        return idx.hash(seed=seed * 100 + k)

    matricule = _digits((idx * 1_000_003 + 19_400_000_000_000).mod(10**13), 13)
    spaced = (
        matricule.str.slice(0, 4)
        + " "
        + matricule.str.slice(4, 4)
        + " "
        + matricule.str.slice(8, 5)
    )
    account = _digits((idx * 7_000_003).mod(10**12), 12)
    iban = pl.lit("LU") + _digits(idx.mod(89) + 10, 2) + pl.lit("0019") + account
    iban_spaced = (
        iban.str.slice(0, 4)
        + " "
        + iban.str.slice(4, 4)
        + " "
        + iban.str.slice(8, 4)
        + " "
        + iban.str.slice(12, 4)
        + " "
        + iban.str.slice(16, 4)
    )
    email = (
        _pick(FIRST_NAMES, person_rand(1))
        + "."
        + _pick(LAST_NAMES, person_rand(2))
        + idx.cast(pl.String)
        + "@"
        + _pick(DOMAINS, person_rand(3))
    )
    phone = pl.lit("+352 6") + _digits((idx * 10_000_019 + 21_000_000).mod(10**8), 8)
    day = pl.date(2015, 1, 1) + pl.duration(days=rand(9).mod(3650))
    return (
        pl.DataFrame({"i": pl.int_range(start, start + rows, dtype=pl.UInt64, eager=True)})
        .with_columns(pl.when(rand(0).mod(25) == 0).then(i // 2).otherwise(i).alias("person"))
        .select(
            pl.when(rand(4).mod(10) == 0).then(spaced).otherwise(matricule).alias("matricule"),
            pl.when(rand(5).mod(2) == 0).then(iban_spaced).otherwise(iban).alias("iban"),
            email.alias("email"),
            phone.alias("phone"),
            _pick(["retail", "private", "corporate", "public", "sme"], rand(6)).alias("segment"),
            _pick(["LU", "FR", "BE", "DE", "PT"], rand(7)).alias("country"),
            _pick(["active", "closed", "pending"], rand(8)).alias("status"),
            _pick([f"product-{n}" for n in range(8)], rand(10)).alias("product"),
            _pick(["web", "branch", "phone", "app"], rand(11)).alias("channel"),
            (rand(12).mod(10_000_000).cast(pl.Float64) / 100).cast(pl.String).alias("amount"),
            ((rand(13).mod(2_000_000).cast(pl.Int64) - 1_000_000).cast(pl.Float64) / 100)
            .cast(pl.String)
            .alias("balance"),
            rand(14).mod(1000).cast(pl.String).alias("score"),
            day.dt.strftime("%Y-%m-%d").alias("opened"),
            (day + pl.duration(days=rand(15).mod(400))).dt.strftime("%Y-%m-%d").alias("updated"),
        )
    )


def generate(rows: int, plain: Path, encrypted: Path, data_key: bytes, seed: int) -> None:
    """The table as a plain Parquet file and its encrypted copy, written chunk by chunk."""
    schema = pa.schema([pa.field(name, pa.string()) for name in COLUMNS])
    with pq.ParquetWriter(plain, schema, compression="zstd", store_schema=False) as writer:
        for start in range(0, rows, GENERATION_ROWS):
            frame = _chunk(start, min(GENERATION_ROWS, rows - start), seed)
            arrow = frame.to_arrow()
            writer.write_table(
                pa.Table.from_arrays(
                    [arrow.column(n).cast(pa.string()) for n in COLUMNS], schema=schema
                )
            )
    with (
        plain.open("rb") as src,
        encrypted.open("wb") as out,
        envelope.EncryptingWriter(out, data_key, key_id=KEY_ID) as sink,
    ):
        while block := src.read(1 << 22):
            sink.write(block)


def uniqueness(plain: Path) -> dict[str, float]:
    table = pq.read_table(plain, columns=list(IDENTIFYING))
    frame = pl.DataFrame(pl.from_arrow(table))
    return {c: frame.get_column(c).n_unique() / frame.height for c in IDENTIFYING}


# --- ours (in a child process) -----------------------------------------------------------------------


def plan(project_key: bytes) -> pipeline.ReleasePlan:
    keys = {
        ("pseudonym", "default"): policies.derive_domain_key(
            project_key, domain="default", version=1, purpose="pseudonym"
        )
    }
    rules = [policies.ColumnPolicy(c, "pseudonymise", kind) for c, kind in IDENTIFYING.items()]
    rules += [policies.ColumnPolicy(c, "keep", "not_personal") for c in OTHERS]
    return pipeline.ReleasePlan(
        policies=tuple(rules), keys=keys, quasi_identifiers=("segment",), required_k=1
    )


def _vm_hwm_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child(args: argparse.Namespace) -> None:
    """One release, timed; prints a JSON line."""
    data_key = bytes.fromhex(os.environ["BENCH_DATA_KEY"])
    project_key = bytes.fromhex(os.environ["BENCH_PROJECT_KEY"])
    started = time.perf_counter()
    with (
        Path(args.child_source).open("rb") as raw,
        Path(args.child_output).open("wb") as out,
        envelope.DecryptingReader(raw, data_key) as source,
    ):
        result = pipeline.release_stream(
            source, out, plan(project_key), batch_rows=args.batch_rows, workers=args.workers
        )
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "seconds": seconds,
                "rows_in": result.rows_in,
                "rows_out": result.rows_out,
                "output_bytes": result.output_bytes,
                "peak_rss_kib": _vm_hwm_kib(),
                "workers_peak_rss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
            }
        )
    )


def ours(
    args: argparse.Namespace,
    encrypted: Path,
    output: Path,
    keys: dict[str, str],
    *,
    with_hashlib: bool = False,
) -> dict[str, Any]:
    command = [
        sys.executable,
        __file__,
        "--child-source",
        str(encrypted),
        "--child-output",
        str(output),
        "--batch-rows",
        str(args.batch_rows),
    ]
    if args.workers is not None:
        command += ["--workers", str(args.workers)]
    if with_hashlib:
        command.append("--child-hashlib")
    done = subprocess.run(  # noqa: S603 - this script, by its own path
        command,
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **keys},
    )
    measured: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return measured


def check_sample(plain: Path, output: Path, project_key: bytes, sample: int = 2000) -> bool:
    """The released pseudonyms of the first rows equal ``policies.pseudonymise_values``'s."""
    source = pl.DataFrame(pl.from_arrow(pq.ParquetFile(plain).read_row_group(0)))
    released = pl.DataFrame(pl.from_arrow(pq.ParquetFile(output).read_row_group(0)))
    key = plan(project_key).keys[("pseudonym", "default")]
    for column, kind in IDENTIFYING.items():
        expected = policies.pseudonymise_values(
            source.get_column(column).head(sample), kind=kind, key=key
        )
        if not expected.equals(released.get_column(column).head(sample)):
            return False
    return source.select(OTHERS).head(sample).equals(released.select(OTHERS).head(sample))


# --- presidio ---------------------------------------------------------------------------------------


def presidio(plain: Path, rows: int | None = None, object_dtype: bool = True) -> float:
    """Seconds of presidio-structured's anonymisation (hash, sha256) of the 4 identifying
    columns (the first ``rows`` rows when given); loading is not timed."""
    structured = importlib.import_module("presidio_structured")
    entities = importlib.import_module("presidio_anonymizer.entities")
    table = pq.read_table(plain)
    if rows is not None:
        table = table.slice(0, rows)
    frame = table.to_pandas()
    if object_dtype:
        frame = frame.astype(object)
    analysis = structured.StructuredAnalysis(
        entity_mapping={
            "matricule": "LU_MATRICULE",
            "iban": "IBAN_CODE",
            "email": "EMAIL_ADDRESS",
            "phone": "PHONE_NUMBER",
        }
    )
    operators = {
        "DEFAULT": entities.OperatorConfig("hash", {"hash_type": "sha256", "salt": os.urandom(32)})
    }
    engine = structured.StructuredEngine()
    started = time.perf_counter()
    engine.anonymize(frame, analysis, operators=operators)
    return time.perf_counter() - started


def presidio_installed() -> bool:
    try:
        importlib.import_module("presidio_structured")
    except ImportError:
        return False
    return True


# --- main ---------------------------------------------------------------------------------------------


def _mib(kib: int) -> str:
    return f"{kib / 1024:,.0f} MiB"


def run_size(
    args: argparse.Namespace, folder: Path, rows: int, keys: dict[str, str]
) -> tuple[Path, Path, dict[str, Any], dict[bool, dict[str, Any]]]:
    plain = folder / f"source-{rows}.parquet"
    encrypted = folder / f"source-{rows}.laifenc"
    output = folder / f"release-{rows}.parquet"
    started = time.perf_counter()
    generate(rows, plain, encrypted, bytes.fromhex(keys["BENCH_DATA_KEY"]), args.seed)
    print(
        f"generated {rows:,} rows in {time.perf_counter() - started:.1f} s "
        f"(Parquet {plain.stat().st_size / 2**20:,.0f} MiB, encrypted "
        f"{encrypted.stat().st_size / 2**20:,.0f} MiB; not timed)",
        flush=True,
    )
    paths = [False, True] if kernel.AVAILABLE and rows == args.rows else [not kernel.AVAILABLE]
    results: dict[bool, dict[str, Any]] = {}
    for with_hashlib in paths:
        measured = ours(args, encrypted, output, keys, with_hashlib=with_hashlib)
        print(
            f"ours ({'hashlib' if with_hashlib else 'compiled'} MACs), {rows:,} rows: "
            f"{measured['seconds']:.2f} s, {rows / measured['seconds']:,.0f} rows/s; "
            f"peak RSS {_mib(measured['peak_rss_kib'])} "
            + (
                f"(largest worker process {_mib(measured['workers_peak_rss_kib'])}); "
                if measured["workers_peak_rss_kib"]
                else "(threads, no worker process); "
            )
            + f"output {measured['output_bytes'] / 2**20:,.0f} MiB",
            flush=True,
        )
        results[with_hashlib] = measured
    return plain, output, results[paths[0]], results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--big-rows", type=int, default=10_000_000)
    parser.add_argument("--skip-presidio", action="store_true")
    parser.add_argument("--skip-big", action="store_true")
    parser.add_argument("--batch-rows", type=int, default=pipeline.DEFAULT_BATCH_ROWS)
    parser.add_argument("--workers", type=int, default=None, help="default: the CPUs usable")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child-source", help=argparse.SUPPRESS)
    parser.add_argument("--child-output", help=argparse.SUPPRESS)
    parser.add_argument("--child-hashlib", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_source:
        if args.child_hashlib:  # the MACs as without the compiled loop
            kernel.AVAILABLE = False
        child(args)
        return 0
    if not args.skip_presidio and not presidio_installed():
        print(PRESIDIO_INSTALL, file=sys.stderr)
        return 2
    keys = {"BENCH_DATA_KEY": os.urandom(32).hex(), "BENCH_PROJECT_KEY": os.urandom(32).hex()}
    workers = args.workers if args.workers is not None else pipeline.default_workers()
    print(
        f"CPUs usable: {pipeline.default_workers()}; MAC workers: {workers}; "
        f"batch rows: {args.batch_rows:,}",
        flush=True,
    )
    failed = False
    with tempfile.TemporaryDirectory(prefix="laif-bench-sandbox-") as tmp:
        folder = Path(tmp)
        plain, output, small, paths = run_size(args, folder, args.rows, keys)
        unique = uniqueness(plain)
        print(
            "identifying columns unique: "
            + ", ".join(f"{c} {share:.1%}" for c, share in unique.items()),
            flush=True,
        )
        project_key = bytes.fromhex(keys["BENCH_PROJECT_KEY"])
        if small["rows_out"] != args.rows or not check_sample(plain, output, project_key):
            print("CHECK FAILED: rows or pseudonyms differ", file=sys.stderr)
            failed = True
        if not args.skip_presidio:
            sample = min(20_000, args.rows)
            slow = presidio(plain, rows=sample, object_dtype=False)
            print(
                f"presidio-structured on pandas' default str dtype, {sample:,} rows: "
                f"{slow:.1f} s, {sample / slow:,.0f} rows/s (quadratic in the rows: not used)",
                flush=True,
            )
            seconds = presidio(plain)
            theirs = args.rows / seconds
            print(
                f"presidio-structured (hash sha256, object dtype), {args.rows:,} rows: "
                f"{seconds:.1f} s, {theirs:,.0f} rows/s",
                flush=True,
            )
            for with_hashlib, measured in paths.items():
                mine = args.rows / measured["seconds"]
                print(
                    f"ratio ours ({'hashlib' if with_hashlib else 'compiled'} MACs) / "
                    f"presidio-structured: {mine / theirs:.1f}x (goal: 50x)"
                )
        for path in (plain, output, folder / f"source-{args.rows}.laifenc"):
            path.unlink()
        if not args.skip_big:
            _plain, _output, big, _paths = run_size(args, folder, args.big_rows, keys)
            if big["rows_out"] != args.big_rows:
                print("CHECK FAILED: rows differ", file=sys.stderr)
                failed = True
            ratio = big["peak_rss_kib"] / small["peak_rss_kib"]
            print(
                f"peak RSS: {_mib(small['peak_rss_kib'])} at {args.rows:,} rows, "
                f"{_mib(big['peak_rss_kib'])} at {args.big_rows:,} rows: {ratio:.2f}x "
                "(goal: at most 1.5x)"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
