"""Demo billing data on top of ``compute.demo``: last month's statement of the demo organisation,
issued by the demo operator through ``statement_issue``. Idempotent; refused in production (as
``compute.demo``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from laif.accounts import demo as accounts_demo
from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.selectors import user_by_email
from laif.billing.models import Statement
from laif.billing.services import statement_issue
from laif.compute.demo import DemoUsage, compute_demo_load


@dataclass(frozen=True)
class DemoBilling:
    usage: DemoUsage
    statement_number: str


def billing_demo_load(*, now: datetime | None = None) -> DemoBilling:
    """``compute_demo_load`` (allocation and usage), then last month's statement."""
    now = now or timezone.now()
    usage = compute_demo_load(now=now)
    statement = Statement.objects.filter(organisation_id=usage.organisation_id,
                                         month=usage.last_month).first()
    if statement is None:
        operator = user_by_email(accounts_demo.OPERATOR)
        statement = statement_issue(access=access_for(operator), actor=Actor.of(operator),
                                    organisation_id=usage.organisation_id,
                                    month=usage.last_month, now=now)
    return DemoBilling(usage=usage, statement_number=statement.number)
