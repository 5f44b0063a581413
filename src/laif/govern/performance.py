"""A model's performance on a batch once its labels are known (pure: numpy, scipy, polars):
accuracy, and the area under the ROC curve where the predictions are scores and the labels
binary.

- Rows where the prediction or the label is missing are left out.
- Scores (numbers between 0 and 1) against binary labels (0/1 or false/true): the AUC is the
  Mann-Whitney statistic over the positive and negative scores, ties counted half (average
  ranks), and the accuracy that of the decision ``score >= 0.5``.
- Otherwise the predictions are classes: the accuracy is the share equal to their label (as
  text), and there is no AUC.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.stats import rankdata  # type: ignore[import-untyped]

THRESHOLD = 0.5


class PerformanceError(ValueError):
    """The predictions and labels cannot be scored."""


@dataclass(frozen=True)
class Performance:
    rows: int  # labelled rows scored
    accuracy: float
    auc: float | None  # None: the predictions are classes, or one class only

    def as_dict(self) -> dict[str, float | int | None]:
        return {"rows": self.rows, "accuracy": self.accuracy, "auc": self.auc}


def _binary(labels: pl.Series) -> pl.Series | None:
    """The labels as 0/1 when they are 0/1 or false/true; None otherwise."""
    if labels.dtype == pl.Boolean:
        return labels.cast(pl.Int8)
    numeric = labels.dtype.is_integer() or labels.dtype.is_float()
    if numeric and set(labels.unique().to_list()) <= {0, 1}:
        return labels.cast(pl.Int8)
    return None


def score(frame: pl.DataFrame, prediction: str, label: str) -> Performance:
    """The performance of ``prediction`` against ``label`` over the frame's labelled rows."""
    for name in (prediction, label):
        if name not in frame.columns:
            raise PerformanceError(f"no column {name!r}")
    both = frame.select(prediction, label).drop_nulls()
    if both.height == 0:
        raise PerformanceError("no row has both a prediction and a label")
    predicted, truth = both.get_column(prediction), both.get_column(label)
    positive = _binary(truth)
    if positive is not None and predicted.dtype.is_float():
        scores = predicted.to_numpy().astype(np.float64)
        if not np.all(np.isfinite(scores)) or scores.min() < 0 or scores.max() > 1:
            raise PerformanceError(f"the scores in {prediction!r} must lie between 0 and 1")
        y = positive.to_numpy().astype(bool)
        accuracy = float(np.mean((scores >= THRESHOLD) == y))
        n_pos, n_neg = int(y.sum()), int((~y).sum())
        if n_pos == 0 or n_neg == 0:
            return Performance(both.height, accuracy, None)
        ranks = rankdata(scores)
        auc = (float(ranks[y].sum()) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
        return Performance(both.height, accuracy, auc)
    same = (predicted.cast(pl.String) == truth.cast(pl.String)).to_numpy()
    return Performance(both.height, float(np.mean(same)), None)
