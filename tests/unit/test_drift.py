"""The drift engine without Evidently: each statistic against a value computed here by hand or
by scipy directly, the choice of method, the verdict at exactly half, missing values, the
profile's round trip through bytes, files read column by column, PSI.

(``tests/govern/test_drift_oracle.py`` compares the whole with Evidently 0.7 itself.)"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from scipy import stats  # type: ignore[import-untyped]
from scipy.spatial import distance  # type: ignore[import-untyped]

from laif.govern import drift as d


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def one(reference: pl.DataFrame, current: pl.DataFrame, column: str = "x",
        **options: Any) -> d.ColumnDrift:
    profile = d.ReferenceProfile.build(reference, kinds=options.pop("kinds", None))
    return d.column_drift(profile, current, **options)[column]


def repeat(counts: dict[Any, int]) -> list[Any]:
    return [value for value, n in counts.items() for _ in range(n)]


# --- column kinds --------------------------------------------------------------------------------


def test_kinds_are_inferred_as_evidently_does() -> None:
    n = 100
    frame = pl.DataFrame({
        "float": rng().normal(size=n),
        "int_ten": np.arange(n) % 10,
        "int_eleven": np.arange(n) % 11,
        "int_missing": pl.Series([None] + [i % 3 for i in range(n - 1)], dtype=pl.Int64),
        "small_int": pl.Series(np.arange(n) % 4, dtype=pl.Int8),
        "float32": pl.Series(np.arange(n) % 2, dtype=pl.Float32),
        "unsigned": pl.Series(np.arange(n) % 4, dtype=pl.UInt16),  # pandas: uint16, unknown
        "unsigned_missing": pl.Series([None] + [i % 3 for i in range(n - 1)], dtype=pl.UInt8),
        "few_strings": [f"v{i % 50}" for i in range(n)],  # 50 values of 100: categorical
        "many_strings": [f"v{i % 51}" for i in range(n)],  # 51 of 100: text
        "bool": [i % 3 == 0 for i in range(n)],
        "bool_missing": [None] + [True] * (n - 1),
        "category": pl.Series([f"c{i % 60}" for i in range(n)], dtype=pl.Categorical),
        "day": [date(2026, 1, 1 + i % 28) for i in range(n)],
        "empty": pl.Series([None] * n, dtype=pl.String),
    })
    kinds = {name: s.inferred_kind() for name, s in d.summarise(frame).items()}
    assert kinds == {
        "float": "numerical",
        "int_ten": "categorical",
        "int_eleven": "numerical",
        "int_missing": "numerical",  # pandas reads it as float64
        "small_int": "categorical",
        "float32": "numerical",
        "unsigned": "unknown",
        "unsigned_missing": "numerical",
        "few_strings": "categorical",
        "many_strings": "text",
        "bool": "categorical",
        "bool_missing": "unknown",  # pandas reads it as object of bools
        "category": "categorical",
        "day": "datetime",
        "empty": "unknown",
    }


def test_kinds_come_from_the_current_batch_unless_given() -> None:
    reference = pl.DataFrame({"x": np.arange(200) % 5})  # categorical in the reference
    current = pl.DataFrame({"x": np.arange(200) % 40})  # numerical in the current batch
    assert one(reference, current).kind == "numerical"  # as Evidently: the current's kind
    assert one(reference, current).method == "ks"
    fixed = d.ReferenceProfile.build(reference, freeze_kinds=True)
    assert fixed.kinds == {"x": "categorical"}
    assert d.column_drift(fixed, current)["x"].method == "chisquare"
    given = one(reference, current, kinds={"x": "categorical"})
    assert (given.kind, given.method) == ("categorical", "chisquare")


def test_explicit_kinds_win_and_are_checked() -> None:
    frame = pl.DataFrame({"code": np.arange(300) % 7, "label": ["a", "b", "c"] * 100})
    assert one(frame, frame, "code").kind == "categorical"
    assert one(frame, frame, "code", kinds={"code": "numerical"}).method == "ks"
    with pytest.raises(ValueError, match="cannot be numerical"):
        d.ReferenceProfile.build(frame, kinds={"label": "numerical"})
    with pytest.raises(KeyError):
        d.ReferenceProfile.build(frame, kinds={"nope": "numerical"})


def test_a_text_column_is_refused_and_dates_are_left_out() -> None:
    n = 50
    frame = pl.DataFrame({
        "comment": [f"free text {i}" for i in range(n)],
        "day": [date(2026, 2, 1 + i % 28) for i in range(n)],
        "x": rng().normal(size=n),
    })
    profile = d.ReferenceProfile.build(frame)
    with pytest.raises(d.UnsupportedColumn, match="text"):
        d.dataset_drift(profile, frame)
    result = d.dataset_drift(profile, frame, columns=["day", "x"])
    assert list(result.columns) == ["x"]
    assert result.skipped == ("day",)
    as_category = d.ReferenceProfile.build(frame, kinds={"comment": "categorical"})
    assert d.dataset_drift(as_category, frame, columns=["comment"]).columns["comment"].method \
        == "chisquare"


# --- the choice of method ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reference", "current", "method"),
    [
        (rng(1).normal(size=1000), rng(2).normal(size=500), "ks"),  # 1,000 rows: small
        (rng(1).normal(size=1001), rng(2).normal(size=500), "wasserstein"),
        (np.arange(1000) % 5 + 0.5, np.arange(300) % 5 + 0.5, "chisquare"),  # 5 values
        (np.arange(1000) % 6 + 0.5, np.arange(300) % 6 + 0.5, "ks"),  # 6 values: continuous
        (np.arange(1000) % 2 + 0.5, np.arange(300) % 2 + 0.5, "z"),  # 2 values
        (np.arange(1000) % 2 + 0.5, np.arange(300) % 3 + 0.5, "chisquare"),  # 3 together
        (np.arange(1001) % 5 + 0.5, np.arange(300) % 5 + 0.5, "jensenshannon"),
        (np.arange(1001) % 6 + 0.5, np.arange(300) % 6 + 0.5, "wasserstein"),
        (np.arange(1000) % 2, np.arange(300) % 2, "z"),  # integers: categorical
        (np.arange(1000) % 4, np.arange(300) % 4, "chisquare"),
        (np.arange(1001) % 2, np.arange(300) % 2, "jensenshannon"),
        (np.array(["a", "b"] * 500), np.array(["a", "b"] * 150), "z"),
        (np.array(["a", "b", "c", "d"] * 250), np.array(["a", "b"] * 150), "chisquare"),
        (np.array(["a", "b"] * 501), np.array(["a", "b"] * 150), "jensenshannon"),
    ],
)
def test_the_default_method_follows_evidentlys_rule(reference: Any, current: Any,
                                                    method: str) -> None:
    result = one(pl.DataFrame({"x": reference}), pl.DataFrame({"x": current}))
    assert result.method == method
    assert result.method_label == d.LABELS[result.method]
    assert result.threshold == (0.05 if method in ("ks", "chisquare", "z") else 0.1)


def test_the_reference_size_is_counted_without_missing_values() -> None:
    values = rng(3).normal(size=1010)
    values[:10] = np.nan  # 1,000 values left: a small reference
    result = one(pl.DataFrame({"x": values}), pl.DataFrame({"x": rng(4).normal(size=300)}))
    assert (result.method, result.reference_rows) == ("ks", 1000)
    values[:10] = 0.0
    assert one(pl.DataFrame({"x": values}),
               pl.DataFrame({"x": rng(4).normal(size=300)})).method == "wasserstein"


def test_a_chosen_method_and_threshold_apply_to_every_column() -> None:
    frame = pl.DataFrame({"x": rng().normal(size=200), "c": ["a", "b", "c", "d"] * 50})
    profile = d.ReferenceProfile.build(frame)
    result = d.column_drift(profile, frame, method="psi", threshold=0.2)
    assert {c.method for c in result.values()} == {"psi"}
    assert {c.threshold for c in result.values()} == {0.2}
    with pytest.raises(ValueError, match="cannot test"):
        d.column_drift(profile, frame, method="ks")  # Evidently: ks is for numerical columns
    with pytest.raises(ValueError, match="cannot test"):
        d.column_drift(profile, frame, method="chisquare", columns=["x"])


# --- each statistic ------------------------------------------------------------------------------


def test_ks_is_scipys_two_sample_test_without_missing_values() -> None:
    reference = rng(5).normal(size=400)
    current = rng(6).normal(0.3, size=300)
    ref_frame = pl.DataFrame({"x": np.append(reference, [np.nan, np.inf])})
    cur_frame = pl.DataFrame({"x": pl.Series([*current.tolist(), None, -np.inf])})
    result = one(ref_frame, cur_frame)
    expected = stats.ks_2samp(reference, current).pvalue
    assert result.method == "ks"
    assert result.statistic == pytest.approx(expected, rel=1e-12, abs=1e-15)
    assert result.drifted == (expected <= 0.05)
    assert (result.reference_rows, result.current_rows) == (400, 300)


def test_ks_drift_is_p_at_most_the_threshold() -> None:
    reference = pl.DataFrame({"x": rng(7).normal(size=300)})
    near = one(reference, pl.DataFrame({"x": rng(8).normal(size=300)}))
    far = one(reference, pl.DataFrame({"x": rng(8).normal(1.0, size=300)}))
    assert not near.drifted
    assert far.drifted
    exactly = one(reference, pl.DataFrame({"x": rng(8).normal(size=300)}),
                  threshold=near.statistic)
    assert exactly.drifted  # p <= threshold


def test_wasserstein_is_the_distance_over_the_reference_std() -> None:
    reference = rng(9).normal(10, 3, size=5000)
    current = rng(10).normal(10.5, 3, size=2000)
    result = one(pl.DataFrame({"x": reference}), pl.DataFrame({"x": current}))
    expected = stats.wasserstein_distance(reference, current) / np.std(reference)
    assert result.method == "wasserstein"
    assert result.statistic == pytest.approx(expected, rel=1e-12)
    assert result.drifted == (expected >= 0.1)


def test_wasserstein_by_hand_and_its_floor_on_the_std() -> None:
    # reference 0, 1, 2, 3 (std sqrt(1.25)); current 1, 2, 3, 4: the distribution functions
    # differ by 1/4 on [0, 4): area 1
    assert d.wasserstein_normed(np.array([0.0, 1, 2, 3]), np.array([1.0, 2, 3, 4]),
                                math.sqrt(1.25)) == pytest.approx(1 / math.sqrt(1.25))
    # ties across the samples add nothing: {0, 1} against {1, 1}: 1/2 on [0, 1)
    assert d.wasserstein_normed(np.array([0.0, 1]), np.array([1.0, 1]), 1.0) == 0.5
    # a std below 0.001 counts as 0.001
    tiny = np.linspace(0, 1e-6, 2000)
    result = one(pl.DataFrame({"x": tiny}), pl.DataFrame({"x": tiny + 1e-6}))
    assert result.method == "wasserstein"
    assert result.statistic == pytest.approx(1e-6 / 0.001, rel=1e-6)


def test_chisquare_by_hand() -> None:
    reference = pl.DataFrame({"x": repeat({"a": 2, "b": 3, "c": 5})})
    current = pl.DataFrame({"x": repeat({"a": 6, "b": 2, "c": 2})})
    result = one(reference, current)
    statistic = (6 - 2) ** 2 / 2 + (2 - 3) ** 2 / 3 + (2 - 5) ** 2 / 5
    assert result.method == "chisquare"
    assert result.statistic == pytest.approx(math.exp(-statistic / 2))  # chi2(2) sf
    assert result.drifted  # p = 0.0063 < 0.05


def test_chisquare_scales_the_expected_counts_and_a_new_value_is_drift() -> None:
    reference = pl.DataFrame({"x": repeat({"a": 20, "b": 30, "c": 50})})
    current = pl.DataFrame({"x": repeat({"a": 10, "b": 15, "c": 25})})  # same shares, half
    assert one(reference, current).statistic == pytest.approx(1.0)
    new = one(reference, pl.DataFrame({"x": repeat({"a": 10, "b": 15, "c": 24, "d": 1})}))
    assert new.statistic == 0.0  # an expected count of 0: infinite statistic
    assert new.drifted


def test_z_test_by_hand() -> None:
    reference = pl.DataFrame({"x": repeat({"x": 30, "y": 70})})
    current = pl.DataFrame({"x": repeat({"x": 50, "y": 50})})
    result = one(reference, current)
    p1, p2, pooled = 0.7, 0.5, 0.6
    z = (p1 - p2) / math.sqrt(pooled * (1 - pooled) * (1 / 100 + 1 / 100))
    assert result.method == "z"
    assert result.statistic == pytest.approx(math.erfc(z / math.sqrt(2)), rel=1e-9)
    assert result.drifted  # z = 2.89, p = 0.0039


def test_z_test_of_one_same_value_is_one() -> None:
    result = one(pl.DataFrame({"x": ["k"] * 40}), pl.DataFrame({"x": ["k"] * 10}))
    assert (result.method, result.statistic, result.drifted) == ("z", 1.0, False)
    other = one(pl.DataFrame({"x": ["k"] * 40}), pl.DataFrame({"x": ["m"] * 10}))
    assert other.statistic < 1e-9


def test_jensenshannon_by_hand() -> None:
    reference = pl.DataFrame({"x": repeat({"a": 600, "b": 400, "c": 1})})
    current = pl.DataFrame({"x": repeat({"a": 300, "b": 700, "d": 3})})
    result = one(reference, current)
    p = np.array([600, 400, 1, 0]) / 1001
    q = np.array([300, 700, 0, 3]) / 1003
    m = (p + q) / 2
    kl = sum(a * math.log(a / b) for a, b in zip(p, m, strict=True) if a > 0)
    kl += sum(a * math.log(a / b) for a, b in zip(q, m, strict=True) if a > 0)
    assert result.method == "jensenshannon"
    assert result.statistic == pytest.approx(math.sqrt(kl / 2), rel=1e-12)
    assert result.statistic == pytest.approx(distance.jensenshannon(p, q), rel=1e-12)
    assert result.drifted  # 0.22 >= 0.1


def test_jensenshannon_bins_a_numerical_column_as_numpy_sturges() -> None:
    reference = np.round(rng(11).normal(50, 10, size=3000), 1)
    current = np.round(rng(12).normal(53, 10, size=2500), 1)
    result = one(pl.DataFrame({"x": reference}), pl.DataFrame({"x": current}),
                 method="jensenshannon")
    edges = np.histogram_bin_edges(np.concatenate((reference, current)), bins="sturges")
    p = np.histogram(reference, edges)[0] / reference.size
    q = np.histogram(current, edges)[0] / current.size
    assert result.statistic == pytest.approx(distance.jensenshannon(p, q), rel=1e-12)
    assert result.histogram.edges == pytest.approx(edges.tolist())
    assert result.histogram.reference == tuple(np.histogram(reference, edges)[0])


def test_sturges_edges_of_integers_are_at_least_one_wide() -> None:
    # 0..10 over 5,000 values: sturges' width 10 / 13.3 < 1 becomes 1 for integers (numpy)
    reference = np.sort(np.arange(3000) % 11)
    current = np.sort(np.arange(2000) % 11)
    both = np.concatenate((reference, current))
    as_integers = d.sturges_edges(reference.astype(float), current.astype(float), integer=True)
    assert as_integers.tolist() == np.histogram_bin_edges(both, bins="sturges").tolist()
    assert len(as_integers) == 11
    as_floats = d.sturges_edges(reference.astype(float), current.astype(float), integer=False)
    assert as_floats.tolist() == np.histogram_bin_edges(both.astype(float),
                                                        bins="sturges").tolist()
    assert len(as_floats) == 15  # ceil(log2(5000) + 1) = 14 bins
    one_value = d.sturges_edges(np.array([3.0, 3.0]), np.array([3.0]), integer=False)
    assert one_value.tolist() == np.histogram_bin_edges(np.full(3, 3.0), bins="sturges").tolist()


# --- PSI -----------------------------------------------------------------------------------------


def test_psi_by_hand() -> None:
    reference = pl.DataFrame({"x": repeat({"a": 500, "b": 500})})
    current = pl.DataFrame({"x": repeat({"a": 250, "b": 750})})
    result = one(reference, current, psi=True)
    expected = (0.5 - 0.25) * math.log(0.5 / 0.25) + (0.5 - 0.75) * math.log(0.5 / 0.75)
    assert result.psi == pytest.approx(expected)
    assert result.psi_drifted == (expected >= 0.1)
    assert result.method == "z"  # PSI is reported beside the default method, not instead
    alone = one(reference, current, method="psi")
    assert (alone.method, alone.statistic, alone.drifted) == ("psi", result.psi, True)


def test_psi_fills_an_empty_share_as_evidently() -> None:
    # "c" is absent from the current batch: its share becomes 0.0001 (the smallest non-zero
    # share, 0.25, is above 0.0001)
    reference = pl.DataFrame({"x": repeat({"a": 50, "b": 25, "c": 25})})
    current = pl.DataFrame({"x": repeat({"a": 50, "b": 50})})
    r, c = [0.5, 0.25, 0.25], [0.5, 0.5, 0.0001]
    expected = sum((a - b) * math.log(a / b) for a, b in zip(r, c, strict=True))
    assert one(reference, current, method="psi").statistic == pytest.approx(expected)
    # when the smallest non-zero share is at most 0.0001, zeroes become it / 1e6
    assert d.fill_zeroes(np.array([0.0, 0.00005, 0.99995])).tolist() == [
        0.00005 / 10**6, 0.00005, 0.99995]


def test_psi_of_a_numerical_column_uses_sturges_bins() -> None:
    reference = rng(13).normal(size=4000)
    current = rng(14).normal(0.5, size=4000)
    result = one(pl.DataFrame({"x": reference}), pl.DataFrame({"x": current}), method="psi")
    edges = np.histogram_bin_edges(np.concatenate((reference, current)), bins="sturges")
    r = np.histogram(reference, edges)[0] / reference.size
    c = np.histogram(current, edges)[0] / current.size
    r = np.where(r == 0, 0.0001, r)
    c = np.where(c == 0, 0.0001, c)
    assert result.statistic == pytest.approx(float(np.sum((r - c) * np.log(r / c))), rel=1e-9)
    assert result.drifted


# --- missing values ------------------------------------------------------------------------------


def test_missing_values_are_dropped_per_column_before_the_tests() -> None:
    values = rng(15).normal(size=600)
    codes = np.arange(600) % 3
    with_missing = pl.DataFrame({
        "x": [None if i % 7 == 0 else v for i, v in enumerate(values.tolist())],
        "c": [None if i % 5 == 0 else f"k{v}" for i, v in enumerate(codes.tolist())],
    })
    clean = pl.DataFrame({
        "x": [v for i, v in enumerate(values.tolist()) if i % 7],
    })
    clean_c = pl.DataFrame({"c": [f"k{v}" for i, v in enumerate(codes.tolist()) if i % 5]})
    current = pl.DataFrame({"x": rng(16).normal(size=400), "c": ["k0", "k1", "k2", "k2"] * 100})
    profile = d.ReferenceProfile.build(with_missing)
    result = d.column_drift(profile, current)
    assert result["x"].statistic == one(clean, current.select("x")).statistic
    assert result["c"].statistic == one(clean_c, current.select("c"), "c").statistic
    assert result["x"].reference_rows == 600 - 86
    assert profile.columns["x"].missing == 86
    with pytest.raises(d.UnsupportedColumn, match="empty"):
        d.column_drift(profile, current.with_columns(pl.lit(None, pl.Float64).alias("x")))


def test_nan_and_infinities_are_missing_values_too() -> None:
    summary = d.summarise(pl.DataFrame({"x": [1.0, np.nan, None, np.inf, -np.inf, 2.0]}))["x"]
    assert (summary.rows, summary.missing, summary.count) == (6, 4, 2)
    assert summary.values is not None
    assert summary.values.tolist() == [1.0, 2.0]
    assert summary.mean == 1.5
    assert summary.std == 0.5


# --- the dataset verdict -------------------------------------------------------------------------


def _columns(drifted: int, steady: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    base = rng(17).normal(size=500)
    reference = {f"c{i}": base for i in range(drifted + steady)}
    current = {f"c{i}": base + (5.0 if i < drifted else 0.0) for i in range(drifted + steady)}
    return pl.DataFrame(reference), pl.DataFrame(current)


def test_the_dataset_drifts_when_exactly_half_of_the_columns_drift() -> None:
    reference, current = _columns(drifted=2, steady=2)
    profile = d.ReferenceProfile.build(reference)
    result = d.dataset_drift(profile, current)
    assert (result.number_of_columns, result.number_of_drifted_columns) == (4, 2)
    assert result.share_of_drifted_columns == 0.5
    assert result.drifted
    assert not d.dataset_drift(profile, current, share=0.51).drifted


def test_the_dataset_does_not_drift_below_half() -> None:
    reference, current = _columns(drifted=2, steady=3)
    result = d.dataset_drift(d.ReferenceProfile.build(reference), current)
    assert result.share_of_drifted_columns == pytest.approx(0.4)
    assert not result.drifted
    assert result.as_dict()["number_of_drifted_columns"] == 2


# --- the profile and the files -------------------------------------------------------------------


def mixed(seed: int, n: int, shift: float) -> pl.DataFrame:
    g = rng(seed)
    return pl.DataFrame({
        "amount": g.normal(100 + shift, 15, n),
        "sparse": pl.Series([None if i % 9 == 0 else float(v) for i, v in
                             enumerate(g.normal(shift, 1, n))], dtype=pl.Float64),
        "count": g.integers(0, 40, n),
        "code": g.integers(0, 4, n),
        "city": g.choice(["Esch", "Luxembourg", "Differdange", "Dudelange"], n),
        "member": g.random(n) < 0.3 + shift / 10,
        "missing_city": pl.Series([None if i % 4 == 0 else c for i, c in
                                   enumerate(g.choice(["a", "b", "c"], n).tolist())]),
    })


def test_the_profile_round_trips_through_bytes_to_the_same_results() -> None:
    reference, current = mixed(20, 3000, 0.0), mixed(21, 2000, 1.0)
    profile = d.ReferenceProfile.build(reference, kinds={"count": "categorical"})
    blob = profile.to_bytes()
    loaded = d.ReferenceProfile.from_bytes(blob)
    assert loaded.kinds == {"count": "categorical"}
    assert loaded.rows == 3000
    before = d.dataset_drift(profile, current, psi=True).as_dict()
    after = d.dataset_drift(loaded, current, psi=True).as_dict()
    assert before == after
    assert before["number_of_drifted_columns"] > 0  # the comparison saw drift, not only calm
    for name, column in profile.columns.items():
        again = loaded.columns[name]
        assert (again.storage, again.rows, again.missing, again.n_unique) == (
            column.storage, column.rows, column.missing, column.n_unique)
    assert loaded.to_bytes() == blob


def test_a_blob_of_another_kind_or_version_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    profile = d.ReferenceProfile.build(pl.DataFrame({"x": [1.0, 2.0, 3.0]}))
    good = profile.to_bytes()
    monkeypatch.setattr(d, "VERSION", 9)
    newer = profile.to_bytes()
    monkeypatch.setattr(d, "FORMAT", "something-else")
    other = profile.to_bytes()
    monkeypatch.undo()
    assert d.ReferenceProfile.from_bytes(good).columns["x"].mean == 2.0
    with pytest.raises(ValueError, match="version 9"):
        d.ReferenceProfile.from_bytes(newer)
    with pytest.raises(ValueError, match="not a drift profile"):
        d.ReferenceProfile.from_bytes(other)
    with pytest.raises(ValueError, match="not a drift profile"):
        d.ReferenceProfile.from_bytes(good[:-40])  # truncated
    with pytest.raises(ValueError, match="not a drift profile"):
        d.ReferenceProfile.from_bytes(good.replace(b'"mean": 2.0', b'"mean": 3.0'))  # altered


def test_files_read_column_by_column_give_the_in_memory_results(tmp_path: Path) -> None:
    reference, current = mixed(30, 2500, 0.0), mixed(31, 1500, 0.5)
    expected = d.dataset_drift(d.ReferenceProfile.build(reference), current, psi=True).as_dict()
    for suffix in ("parquet", "csv", "arrow"):
        ref_path, cur_path = tmp_path / f"ref.{suffix}", tmp_path / f"cur.{suffix}"
        for frame, path in ((reference, ref_path), (current, cur_path)):
            if suffix == "parquet":
                frame.write_parquet(path)
            elif suffix == "csv":
                frame.write_csv(path)
            else:
                frame.write_ipc(path)
        profile = d.ReferenceProfile.build(ref_path)
        assert d.dataset_drift(profile, cur_path, psi=True).as_dict() == expected, suffix
        batch = d.current_from_path(cur_path, ["amount", "city"])
        assert set(batch) == {"amount", "city"}
        assert d.column_drift(profile, batch, columns=["amount", "city"]) == {
            name: c for name, c in d.column_drift(profile, current).items()
            if name in ("amount", "city")}
    with pytest.raises(ValueError, match="expected"):
        d.current_from_path(tmp_path / "data.xlsx")


def test_a_missing_column_is_an_error(tmp_path: Path) -> None:
    profile = d.ReferenceProfile.build(pl.DataFrame({"x": [1.0, 2.0], "y": ["a", "b"]}))
    with pytest.raises(KeyError, match="y"):
        d.column_drift(profile, pl.DataFrame({"x": [1.0, 2.0]}))
    with pytest.raises(KeyError, match="z"):
        d.column_drift(profile, pl.DataFrame({"x": [1.0]}), columns=["z"])


# --- what a chart needs --------------------------------------------------------------------------


def test_histograms_share_their_bins() -> None:
    reference, current = mixed(40, 2000, 0.0), mixed(41, 1000, 2.0)
    result = d.column_drift(d.ReferenceProfile.build(reference), current)
    amount = result["amount"].histogram
    assert amount.edges is not None
    assert amount.edges[0] == min(reference["amount"].min(), current["amount"].min())  # type: ignore[type-var]
    assert amount.edges[-1] == max(reference["amount"].max(), current["amount"].max())  # type: ignore[type-var]
    assert len(amount.reference) == len(amount.edges) - 1
    assert (sum(amount.reference), sum(amount.current)) == (2000, 1000)
    city = result["city"].histogram
    assert city.labels == ("Differdange", "Dudelange", "Esch", "Luxembourg")
    assert sum(city.current) == 1000
    code = result["code"].histogram
    assert code.labels == (0, 1, 2, 3)


def test_a_histogram_of_many_values_sums_the_rest() -> None:
    reference = pl.DataFrame({"x": [f"v{i:03d}" for i in range(100)] * 20})
    current = pl.DataFrame({"x": [f"v{i:03d}" for i in range(100)] * 10 + ["v000"] * 50})
    histogram = one(reference, current).histogram
    assert histogram.labels is not None
    assert len(histogram.labels) == d.CHART_CATEGORIES
    assert histogram.labels[0] == "v000"  # the most frequent
    assert histogram.labels[-1] == "(other)"
    assert (sum(histogram.reference), sum(histogram.current)) == (2000, 1050)


def test_a_parquet_file_of_too_many_rows_is_refused_before_its_data_is_read(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A few compressed kilobytes can hold millions of repeated values: the footer's row count
    is checked first."""
    import io

    from laif.govern import tables

    buffer = io.BytesIO()
    pl.DataFrame({"x": [0] * 5_000}).write_parquet(buffer)
    data = buffer.getvalue()
    monkeypatch.setattr(tables, "MAX_PARQUET_ROWS", 4_999)
    with pytest.raises(tables.TableError, match="more than 4,999 rows"):
        tables.read_table(io.BytesIO(data), "batch.parquet", max_bytes=len(data))
    monkeypatch.setattr(tables, "MAX_PARQUET_ROWS", 5_000)
    assert tables.read_table(io.BytesIO(data), "batch.parquet", max_bytes=len(data)).height == 5_000
    with pytest.raises(tables.TableError, match="larger than"):
        tables.read_table(io.BytesIO(data), "batch.parquet", max_bytes=len(data) - 1)
