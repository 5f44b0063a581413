"""Life cycle of an allocation (pure, no Django): its state on a day and the notices then due.

active -> expiring (from 30 days before the end) -> grace (the days after the end during which
running jobs finish but no new job is accepted) -> expired (no new job; the scheduler's account is
kept for the record). Notices go 30, 14, 7 and 0 days before the end, each at most once; when a
notice was missed (the daily tick did not run, or the allocation was granted late) only the most
urgent one due is sent, never a pile of stale ones.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta

ACTIVE = "active"
EXPIRING = "expiring"
GRACE = "grace"
EXPIRED = "expired"

NOTICE_DAYS = (30, 14, 7, 0)  # days before the end
EXPIRING_FROM_DAYS = NOTICE_DAYS[0]


@dataclass(frozen=True)
class Step:
    state: str
    notice: int | None  # days before the end of the notice to send today, if any


def state_on(*, end: date, grace_days: int, today: date) -> str:
    if today > end + timedelta(days=grace_days):
        return EXPIRED
    if today > end:
        return GRACE
    if today >= end - timedelta(days=EXPIRING_FROM_DAYS):
        return EXPIRING
    return ACTIVE


def due_notice(*, start: date, end: date, today: date, sent: Collection[int]) -> int | None:
    """The notice to send today: the most urgent one whose day has come, unless it or a more
    urgent one was already sent. None before the start and once the allocation expired."""
    if today < start:
        return None
    due = [d for d in NOTICE_DAYS if end - timedelta(days=d) <= today]
    if not due:
        return None
    urgent = min(due)
    if any(s <= urgent for s in sent):
        return None
    return urgent


def step(*, start: date, end: date, grace_days: int, today: date,
         sent: Collection[int]) -> Step:
    state = state_on(end=end, grace_days=grace_days, today=today)
    notice = None if state == EXPIRED else due_notice(start=start, end=end, today=today,
                                                      sent=sent)
    return Step(state=state, notice=notice)
