"""Data drift of a model's inputs: a reference profile computed once, then each current batch
tested against it per column, with the rules and defaults of Evidently 0.7 (pure: numpy, scipy,
polars; no Django).

The rules below were read from Evidently 0.7.23 (``evidently`` on PyPI) and implemented here
from the mathematics; a test (``tests/govern/test_drift_oracle.py``) runs Evidently itself on
generated data and requires the same methods, statistics (to 1e-6), decisions and verdict.

**Column kinds** (``evidently/core/datasets.py``: ``infer_column_type``, used by
``PandasDataset._generate_data_definition`` when no data definition is given). Evidently infers
the kinds from the *current* dataset (``Context.data_definition`` is the first input's, see
``evidently/core/report.py``), on the pandas frame; read from Parquet by pandas, an integer column
with missing values is ``float64`` and a boolean one with missing values is ``object``. So, on
the current batch unless the kind is given explicitly (explicit kinds win):

- floating point, or integer with a missing value: numerical;
- integer without missing values: categorical when it has at most 10 distinct values
  (``INTEGER_CARDINALITY_LIMIT``), numerical otherwise;
- string: text when its distinct values exceed half of its non-missing values, categorical
  otherwise; polars ``Categorical``/``Enum`` and boolean without missing values: categorical;
- anything else (dates and times, booleans with missing values, unsigned integers without
  missing values, whose pandas dtype name ``uint..`` the rule does not match, nested types): not
  tested, as ``DataDriftPreset`` tests only numerical, categorical and text columns. A text column is
  tested by Evidently with a domain classifier, which this module does not do: it raises
  :class:`UnsupportedColumn` (give the column an explicit kind or leave it out).

**Missing values** (``evidently/legacy/calculations/data_drift.py``: ``get_one_column_drift``):
per column, ``+inf``/``-inf`` become missing and missing values are dropped from the reference and
from the current column before anything else; the row counts below are those left.

**Default method** (``evidently/legacy/calculations/stattests/registry.py``:
``_get_default_stattest``), with ``n`` the number of distinct values of reference and current
together:

- reference of at most 1,000 rows: numerical with ``n > 5``: two-sample Kolmogorov-Smirnov
  (``ks``, drift when p <= 0.05); numerical with ``n <= 5`` and categorical: chi-squared
  (``chisquare``, p < 0.05) when ``n > 2``, else the two-proportion Z-test (``z``, p < 0.05);
- more than 1,000 rows: numerical with ``n > 5``: Wasserstein distance divided by the
  reference's standard deviation (``wasserstein``, drift when >= 0.1); numerical with ``n <= 5``
  and categorical: Jensen-Shannon distance (``jensenshannon``, >= 0.1).

**The methods** (``evidently/legacy/calculations/stattests/``):

- ``ks_stattest.py``: ``scipy.stats.ks_2samp`` (two-sided, method ``auto``), its p-value;
- ``chisquare_stattest.py``: over the values seen in either sample, observed = current counts,
  expected = reference counts x (current rows / reference rows); Pearson's statistic and the
  chi-squared survival function with (values - 1) degrees of freedom (a value absent from the
  reference gives an infinite statistic, p = 0);
- ``z_stattest.py``: the smallest value against all others; with p1, p2 the shares of the
  others in reference and current and P the pooled share,
  ``z = (p1 - p2) / sqrt(P (1 - P) (1/n1 + 1/n2))``, p = ``2 (1 - Phi(|z|))``; p = 1 when both
  samples hold the same single value;
- ``wasserstein_distance_norm.py``: the first Wasserstein distance (the area between the two
  empirical distribution functions) divided by ``max(std_ref, 0.001)``, population std;
- ``jensenshannon.py`` and ``psi.py`` on the shares of ``utils.get_binned_data``: a numerical
  column whose *reference* has more than 20 distinct values is cut into the bins of
  ``numpy.histogram_bin_edges(reference + current, "sturges")`` (a bin holds ``[e_i, e_i+1)``,
  the last one both ends); otherwise the shares of each value seen in either sample. The
  Jensen-Shannon distance uses natural logarithms (``scipy.spatial.distance.jensenshannon``).
  PSI (an option here, threshold 0.1) first replaces each zero share by the smallest non-zero
  share / 1e6 when that is <= 0.0001, by 0.0001 otherwise, then sums
  ``(r - c) ln(r / c)``.

A method or a threshold may be chosen for every column (``method=``, ``threshold=``), as
``DataDriftPreset(method=, threshold=)`` does; Evidently's registry allows ``ks`` and
``wasserstein`` on numerical columns only, ``chisquare`` and ``z`` on categorical ones only.

**Dataset drift** (``get_dataset_drift`` in ``data_drift.py``, ``DataDriftPreset(drift_share=0.5)``
in ``evidently/presets/drift.py``): drifted when the share of drifted columns is >= 0.5.

Why a profile: Evidently recomputes everything about the reference on each run (evidently#506).
:class:`ReferenceProfile` keeps what the tests need (numerical: the finite values sorted, as
float64, with mean and std; other columns: the count of each value), serialises to bytes
(``to_bytes``/``from_bytes``: an ``.npz`` archive with a versioned JSON header, no pickle) and is
never recomputed. Current batches are summarised the same way, from a polars frame or streamed
from a Parquet/IPC file one column at a time (a CSV file is read once, the columns needed only).
Everything is vectorised (no loop over rows): polars sorts and counts (``group_by``), a stable
argsort of two sorted samples merges them (Wasserstein), ``searchsorted`` on sorted values bins
them.

Known differences from Evidently: integers beyond 2**53 are compared as float64; where the
reference and current values of a column have different types (strings in one, numbers in the
other) both are compared as strings.
"""

from __future__ import annotations

import importlib
import io
import json
import math
import os
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

import numpy as np
import polars as pl
from numpy.typing import NDArray
from scipy import special  # type: ignore[import-untyped]

Kind = Literal["numerical", "categorical"]
InferredKind = Literal["numerical", "categorical", "text", "datetime", "unknown"]
Method = Literal["ks", "chisquare", "z", "wasserstein", "jensenshannon", "psi"]
# how a column's values are held, as pandas would hold them read from Parquet (it decides the kind)
Storage = Literal["float", "int", "uint", "bool", "string", "category", "datetime", "other"]
Category = str | int | float | bool
Floats = NDArray[np.float64]
Counts = NDArray[np.int64]

FORMAT = "laif-drift-profile"
VERSION = 1
SMALL_REFERENCE = 1000  # up to this many reference rows: p-value tests; above: distances
INTEGER_CARDINALITY_LIMIT = 10
FEW_VALUES = 5  # a numerical column with at most this many values is tested as categorical
BINNED_ABOVE = 20  # reference values above which a numerical column is binned (JS, PSI)
DRIFT_SHARE = 0.5
PSI_THRESHOLD = 0.1
CHART_CATEGORIES = 30  # a categorical histogram shows at most this many bars, the rest as one

METHODS: tuple[Method, ...] = ("ks", "chisquare", "z", "wasserstein", "jensenshannon", "psi")
LABELS: dict[Method, str] = {  # Evidently's display names (StatTest.display_name)
    "ks": "K-S p_value",
    "chisquare": "chi-square p_value",
    "z": "Z-test p_value",
    "wasserstein": "Wasserstein distance (normed)",
    "jensenshannon": "Jensen-Shannon distance",
    "psi": "PSI",
}
DEFAULT_THRESHOLDS: dict[Method, float] = {
    "ks": 0.05,
    "chisquare": 0.05,
    "z": 0.05,
    "wasserstein": 0.1,
    "jensenshannon": 0.1,
    "psi": 0.1,
}
ALLOWED_KINDS: dict[Method, frozenset[Kind]] = {
    "ks": frozenset({"numerical"}),
    "wasserstein": frozenset({"numerical"}),
    "chisquare": frozenset({"categorical"}),
    "z": frozenset({"categorical"}),
    "jensenshannon": frozenset({"numerical", "categorical"}),
    "psi": frozenset({"numerical", "categorical"}),
}


class UnsupportedColumn(ValueError):
    """A column that cannot be tested here (text, or an empty column)."""


# --- summaries: what is kept of a column (reference or current) -------------------------------


@dataclass(frozen=True, eq=False)
class ColumnSummary:
    """One column of a table, reduced to what the tests need.

    ``values``: the finite values sorted (float64), for ``float``/``int`` storage; ``categories``
    and ``counts``: each distinct non-missing value and its count, for the other storages.
    ``rows`` counts every row, ``missing`` the null, NaN and infinite ones."""

    name: str
    storage: Storage
    rows: int
    missing: int
    n_unique: int
    values: Floats | None = None
    mean: float = math.nan
    std: float = math.nan
    categories: tuple[Category, ...] | None = None
    counts: Counts | None = None

    @property
    def count(self) -> int:
        """Non-missing rows: the sample the tests see."""
        return self.rows - self.missing

    @property
    def integer(self) -> bool:
        return self.storage in ("int", "uint")

    def inferred_kind(self) -> InferredKind:
        """The kind Evidently 0.7 gives this column when no column mapping is given."""
        if self.storage == "float":
            return "numerical"
        if self.storage == "int":
            return "categorical" if self.n_unique <= INTEGER_CARDINALITY_LIMIT else "numerical"
        if self.storage == "string":
            if self.count == 0:
                return "unknown"
            return "text" if self.n_unique > self.count * 0.5 else "categorical"
        if self.storage == "category":
            return "categorical"
        if self.storage == "bool":
            return "categorical" if self.missing == 0 else "unknown"
        if self.storage == "datetime":
            return "datetime"
        return "unknown"

    def value_counts(self) -> tuple[pl.Series, Counts]:
        """Each distinct value (sorted) and its count."""
        if self.values is not None:
            values = self.values
            if values.size == 0:
                return pl.Series("key", [], dtype=pl.Float64), np.zeros(0, dtype=np.int64)
            starts = np.flatnonzero(np.concatenate(([True], values[1:] != values[:-1])))
            counts = np.diff(np.append(starts, values.size)).astype(np.int64)
            return pl.Series("key", values[starts]), counts
        assert self.categories is not None
        assert self.counts is not None
        keys = pl.Series("key", list(self.categories))
        order = keys.arg_sort().to_numpy()
        return keys.gather(order), self.counts[order]


def _storage(dtype: pl.DataType, missing: int) -> Storage:
    if dtype.is_float():
        return "float"
    if dtype.is_integer():
        if missing:
            return "float"  # pandas holds it as float64 then
        return "uint" if dtype.is_unsigned_integer() else "int"
    if dtype == pl.Boolean:
        return "bool"
    if dtype == pl.String:
        return "string"
    if isinstance(dtype, (pl.Categorical, pl.Enum)):
        return "category"
    if dtype.is_temporal():
        return "datetime"
    return "other"


def _numeric_summary(name: str, series: pl.Series) -> ColumnSummary:
    rows = series.len()
    nulls = series.null_count()
    floats = series.cast(pl.Float64)
    finite = floats.filter(floats.is_finite()).sort()
    values = np.ascontiguousarray(finite.to_numpy(), dtype=np.float64)
    n = int(values.size)
    n_unique = 0 if n == 0 else 1 + int(np.count_nonzero(values[1:] != values[:-1]))
    mean = float(np.mean(values)) if n else math.nan
    std = float(np.std(values)) if n else math.nan
    return ColumnSummary(
        name=name,
        storage=_storage(series.dtype, nulls),
        rows=rows,
        missing=rows - n,
        n_unique=n_unique,
        values=values,
        mean=mean,
        std=std,
    )


def _counted_summary(name: str, dtype: pl.DataType, counted: pl.DataFrame) -> ColumnSummary:
    """From a frame of (value, len): one row per distinct value, null included."""
    keys = counted.get_column(name)
    lens = counted.get_column("len").cast(pl.Int64)
    rows = int(lens.sum())
    present = keys.is_not_null()
    missing = rows - int(lens.filter(present).sum())
    keys = keys.filter(present)
    if keys.dtype != pl.Boolean:
        keys = keys.cast(pl.String)
    counts = np.ascontiguousarray(lens.filter(present).to_numpy(), dtype=np.int64)
    categories = tuple(cast("list[Category]", keys.to_list()))
    return ColumnSummary(
        name=name,
        storage=_storage(dtype, missing),
        rows=rows,
        missing=missing,
        n_unique=len(categories),
        categories=categories,
        counts=counts,
    )


def _summarise_column(frame: pl.LazyFrame, name: str, dtype: pl.DataType) -> ColumnSummary:
    if dtype.is_float() or dtype.is_integer():
        series = frame.select(pl.col(name)).collect().to_series()
        return _numeric_summary(name, series)
    if dtype == pl.Boolean or dtype == pl.String or isinstance(dtype, (pl.Categorical, pl.Enum)):
        counted = frame.group_by(name).agg(pl.len()).collect()
        return _counted_summary(name, dtype, counted)
    sizes = frame.select(pl.len(), pl.col(name).null_count().alias("nulls")).collect()
    rows, nulls = int(sizes.item(0, 0)), int(sizes.item(0, 1))
    return ColumnSummary(
        name=name, storage=_storage(dtype, nulls), rows=rows, missing=nulls, n_unique=0
    )


def _scan(source: str | os.PathLike[str], columns: Sequence[str] | None) -> pl.LazyFrame:
    path = Path(source)
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        return pl.scan_parquet(path)
    if suffix in (".arrow", ".ipc", ".feather"):
        return pl.scan_ipc(path)
    if suffix in (".csv", ".txt"):
        # a CSV file is parsed once for all the columns needed, not once per column
        return pl.read_csv(path, columns=list(columns) if columns else None).lazy()
    raise ValueError(f"{path}: a .parquet, .arrow/.ipc or .csv file is expected")


Table = pl.DataFrame | pl.LazyFrame | str | os.PathLike[str]


def _lazy(table: Table, columns: Sequence[str] | None) -> pl.LazyFrame:
    if isinstance(table, pl.DataFrame):
        return table.lazy()
    if isinstance(table, pl.LazyFrame):
        return table
    return _scan(table, columns)


def _summariser(table: Table, columns: Sequence[str] | None) -> Callable[[str], ColumnSummary]:
    """Summarise one column at a time (its values are read when asked for, not before)."""
    frame = _lazy(table, columns)
    schema = frame.collect_schema()
    absent = [name for name in columns or () if name not in schema]
    if absent:
        raise KeyError(f"columns not in the table: {', '.join(absent)}")
    return lambda name: _summarise_column(frame, name, schema[name])


def summarise(table: Table, columns: Sequence[str] | None = None) -> dict[str, ColumnSummary]:
    """Each column of a polars frame or of a Parquet/IPC/CSV file, summarised (files are read one
    column at a time, CSV once)."""
    frame = _lazy(table, columns)
    names = list(columns) if columns is not None else frame.collect_schema().names()
    one = _summariser(frame, names)
    return {name: one(name) for name in names}


# --- the reference profile ---------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ReferenceProfile:
    """What the drift tests need of the reference, computed once (``build``) and stored
    (``to_bytes``). ``kinds`` holds the kinds given explicitly; any other column's kind is
    inferred on each current batch, as Evidently does."""

    columns: dict[str, ColumnSummary]
    kinds: dict[str, Kind] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return next(iter(self.columns.values())).rows if self.columns else 0

    @classmethod
    def build(
        cls,
        table: Table,
        columns: Sequence[str] | None = None,
        *,
        kinds: Mapping[str, Kind] | None = None,
        freeze_kinds: bool = False,
    ) -> ReferenceProfile:
        """Profile a reference table. ``kinds`` fixes some columns' kinds; ``freeze_kinds``
        fixes every other testable column to the kind inferred from the reference (Evidently
        infers it on each current batch instead)."""
        summaries = summarise(table, columns)
        fixed: dict[str, Kind] = {}
        for name, kind in (kinds or {}).items():
            if name not in summaries:
                raise KeyError(f"kind given for an unknown column {name!r}")
            _check_kind(summaries[name], kind)
            fixed[name] = kind
        if freeze_kinds:
            for name, summary in summaries.items():
                inferred = summary.inferred_kind()
                if name not in fixed and inferred in ("numerical", "categorical"):
                    fixed[name] = inferred
        return cls(columns=summaries, kinds=fixed)

    def to_bytes(self) -> bytes:
        header: dict[str, Any] = {
            "format": FORMAT,
            "version": VERSION,
            "kinds": self.kinds,
            "columns": [
                {
                    "name": s.name,
                    "storage": s.storage,
                    "rows": s.rows,
                    "missing": s.missing,
                    "n_unique": s.n_unique,
                    "mean": None if math.isnan(s.mean) else s.mean,
                    "std": None if math.isnan(s.std) else s.std,
                    "categories": None if s.categories is None else list(s.categories),
                }
                for s in self.columns.values()
            ],
        }
        arrays: dict[str, NDArray[Any]] = {
            "header": np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
        }
        for i, s in enumerate(self.columns.values()):
            if s.values is not None:
                arrays[f"values_{i}"] = s.values
            if s.counts is not None:
                arrays[f"counts_{i}"] = s.counts
        buffer = io.BytesIO()
        np.savez(buffer, allow_pickle=False, **arrays)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> ReferenceProfile:
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as archive:
                header = json.loads(archive["header"].tobytes())
                arrays = {name: archive[name] for name in archive.files if name != "header"}
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
            raise ValueError(f"not a drift profile ({error})") from error
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise ValueError("not a drift profile")
        if header.get("version") != VERSION:
            raise ValueError(f"drift profile version {header.get('version')} unsupported")
        summaries: dict[str, ColumnSummary] = {}
        for i, col in enumerate(header["columns"]):
            values = arrays.get(f"values_{i}")
            counts = arrays.get(f"counts_{i}")
            categories = col["categories"]
            summaries[col["name"]] = ColumnSummary(
                name=col["name"],
                storage=col["storage"],
                rows=int(col["rows"]),
                missing=int(col["missing"]),
                n_unique=int(col["n_unique"]),
                values=None if values is None else values.astype(np.float64, copy=False),
                mean=math.nan if col["mean"] is None else float(col["mean"]),
                std=math.nan if col["std"] is None else float(col["std"]),
                categories=None if categories is None else tuple(categories),
                counts=None if counts is None else counts.astype(np.int64, copy=False),
            )
        return cls(columns=summaries, kinds=dict(header["kinds"]))


def _check_kind(summary: ColumnSummary, kind: Kind) -> None:
    if kind not in ("numerical", "categorical"):
        raise ValueError(f"column {summary.name!r}: unknown kind {kind!r}")
    if kind == "numerical" and summary.values is None:
        raise ValueError(f"column {summary.name!r} ({summary.storage}) cannot be numerical")
    if summary.values is None and summary.counts is None:
        raise ValueError(f"column {summary.name!r} ({summary.storage}) cannot be tested")


def current_from_path(
    path: str | os.PathLike[str], columns: Sequence[str] | None = None
) -> dict[str, ColumnSummary]:
    """A current batch read from a Parquet/IPC file one column at a time (or a CSV file, once)."""
    return summarise(path, columns)


# --- the statistics ----------------------------------------------------------------------------


def _aligned_counts(
    reference: ColumnSummary, current: ColumnSummary
) -> tuple[list[Category], Counts, Counts]:
    """The values seen in either sample (sorted) with their counts in each."""
    ref_keys, ref_counts = reference.value_counts()
    cur_keys, cur_counts = current.value_counts()
    if ref_keys.dtype != cur_keys.dtype:
        ref_keys, cur_keys = ref_keys.cast(pl.String), cur_keys.cast(pl.String)
    joined = (
        pl.DataFrame({"key": ref_keys, "ref": ref_counts})
        .join(pl.DataFrame({"key": cur_keys, "cur": cur_counts}), on="key", how="full",
              coalesce=True)
        .fill_null(0)
        .sort("key")
    )
    keys = cast("list[Category]", joined.get_column("key").to_list())
    if reference.integer and current.integer:
        keys = [int(cast(float, k)) for k in keys]
    ref = np.ascontiguousarray(joined.get_column("ref").to_numpy(), dtype=np.int64)
    cur = np.ascontiguousarray(joined.get_column("cur").to_numpy(), dtype=np.int64)
    return keys, ref, cur


def _distinct_together(reference: ColumnSummary, current: ColumnSummary, limit: int) -> int:
    """Distinct values of both samples together, exact up to ``limit`` (more: ``limit + 1``)."""
    if reference.n_unique > limit or current.n_unique > limit:
        return limit + 1
    return len(_aligned_counts(reference, current)[0])


def sturges_edges(reference: Floats, current: Floats, integer: bool) -> Floats:
    """``numpy.histogram_bin_edges(concat(reference, current), "sturges")`` from sorted arrays."""
    low = np.float64(min(reference[0], current[0]))
    high = np.float64(max(reference[-1], current[-1]))
    size = reference.size + current.size
    first, last = (low - 0.5, high + 0.5) if low == high else (low, high)
    width = (high - low) / (np.log2(size) + 1.0)  # numpy's float operations, in its order
    if width:
        if integer and width < 1:
            width = np.float64(1.0)
        bins = int(np.ceil((last - first) / width))
    else:
        bins = 1
    return np.linspace(first, last, bins + 1, endpoint=True, dtype=np.float64)


def histogram_sorted(values: Floats, edges: Floats) -> Counts:
    """``numpy.histogram`` counts of sorted values: ``[e_i, e_i+1)``, the last bin closed."""
    cuts = np.searchsorted(values, edges[:-1], side="left")
    cuts = np.append(cuts, np.searchsorted(values, edges[-1], side="right"))
    return np.diff(cuts).astype(np.int64)


def _binned_shares(
    kind: Kind, reference: ColumnSummary, current: ColumnSummary, no_zeroes: bool
) -> tuple[Floats, Floats]:
    """Evidently's ``get_binned_data``: shares per bin (numerical, > 20 reference values) or
    per value."""
    if (
        kind == "numerical"
        and reference.values is not None
        and current.values is not None
        and reference.n_unique > BINNED_ABOVE
    ):
        edges = sturges_edges(reference.values, current.values,
                               reference.integer and current.integer)
        ref_counts = histogram_sorted(reference.values, edges)
        cur_counts = histogram_sorted(current.values, edges)
    else:
        _, ref_counts, cur_counts = _aligned_counts(reference, current)
    ref = ref_counts / reference.count
    cur = cur_counts / current.count
    if no_zeroes:
        ref, cur = fill_zeroes(ref), fill_zeroes(cur)
    return ref, cur


def fill_zeroes(shares: Floats) -> Floats:
    nonzero = shares[shares != 0]
    smallest = float(nonzero.min())
    filler = smallest / 10**6 if smallest <= 0.0001 else 0.0001
    return np.where(shares == 0, filler, shares)


def ks_pvalue(reference: Floats, current: Floats) -> float:
    """Two-sided two-sample Kolmogorov-Smirnov p-value (``scipy.stats.ks_2samp``, ``auto``)."""
    stats = importlib.import_module("scipy.stats")  # imported only when needed (heavy)
    return float(stats.ks_2samp(reference, current).pvalue)


def wasserstein_normed(reference: Floats, current: Floats, reference_std: float) -> float:
    """First Wasserstein distance of two sorted samples / ``max(reference_std, 0.001)``.

    The area between the two empirical distribution functions, summed over the merged sample:
    between consecutive merged values ``x_k < x_k+1`` the functions are the shares of each sample
    among the first ``k + 1`` merged values (ties add nothing, their gap being 0). The merge is a
    stable argsort of two sorted runs: linear."""
    n, m = reference.size, current.size
    both = np.concatenate((reference, current))
    order = np.argsort(both, kind="stable")
    deltas = np.diff(both[order])
    del both
    in_reference = np.cumsum(order[:-1] < n, dtype=np.int64)
    del order
    in_current = np.arange(1, n + m, dtype=np.int64) - in_reference
    gap = np.abs(in_reference / n - in_current / m)
    distance = float(np.dot(gap, deltas))
    return distance / max(reference_std, 0.001)


def chisquare_pvalue(reference: Counts, current: Counts) -> float:
    """Pearson's chi-squared test of the current counts against the reference's, scaled."""
    scale = current.sum() / reference.sum()
    expected = reference * scale
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = float(np.sum((current - expected) ** 2 / expected))
    return float(special.chdtrc(reference.size - 1, statistic))


def z_pvalue(reference: Counts, current: Counts) -> float:
    """Two-proportion Z-test of the first value against all others (counts in value order)."""
    ref_present = np.flatnonzero(reference)
    cur_present = np.flatnonzero(current)
    if ref_present.size == 1 and cur_present.size == 1 and ref_present[0] == cur_present[0]:
        return 1.0
    n1, n2 = int(reference.sum()), int(current.sum())
    p1 = float(n1 - int(reference[0])) / n1
    p2 = float(n2 - int(current[0])) / n2
    pooled = float(p1 * n1 + p2 * n2) / (n1 + n2)
    z = (p1 - p2) / math.sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2))
    return float(2 * (1 - special.ndtr(abs(z))))


def jensenshannon_distance(reference: Floats, current: Floats) -> float:
    """Jensen-Shannon distance (natural logarithm) of two share vectors (normalised first)."""
    p = reference / reference.sum()
    q = current / current.sum()
    m = (p + q) / 2.0
    divergence = float(np.sum(special.rel_entr(p, m)) + np.sum(special.rel_entr(q, m)))
    return math.sqrt(max(divergence, 0.0) / 2.0)


def psi_value(reference: Floats, current: Floats) -> float:
    """Population stability index of two share vectors without zeroes."""
    return float(np.sum((reference - current) * np.log(reference / current)))


# --- drift per column and for the dataset ------------------------------------------------------


@dataclass(frozen=True)
class Histogram:
    """Reference and current counts on common bins, for a chart: ``edges`` (numerical, one more
    than the counts) or ``labels`` (categorical; the smallest values past the first 29 are
    summed under ``"(other)"``)."""

    reference: tuple[int, ...]
    current: tuple[int, ...]
    edges: tuple[float, ...] | None = None
    labels: tuple[Category, ...] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "reference": list(self.reference),
            "current": list(self.current),
            "edges": None if self.edges is None else list(self.edges),
            "labels": None if self.labels is None else list(self.labels),
        }


@dataclass(frozen=True)
class ColumnDrift:
    column: str
    kind: Kind
    method: Method
    method_label: str  # Evidently's name of the method
    statistic: float  # p-value (ks, chisquare, z) or distance (wasserstein, jensenshannon, psi)
    threshold: float
    drifted: bool
    reference_rows: int  # non-missing rows tested
    current_rows: int
    histogram: Histogram
    psi: float | None = None  # with psi=True: PSI, drifted when >= PSI_THRESHOLD
    psi_drifted: bool | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "kind": self.kind,
            "method": self.method,
            "method_label": self.method_label,
            "statistic": self.statistic,
            "threshold": self.threshold,
            "drifted": self.drifted,
            "reference_rows": self.reference_rows,
            "current_rows": self.current_rows,
            "histogram": self.histogram.as_dict(),
            "psi": self.psi,
            "psi_drifted": self.psi_drifted,
        }


@dataclass(frozen=True)
class DatasetDrift:
    columns: dict[str, ColumnDrift]
    share_threshold: float
    skipped: tuple[str, ...] = ()  # columns Evidently does not test (dates, unknown types)

    @property
    def number_of_columns(self) -> int:
        return len(self.columns)

    @property
    def number_of_drifted_columns(self) -> int:
        return sum(1 for c in self.columns.values() if c.drifted)

    @property
    def share_of_drifted_columns(self) -> float:
        return self.number_of_drifted_columns / self.number_of_columns

    @property
    def drifted(self) -> bool:
        return self.share_of_drifted_columns >= self.share_threshold

    def as_dict(self) -> dict[str, Any]:
        return {
            "number_of_columns": self.number_of_columns,
            "number_of_drifted_columns": self.number_of_drifted_columns,
            "share_of_drifted_columns": self.share_of_drifted_columns,
            "share_threshold": self.share_threshold,
            "drifted": self.drifted,
            "skipped": list(self.skipped),
            "columns": [c.as_dict() for c in self.columns.values()],
        }


def default_method(kind: Kind, reference: ColumnSummary, current: ColumnSummary) -> Method:
    """Evidently 0.7's choice (``_get_default_stattest``)."""
    distinct = _distinct_together(reference, current, FEW_VALUES)
    few = kind == "categorical" or distinct <= FEW_VALUES
    if reference.count <= SMALL_REFERENCE:
        if few:
            return "chisquare" if distinct > 2 else "z"
        return "ks"
    return "jensenshannon" if few else "wasserstein"


def _statistic(method: Method, kind: Kind, reference: ColumnSummary,
               current: ColumnSummary) -> float:
    if method in ("ks", "wasserstein"):
        assert reference.values is not None
        assert current.values is not None
        if method == "ks":
            return ks_pvalue(reference.values, current.values)
        return wasserstein_normed(reference.values, current.values, reference.std)
    if method in ("chisquare", "z"):
        _, ref_counts, cur_counts = _aligned_counts(reference, current)
        if method == "chisquare":
            return chisquare_pvalue(ref_counts, cur_counts)
        return z_pvalue(ref_counts, cur_counts)
    if method == "jensenshannon":
        return jensenshannon_distance(*_binned_shares(kind, reference, current, False))
    return psi_value(*_binned_shares(kind, reference, current, True))


def _drifted(method: Method, statistic: float, threshold: float) -> bool:
    if method == "ks":
        return statistic <= threshold
    if method in ("chisquare", "z"):
        return statistic < threshold
    return statistic >= threshold


def _histogram(kind: Kind, reference: ColumnSummary, current: ColumnSummary) -> Histogram:
    if kind == "numerical" and reference.values is not None and current.values is not None:
        edges = sturges_edges(reference.values, current.values, False)
        return Histogram(
            reference=tuple(int(v) for v in histogram_sorted(reference.values, edges)),
            current=tuple(int(v) for v in histogram_sorted(current.values, edges)),
            edges=tuple(float(e) for e in edges),
        )
    keys, ref, cur = _aligned_counts(reference, current)
    if len(keys) > CHART_CATEGORIES:
        order = np.argsort(-(ref + cur), kind="stable")
        top, rest = order[: CHART_CATEGORIES - 1], order[CHART_CATEGORIES - 1 :]
        top = np.sort(top)
        labels: list[Category] = [keys[i] for i in top] + ["(other)"]
        ref = np.append(ref[top], ref[rest].sum())
        cur = np.append(cur[top], cur[rest].sum())
        keys = labels
    return Histogram(
        reference=tuple(int(v) for v in ref),
        current=tuple(int(v) for v in cur),
        labels=tuple(keys),
    )


Current = Table | Mapping[str, ColumnSummary]


def _current_summaries(current: Current, columns: Sequence[str]) -> Callable[[str], ColumnSummary]:
    if isinstance(current, Mapping):
        absent = [name for name in columns if name not in current]
        if absent:
            raise KeyError(f"columns not in the current batch: {', '.join(absent)}")
        return current.__getitem__
    return _summariser(current, columns)


def _kind(profile: ReferenceProfile, current: ColumnSummary) -> InferredKind:
    explicit = profile.kinds.get(current.name)
    return explicit if explicit is not None else current.inferred_kind()


def _one_column(
    name: str,
    kind: Kind,
    reference: ColumnSummary,
    current: ColumnSummary,
    method: Method | None,
    threshold: float | None,
    psi: bool,
) -> ColumnDrift:
    _check_kind(reference, kind)
    _check_kind(current, kind)
    if reference.count == 0:
        raise UnsupportedColumn(f"column {name!r} is empty in the reference")
    if current.count == 0:
        raise UnsupportedColumn(f"column {name!r} is empty in the current batch")
    if method is None:
        chosen = default_method(kind, reference, current)
    else:
        if method not in METHODS:
            raise ValueError(f"unknown method {method!r}")
        if kind not in ALLOWED_KINDS[method]:
            raise ValueError(f"{method} cannot test the {kind} column {name!r}")
        chosen = method
    limit = DEFAULT_THRESHOLDS[chosen] if threshold is None else threshold
    statistic = _statistic(chosen, kind, reference, current)
    psi_score = psi_value(*_binned_shares(kind, reference, current, True)) if psi else None
    return ColumnDrift(
        column=name,
        kind=kind,
        method=chosen,
        method_label=LABELS[chosen],
        statistic=statistic,
        threshold=limit,
        drifted=_drifted(chosen, statistic, limit),
        reference_rows=reference.count,
        current_rows=current.count,
        histogram=_histogram(kind, reference, current),
        psi=psi_score,
        psi_drifted=None if psi_score is None else psi_score >= PSI_THRESHOLD,
    )


def _test_columns(
    profile: ReferenceProfile,
    current: Current,
    method: Method | None,
    threshold: float | None,
    psi: bool,
    columns: Iterable[str] | None,
) -> tuple[dict[str, ColumnDrift], tuple[str, ...]]:
    """Each column tested, and the columns not tested (dates, unknown types)."""
    names = list(columns if columns is not None else profile.columns)
    unknown = [name for name in names if name not in profile.columns]
    if unknown:
        raise KeyError(f"columns not in the profile: {', '.join(unknown)}")
    summary = _current_summaries(current, names)
    results: dict[str, ColumnDrift] = {}
    skipped: list[str] = []
    for name in names:  # one current column in memory at a time
        reference, cur = profile.columns[name], summary(name)
        kind = _kind(profile, cur)
        if kind == "text":
            raise UnsupportedColumn(
                f"column {name!r} is text (Evidently tests it with a classifier): give it a "
                "kind or leave it out"
            )
        if kind in ("datetime", "unknown"):
            skipped.append(name)
            continue
        results[name] = _one_column(name, cast(Kind, kind), reference, cur, method, threshold,
                                    psi)
    return results, tuple(skipped)


def column_drift(
    profile: ReferenceProfile,
    current: Current,
    *,
    method: Method | None = None,
    threshold: float | None = None,
    psi: bool = False,
    columns: Iterable[str] | None = None,
) -> dict[str, ColumnDrift]:
    """Each profiled column (or ``columns``) tested on the current batch: a polars frame, a
    Parquet/IPC/CSV file, or the summaries of :func:`current_from_path`. Columns Evidently does
    not test (dates, unknown types) are left out."""
    return _test_columns(profile, current, method, threshold, psi, columns)[0]


def dataset_drift(
    profile: ReferenceProfile,
    current: Current,
    *,
    method: Method | None = None,
    threshold: float | None = None,
    share: float = DRIFT_SHARE,
    psi: bool = False,
    columns: Iterable[str] | None = None,
) -> DatasetDrift:
    """Every column's drift and the verdict: drifted when at least ``share`` of them drift."""
    results, skipped = _test_columns(profile, current, method, threshold, psi, columns)
    if not results:
        raise UnsupportedColumn("no column can be tested")
    return DatasetDrift(columns=results, share_threshold=share, skipped=skipped)
