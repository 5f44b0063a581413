"""How a run ended, in four words people filter by, from a state as the platform or Slurm writes
it (``running``, ``COMPLETED``, ``CANCELLED by 1234``, ``OUT_OF_MEMORY``...). Pure: no Django.

- *active*: not finished yet (held by the platform, waiting, running, or a state the platform
  could not read, which still counts against the budget);
- *completed*: ended by itself without error;
- *cancelled*: ended by a person or an operator;
- *failed*: every other end (error, time limit, out of memory, node failure, preemption,
  refused by the scheduler, lost)."""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


ACTIVE_STATES = frozenset({
    # the platform's
    "queued", "submitting", "confirming", "pending", "running", "unknown",
    # Slurm's, for a job not finished yet
    "configuring", "completing", "requeued", "requeue_fed", "requeue_hold", "resizing",
    "resv_del_hold", "signaling", "special_exit", "stage_out", "stopped", "suspended",
})


def outcome_of(state: str) -> Outcome:
    """The outcome of a state in any case; Slurm's ``CANCELLED by <uid>`` is cancelled."""
    word = state.strip().lower()
    if word in ACTIVE_STATES:
        return Outcome.ACTIVE
    if word == "completed":
        return Outcome.COMPLETED
    if word.split(" ", 1)[0] == "cancelled":
        return Outcome.CANCELLED
    return Outcome.FAILED
