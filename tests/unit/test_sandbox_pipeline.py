"""The streamed release of a sandbox table (pure): policies and risk batch by batch, equal to the
whole-table engines, refused under k, suppression, no data in the metadata, no raw value or key
in the output."""

from __future__ import annotations

import base64
import hashlib
import io
import random

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from laif.sandbox import envelope, kernel, pipeline, policies, risk
from laif.sandbox.pipeline import ReleasePlan, ReleaseRefused, assess_stream, release_stream
from laif.sandbox.policies import ColumnPolicy, DomainKey, PolicyError, derive_domain_key

PROJECT_KEY = bytes(range(100, 132))
ROWS = 3000
BATCH = 700  # several batches, the last one partial

POLICIES = (
    ColumnPolicy("matricule", "pseudonymise", "lu_matricule"),
    ColumnPolicy("iban", "encrypt", "iban", domain="bank"),
    ColumnPolicy("email", "pseudonymise", "email"),
    ColumnPolicy("phone", "pseudonymise", "phone", domain="crm"),
    ColumnPolicy("name", "suppress", "person_name"),
    ColumnPolicy("birth", "generalise", "date_of_birth", granularity="year"),
    ColumnPolicy("postcode", "generalise", "postcode_lu"),
    ColumnPolicy("segment", "keep", "not_personal"),
    ColumnPolicy("income", "generalise", "not_personal", band_width=10_000),
    ColumnPolicy("diagnosis", "keep", "not_personal"),
)
PROTECTED = ("matricule", "iban", "email", "phone", "name")


def _keys() -> dict[tuple[str, str], DomainKey]:
    return {
        (purpose, domain): derive_domain_key(PROJECT_KEY, domain=domain, version=1, purpose=purpose)
        for domain in ("default", "bank", "crm")
        for purpose in ("pseudonym", "siv")
    }


def _table(rows: int = ROWS, seed: int = 7) -> pl.DataFrame:
    """A generated table: identifying columns mostly unique with some repeats, formatting
    variants and nulls; quasi-identifiers with small groups and nulls."""
    rnd = random.Random(seed)
    data: dict[str, list[str | None]] = {c.column: [] for c in POLICIES}
    first = ["Anna", "Jean", "Marie", "Luc", "Sophie", "Paul"]
    for i in range(rows):
        person = i if rnd.random() > 0.1 else rnd.randrange(max(i, 1))
        matricule = f"{1950 + person % 50}{person % 12 + 1:02d}{person % 28 + 1:02d}{person:05d}"
        data["matricule"].append(
            f"{matricule[:4]} {matricule[4:8]} {matricule[8:]}" if i % 5 == 0 else matricule
        )
        iban = f"LU28 0019 4006 {person:06d} 0000"
        data["iban"].append(iban if i % 3 else iban.replace(" ", ""))
        email = f"{first[person % 6]}.Weber{person}@Example.lu"
        data["email"].append(None if i % 17 == 0 else (email if i % 2 else email.lower()))
        data["phone"].append(f"+352 621 {person:06d}" if i % 23 else "   ")
        data["name"].append(f"{first[person % 6]} Muller-{person}")
        data["birth"].append(
            None if i % 41 == 0 else f"{1940 + rnd.randrange(60)}-{rnd.randrange(1, 13):02d}-15"
        )
        data["postcode"].append(None if i % 37 == 0 else f"L-{rnd.randrange(1, 10)}{i % 999:03d}")
        data["segment"].append(rnd.choice(["retail", "private", "sme", None]))
        data["income"].append(str(rnd.randrange(10_000, 90_000)))
        data["diagnosis"].append(rnd.choice(["flu", "cold", "asthma", None]))
    return pl.DataFrame(data, schema=dict.fromkeys(data, pl.String))


def _parquet(frame: pl.DataFrame, row_group: int = 1000) -> io.BytesIO:
    source = io.BytesIO()
    pq.write_table(frame.to_arrow(), source, row_group_size=row_group)
    source.seek(0)
    return source


def _plan(**changes: object) -> ReleasePlan:
    arguments: dict[str, object] = {
        "policies": POLICIES,
        "keys": _keys(),
        "quasi_identifiers": ("birth", "postcode"),
        "required_k": 1,
    }
    arguments.update(changes)
    return ReleasePlan(**arguments)  # type: ignore[arg-type]


def _read(sink: io.BytesIO) -> pl.DataFrame:
    return pl.DataFrame(pl.from_arrow(pq.read_table(io.BytesIO(sink.getvalue()))))


@pytest.fixture(params=[(1, True), (2, True), (1, False), (2, False)],
                ids=["compiled-thread", "compiled-threads", "hashlib-in-process",
                     "hashlib-worker-processes"])
def workers(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """Every way of computing the MACs: the compiled loop in one or two threads, hashlib in this
    process or in forked workers (the threshold lowered so that these small batches use them)."""
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_VALUES", 50)
    count, compiled = request.param
    if compiled and not kernel.AVAILABLE:
        pytest.skip("the pseudonym loop is not compiled here (src/laif/sandbox/kernel/build.py)")
    monkeypatch.setattr(kernel, "AVAILABLE", compiled)
    workers: int = count
    return workers


# --- equal to the whole-table engines ----------------------------------------------------------


def test_release_equals_apply_policies_on_the_whole_table(workers: int) -> None:
    frame = _table()
    source = _parquet(frame)
    sink = io.BytesIO()
    result = release_stream(source, sink, _plan(), batch_rows=BATCH, workers=workers)
    expected = policies.apply_policies(frame, POLICIES, _keys())
    released = _read(sink)
    assert released.equals(expected)  # every value, row order kept
    assert result.rows_in == result.rows_out == ROWS
    assert result.columns == tuple(expected.columns)
    assert "name" not in result.columns
    assert result.output_sha256 == hashlib.sha256(sink.getvalue()).hexdigest()
    assert result.output_bytes == len(sink.getvalue())
    assert not source.closed
    assert not sink.closed
    schema = pq.read_schema(io.BytesIO(sink.getvalue()))
    assert all(pa.types.is_string(t) or pa.types.is_large_string(t) for t in schema.types)


def test_pseudonyms_equal_pseudonymise_values_column_by_column(workers: int) -> None:
    frame = _table(rows=2000, seed=3)
    sink = io.BytesIO()
    release_stream(_parquet(frame), sink, _plan(), batch_rows=512, workers=workers)
    released = _read(sink)
    keys = _keys()
    for policy in POLICIES:
        if policy.action == "pseudonymise":
            expected = policies.pseudonymise_values(
                frame.get_column(policy.column),
                kind=policy.kind,
                key=keys[("pseudonym", policy.domain)],
            )
            assert released.get_column(policy.column).equals(expected)


@pytest.mark.parametrize(
    ("qis", "sensitive", "required_k", "required_l", "suppress"),
    [
        (("birth", "postcode"), (), 1, None, False),
        (("birth",), ("diagnosis",), 2, None, False),
        (("segment", "postcode"), ("diagnosis", "income"), 3, 2, True),
        (("birth", "segment"), ("diagnosis",), 4, None, True),
        (("postcode",), (), 10_000, None, True),  # every group suppressed
    ],
)
def test_the_risk_report_equals_assess_on_the_whole_table(
    qis: tuple[str, ...],
    sensitive: tuple[str, ...],
    required_k: int,
    required_l: int | None,
    suppress: bool,
    workers: int,
) -> None:
    frame = _table()
    plan = _plan(
        quasi_identifiers=qis,
        sensitive=sensitive,
        required_k=required_k,
        required_l=required_l,
        suppress_below_k=suppress,
    )
    expected, _kept = risk.assess(
        policies.apply_policies(frame, POLICIES, _keys()),
        quasi_identifiers=qis,
        sensitive=sensitive,
        required_k=required_k,
        required_l=required_l,
        suppress_below_k=suppress,
    )
    report = assess_stream(_parquet(frame), plan, batch_rows=BATCH, workers=workers)
    assert report == expected
    assert report.groups + report.suppressed_groups > 1
    assert (report.k, report.l, report.smallest_groups) == (
        expected.k,
        expected.l,
        expected.smallest_groups,
    )


def test_a_pseudonymised_quasi_identifier_is_counted_on_its_pseudonyms(workers: int) -> None:
    frame = _table()
    plan = _plan(quasi_identifiers=("email",), required_k=1)
    report = assess_stream(_parquet(frame), plan, batch_rows=BATCH, workers=workers)
    expected, _ = risk.assess(
        policies.apply_policies(frame, POLICIES, _keys()),
        quasi_identifiers=["email"],
        required_k=1,
    )
    assert report == expected
    assert all(
        g.values[0] is None or g.values[0].startswith("email_") for g in report.smallest_groups
    )


# --- refusal and suppression -----------------------------------------------------------------------


def test_a_release_under_k_is_refused_and_writes_nothing() -> None:
    frame = _table()
    sink = io.BytesIO()
    with pytest.raises(ReleaseRefused) as refused:
        release_stream(_parquet(frame), sink, _plan(required_k=5), batch_rows=BATCH)
    assert sink.getvalue() == b""
    report = refused.value.report
    assert not report.passes
    assert report.k < 5
    assert report.required_k == 5
    message = str(refused.value)
    assert "k = " in message
    assert "required 5" in message
    shown = {v for g in report.smallest_groups for v in g.values if v is not None}
    assert shown
    assert not any(value in message for value in shown)


def test_a_release_under_l_is_refused() -> None:
    frame = _table()
    plan = _plan(quasi_identifiers=("segment",), sensitive=("diagnosis",), required_l=10)
    with pytest.raises(ReleaseRefused, match=r"l = 4, under the required 10"):
        release_stream(_parquet(frame), io.BytesIO(), plan, batch_rows=BATCH)


def test_suppression_drops_the_small_groups_rows_and_keeps_the_order(workers: int) -> None:
    frame = _table()
    qis = ["birth", "segment"]
    plan = _plan(quasi_identifiers=tuple(qis), required_k=10, suppress_below_k=True)
    sink = io.BytesIO()
    result = release_stream(_parquet(frame), sink, plan, batch_rows=BATCH, workers=workers)
    transformed = policies.apply_policies(frame, POLICIES, _keys())
    report, kept = risk.assess(
        transformed, quasi_identifiers=qis, required_k=10, suppress_below_k=True
    )
    # groups with a null among their values, both suppressed and kept: a null matches a null
    sizes = transformed.group_by(qis).len()
    with_null = pl.any_horizontal(pl.col(*qis).is_null())
    assert sizes.filter(with_null & (pl.col("len") < 10)).height > 0
    assert sizes.filter(with_null & (pl.col("len") >= 10)).height > 0
    assert report.suppressed_rows > 0
    assert result.risk == report
    assert result.rows_in == ROWS
    assert result.rows_out == ROWS - report.suppressed_rows == kept.height
    assert _read(sink).equals(kept)


def test_suppressing_every_row_refuses() -> None:
    sink = io.BytesIO()
    plan = _plan(quasi_identifiers=("matricule",), required_k=2, suppress_below_k=True)
    frame = _table().with_columns(pl.col("matricule") + pl.int_range(ROWS).cast(pl.String))
    with pytest.raises(ReleaseRefused, match="no row would be released") as refused:
        release_stream(_parquet(frame), sink, plan, batch_rows=BATCH)
    assert refused.value.report.suppressed_rows == ROWS
    assert sink.getvalue() == b""


def test_an_empty_table_is_refused() -> None:
    empty = _table().clear()
    with pytest.raises(ReleaseRefused, match="no row"):
        release_stream(_parquet(empty), io.BytesIO(), _plan(), batch_rows=BATCH)
    report = assess_stream(_parquet(empty), _plan())
    assert (report.rows, report.k, report.groups) == (0, 0, 0)


# --- the plan ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"quasi_identifiers": ("name",)}, PolicyError, "suppressed column.*'name'"),
        ({"sensitive": ("name",)}, PolicyError, "suppressed column.*'name'"),
        ({"quasi_identifiers": ("nope",)}, ValueError, "unknown columns: 'nope'"),
        ({"quasi_identifiers": ()}, ValueError, "at least one quasi-identifier"),
        ({"required_k": 0}, ValueError, "required_k"),
        ({"required_l": 2}, ValueError, "sensitive column"),
        ({"policies": POLICIES[1:]}, PolicyError, "columns without a policy: 'matricule'"),
        ({"keys": {}}, PolicyError, "no pseudonym key for domain 'default'"),
    ],
)
def test_plans_that_cannot_be_released_are_refused(
    changes: dict[str, object], error: type[Exception], message: str
) -> None:
    sink = io.BytesIO()
    with pytest.raises(error, match=message):
        release_stream(_parquet(_table(rows=50)), sink, _plan(**changes))
    with pytest.raises(error, match=message):
        assess_stream(_parquet(_table(rows=50)), _plan(**changes))
    assert sink.getvalue() == b""


def test_a_source_with_a_non_string_column_is_refused() -> None:
    source = io.BytesIO()
    pq.write_table(pa.table({"segment": ["a", "b"], "n": [1, 2]}), source)
    plan = ReleasePlan(
        policies=(
            ColumnPolicy("segment", "keep", "not_personal"),
            ColumnPolicy("n", "keep", "not_personal"),
        ),
        keys={},
        quasi_identifiers=("segment",),
        required_k=1,
    )
    with pytest.raises(PolicyError, match="'n' is not a string column"):
        release_stream(source, io.BytesIO(), plan)


def test_batch_rows_must_be_positive() -> None:
    with pytest.raises(ValueError, match="batch_rows"):
        release_stream(_parquet(_table(rows=10)), io.BytesIO(), _plan(), batch_rows=0)


# --- what the output holds -------------------------------------------------------------------------


def test_the_output_has_no_key_value_metadata() -> None:
    sink = io.BytesIO()
    release_stream(_parquet(_table()), sink, _plan(), batch_rows=BATCH)
    metadata = pq.read_metadata(io.BytesIO(sink.getvalue()))
    assert metadata.metadata is None
    schema = pq.read_schema(io.BytesIO(sink.getvalue()))
    assert schema.metadata is None
    assert all(field.metadata is None for field in schema)
    assert metadata.num_rows == ROWS
    assert metadata.num_row_groups > 1  # written batch by batch


def _forms(value: str) -> set[str]:
    return {
        value,
        value.lower(),
        value.upper(),
        value.replace(" ", ""),
        value.replace(" ", "").lower(),
        value.strip(),
    }


def _key_forms(key: bytes) -> set[bytes]:
    return {
        key,
        key.hex().encode(),
        key.hex().upper().encode(),
        base64.b64encode(key),
        base64.b64encode(key).rstrip(b"="),
        base64.urlsafe_b64encode(key).rstrip(b"="),
    }


def test_the_output_holds_no_raw_protected_value_and_no_key() -> None:
    rows = 600  # every value in every form is looked for, twice
    frame = _table(rows=rows)
    sink = io.BytesIO()
    release_stream(_parquet(frame, row_group=200), sink, _plan(), batch_rows=150)
    raw = sink.getvalue()
    # the file's bytes and, since zstd may hide a value, every value it decodes to
    decoded = "\n".join(
        str(value) for column in _read(sink).iter_columns() for value in column.to_list()
    )
    looked_for = 0
    for column in PROTECTED:
        for value in frame.get_column(column).drop_nulls().to_list():
            for form in _forms(value):
                if len(form) < 6:  # blank phones: nothing to find
                    continue
                looked_for += 1
                assert form.encode() not in raw, column
                assert form not in decoded, column
    assert looked_for > 10 * rows
    keys = [PROJECT_KEY, *(key.key for key in _keys().values())]
    for key in keys:
        for key_form in _key_forms(key):
            assert key_form not in raw
            assert key_form.decode("latin-1") not in decoded


# --- through the envelope, as the sandbox stores datasets ---------------------------------------------


def test_an_encrypted_source_into_an_encrypted_sink() -> None:
    frame = _table()
    data_key = envelope.new_data_key()
    stored = io.BytesIO()
    with envelope.EncryptingWriter(stored, data_key, key_id="t", aad=b"v1") as writer:
        writer.write(_parquet(frame).getvalue())
    stored.seek(0)
    released = io.BytesIO()
    with envelope.DecryptingReader(stored, data_key, aad=b"v1") as source:
        sink = envelope.EncryptingWriter(released, data_key, key_id="t", aad=b"r1")
        with sink:
            result = release_stream(source, sink, _plan(), batch_rows=BATCH)
        assert not source.closed
    assert result.output_bytes == sink.plaintext_size
    assert result.output_sha256 == sink.plaintext_sha256
    released.seek(0)
    with envelope.DecryptingReader(released, data_key, aad=b"r1") as plain:
        out = pl.DataFrame(pl.from_arrow(pq.read_table(pa.PythonFile(plain, mode="r"))))
    assert out.equals(policies.apply_policies(frame, POLICIES, _keys()))


def test_an_error_midway_leaves_no_readable_output(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"n": 0}
    real = policies.apply_policies

    def failing(*args: object, **kwargs: object) -> pl.DataFrame:
        calls["n"] += 1
        if calls["n"] == 8:  # pass 2, a few batches in
            raise RuntimeError("disk full")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(policies, "apply_policies", failing)
    sink = io.BytesIO()
    with pytest.raises(RuntimeError, match="disk full"):
        release_stream(_parquet(_table()), sink, _plan(), batch_rows=BATCH)
    assert sink.getvalue()  # row groups went out, but no footer
    with pytest.raises(pa.ArrowInvalid):
        pq.read_metadata(io.BytesIO(sink.getvalue()))


def test_a_source_that_changes_between_the_passes_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    real = pipeline._risk

    def one_row_more(*args: object) -> tuple[risk.RiskReport, pl.DataFrame, int]:
        report, suppressed, rows = real(*args)  # type: ignore[arg-type]
        return report, suppressed, rows + 1

    monkeypatch.setattr(pipeline, "_risk", one_row_more)
    sink = io.BytesIO()
    with pytest.raises(RuntimeError, match="changed between the two passes"):
        release_stream(_parquet(_table(rows=300)), sink, _plan(), batch_rows=100)
    with pytest.raises(pa.ArrowInvalid):
        pq.read_metadata(io.BytesIO(sink.getvalue()))
