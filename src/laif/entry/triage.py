"""The rules of the single point of entry that need no database (pure Python, no Django):
routing a need to the services that fit (the rules of ``catalogue/entry.json``), the response
time target in working days, the overdue flag and the statuses a request may move between.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from laif.catalogue.entry import Rule, Triage

UNVERIFIED, NEW, TRIAGED, IN_PROGRESS, CLOSED = "unverified", "new", "triaged", "in_progress", "closed"
# where staff may move a request from each status (a closed request can be reopened)
TRANSITIONS: dict[str, frozenset[str]] = {
    NEW: frozenset({TRIAGED, IN_PROGRESS, CLOSED}),
    TRIAGED: frozenset({IN_PROGRESS, CLOSED}),
    IN_PROGRESS: frozenset({TRIAGED, CLOSED}),
    CLOSED: frozenset({TRIAGED}),
}
SATURDAY = 5


class NeedError(ValueError):
    """An answer the catalogue does not offer; ``field`` names the question."""

    def __init__(self, field: str, value: str) -> None:
        super().__init__(f"{field}: {value!r} is not one of the answers offered")
        self.field = field


@dataclass(frozen=True)
class Need:
    goal: str
    sector: str
    data: frozenset[str]
    budget: str
    timeline: str

    def answers(self, question: str) -> frozenset[str]:
        if question == "data":
            return self.data
        return frozenset({getattr(self, question)})


@dataclass(frozen=True)
class Match:
    """One rule that routed the need: the service, its pillar, the next step and why."""

    rule: str
    service: str
    pillar: str
    next_step: str
    because_en: str
    because_fr: str
    working_days: int | None

    def because(self, language: str) -> str:
        return self.because_fr if language.startswith("fr") else self.because_en


def check_need(need: Need, triage: Triage) -> None:
    """``NeedError`` for the first answer the catalogue does not offer (``none`` held data may
    not come with other data)."""
    for question in ("goal", "sector", "budget", "timeline"):
        value = getattr(need, question)
        if value not in triage.keys(question):
            raise NeedError(question, value)
    if not need.data:
        raise NeedError("data", "")
    unknown = sorted(need.data - triage.keys("data"))
    if unknown:
        raise NeedError("data", unknown[0])
    if "none" in need.data and len(need.data) > 1:
        raise NeedError("data", "none")


def _matches(rule: Rule, need: Need) -> bool:
    return all(need.answers(question) & values for question, values in rule.when.items())


def _match(rule: Rule, triage: Triage) -> Match:
    service = triage.services[rule.service]
    return Match(rule.id, service.key, service.pillar, service.next_step, rule.en, rule.fr,
                 rule.working_days)


def classify(need: Need, triage: Triage) -> tuple[Match, ...]:
    """Every rule the need matches, in the catalogue's order; the fallback when none does."""
    check_need(need, triage)
    found = tuple(_match(rule, triage) for rule in triage.rules if _matches(rule, need))
    return found or (_match(triage.fallback, triage),)


def next_steps(matches: tuple[Match, ...]) -> tuple[str, ...]:
    """The next steps the matched services propose, each once, in the order of the rules."""
    return tuple(dict.fromkeys(m.next_step for m in matches))


def working_days(matches: tuple[Match, ...], default: int) -> int:
    """The response time target: the shortest any matched rule sets, else the catalogue's."""
    return min((m.working_days for m in matches if m.working_days), default=default)


def respond_by(start: datetime, days: int) -> datetime:
    """``days`` working days (Monday to Friday) after ``start``, at the same time of day; a start
    on a weekend counts from the next Monday's start."""
    at = start
    if at.weekday() >= SATURDAY:
        at = (at + timedelta(days=7 - at.weekday())).replace(hour=0, minute=0, second=0,
                                                             microsecond=0)
    left = days
    while left:
        at += timedelta(days=1)
        if at.weekday() < SATURDAY:
            left -= 1
    return at


def is_overdue(*, status: str, due: datetime | None, responded_at: datetime | None,
               now: datetime) -> bool:
    """A request in the inbox that staff have not answered by its target."""
    return (status not in (UNVERIFIED, CLOSED) and due is not None and responded_at is None
            and now > due)


def can_move(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())
