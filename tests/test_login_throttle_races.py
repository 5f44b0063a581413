"""Concurrency on PostgreSQL: failed logins of one (account, address) that arrive together are
all counted (axes creates the row and increments it under a row lock), and they lock that pair
only."""

from __future__ import annotations

import pytest
from django.db.models import Sum
from django.test import Client, override_settings

from tests.concurrency import in_threads, needs_postgres
from tests.factories import PASSWORD, make_world

pytestmark = [
    pytest.mark.postgres,
    needs_postgres,
    pytest.mark.django_db(transaction=True),
]

THREADS = 8


def fail_once(_i: int) -> int:
    response = Client(REMOTE_ADDR="203.0.113.5").post(
        "/api/auth/token", {"email": "member@acme.lu", "password": "wrong"},
        content_type="application/json")
    return response.status_code


@override_settings(LAIF_LOGIN_MAX_FAILURES=100)
def test_concurrent_failures_are_all_counted() -> None:
    make_world()
    for _round in range(3):  # the first round races to create the record, the next to update it
        assert in_threads(THREADS, fail_once) == [401] * THREADS
    from axes.models import AccessAttempt

    rows = AccessAttempt.objects.filter(username="member@acme.lu", ip_address="203.0.113.5")
    assert rows.count() == 1
    assert rows.aggregate(n=Sum("failures_since_start"))["n"] == 3 * THREADS


@override_settings(LAIF_LOGIN_MAX_FAILURES=THREADS)
def test_concurrent_failures_lock_that_address_only() -> None:
    make_world()
    results = in_threads(THREADS, fail_once)
    # The one that reached the limit (and any that counted after it) is told it must wait.
    assert set(results) <= {401, 429}, results
    assert 429 in results, results
    from axes.models import AccessAttempt

    assert AccessAttempt.objects.get(username="member@acme.lu").failures_since_start == THREADS
    locked = Client(REMOTE_ADDR="203.0.113.5").post(
        "/api/auth/token", {"email": "member@acme.lu", "password": PASSWORD},
        content_type="application/json")
    assert locked.status_code == 429
    elsewhere = Client(REMOTE_ADDR="192.0.2.10").post(
        "/api/auth/token", {"email": "member@acme.lu", "password": PASSWORD},
        content_type="application/json")
    assert elsewhere.status_code == 201
