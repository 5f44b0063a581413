"""The sector aggregate's rules without a database: when a snapshot is published, which
dimensions it shows, who may see it; and the differencing attacks it must defeat."""

from __future__ import annotations

import random

import pytest

from laif.assess import benchmark as b

DIMS = ["data", "skills"]


def scores(*rows: tuple[int, int]) -> dict[int, dict[str, int]]:
    return {i + 1: dict(zip(DIMS, row, strict=True)) for i, row in enumerate(rows)}


def test_the_band_of_the_mean_is_shown_when_no_one_contributor_moves_it() -> None:
    steady = scores((50, 30), (52, 31), (48, 29), (51, 30), (49, 30))
    assert b.publishable(steady, DIMS) == {"data": 50, "skills": 30}


def test_a_dimension_one_contributor_could_move_is_withheld() -> None:
    # without the last one "data" falls from band 50 to band 40: withheld; "skills" holds
    outlier = scores((44, 30), (44, 31), (44, 29), (44, 30), (80, 30))
    assert b.publishable(outlier, DIMS) == {"data": None, "skills": 30}


def test_fewer_than_five_contributions_are_never_published() -> None:
    with pytest.raises(ValueError, match="at least 5"):
        b.publishable(scores(*[(50, 50)] * 4), DIMS)
    assert not b.due(None, {1: 1, 2: 2, 3: 3, 4: 4})
    assert b.due(None, {1: 1, 2: 2, 3: 3, 4: 4, 5: 5})


def test_a_snapshot_is_published_again_only_after_five_changed_contributions() -> None:
    published = {org: org for org in range(1, 7)}
    four_new = {**published, 7: 7, 8: 8, 1: 101, 2: 102}  # two newcomers, two taken again
    assert b.changed(published, four_new) == 4
    assert not b.due(published, four_new)
    assert b.due(published, {**four_new, 9: 9})


def test_an_organisation_sees_a_snapshot_only_with_five_others_in_it() -> None:
    assert b.visible_to([1, 2, 3, 4, 5], None)  # a non-contributor: five in it
    assert b.visible_to([1, 2, 3, 4, 5], 9)
    assert not b.visible_to([1, 2, 3, 4, 5], 1)  # a contributor: four others only
    assert b.visible_to([1, 2, 3, 4, 5, 6], 1)


def test_comparing_what_any_two_organisations_see_of_a_snapshot_reveals_nothing() -> None:
    """The attack: an organisation (or someone in two organisations) compares the aggregate it
    sees with another's. Each sees the band of the mean of the others; that band is shown only
    when it equals the band of the mean of everyone and of everyone but any one, so every view
    of a snapshot is the same number, whichever organisation looks."""
    rng = random.Random(2026)
    shown = withheld = 0
    for _ in range(400):
        n = rng.randint(5, 12)
        matrix = scores(*[(rng.randint(0, 100), rng.randint(30, 45)) for _ in range(n)])
        published = b.publishable(matrix, DIMS)
        for dim, value in published.items():
            views = set()
            for viewer in matrix:  # the mean without the viewer, rounded as shown
                others = [row[dim] for org, row in matrix.items() if org != viewer]
                views.add(int(sum(others) / len(others) / b.BAND + 0.5) * b.BAND)
            everyone = sum(row[dim] for row in matrix.values()) / n
            views.add(int(everyone / b.BAND + 0.5) * b.BAND)
            if value is None:
                withheld += 1
                assert len(views) > 1  # withheld only where the views would have differed
            else:
                shown += 1
                assert views == {value}  # identical for every viewer: nothing to subtract
    assert shown > 100
    assert withheld > 100


def test_comparing_two_consecutive_snapshots_never_isolates_one_contribution() -> None:
    """The other attack: read the aggregate before and after one organisation takes the check.
    One new check publishes nothing; the next snapshot differs by five contributions at
    least, whatever order checks arrive in."""
    rng = random.Random(19)
    published: dict[int, int] | None = None
    current: dict[int, int] = {}
    for check in range(1, 301):
        org = rng.randint(1, 40)
        current[org] = check  # a newcomer, or an organisation taking the check again
        if b.due(published, current):
            if published is not None:
                assert b.changed(published, current) >= b.MIN_NEW
            published = dict(current)
    assert published is not None
