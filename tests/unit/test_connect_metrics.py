"""The matchmaking's metrics (laif.connect.metrics) against values computed by hand. Pure."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from laif.connect.metrics import (
    LabelledNeed,
    dcg,
    evaluate,
    load_needs,
    ndcg_at,
    parse_needs,
    precision_at,
    reciprocal_rank,
)

GRADES = {"a": 3, "b": 2, "c": 1}


def test_dcg_by_hand() -> None:
    # 3/log2(2) + 2/log2(3) + 1/log2(4) = 3 + 1.2618595 + 0.5
    assert dcg([3, 2, 1]) == pytest.approx(4.7618595, abs=1e-7)
    assert dcg([]) == 0


def test_ndcg_at_3_by_hand() -> None:
    # ranks: b (2) at 1, x (0) at 2, a (3) at 3: 2 + 0 + 3/2 = 3.5 over the ideal 4.7618595
    assert ndcg_at(["b", "x", "a", "c"], GRADES) == pytest.approx(3.5 / 4.7618595, abs=1e-7)
    assert ndcg_at(["a", "b", "c"], GRADES) == pytest.approx(1.0)
    assert ndcg_at(["x", "y", "z", "a"], GRADES) == 0  # the fourth rank does not count
    # fewer graded experts than k: the ideal is the one expert at rank 1
    assert ndcg_at(["x", "a"], {"a": 2}) == pytest.approx((2 / math.log2(3)) / 2)
    assert ndcg_at(["a"], {}) == 0
    assert ndcg_at(["c", "a"], GRADES, k=1) == pytest.approx(1 / 3)


def test_reciprocal_rank_and_precision_by_hand() -> None:
    assert reciprocal_rank(["b", "x", "a"], GRADES) == 1.0
    assert reciprocal_rank(["x", "y", "c"], GRADES) == pytest.approx(1 / 3)
    assert reciprocal_rank(["x", "y"], GRADES) == 0
    assert precision_at(["b", "x", "a"], GRADES) == pytest.approx(2 / 3)
    assert precision_at(["a"], GRADES) == pytest.approx(1 / 3)  # a short ranking's missing ranks
    assert precision_at(["x", "a"], GRADES, k=2) == pytest.approx(1 / 2)
    with pytest.raises(ValueError, match="at least 1"):
        precision_at(["a"], GRADES, k=0)


def test_evaluate_means_overall_and_per_language() -> None:
    needs = [LabelledNeed("en1", "en", "finance", "t", {"a": 3}),
             LabelledNeed("fr1", "fr", "finance", "t", {"b": 1}),
             LabelledNeed("fr2", "fr", "finance", "t", {"c": 2})]
    rankings = {"en1": ["a", "b", "c"], "fr1": ["a", "b", "c"], "fr2": ["a", "b", "x"]}
    scores = evaluate(lambda need: rankings[need.id], needs)
    assert list(scores) == ["all", "en", "fr"]
    assert scores["en"].count == 1
    assert scores["en"].ndcg3 == 1.0
    assert scores["en"].mrr == 1.0
    assert scores["en"].precision3 == pytest.approx(1 / 3)
    # fr1: b at rank 2 -> nDCG 1/log2(3), RR 1/2, P@3 1/3; fr2: nothing -> 0, 0, 0
    assert scores["fr"].count == 2
    assert scores["fr"].ndcg3 == pytest.approx((1 / math.log2(3)) / 2)
    assert scores["fr"].mrr == pytest.approx(0.25)
    assert scores["fr"].precision3 == pytest.approx(1 / 6)
    assert scores["all"].count == 3
    assert scores["all"].mrr == pytest.approx(1.5 / 3)


@pytest.mark.parametrize(("data", "words"), [
    ([], "list of 'needs'"),
    ({"needs": ["x"]}, "expected an object"),
    ({"needs": [{"id": "a", "language": "en", "sector": "finance", "text": " ",
                 "relevant": {"x": 1}}]}, "non-empty strings"),
    ({"needs": [{"id": "a", "language": "en", "sector": "finance", "text": "t",
                 "relevant": {"x": 4}}]}, "grades 1, 2 or 3"),
    ({"needs": [{"id": "a", "language": "en", "sector": "finance", "text": "t",
                 "relevant": {}}]}, "grades 1, 2 or 3"),
    ({"needs": [{"id": "a", "language": "en", "sector": "s", "text": "t", "relevant": {"x": 1}},
                {"id": "a", "language": "en", "sector": "s", "text": "t", "relevant": {"x": 1}}]},
     "unique"),
])
def test_a_malformed_needs_file_is_refused(data: object, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        parse_needs(data)


def test_load_needs(tmp_path: Path) -> None:
    file = tmp_path / "needs.json"
    file.write_text(json.dumps({"needs": [{"id": "a", "language": "de", "sector": "space",
                                           "text": "Satelliten", "relevant": {"x": 2}}]}),
                    "utf-8")
    (need,) = load_needs(file)
    assert need == LabelledNeed("a", "de", "space", "Satelliten", {"x": 2})
