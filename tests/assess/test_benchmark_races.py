"""Concurrency on PostgreSQL: two checks that each complete the five new contributions a new
snapshot of the sector aggregate waits for, sent at once. The sector's row lock lets one
publish; the other finds one change since and publishes nothing, so no two snapshots are one
contribution apart (which would reveal that contribution)."""

from __future__ import annotations

import pytest

from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.assess import benchmark, services
from laif.assess.models import SectorBenchmark
from laif.catalogue.assess import load_questionnaire
from tests.concurrency import in_threads, needs_postgres
from tests.factories import sign_up

pytestmark = [pytest.mark.postgres, needs_postgres, pytest.mark.django_db(transaction=True)]


def test_two_checks_at_once_publish_one_snapshot() -> None:
    answers = load_questionnaire().answers_worth(2)
    admins = [sign_up(f"Plant {i}", f"admin@plant{i}.lu", sector="industry") for i in range(11)]

    def take(i: int) -> object:
        org, admin = admins[i]
        return services.assessment_submit(access=access_for(admin), actor=Actor.of(admin),
                                          organisation_id=org.pk, answers=answers)

    for i in range(9):  # five publish the first snapshot; four more wait
        take(i)
    assert SectorBenchmark.objects.count() == 1
    in_threads(2, lambda i: take(9 + i))
    snapshots = list(SectorBenchmark.objects.order_by("published_at", "pk"))
    assert len(snapshots) == 2
    first, second = ({int(k): v for k, v in s.contributions.items()} for s in snapshots)
    assert benchmark.changed(first, second) == 5
