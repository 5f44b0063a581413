"""The sector aggregate of the maturity checks, built so that no comparison of what it shows
reveals one organisation's answers (pure Python and polars, no Django).

- Each organisation contributes its latest check in its sector; a snapshot is published when at
  least ``MIN_OTHERS`` organisations contribute, and published again only once at least
  ``MIN_NEW`` contributions changed (new organisations or checks taken again): two consecutive
  snapshots differ by five contributions or more, never by one.
- Each dimension is shown as the mean rounded to a band of ``BAND`` points, and only when the
  mean without any single contributor falls in the same band: the value an organisation sees is
  then both the aggregate of the others' answers (its own excluded) and the value everybody else
  sees, so comparing two views of one snapshot shows nothing; a dimension where one
  contributor's answers would move the band is withheld.
- An organisation sees a snapshot only when at least ``MIN_OTHERS`` other organisations are in
  it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

MIN_OTHERS = 5
MIN_NEW = 5
BAND = 10


def band(values: pl.Expr) -> pl.Expr:
    """Each value rounded half up to the nearest multiple of ``BAND``."""
    return ((values / BAND + 0.5).floor() * BAND).cast(pl.Int64)


def publishable(scores: Mapping[int, Mapping[str, int]],
                dimensions: Sequence[str]) -> dict[str, int | None]:
    """Per dimension: the banded mean over every contributor, or None when leaving out one
    contributor would change the band (one column per dimension, one row per contributor)."""
    n = len(scores)
    if n < MIN_OTHERS:
        raise ValueError(f"at least {MIN_OTHERS} contributions, got {n}")
    frame = pl.DataFrame({d: [float(row[d]) for row in scores.values()] for d in dimensions})
    # per dimension: the band of the mean, and whether every mean without one contributor
    # (row i: (total - score_i) / (n - 1)) falls in that band
    checked = frame.select(
        *(band(pl.col(d).sum() / n).alias(f"{d}:full") for d in dimensions),
        *((band((pl.col(d).sum() - pl.col(d)) / (n - 1)) == band(pl.col(d).sum() / n))
          .all().alias(f"{d}:steady") for d in dimensions),
    ).row(0, named=True)
    return {d: int(checked[f"{d}:full"]) if checked[f"{d}:steady"] else None
            for d in dimensions}


def changed(published: Mapping[int, int], current: Mapping[int, int]) -> int:
    """How many contributions (organisation -> its check) differ from a published snapshot's:
    new organisations, checks taken again, organisations gone."""
    keys = set(published) | set(current)
    return sum(1 for k in keys if published.get(k) != current.get(k))


def due(published: Mapping[int, int] | None, current: Mapping[int, int]) -> bool:
    """Whether a new snapshot is published now."""
    if len(current) < MIN_OTHERS:
        return False
    return published is None or changed(published, current) >= MIN_NEW


def visible_to(contributors: Sequence[int], organisation_id: int | None) -> bool:
    """Whether an organisation may see a snapshot: five others in it at least."""
    return len(set(contributors) - {organisation_id}) >= MIN_OTHERS
