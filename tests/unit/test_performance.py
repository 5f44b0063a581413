"""A model's performance on a labelled batch: accuracy, and the AUC of scores against binary
labels, computed by hand here."""

from __future__ import annotations

import polars as pl
import pytest

from laif.govern.performance import PerformanceError, score


def test_the_auc_and_accuracy_of_scores() -> None:
    # positives 0.35, 0.8; negatives 0.1, 0.4: 3 of the 4 pairs ordered right -> AUC 0.75;
    # decisions at 0.5: 0, 0, 0, 1 against 0, 0, 1, 1 -> 3 of 4 right
    frame = pl.DataFrame({"p": [0.1, 0.4, 0.35, 0.8], "y": [0, 0, 1, 1]})
    found = score(frame, "p", "y")
    assert (found.rows, found.accuracy, found.auc) == (4, 0.75, 0.75)


def test_ties_count_half_and_booleans_are_labels() -> None:
    found = score(pl.DataFrame({"p": [0.5, 0.5, 0.9], "y": [False, True, True]}), "p", "y")
    # pairs (pos, neg): (0.5 vs 0.5) half, (0.9 vs 0.5) one -> 1.5 / 2
    assert found.auc == 0.75
    assert found.accuracy == pytest.approx(2 / 3)


def test_classes_give_accuracy_only_and_missing_rows_are_left_out() -> None:
    frame = pl.DataFrame({"p": ["cat", "dog", "cat", None], "y": ["cat", "cat", "cat", "dog"]})
    found = score(frame, "p", "y")
    assert (found.rows, found.auc) == (3, None)
    assert found.accuracy == pytest.approx(2 / 3)


def test_one_class_has_no_auc_and_bad_scores_are_refused() -> None:
    assert score(pl.DataFrame({"p": [0.2, 0.9], "y": [1, 1]}), "p", "y").auc is None
    with pytest.raises(PerformanceError, match="between 0 and 1"):
        score(pl.DataFrame({"p": [0.2, 1.5], "y": [0, 1]}), "p", "y")
    with pytest.raises(PerformanceError, match="no column 'label'"):
        score(pl.DataFrame({"p": [0.2]}), "p", "label")
    with pytest.raises(PerformanceError, match="no row has both"):
        score(pl.DataFrame({"p": [None, 0.3], "y": [1, None]}), "p", "y")
