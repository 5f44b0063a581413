"""Streamed ingest of uploaded CSV and Parquet files (laif.sandbox.ingest): encodings, delimiters,
quoting, the header rules, malformed rows on their exact physical lines (also across pyarrow's
blocks and after fields over several lines), limits, Parquet types to text, the output read back
by pyarrow and polars, errors that never quote a cell, and memory that does not grow with the
file."""

from __future__ import annotations

import datetime
import decimal
import hashlib
import io
import json
import random
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from laif.sandbox import ingest as ingest_module
from laif.sandbox.ingest import (
    IngestError,
    IngestReport,
    Limits,
    RowProblem,
    detect_csv,
    ingest_csv,
    ingest_parquet,
)

LIMITS = Limits(max_bytes=1 << 30, max_rows=10_000_000)
SECRET = "S3CR3T-4417"


class WriteOnly:
    """A sink with nothing but write(), as the caller's encrypting writer."""

    def __init__(self) -> None:
        self.buffer = io.BytesIO()

    def write(self, data: Any) -> int:
        return self.buffer.write(data)


class CountingReader:
    """A source that counts the bytes read from it."""

    def __init__(self, data: bytes) -> None:
        self._io = io.BytesIO(data)
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        data = self._io.read(size)
        self.read_bytes += len(data)
        return data


def ingest(data: bytes, limits: Limits = LIMITS, **options: Any) -> tuple[IngestReport, pa.Table]:
    sink = WriteOnly()
    report = ingest_csv(io.BytesIO(data), sink, limits=limits, **options)  # type: ignore[arg-type]
    return report, pq.read_table(io.BytesIO(sink.buffer.getvalue()))


def refused(data: bytes, limits: Limits = LIMITS, **options: Any) -> IngestError:
    with pytest.raises(IngestError) as caught:
        ingest_csv(io.BytesIO(data), io.BytesIO(), limits=limits, **options)
    return caught.value


def lines(error: IngestError) -> list[int]:
    return [p.line for p in error.problems]


def parquet_bytes(table: pa.Table) -> bytes:
    out = io.BytesIO()
    pq.write_table(table, out)
    return out.getvalue()


def ingest_pq(data: bytes, limits: Limits = LIMITS) -> tuple[IngestReport, pa.Table]:
    sink = WriteOnly()
    report = ingest_parquet(io.BytesIO(data), sink, limits=limits)  # type: ignore[arg-type]
    return report, pq.read_table(io.BytesIO(sink.buffer.getvalue()))


def refused_pq(data: bytes, limits: Limits = LIMITS) -> IngestError:
    with pytest.raises(IngestError) as caught:
        ingest_parquet(io.BytesIO(data), io.BytesIO(), limits=limits)
    return caught.value


# -- delimiters and encodings ---------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_each_delimiter_is_detected_and_every_value_kept_as_text(delimiter: str) -> None:
    text = delimiter.join(["id", "postcode", "amount"]) + "\n"
    text += delimiter.join(["007", "L-1234", "2.50"]) + "\n"
    text += delimiter.join(["010", "01000", "-3"]) + "\n"
    data = text.encode()
    assert detect_csv(data) == ("utf-8", delimiter)
    report, table = ingest(data)
    assert report.delimiter == delimiter
    assert report.columns == ("id", "postcode", "amount")
    assert report.rows == 2
    assert table.to_pylist() == [
        {"id": "007", "postcode": "L-1234", "amount": "2.50"},
        {"id": "010", "postcode": "01000", "amount": "-3"},
    ]
    assert all(field.type == pa.string() for field in table.schema)


def test_a_comma_inside_values_does_not_fool_the_detection() -> None:
    data = "nom;montant\nCafé;1,50\nThé;2,75\n".encode()
    assert detect_csv(data)[1] == ";"
    assert ingest(data)[1].column("montant").to_pylist() == ["1,50", "2,75"]
    data = b'name,note\n"a;b",x\n"c;d",y\n'
    assert detect_csv(data)[1] == ","


def test_one_column_file_and_the_delimiter_given() -> None:
    report, table = ingest(b"id\n1\n2\n")
    assert (report.columns, report.rows, report.delimiter) == (("id",), 2, ",")
    report, table = ingest(b"a,b;c\n1,2;3\n", delimiter=";")
    assert report.columns == ("a,b", "c")
    assert table.to_pylist() == [{"a,b": "1,2", "c": "3"}]


WESTERN = [{"name": "Élodie", "city": "Esch-sur-Alzette", "amount": "€ 12"},
           {"name": "Große", "city": "Düdelingen", "amount": "ß"}]


def western_csv() -> str:
    return "name,city,amount\r\nÉlodie,Esch-sur-Alzette,€ 12\r\nGroße,Düdelingen,ß\r\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (western_csv().encode("utf-8"), "utf-8"),
        (western_csv().encode("utf-8-sig"), "utf-8-sig"),
        (western_csv().encode("utf-16"), "utf-16-le"),  # Python writes the BOM, little-endian
        (b"\xfe\xff" + western_csv().encode("utf-16-be"), "utf-16-be"),
        (western_csv().encode("utf-16-le"), "utf-16-le"),  # no BOM: every other byte is NUL
        (western_csv().encode("cp1252"), "cp1252"),
    ],
)
def test_encodings_are_detected_and_decoded(data: bytes, encoding: str) -> None:
    assert detect_csv(data) == (encoding, ",")
    report, table = ingest(data)
    assert report.encoding == encoding
    assert report.columns == ("name", "city", "amount")  # no BOM in the first name
    assert table.to_pylist() == WESTERN
    assert report.source_bytes == len(data)
    assert report.source_sha256 == hashlib.sha256(data).hexdigest()


def test_the_encoding_given_wins() -> None:
    data = "a\nété\n".encode()
    assert ingest(data, encoding="cp1252")[1].column("a").to_pylist() == ["Ã©tÃ©"]
    report, table = ingest(data, encoding="latin-1")
    assert report.encoding == "iso8859-1"
    assert table.column("a").to_pylist() == ["Ã©tÃ©"]
    assert refused(data, encoding="no-such-codec").code == "bad_encoding"
    assert refused(data, encoding="rot13").code == "bad_encoding"
    for bad in ("", ",,", '"', "\n", "é"):
        assert refused(data, delimiter=bad).code == "bad_delimiter"


def test_an_invalid_byte_is_a_problem_on_its_line() -> None:
    data = b"id,name\n1,a\n2,b\n3,c\xffd\n4,e\n5,\xc3\n6,\xff\xfe\xfd\n"
    error = refused(data, encoding="utf-8")
    assert error.code == "malformed_rows"
    assert error.problems == [
        RowProblem(4, "invalid_encoding: bytes that are not valid in the encoding"),
        RowProblem(6, "invalid_encoding: bytes that are not valid in the encoding"),
        RowProblem(7, "invalid_encoding: bytes that are not valid in the encoding"),
    ]  # one problem per line, however many bad bytes it has
    assert error.problem_count == 3
    assert "Line 4:" in str(error)


def test_an_invalid_byte_after_the_sample_is_found_on_its_line() -> None:
    # the sample (64 KiB) is valid UTF-8, so UTF-8 is chosen; the bad byte comes later
    rows = [f"{i},name {i}\n".encode() for i in range(1, 20_001)]
    rows[15_000 - 2] = b"15000,caf\xe9\n"  # cp1252 in a UTF-8 file, on line 15000
    data = b"id,name\n" + b"".join(rows)
    assert detect_csv(data[:65536])[0] == "utf-8"
    error = refused(data)
    assert lines(error) == [15_000]
    assert error.problems[0].code == "invalid_encoding"


def test_a_byte_undefined_in_cp1252_is_a_problem() -> None:
    data = "a,b\n1,é\n2,x".encode("cp1252") + b"\x81\n"
    error = refused(data)
    assert lines(error) == [3]


# -- rows, quotes, lines ------------------------------------------------------------------------


def test_too_many_and_too_few_fields_on_their_lines() -> None:
    rows = ["a,b,c,d,e"] + ["1,2,3,4,5"] * 10
    rows[3] = "1,2,3,4,5,6,7"  # line 4
    rows[8] = "1,2,3"  # line 9
    error = refused(("\n".join(rows) + "\n").encode())
    assert error.code == "malformed_rows"
    assert error.problems == [
        RowProblem(4, "too_many_fields: expected 5 fields, found 7"),
        RowProblem(9, "too_few_fields: expected 5 fields, found 3"),
    ]
    assert error.problem_count == 2
    assert error.problems[0].code == "too_many_fields"
    assert str(error) == (
        "The file was refused and nothing was imported: 2 problems were found in its rows. "
        "Line 4: expected 5 fields, found 7; line 9: expected 5 fields, found 3."
    )


def test_quoted_fields_keep_delimiters_quotes_and_line_breaks() -> None:
    data = (
        b'name,quote,address\n'
        b'"Doe, John","he said ""hi""","1 rue X\nL-1234 Lux"\n'
        b'plain,"",\n'
        b'"a\r\nb",x,y\n'
    )
    report, table = ingest(data)
    assert table.to_pylist() == [
        {"name": "Doe, John", "quote": 'he said "hi"', "address": "1 rue X\nL-1234 Lux"},
        {"name": "plain", "quote": "", "address": ""},
        {"name": "a\r\nb", "quote": "x", "address": "y"},
    ]
    assert report.rows == 3


def test_lines_count_the_lines_inside_quoted_fields_and_blank_lines() -> None:
    data = (
        b"a,b,c\n"  # 1
        b'"x\ny\nz",2,3\n'  # 2-4
        b"4,5\n"  # 5: bad
        b'1,"p\r\nq",3\r\n'  # 6-7
        b"6,7,8,9\n"  # 8: bad
        b"\n"  # 9: blank
        b"\r\n"  # 10: blank
        b'"m\rn",1,2\n'  # 11-12 (a lone CR is a line break too)
        b"1,2\n"  # 13: bad
        b'"u\n\nv",1,"w\n"\n'  # 14-17
        b"x,y,z,w"  # 18: bad, last line without a line break
    )
    error = refused(data)
    assert lines(error) == [5, 8, 13, 18]


def test_lines_of_a_file_with_cr_line_ends() -> None:
    assert lines(refused(b"a,b\r1,2\r3\r4,5\r")) == [3]


def test_an_unclosed_quote_is_reported_with_a_hint() -> None:
    error = refused(b'a,b,c\n1,2,3\n1,"open,3\n4,5,6\n')
    assert error.problems == [
        RowProblem(3, "too_few_fields: expected 3 fields, found 2 "
                      "(a quoted field may not be closed)")
    ]


def test_empty_fields_are_empty_strings_and_blank_rows_are_counted_not_written() -> None:
    report, table = ingest(b"a,b,c\n1,,3\n,,\n\n\"\",5,\n\n")
    assert table.to_pylist() == [{"a": "1", "b": "", "c": "3"}, {"a": "", "b": "5", "c": ""}]
    assert table.column("b").null_count == 0
    assert (report.rows, report.empty_rows) == (2, 3)


def test_nul_and_a_field_too_long_are_problems() -> None:
    limits = Limits(max_bytes=1 << 20, max_rows=100, max_field_bytes=10)
    data = b"a,b\n1,0123456789\n2,x\x00y\n3,0123456789A\n4,\"0123\n456789\"\n5,\x00\x00\n"
    error = refused(data, limits=limits)
    assert [(p.line, p.code) for p in error.problems] == [
        (3, "nul_character"),
        (4, "field_too_large"),
        (5, "field_too_large"),  # 11 bytes with its line break, on lines 5-6
        (7, "nul_character"),
    ]
    assert error.problems[1].reason == "field_too_large: a field is longer than 10 bytes"


def test_a_row_longer_than_the_reader_block_stops_with_its_line() -> None:
    limits = Limits(max_bytes=1 << 30, max_rows=100, max_field_bytes=1000)
    big = b"1,2\n" * 5 + b'3,"' + SECRET.encode() * 200_000 + b'"\n' + b"4,5\n"
    error = refused(b"a,b\n" + big, limits=limits)
    assert error.problems[0].line == 7
    assert error.problems[0].code == "row_too_large"


def test_many_problems_listed_up_to_the_limit_sorted_counted_in_full() -> None:
    limits = Limits(max_bytes=1 << 20, max_rows=1000, max_problems_listed=3)
    rows = ["a,b"] + ["1,2"] * 20
    for line in (18, 3, 11, 7, 20):
        rows[line - 1] = "1"
    data = ("\n".join(rows) + "\n").encode()
    data = data.replace(b"\n1,2\n", b"\n1,\x00\n", 1)  # line 2: a NUL, found by the decoding
    error = refused(data, limits=limits)
    assert lines(error) == [2, 3, 7]
    assert error.problem_count == 6
    assert str(error).startswith("The file was refused and nothing was imported: 6 problems")
    assert str(error).endswith(
        "Line 2: a NUL character; line 3: expected 2 fields, found 1; "
        "line 7: expected 2 fields, found 1 and 3 more."
    )


def test_a_flood_of_bad_rows_stops_the_reading() -> None:
    data = b"a,b,c\n" + b"1,2\n" * 50_000
    error = refused(data)
    assert error.code == "malformed_rows"
    assert error.stopped_early
    assert error.problem_count >= 10_000
    assert lines(error) == list(range(2, 102))
    assert "at least" in str(error)


def test_lines_are_exact_across_many_blocks() -> None:
    """A file of several pyarrow blocks, with fields over several lines, blank lines and bad
    rows at random places (also in runs): each problem on the line counted here."""
    rng = random.Random(20240131)
    parts = ["id,name,comment\n"]
    line = 2
    expected: list[tuple[int, str]] = []
    for i in range(80_000):
        roll = rng.random()
        if roll < 0.002:
            parts.append(f"{i},only two\n")
            expected.append((line, "too_few_fields"))
            line += 1
        elif roll < 0.003:
            parts.append(f'{i},"two\nlines",x,extra\n')  # a bad row over two lines
            expected.append((line, "too_many_fields"))
            line += 2
        elif roll < 0.004:
            parts.append(f"{i},name,x\x00\n")
            expected.append((line, "nul_character"))
            line += 1
        elif roll < 0.02:
            parts.append(f'{i},"multi\r\nline\nname","c, ""q"""\n')
            line += 3
        elif roll < 0.025:
            parts.append("\n")
            line += 1
        else:
            parts.append(f"{i},name {i:06d},{'x' * rng.randrange(0, 60)}\n")
            line += 1
    parts.append("1,2,3,4\n")
    expected.append((line, "too_many_fields"))
    data = "".join(parts).encode()
    assert len(data) > 3 << 20  # more than three blocks of 1 MiB
    limits = Limits(max_bytes=1 << 30, max_rows=1_000_000, max_problems_listed=10_000)
    error = refused(data, limits=limits)
    assert [(p.line, p.code) for p in error.problems] == expected
    assert error.problem_count == len(expected)


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 64])
def test_lines_are_exact_whatever_the_decoding_chunks(
    chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CRLF, multi-byte characters, invalid bytes and NULs cut by the chunks the file is decoded
    in (made tiny here): every problem on its line."""
    monkeypatch.setattr(ingest_module, "_CHUNK", chunk)
    monkeypatch.setattr(ingest_module, "SAMPLE_BYTES", chunk)
    rng = random.Random(chunk)
    parts = [b"id,name,note\r\n"]
    line = 2
    expected: list[tuple[int, str]] = []
    for i in range(400):
        roll = rng.random()
        if roll < 0.05:
            parts.append(b"%d,caf\xc3(,\xff\xfe\r\n" % i)
            expected.append((line, "invalid_encoding"))
            line += 1
        elif roll < 0.1:
            parts.append(b"%d,\x00,x\x00\r\n" % i)
            expected.append((line, "nul_character"))
            line += 1
        elif roll < 0.15:
            parts.append(b'%d,"\xc3\xa9\r\n\xe2\x82\xac"\r\n' % i)  # too few, two lines
            expected.append((line, "too_few_fields"))
            line += 2
        elif roll < 0.2:
            parts.append(b'%d,"a\rb\r\nc",\xe2\x82\xac\r\n' % i)
            line += 3
        else:
            parts.append(f"{i},né {i},ß€\r\n".encode())
            line += 1
    data = b"".join(parts)
    error = refused(data, limits=Limits(1 << 20, 1000, max_problems_listed=1000), encoding="utf-8")
    assert [(p.line, p.code) for p in error.problems] == expected


def test_lines_are_exact_when_the_only_bad_rows_lie_between_blocks() -> None:
    rows = ["id,text"] + [f"{i},{'v' * 100}" for i in range(40_000)]
    bad = [9_999, 10_000, 10_001, 25_000, 39_999]
    for number in bad:
        rows[number - 1] = "x"
    error = refused(("\n".join(rows) + "\n").encode())
    assert lines(error) == bad


# -- header ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "code", "message"),
    [
        (b"", "empty", "The file is empty."),
        (b"\xef\xbb\xbf", "empty", "The file is empty."),
        (b"\n\nid,name\n1,a\n", "header_missing", "Line 1 is empty"),
        (b"a,,c\n1,2,3\n", "header_empty_name", "Column 2 has no name."),
        (b"a,  ,c\n1,2,3\n", "header_empty_name", "Column 2 has no name."),
        (b"id,Name, NAME \n1,2,3\n", "header_duplicate_name",
         "Columns 2 and 3 have the same name"),
        (b"a," + b"x" * 201 + b"\n1,2\n", "header_name_too_long",
         "The name of column 2 is longer than 200 characters."),
        (b"a,b\x00c\n1,2\n", "header_nul", "The name of column 2 contains a NUL character."),
        (b'a,"b\nc",d\n1,2,3\n', "header_unreadable", "The header row on line 1"),
        (b",".join(b"c%d" % i for i in range(501)) + b"\n", "too_many_columns",
         "The file has 501 columns; at most 500 are allowed."),
    ],
)
def test_header_rules(data: bytes, code: str, message: str) -> None:
    error = refused(data)
    assert error.code == code
    assert str(error).startswith(message)
    assert error.problems == []


def test_a_header_only_file_is_accepted_with_no_rows() -> None:
    for data in (b"id,name", b"id,name\n", b"id,name\r\n", "id;numéro\n".encode("utf-16")):
        report, table = ingest(data)
        assert report.rows == 0
        assert table.num_rows == 0
        assert table.schema.names == list(report.columns)
        assert all(field.type == pa.string() for field in table.schema)


def test_names_are_kept_as_written() -> None:
    report, table = ingest(b'" Name ","a,b",x\n1,2,3\n')
    assert report.columns == (" Name ", "a,b", "x")
    assert table.schema.names == [" Name ", "a,b", "x"]


# -- limits ----------------------------------------------------------------------------------------


def test_too_many_rows_stops_the_reading_early() -> None:
    data = b"a,b\n" + b"1,2\n" * 8_000_000  # 32 MB
    source = CountingReader(data)
    with pytest.raises(IngestError) as caught:
        ingest_csv(source, io.BytesIO(), limits=Limits(max_bytes=1 << 30, max_rows=10))  # type: ignore[arg-type]
    assert caught.value.code == "too_many_rows"
    assert str(caught.value) == "The file has more than the 10 rows allowed."
    assert source.read_bytes < 10_000_000  # three blocks of 2 MiB, read before the first rows
    assert ingest(b"a,b\n" + b"1,2\n" * 10, limits=Limits(1 << 20, max_rows=10))[0].rows == 10
    error = refused(b"a,b\n" + b"1\n" * 11, limits=Limits(1 << 20, max_rows=10))
    assert error.code == "too_many_rows"


def test_too_large_stops_the_reading_early() -> None:
    data = b"a,b\n" + b"1,2\n" * 2_000_000
    source = CountingReader(data)
    with pytest.raises(IngestError) as caught:
        ingest_csv(source, io.BytesIO(), limits=Limits(max_bytes=100_000, max_rows=10**9))  # type: ignore[arg-type]
    assert caught.value.code == "too_large"
    assert str(caught.value) == "The file is larger than the 97.7 KiB allowed."
    assert source.read_bytes < 3 << 20
    error = refused(b"a,b\n" + b"1,2\n" * 30, limits=Limits(max_bytes=100, max_rows=1000))
    assert error.code == "too_large"  # already in the sample
    assert ingest(b"a,b\n1,2\n", limits=Limits(max_bytes=8, max_rows=1))[0].source_bytes == 8


# -- Parquet ---------------------------------------------------------------------------------------


def test_parquet_round_trip_every_type_to_text_nulls_kept() -> None:
    table = pa.table({
        "id": pa.array(["007", None, ""]),
        "n": pa.array([1, None, -7], pa.int64()),
        "small": pa.array([255, 0, None], pa.uint8()),
        "x": pa.array([0.1, 1.0, None]),
        "f32": pa.array([1.5, None, -0.25], pa.float32()),
        "d": pa.array([datetime.date(2024, 1, 31), None, datetime.date(2000, 2, 29)]),
        "ts": pa.array([datetime.datetime(2024, 1, 31, 12, 5, 6), None, None],
                       pa.timestamp("s")),
        "tsz": pa.array([datetime.datetime(2024, 1, 31, 11, 5, 6, 250000), None, None],
                        pa.timestamp("ms", tz="Europe/Luxembourg")),
        "t": pa.array([datetime.time(8, 30), None, None], pa.time64("us")),
        "ok": pa.array([True, False, None]),
        "price": pa.array([decimal.Decimal("1.50"), None, decimal.Decimal("-2.00")],
                          pa.decimal128(6, 2)),
        "cat": pa.array(["x", None, "x"]).dictionary_encode(),
        "nothing": pa.nulls(3),
    })
    data = parquet_bytes(table)
    report, out = ingest_pq(data)
    assert report == IngestReport(
        format="parquet", columns=tuple(table.schema.names), rows=3, encoding=None,
        delimiter=None, source_sha256=hashlib.sha256(data).hexdigest(), source_bytes=len(data),
    )
    assert all(field.type == pa.string() for field in out.schema)
    assert out.to_pylist() == [
        {"id": "007", "n": "1", "small": "255", "x": "0.1", "f32": "1.5", "d": "2024-01-31",
         "ts": "2024-01-31T12:05:06.000", "tsz": "2024-01-31T11:05:06.250Z", "t": "08:30:00.000000",
         "ok": "true", "price": "1.50", "cat": "x", "nothing": None},
        {"id": None, "n": None, "small": "0", "x": "1", "f32": None, "d": None, "ts": None,
         "tsz": None, "t": None, "ok": "false", "price": None, "cat": None, "nothing": None},
        {"id": "", "n": "-7", "small": None, "x": None, "f32": "-0.25", "d": "2000-02-29",
         "ts": None, "tsz": None, "t": None, "ok": None, "price": "-2.00", "cat": "x",
         "nothing": None},
    ]


def test_parquet_with_many_batches() -> None:
    table = pa.table({"n": pa.array(range(50_000)), "s": [f"{i:07d}" for i in range(50_000)]})
    report, out = ingest_pq(parquet_bytes(table))
    assert report.rows == 50_000
    assert out.column("s").to_pylist()[:2] == ["0000000", "0000001"]
    assert out.column("n").to_pylist()[-1] == "49999"


@pytest.mark.parametrize(
    ("column", "type_text"),
    [
        (pa.array([[1, 2], [3]]), "list<element: int64>"),
        (pa.array([{"a": 1}, {"a": 2}]), "struct<a: int64>"),
        (pa.array([b"x", b"y"]), "binary"),
        (pa.array([1, 2], pa.duration("s")), "duration[s]"),
    ],
)
def test_parquet_nested_binary_and_other_types_are_refused(column: pa.Array, type_text: str) -> None:
    error = refused_pq(parquet_bytes(pa.table({"ok": ["a", "b"], "bad": column})))
    assert error.code == "unsupported_type"
    assert str(error).startswith(f"Column 2 ('bad') has the type {type_text}, which cannot be")


def test_parquet_header_rules_and_limits() -> None:
    assert refused_pq(parquet_bytes(pa.table({"a": [1], "A ": [2]}))).code == (
        "header_duplicate_name"
    )
    assert refused_pq(parquet_bytes(pa.table({"a": [1], " ": [2]}))).code == "header_empty_name"
    many = parquet_bytes(pa.table({"n": list(range(100))}))
    assert refused_pq(many, Limits(max_bytes=1 << 20, max_rows=99)).code == "too_many_rows"
    assert ingest_pq(many, Limits(max_bytes=1 << 20, max_rows=100))[0].rows == 100
    assert refused_pq(many, Limits(max_bytes=len(many) - 1, max_rows=100)).code == "too_large"
    assert refused_pq(b"").code == "empty"
    error = refused_pq(b"a,b\n1,2\n" * 10)
    assert (error.code, str(error)) == ("unreadable", "The file could not be read as Parquet.")


def test_parquet_problems_are_on_row_numbers() -> None:
    limits = Limits(max_bytes=1 << 20, max_rows=100, max_field_bytes=5)
    table = pa.table({"a": ["ok", "x\x00y", "ok", "toolong", None], "b": [1, 2, 3, 4, 5]})
    error = refused_pq(parquet_bytes(table), limits)
    assert [(p.line, p.code) for p in error.problems] == [
        (2, "nul_character"), (4, "field_too_large"),
    ]
    assert "Row 2: a NUL character; row 4: a value is longer than 5 bytes." in str(error)


def test_parquet_text_that_is_not_utf8_is_a_problem_on_its_row() -> None:
    good = pa.array(["ok", "ok", "ok", "ok", "ok"])
    offsets = pa.array([0, 2, 4, 6, 8, 10], pa.int32()).buffers()[1]
    bad = pa.Array.from_buffers(pa.string(), 5, [None, offsets, pa.py_buffer(b"ok\xffxokz\xfeok")])
    error = refused_pq(parquet_bytes(pa.table({"good": good, "bad": bad})))
    assert [(p.line, p.code) for p in error.problems] == [
        (2, "invalid_encoding"), (4, "invalid_encoding"),
    ]


# -- output ----------------------------------------------------------------------------------------


def test_output_is_one_zstd_parquet_of_strings_read_by_polars() -> None:
    data = b"id,postcode,name\n" + b"".join(b"%07d,0%d,n\n" % (i, i) for i in range(5000))
    sink = WriteOnly()
    report = ingest_csv(io.BytesIO(data), sink, limits=LIMITS)  # type: ignore[arg-type]
    output = sink.buffer.getvalue()
    assert not sink.buffer.closed  # the sink is the caller's to close
    frame = pl.read_parquet(io.BytesIO(output))
    assert frame.height == report.rows == 5000
    assert frame.schema == pl.Schema({"id": pl.String, "postcode": pl.String, "name": pl.String})
    assert frame["id"][0] == "0000000"
    metadata = pq.read_metadata(io.BytesIO(output))
    assert metadata.metadata is None  # no key-value metadata
    assert metadata.row_group(0).column(0).compression == "ZSTD"


def test_a_sink_with_short_writes_gets_every_byte() -> None:
    class Trickle:
        def __init__(self) -> None:
            self.parts: list[bytes] = []

        def write(self, data: bytes) -> int:
            self.parts.append(bytes(data[:7]))
            return min(len(data), 7)

    sink = Trickle()
    report = ingest_csv(io.BytesIO(b"a,b\n1,2\n3,4\n"), sink, limits=LIMITS)  # type: ignore[arg-type]
    table = pq.read_table(io.BytesIO(b"".join(sink.parts)))
    assert table.num_rows == report.rows == 2


# -- sensitive values ------------------------------------------------------------------------------


def _assert_no_secret(error: IngestError) -> None:
    texts = [str(error), repr(error.args), *(p.reason for p in error.problems)]
    assert not any(SECRET in text for text in texts)
    assert error.__cause__ is None
    assert error.__context__ is None


def test_errors_never_quote_a_cell_value() -> None:
    s = SECRET.encode()
    limits = Limits(max_bytes=1 << 30, max_rows=1000, max_field_bytes=100)
    data = b"\n".join([
        b"id,name,note",
        b"1,%s,%s,%s" % (s, s, s),  # too many fields
        b"2,%s" % s,  # too few
        b"3,%s\x00,x" % s,  # NUL
        b"4,%s,x" % (s * 20),  # too long
        b"5,%s\xff,x" % s,  # invalid byte
        b'6,"%s\n%s",x' % (s, s),
        b'7,"%s,x' % s,  # unclosed quote, to the end
        b"8,a,b",
    ]) + b"\n"
    error = refused(data, limits=limits, encoding="utf-8")
    assert {p.code for p in error.problems} == {
        "too_many_fields", "too_few_fields", "nul_character", "field_too_large",
        "invalid_encoding",
    }
    _assert_no_secret(error)
    _assert_no_secret(refused(b"a,b\n" + b'1,"' + s * 300_000 + b'"\n', limits=limits))
    _assert_no_secret(refused(b"%s,%s\n1,2\n" % (s, s)))
    _assert_no_secret(refused(b"a,%s\x00\n1,2\n" % s))
    _assert_no_secret(refused(b"a,\"%s\n" % s))
    table = pa.table({"a": [SECRET + "\x00", "x" * 200 + SECRET]})
    _assert_no_secret(refused_pq(parquet_bytes(table), limits))
    _assert_no_secret(refused_pq(s * 100))


# -- memory --------------------------------------------------------------------------------------

_MEASURE = textwrap.dedent("""
    import io, json, sys, tracemalloc
    import pyarrow as pa
    from laif.sandbox.ingest import Limits, ingest_csv

    def status(key):  # kB in /proc/self/status (ru_maxrss would include the parent's, on Linux)
        try:
            with open("/proc/self/status") as lines:
                return next(int(l.split()[1]) for l in lines if l.startswith(key + ":")) * 1024
        except (OSError, StopIteration):
            return 0

    limits = Limits(max_bytes=1 << 34, max_rows=10**9, max_field_bytes=256 * 1024)
    ingest_csv(io.BytesIO(b"a,b\\n1,2\\n" * 1000), io.BytesIO(), limits=limits)  # warm up
    rss = status("VmRSS")
    tracemalloc.start()
    with open(sys.argv[1], "rb") as src, open(sys.argv[2], "wb") as sink:
        report = ingest_csv(src, sink, limits=limits)
    print(json.dumps({
        "rows": report.rows,
        "python_peak": tracemalloc.get_traced_memory()[1],
        "arrow_peak": pa.default_memory_pool().max_memory(),
        "rss_growth": status("VmHWM") - rss,
    }))
""")


def test_memory_does_not_grow_with_the_file(tmp_path: Path) -> None:
    """A CSV of about 50 MB, in a fresh interpreter so that pyarrow's high-water mark is this
    ingest's: Python's allocations (tracemalloc) and pyarrow's (its pool's peak) stay a small
    part of the file. (The process's peak RSS is reported but not checked: the allocators keep
    freed memory, some tens of MB whatever the file's size.)"""
    source = tmp_path / "big.csv"
    rows = 0
    with source.open("w", encoding="utf-8") as out:
        out.write("id,name,postcode,amount,comment\n")
        chunk = "".join(
            f'{i:07d},Name {i} é,L-{i % 9999:04d},{i * 1.25},"a, b ""{i}"""\n'
            for i in range(20_000)
        )
        while out.tell() < 50_000_000:
            out.write(chunk)
            rows += 20_000
    size = source.stat().st_size
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(source), str(tmp_path / "out.parquet")],
        capture_output=True, text=True, check=True, timeout=120,
    )
    measured = json.loads(done.stdout)
    assert measured["rows"] == rows
    assert pq.read_metadata(tmp_path / "out.parquet").num_rows == rows
    print(f"file {size >> 20} MiB: {measured}")
    assert measured["python_peak"] + measured["arrow_peak"] < size * 0.35
