"""Connect's matchmaking (``laif.connect.matching``) against a plain BM25 baseline, on the
labelled needs (``tests/data/connect_needs.json``: frozen, written before any retrieval code).

    .venv/bin/python bench/matchmaking.py [--details]

For each need, both methods rank every expert of ``catalogue/connect.json``:

- the method: ``Matcher.match`` with the need's sector, the language detected from the text
  (as a company's request arrives: the labelled language is not given to it);
- the baseline: ``PlainBm25``: bm25s over each expert's name, description and competences'
  English labels, English stop words and stemmer, the need as typed, no sector.

Printed, overall and per language, for both and their difference: nDCG@3 (linear graded gains,
grade / log2(rank + 1), over the ideal order of the need's grades), MRR (1 / the rank of the first
expert graded 1 or more, over the whole ranking) and precision@3 (the share of the top 3 graded
1 or more); then the latency of one need (median and 95th percentile over every need, after one
warm-up pass over all of them; the indexes and the model built before), for both. Exit status 1 when
the goal is missed: in every language, the method's nDCG@3 at least the baseline's + 0.1.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from laif.connect.matching import Matcher, PlainBm25  # noqa: E402
from laif.connect.metrics import LabelledNeed, Scores, evaluate, load_needs  # noqa: E402

NEEDS = ROOT / "tests" / "data" / "connect_needs.json"
GOAL = 0.1


def compare(matcher: Matcher, baseline: PlainBm25, needs: tuple[LabelledNeed, ...]
            ) -> tuple[dict[str, Scores], dict[str, Scores]]:
    """(the method's scores, the baseline's) overall (``all``) and per language."""
    ours = evaluate(lambda n: [m.expert for m in matcher.match(
        n.text, sector=n.sector, limit=len(matcher.experts))], needs)
    plain = evaluate(lambda n: baseline.rank(n.text), needs)
    return ours, plain


def goal_met(ours: dict[str, Scores], plain: dict[str, Scores]) -> bool:
    return all(ours[lang].ndcg3 >= plain[lang].ndcg3 + GOAL
               for lang in ours if lang != "all")


def latency_ms(rank: Callable[[LabelledNeed], object], needs: tuple[LabelledNeed, ...]
               ) -> tuple[float, float]:
    """Median and 95th percentile of one need's ranking, in ms, after a warm-up pass."""
    for need in needs:
        rank(need)
    times: list[float] = []
    for need in needs:
        start = time.perf_counter()
        rank(need)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), statistics.quantiles(times, n=20)[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--details", action="store_true",
                        help="print each need's top 3 and grades")
    args = parser.parse_args()
    needs = load_needs(NEEDS)
    start = time.perf_counter()
    matcher = Matcher.from_catalogue()
    build_s = time.perf_counter() - start
    baseline = PlainBm25(matcher.directory)
    ours, plain = compare(matcher, baseline, needs)

    print(f"{len(needs)} labelled needs, {len(matcher.experts)} experts; "
          f"matcher built (model loaded, indexes) in {build_s:.2f} s")
    print(f"{'':8}{'nDCG@3':>28}{'MRR':>26}{'precision@3':>26}")
    print(f"{'':8}" + "".join(f"{'method':>9}{'BM25':>8}{'diff':>9}" for _ in range(3)))
    for lang, scores in ours.items():
        base = plain[lang]
        cells = "".join(f"{a:9.3f}{b:8.3f}{a - b:+9.3f}" for a, b in (
            (scores.ndcg3, base.ndcg3), (scores.mrr, base.mrr),
            (scores.precision3, base.precision3)))
        print(f"{lang:4}{scores.count:4}{cells}")
    median, p95 = latency_ms(lambda n: matcher.match(n.text, sector=n.sector), needs)
    print(f"latency of one need, method (match, top 10): median {median:.2f} ms, "
          f"95th percentile {p95:.2f} ms")
    median, p95 = latency_ms(lambda n: baseline.rank(n.text), needs)
    print(f"latency of one need, BM25 (rank):            median {median:.2f} ms, "
          f"95th percentile {p95:.2f} ms")

    if args.details:
        for need in needs:
            top = matcher.match(need.text, sector=need.sector, limit=3)
            plain_top = baseline.rank(need.text)[:3]
            print(f"\n{need.id} [{need.sector}] {need.text[:90]}")
            print("   method:", ", ".join(f"{m.expert}({need.relevant.get(m.expert, 0)})"
                                          f"{list(m.competences)}" for m in top))
            print("   BM25:  ", ", ".join(f"{k}({need.relevant.get(k, 0)})" for k in plain_top))
            print("   graded:", need.relevant)

    met = goal_met(ours, plain)
    print(f"goal (nDCG@3 >= BM25 + {GOAL} in every language): {'met' if met else 'MISSED'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
