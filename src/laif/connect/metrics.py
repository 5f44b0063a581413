"""Ranking metrics for the Connect matchmaking, and the labelled needs they are measured on.

Pure Python (no Django, no numpy). Definitions (graded relevance: 3 exactly right, 2 clearly
useful, 1 partly useful, 0 for an expert a need does not list):

- ``ndcg_at(ranking, relevant, k)``: DCG@k / ideal DCG@k, with linear gains: DCG@k is the sum over
  the first k ranks i (1-based) of grade / log2(i + 1); the ideal DCG orders the need's own grades
  from high to low. 0 when the need lists no relevant expert.
- ``reciprocal_rank(ranking, relevant)``: 1 / the rank of the first expert with grade >= 1 in the
  whole ranking, 0 when none appears. MRR is its mean over the needs.
- ``precision_at(ranking, relevant, k)``: the share of the first k ranks held by experts with
  grade >= 1 (a ranking shorter than k counts its missing ranks as misses).

``evaluate`` averages the three over the needs, overall and per language.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GRADES = (1, 2, 3)


def dcg(gains: Iterable[float]) -> float:
    """Discounted cumulative gain of gains listed from rank 1: sum of gain / log2(rank + 1)."""
    return sum(gain / math.log2(rank + 1) for rank, gain in enumerate(gains, start=1))


def ndcg_at(ranking: Sequence[str], relevant: Mapping[str, int], k: int = 3) -> float:
    ideal = dcg(sorted(relevant.values(), reverse=True)[:k])
    if ideal <= 0:
        return 0.0
    return dcg(relevant.get(key, 0) for key in ranking[:k]) / ideal


def reciprocal_rank(ranking: Sequence[str], relevant: Mapping[str, int]) -> float:
    for rank, key in enumerate(ranking, start=1):
        if relevant.get(key, 0) >= 1:
            return 1.0 / rank
    return 0.0


def precision_at(ranking: Sequence[str], relevant: Mapping[str, int], k: int = 3) -> float:
    if k < 1:
        raise ValueError("k must be at least 1")
    return sum(1 for key in ranking[:k] if relevant.get(key, 0) >= 1) / k


@dataclass(frozen=True)
class LabelledNeed:
    id: str
    language: str
    sector: str
    text: str
    relevant: Mapping[str, int]


@dataclass(frozen=True)
class Scores:
    """Mean nDCG@3, MRR and precision@3 over ``count`` needs."""

    count: int
    ndcg3: float
    mrr: float
    precision3: float


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def score(rankings: Sequence[tuple[Sequence[str], Mapping[str, int]]]) -> Scores:
    """The mean metrics of (ranking, grades) pairs."""
    return Scores(count=len(rankings),
                  ndcg3=_mean([ndcg_at(r, g, 3) for r, g in rankings]),
                  mrr=_mean([reciprocal_rank(r, g) for r, g in rankings]),
                  precision3=_mean([precision_at(r, g, 3) for r, g in rankings]))


def evaluate(rank: Callable[[LabelledNeed], Sequence[str]], needs: Sequence[LabelledNeed]
             ) -> dict[str, Scores]:
    """Each need ranked once by ``rank`` (expert keys, best first); the scores overall (``all``)
    and per language, in the order the languages first appear."""
    rankings = [(need.language, list(rank(need)), need.relevant) for need in needs]
    result = {"all": score([(r, g) for _, r, g in rankings])}
    for language in dict.fromkeys(lang for lang, _, _ in rankings):
        result[language] = score([(r, g) for lang, r, g in rankings if lang == language])
    return result


def parse_needs(data: Any, where: str = "connect_needs.json") -> tuple[LabelledNeed, ...]:
    """The labelled needs of a file shaped as ``tests/data/connect_needs.json``; ValueError
    naming the need when one is malformed."""
    if not isinstance(data, dict) or not isinstance(data.get("needs"), list):
        raise ValueError(f"{where}: expected an object with a list of 'needs'")
    needs: list[LabelledNeed] = []
    for i, item in enumerate(data["needs"]):
        here = f"{where}: needs[{i}]"
        if not isinstance(item, dict):
            raise ValueError(f"{here}: expected an object")
        fields = {name: item.get(name) for name in ("id", "language", "sector", "text")}
        if not all(isinstance(v, str) and v.strip() for v in fields.values()):
            raise ValueError(f"{here}: id, language, sector and text must be non-empty strings")
        relevant = item.get("relevant")
        if (not isinstance(relevant, dict) or not relevant
                or not all(isinstance(k, str) and v in GRADES for k, v in relevant.items())):
            raise ValueError(f"{here}: 'relevant' must map expert keys to grades 1, 2 or 3")
        needs.append(LabelledNeed(id=str(fields["id"]), language=str(fields["language"]),
                                  sector=str(fields["sector"]), text=str(fields["text"]),
                                  relevant=dict(relevant)))
    if len({n.id for n in needs}) != len(needs):
        raise ValueError(f"{where}: need ids must be unique")
    return tuple(needs)


def load_needs(path: Path) -> tuple[LabelledNeed, ...]:
    with path.open(encoding="utf-8") as fh:
        return parse_needs(json.load(fh), path.name)
