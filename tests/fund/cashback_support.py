"""What the cashback tests share: a statement of the world's project, its claim computed and
submitted by the organisation's admin."""

from __future__ import annotations

from datetime import date

from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.billing.models import Statement
from laif.fund import services
from laif.fund.models import CashbackClaim
from tests.compute.billing_support import NOW, entry, issue
from tests.factories import World

JULY = date(2026, 7, 1)


def statement_of(world: World, gpu_s: int = 36_000, month: date = JULY) -> Statement:
    entry(world.project, world.member, month, gpu_s=gpu_s)
    return issue(world.operator, world.project, month)


def claim_of(world: World, statement: Statement) -> CashbackClaim:
    return services.cashback_claim_compute(access=access_for(world.org_admin),
                                           actor=Actor.of(world.org_admin),
                                           statement_id=statement.pk, now=NOW)


def submitted_claim(world: World, month: date = JULY) -> CashbackClaim:
    claim = claim_of(world, statement_of(world, month=month))
    return services.cashback_claim_submit(access=access_for(world.org_admin),
                                          actor=Actor.of(world.org_admin), claim_id=claim.pk)
