"""Concurrency on PostgreSQL: two issues of one statement, two claims of one organisation.

Threads with their own connections released together; the organisation row lock (and the unique
constraints behind it) let exactly one win: every ledger entry is billed once, the cap holds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.test import override_settings

from laif.accounts.access import access_for
from laif.accounts.audit import Actor, audit_verify
from laif.accounts.errors import Conflict
from laif.billing.models import BilledEntry, Statement
from laif.fund import services as fund
from laif.fund.models import CashbackClaim
from tests.compute.billing_support import NOW, entry, issue
from tests.concurrency import in_threads as run_in_threads
from tests.concurrency import needs_postgres
from tests.factories import make_world

pytestmark = [
    pytest.mark.postgres,
    needs_postgres,
    pytest.mark.django_db(transaction=True),
]

JULY, AUGUST = date(2026, 7, 1), date(2026, 8, 1)


def in_threads(count: int, work: Callable[[int], Any]) -> list[Any]:
    return run_in_threads(count, work, expected=(Conflict,))


def test_two_issues_of_one_statement_bill_once() -> None:
    w = make_world()
    for _ in range(20):
        entry(w.project, w.member, JULY, gpu_s=3600, cpu_s=60)
    results = in_threads(2, lambda i: issue(w.operator, w.project, JULY))
    assert len([r for r in results if isinstance(r, Conflict)]) == 1, results
    assert Statement.objects.count() == 1
    assert BilledEntry.objects.count() == 20
    assert audit_verify().ok


@override_settings(LAIF_CASHBACK_CAP_EUR=30)
def test_two_claims_together_stay_within_the_cap() -> None:
    w = make_world()
    entry(w.project, w.member, JULY, gpu_s=36_000)
    entry(w.project, w.member, AUGUST, gpu_s=36_000)
    statements = [issue(w.operator, w.project, JULY), issue(w.operator, w.project, AUGUST)]
    results = in_threads(2, lambda i: fund.cashback_claim_compute(
        access=access_for(w.org_admin), actor=Actor.of(w.org_admin),
        statement_id=statements[i].pk, now=NOW))
    assert not [r for r in results if isinstance(r, Conflict)], results
    amounts = sorted(CashbackClaim.objects.values_list("amount_cents", flat=True))
    assert amounts == [1240, 1760]  # 17.60 then what is left of 30.00
    assert audit_verify().ok
