"""Re-identification risk of a sandbox table: k-anonymity and l-diversity, pinned semantics;
the same report from a table given batch by batch."""

from __future__ import annotations

import random

import polars as pl
import pytest

from laif.sandbox import risk
from laif.sandbox.risk import (
    GroupCounter,
    GroupSize,
    assess,
    group_stats,
    stat_names,
    summarise,
)


def _frame(rows: list[tuple[str | None, ...]], columns: list[str]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")


def test_k_is_the_smallest_group() -> None:
    frame = _frame(
        [
            ("1980", "luxembourg_city", "flu"),
            ("1980", "luxembourg_city", "cold"),
            ("1980", "luxembourg_city", "flu"),
            ("1975", "north", "flu"),
            ("1975", "north", "cold"),
        ],
        ["year", "region", "diagnosis"],
    )
    report, out = assess(frame, quasi_identifiers=["year", "region"], required_k=2)
    assert report.k == 2
    assert report.groups == 2
    assert report.rows == 5
    assert report.l is None
    assert report.passes
    assert report.smallest_groups == (
        GroupSize(values=("1975", "north"), size=2),
        GroupSize(values=("1980", "luxembourg_city"), size=3),
    )
    assert report.suppressed_rows == 0
    assert report.suppressed_groups == 0
    assert report.quasi_identifiers == ("year", "region")
    assert out.equals(frame)
    failing, _ = assess(frame, quasi_identifiers=["year", "region"], required_k=3)
    assert failing.k == 2
    assert not failing.passes


def test_a_null_is_a_value_of_its_own_never_a_wildcard() -> None:
    frame = _frame([("A", None), ("A", "x"), ("A", None), ("B", "x")], ["q1", "q2"])
    report, _ = assess(frame, quasi_identifiers=["q1", "q2"], required_k=1)
    assert report.groups == 3
    assert report.k == 1
    assert report.smallest_groups == (
        GroupSize(values=("A", "x"), size=1),
        GroupSize(values=("B", "x"), size=1),
        GroupSize(values=("A", None), size=2),
    )
    alone, _ = assess(
        _frame([("A", None), ("A", "x")], ["q1", "q2"]),
        quasi_identifiers=["q1", "q2"],
        required_k=2,
    )
    assert alone.groups == 2
    assert alone.k == 1
    assert not alone.passes


def test_l_diversity_counts_null_as_a_value() -> None:
    frame = _frame(
        [
            ("1980", "flu", "a"),
            ("1980", None, "a"),
            ("1980", "flu", "b"),
            ("1975", "cold", "c"),
            ("1975", "cold", None),
            ("1975", "cold", "d"),
        ],
        ["year", "diagnosis", "income"],
    )
    report, _ = assess(
        frame, quasi_identifiers=["year"], sensitive=["diagnosis", "income"], required_k=3
    )
    # 1980: diagnosis {flu, null} = 2, income {a, b} = 2; 1975: diagnosis {cold} = 1, income 3
    assert report.l == 1
    assert report.sensitive == ("diagnosis", "income")
    only_first, _ = assess(frame, quasi_identifiers=["year"], sensitive=["income"], required_k=3)
    assert only_first.l == 2
    nulls, _ = assess(
        frame.filter(pl.col("year") == "1980"),
        quasi_identifiers=["year"],
        sensitive=["diagnosis"],
        required_k=3,
        required_l=2,
    )
    assert nulls.l == 2
    assert nulls.passes


def test_passes_needs_both_k_and_l() -> None:
    frame = _frame(
        [("1980", "flu"), ("1980", "flu"), ("1975", "flu"), ("1975", "cold")], ["year", "dx"]
    )
    ok, _ = assess(frame, quasi_identifiers=["year"], sensitive=["dx"], required_k=2)
    assert ok.passes
    assert ok.l == 1
    assert ok.required_l is None
    low_l, _ = assess(
        frame, quasi_identifiers=["year"], sensitive=["dx"], required_k=2, required_l=2
    )
    assert low_l.k == 2
    assert low_l.l == 1
    assert not low_l.passes
    assert low_l.required_k == 2
    assert low_l.required_l == 2


def test_suppress_below_k_removes_and_reports_small_groups() -> None:
    frame = _frame(
        [
            ("1980", "north", "r1"),
            ("1975", "west", "r2"),
            ("1980", "north", "r3"),
            ("1990", None, "r4"),
            ("1975", "west", "r5"),
            ("1980", "north", "r6"),
            ("2001", "east", "r7"),
        ],
        ["year", "region", "row"],
    )
    report, out = assess(
        frame, quasi_identifiers=["year", "region"], required_k=2, suppress_below_k=True
    )
    assert report.suppressed_rows == 2
    assert report.suppressed_groups == 2
    assert report.suppressed == (
        GroupSize(values=("1990", None), size=1),
        GroupSize(values=("2001", "east"), size=1),
    )
    assert out.get_column("row").to_list() == ["r1", "r2", "r3", "r5", "r6"]
    assert out.columns == frame.columns
    assert report.rows == 5
    assert report.groups == 2
    assert report.k == 2
    assert report.passes
    kept_only, same = assess(frame, quasi_identifiers=["year", "region"], required_k=2)
    assert kept_only.suppressed_rows == 0
    assert kept_only.rows == 7
    assert not kept_only.passes
    assert same.equals(frame)


def test_suppression_keeps_l_of_the_remaining_groups() -> None:
    frame = _frame([("A", "x"), ("A", "y"), ("B", "x"), ("C", "x"), ("C", "x")], ["q", "s"])
    report, out = assess(
        frame,
        quasi_identifiers=["q"],
        sensitive=["s"],
        required_k=2,
        required_l=2,
        suppress_below_k=True,
    )
    assert out.height == 4
    assert report.k == 2
    assert report.l == 1  # group C has one sensitive value
    assert not report.passes


def test_suppressing_everything_leaves_an_empty_failing_table() -> None:
    frame = _frame([("A",), ("B",)], ["q"])
    report, out = assess(frame, quasi_identifiers=["q"], required_k=2, suppress_below_k=True)
    assert out.height == 0
    assert report.suppressed_rows == 2
    assert report.suppressed_groups == 2
    assert report.k == 0
    assert report.groups == 0
    assert not report.passes


def test_an_empty_table_has_k_zero_and_never_passes() -> None:
    frame = _frame([], ["q", "s"])
    report, out = assess(frame, quasi_identifiers=["q"], sensitive=["s"], required_k=1)
    assert report.rows == 0
    assert report.k == 0
    assert report.l == 0
    assert report.groups == 0
    assert report.smallest_groups == ()
    assert not report.passes
    assert out.height == 0
    without_sensitive, _ = assess(frame, quasi_identifiers=["q"], required_k=1)
    assert without_sensitive.l is None
    assert not without_sensitive.passes


def test_smallest_groups_are_the_ten_smallest_by_size_then_values() -> None:
    rows: list[tuple[str | None, ...]] = []
    sizes = {"k": 1, "b": 1, "a": 2, "c": 1, None: 1, "z": 5}
    sizes |= {f"m{i:02d}": 3 for i in range(8)}
    for value, size in sizes.items():
        rows.extend([(value,)] * size)
    report, _ = assess(_frame(rows, ["q"]), quasi_identifiers=["q"], required_k=1)
    assert report.groups == len(sizes)
    assert [(g.values, g.size) for g in report.smallest_groups] == [
        ((None,), 1),
        (("b",), 1),
        (("c",), 1),
        (("k",), 1),
        (("a",), 2),
        (("m00",), 3),
        (("m01",), 3),
        (("m02",), 3),
        (("m03",), 3),
        (("m04",), 3),
    ]


def test_non_string_quasi_identifiers_are_shown_as_strings() -> None:
    frame = pl.DataFrame({"band": [10, 10, 9], "year": ["1980", "1980", None]})
    report, _ = assess(frame, quasi_identifiers=["band", "year"], required_k=1)
    assert report.smallest_groups == (
        GroupSize(values=("9", None), size=1),
        GroupSize(values=("10", "1980"), size=2),
    )


def test_internal_names_do_not_clash_with_columns() -> None:
    frame = _frame([("a", "x"), ("a", "y")], ["__size", "__l0"])
    report, _ = assess(frame, quasi_identifiers=["__size"], sensitive=["__l0"], required_k=2)
    assert report.k == 2
    assert report.l == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"quasi_identifiers": []}, "at least one quasi-identifier"),
        ({"quasi_identifiers": ["nope"]}, "unknown columns: 'nope'"),
        ({"quasi_identifiers": ["q", "q"]}, "named twice"),
        ({"quasi_identifiers": ["q"], "sensitive": ["q"]}, "named twice"),
        ({"quasi_identifiers": ["q"], "required_k": 0}, "required_k"),
        ({"quasi_identifiers": ["q"], "sensitive": ["s"], "required_l": 0}, "required_l"),
        ({"quasi_identifiers": ["q"], "required_l": 2}, "sensitive column"),
    ],
)
def test_refusals(kwargs: dict[str, object], message: str) -> None:
    frame = _frame([("a", "x")], ["q", "s"])
    arguments: dict[str, object] = {"required_k": 1, **kwargs}
    with pytest.raises(ValueError, match=message):
        assess(frame, **arguments)  # type: ignore[arg-type]


# --- the same report from batches (GroupCounter) -------------------------------------------------


def _random_frame(rows: int, seed: int) -> pl.DataFrame:
    rnd = random.Random(seed)

    def pick(options: list[str | None]) -> list[str | None]:
        return [rnd.choice(options) for _ in range(rows)]

    return pl.DataFrame(
        {
            "year": pick(["1970", "1980", "1990", None]),
            "region": pick(["north", "south", "east", "west", "centre", None]),
            "sex": pick(["f", "m", None]),
            "dx": pick(["flu", "cold", "asthma", None]),
            "income": pick([f"{n}0000-{n}9999" for n in range(1, 9)] + [None]),
        },
        schema=dict.fromkeys(["year", "region", "sex", "dx", "income"], pl.String),
    )


def _batched(frame: pl.DataFrame, size: int, qis: list[str], sensitive: list[str]) -> GroupCounter:
    counter = GroupCounter(qis, sensitive)
    for start in range(0, frame.height, size):
        counter.add(frame.slice(start, size))
    return counter


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(
    ("qis", "sensitive", "required_k", "required_l", "suppress"),
    [
        (["year"], [], 2, None, False),
        (["year", "region", "sex"], ["dx"], 3, None, False),
        (["year", "region", "sex"], ["dx", "income"], 4, 2, True),
        (["region", "sex"], ["income"], 40, None, True),
        (["year", "region", "sex"], [], 1000, None, True),  # everything suppressed
    ],
)
def test_the_counter_gives_the_report_of_the_whole_table(
    seed: int,
    qis: list[str],
    sensitive: list[str],
    required_k: int,
    required_l: int | None,
    suppress: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(risk, "_MERGE_MIN_ROWS", 8)  # merge often: the merges are tested
    frame = _random_frame(1500, seed)
    expected, kept = assess(
        frame,
        quasi_identifiers=qis,
        sensitive=sensitive,
        required_k=required_k,
        required_l=required_l,
        suppress_below_k=suppress,
    )
    counter = _batched(frame, 97, qis, sensitive)
    assert counter.rows == frame.height
    report, suppressed = counter.report(
        required_k=required_k, required_l=required_l, suppress_below_k=suppress
    )
    assert report == expected
    # the suppressed groups' values, nulls equal to nulls, are what assess removed
    removed = frame.join(suppressed, on=qis, how="anti", nulls_equal=True, maintain_order="left")
    assert removed.equals(kept)
    assert suppressed.height == expected.suppressed_groups


def test_the_counter_without_rows_reports_an_empty_table() -> None:
    counter = GroupCounter(["q"], ["s"])
    report, suppressed = counter.report(required_k=1)
    assert (report.rows, report.k, report.l, report.groups, report.passes) == (0, 0, 0, 0, False)
    assert suppressed.height == 0
    counter.add(_frame([], ["q", "s"]))
    assert counter.report(required_k=1)[0] == report


def test_the_counter_refuses_what_assess_refuses() -> None:
    with pytest.raises(ValueError, match="at least one quasi-identifier"):
        GroupCounter([], [])
    with pytest.raises(ValueError, match="required_l needs"):
        GroupCounter(["q"]).report(required_k=1, required_l=2)


def test_summarise_is_the_final_computation_of_assess() -> None:
    frame = _random_frame(300, 9)
    names = stat_names(frame.columns, 1)
    stats = group_stats(frame, ["year", "sex"], ["dx"], names)
    report, _ = summarise(
        stats, quasi_identifiers=["year", "sex"], sensitive=["dx"], names=names, required_k=5
    )
    expected, _ = assess(frame, quasi_identifiers=["year", "sex"], sensitive=["dx"], required_k=5)
    assert report == expected
